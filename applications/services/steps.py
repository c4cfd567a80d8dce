"""Back-office review: passing and returning a step."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.models import (
    Application,
    ReviewTask,
)
from applications.services.core import _open_task, transition
from applications.transitions import Actor
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition
from portal.stored_text import label, stored

# --- Back-office review -------------------------------------------------------------------------


@transaction.atomic
def pass_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    """The current step's reviewer passes the case on to the next step."""
    task = _open_task(application)
    following = application.item.steps.filter(order__gt=task.step.order).order_by("order", "id").first()
    if following is None:
        raise InvalidTransition(gettext("当前已是最后一个环节，请作出准予或不予的决定。"))
    if not opinion.strip():
        raise ValidationError({"opinion": gettext("请填写审查意见。")})
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.DONE,
        clock.now(),
        actor,
        opinion.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    ReviewTask.objects.create(
        application=application,
        step=following,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), following.limit_days),
    )
    return transition(
        application=application,
        action="pass_step",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"current_step": following},
        note=stored(
            gettext_noop("%(step)s完成，转%(next)s。"), step=label(task.step, "kind"), next=label(following, "kind")
        ),
        visible_to_applicant=False,
        clock=clock,
    )


@transaction.atomic
def return_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    task = _open_task(application)
    previous = application.item.steps.filter(order__lt=task.step.order).order_by("-order", "-id").first()
    if previous is None:
        raise InvalidTransition(gettext("当前已是第一个环节，无法退回。"))
    if not opinion.strip():
        raise ValidationError({"opinion": gettext("退回须写明理由。")})
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.RETURNED,
        clock.now(),
        actor,
        opinion.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    ReviewTask.objects.create(
        application=application,
        step=previous,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), previous.limit_days),
    )
    return transition(
        application=application,
        action="return_step",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"current_step": previous},
        note=stored(gettext_noop("退回%(step)s：%(opinion)s"), step=label(previous, "kind"), opinion=opinion.strip()),
        visible_to_applicant=False,
        clock=clock,
    )
