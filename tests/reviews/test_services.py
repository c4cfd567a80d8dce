"""Claiming, assigning and releasing review tasks; the queue and overview selectors; and the review
rules of applications.services as the workbench relies on them, on the real database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from applications import services as cases
from applications.access import can_work_on
from applications.models import Application, Extension, ReviewTask
from applications.transitions import Actor
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import AuditEvent
from reviews import selectors, services
from tests.reviews.conftest import MONDAY, accept, clock_at, file_case, open_task

S = Application.Status
PERM = "applications.work_on_reviewtask"


def fresh(user):
    """The same user without cached permissions (guardian and ModelBackend cache per instance)."""
    return type(user).objects.get(pk=user.pk)


# --- claim_task ---------------------------------------------------------------------------------------


def test_claiming_assigns_the_task_grants_the_permission_and_is_audited(accepted, alice, bob):
    task = services.claim_task(user=alice, task=open_task(accepted))
    task.refresh_from_db()
    assert task.assignee == alice
    assert fresh(alice).has_perm(PERM, task)
    assert not can_work_on(fresh(bob), task)
    audit = AuditEvent.objects.get(action="review_task.claim")
    assert audit.actor == alice and audit.object_id == str(task.pk) and audit.detail["to"] == alice.pk


def test_a_double_claim_writes_nothing_more(accepted, alice):
    task = open_task(accepted)
    services.claim_task(user=alice, task=task)
    services.claim_task(user=alice, task=task)
    assert AuditEvent.objects.filter(action="review_task.claim").count() == 1


def test_a_task_claimed_by_alice_cannot_be_claimed_by_bob(accepted, alice, bob):
    task = open_task(accepted)
    services.claim_task(user=alice, task=task)
    with pytest.raises(InvalidTransition):
        services.claim_task(user=bob, task=task)
    task.refresh_from_db()
    assert task.assignee == alice


def test_a_reviewer_of_another_department_cannot_claim(accepted, yves):
    with pytest.raises(NotFound):
        services.claim_task(user=yves, task=open_task(accepted))
    assert open_task(accepted).assignee is None


def test_a_chief_representative_does_not_claim_review_tasks(accepted, chief_x):
    with pytest.raises(PermissionDenied):
        services.claim_task(user=chief_x, task=open_task(accepted))


def test_a_finished_task_cannot_be_claimed(accepted, alice, bob):
    task = open_task(accepted)
    cases.pass_step(application=accepted, actor=alice, opinion="材料齐全", clock=clock_at(MONDAY, 14))
    with pytest.raises(InvalidTransition):
        services.claim_task(user=bob, task=task)


# --- assign_task and release_task ------------------------------------------------------------------


def test_the_head_assigns_and_reassigns_moving_the_permission(accepted, head_x, alice, bob):
    task = open_task(accepted)
    services.assign_task(head=head_x, task=task, reviewer=alice)
    assert fresh(alice).has_perm(PERM, task) and can_work_on(fresh(alice), task)

    services.assign_task(head=head_x, task=task, reviewer=bob)
    task.refresh_from_db()
    assert task.assignee == bob
    assert fresh(bob).has_perm(PERM, task)
    assert not fresh(alice).has_perm(PERM, task)
    assert not can_work_on(fresh(alice), task)
    assert list(AuditEvent.objects.filter(object_id=str(task.pk)).values_list("action", flat=True).order_by("id")) == [
        "review_task.assign",
        "review_task.reassign",
    ]


def test_only_the_head_assigns(accepted, alice, bob):
    with pytest.raises(PermissionDenied):
        services.assign_task(head=alice, task=open_task(accepted), reviewer=bob)
    assert open_task(accepted).assignee is None


def test_the_head_of_another_department_does_not_see_the_task(accepted, department_y, alice):
    from tests.reviews.conftest import _staff

    head_y = _staff("head_y", "秦淮负责人", department_y, "dept_head")
    with pytest.raises(NotFound):
        services.assign_task(head=head_y, task=open_task(accepted), reviewer=alice)


@pytest.mark.parametrize("who", ["yves", "chief_x", "clerk"])
def test_a_task_goes_only_to_a_reviewer_of_the_department(accepted, head_x, who, request):
    with pytest.raises(DomainError) as caught:
        services.assign_task(head=head_x, task=open_task(accepted), reviewer=request.getfixturevalue(who))
    assert caught.value.status_code == 422
    assert open_task(accepted).assignee is None


def test_releasing_puts_the_task_back_and_drops_the_permission(accepted, alice, bob, head_x):
    task = open_task(accepted)
    services.claim_task(user=alice, task=task)
    with pytest.raises(PermissionDenied):
        services.release_task(user=bob, task=task)
    services.release_task(user=alice, task=task)
    task.refresh_from_db()
    assert task.assignee is None and not fresh(alice).has_perm(PERM, task)
    assert can_work_on(fresh(bob), task)

    services.claim_task(user=bob, task=task)
    services.release_task(user=head_x, task=task)  # the head may take it back from anyone
    task.refresh_from_db()
    assert task.assignee is None


# --- Selectors ---------------------------------------------------------------------------------------------


def test_the_queue_shows_my_department_unassigned_and_mine_sorted_by_due_date(
    submitted, licensing_item, party, citizen, clerk, alice, bob, head_x, yves, case_y
):
    # Accepted on Wednesday, but the clock ran on Tuesday: opened earlier, due later.
    later = accept(
        file_case(licensing_item, party, citizen, day=dt.date(2026, 3, 3)),
        clerk,
        on=dt.date(2026, 3, 4),
        at=dt.date(2026, 3, 3),
    )
    # Accepted on Monday, opened on Thursday: due first although opened last.
    first = accept(submitted, clerk, on=MONDAY, at=dt.date(2026, 3, 5))
    assert first.due_on < later.due_on
    # Each task sorts by the earlier of its case's promised date and its step's own: the step of `later`
    # (opened 03-03, 3 working days) is due 03-06, before the step of `first` (opened 03-05) on 03-10.
    assert (open_task(later).due_on, open_task(first).due_on) == (dt.date(2026, 3, 6), dt.date(2026, 3, 10))
    assert [t.application_id for t in selectors.queue_for(alice)] == [later.pk, first.pk]

    services.claim_task(user=bob, task=open_task(later))
    assert [t.application_id for t in selectors.queue_for(alice)] == [first.pk]
    assert [t.application_id for t in selectors.queue_for(bob)] == [later.pk, first.pk]
    assert [t.application_id for t in selectors.queue_for(head_x)] == [later.pk, first.pk]
    assert [t.application_id for t in selectors.queue_for(yves)] == [case_y.pk]


def test_a_chief_representative_queues_only_immediate_items(accepted, immediate_case, chief_x):
    assert [t.application_id for t in selectors.queue_for(chief_x)] == [immediate_case.pk]


def test_staff_without_a_department_role_have_no_queue(accepted, clerk, citizen):
    assert not selectors.queue_for(clerk).exists()
    assert not selectors.queue_for(citizen).exists()


def test_the_overview_counts_lights_and_lists_overdue_cases_and_pending_extensions(
    accepted, immediate_case, head_x, alice
):
    late = clock_at(dt.date(2026, 3, 20))  # past the promised 03-16 of both cases
    cases.sweep_lights(clock=late)
    cases.request_extension(application=accepted, actor=alice, days=5, reason="需补充调查", clock=late)
    overview = selectors.department_overview(head_x, clock=late)
    assert overview.lights == {"green": 0, "yellow": 0, "red": 2}
    assert {a.pk for a in overview.overdue} == {accepted.pk, immediate_case.pk}
    assert [e.application_id for e in overview.pending_extensions] == [accepted.pk]
    assert overview.unassigned == 2


# --- The review rules the workbench relies on (applications.services) -----------------------------------


def test_a_special_procedure_moves_both_deadlines_by_the_days_it_took(accepted, alice):
    # DOMAIN.md: accepted Mon 03-02 with 10 promised days → due 03-16; suspended Wed 03-04, resumed
    # Mon 03-09 → 3 working days (Thu, Fri, Mon) → due Thu 03-19.
    assert accepted.due_on == dt.date(2026, 3, 16)
    statutory = accepted.statutory_due_on
    cases.suspend_application(
        application=accepted,
        actor=alice,
        kind="site_inspection",
        reason="现场勘验",
        expected_days=3,
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    accepted.refresh_from_db()
    assert accepted.status == S.SUSPENDED
    cases.resume_application(application=accepted, actor=alice, result="勘验合格", clock=clock_at(dt.date(2026, 3, 9)))
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW
    assert accepted.due_on == dt.date(2026, 3, 19)
    assert accepted.statutory_due_on > statutory


def test_a_procedure_the_item_does_not_allow_is_refused(accepted, alice):
    with pytest.raises(DomainError):
        cases.suspend_application(
            application=accepted, actor=alice, kind="hearing", reason="听证", clock=clock_at(MONDAY, 15)
        )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW


def test_one_extension_only(accepted, alice, head_x):
    clock = clock_at(dt.date(2026, 3, 10))
    extension = cases.request_extension(application=accepted, actor=alice, days=5, reason="需补充调查", clock=clock)
    with pytest.raises(InvalidTransition):
        cases.request_extension(application=accepted, actor=alice, days=5, reason="再次申请", clock=clock)
    cases.decide_extension(extension=extension, actor=head_x, approve=True, clock=clock)
    accepted.refresh_from_db()
    assert accepted.is_extended and accepted.due_on == dt.date(2026, 3, 23)
    with pytest.raises(InvalidTransition):
        cases.request_extension(application=accepted, actor=alice, days=1, reason="第三次", clock=clock)
    assert Extension.objects.filter(application=accepted).count() == 1


def test_the_head_is_told_once_that_an_extension_waits_for_approval(accepted, alice, bob, head_x):
    from portal.models import OutboxMessage
    from portal.notifications import drafts_for

    extension = cases.request_extension(
        application=accepted, actor=alice, days=5, reason="需补充调查", clock=clock_at(dt.date(2026, 3, 10))
    )
    message = OutboxMessage.objects.get(idempotency_key=f"extension-requested:{extension.pk}")
    assert {draft.recipient for draft in drafts_for(message)} == {head_x}  # not the other reviewers
    assert "待您批准" in message.payload["title"] and "需补充调查" in message.payload["body"]


def _to_approval(application, handler, checker):
    cases.pass_step(application=application, actor=handler, opinion="材料齐全，符合条件", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=application, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))


def test_the_handler_cannot_approve_their_own_case(accepted, alice, carol):
    _to_approval(accepted, alice, carol)
    with pytest.raises(PermissionDenied):
        cases.decide_application(
            application=accepted, actor=alice, actor_role=Actor.APPROVER, outcome="granted", reasons="符合法定条件。"
        )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and open_task(accepted).status == ReviewTask.Status.OPEN


def test_a_denial_needs_reasons(accepted, alice, carol, dave):
    _to_approval(accepted, alice, carol)
    with pytest.raises(ValidationError):
        cases.decide_application(
            application=accepted, actor=dave, actor_role=Actor.APPROVER, outcome="denied", reasons="  "
        )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and not hasattr(accepted, "result")


def test_the_handler_can_neither_claim_nor_be_assigned_the_approval_step(accepted, alice, carol, dave, head_x):
    """审批分离 is refused when the task is taken, not only when the decision is submitted."""
    _to_approval(accepted, alice, carol)
    task = open_task(accepted)
    with pytest.raises(PermissionDenied, match="您已承办本件，按审批分离不能再审批"):
        services.claim_task(user=alice, task=task)
    with pytest.raises(DomainError, match="按审批分离不能再审批"):
        services.assign_task(head=head_x, task=task, reviewer=alice)
    task.refresh_from_db()
    assert task.assignee is None
    assert services.claim_task(user=dave, task=task).assignee == dave
