"""A review step's own deadline (ReviewTask.due_on, the step's limit in working days), time-travelled.

The licensing case is accepted on Monday 2026-03-02: its handle step (3 working days) is due Thursday
03-05, the case (10 working days) on 03-16 with its yellow light from 03-12. So on Friday 03-06 the
step is overdue while the case is green. The sweeps run as beat runs them, case lights then steps.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse

from applications import services as cases
from applications.models import Application, ReviewTask
from portal import notifications, outbox
from portal.models import Notification, OutboxMessage
from reviews import selectors, services
from tests.api.conftest import token_client
from tests.reviews.conftest import MONDAY, accept, as_user, clock_at, file_case, open_task, visible_text

THURSDAY = dt.date(2026, 3, 5)  # the handle step's last day
FRIDAY = dt.date(2026, 3, 6)  # the step is overdue; the case is green until 03-12
TASKS_API = "/api/v1/review/tasks/"


def sweep(day: dt.date) -> int:
    cases.sweep_lights(clock=clock_at(day))
    return cases.sweep_overdue_steps(clock=clock_at(day))


def step_notices() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(idempotency_key__startswith="step-overdue:"))


def recipients_of(message: OutboxMessage) -> set[str]:
    notifications.deliver_message(message_id=message.pk, clock=clock_at(FRIDAY))
    told = Notification.objects.filter(idempotency_key__startswith=f"{message.idempotency_key}:u")
    return set(told.values_list("recipient__username", flat=True))


# --- The sweep ------------------------------------------------------------------------------------------


def test_a_step_turns_yellow_on_its_last_day_and_red_after_it_while_the_case_stays_green(accepted):
    task = open_task(accepted)
    assert (task.due_on, task.light) == (THURSDAY, "green")

    seen = []
    for day in (dt.date(2026, 3, 4), THURSDAY, THURSDAY, FRIDAY, FRIDAY, dt.date(2026, 3, 9)):
        changed = sweep(day)
        seen.append((day, ReviewTask.objects.get(pk=task.pk).light, changed))
    assert seen == [
        (dt.date(2026, 3, 4), "green", 0),
        (THURSDAY, "yellow", 1),
        (THURSDAY, "yellow", 0),
        (FRIDAY, "red", 1),
        (FRIDAY, "red", 0),
        (dt.date(2026, 3, 9), "red", 0),
    ]
    assert Application.objects.get(pk=accepted.pk).light == "green"
    assert [m.idempotency_key for m in step_notices()] == [f"step-overdue:{task.pk}"]  # red only, once


def test_the_overdue_notice_goes_once_to_the_assignee_and_the_head(accepted, alice, bob, head_x, yves, supervisor):
    services.claim_task(user=alice, task=open_task(accepted))
    assert sweep(FRIDAY) == 1
    assert sweep(FRIDAY) == 0  # a second run sends nothing new

    [message] = step_notices()
    assert recipients_of(message) == {"rev_alice", "head_x"}
    count = Notification.objects.count()
    assert notifications.deliver_message(message_id=message.pk, clock=clock_at(FRIDAY)) == 0  # done already
    assert Notification.objects.count() == count

    notice = Notification.objects.get(recipient=alice)
    assert notice.title == f"办件 {accepted.number} 承办环节已超期"
    assert "办理期限为 2026-03-05，已超期" in notice.body and "2026-03-16" in notice.body
    assert notice.link == reverse("reviews:case", args=[accepted.number])


def test_an_unassigned_overdue_step_tells_the_departments_reviewers_and_the_head(
    accepted, alice, bob, head_x, yves, supervisor
):
    sweep(FRIDAY)
    [message] = step_notices()
    # Not department Y's reviewer, and not the supervisors: the case itself is still in time.
    assert recipients_of(message) == {"rev_alice", "rev_bob", "head_x"}


def test_each_step_is_told_once_and_the_next_step_has_its_own_limit(accepted, alice):
    sweep(FRIDAY)
    cases.pass_step(application=accepted, actor=alice, opinion="同意", clock=clock_at(FRIDAY, 15))
    check = open_task(accepted)
    assert (check.step.kind, check.due_on, check.light) == ("check", dt.date(2026, 3, 11), "green")
    assert sweep(dt.date(2026, 3, 11)) == 1 and open_task(accepted).light == "yellow"
    assert sweep(dt.date(2026, 3, 12)) == 1 and open_task(accepted).light == "red"
    assert sorted(m.payload["task_id"] for m in step_notices()) == sorted(accepted.tasks.values_list("pk", flat=True))


def test_a_suspended_case_stops_its_steps_clock_and_resuming_moves_the_step_date(accepted, alice):
    cases.suspend_application(
        application=accepted,
        actor=alice,
        kind="site_inspection",
        reason="现场勘验",
        expected_days=5,
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    assert sweep(dt.date(2026, 3, 10)) == 0 and open_task(accepted).light == "green"

    # Suspended Wednesday 03-04, resumed Tuesday 03-10: 03-05, 06, 09, 10 stood still (4 working days).
    cases.resume_application(application=accepted, actor=alice, result="勘验合格", clock=clock_at(dt.date(2026, 3, 10)))
    assert open_task(accepted).due_on == dt.date(2026, 3, 11)
    assert sweep(dt.date(2026, 3, 10)) == 0
    assert sweep(dt.date(2026, 3, 12)) == 1 and open_task(accepted).light == "red"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="skip_locked needs PostgreSQL row locks")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_turn_a_step_red_and_notify_once(accepted, monkeypatch):
    """Sweep A holds the task it claimed (its notice waits); sweep B, meanwhile, skips it without
    waiting and finds nothing else to do; A then finishes. One change, one notice."""
    a_is_holding = threading.Event()
    b_is_done = threading.Event()
    outcome: dict[str, object] = {}
    enqueue = outbox.enqueue

    def holding_enqueue(**kwargs):
        if threading.current_thread().name == "sweep-a":
            a_is_holding.set()
            outcome["b_finished_while_a_held"] = b_is_done.wait(timeout=20)
        return enqueue(**kwargs)

    monkeypatch.setattr(outbox, "enqueue", holding_enqueue)

    def sweep_a() -> None:
        try:
            outcome["a"] = cases.sweep_overdue_steps(clock=clock_at(FRIDAY))
        except Exception as exc:  # surfaced by the assertions below
            outcome["a"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=sweep_a, name="sweep-a")
    thread.start()
    try:
        assert a_is_holding.wait(timeout=20)
        outcome["b"] = cases.sweep_overdue_steps(clock=clock_at(FRIDAY))
    finally:
        b_is_done.set()
        thread.join(timeout=30)

    assert outcome["b_finished_while_a_held"] is True
    assert (outcome["a"], outcome["b"]) == (1, 0)
    assert open_task(accepted).light == "red"
    assert len(step_notices()) == 1


# --- What reviewers see -----------------------------------------------------------------------------------


def test_the_queue_shows_the_step_red_while_the_case_is_green(client, accepted, alice):
    sweep(FRIDAY)
    as_user(client, alice)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert "红灯：本环节已超期" in visible_text(body) and "light-row-red" in body
    assert "办件承诺办结日期 2026-03-16（绿灯）；本环节办理期限 2026-03-05（红灯）" in body  # the tooltip
    assert "期限 2026-03-05" in body  # the step's date under its name

    page = visible_text(client.get(reverse("reviews:case", args=[accepted.number])).content.decode())
    assert "绿灯：正常" in page  # the case's own light
    assert "本环节时效" in page and "红灯：本环节已超期" in page


def test_the_queue_says_when_the_case_is_the_more_urgent(client, accepted, alice):
    sweep(dt.date(2026, 3, 4))  # the step is in time
    cases.sweep_lights(clock=clock_at(dt.date(2026, 3, 12)))  # the case's yellow day
    as_user(client, alice)
    body = visible_text(client.get(reverse("reviews:queue")).content.decode())
    assert "黄灯：办件即将到期" in body and "本环节已超期" not in body


def test_the_api_shows_the_steps_light_next_to_the_cases(accepted, alice):
    sweep(FRIDAY)
    [row] = token_client(alice).get(TASKS_API).json()["results"]
    assert (row["light"], row["due_on"], row["application"]["light"]) == ("red", "2026-03-05", "green")
    assert row["signal"] == {"light": "red", "source": "step", "is_paused": False, "label": "红灯：本环节已超期"}

    case = token_client(alice).get(f"/api/v1/applications/{accepted.number}/").json()
    assert (case["light"], case["step_light"], case["step_due_on"]) == ("green", "red", "2026-03-05")


def test_a_reviewer_of_department_y_sees_nothing_of_department_xs_overdue_step(client, accepted, case_y, alice, yves):
    sweep(FRIDAY)
    as_user(client, yves)
    body = client.get(reverse("reviews:queue")).content.decode()
    assert case_y.number in body and accepted.number not in body
    assert client.get(reverse("reviews:case", args=[accepted.number])).status_code == 404

    rows = token_client(yves).get(TASKS_API).json()["results"]
    assert [row["application"]["number"] for row in rows] == [case_y.number]
    assert token_client(yves).get(f"/api/v1/applications/{accepted.number}/").status_code == 404
    # Department Y's own step (accepted the same Monday, 3 working days) is overdue too: Yves hears of
    # that one only.
    told = {m.payload["application_id"]: m for m in step_notices()}
    assert recipients_of(told[case_y.pk]) == {"rev_yves"}
    assert recipients_of(told[accepted.pk]) == {"rev_alice"}


# --- The queue's order ------------------------------------------------------------------------------------


def test_the_queue_sorts_by_the_step_date_where_it_comes_before_the_cases(licensing_item, party, citizen, clerk, alice):
    # Counted as accepted on Monday (art. 32) but opened on Friday 03-13: the case is due 03-16, before
    # its step (03-18), so the case's date sorts it.
    late = accept(file_case(licensing_item, party, citizen), clerk, on=MONDAY, at=dt.date(2026, 3, 13))
    # Accepted Tuesday 03-10: the case is due 03-24 but its step 03-13, the earliest date of all.
    fresh = accept(file_case(licensing_item, party, citizen, day=dt.date(2026, 3, 10)), clerk, on=dt.date(2026, 3, 10))
    # Accepted Thursday 03-12: the case is due 03-26, its step 03-17.
    mid = accept(file_case(licensing_item, party, citizen, day=dt.date(2026, 3, 12)), clerk, on=dt.date(2026, 3, 12))
    assert (late.due_on, open_task(late).due_on) == (dt.date(2026, 3, 16), dt.date(2026, 3, 18))
    assert (fresh.due_on, open_task(fresh).due_on) == (dt.date(2026, 3, 24), dt.date(2026, 3, 13))
    assert (mid.due_on, open_task(mid).due_on) == (dt.date(2026, 3, 26), dt.date(2026, 3, 17))
    # By the case's date alone: late, fresh, mid; by the step's alone: fresh, mid, late.
    assert [t.application_id for t in selectors.queue_for(alice)] == [fresh.pk, late.pk, mid.pk]
