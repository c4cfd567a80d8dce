"""The back-office workbench over HTTP: queue, case page, actions, and who may do what."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications import services as cases
from applications.deadlines import paused_days, shift
from applications.models import Application, Document, Extension, Result, ReviewTask, Suspension
from portal.clock import system_clock
from portal.models import AuditEvent
from tests.conftest import login_verified
from tests.factories import make_resident_id
from tests.reviews.conftest import MONDAY, as_user, clock_at, open_task, visible_text

S = Application.Status
PERM = "applications.work_on_reviewtask"


def url(name: str, application: Application, *extra) -> str:
    return reverse(f"reviews:{name}", args=[application.number, *extra])


def post(client, name: str, application: Application, data: dict | None = None, *extra):
    return client.post(url(name, application, *extra), data or {})


def reload(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def pass_as(client, user, application: Application, opinion: str = "同意"):
    client.logout()
    as_user(client, user)
    return post(client, "pass", application, {"opinion": opinion})


# --- Who may use the workbench -------------------------------------------------------------------------


def test_a_reviewer_sees_only_their_departments_tasks_and_cases(client, accepted, case_y, alice, yves):
    as_user(client, alice)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert accepted.number in body and case_y.number not in body

    client.logout()
    as_user(client, yves)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert case_y.number in body and accepted.number not in body
    assert client.get(url("case", accepted)).status_code == 404
    assert post(client, "pass", accepted, {"opinion": "同意"}).status_code == 404
    assert client.post(reverse("reviews:claim", args=[open_task(accepted).pk])).status_code == 404
    assert reload(accepted).current_step.kind == "handle" and open_task(accepted).assignee is None


@pytest.mark.parametrize("persona", ["clerk", "citizen"])
def test_clerks_and_citizens_are_refused_the_workbench(client, accepted, persona, request):
    user = request.getfixturevalue(persona)
    login_verified(client, user) if user.is_portal_staff else client.force_login(user)
    assert client.get(reverse("reviews:queue")).status_code == 403
    assert client.get(url("case", accepted)).status_code == 403
    assert post(client, "pass", accepted, {"opinion": "同意"}).status_code == 403
    assert client.post(reverse("reviews:claim", args=[open_task(accepted).pk])).status_code == 403
    assert reload(accepted).current_step.kind == "handle"


def test_anonymous_visitors_are_sent_to_sign_in(client, accepted):
    response = client.get(reverse("reviews:queue"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "pass",
        "return",
        "decide",
        "grant_on_the_spot",
        "accept",
        "correction",
        "refuse",
        "suspend",
        "resume",
        "extension",
    ],
)
def test_actions_are_post_only(client, accepted, alice, name):
    as_user(client, alice)
    assert client.get(url(name, accepted)).status_code == 405


def test_task_actions_are_post_only(client, accepted, alice):
    as_user(client, alice)
    for name in ("claim", "assign", "release"):
        assert client.get(reverse(f"reviews:{name}", args=[open_task(accepted).pk])).status_code == 405


def test_an_unknown_case_or_task_is_404(client, accepted, alice):
    as_user(client, alice)
    assert client.get(reverse("reviews:case", args=["NO-SUCH-NUMBER"])).status_code == 404
    assert client.post(reverse("reviews:claim", args=[999999])).status_code == 404


# --- The queue ----------------------------------------------------------------------------------------------


def test_the_queue_shows_the_dates_the_light_in_words_and_a_masked_applicant(client, accepted, alice):
    as_user(client, alice)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert accepted.due_on.isoformat() in body and accepted.statutory_due_on.isoformat() in body
    assert "2026-03-02" in body  # accepted on
    assert "绿灯：正常" in visible_text(body) and "light-green" in body
    assert "承办" in body and "认领" in body
    assert accepted.party.id_number_masked in body and make_resident_id() not in body


def test_a_red_light_reads_as_overdue(client, accepted, alice):
    cases.sweep_lights(clock=clock_at(dt.date(2026, 3, 20)))
    as_user(client, alice)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert "红灯：办件已超期" in visible_text(body) and "light-red" in body


def test_the_head_sees_the_overview_with_pending_extensions(client, accepted, head_x, alice):
    cases.request_extension(application=accepted, actor=alice, days=3, reason="需补充调查", clock=clock_at(MONDAY, 15))
    as_user(client, head_x)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert "部门概况" in body and "需补充调查" in body and "审查员甲" in body  # the assign select lists reviewers


def test_a_reviewer_does_not_see_the_overview(client, accepted, alice):
    as_user(client, alice)
    assert "部门概况" not in client.get(reverse("reviews:queue")).content.decode()


# --- Claiming and assigning ------------------------------------------------------------------------------


def test_a_claimed_task_cannot_be_worked_on_by_another_reviewer(client, accepted, alice, bob):
    as_user(client, alice)
    task = open_task(accepted)
    response = client.post(reverse("reviews:claim", args=[task.pk]))
    assert response.status_code == 302 and response["Location"] == url("case", accepted)
    task.refresh_from_db()
    assert task.assignee == alice

    client.logout()
    as_user(client, bob)
    assert accepted.number not in client.get(reverse("reviews:queue")).content.decode()
    page = client.get(url("case", accepted))
    assert page.status_code == 200 and "该任务已分配给他人" in page.content.decode()
    assert post(client, "pass", accepted, {"opinion": "同意"}).status_code == 403
    assert (
        post(client, "suspend", accepted, {"kind": "site_inspection", "reason": "勘验", "expected_days": 3}).status_code
        == 403
    )
    assert post(client, "extension", accepted, {"days": 3, "reason": "调查"}).status_code == 403
    assert client.post(reverse("reviews:claim", args=[task.pk])).status_code == 409
    assert reload(accepted).current_step.kind == "handle" and reload(accepted).status == S.IN_REVIEW

    client.logout()
    as_user(client, alice)
    assert post(client, "pass", accepted, {"opinion": "材料齐全"}).status_code == 302
    assert reload(accepted).current_step.kind == "check"


def test_the_head_assigns_a_task_and_only_the_assignee_can_act(client, accepted, head_x, alice, bob):
    task = open_task(accepted)
    as_user(client, head_x)
    response = client.post(reverse("reviews:assign", args=[task.pk]), {"reviewer": bob.pk})
    assert response.status_code == 302
    bob = type(bob).objects.get(pk=bob.pk)
    assert bob.has_perm(PERM, task)
    assert AuditEvent.objects.filter(action="review_task.assign", object_id=str(task.pk), actor=head_x).exists()

    assert pass_as(client, alice, accepted).status_code == 403
    assert pass_as(client, bob, accepted, "材料齐全").status_code == 302
    assert reload(accepted).current_step.kind == "check"


def test_reassigning_moves_the_work_to_the_new_reviewer(client, accepted, head_x, alice, bob):
    task = open_task(accepted)
    as_user(client, head_x)
    client.post(reverse("reviews:assign", args=[task.pk]), {"reviewer": alice.pk})
    client.post(reverse("reviews:assign", args=[task.pk]), {"reviewer": bob.pk})
    assert not type(alice).objects.get(pk=alice.pk).has_perm(PERM, task)
    assert pass_as(client, alice, accepted).status_code == 403
    assert pass_as(client, bob, accepted).status_code == 302


@pytest.mark.parametrize("reviewer", ["yves", "chief_x", "nobody", "garbage"])
def test_the_head_cannot_assign_outside_the_departments_reviewers(client, accepted, head_x, yves, chief_x, reviewer):
    value = {"yves": yves.pk, "chief_x": chief_x.pk, "nobody": 999999, "garbage": "x'; drop"}[reviewer]
    as_user(client, head_x)
    response = client.post(reverse("reviews:assign", args=[open_task(accepted).pk]), {"reviewer": value})
    assert response.status_code == 422 and "只能分配给本部门的审查人员" in response.content.decode()
    assert open_task(accepted).assignee is None


def test_a_reviewer_cannot_assign(client, accepted, alice, bob):
    as_user(client, alice)
    response = client.post(reverse("reviews:assign", args=[open_task(accepted).pk]), {"reviewer": bob.pk})
    assert response.status_code == 403 and open_task(accepted).assignee is None


def test_releasing_returns_the_task_to_the_queue(client, accepted, alice, bob):
    task = open_task(accepted)
    as_user(client, alice)
    client.post(reverse("reviews:claim", args=[task.pk]))
    assert client.post(reverse("reviews:release", args=[task.pk])).status_code == 302
    assert pass_as(client, bob, accepted).status_code == 302


# --- Handle → check → approve --------------------------------------------------------------------------------


def test_a_case_is_handled_checked_and_granted(client, accepted, alice, carol, dave):
    as_user(client, alice)
    page = client.get(url("case", accepted)).content.decode()
    assert "审查通过，转下一环节" in page and "申请书" in page
    assert reverse("applications:material_file", args=[accepted.number, accepted.materials.get().pk]) in page
    assert make_resident_id() not in page  # the form's ID number is masked

    assert post(client, "pass", accepted, {"opinion": "材料齐全，符合条件"}).status_code == 302
    assert pass_as(client, carol, accepted, "同意").status_code == 302
    assert reload(accepted).current_step.kind == "approve"

    client.logout()
    as_user(client, dave)
    page = client.get(url("case", accepted)).content.decode()
    assert "作出决定" in page and "材料齐全，符合条件" in page  # internal opinions on the case page
    response = post(
        client,
        "decide",
        accepted,
        {"outcome": "granted", "reasons": "符合。", "certificate_number": "XK-2026-001", "valid_until": "2031-03-01"},
    )
    assert response.status_code == 302
    application = reload(accepted)
    assert application.status == S.DECIDED and application.outcome == "granted"
    result = Result.objects.get(application=application)
    assert result.certificate_number == "XK-2026-001" and result.valid_until == dt.date(2031, 3, 1)
    assert result.decided_by == dave
    assert application.documents.filter(kind=Document.Kind.GRANT_DECISION).exists()
    assert application.certificate_due_on is not None
    assert not ReviewTask.objects.filter(application=application, status="open").exists()


def test_a_grant_without_its_reason_is_422_and_decides_nothing(client, accepted, alice, carol, dave):
    assert pass_as(client, alice, accepted, "材料齐全").status_code == 302
    assert pass_as(client, carol, accepted).status_code == 302
    client.logout()
    as_user(client, dave)
    response = post(client, "decide", accepted, {"outcome": "granted", "reasons": "  "})
    assert response.status_code == 422 and "准予许可须写明理由" in response.content.decode()
    assert reload(accepted).status == S.IN_REVIEW and not Result.objects.filter(application=accepted).exists()
    with pytest.raises(ValidationError):
        cases.decide_application(application=accepted, actor=dave, outcome="granted", reasons="")


def test_the_handler_cannot_approve_the_case_they_handled(client, accepted, alice, carol):
    assert pass_as(client, alice, accepted, "材料齐全").status_code == 302
    assert pass_as(client, carol, accepted).status_code == 302
    client.logout()
    as_user(client, alice)
    response = post(client, "decide", accepted, {"outcome": "granted", "reasons": "符合法定条件。"})
    assert response.status_code == 403 and "承办人不能批准" in response.content.decode()
    assert reload(accepted).status == S.IN_REVIEW and not Result.objects.filter(application=accepted).exists()


def test_the_handler_is_not_offered_the_approval_step_and_is_told_why(client, accepted, alice, carol):
    """审批分离: no claim button and no decision form for the handler, but the reason in their place."""
    assert pass_as(client, alice, accepted, "材料齐全").status_code == 302
    assert pass_as(client, carol, accepted).status_code == 302
    client.logout()
    as_user(client, alice)
    task = open_task(accepted)
    claim_url = reverse("reviews:claim", args=[task.pk])

    queue = client.get(reverse("reviews:queue")).content.decode()
    assert accepted.number in queue and claim_url not in queue
    assert "您已承办本件，按审批分离不能再审批" in queue

    page = client.get(url("case", accepted)).content.decode()
    assert claim_url not in page and "作出决定" not in page
    assert "您已承办本件，按审批分离不能再审批" in page

    response = client.post(claim_url)
    assert response.status_code == 403 and "您已承办本件，按审批分离不能再审批" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee is None


def test_another_reviewer_is_still_offered_the_approval_step(client, accepted, alice, carol, dave):
    pass_as(client, alice, accepted)
    pass_as(client, carol, accepted)
    client.logout()
    as_user(client, dave)
    task = open_task(accepted)
    page = client.get(url("case", accepted)).content.decode()
    assert reverse("reviews:claim", args=[task.pk]) in page and "按审批分离" not in page
    assert client.post(reverse("reviews:claim", args=[task.pk])).status_code == 302


def test_a_denial_needs_reasons_and_then_produces_the_decision(client, accepted, alice, carol, dave):
    pass_as(client, alice, accepted)
    pass_as(client, carol, accepted)
    client.logout()
    as_user(client, dave)
    response = post(client, "decide", accepted, {"outcome": "denied", "reasons": "   "})
    assert response.status_code == 422 and "不予许可须说明理由" in response.content.decode()
    assert reload(accepted).status == S.IN_REVIEW and not Result.objects.filter(application=accepted).exists()

    response = post(client, "decide", accepted, {"outcome": "denied", "reasons": "不符合《条例》第十条规定的条件"})
    assert response.status_code == 302
    assert reload(accepted).outcome == "denied"
    assert accepted.documents.filter(kind=Document.Kind.DENIAL_DECISION).exists()


@pytest.mark.parametrize("data", [{}, {"outcome": "maybe"}, {"outcome": "granted", "valid_until": "not-a-date"}])
def test_a_malformed_decision_is_refused_with_the_page(client, accepted, alice, carol, dave, data):
    pass_as(client, alice, accepted)
    pass_as(client, carol, accepted)
    client.logout()
    as_user(client, dave)
    assert post(client, "decide", accepted, data).status_code == 422
    assert reload(accepted).status == S.IN_REVIEW


def test_a_reviewer_at_the_first_step_cannot_decide(client, accepted, alice):
    as_user(client, alice)
    assert post(client, "decide", accepted, {"outcome": "granted", "reasons": "符合。"}).status_code == 403
    assert reload(accepted).status == S.IN_REVIEW


def test_passing_on_needs_an_opinion(client, accepted, alice):
    as_user(client, alice)
    for opinion in ("", "   ", "意" * 2001):
        response = post(client, "pass", accepted, {"opinion": opinion})
        assert response.status_code == 422
    assert reload(accepted).current_step.kind == "handle"


def test_a_step_is_sent_back_with_a_reason(client, accepted, alice, carol):
    pass_as(client, alice, accepted)
    client.logout()
    as_user(client, carol)
    assert post(client, "return", accepted, {"opinion": ""}).status_code == 422
    assert post(client, "return", accepted, {"opinion": "请核实场地面积"}).status_code == 302
    assert reload(accepted).current_step.kind == "handle"
    assert ReviewTask.objects.filter(application=accepted, status="returned", opinion="请核实场地面积").exists()
    # Internal: the applicant's timeline never shows it.
    assert not accepted.timeline.filter(action="return_step", is_visible_to_applicant=True).exists()


def test_the_first_step_cannot_be_sent_back(client, accepted, alice):
    as_user(client, alice)
    assert post(client, "return", accepted, {"opinion": "退回"}).status_code == 409


# --- Special procedures and the extension ------------------------------------------------------------------


def test_a_special_procedure_stops_the_clock_and_its_end_moves_the_due_date(client, accepted, alice):
    as_user(client, alice)
    response = post(
        client, "suspend", accepted, {"kind": "site_inspection", "reason": "需现场勘验经营场所", "expected_days": 5}
    )
    assert response.status_code == 302
    application = reload(accepted)
    assert application.status == S.SUSPENDED
    assert application.documents.filter(kind=Document.Kind.SUSPENSION_NOTICE).exists()
    assert "结束特别程序" in client.get(url("case", accepted)).content.decode()

    # Started on Wednesday 03-04 (the clock of the test), ended today through the page.
    Suspension.objects.filter(application=accepted).update(started_on=dt.date(2026, 3, 4))
    assert post(client, "resume", accepted, {"result": ""}).status_code == 422
    assert reload(accepted).status == S.SUSPENDED
    assert post(client, "resume", accepted, {"result": "勘验合格"}).status_code == 302
    application = reload(accepted)
    today = system_clock.today()
    assert application.status == S.IN_REVIEW
    assert application.due_on == shift(dt.date(2026, 3, 16), paused_days(dt.date(2026, 3, 4), today, "workday"))
    assert application.due_on > dt.date(2026, 3, 16)


def test_the_reviewer_is_offered_exactly_the_special_procedures_the_item_lists(client, accepted, alice):
    accepted.item.special_procedures = ["expert_review", "site_inspection"]
    accepted.item.save(update_fields=["special_procedures"])
    as_user(client, alice)
    form = client.get(url("case", accepted)).context["forms"]["suspend"]
    assert [value for value, _ in form.fields["kind"].choices] == ["expert_review", "site_inspection"]
    assert dict(form.fields["kind"].choices)["expert_review"] == "专家评审"


def test_an_item_listing_no_special_procedure_offers_none_and_the_service_refuses_one(client, accepted, alice):
    accepted.item.special_procedures = []
    accepted.item.save(update_fields=["special_procedures"])
    as_user(client, alice)
    assert "启动特别程序" not in client.get(url("case", accepted)).content.decode()
    response = post(client, "suspend", accepted, {"kind": "hearing", "reason": "听证", "expected_days": 3})
    assert response.status_code in (403, 409, 422)
    assert reload(accepted).status == S.IN_REVIEW


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "hearing", "reason": "听证", "expected_days": 5},  # not allowed for this item
        {"kind": "site_inspection", "reason": "", "expected_days": 5},
        {"kind": "site_inspection", "reason": "勘验", "expected_days": 0},
        {"kind": "site_inspection", "reason": "勘验", "expected_days": "五"},
        {"kind": "site_inspection", "reason": "勘验", "expected_days": 100000},
    ],
)
def test_a_bad_special_procedure_is_refused(client, accepted, alice, data):
    as_user(client, alice)
    assert post(client, "suspend", accepted, data).status_code == 422
    assert reload(accepted).status == S.IN_REVIEW and not Suspension.objects.filter(application=accepted).exists()


def test_a_second_suspension_is_a_state_conflict(client, accepted, alice):
    as_user(client, alice)
    data = {"kind": "site_inspection", "reason": "勘验", "expected_days": 3}
    assert post(client, "suspend", accepted, data).status_code == 302
    response = post(client, "suspend", accepted, data)
    assert response.status_code == 409 and "暂停计时" in response.content.decode()
    assert Suspension.objects.filter(application=accepted).count() == 1


def test_one_extension_is_requested_and_approved_by_the_head(client, accepted, alice, head_x):
    as_user(client, alice)
    assert post(client, "extension", accepted, {"days": 11, "reason": "调查"}).status_code == 422  # item allows 10
    assert post(client, "extension", accepted, {"days": 5, "reason": ""}).status_code == 422
    assert post(client, "extension", accepted, {"days": 5, "reason": "需补充调查"}).status_code == 302
    assert post(client, "extension", accepted, {"days": 5, "reason": "再次申请"}).status_code == 409
    extension = Extension.objects.get(application=accepted)

    assert post(client, "decide_extension", accepted, {"decision": "approve"}, extension.pk).status_code == 403
    client.logout()
    as_user(client, head_x)
    due_before = reload(accepted).due_on
    assert post(client, "decide_extension", accepted, {"decision": "perhaps"}, extension.pk).status_code == 422
    assert post(client, "decide_extension", accepted, {"decision": "approve"}, extension.pk).status_code == 302
    application = reload(accepted)
    assert application.is_extended and application.due_on == shift(due_before, 5)
    assert application.documents.filter(kind=Document.Kind.EXTENSION_NOTICE).exists()
    assert post(client, "decide_extension", accepted, {"decision": "approve"}, extension.pk).status_code == 409

    client.logout()
    as_user(client, alice)
    assert post(client, "extension", accepted, {"days": 1, "reason": "第二次"}).status_code == 409
    assert Extension.objects.filter(application=accepted).count() == 1


def test_an_extension_of_another_case_is_not_found(client, accepted, immediate_case, alice, head_x):
    extension = cases.request_extension(
        application=accepted, actor=alice, days=2, reason="调查", clock=clock_at(MONDAY, 15)
    )
    as_user(client, head_x)
    assert post(client, "decide_extension", immediate_case, {"decision": "approve"}, extension.pk).status_code == 404
    assert Extension.objects.get(pk=extension.pk).status == Extension.Status.REQUESTED


# --- The chief representative ---------------------------------------------------------------------------------


def test_the_chief_representative_grants_an_immediate_item_on_the_spot(client, immediate_case, chief_x):
    as_user(client, chief_x)
    assert immediate_case.number in client.get(reverse("reviews:queue")).content.decode()
    assert "首席代表当场准予" in client.get(url("case", immediate_case)).content.decode()
    assert post(client, "grant_on_the_spot", immediate_case, {"certificate_number": "JB-001"}).status_code == 302
    application = reload(immediate_case)
    assert application.status == S.DECIDED and application.outcome == "granted"
    assert Result.objects.get(application=application).decided_by == chief_x


def test_the_chief_representative_cannot_grant_an_item_that_is_not_immediate(client, accepted, chief_x):
    as_user(client, chief_x)
    assert client.get(url("case", accepted)).status_code == 200  # the department's case: visible
    assert post(client, "grant_on_the_spot", accepted, {}).status_code == 403
    assert post(client, "decide", accepted, {"outcome": "granted", "reasons": "符合。"}).status_code == 403
    assert reload(accepted).status == S.IN_REVIEW


def test_a_reviewer_cannot_grant_on_the_spot(client, immediate_case, alice):
    as_user(client, alice)
    assert post(client, "grant_on_the_spot", immediate_case, {}).status_code == 403
    assert reload(immediate_case).status == S.IN_REVIEW


# --- A case received for the department -------------------------------------------------------------------------


def test_the_handler_accepts_a_received_case(client, received, alice):
    as_user(client, alice)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert received.number in body and "待部门受理" in body
    assert post(client, "accept", received).status_code == 302
    application = reload(received)
    assert application.status == S.IN_REVIEW and application.due_on is not None
    assert open_task(application).step.kind == "handle"
    assert post(client, "accept", received).status_code == 409  # a double click


def test_the_handler_asks_for_a_correction_of_a_received_case(client, received, alice):
    as_user(client, alice)
    material = received.item.materials.get()
    due = (timezone.localdate() + dt.timedelta(days=21)).isoformat()  # ahead of the real today
    assert post(client, "correction", received, {"due_on": due}).status_code == 422  # nothing listed
    data = {f"pick_{material.pk}": "on", f"reason_{material.pk}": "签名缺失", "due_on": due}
    assert post(client, "correction", received, data).status_code == 302
    application = reload(received)
    assert application.status == S.CORRECTION_REQUESTED
    assert application.correction_notices.get().entries[0]["reason"] == "签名缺失"


def test_the_handler_refuses_a_received_case_with_reason_and_basis(client, received, alice):
    as_user(client, alice)
    assert post(client, "refuse", received, {"reason": "不属于本机关职权范围"}).status_code == 422
    assert reload(received).status == S.RECEIVED
    data = {"reason": "不属于本机关职权范围", "basis": "《行政许可法》第三十二条", "competent_agency": "市场监督管理局"}
    assert post(client, "refuse", received, data).status_code == 302
    assert reload(received).status == S.REFUSED


def test_the_department_does_not_take_in_a_case_before_a_window_received_it(client, submitted, alice):
    as_user(client, alice)
    assert post(client, "accept", submitted).status_code == 409
    assert reload(submitted).status == S.SUBMITTED


def test_accepting_a_case_already_in_review_is_a_state_conflict(client, accepted, alice):
    as_user(client, alice)
    assert post(client, "accept", accepted).status_code == 409


def test_a_chief_representative_does_not_accept_received_cases(client, received, chief_x):
    as_user(client, chief_x)
    assert post(client, "accept", received).status_code == 403
    assert reload(received).status == S.RECEIVED


@pytest.mark.parametrize("valid_until", ["0001-01-01", "9999-12-31"])
def test_a_licence_valid_until_an_implausible_date_is_refused(client, accepted, alice, carol, dave, valid_until):
    pass_as(client, alice, accepted)
    pass_as(client, carol, accepted)
    client.logout()
    as_user(client, dave)

    response = post(client, "decide", accepted, {"outcome": "granted", "reasons": "符合。", "valid_until": valid_until})

    assert response.status_code == 422 and f"有效期至“{valid_until}”不在合理范围内" in response.content.decode()
    assert reload(accepted).status == S.IN_REVIEW and not Result.objects.filter(application=accepted).exists()


# --- Filtering the queue ----------------------------------------------------------------------------------


def queue_numbers(client, **params) -> list[str]:
    response = client.get(reverse("reviews:queue"), params)
    assert response.status_code == 200
    return [task.application.number for task, _ in response.context["rows"]]


def test_the_queue_filters_by_item_step_holder_and_number(client, accepted, immediate_case, alice):
    from reviews import services as review_services

    as_user(client, alice)
    both = {accepted.number, immediate_case.number}
    assert set(queue_numbers(client)) == both
    assert queue_numbers(client, item=accepted.item.code) == [accepted.number]
    assert queue_numbers(client, step="approve") == [immediate_case.number]
    assert queue_numbers(client, number=accepted.number[-4:]) == [accepted.number]
    review_services.claim_task(user=alice, task=open_task(accepted))
    assert queue_numbers(client, holder="mine") == [accepted.number]
    assert queue_numbers(client, holder="unassigned") == [immediate_case.number]
    page = client.get(reverse("reviews:queue"), {"holder": "others"}).content.decode()
    assert "没有符合筛选条件的审查任务" in page


def test_unknown_filter_values_are_ignored(client, accepted, alice):
    as_user(client, alice)
    assert queue_numbers(client, step="'; drop table", holder="everyone", item="x" * 500) == []
    assert queue_numbers(client, step="'; drop table", holder="everyone") == [accepted.number]
