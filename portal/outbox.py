"""The outbox: side effects written with the change that causes them, relayed to Celery later.

``enqueue`` runs inside the caller's transaction (no broker call, so a stopped Redis never fails a
request). ``relay_due`` is run by beat: it claims due rows with ``skip_locked`` so two relays never
take the same row, and hands each to the task named by its kind. A task marks its row done; a row
whose task never ran is relayed again after a back-off, and the idempotency key keeps the effect single.
"""

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F

from portal import stored_text
from portal.clock import Clock, system_clock
from portal.models import OutboxMessage

log = logging.getLogger(__name__)

RELAY_BATCH = 200
# A relayed row not marked done by then is relayed again (its task was lost with a broker or worker).
REDELIVER_AFTER = dt.timedelta(minutes=5)

# kind → Celery task name; apps register their handlers here (see portal/tasks.py).
HANDLERS: dict[str, str] = {"notification": "portal.tasks.deliver_notification"}


def enqueue(*, kind: str, payload: dict[str, Any], key: str, clock: Clock = system_clock) -> OutboxMessage:
    """Write one outbox row, once per key: a second enqueue with the same key returns the first row.

    A title or body given as a stored text (portal.stored_text) is written in the source language, its
    msgid and parameters kept under "texts" so that the notification shows in its reader's language."""
    stored = {name: payload[name] for name in ("title", "body") if stored_text.is_stored(payload.get(name))}
    if stored:
        texts = {**payload.get("texts", {}), **stored}
        payload = {**payload, **{name: stored_text.source(value) for name, value in stored.items()}, "texts": texts}
    message, _ = OutboxMessage.objects.get_or_create(
        idempotency_key=key, defaults={"kind": kind, "payload": payload, "available_at": clock.now()}
    )
    return message


def notify_person(
    *,
    key: str,
    user_id: int | None,
    phone: str,
    title: str | stored_text.StoredText,
    body: str | stored_text.StoredText,
    link: str,
    clock: Clock = system_clock,
) -> OutboxMessage | None:
    """A notice to one person, once per key: their account's inbox (and e-mail), and a text to `phone`.
    Nobody to tell (no account, no phone): nothing is written."""
    if user_id is None and not phone:
        return None
    payload = {"user_id": user_id, "phone": phone, "title": title, "body": body, "link": link}
    return enqueue(kind="notification", key=key, payload=payload, clock=clock)


def relay_due(*, send: Callable[[str, list[Any]], Any], clock: Clock = system_clock) -> int:
    """Hand due rows to the broker. `send(task_name, args)` is Celery's send_task; failures back off."""
    now = clock.now()
    relayed = 0
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, available_at__lte=now)
            .order_by("available_at")[:RELAY_BATCH]
        )
        for row in rows:
            try:
                send(HANDLERS[row.kind], [row.pk])
            except Exception as exc:  # the broker is down: keep the row, try again later
                log.warning("outbox relay failed for %s: %s", row.idempotency_key, exc)
                backoff = min(2 ** min(row.attempts, 6), 60)
                OutboxMessage.objects.filter(pk=row.pk).update(
                    attempts=F("attempts") + 1,
                    last_error=str(exc)[:500],
                    available_at=now + dt.timedelta(minutes=backoff),
                )
                break  # the broker is likely down for the rest as well
            OutboxMessage.objects.filter(pk=row.pk).update(
                relayed_at=now, attempts=F("attempts") + 1, available_at=now + REDELIVER_AFTER
            )
            relayed += 1
    return relayed


def mark_done(message_id: int, *, clock: Clock = system_clock) -> bool:
    """Mark a row done; False if it was done already (the task then does nothing)."""
    return bool(OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=clock.now()))
