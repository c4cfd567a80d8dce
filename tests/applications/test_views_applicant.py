"""The applicant's pages over HTTP: start, draft, submit, my applications, one case, and its actions.

Alice (citizen) applies; Bob (other_citizen) must never see her drafts, cases or files.
"""

import datetime as dt
import re
import uuid
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from django.utils import timezone

from applications import services
from applications.models import Application, Document, FeeAssessment, Party, SubmittedMaterial, TimelineEvent
from applications.transitions import Actor
from catalog.models import ServiceItem
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import Organization, OrganizationAgent
from tests.applications.conftest import clock_at, pdf
from tests.factories import ServiceItemFactory, UserFactory, make_resident_id, next_uscc

S = Application.Status
MONDAY = dt.date(2026, 3, 2)
ALICE_ID = make_resident_id(area="320102", birth="19850615", seq="201")
BOB_ID = make_resident_id(area="320104", birth="19790101", seq="303")
PRINCIPAL_ID = make_resident_id(area="320105", birth="19500505", seq="404")


def verify(user, id_number: str) -> None:
    user.id_number_digest = id_number_digest(id_number)
    user.id_number_masked = mask_id_number(id_number)
    user.real_name_verified_at = timezone.now()
    user.save()


@pytest.fixture
def alice(client, citizen):
    verify(citizen, ALICE_ID)
    client.force_login(citizen)
    return citizen


@pytest.fixture
def bob_client(client, other_citizen):
    verify(other_citizen, BOB_ID)
    client.force_login(other_citizen)
    return client


def start_url(item) -> str:
    return f"/applications/new/{item.code}/"


def start_as_self(client, item, *, key: str | None = None, id_number: str = ALICE_ID):
    return client.post(
        start_url(item), {"applying_as": "self", "id_number": id_number, "idempotency_key": key or uuid.uuid4().hex}
    )


def draft_of(citizen) -> Application:
    return Application.objects.get(applicant_user=citizen, status=S.DRAFT)


def complete_form(item, **extra):
    requirement = item.materials.get()
    data = {
        "f_applicant_name": "张三",
        "f_id_number": ALICE_ID,
        "delivery_method": "collect",
        "declaration": "on",
        "action": "submit",
    }
    data[f"m{requirement.id}"] = pdf()
    data.update(extra)
    return data


def decide(application, clock_day: dt.date = MONDAY) -> None:
    """Accept, pass handle and check, and grant: three different staff members."""
    clock = clock_at(clock_day, 11)
    services.accept_application(application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock)
    services.pass_step(application=application, actor=UserFactory(), opinion="材料齐全", clock=clock)
    services.pass_step(application=application, actor=UserFactory(), opinion="同意", clock=clock)
    services.decide_application(
        application=application, actor=UserFactory(), outcome="granted", reasons="符合法定条件。", clock=clock
    )


# --- Start ------------------------------------------------------------------------------------


def test_a_citizen_starts_fills_uploads_and_submits(client, alice, licensing_item):
    page = client.get(start_url(licensing_item))
    assert page.status_code == 200
    assert 'name="idempotency_key"' in page.content.decode()

    response = start_as_self(client, licensing_item)
    application = draft_of(alice)
    assert response.status_code == 302 and response["Location"] == f"/applications/draft/{application.pk}/"
    assert application.party.id_number_digest == id_number_digest(ALICE_ID)
    assert application.party.name == alice.real_name
    assert application.acting_as == Application.ActingAs.SELF

    html = client.get(response["Location"]).content.decode()
    assert "申请人姓名" in html and "申请书" in html and "10 MB" in html

    response = client.post(f"/applications/draft/{application.pk}/", complete_form(licensing_item))
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.number
    assert response.status_code == 302 and response["Location"] == f"/applications/{application.number}/"
    detail = client.get(response["Location"]).content.decode()
    assert application.number in detail and "已申报待预审" in detail


