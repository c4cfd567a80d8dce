"""Back-office review: passing and returning a step."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.models import Application, ReviewTask
from applications.services.core import _open_task, transition
from applications.transitions import Actor
from catalog.models import ProcessStep
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition
from portal.stored_text import label, stored

# --- Back-office review -------------------------------------------------------------------------


def _move(
    application: Application,
    task: ReviewTask,
    *,
    to: ProcessStep,
    closed_as: str,
    action: str,
    actor: Any,
    opinion: str,
    note: str,
    clock: Clock,
) -> Application:
    """Close the open task with the opinion, open one on `to` with its step limit, and record the move."""
    task.status, task.completed_at, task.completed_by, task.opinion = closed_as, clock.now(), actor, opinion
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    ReviewTask.objects.create(
        application=application,
        department_id=application.department_id,
        case_due_on=application.due_on,
        step=to,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), to.limit_days),
    )
    return transition(
        application=application,
        action=action,
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"current_step": to},
        note=note,
        visible_to_applicant=False,
        clock=clock,
    )


@transaction.atomic
def pass_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    """The current step's reviewer passes the case on to the next step."""
    task = _open_task(application)
    current = task.step
    following = application.item.steps.filter(order__gt=current.order).order_by("order", "id").first()
    if following is None:
        raise InvalidTransition(gettext("当前已是最后一个环节，请作出准予或不予的决定。"))
    if not opinion.strip():
        raise ValidationError({"opinion": gettext("请填写审查意见。")})
    return _move(
        application,
        task,
        to=following,
        closed_as=ReviewTask.Status.DONE,
        action="pass_step",
        actor=actor,
        opinion=opinion.strip(),
        note=stored(
            gettext_noop("%(step)s完成，转%(next)s。"), step=label(current, "kind"), next=label(following, "kind")
        ),
        clock=clock,
    )


@transaction.atomic
def return_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    """The current step's reviewer sends the case back to the previous step, with the reason."""
    task = _open_task(application)
    current = task.step
    previous = application.item.steps.filter(order__lt=current.order).order_by("-order", "-id").first()
    if previous is None:
        raise InvalidTransition(gettext("当前已是第一个环节，无法退回。"))
    if not opinion.strip():
        raise ValidationError({"opinion": gettext("退回须写明理由。")})
    return _move(
        application,
        task,
        to=previous,
        closed_as=ReviewTask.Status.RETURNED,
        action="return_step",
        actor=actor,
        opinion=opinion.strip(),
        note=stored(gettext_noop("退回%(step)s：%(opinion)s"), step=label(previous, "kind"), opinion=opinion.strip()),
        clock=clock,
    )
