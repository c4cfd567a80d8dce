"""Notifications: the in-portal inbox, e-mail and SMS for an outbox row of kind "notification".

The payload carries everything a notice says and whom it is for: the kernel reads no app's tables.
Three shapes are written by applications/services/:
- for the applicant (``transition``): ``user_id``, ``phone``, ``title``, ``body``, ``link``;
- for a department (``sweep_lights``, ``sweep_late_certificates``): ``department_id``,
  ``application_id``, ``light``, ``title``, ``body``, ``link``; its reviewers and head are told,
  and on red (overdue) the supervisors as well;
- for a review step past its own limit (``sweep_overdue_steps``): ``task_id``, ``application_id``,
  ``department_id``, ``assignee_id``, ``title``, ``body``, ``link``; the assignee (none, or no longer
  active: the department's reviewers) and the head are told.
A row written before a field existed reads it as empty; a step notice without ``department_id``
has nobody to go to and is dropped with a warning.

One Notification row per recipient and event, keyed by the outbox row's idempotency key, so a task
run twice (a retry, a relay after a lost task) creates nothing new and sends only what is unsent.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from portal import outbox
from portal.clock import Clock, system_clock
from portal.exceptions import NotFound
from portal.idnumbers import mask_id_numbers_in_text
from portal.models import Notification, OutboxMessage, Role, User
from portal.sms import send_sms

log = logging.getLogger(__name__)

# Who hears of a case's deadline light (DESIGN.md "Time and background work").
DEPARTMENT_ROLES = (Role.REVIEWER, Role.DEPT_HEAD)
ESCALATION_ROLES = (Role.SUPERVISOR,)
SMS_MAX_CHARS = 300
EMAIL_KEY_HEADER = "X-Idempotency-Key"
KEY_MAX_CHARS = Notification._meta.get_field("idempotency_key").max_length or 120


@dataclass(frozen=True)
class Draft:
    """One notification to be written: who, and what they read."""

    key: str
    recipient: User | None
    phone: str
    title: str
    body: str
    link: str


# --- Recipients and texts -----------------------------------------------------------------------


def department_recipients(department_id: int, *, escalate: bool, heads_only: bool = False) -> QuerySet[User]:
    """The department's reviewers and head (or its head only, for what the head decides); with `escalate`
    (overdue) also the supervisors (效能监督)."""
    roles = (Role.DEPT_HEAD,) if heads_only else DEPARTMENT_ROLES
    users = User.objects.filter(is_active=True, department_id=department_id, groups__name__in=roles)
    if escalate:
        users = users | User.objects.filter(is_active=True, groups__name__in=ESCALATION_ROLES)
    return users.distinct().order_by("pk")


def _recipient_key(base: str, user_id: int) -> str:
    key = f"{base}:u{user_id}"
    if len(key) <= KEY_MAX_CHARS:
        return key
    return f"h:{hashlib.sha256(key.encode()).hexdigest()}"


def _department_drafts(message: OutboxMessage) -> list[Draft]:
    payload = message.payload
    escalate = payload.get("light", "") == "red"
    users = department_recipients(
        payload["department_id"], escalate=escalate, heads_only=payload.get("audience") == "heads"
    )
    return _staff_drafts(message, users, payload.get("body", ""), payload.get("link", ""))


def task_recipients(department_id: int, assignee_id: int | None) -> QuerySet[User]:
    """Who hears that a review step is overdue: whoever works on it (the assignee, or for an unassigned
    task every reviewer of the department) and the department head. Supervisors hear of the case only."""
    heads = User.objects.filter(is_active=True, department_id=department_id, groups__name=Role.DEPT_HEAD)
    assignee = User.objects.filter(pk=assignee_id, is_active=True) if assignee_id else User.objects.none()
    if assignee.exists():
        workers = assignee
    else:
        workers = User.objects.filter(is_active=True, department_id=department_id, groups__name=Role.REVIEWER)
    return (workers | heads).distinct().order_by("pk")


def _task_drafts(message: OutboxMessage) -> list[Draft]:
    payload = message.payload
    if not payload.get("department_id"):
        log.warning("step notice %s names no department; nobody to tell", message.idempotency_key)
        return []
    users = task_recipients(payload["department_id"], payload.get("assignee_id"))
    return _staff_drafts(message, users, payload.get("body", ""), payload.get("link", ""))


def _staff_drafts(message: OutboxMessage, users: Iterable[User], body: str, link: str) -> list[Draft]:
    """One draft per staff member, each with its own idempotency key."""
    return [
        Draft(
            key=_recipient_key(message.idempotency_key, user.pk),
            recipient=user,
            phone=user.phone or "",
            title=message.payload.get("title", ""),
            body=body,
            link=link,
        )
        for user in users
    ]


def _applicant_draft(message: OutboxMessage) -> list[Draft]:
    payload = message.payload
    user = User.objects.filter(pk=payload["user_id"], is_active=True).first() if payload.get("user_id") else None
    phone = payload.get("phone") or (user.phone if user else "") or ""
    if user is None and not phone:
        return []
    return [
        Draft(
            key=message.idempotency_key,
            recipient=user,
            phone=phone,
            title=payload.get("title", ""),
            body=payload.get("body", ""),
            link=payload.get("link", ""),
        )
    ]


def drafts_for(message: OutboxMessage) -> list[Draft]:
    """What one outbox row means: one draft per recipient."""
    if message.payload.get("task_id"):
        return _task_drafts(message)
    if message.payload.get("department_id"):
        return _department_drafts(message)
    return _applicant_draft(message)


# --- Services -------------------------------------------------------------------------------------


@transaction.atomic
def create_notifications(*, message: OutboxMessage) -> list[Notification]:
    """Write the inbox rows of an outbox row, once: a second call returns the rows of the first."""
    notifications = []
    for draft in drafts_for(message):
        notification, _ = Notification.objects.get_or_create(
            idempotency_key=draft.key,
            defaults={
                "recipient": draft.recipient,
                "phone": draft.phone,
                "title": draft.title[:200],
                "body": draft.body,
                "link": draft.link[:300],
                "texts": message.payload.get("texts") or {},
            },
        )
        notifications.append(notification)
    return notifications


def deliver_message(*, message_id: int, clock: Clock = system_clock) -> int:
    """Deliver one outbox row of kind "notification": inbox rows, then e-mail and SMS, then done.

    The row is claimed first (``outbox.claim``): a second run of the same row while the first is
    alive (the relay hands a row over again after REDELIVER_AFTER while the first task still retries)
    skips it. Deliberately not one transaction: no e-mail or SMS is sent while rows are locked, and
    each channel is marked sent right after it went out, so a retry after a failure sends only the
    rest. A crash between sending and marking sends that one message again once the claim lapses;
    the providers receive the idempotency key to suppress it. Raises on failure, so the task retries.
    """
    claimed_at = outbox.claim(message_id, clock=clock)
    if claimed_at is None:
        if not OutboxMessage.objects.filter(pk=message_id).exists():
            log.warning("outbox message %s no longer exists; nothing to deliver", message_id)
        return 0  # done, or another run is delivering it
    try:
        message = OutboxMessage.objects.get(pk=message_id)
        notifications = create_notifications(message=message)
        for notification in notifications:
            _email(notification, clock)
            _text(notification, clock)
    except BaseException:
        outbox.release(message_id, claimed_at)
        raise
    outbox.mark_done(message_id, clock=clock)
    return len(notifications)


def _absolute(link: str) -> str:
    return f"{settings.PORTAL_PUBLIC_URL.rstrip('/')}{link}" if link.startswith("/") else link


def _email(notification: Notification, clock: Clock) -> None:
    recipient = notification.recipient
    if notification.emailed_at is not None or recipient is None or not recipient.email:
        return
    lines = [line for line in (notification.body, _absolute(notification.link)) if line]
    EmailMessage(
        subject=notification.title,
        body="\n".join([*lines, "", f"—— {settings.PORTAL_NAME}"]),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        # The mail relay may drop a second message with the same key (a send repeated after a crash).
        headers={EMAIL_KEY_HEADER: notification.idempotency_key},
    ).send()
    _mark_sent(notification, "emailed_at", clock.now())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？.!?" else (gettext("%(text)s。") % {"text": text})


def _from_sms(link: str) -> str:
    """The page's address marked as opened from a text message (a rating records its channel from it)."""
    return f"{link}{'&' if '?' in link else '?'}via=sms"