def test_an_unverified_user_is_sent_to_the_real_name_page(client, citizen, licensing_item):
    client.force_login(citizen)
    response = client.get(start_url(licensing_item), follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/real-name/?next=")
    assert "请先完成实名认证" in response.content.decode()


def test_an_anonymous_visitor_must_sign_in(client, licensing_item):
    response = client.get(start_url(licensing_item))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_malformed_id_number_is_refused_and_no_party_is_made(client, alice, licensing_item):
    response = start_as_self(client, licensing_item, id_number="32010219850615201")
    assert response.status_code == 400
    assert "应为18位" in response.content.decode()
    assert not Party.objects.exists() and not Application.objects.exists()


def test_someone_elses_id_number_is_refused(client, alice, licensing_item):
    response = start_as_self(client, licensing_item, id_number=BOB_ID)
    assert response.status_code == 422
    assert "与您实名认证的身份证号码不一致" in response.content.decode()
    assert not Party.objects.exists() and not Application.objects.exists()


def test_a_forged_idempotency_key_is_bad_input(client, alice, licensing_item):
    response = start_as_self(client, licensing_item, key="not-a-uuid")
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_the_same_idempotency_key_makes_one_draft(client, alice, licensing_item):
    key = uuid.uuid4().hex
    first = start_as_self(client, licensing_item, key=key)
    second = start_as_self(client, licensing_item, key=key)
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1


def test_an_item_that_does_not_accept_online_cannot_be_started(client, alice, department_x):
    item = ServiceItemFactory(department=department_x, accepts_on_pc=False, accepts_on_mobile=False)
    response = client.get(start_url(item))
    assert response.status_code == 422
    assert "暂不支持网上申报" in response.content.decode()


def test_an_unpublished_item_is_not_found(client, alice, department_x):
    item = ServiceItemFactory(department=department_x, draft=True)
    assert client.get(start_url(item)).status_code == 404


def test_an_agent_applies_for_their_company(client, alice, licensing_item):
    organization = Organization.objects.create(
        name="玄武示例科技有限公司", uscc=next_uscc(), legal_representative="王五"
    )
    OrganizationAgent.objects.create(organization=organization, user=alice, verified_at=timezone.now())
    response = client.post(
        start_url(licensing_item),
        {"applying_as": "organization", "organization": organization.pk, "idempotency_key": uuid.uuid4().hex},
    )
    assert response.status_code == 302
    application = draft_of(alice)
    assert application.acting_as == Application.ActingAs.AGENT
    assert application.party.kind == Party.Kind.ORGANIZATION and application.party.id_number_masked == organization.uscc


def test_a_company_the_user_is_not_an_active_agent_of_is_refused(client, alice, licensing_item):
    organization = Organization.objects.create(name="别家公司", uscc=next_uscc(), legal_representative="赵六")
    OrganizationAgent.objects.create(organization=organization, user=alice, revoked_at=timezone.now())
    response = client.post(
        start_url(licensing_item),
        {"applying_as": "organization", "organization": organization.pk, "idempotency_key": uuid.uuid4().hex},
    )
    assert response.status_code == 400
    assert not Party.objects.exists() and not Application.objects.exists()


def proxy_data(**extra):
    data = {
        "applying_as": "proxy",
        "principal_name": "王奶奶",
        "principal_id_number": PRINCIPAL_ID,
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(extra)
    return data


def test_a_proxy_needs_the_letter(client, alice, licensing_item):
    response = client.post(start_url(licensing_item), proxy_data())
    assert response.status_code == 400
    assert "请上传委托人签字的授权委托书" in response.content.decode()
    assert not Party.objects.exists()


def test_a_fake_proxy_letter_is_refused_and_nothing_is_kept(client, alice, licensing_item):
    fake = SimpleUploadedFile("委托书.pdf", "我委托张三办理".encode(), content_type="application/pdf")
    response = client.post(start_url(licensing_item), proxy_data(proxy_letter=fake))
    assert response.status_code == 422
    assert "文件内容不是允许的格式" in response.content.decode()
    assert not Party.objects.exists() and not Application.objects.exists()


def test_a_proxy_applies_for_the_principal_with_the_letter_kept(client, alice, licensing_item):
    response = client.post(start_url(licensing_item), proxy_data(proxy_letter=pdf("委托书.pdf")))
    assert response.status_code == 302
    application = draft_of(alice)
    assert application.acting_as == Application.ActingAs.PROXY
    assert application.party.name == "王奶奶" and application.party.id_number_digest == id_number_digest(PRINCIPAL_ID)
    assert application.proxy_letter.name.startswith("proxy_letters/")


def test_the_principal_cannot_be_the_user(client, alice, licensing_item):
    response = client.post(start_url(licensing_item), proxy_data(principal_id_number=ALICE_ID, proxy_letter=pdf()))
    assert response.status_code == 422
    assert not Application.objects.exists()


# --- The draft --------------------------------------------------------------------------------


@pytest.fixture
def draft(client, alice, licensing_item):
    start_as_self(client, licensing_item)
    return draft_of(alice)


def test_submitting_without_materials_is_422_and_keeps_what_was_typed(client, draft, licensing_item):
    data = complete_form(licensing_item, f_applicant_name="张三丰")
    data.pop(f"m{licensing_item.materials.get().id}")
    response = client.post(f"/applications/draft/{draft.pk}/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "请上传：申请书" in html
    assert 'value="张三丰"' in html
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.number is None
    assert draft.form_data["applicant_name"] == "张三丰"


def test_field_errors_are_shown_next_to_the_fields(client, draft, licensing_item):
    response = client.post(
        f"/applications/draft/{draft.pk}/", complete_form(licensing_item, f_id_number="110105194912310029")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_f_id_number_errors"' in html and "校验码" in html
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    # the upload in the refused submission is kept, so it need not be chosen again
    assert draft.materials.filter(is_current=True).count() == 1


def test_submitting_without_the_declaration_is_refused(client, draft, licensing_item):
    data = complete_form(licensing_item)
    data.pop("declaration")
    response = client.post(f"/applications/draft/{draft.pk}/", data)
    assert response.status_code == 422
    assert "请阅读并确认承诺声明" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_saving_a_draft_keeps_partial_input_without_checking_it(client, draft, licensing_item):
    response = client.post(
        f"/applications/draft/{draft.pk}/",
        {"action": "save", "f_applicant_name": "张", "delivery_method": "post", "delivery_address": "南京市玄武区"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data == {"applicant_name": "张", "id_number": ""}
    assert draft.delivery_method == "post" and draft.delivery_address == "南京市玄武区"


def test_a_fake_pdf_is_refused_with_a_message(client, draft, licensing_item):
    requirement = licensing_item.materials.get()
    fake = SimpleUploadedFile("申请书.pdf", "这不是PDF".encode(), content_type="application/pdf")
    response = client.post(
        f"/applications/draft/{draft.pk}/", complete_form(licensing_item, **{f"m{requirement.id}": fake})
    )
    assert response.status_code == 422
    assert "文件内容不是允许的格式" in response.content.decode()
    assert not SubmittedMaterial.objects.exists()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_an_oversized_file_is_refused(client, draft, licensing_item, settings):
    settings.UPLOAD_MAX_BYTES = 20
    response = client.post(f"/applications/draft/{draft.pk}/", complete_form(licensing_item))
    assert response.status_code == 422
    assert "文件过大" in response.content.decode()
    assert not SubmittedMaterial.objects.exists()


def test_a_forged_delivery_method_is_bad_input(client, draft, licensing_item):
    response = client.post(
        f"/applications/draft/{draft.pk}/", complete_form(licensing_item, delivery_method="teleport")
    )
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_double_submit_makes_one_case(client, draft, licensing_item):
    first = client.post(f"/applications/draft/{draft.pk}/", complete_form(licensing_item))
    second = client.post(f"/applications/draft/{draft.pk}/", complete_form(licensing_item))
    draft.refresh_from_db()
    assert first["Location"] == second["Location"] == f"/applications/{draft.number}/"
    assert Application.objects.count() == 1
    assert TimelineEvent.objects.filter(application=draft, action="submit").count() == 1


def test_a_draft_can_be_deleted(client, draft):
    response = client.post(f"/applications/draft/{draft.pk}/delete/")
    assert response.status_code == 302
    assert not Application.objects.filter(pk=draft.pk).exists()


def test_a_draft_on_a_retired_version_is_restarted_on_the_current_one(client, draft, licensing_item):
    client.post(
        f"/applications/draft/{draft.pk}/", {"action": "save", "f_applicant_name": "张三", "f_id_number": ALICE_ID}
    )
    ServiceItem.objects.filter(pk=licensing_item.pk).update(status=ServiceItem.Status.RETIRED)
    current = ServiceItemFactory(
        code=licensing_item.code,
        version=2,
        department=licensing_item.department,
        form_definition=[{"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True}],
    )

    html = client.get(f"/applications/draft/{draft.pk}/").content.decode()
    assert "办事指南已更新" in html and "按最新版本重新填报" in html and 'value="submit"' not in html
    refused = client.post(f"/applications/draft/{draft.pk}/", complete_form(licensing_item))
    assert refused.status_code == 422 and "该事项版本已停止使用" in refused.content.decode()

    response = client.post(f"/applications/draft/{draft.pk}/restart/")
    fresh = Application.objects.get(status=S.DRAFT)
    assert response["Location"] == f"/applications/draft/{fresh.pk}/"
    assert fresh.item == current and fresh.form_data == {"applicant_name": "张三"} and fresh.party == draft.party
    assert not Application.objects.filter(pk=draft.pk).exists()


# --- Who sees what ----------------------------------------------------------------------------


def test_bob_cannot_see_alices_draft_case_or_material(client, draft, submitted, other_citizen):
    material = submitted.materials.get()
    draft_material = services.attach_material(
        application=draft, requirement=draft.item.materials.get(), file=pdf(), actor=None
    )
    verify(other_citizen, BOB_ID)
    client.force_login(other_citizen)
    for url in [
        f"/applications/draft/{draft.pk}/",
        f"/applications/draft/{draft.pk}/materials/{draft_material.pk}/",
        f"/applications/{submitted.number}/",
        f"/applications/{submitted.number}/materials/{material.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/applications/{submitted.number}/withdraw/").status_code == 404
    assert client.post(f"/applications/draft/{draft.pk}/delete/").status_code == 404
    assert client.post(f"/applications/draft/{draft.pk}/", {"action": "save"}).status_code == 404
    listing = client.get("/applications/").content.decode()
    assert submitted.number not in listing and "草稿（继续填写）" not in listing
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and Application.objects.filter(pk=draft.pk).exists()


def test_the_applicant_downloads_a_submitted_material(client, alice, submitted):
    material = submitted.materials.get()
    response = client.get(f"/applications/{submitted.number}/materials/{material.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


def test_no_route_serves_the_media_folder(client, alice, submitted, settings):
    material = submitted.materials.get()
    for prefix in ("/media/", settings.MEDIA_URL):
        with pytest.raises(Resolver404):
            resolve(f"{prefix}{material.file.name}")
        assert client.get(f"{prefix}{material.file.name}").status_code == 404


def test_my_applications_lists_mine_with_what_is_asked(client, alice, submitted, licensing_item):
    start_as_self(client, licensing_item)
    html = client.get("/applications/").content.decode()
    assert submitted.number in html and "已申报待预审" in html
    assert "草稿（继续填写）" in html and "填写申请表、上传材料并提交申请" in html


# --- One case ---------------------------------------------------------------------------------


def test_withdraw_works_then_a_second_withdraw_is_409(client, alice, submitted):
    first = client.post(f"/applications/{submitted.number}/withdraw/", {"reason": "不再需要"})
    assert first.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.WITHDRAWN
    second = client.post(f"/applications/{submitted.number}/withdraw/")
    assert second.status_code == 409
    assert TimelineEvent.objects.filter(application=submitted, action="withdraw").count() == 1


def test_withdraw_needs_post(client, alice, submitted):
    assert client.get(f"/applications/{submitted.number}/withdraw/").status_code == 405


@pytest.fixture
def correction(submitted, licensing_item):
    return services.request_correction(
        application=submitted,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": licensing_item.materials.get().id, "reason": "缺少签字"}],
        clock=clock_at(MONDAY, 11),
    )


def test_the_correction_notice_asks_for_the_listed_materials_by_a_date(client, alice, correction, submitted):
    html = client.get(f"/applications/{submitted.number}/").content.decode()
    assert "请补正材料：申请书" in html and "缺少签字" in html
    assert correction.due_on.strftime("%Y-%m-%d") in html
    assert f'name="c{correction.entries[0]["requirement_id"]}"' in html


def test_a_correction_with_the_wrong_material_is_422(client, alice, correction, submitted, licensing_item):
    other = licensing_item.materials.create(name="营业执照", necessity="optional")
    response = client.post(f"/applications/{submitted.number}/correction/", {f"c{other.id}": pdf()})
    assert response.status_code == 422
    assert "只能提交补正告知书中列明的材料" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.CORRECTION_REQUESTED
    assert not submitted.materials.filter(requirement=other).exists()


def test_a_correction_with_the_listed_material_returns_the_case(client, alice, correction, submitted, licensing_item):
    requirement = licensing_item.materials.get()
    response = client.post(f"/applications/{submitted.number}/correction/", {f"c{requirement.id}": pdf("签字版.pdf")})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert submitted.materials.filter(requirement=requirement, is_current=True).count() == 1


def test_bob_cannot_answer_alices_correction(client, correction, submitted, licensing_item, other_citizen):
    client.force_login(other_citizen)
    response = client.post(
        f"/applications/{submitted.number}/correction/", {f"c{licensing_item.materials.get().id}": pdf()}
    )
    assert response.status_code == 404


def test_the_detail_page_never_shows_internal_opinions(client, alice, submitted):
    clock = clock_at(MONDAY, 11)
    services.accept_application(application=submitted, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock)
    services.pass_step(application=submitted, actor=UserFactory(), opinion="内部意见", clock=clock)
    services.return_step(application=submitted, actor=UserFactory(), opinion="退回的内部理由", clock=clock)
    html = client.get(f"/applications/{submitted.number}/").content.decode()
    assert "内部意见" not in html and "退回的内部理由" not in html
    assert "受理" in html and "2026-03-16" in html  # the acceptance and the promised date are the applicant's
    receipt = Document.objects.get(application=submitted, kind=Document.Kind.ACCEPTANCE_RECEIPT)
    assert f'href="/applications/{submitted.number}/documents/{receipt.token}.pdf"' in html


def test_a_result_delivered_by_download_is_offered_for_download(client, alice, submitted):
    Application.objects.filter(pk=submitted.pk).update(delivery_method=Application.DeliveryMethod.DOWNLOAD)
    decide(submitted)
    services.deliver_result(application=submitted, actor=None, actor_role=Actor.SYSTEM, method="download")
    html = client.get(f"/applications/{submitted.number}/").content.decode()
    decision = Document.objects.get(application=submitted, kind=Document.Kind.GRANT_DECISION)
    assert "已办结" in html and "办理结果可在本页“文书”中下载" in html
    assert f'href="/applications/{submitted.number}/documents/{decision.token}.pdf"' in html


def test_a_provisional_deadline_is_marked(client, alice, submitted):
    Application.objects.filter(pk=submitted.pk).update(
        status=S.IN_REVIEW, due_on=dt.date(2027, 3, 1), is_provisional_deadline=True
    )
    html = client.get(f"/applications/{submitted.number}/").content.decode()
    assert "2027-03-01" in html and "按临时工作日历计算" in html


@pytest.fixture
def decided_with_fee(submitted, licensing_item):
    licensing_item.has_fee = True
    licensing_item.supports_online_payment = True
    licensing_item.save()
    licensing_item.fees.create(name="证书工本费", standard="每证10元", amount_yuan=Decimal("10.00"))
    decide(submitted)
    submitted.refresh_from_db()
    return submitted


def test_a_due_fee_is_paid_through_the_demo_provider_once(client, alice, decided_with_fee):
    number = decided_with_fee.number
    fee = FeeAssessment.objects.get(application=decided_with_fee)
    assert "请缴纳费用共 10.00 元" in client.get(f"/applications/{number}/").content.decode()
    response = client.post(f"/applications/{number}/fees/{fee.pk}/pay/")
    assert response.status_code == 302
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.PAID and fee.payment_reference.startswith("DEMO")
    assert client.post(f"/applications/{number}/fees/{fee.pk}/pay/").status_code == 409
    assert "办理结果已出，请携带身份证件到窗口领取" in client.get(f"/applications/{number}/").content.decode()


def test_a_fee_cannot_be_paid_online_when_the_item_does_not_allow_it(client, alice, decided_with_fee, licensing_item):
    ServiceItem.objects.filter(pk=licensing_item.pk).update(supports_online_payment=False)
    fee = FeeAssessment.objects.get(application=decided_with_fee)
    response = client.post(f"/applications/{decided_with_fee.number}/fees/{fee.pk}/pay/")
    assert response.status_code == 422
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.DUE


def test_bob_cannot_pay_alices_fee(client, decided_with_fee, other_citizen):
    client.force_login(other_citizen)
    fee = FeeAssessment.objects.get(application=decided_with_fee)
    assert client.post(f"/applications/{decided_with_fee.number}/fees/{fee.pk}/pay/").status_code == 404
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.DUE


# --- The guide and the navigation ---------------------------------------------------------------


def test_the_guide_offers_online_application_only_for_online_items(client, department_x):
    online = ServiceItemFactory(department=department_x, accepts_on_pc=True)
    window_only = ServiceItemFactory(department=department_x, accepts_on_pc=False, accepts_on_mobile=False)
    assert f'href="/applications/new/{online.code}/"' in client.get(f"/items/{online.code}/").content.decode()
    assert "/applications/new/" not in client.get(f"/items/{window_only.code}/").content.decode()


def test_signed_in_users_see_my_applications_in_the_menu(client, alice):
    assert 'href="/applications/"' in client.get("/").content.decode()


# --- Stored file names --------------------------------------------------------------------------
RANDOM_NAME = r"[0-9a-f]{32}\.pdf"


def test_a_material_is_stored_under_a_random_name_and_shown_with_the_uploaders_name(client, alice, submitted):
    material = submitted.materials.get()

    assert re.fullmatch(rf"applications/\d{{4}}/\d{{2}}/{RANDOM_NAME}", material.file.name), material.file.name
    assert material.original_name == "材料.pdf"
    assert "材料.pdf" in client.get(f"/applications/{submitted.number}/").content.decode()
    download = client.get(f"/applications/{submitted.number}/materials/{material.pk}/")
    assert download.status_code == 200 and quote("申请书.pdf") in download["Content-Disposition"]


def test_a_proxy_letter_is_stored_under_a_random_name(client, alice, licensing_item):
    client.post(start_url(licensing_item), proxy_data(proxy_letter=pdf("王奶奶的委托书.pdf")))

    name = draft_of(alice).proxy_letter.name
    assert re.fullmatch(rf"proxy_letters/\d{{4}}/\d{{2}}/{RANDOM_NAME}", name), name
