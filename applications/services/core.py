"""The one place a status changes (``transition``) and the helpers every action shares."""

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from applications import deadlines, documents
from applications.models import (
    Application,
    Document,
    ReviewTask,
    TimelineEvent,
)
from applications.transitions import TRANSITIONS
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.stored_text import StoredText

# --- The one place a status changes ---------------------------------------------------------


@transaction.atomic
def transition(
    *,
    application: Application,
    action: str,
    actor_role: str,
    actor: Any = None,
    note: str | StoredText = "",
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
    if "due_on" in fields and from_status in (Application.Status.IN_REVIEW, Application.Status.SUSPENDED):
        # The open task's copy of the promised date, the reviewer queue's sort key (extension, resume).
        ReviewTask.objects.filter(application=locked, status=ReviewTask.Status.OPEN).update(case_due_on=locked.due_on)
    TimelineEvent.objects.create(
        application=locked,
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=stored_text.source(note),
        data={"note_text": note} if stored_text.is_stored(note) else {},
        is_visible_to_applicant=visible_to_applicant,
    )
    if visible_to_applicant:
        _notify_applicant(
            locked,
            stored_text.stored(
                gettext_noop("%(action)s：%(status)s"), action=move.label, status=Application.Status(to_status).label
            ),
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
            gettext("办件当前状态为“%(status)s”，不能%(action)s。")
            % {"status": locked.get_status_display(), "action": move.label},
            detail={"status": locked.status, "action": action},
        )
    if actor_role not in move.actors:
        raise PermissionDenied(gettext("您不能对该办件执行“%(action)s”。") % {"action": move.label})
    return locked


def _notify_applicant(application: Application, title: str | StoredText, body: str | StoredText, *, key: str) -> None:
    """Tell the applicant; ``title`` and ``body`` are stored texts (or plain text), the title names the case."""
    if application.applicant_user_id is None and not application.contact_phone:
        return
    if application.number:
        title = stored_text.stored(gettext_noop("办件 %(number)s %(title)s"), number=application.number, title=title)
    outbox.enqueue(
        kind="notification",
        key=f"notify:{key}",
        payload={
            "user_id": application.applicant_user_id,
            "phone": application.contact_phone,
            **stored_text.payload(title=title, body=body),
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
        department_id=application.department_id,
        case_due_on=application.due_on,
        step=first,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), first.limit_days),
    )
    Application.objects.filter(pk=application.pk).update(current_step=first)
    application.current_step = first


def _open_task(application: Application) -> ReviewTask:
    task = application.tasks.select_for_update().filter(status=ReviewTask.Status.OPEN).select_related("step").first()
    if task is None:
        raise InvalidTransition(gettext("该办件当前没有待办的审查环节。"))
    return task


def _case_link(application: Application) -> str:
    """The back office's page of the case, for a notice to its staff."""
    return reverse("reviews:case", args=[application.number]) if application.number else ""
