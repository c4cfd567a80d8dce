"""The reads over every open review task (issue 12): the step sweep finds only the due tasks, in
committed batches, whatever the number of open tasks not due; the queue's sort key, the task's copy
of its case's promised date, follows the case through an extension and a special procedure.

The licensing item's handle step is 3 working days: a case accepted on Monday 03-02 has its step due
Thursday 03-05 (overdue on Friday 03-06); one accepted on 03-10 or later is not due that Friday.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from applications import services as cases
from applications.models import ReviewTask
from tests.reviews.conftest import MONDAY, accept, clock_at, file_case, open_task

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 3, 6)


def not_due(count: int, item, party, citizen, clerk) -> None:
    for n in range(count):
        day = dt.date(2026, 3, 10) + dt.timedelta(days=n % 3)
        accept(file_case(item, party, citizen, day=day), clerk, on=day)


def sweep_queries(**kwargs) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        changed = cases.sweep_overdue_steps(clock=clock_at(FRIDAY), **kwargs)
    return changed, len(captured)


class _Rollback(Exception):
    pass


def sweep_rolled_back() -> tuple[int, int]:
    """The sweep's result and its query count, in a savepoint rolled back (the next run sees the same)."""
    try:
        with transaction.atomic():
            result = sweep_queries()
            raise _Rollback
    except _Rollback:
        return result


def test_the_step_sweep_costs_the_same_with_many_open_tasks_not_due_as_with_few(
    submitted, licensing_item, party, citizen, clerk
):
    due = accept(submitted, clerk, on=MONDAY)
    not_due(2, licensing_item, party, citizen, clerk)
    few = sweep_rolled_back()
    not_due(12, licensing_item, party, citizen, clerk)
    assert ReviewTask.objects.filter(status="open").count() == 15
    many = sweep_rolled_back()
    assert few == many and few[0] == 1  # the same statements for the one due task
    assert sweep_queries()[0] == 1 and open_task(due).light == "red"
    assert sweep_queries() == (0, 1)  # nothing due: one look along task_step_clock


def test_the_step_sweep_claims_and_commits_the_due_tasks_a_batch_at_a_time(
    submitted, licensing_item, party, citizen, clerk
):
    due = [accept(submitted, clerk, on=MONDAY)]
    due += [accept(file_case(licensing_item, party, citizen), clerk, on=MONDAY) for _ in range(4)]
    not_due(3, licensing_item, party, citizen, clerk)
    assert cases.sweep_overdue_steps(clock=clock_at(FRIDAY), batch=2) == 5
    assert {open_task(case).light for case in due} == {"red"}
    assert cases.sweep_overdue_steps(clock=clock_at(FRIDAY), batch=2) == 0  # the light is the memory
    assert ReviewTask.objects.filter(status="open", light="green").count() == 3  # the ones not due


def test_a_run_stops_at_most_and_the_next_run_takes_the_rest(submitted, licensing_item, party, citizen, clerk):
    due = [accept(submitted, clerk, on=MONDAY)]
    due += [accept(file_case(licensing_item, party, citizen), clerk, on=MONDAY) for _ in range(2)]
    assert cases.sweep_overdue_steps(clock=clock_at(FRIDAY), batch=1, most=2) == 2
    assert sorted(open_task(case).light for case in due) == ["green", "red", "red"]
    assert cases.sweep_overdue_steps(clock=clock_at(FRIDAY), batch=1, most=2) == 1
    assert {open_task(case).light for case in due} == {"red"}


def test_the_tasks_copy_of_the_promised_date_follows_an_extension_and_a_special_procedure(accepted, alice, head_x):
    task = open_task(accepted)
    assert (task.department_id, task.case_due_on) == (accepted.department_id, dt.date(2026, 3, 16))

    cases.suspend_application(
        application=accepted,
        actor=alice,
        kind="site_inspection",
        reason="现场勘验",
        expected_days=3,
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    cases.resume_application(application=accepted, actor=alice, result="勘验合格", clock=clock_at(dt.date(2026, 3, 9)))
    accepted.refresh_from_db()
    assert open_task(accepted).case_due_on == accepted.due_on == dt.date(2026, 3, 19)

    clock = clock_at(dt.date(2026, 3, 10))
    extension = cases.request_extension(application=accepted, actor=alice, days=5, reason="需补充调查", clock=clock)
    cases.decide_extension(extension=extension, actor=head_x, approve=True, clock=clock)
    accepted.refresh_from_db()
    assert open_task(accepted).case_due_on == accepted.due_on > dt.date(2026, 3, 19)


def test_the_next_steps_task_copies_the_department_and_the_promised_date(accepted, alice):
    task = open_task(accepted)
    cases.pass_step(application=accepted, actor=alice, opinion="材料齐全", clock=clock_at(dt.date(2026, 3, 3)))
    following = open_task(accepted)
    assert following.pk != task.pk
    assert (following.department_id, following.case_due_on) == (accepted.department_id, accepted.due_on)
