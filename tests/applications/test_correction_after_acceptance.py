"""受理后补正: a reviewer's one-time notice stops the clock; exactly the listed materials restart it.

The licensing item's case is accepted on Monday 2026-03-02 (10 promised working days → due 03-16). On
Wednesday 03-04 the reviewer asks for the 申请书 again and a free-text 情况说明, by Friday 03-13. Alice
(citizen) answers online; Bob (other_citizen) must not be able to. DOMAIN.md "Working days": paused
Wed 03-04 to Mon 03-09 moves the promised date by 3 working days (Thu, Fri, Mon) to Thu 03-19.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import documents, selectors, services
from applications.models import Application, CorrectionNotice, Document, ReviewTask, Suspension
from applications.transitions import Actor
from portal.exceptions import InvalidTransition
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_documents import pdf_text
from tests.factories import MaterialRequirementFactory, UserFactory

S = Application.Status
MONDAY = dt.date(2026, 3, 2)
ASKED_ON = dt.date(2026, 3, 4)
DUE_ON = dt.date(2026, 3, 13)
ANSWERED_ON = dt.date(2026, 3, 9)


@pytest.fixture
def reviewer(department_x):
    return UserFactory(username="rev_x", real_name="审查员甲", department=department_x, roles=[Role.REVIEWER])


@pytest.fixture
def accepted(submitted, licensing_item):
    """Accepted on Monday; the item also has a 场地证明 the notice will not list."""
    MaterialRequirementFactory(item=licensing_item, name="场地证明", order=9, necessity="optional")
    clerk = UserFactory(username="clerk_q", real_name="王受理", roles=[Role.CLERK])
    services.accept_application(application=submitted, actor=clerk, actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    return submitted


def ask(application: Application, reviewer, *, on: dt.date = ASKED_ON) -> CorrectionNotice:
    form = application.item.materials.get(name="申请书")
    return services.suspend_for_correction(
        application=application,
        actor=reviewer,
        entries=[
            {"requirement_id": form.id, "reason": "申请人签名与身份证不一致"},
            {"name": "情况说明", "reason": "请说明经营场所变更情况"},
        ],
        due_on=DUE_ON,
        clock=clock_at(on, 10),
    )


def answer(application: Application, user, files: dict, *, on: dt.date = ANSWERED_ON, role: str = Actor.APPLICANT):
    return services.resubmit_correction(
        application=application, actor=user, actor_role=role, files=files, clock=clock_at(on, 15)
    )


def listed(application: Application) -> int:
    return application.item.materials.get(name="申请书").id


def fake_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("申请书.pdf", b"this is not a pdf", content_type="application/pdf")


@pytest.fixture
def asked(accepted, reviewer):
    ask(accepted, reviewer)
    accepted.refresh_from_db()
    return accepted


# --- Asking ------------------------------------------------------------------------------------------


def test_the_notice_suspends_the_case_and_tells_the_applicant_in_writing(asked, citizen):
    assert asked.status == S.SUSPENDED and asked.suspended_on == ASKED_ON
    assert asked.correction_due_on == DUE_ON
    suspension = asked.suspensions.get()
    assert suspension.kind == Suspension.Kind.CORRECTION and suspension.ended_on is None
    assert "申请书" in suspension.reason and "情况说明" in suspension.reason
    notice = asked.correction_notices.get()
    assert notice.after_acceptance and notice.due_on == DUE_ON
    assert [e["name"] for e in notice.entries] == ["申请书", "情况说明"]
    # The one-time notice, not a special procedure's: the applicant reads what to bring and by when.
    assert list(asked.documents.values_list("kind", flat=True)) == [
        Document.Kind.ACCEPTANCE_RECEIPT,
        Document.Kind.CORRECTION_NOTICE,
    ]
    told = OutboxMessage.objects.filter(kind="notification", payload__user_id=citizen.pk)
    assert any("申请书" in m.payload["body"] and "2026-03-13" in m.payload["body"] for m in told)


def test_the_applicant_is_asked_for_the_listed_materials_by_the_date(asked):
    asks = selectors.what_is_asked(selectors.application_detail(asked))
    assert [(a.kind, a.due_on) for a in asks] == [("correct_materials", DUE_ON)]
    assert "申请书" in asks[0].text and "情况说明" in asks[0].text
    assert selectors.open_correction(selectors.application_detail(asked)).after_acceptance


def test_the_notice_pdf_says_the_clock_stops_and_what_happens_if_nothing_comes(asked, tmp_path):
    document = asked.documents.get(kind=Document.Kind.CORRECTION_NOTICE)
    text = pdf_text(documents.render_document(document), tmp_path)
    assert "已受理" in text and "申请人签名与身份证不一致" in text and "情况说明" in text
    assert "2026年3月13日" in text and "补正期间不计入办理时限" in text and "退件" in text


def test_the_notice_needs_every_entry_with_a_reason_and_a_later_deadline(accepted, reviewer):
    form = listed(accepted)
    for entries, due in (
        ([], DUE_ON),
        ([{"requirement_id": form, "reason": ""}], DUE_ON),
        ([{"requirement_id": form + 999, "reason": "不是本事项的材料"}], DUE_ON),
        ([{"requirement_id": form, "reason": "签名缺失"}], ASKED_ON),
    ):
        with pytest.raises(ValidationError):
            services.suspend_for_correction(
                application=accepted, actor=reviewer, entries=entries, due_on=due, clock=clock_at(ASKED_ON)
            )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and not accepted.correction_notices.exists()
    assert not accepted.suspensions.exists()


def test_a_second_click_while_the_notice_is_open_is_409_and_writes_nothing(asked, reviewer):
    with pytest.raises(InvalidTransition):
        ask(asked, reviewer)
    assert asked.correction_notices.count() == 1 and asked.suspensions.count() == 1
    assert asked.documents.filter(kind=Document.Kind.CORRECTION_NOTICE).count() == 1


def test_a_case_not_accepted_yet_is_not_asked_this_way(submitted, reviewer):
    with pytest.raises(InvalidTransition):
        ask(submitted, reviewer)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not submitted.correction_notices.exists()


def test_a_correction_after_acceptance_is_told_once(asked, reviewer, citizen):
    answer(asked, citizen, {listed(asked): pdf()})
    with pytest.raises(InvalidTransition, match="只能一次性告知"):
        ask(asked, reviewer, on=dt.date(2026, 3, 10))
    asked.refresh_from_db()
    assert asked.status == S.IN_REVIEW and asked.correction_notices.count() == 1


def test_a_special_procedure_cannot_pose_as_a_correction(accepted, reviewer):
    with pytest.raises(ValidationError):
        services.suspend_application(
            application=accepted, actor=reviewer, kind="correction", reason="缺材料", clock=clock_at(ASKED_ON)
        )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW


# --- Answering ---------------------------------------------------------------------------------------


def test_the_listed_materials_end_the_pause_and_move_both_deadlines(asked, citizen):
    statutory = asked.statutory_due_on
    task_due = asked.tasks.get(status=ReviewTask.Status.OPEN).due_on
    before = asked.materials.get(is_current=True)
    answer(asked, citizen, {listed(asked): pdf("签字版.pdf")})
    asked.refresh_from_db()
    assert asked.status == S.IN_REVIEW and asked.suspended_on is None and asked.correction_due_on is None
    assert asked.due_on == dt.date(2026, 3, 19)
    assert asked.statutory_due_on > statutory
    assert asked.tasks.get(status=ReviewTask.Status.OPEN).due_on > task_due
    suspension = asked.suspensions.get()
    assert suspension.ended_on == ANSWERED_ON and suspension.result == "已提交补正材料。"
    assert asked.correction_notices.get().resolved_at is not None
    current = asked.materials.get(is_current=True)
    assert current.pk != before.pk and current.uploaded_by == citizen
    event = asked.timeline.order_by("-at", "-id").first()
    assert (event.action, event.from_status, event.to_status) == ("resubmit", S.SUSPENDED, S.IN_REVIEW)
    assert "2026-03-19" in event.note and event.is_visible_to_applicant
    assert selectors.what_is_asked(selectors.application_detail(asked)) == []


def test_the_answer_tells_whoever_holds_the_step_once(asked, citizen, reviewer, department_x):
    from portal.notifications import drafts_for

    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    other = UserFactory(department=department_x, roles=[Role.REVIEWER])
    task = asked.tasks.get(status=ReviewTask.Status.OPEN)
    ReviewTask.objects.filter(pk=task.pk).update(assignee=reviewer)
    answer(asked, citizen, {listed(asked): pdf("签字版.pdf")})
    told = OutboxMessage.objects.filter(idempotency_key__startswith="correction-back:")
    assert told.count() == 1
    message = told.get()
    recipients = {draft.recipient for draft in drafts_for(message)}
    assert recipients == {reviewer, head} and other not in recipients
    assert "已补正" in message.payload["title"] and message.payload["link"].endswith(f"/{asked.number}/")


def test_a_material_the_notice_does_not_list_is_refused(asked, citizen):
    other = asked.item.materials.get(name="场地证明")
    with pytest.raises(ValidationError, match="只能提交补正告知书中列明的材料"):
        answer(asked, citizen, {listed(asked): pdf(), other.id: pdf()})
    with pytest.raises(ValidationError, match="请提交：申请书"):
        answer(asked, citizen, {})
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED and asked.materials.count() == 1


def test_a_fake_file_is_refused_and_nothing_is_stored(asked, citizen):
    with pytest.raises(ValidationError) as refused:
        answer(asked, citizen, {listed(asked): fake_pdf()})
    assert "申请书" in refused.value.message_dict["files"][0]
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED and asked.materials.count() == 1
    assert asked.correction_notices.get().resolved_at is None and asked.suspensions.get().ended_on is None


def test_a_second_answer_finds_nothing_asked(asked, citizen):
    answer(asked, citizen, {listed(asked): pdf()})
    with pytest.raises(InvalidTransition):
        answer(asked, citizen, {listed(asked): pdf()})
    asked.refresh_from_db()
    assert asked.materials.filter(is_current=False).count() == 1  # the first answer's replacement only


def test_nothing_is_asked_of_a_case_in_review_or_in_a_special_procedure(accepted, reviewer, citizen):
    with pytest.raises(InvalidTransition):
        answer(accepted, citizen, {listed(accepted): pdf()})
    services.suspend_application(
        application=accepted,
        actor=reviewer,
        kind="site_inspection",
        reason="现场勘验",
        expected_days=3,
        clock=clock_at(ASKED_ON),
    )
    with pytest.raises(InvalidTransition, match="无需补正"):
        answer(accepted, citizen, {listed(accepted): pdf()})
    accepted.refresh_from_db()
    assert accepted.status == S.SUSPENDED and accepted.materials.count() == 1


def test_the_reviewer_cannot_close_the_correction_without_the_materials(asked, reviewer):
    with pytest.raises(InvalidTransition):
        services.resume_application(application=asked, actor=reviewer, result="已电话沟通", clock=clock_at(ANSWERED_ON))
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED


def test_a_reviewer_cannot_answer_for_the_applicant(asked, reviewer):
    from portal.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        answer(asked, reviewer, {listed(asked): pdf()}, role=Actor.REVIEWER)
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED


# --- Not answered: 退件 --------------------------------------------------------------------------


def test_an_unanswered_correction_after_acceptance_returns_the_case_with_a_notice(asked, tmp_path):
    assert services.sweep_expired_corrections(clock=clock_at(DUE_ON, 23)) == 0  # the last day still counts
    assert services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 16), 0)) == 1
    asked.refresh_from_db()
    assert asked.status == S.RETURNED and asked.light == ""
    assert asked.suspensions.get().ended_on == dt.date(2026, 3, 16)
    assert not asked.tasks.filter(status=ReviewTask.Status.OPEN).exists()
    notice = asked.documents.get(kind=Document.Kind.RETURN_NOTICE)
    text = pdf_text(documents.render_document(notice), tmp_path)
    assert "2026年3月13日" in text and "申请书" in text and "退件" in text
    assert services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 17))) == 0  # once only


def test_an_answered_correction_is_not_swept(asked, citizen):
    answer(asked, citizen, {listed(asked): pdf()})
    assert services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 30))) == 0
    asked.refresh_from_db()
    assert asked.status == S.IN_REVIEW


# --- The applicant's case page -------------------------------------------------------------------------


def correct(client, application: Application, files: dict):
    return client.post(f"/applications/{application.number}/correction/", {f"c{k}": v for k, v in files.items()})


def test_the_case_page_asks_for_the_listed_materials_with_one_input_each(client, asked, citizen):
    client.force_login(citizen)
    html = client.get(f"/applications/{asked.number}/").content.decode()
    assert "请补正材料：申请书、情况说明。" in html and "2026-03-13" in html
    assert "补正期间暂停计时" in html and "申请人签名与身份证不一致" in html
    assert f'name="c{listed(asked)}"' in html and "提交补正材料</button>" in html
    assert f'name="c{asked.item.materials.get(name="场地证明").id}"' not in html


def test_the_applicant_uploads_the_listed_material_and_the_review_goes_on(client, asked, citizen):
    client.force_login(citizen)
    response = correct(client, asked, {listed(asked): pdf("签字版.pdf")})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == S.IN_REVIEW and asked.suspended_on is None
    assert "恢复计时" in client.get(response["Location"]).content.decode()


def test_the_page_refuses_an_unlisted_material_or_a_fake_file_with_422(client, asked, citizen):
    client.force_login(citizen)
    other = asked.item.materials.get(name="场地证明").id
    response = correct(client, asked, {listed(asked): pdf(), other: pdf()})
    assert response.status_code == 422 and "只能提交补正告知书中列明的材料" in response.content.decode()
    response = correct(client, asked, {listed(asked): fake_pdf()})
    assert response.status_code == 422 and "“申请书”" in response.content.decode()
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED and asked.materials.count() == 1


def test_bob_cannot_see_or_answer_alices_notice(client, asked, other_citizen):
    client.force_login(other_citizen)
    assert client.get(f"/applications/{asked.number}/").status_code == 404
    assert correct(client, asked, {listed(asked): pdf()}).status_code == 404
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED


def test_a_double_submit_and_an_answer_nobody_asked_for_are_409(client, accepted, reviewer, citizen):
    client.force_login(citizen)
    response = correct(client, accepted, {listed(accepted): pdf()})
    assert response.status_code == 409 and "不能补正材料" in response.content.decode()
    ask(accepted, reviewer)
    assert correct(client, accepted, {listed(accepted): pdf()}).status_code == 302
    response = correct(client, accepted, {listed(accepted): pdf()})
    assert response.status_code == 409
    assert accepted.materials.filter(is_current=False).count() == 1