def sms_text(title: str, body: str, link: str) -> str:
    """A text message that reads as sentences and says where to act: the signature, what happened,
    the detail, then the page to open (or the hotline when there is none)."""
    where = (
        (gettext("详情及办理请访问 %(absolute)s") % {"absolute": _absolute(_from_sms(link))})
        if link
        else (gettext("如有疑问请致电 %(SERVICE_HOTLINE)s") % {"SERVICE_HOTLINE": settings.SERVICE_HOTLINE})
    )
    text = gettext("【%(PORTAL_NAME)s】%(sentence)s%(sentence2)s%(where)s。") % {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "sentence": _sentence(title),
        "sentence2": _sentence(body),
        "where": where,
    }
    if len(text) <= SMS_MAX_CHARS:
        return text
    # Too long: the detail is cut, never the page to act on.
    room = SMS_MAX_CHARS - len(
        gettext("【%(PORTAL_NAME)s】%(sentence)s…%(where)s。")
        % {"PORTAL_NAME": settings.PORTAL_NAME, "sentence": _sentence(title), "where": where}
    )
    return gettext("【%(PORTAL_NAME)s】%(sentence)s%(sentence2)s…%(where)s。") % {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "sentence": _sentence(title),
        "sentence2": _sentence(body)[: max(room, 0)],
        "where": where,
    }


def _text(notification: Notification, clock: Clock) -> None:
    if notification.texted_at is not None or not notification.phone:
        return
    # Masked at enqueue already (portal.outbox); again here for rows written before that rule.
    text = mask_id_numbers_in_text(sms_text(notification.title, notification.body, notification.link))
    send_sms(phone=notification.phone, text=text, key=notification.idempotency_key)
    _mark_sent(notification, "texted_at", clock.now())


def _mark_sent(notification: Notification, field: str, at: dt.datetime) -> None:
    Notification.objects.filter(pk=notification.pk, **{f"{field}__isnull": True}).update(**{field: at})
    setattr(notification, field, at)


@transaction.atomic
def mark_read(*, user: Any, notification_id: int, clock: Clock = system_clock) -> Notification:
    """Mark one of the user's own notifications read; another user's is not found (404)."""
    notification = inbox_of(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(gettext("未找到该消息，或您无权查看。"))
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(*, user: Any, clock: Clock = system_clock) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return inbox_of(user).filter(read_at__isnull=True).update(read_at=clock.now())


# --- Reads ----------------------------------------------------------------------------------------


def inbox_of(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody reads another's inbox)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user: Any) -> int:
    return inbox_of(user).filter(read_at__isnull=True).count()
