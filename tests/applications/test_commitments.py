"""告知承诺制: the choice only where the material allows it, the signed 告知承诺书, the department's check
(passed, failed), the consequences of a failed one (revocation, credit record), the sweep, and who may
record the check."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from applications.documents import render_document
from applications.licences.models import License
from applications.models import Application, Commitment, CreditRecord, Document
from applications.transitions import Actor
from catalog.models import CommitmentConsequence, ServiceItem
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import OutboxMessage, Role
from tests.api.conftest import token_client
from tests.api.test_catalog_api import MANAGE, valid_spec
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_deferrals import draft
from tests.applications.test_documents import pdf_text
from tests.conftest import login_verified
from tests.factories import BasicItemFactory, MaterialRequirementFactory, UserFactory, make_resident_id
from tests.portal.test_english import HAN

S = Application.Status
MONDAY = dt.date(2026, 3, 2)
CHECK_BY = dt.date(2026, 3, 30)  # twenty working days after Monday 2 March


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk_commitments", real_name="窗口人员", roles=[Role.CLERK])


@pytest.fixture
def reviewer(department_x):
    return UserFactory(username="reviewer_commitments", department=department_x, roles=[Role.REVIEWER])


@pytest.fixture
def certificate(licensing_item):
    """A proof the applicant may replace with a signed commitment."""
    return MaterialRequirementFactory(
        item=licensing_item,
        name="无犯罪记录证明",
        order=9,
        allows_commitment=True,
        commitment_text="本人承诺无故意犯罪记录（依据：本省证明事项告知承诺制实施办法）。",
    )


@pytest.fixture
def committed(licensing_item, certificate, party, citizen):
    application = draft(licensing_item, party, citizen)
    return services.submit_application(
        application=application,
        actor=citizen,
        declaration=True,
        commitments={certificate.pk},
        commitment_signed=True,
        clock=clock_at(MONDAY, 9),
    )


@pytest.fixture
def accepted(committed, clerk):
    services.accept_application(
        application=committed, actor=clerk, actor_role=Actor.CLERK, accepted_on=MONDAY, clock=clock_at(MONDAY, 11)
    )
    committed.refresh_from_db()
    return committed


def grant(application):
    for opinion in ("材料齐全", "同意"):
        services.pass_step(application=application, actor=UserFactory(), opinion=opinion)
    services.decide_application(
        application=application, actor=UserFactory(), outcome="granted", reasons="符合法定条件。"
    )
    application.refresh_from_db()
    return application


def check(application, reviewer, *, passed, note=""):
    return services.record_commitment_check(
        application=application,
        commitment_id=application.commitments.get().pk,
        actor=reviewer,
        actor_role=Actor.HANDLER,
        passed=passed,
        note=note,
        clock=clock_at(dt.date(2026, 3, 20)),
    )


# --- Choosing and signing -----------------------------------------------------------------------------


def test_a_commitment_replaces_the_proof_and_the_signed_pdf_says_what_a_false_one_costs(committed, tmp_path):
    assert committed.status == S.SUBMITTED
    commitment = committed.commitments.get()
    assert commitment.requirement.name == "无犯罪记录证明" and "无故意犯罪记录" in commitment.text
    assert commitment.check_due_on is None  # the check clock starts at acceptance
    document = committed.documents.get(kind=Document.Kind.COMMITMENT)
    text = pdf_text(render_document(document), tmp_path)
    assert "告知承诺书" in text and "无犯罪记录证明" in text and "第六十九条" in text
    assert "撤销审批结果并记入信用记录" in text


def test_the_proof_is_still_asked_for_without_a_commitment(licensing_item, certificate, party, citizen):
    application = draft(licensing_item, party, citizen)
    with pytest.raises(ValidationError) as refused:
        services.submit_application(application=application, actor=citizen, declaration=True)
    assert "请上传：无犯罪记录证明" in refused.value.message_dict["materials"]


def test_a_commitment_only_where_the_material_allows_it(licensing_item, certificate, party, citizen):
    application = draft(licensing_item, party, citizen)
    form = licensing_item.materials.get(name="申请书")
    for chosen, told in (({form.pk}, "“申请书”不适用告知承诺制"), ({-1}, "所选材料不适用告知承诺制")):
        with pytest.raises(ValidationError) as refused:
            services.submit_application(
                application=application, actor=citizen, declaration=True, commitments=chosen, commitment_signed=True
            )
        assert told in refused.value.message_dict["commitments"][0]
    with pytest.raises(ValidationError) as unsigned:
        services.submit_application(
            application=application, actor=citizen, declaration=True, commitments={certificate.pk}
        )
    assert "法律后果" in unsigned.value.message_dict["commitments"][0]
    application.refresh_from_db()
    assert application.status == S.DRAFT and not Commitment.objects.exists()
    assert not application.documents.exists()


def test_no_commitment_for_a_proof_already_handed_in(licensing_item, certificate, party, citizen):
    application = draft(licensing_item, party, citizen)
    services.attach_material(application=application, requirement=certificate, file=pdf(), actor=citizen)
    with pytest.raises(ValidationError) as refused:
        services.submit_application(
            application=application,
            actor=citizen,
            declaration=True,
            commitments={certificate.pk},
            commitment_signed=True,
        )
    assert "已提交，无需再作告知承诺" in refused.value.message_dict["commitments"][0]


def test_acceptance_starts_the_check_clock(accepted):
    assert accepted.commitments.get().check_due_on == CHECK_BY


# --- The check --------------------------------------------------------------------------------------


def test_a_passed_check_changes_nothing_else(accepted, reviewer):
    check(accepted, reviewer, passed=True)
    commitment = accepted.commitments.get()
    assert commitment.outcome == Commitment.Outcome.PASSED and commitment.checked_by == reviewer
    assert accepted.timeline.filter(action="check_commitment", note__contains="属实").exists()
    assert not CreditRecord.objects.exists()
    assert grant(accepted).status == S.DECIDED


def test_a_failed_check_revokes_the_grant_and_records_credit(accepted, reviewer, tmp_path):
    granted = grant(accepted)
    decision = granted.documents.get(kind=Document.Kind.GRANT_DECISION)
    licence = License.objects.create(  # the e-licence the grant issued
        kind="测试许可证",
        number="TEST-2026-0001",
        holder_type=License.HolderType.PERSON,
        holder_id_type="resident_id",
        holder_id_digest="0" * 64,
        holder_id_masked="3201**********0011",
        holder_name="张三",
        issuer="行政审批局",
        issued_on=granted.decided_at.date(),
        application=granted,
    )
    check(granted, reviewer, passed=False, note="经公安机关核查，申请人有犯罪记录。")
    licence.refresh_from_db()
    assert licence.revoked_at is not None and "有犯罪记录" in licence.revocation_reason
    granted.refresh_from_db()
    assert granted.result.revoked_at is not None and "有犯罪记录" in granted.result.revocation_reason
    decision.refresh_from_db()
    assert decision.revoked_at is not None  # the verification page says so
    record = CreditRecord.objects.get()
    assert record.party == granted.party and record.application == granted and "经核查不实" in record.reason
    notice = granted.documents.get(kind=Document.Kind.REVOCATION_NOTICE)
    text = pdf_text(render_document(notice), tmp_path)
    assert "撤销" in text and "有犯罪记录" in text and "信用记录" in text
    told = OutboxMessage.objects.filter(kind="notification", payload__user_id=granted.applicant_user_id)
    assert any("撤销" in m.payload["body"] for m in told)  # the applicant is told


def test_an_item_that_says_credit_only_does_not_revoke(accepted, reviewer):
    accepted.item.commitment_consequence = CommitmentConsequence.CREDIT
    accepted.item.save(update_fields=["commitment_consequence"])
    granted = grant(accepted)
    check(granted, reviewer, passed=False, note="承诺不实。")
    granted.refresh_from_db()
    assert granted.result.revoked_at is None and CreditRecord.objects.count() == 1
    assert not granted.documents.filter(kind=Document.Kind.REVOCATION_NOTICE).exists()


def test_a_failed_check_before_the_decision_bars_a_grant(accepted, reviewer):
    accepted.item.commitment_consequence = CommitmentConsequence.REVOKE
    accepted.item.save(update_fields=["commitment_consequence"])
    check(accepted, reviewer, passed=False, note="承诺不实。")
    assert not CreditRecord.objects.exists()
    with pytest.raises(DomainError) as barred:
        grant(accepted)
    assert barred.value.code == "false_commitment"


def test_bad_checks(accepted, committed, reviewer, licensing_item, certificate, party, citizen, clerk):
    with pytest.raises(ValidationError) as no_note:
        check(accepted, reviewer, passed=False)
    assert "请写明核查情况" in no_note.value.message_dict["note"][0]
    assert accepted.commitments.get().outcome == Commitment.Outcome.PENDING
    with pytest.raises(PermissionDenied):  # the applicant does not check their own commitment
        services.record_commitment_check(
            application=accepted,
            commitment_id=accepted.commitments.get().pk,
            actor=citizen,
            actor_role=Actor.APPLICANT,
            passed=True,
        )
    other = draft(licensing_item, party, citizen)
    other = services.submit_application(
        application=other, actor=citizen, declaration=True, commitments={certificate.pk}, commitment_signed=True
    )
    with pytest.raises(InvalidTransition):  # not accepted yet: nothing to check
        check(other, reviewer, passed=True)
    with pytest.raises(NotFound):  # another case's commitment
        services.record_commitment_check(
            application=accepted,
            commitment_id=other.commitments.get().pk,
            actor=reviewer,
            actor_role=Actor.HANDLER,
            passed=True,
        )
    check(accepted, reviewer, passed=True)
    with pytest.raises(InvalidTransition) as twice:
        check(accepted, reviewer, passed=False, note="再查")
    assert twice.value.code == "already_checked"
    assert accepted.commitments.get().outcome == Commitment.Outcome.PASSED


# --- The sweep --------------------------------------------------------------------------------------


def test_the_department_hears_once_when_due_and_once_when_overdue(accepted):
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 3, 25))) == 0  # not yet
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 3, 26))) == 1
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 3, 27))) == 0  # once
    assert services.sweep_commitment_checks(clock=clock_at(CHECK_BY)) == 0  # the last day is not overdue
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 3, 31))) == 1
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 4, 1))) == 0
    notices = OutboxMessage.objects.filter(idempotency_key__startswith="commitment-").order_by("id")
    assert [m.payload["department_id"] for m in notices] == [accepted.department_id] * 2
    assert "即将到核查期限" in notices[0].payload["title"] and "已超过核查期限" in notices[1].payload["title"]


def test_a_checked_commitment_is_not_swept(accepted, reviewer):
    check(accepted, reviewer, passed=True)
    assert services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 4, 1))) == 0


# --- The pages ------------------------------------------------------------------------------------


def test_the_draft_page_offers_the_commitment_where_allowed(client, licensing_item, certificate, party, citizen):
    application = draft(licensing_item, party, citizen)
    client.force_login(citizen)
    page = client.get(f"/applications/draft/{application.pk}/").content.decode()
    assert f'name="commitments" value="{certificate.pk}"' in page and "第六十九条" in page
    form_id = licensing_item.materials.get(name="申请书").pk
    assert f'name="commitments" value="{form_id}"' not in page
    form = {
        "f_applicant_name": "张三",
        "f_id_number": make_resident_id(),
        "delivery_method": "collect",
        "declaration": "on",
        "action": "submit",
        "commitments": [str(certificate.pk)],
    }
    unsigned = client.post(f"/applications/draft/{application.pk}/", form)
    assert unsigned.status_code == 422 and "确认签署告知承诺书" in unsigned.content.decode()
    wrong = client.post(f"/applications/draft/{application.pk}/", {**form, "commitments": [str(form_id), "x"]})
    assert wrong.status_code == 422 and "不适用告知承诺制" in wrong.content.decode()
    application.refresh_from_db()
    assert application.status == S.DRAFT
    done = client.post(f"/applications/draft/{application.pk}/", {**form, "commitment_signed": "on"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.commitments.count() == 1


def test_only_the_items_department_records_the_check(client, accepted, reviewer, department_y, citizen):
    url = reverse("reviews:check_commitment", args=[accepted.number, accepted.commitments.get().pk])
    outsider = UserFactory(username="reviewer_y", department=department_y, roles=[Role.REVIEWER])
    login_verified(client, outsider)
    assert client.post(url, {"outcome": "passed"}).status_code == 404
    client.force_login(citizen)
    assert client.post(url, {"outcome": "passed"}).status_code in (403, 404)  # not into the workbench
    assert accepted.commitments.get().outcome == Commitment.Outcome.PENDING
    login_verified(client, reviewer)
    page = client.get(reverse("reviews:case", args=[accepted.number])).content.decode()
    assert "告知承诺核查" in page and "无犯罪记录证明" in page
    missing = client.post(url, {"outcome": "failed"})
    assert missing.status_code == 422 and "请写明核查情况" in missing.content.decode()
    assert client.post(url, {"outcome": "passed"}).status_code == 302
    assert accepted.commitments.get().outcome == Commitment.Outcome.PASSED
    assert client.post(url, {"outcome": "passed"}).status_code == 409
    elsewhere = reverse("reviews:check_commitment", args=[accepted.number, 999999])
    assert client.post(elsewhere, {"outcome": "passed"}).status_code == 404


def test_credit_records_are_for_supervisors(client, accepted, reviewer, supervisor, citizen, department_y):
    check(accepted, reviewer, passed=False, note="承诺不实。")
    url = reverse("supervision:credit_records")
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    head_y = UserFactory(username="head_y", department=department_y, roles=[Role.DEPT_HEAD])
    login_verified(client, head_y)
    page = client.get(url)
    assert page.status_code == 200 and "张三" not in page.content.decode()  # another department's
    login_verified(client, supervisor)
    page = client.get(url).content.decode()
    assert "张三" in page and accepted.number in page and "经核查不实" in page


def test_the_case_page_tells_the_applicant(client, accepted, reviewer, citizen):
    client.force_login(citizen)
    page = client.get(f"/applications/{accepted.number}/").content.decode()
    assert "告知承诺" in page and "待核查" in page and "2026-03-30" in page
    check(grant(accepted), reviewer, passed=False, note="承诺不实。")
    page = client.get(f"/applications/{accepted.number}/").content.decode()
    assert "核查不实" in page and "准予决定已于" in page and "撤销行政许可决定书" in page


# --- The catalog ------------------------------------------------------------------------------------


def test_the_catalog_says_which_material_allows_it_and_with_what_text(editor_x, department_x):
    editor, basic = token_client(editor_x), BasicItemFactory()
    material = {"name": "无犯罪记录证明", "allows_commitment": True}
    spec = valid_spec(materials=[material], situations=[])
    refused = editor.post(MANAGE, {"basic_item": basic.pk, "department": department_x.pk, **spec}, format="json")
    assert refused.status_code == 422
    assert "请填写承诺内容及依据" in str(refused.json()["detail"]["materials"])
    too_soon = {"basic_item": basic.pk, "department": department_x.pk, **spec, "commitment_check_workdays": 0}
    assert "commitment_check_workdays" in editor.post(MANAGE, too_soon, format="json").json()["detail"]
    assert not ServiceItem.objects.filter(basic_item=basic).exists()
    material["commitment_text"] = "本人无犯罪记录。"
    spec |= {"commitment_check_workdays": 15, "commitment_consequence": "credit"}
    created = editor.post(MANAGE, {"basic_item": basic.pk, "department": department_x.pk, **spec}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()["spec"]
    assert body["commitment_check_workdays"] == 15 and body["commitment_consequence"] == "credit"
    assert body["materials"][0]["allows_commitment"] is True
    assert body["materials"][0]["commitment_text"] == "本人无犯罪记录。"


# --- In the reader's language ---------------------------------------------------------------------


def test_the_check_notes_are_stored_in_chinese_and_read_in_english(accepted, reviewer):
    from django.utils import translation

    from applications.selectors import timeline_for_applicant

    granted = grant(accepted)
    check(granted, reviewer, passed=False, note="有犯罪记录")
    event = granted.timeline.filter(action="check_commitment").get()
    assert event.note.startswith("告知承诺“无犯罪记录证明”经核查不实：有犯罪记录")  # what SMS, admin, search see
    with translation.override("en"):
        (entry,) = [e for e in timeline_for_applicant(granted) if "有犯罪记录" in e.note]
    assert entry.note.startswith("The commitment “无犯罪记录证明” was found untrue on checking: 有犯罪记录")
    assert "credit record" in entry.note
    assert not HAN.search(entry.note.replace("无犯罪记录证明", "").replace("有犯罪记录", ""))


def test_the_sweeps_notice_to_the_department_reads_in_english(accepted):
    from django.utils import translation

    from portal.models import Notification
    from portal.notifications import create_notifications

    services.sweep_commitment_checks(clock=clock_at(dt.date(2026, 3, 31)))
    message = OutboxMessage.objects.get(idempotency_key__startswith="commitment-overdue:")
    assert "已超过核查期限" in message.payload["title"] and "2026-03-30" in message.payload["body"]
    UserFactory(username="head_commitments", department=accepted.department, roles=[Role.DEPT_HEAD])
    create_notifications(message=message)
    notification = Notification.objects.filter(title=message.payload["title"]).first()
    assert notification is not None
    with translation.override("en"):
        assert "past its check date" in notification.shown_title
        assert "30 Mar 2026" in notification.shown_body and not HAN.search(
            notification.shown_body.replace(accepted.item.name, "").replace("无犯罪记录证明", "")
        )
