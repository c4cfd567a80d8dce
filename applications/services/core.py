"""The one place a status changes (``transition``) and the helpers every action shares."""

from typing import Any

from django.db import transaction
from django.urls import reverse

from applications import deadlines, documents
from applications.models import (
    Application,
    Document,
    ReviewTask,
    TimelineEvent,
)
from applications.transitions import TRANSITIONS
from portal import outbox
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition, PermissionDenied

# --- The one place a status changes ---------------------------------------------------------


@transaction.atomic
def transition(
    *,
    application: Application,
    action: str,
    actor_role: str,
    actor: Any = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
    visible_to_applicant: bool = True,
    target: str | None = None,
    clock: Clock = system_clock,
) -> Application:
    """Move a case by the state table: lock the row, check the move, save, write the timeline.

    The row is re-read under ``select_for_update``, so two clerks acting at once serialise: the second
    sees the first one's state and gets InvalidTransition (HTTP 409), and nothing of its own is written.
    """
    move = TRANSITIONS[action]
    locked = _locked_for(application, action, actor_role)
    from_status = locked.status
    to_status = target or move.target or from_status
    fields = {"status": to_status, **(changes or {})}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    TimelineEvent.objects.create(
        application=locked,
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_visible_to_applicant=visible_to_applicant,
    )
    if visible_to_applicant:
        _notify_applicant(
            locked,
            f"{move.label}：{locked.get_status_display()}",
            note,
            key=f"{locked.pk}:{action}:{clock.now().isoformat()}",
        )
    for name in ["status", *fields]:
        setattr(application, name, getattr(locked, name))
    return application


def _locked_for(application: Application, action: str, actor_role: str) -> Application:
    """The case's row, locked, once the state table allows ``action`` by ``actor_role`` (else 409 / 403).

    A service that writes rows of its own before its transition calls this first, so a refused move
    (a double click, a wrong state) leaves nothing behind and no file is stored.
    """
    move = TRANSITIONS[action]
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in move.sources:
        raise InvalidTransition(
            f"办件当前状态为“{locked.get_status_display()}”，不能{move.label}。",
            detail={"status": locked.status, "action": action},
        )
    if actor_role not in move.actors:
        raise PermissionDenied(f"您不能对该办件执行“{move.label}”。")
    return locked


def _notify_applicant(application: Application, title: str, body: str, *, key: str) -> None:
    if application.applicant_user_id is None and not application.contact_phone:
        return
    outbox.enqueue(
        kind="notification",
        key=f"notify:{key}",
        payload={
            "user_id": application.applicant_user_id,
            "phone": application.contact_phone,
            "title": f"办件 {application.number or ''} {title}".strip(),
            "body": body,
            "link": f"/applications/{application.number}/" if application.number else "",
        },
    )


def _new_document(application: Application, kind: str, context: dict[str, Any], clock: Clock) -> Document:
    return documents.issue_document(application=application, kind=kind, context=context, clock=clock)


def _open_first_task(application: Application, clock: Clock) -> None:
    first = application.item.steps.order_by("order", "id").first()
    if first is None:
        return
    ReviewTask.objects.create(
        application=application,
        step=first,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), first.limit_days),
    )
    Application.objects.filter(pk=application.pk).update(current_step=first)
    application.current_step = first


def _open_task(application: Application) -> ReviewTask:
    task = application.tasks.select_for_update().filter(status=ReviewTask.Status.OPEN).select_related("step").first()
    if task is None:
        raise InvalidTransition("该办件当前没有待办的审查环节。")
    return task


def _case_link(application: Application) -> str:
    """The back office's page of the case, for a notice to its staff."""
    return reverse("reviews:case", args=[application.number]) if application.number else ""
