"""One notification, one text: two runs of the same outbox row (the relay's second hand-over while the
first task is still sending) deliver once; a claim left by a killed worker lapses (issue 12)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from portal import notifications, outbox
from portal.clock import FixedClock
from portal.models import OutboxMessage

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


class GatedSmsBackend:
    """A provider that holds the first send open until a second one arrives (or the test lets go)."""

    sent: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def send(self, *, phone: str, text: str, key: str) -> None:
        first = not GatedSmsBackend.entered.is_set()
        GatedSmsBackend.entered.set()
        if first:
            GatedSmsBackend.release.wait(timeout=10)
        else:
            GatedSmsBackend.release.set()  # a second send: the claim did not hold
        GatedSmsBackend.sent.append(key)


@pytest.fixture
def gated_sms(settings):
    settings.SMS_BACKEND = "tests.portal.test_delivery_claim.GatedSmsBackend"
    GatedSmsBackend.sent = []
    GatedSmsBackend.entered = threading.Event()
    GatedSmsBackend.release = threading.Event()
    return GatedSmsBackend


def text_message(key: str = "claim:1") -> OutboxMessage:
    return outbox.enqueue(
        kind="notification", key=key, payload={"phone": "13800000000", "title": "受理通知", "body": "已受理。"}
    )


def in_thread(results: list, message_id: int) -> threading.Thread:
    def run() -> None:
        try:
            results.append(notifications.deliver_message(message_id=message_id))
        finally:
            connection.close()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_one_row_text_once(gated_sms):
    message = text_message()
    results: list[int] = []
    first = in_thread(results, message.pk)
    assert gated_sms.entered.wait(timeout=10)  # the first run is inside the provider's send

    second = in_thread(results, message.pk)
    second.join(timeout=10)
    gated_sms.release.set()
    first.join(timeout=10)

    assert gated_sms.sent == ["claim:1"]
    assert sorted(results) == [0, 1]
    message.refresh_from_db()
    assert message.done_at is not None and message.claimed_at is None


@pytest.mark.django_db
def test_a_claim_holds_until_it_lapses():
    message = text_message("claim:2")
    claimed = outbox.claim(message.pk, clock=FixedClock(NOW))
    assert claimed == NOW
    # A second run within the timeout skips the row; nothing is written or sent.
    almost = FixedClock(NOW + outbox.CLAIM_TIMEOUT - dt.timedelta(seconds=1))
    assert notifications.deliver_message(message_id=message.pk, clock=almost) == 0
    message.refresh_from_db()
    assert message.done_at is None
    # The first worker was killed: after the timeout the row is taken again, once.
    later = FixedClock(NOW + outbox.CLAIM_TIMEOUT + dt.timedelta(seconds=1))
    assert notifications.deliver_message(message_id=message.pk, clock=later) == 1
    assert notifications.deliver_message(message_id=message.pk, clock=later) == 0


@pytest.mark.django_db
def test_a_failed_send_releases_its_claim_for_the_retry(settings):
    message = text_message("claim:3")
    settings.SMS_BACKEND = "tests.portal.test_notifications.BrokenSmsBackend"
    with pytest.raises(ConnectionError):
        notifications.deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.claimed_at is None and message.done_at is None
    settings.SMS_BACKEND = "portal.sms.LoggingSmsBackend"
    assert notifications.deliver_message(message_id=message.pk) == 1


@pytest.mark.django_db
def test_the_email_carries_the_idempotency_key(mailoutbox):
    from tests.factories import UserFactory

    user = UserFactory(email="alice@example.cn", phone="")
    message = outbox.enqueue(kind="notification", key="claim:4", payload={"user_id": user.pk, "title": "T"})
    notifications.deliver_message(message_id=message.pk)
    assert mailoutbox[0].extra_headers["X-Idempotency-Key"] == "claim:4"
