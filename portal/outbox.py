"""The outbox: side effects written with the change that causes them, relayed to Celery later.

``enqueue`` runs inside the caller's transaction (no broker call, so a stopped Redis never fails a
request). ``relay_due`` is run by beat: it claims due rows with ``skip_locked`` so two relays never
take the same row, and hands each to the task named by its kind. A task marks its row done; a row
whose task never ran is relayed again after a back-off, and the idempotency key keeps the effect single.
"""

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal import stored_text
from portal.clock import Clock, system_clock
from portal.idnumbers import mask_id_numbers_in_text
from portal.models import OutboxMessage

log = logging.getLogger(__name__)

RELAY_BATCH = 200
# A task's claim on its row (``claim``) lapses after this: longer than any task's time limit
# (portal/tasks.py), so a live task keeps its row; a killed one's row is taken again after it.
CLAIM_TIMEOUT = dt.timedelta(minutes=3)
# A relayed row not marked done by then is relayed again (its task was lost with a broker or worker).
REDELIVER_AFTER = dt.timedelta(minutes=5)

# kind → Celery task name; apps register their handlers here (see portal/tasks.py).
HANDLERS: dict[str, str] = {"notification": "portal.tasks.deliver_notification"}


def enqueue(*, kind: str, payload: dict[str, Any], key: str, clock: Clock = system_clock) -> OutboxMessage:
    """Write one outbox row, once per key: a second enqueue with the same key returns the first row.

    A title or body given as a stored text (portal.stored_text) is written in the source language, its
    msgid and parameters kept under "texts" so that the notification shows in its reader's language.
    Any ID number in a title or body (what someone typed: a reply, an answer, a comment) is masked
    here, the one way into an inbox, an e-mail or a text message."""
    payload = {**payload, **{name: _masked(payload[name]) for name in ("title", "body") if name in payload}}
    stored = {name: payload[name] for name in ("title", "body") if stored_text.is_stored(payload.get(name))}
    if stored:
        texts = {**payload.get("texts", {}), **stored}
        payload = {**payload, **{name: stored_text.source(value) for name, value in stored.items()}, "texts": texts}
    # One INSERT … ON CONFLICT DO NOTHING RETURNING instead of get_or_create's SELECT, SAVEPOINT,
    # INSERT and RELEASE: every move of a case writes one or two of these rows (issue 12).
    message = OutboxMessage(kind=kind, payload=payload, idempotency_key=key, available_at=clock.now())
    message.created_at = timezone.now()
    table = OutboxMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, payload, idempotency_key, created_at, available_at, attempts, last_error)"
            " VALUES (%s, %s, %s, %s, %s, 0, '') ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            [
                kind,
                json.dumps(payload),
                key,
                connection.ops.adapt_datetimefield_value(message.created_at),
                connection.ops.adapt_datetimefield_value(message.available_at),
            ],
        )
        row = cursor.fetchone()
    if row is None:  # enqueued before: the first row stands
        return OutboxMessage.objects.get(idempotency_key=key)
    message.pk = row[0]
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _masked(value: Any) -> Any:
    """A title or body (plain or stored text, with its parameters) with ID numbers masked."""
    if isinstance(value, str):
        return mask_id_numbers_in_text(value)
    if stored_text.is_stored(value):
        return {**value, "params": {name: _masked(param) for name, param in value.get("params", {}).items()}}
    return value


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


def claim(message_id: int, *, clock: Clock = system_clock) -> dt.datetime | None:
    """Claim a row for the task about to perform it: one conditional UPDATE, so of two runs of the
    same row (a retry and a relay's second hand-over) one gets it. Returns the claim's time, or None
    when the row is done, gone, or claimed by a run that is still within CLAIM_TIMEOUT."""
    now = clock.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now)
    )
    return now if claimed else None


def release(message_id: int, claimed_at: dt.datetime) -> None:
    """Give up a claim after a failure, so the task's retry may take the row at once."""
    OutboxMessage.objects.filter(pk=message_id, claimed_at=claimed_at).update(claimed_at=None)


def mark_done(message_id: int, *, clock: Clock = system_clock) -> bool:
    """Mark a row done (and unclaimed); False if it was done already (the task then does nothing)."""
    done = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True)
    return bool(done.update(done_at=clock.now(), claimed_at=None))
