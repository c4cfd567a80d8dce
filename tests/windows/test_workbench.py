"""The clerk's workbench over HTTP: queues, outcomes, walk-in intake, fees, delivery, permissions."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications import services as cases
from applications.licences import issuing
from applications.models import (
    Application,
    CorrectionNotice,
    Delivery,
    Document,
    FeeAssessment,
    Party,
    SubmittedMaterial,
)
from catalog.models import MaterialRequirement
from portal.models import AuditEvent
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, make_resident_id, next_uscc
from tests.windows.conftest import PARTY_ID_NUMBER, clock_at, pdf
from windows.models import DeliveryCheck, Intake

S = Application.Status
WALK_IN_ID = make_resident_id(birth="19850612", seq="456")


def case_url(application: Application, name: str = "case") -> str:
    return reverse(f"windows:{name}", args=[application.number])


# --- Who may use the workbench ---------------------------------------------------------------------


def test_a_clerk_of_hall_a_sees_the_online_submission_and_hall_b_does_not(client, submitted, clerk_a, clerk_b):
    login_verified(client, clerk_a)
    page = client.get(reverse("windows:workbench"))
    assert page.status_code == 200 and submitted.number in page.content.decode()

    client.logout()
    login_verified(client, clerk_b)
    assert submitted.number not in client.get(reverse("windows:workbench")).content.decode()
    assert submitted.number not in client.get(reverse("windows:prereview_queue")).content.decode()
    assert client.get(case_url(submitted)).status_code == 404
    assert client.post(case_url(submitted, "take_in")).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def submit_another(item, party, citizen, day: dt.date = dt.date(2026, 3, 3)) -> Application:
    application = cases.start_application(user=citizen, item=item, party=party)
    cases.save_draft(application=application, form_data={"applicant_name": "张三", "id_number": PARTY_ID_NUMBER})
    cases.attach_material(application=application, requirement=item.materials.get(), file=pdf(), actor=citizen)
    return cases.submit_application(application=application, actor=citizen, declaration=True, clock=clock_at(day))


def test_the_prereview_queue_is_oldest_first(client, submitted, clerk_a, licensing_item, party, citizen):
    later = submit_another(licensing_item, party, citizen)
    login_verified(client, clerk_a)
    body = client.get(reverse("windows:prereview_queue")).content.decode()
    assert body.index(submitted.number) < body.index(later.number)


@pytest.mark.parametrize("persona", ["citizen", "reviewer_x"])
def test_citizens_and_reviewers_are_refused_the_workbench(client, persona, request, submitted):
    user = request.getfixturevalue(persona)
    if user.is_portal_staff:
        login_verified(client, user)
    else:
        client.force_login(user)
    assert client.get(reverse("windows:workbench")).status_code == 403
    assert client.get(case_url(submitted)).status_code == 403
    assert client.post(case_url(submitted, "take_in")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("windows:workbench"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- The four outcomes ---------------------------------------------------------------------------------


def test_accepting_on_a_receipt_window_starts_the_review_and_offers_the_receipt(client_a, submitted, window_a):
    response = client_a.post(case_url(submitted, "take_in"))
    assert response.status_code == 302 and response["Location"] == case_url(submitted)
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW and submitted.due_on is not None
    assert Intake.objects.get(application=submitted).window == window_a
    receipt = Document.objects.get(application=submitted, kind=Document.Kind.ACCEPTANCE_RECEIPT)
    page = client_a.get(case_url(submitted)).content.decode()
    assert reverse("applications:document", args=[submitted.number, receipt.token]) in page


def test_a_receive_only_window_receives_for_the_department(client, submitted, clerk_a2):
    login_verified(client, clerk_a2)
    page = client.get(case_url(submitted)).content.decode()
    assert ">收件</a>" in page and ">受理</a>" not in page
    client.post(case_url(submitted, "take_in"))
    submitted.refresh_from_db()
    assert submitted.status == S.RECEIVED and submitted.auto_accept_on is not None
    assert not Document.objects.filter(application=submitted, kind=Document.Kind.ACCEPTANCE_RECEIPT).exists()


def test_acceptance_asks_to_confirm_with_the_dates_it_will_set_and_changes_nothing_before(client_a, submitted):
    page = client_a.get(case_url(submitted, "take_in"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "承诺办结日期" in text and "确认受理并出具受理凭证" in text
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not Intake.objects.filter(application=submitted).exists()


def test_the_prereview_queue_shows_when_the_case_counts_as_accepted(client, submitted, clerk_a, clerk_a2):
    login_verified(client, clerk_a2).post(case_url(submitted, "take_in"))  # received: art. 32's five days run
    submitted.refresh_from_db()
    Application.objects.filter(pk=submitted.pk).update(status=S.SUBMITTED)  # back in a queue to look at it
    page = client.get(reverse("windows:prereview_queue")).content.decode()
    assert "逾期视为受理" in page and f"{submitted.auto_accept_on:%Y-%m-%d}" in page


def test_a_correction_offers_only_the_materials_that_apply_with_what_was_received(client_a, submitted):
    licensed = MaterialRequirementFactory(
        item=submitted.item, name="居民身份证（电子证照）", source=MaterialRequirement.Source.LICENSE
    )
    SubmittedMaterial.objects.filter(application=submitted).update(original_name="申请书-签字版.pdf")
    # Filled in from the applicant's e-licence at submission (applications/licences/fetching.py).
    SubmittedMaterial.objects.create(application=submitted, requirement=licensed, licence_number="SFZ-1")
    page = client_a.get(case_url(submitted, "correction")).content.decode()
    assert "申请书" in page and "申请书-签字版.pdf" in page
    assert licensed.name not in page


def test_the_window_sees_a_material_filled_in_from_an_e_licence_as_verified_with_issuer_and_validity(
    client_a, submitted
):
    licensed = MaterialRequirementFactory(
        item=submitted.item,
        name="申请人居民身份证",
        source=MaterialRequirement.Source.LICENSE,
        license_code="居民身份证",
    )
    SubmittedMaterial.objects.create(
        application=submitted,
        requirement=licensed,
        licence_number="SFZ-1",
        licence_issuer="南京市公安局玄武分局",
        licence_issued_on=dt.date(2016, 3, 1),
        licence_valid_until=dt.date(2036, 3, 1),
    )
    page = client_a.get(case_url(submitted)).content.decode()
    assert "已核验（电子证照）" in page and "SFZ-1" in page
    assert "南京市公安局玄武分局" in page and "2016-03-01" in page and "2036-03-01" in page
    # Its PDF: for the clerk of a case that used it; the registry's answer (not held there: 404).
    assert client_a.get(reverse("applications:licence_pdf", args=["SFZ-1"])).status_code == 404
    issuing.record_licence(
        kind="居民身份证",
        number="SFZ-1",
        holder_type="person",
        holder_id_type="resident_id",
        holder_id_number=PARTY_ID_NUMBER,
        holder_name="张三",
        issuer="南京市公安局玄武分局",
        issued_on=dt.date(2016, 3, 1),
    )
    assert client_a.get(reverse("applications:licence_pdf", args=["SFZ-1"])).status_code == 200


def test_a_correction_can_be_previewed_before_it_is_issued(client_a, submitted):
    requirement = submitted.item.materials.get()
    due = timezone.localdate() + dt.timedelta(days=30)
    data = {f"pick_{requirement.pk}": "on", f"reason_{requirement.pk}": "缺少申请人签字", "due_on": due.isoformat()}
    preview = client_a.post(case_url(submitted, "correction"), {**data, "preview": "1"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "一次性告知书预览" in text and "缺少申请人签字" in text and f"{due:%Y-%m-%d}" in text
    assert not CorrectionNotice.objects.filter(application=submitted).exists()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert client_a.post(case_url(submitted, "correction"), data).status_code == 302
    assert CorrectionNotice.objects.filter(application=submitted).count() == 1


def test_a_second_clerk_accepting_the_same_case_gets_409(client, submitted, clerk_a, clerk_a2):
    login_verified(client, clerk_a).post(case_url(submitted, "take_in"))
    client.logout()
    login_verified(client, clerk_a2)
    response = client.post(case_url(submitted, "take_in"))
    assert response.status_code == 409
    assert "不能收件" in response.content.decode()
    assert Intake.objects.get(application=submitted).clerk == clerk_a


def test_a_correction_lists_the_ticked_materials_and_free_text_entries(client_a, submitted):
    requirement = submitted.item.materials.get()
    page = client_a.get(case_url(submitted, "correction"))
    assert page.status_code == 200 and requirement.name in page.content.decode()
    due = timezone.localdate() + dt.timedelta(days=30)
    response = client_a.post(
        case_url(submitted, "correction"),
        {
            f"pick_{requirement.pk}": "on",
            f"reason_{requirement.pk}": "缺少申请人签字",
            "extra_name_0": "现场照片",
            "extra_reason_0": "补充经营场所照片",
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    notice = CorrectionNotice.objects.get(application=submitted)
    assert [e["name"] for e in notice.entries] == [requirement.name, "现场照片"] and notice.due_on == due
    assert Document.objects.filter(application=submitted, kind=Document.Kind.CORRECTION_NOTICE).exists()
    submitted.refresh_from_db()
    assert submitted.status == S.CORRECTION_REQUESTED


def test_a_correction_needs_entries_and_a_reason_for_each(client_a, submitted):
    requirement = submitted.item.materials.get()
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    empty = client_a.post(case_url(submitted, "correction"), {"due_on": due})
    assert empty.status_code == 422 and "一次性告知" in empty.content.decode()
    no_reason = client_a.post(case_url(submitted, "correction"), {f"pick_{requirement.pk}": "on", "due_on": due})
    assert no_reason.status_code == 422 and "需要补正的内容" in no_reason.content.decode()
    past = client_a.post(
        case_url(submitted, "correction"),
        {
            f"pick_{requirement.pk}": "on",
            f"reason_{requirement.pk}": "不清晰",
            "due_on": timezone.localdate().isoformat(),
        },
    )
    assert past.status_code == 422 and "补正期限须晚于今天" in past.content.decode()
    assert not CorrectionNotice.objects.exists()


def test_a_refusal_without_a_legal_basis_is_422_and_changes_nothing(client_a, submitted):
    response = client_a.post(case_url(submitted, "refuse"), {"reason": "不属于本机关职权范围", "basis": ""})
    assert response.status_code == 422 and "法律依据" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not Document.objects.filter(application=submitted).exists()


def test_a_refusal_with_reason_and_basis_issues_the_notice(client_a, submitted):
    response = client_a.post(
        case_url(submitted, "refuse"),
        {
            "reason": "申请事项依法不需要取得行政许可",
            "basis": "《行政许可法》第三十二条第一款第（一）项",
            "competent_agency": "",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.REFUSED
    document = Document.objects.get(application=submitted, kind=Document.Kind.REFUSAL_NOTICE)
    assert document.context["basis"].startswith("《行政许可法》")


def test_an_outcome_the_state_does_not_allow_is_409(client_a, submitted):
    client_a.post(case_url(submitted, "take_in"))
    response = client_a.post(case_url(submitted, "refuse"), {"reason": "重复", "basis": "行政许可法第三十二条"})
    assert response.status_code == 409
    assert "审查中" in response.content.decode()


def test_revealing_the_full_id_number_is_audited(client_a, submitted, clerk_a):
    page = client_a.get(case_url(submitted)).content.decode()
    assert PARTY_ID_NUMBER not in page and submitted.party.id_number_masked in page
    assert client_a.get(case_url(submitted, "reveal")).status_code == 405
    response = client_a.post(case_url(submitted, "reveal"))
    assert response.status_code == 200 and PARTY_ID_NUMBER in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal_id_number", actor=clerk_a)
    assert event.object_id == str(submitted.party.pk) and PARTY_ID_NUMBER not in str(event.detail)


# --- Walk-in intake ---------------------------------------------------------------------------------------


def walk_in_url(window, item) -> str:
    return reverse("windows:walk_in_form", args=[window.pk, item.pk])


def walk_in_data(item, **overrides) -> dict:
    requirement = item.materials.get()
    data = {
        "applicant_kind": "person",
        "applicant_name": "王五",
        "id_number": WALK_IN_ID,
        "phone": "13900139000",
        "f_applicant_name": "王五",
        "f_id_number": WALK_IN_ID,
        f"m{requirement.pk}_originals": "1",
        f"m{requirement.pk}_copies": "2",
        "delivery_method": "collect",
        "declaration": "on",
        "idempotency_key": "8f14e45fceea167a5a36dedd4bea2543",
    }
    data.update(overrides)
    return data


def test_the_walk_in_page_lists_only_the_items_of_my_window(client_a, window_a, licensing_item, item_y):
    page = client_a.get(reverse("windows:walk_in")).content.decode()
    assert licensing_item.name in page and item_y.name not in page
    form = client_a.get(walk_in_url(window_a, licensing_item))
    assert form.status_code == 200 and "申请人已签字确认" in form.content.decode()


def test_a_walk_in_files_a_submitted_case_with_the_paper_received(client_a, window_a, licensing_item, clerk_a):
    response = client_a.post(walk_in_url(window_a, licensing_item), walk_in_data(licensing_item))
    application = Application.objects.get(channel=Application.Channel.WINDOW)
    assert response.status_code == 302 and response["Location"] == case_url(application)
    assert application.status == S.SUBMITTED and application.applicant_user is None
    assert application.party.name == "王五" and application.declaration_signed_at is not None
    material = SubmittedMaterial.objects.get(application=application)
    assert (material.originals_received, material.copies_received, bool(material.file)) == (1, 2, False)
    assert Intake.objects.get(application=application).clerk == clerk_a
    page = client_a.get(case_url(application)).content.decode()
    assert ">受理</a>" in page and "原件 1 份，复印件 2 份" in page


def test_a_walk_in_with_a_scan_stores_the_file(client_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    data = walk_in_data(licensing_item, **{f"m{requirement.pk}_scan": pdf("申请书.pdf")})
    assert client_a.post(walk_in_url(window_a, licensing_item), data).status_code == 302
    material = SubmittedMaterial.objects.get(requirement=requirement)
    assert material.file and material.content_type == "pdf" and material.originals_received == 1


def test_a_walk_in_with_a_wrong_id_number_shows_the_message(client_a, window_a, licensing_item):
    wrong = WALK_IN_ID[:-1] + ("0" if WALK_IN_ID[-1] != "0" else "1")
    response = client_a.post(walk_in_url(window_a, licensing_item), walk_in_data(licensing_item, id_number=wrong))
    assert response.status_code == 422
    assert "校验码" in response.content.decode()
    assert not Application.objects.exists() and not Party.objects.exists()


def test_a_walk_in_without_the_signature_or_the_materials_is_refused(client_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    data = walk_in_data(licensing_item, **{f"m{requirement.pk}_originals": "0", f"m{requirement.pk}_copies": "0"})
    del data["declaration"]
    response = client_a.post(walk_in_url(window_a, licensing_item), data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "签字确认" in body and f"未收取必要材料：{requirement.name}" in body
    assert not Application.objects.exists() and not Party.objects.exists()


def test_a_walk_in_missing_a_required_material_is_registered_with_a_one_time_notice_for_it(
    client_a, window_a, licensing_item, clerk_a
):
    missing = licensing_item.materials.get(name="申请书")
    data = walk_in_data(
        licensing_item, **{f"m{missing.pk}_originals": "0", f"m{missing.pk}_copies": "0"}, ask_for_missing="on"
    )
    brought = MaterialRequirementFactory(item=licensing_item, name="身份证复印件")
    data.update({f"m{brought.pk}_originals": "1", f"m{brought.pk}_copies": "0"})
    response = client_a.post(walk_in_url(window_a, licensing_item), data)
    application = Application.objects.get(channel=Application.Channel.WINDOW)
    assert response.status_code == 302 and response["Location"] == case_url(application)
    assert application.status == S.CORRECTION_REQUESTED and application.number
    notice = CorrectionNotice.objects.get(application=application)
    assert [e["name"] for e in notice.entries] == ["申请书"] and notice.issued_by == clerk_a
    assert Document.objects.filter(application=application, kind=Document.Kind.CORRECTION_NOTICE).exists()
    assert SubmittedMaterial.objects.get(application=application).requirement == brought
    # The applicant brings it later: the clerk takes it in against the notice, the case is back for pre-review.
    upload = {f"c{missing.pk}": pdf("申请书.pdf")}
    assert client_a.post(case_url(application, "take_correction"), upload).status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_a_walk_in_missing_a_required_material_without_the_notice_is_refused_and_says_how(
    client_a, window_a, licensing_item
):
    requirement = licensing_item.materials.get()
    data = walk_in_data(licensing_item, **{f"m{requirement.pk}_originals": "0", f"m{requirement.pk}_copies": "0"})
    response = client_a.post(walk_in_url(window_a, licensing_item), data)
    assert response.status_code == 422 and "可勾选“材料不全”登记已收材料" in response.content.decode()
    assert not Application.objects.exists()


def test_only_a_window_may_submit_a_case_with_materials_to_follow(submitted, citizen):
    from applications.models import Application as App
    from portal.exceptions import PermissionDenied

    draft = cases.start_application(user=citizen, item=submitted.item, party=submitted.party)
    with pytest.raises(PermissionDenied):
        cases.submit_application(application=draft, actor=citizen, declaration=True, materials_to_follow=True)
    assert App.objects.get(pk=draft.pk).status == S.DRAFT


def test_a_walk_in_with_an_invalid_form_shows_the_item_forms_message(client_a, window_a, licensing_item):
    # 身份证号码 is the item's own field (not one the applicant block fills in).
    response = client_a.post(walk_in_url(window_a, licensing_item), walk_in_data(licensing_item, f_id_number=""))
    assert response.status_code == 422 and "请填写“身份证号码”" in response.content.decode()
    assert not Application.objects.exists()


def test_a_walk_in_with_a_fake_scan_is_refused_and_nothing_is_written(client_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    fake = SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_a.post(
        walk_in_url(window_a, licensing_item), walk_in_data(licensing_item, **{f"m{requirement.pk}_scan": fake})
    )
    assert response.status_code == 422 and "允许的格式" in response.content.decode()
    assert not Application.objects.exists() and not SubmittedMaterial.objects.exists()


def test_a_double_submitted_walk_in_makes_one_case(client_a, window_a, licensing_item):
    first = client_a.post(walk_in_url(window_a, licensing_item), walk_in_data(licensing_item))
    second = client_a.post(walk_in_url(window_a, licensing_item), walk_in_data(licensing_item))
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1


def test_a_walk_in_for_a_company_needs_and_records_the_agent(client_a, window_a, licensing_item):
    uscc = next_uscc()
    data = walk_in_data(
        licensing_item, applicant_kind="organization", applicant_name="南京某某有限公司", id_number=uscc
    )
    missing_agent = client_a.post(walk_in_url(window_a, licensing_item), data)
    assert missing_agent.status_code == 422 and "经办人" in missing_agent.content.decode()
    data.update(agent_name="王五", agent_id_number=WALK_IN_ID)
    assert client_a.post(walk_in_url(window_a, licensing_item), data).status_code == 302
    application = Application.objects.get()
    assert application.party.id_type == Party.IdType.USCC and application.acting_as == Application.ActingAs.AGENT
    assert application.intake.agent.name == "王五"


def test_a_walk_in_for_an_item_my_window_is_not_authorised_for_is_404(
    client_a, window_a, window_b, item_y, licensing_item
):
    assert client_a.get(walk_in_url(window_a, item_y)).status_code == 404
    assert client_a.post(walk_in_url(window_a, item_y), walk_in_data(item_y)).status_code == 404
    assert client_a.get(walk_in_url(window_b, licensing_item)).status_code == 404  # not my window
    assert not Application.objects.exists()


# --- Fees and delivery ------------------------------------------------------------------------------------


def test_the_delivery_queue_holds_the_decided_cases_of_my_hall(client, decided, clerk_a, clerk_b):
    login_verified(client, clerk_a)
    assert decided.number in client.get(reverse("windows:delivery_queue")).content.decode()
    client.logout()
    login_verified(client, clerk_b)
    assert decided.number not in client.get(reverse("windows:delivery_queue")).content.decode()
    assert client.get(case_url(decided, "deliver")).status_code == 404


def test_nothing_is_delivered_before_the_fee_is_paid(client_a, decided):
    response = client_a.post(
        case_url(decided, "deliver"),
        {"method": "collect", "recipient_name": "张三", "recipient_id_number": PARTY_ID_NUMBER},
    )
    assert response.status_code == 422 and "尚有未缴纳的费用" in response.content.decode()
    decided.refresh_from_db()
    assert decided.status == S.DECIDED and not Delivery.objects.exists()


def test_a_fee_paid_at_the_window_then_the_applicant_collects(client_a, decided):
    fee = FeeAssessment.objects.get(application=decided)
    fees_page = client_a.get(reverse("windows:fees", args=[decided.number]))
    assert fees_page.status_code == 200 and "证照工本费" in fees_page.content.decode()
    assert "尚有 100" in client_a.get(case_url(decided, "deliver")).content.decode()
    assert client_a.post(reverse("windows:settle_fee", args=[decided.number, fee.pk]), {}).status_code == 422
    response = client_a.post(
        reverse("windows:settle_fee", args=[decided.number, fee.pk]), {"paid_reference": "POS-20260302-001"}
    )
    assert response.status_code == 302
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.PAID
    response = client_a.post(
        case_url(decided, "deliver"),
        {"method": "collect", "recipient_name": "张三", "recipient_id_number": PARTY_ID_NUMBER},
    )
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.status == S.CONCLUDED
    assert Document.objects.filter(application=decided, kind=Document.Kind.SERVICE_RECEIPT).exists()
    check = DeliveryCheck.objects.get(delivery__application=decided)
    assert not check.is_proxy and PARTY_ID_NUMBER not in check.recipient_id_masked


def test_a_fee_of_another_case_is_404(client_a, decided, licensing_item, party, citizen):
    other_case = submit_another(licensing_item, party, citizen)
    other = FeeAssessment.objects.create(application=other_case, name="其他", amount_yuan=5)
    assert (
        client_a.post(
            reverse("windows:settle_fee", args=[decided.number, other.pk]), {"paid_reference": "X-1"}
        ).status_code
        == 404
    )


def test_a_recipient_whose_id_number_does_not_match_is_refused(client_a, decided):
    FeeAssessment.objects.filter(application=decided).update(status=FeeAssessment.Status.WAIVED, waiver_basis="减免")
    stranger = make_resident_id(birth="19700101", seq="999")
    response = client_a.post(
        case_url(decided, "deliver"), {"method": "collect", "recipient_name": "路人", "recipient_id_number": stranger}
    )
    assert response.status_code == 422 and "与申请人不符" in response.content.decode()
    decided.refresh_from_db()
    assert decided.status == S.DECIDED


def test_a_proxy_collects_only_with_a_letter(client_a, decided):
    FeeAssessment.objects.filter(application=decided).update(status=FeeAssessment.Status.WAIVED, waiver_basis="减免")
    proxy = make_resident_id(birth="19700101", seq="999")
    data = {"method": "collect", "recipient_name": "代领人", "recipient_id_number": proxy, "is_proxy": "on"}
    without = client_a.post(case_url(decided, "deliver"), data)
    assert without.status_code == 422 and "授权委托书" in without.content.decode()
    response = client_a.post(case_url(decided, "deliver"), {**data, "proxy_letter": pdf("委托书.pdf")})
    assert response.status_code == 302
    check = DeliveryCheck.objects.get(delivery__application=decided)
    assert check.is_proxy and check.proxy_letter and check.proxy_letter_sha256


def test_delivery_by_post_needs_a_tracking_number(client_a, decided):
    FeeAssessment.objects.filter(application=decided).update(status=FeeAssessment.Status.WAIVED, waiver_basis="减免")
    assert client_a.post(case_url(decided, "deliver"), {"method": "post"}).status_code == 422
    assert (
        client_a.post(case_url(decided, "deliver"), {"method": "post", "tracking_number": "SF1234567890"}).status_code
        == 302
    )
    assert Delivery.objects.get(application=decided).tracking_number == "SF1234567890"


def test_delivering_twice_is_409(client_a, decided):
    FeeAssessment.objects.filter(application=decided).update(status=FeeAssessment.Status.WAIVED, waiver_basis="减免")
    client_a.post(case_url(decided, "deliver"), {"method": "download"})
    assert client_a.post(case_url(decided, "deliver"), {"method": "download"}).status_code == 409


def test_a_correction_due_in_the_year_9999_is_refused_with_the_field_named(client_a, submitted):
    requirement = submitted.item.materials.get()
    data = {f"pick_{requirement.pk}": "on", f"reason_{requirement.pk}": "不清晰", "due_on": "9999-12-31"}

    response = client_a.post(case_url(submitted, "correction"), data)

    assert response.status_code == 422 and "补正截止日期“9999-12-31”不在合理范围内" in response.content.decode()
    assert not CorrectionNotice.objects.exists()


def test_the_walk_in_form_takes_the_applicants_facts_from_the_applicant_block(client_a, window_a, licensing_item):
    from applications.forms_runtime import decrypt_id_numbers

    licensing_item.form_definition = [
        {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
        {"name": "applicant_id_number", "label": "公民身份号码", "type": "id_number", "required": True},
        {"name": "applicant_phone", "label": "手机号码", "type": "phone", "required": True},
    ]
    licensing_item.save(update_fields=["form_definition"])
    data = walk_in_data(licensing_item)
    del data["f_applicant_name"], data["f_id_number"]  # typed once, in the applicant block
    response = client_a.post(walk_in_url(window_a, licensing_item), data)
    assert response.status_code == 302
    application = Application.objects.get(channel=Application.Channel.WINDOW)
    assert decrypt_id_numbers(application.form_data) == {
        "applicant_name": "王五",
        "applicant_id_number": WALK_IN_ID,
        "applicant_phone": "13900139000",
    }
