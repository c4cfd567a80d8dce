"""The outbox (portal/outbox.py): written once per key, relayed with back-off, never taken twice."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from portal import outbox
from portal.clock import FixedClock
from portal.models import OutboxMessage

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def at(minutes: float = 0) -> FixedClock:
    return FixedClock(T0 + dt.timedelta(minutes=minutes))


def enqueue(key: str, **payload) -> OutboxMessage:
    return outbox.enqueue(kind="notification", payload={"title": key, **payload}, key=key, clock=at())


class Broker:
    """A stand-in for Celery's send_task that records what it was handed, or fails like a stopped Redis."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.sent: list[tuple[str, list]] = []

    def __call__(self, task_name: str, args: list) -> None:
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
        self.sent.append((task_name, args))


@pytest.mark.django_db
def test_enqueue_with_the_same_key_writes_one_row_and_keeps_the_first_payload():
    first = enqueue("notify:1:accept", body="第一次")
    second = enqueue("notify:1:accept", body="第二次")
    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().payload["body"] == "第一次"


@pytest.mark.django_db
def test_a_relayed_row_goes_to_the_task_of_its_kind_once_until_it_is_due_again():
    message = enqueue("notify:1:accept")
    broker = Broker()
    assert outbox.relay_due(send=broker, clock=at()) == 1
    assert broker.sent == [("portal.tasks.deliver_notification", [message.pk])]
    message.refresh_from_db()
    assert (message.relayed_at, message.attempts, message.done_at) == (T0, 1, None)

    assert outbox.relay_due(send=broker, clock=at(4)) == 0  # its task is presumably still running
    # Not marked done after REDELIVER_AFTER: the task was lost (a flushed broker, a killed worker).
    assert outbox.relay_due(send=broker, clock=at(5)) == 1
    assert outbox.mark_done(message.pk, clock=at(6)) is True
    assert outbox.mark_done(message.pk, clock=at(6)) is False
    assert outbox.relay_due(send=broker, clock=at(60)) == 0
    assert len(broker.sent) == 2


@pytest.mark.django_db
def test_a_failing_send_keeps_the_row_and_backs_off():
    first = enqueue("notify:1:submit")
    second = enqueue("notify:1:accept")

    assert outbox.relay_due(send=Broker(down=True), clock=at()) == 0

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.done_at is None and first.relayed_at is None
    assert first.attempts == 1 and "Connection refused" in first.last_error
    assert first.available_at == T0 + dt.timedelta(minutes=1)
    # The relay stops at the first failure: the broker is down for the rest as well.
    assert (second.attempts, second.available_at) == (0, T0)

    broker = Broker()
    assert outbox.relay_due(send=broker, clock=at(0.5)) == 1  # the second is due; the first backs off
    assert broker.sent == [("portal.tasks.deliver_notification", [second.pk])]
    assert outbox.relay_due(send=broker, clock=at(1)) == 1
    assert broker.sent[-1] == ("portal.tasks.deliver_notification", [first.pk])


@pytest.mark.django_db
def test_the_back_off_grows_with_each_failure_up_to_an_hour():
    message = enqueue("notify:1:submit")
    waits = []
    now = T0
    for _ in range(9):
        outbox.relay_due(send=Broker(down=True), clock=FixedClock(now))
        message.refresh_from_db()
        waits.append(int((message.available_at - now).total_seconds() // 60))
        now = message.available_at
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert message.attempts == 9 and message.done_at is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="skip_locked needs PostgreSQL row locks")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_never_take_the_same_row(monkeypatch):
    """Relay A holds its claimed rows (its send waits); relay B, meanwhile, takes only the others and
    returns without waiting for A's locks."""
    messages = [enqueue(f"notify:{n}:accept") for n in range(5)]
    monkeypatch.setattr(outbox, "RELAY_BATCH", 3)
    a_is_holding = threading.Event()
    b_is_done = threading.Event()
    sent_by_a: list[int] = []
    outcome: dict[str, object] = {}

    def send_a(task_name: str, args: list) -> None:
        sent_by_a.append(args[0])
        a_is_holding.set()
        outcome["b_finished_while_a_held_its_rows"] = b_is_done.wait(timeout=20)

    def relay_a() -> None:
        try:
            outcome["a"] = outbox.relay_due(send=send_a, clock=at())
        except Exception as exc:  # surfaced by the assertions below
            outcome["a"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=relay_a)
    thread.start()
    try:
        assert a_is_holding.wait(timeout=20)
        broker_b = Broker()
        outcome["b"] = outbox.relay_due(send=broker_b, clock=at())
    finally:
        b_is_done.set()
        thread.join(timeout=30)

    sent_by_b = [args[0] for _, args in broker_b.sent]
    assert outcome["b_finished_while_a_held_its_rows"] is True
    assert (outcome["a"], outcome["b"]) == (3, 2)
    assert not set(sent_by_a) & set(sent_by_b)
    assert sorted(sent_by_a + sent_by_b) == sorted(m.pk for m in messages)
    assert all(m.attempts == 1 for m in OutboxMessage.objects.all())
