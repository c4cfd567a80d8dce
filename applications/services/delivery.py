"""Delivering the result and withdrawing an application."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications.bundles import delivery_held
from applications.licences import issuing
from applications.models import (
    Application,
    Delivery,
    Document,
    ReviewTask,
    TimelineEvent,
)
from applications.services.bundles import advance_after
from applications.services.core import _new_document, transition
from applications.services.fees import amount_due
from applications.transitions import Actor
from portal import stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError
from portal.stored_text import stored
from portal.workdays import workdays_between

S = Application.Status


@transaction.atomic
def deliver_result(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.CLERK,
    method: str,
    recipient_name: str = "",
    recipient_is_proxy: bool = False,
    tracking_number: str = "",
    clock: Clock = system_clock,
) -> Delivery:
    """出件: nothing leaves before the fees are paid or waived, nor a bundle's part before the
    others are done (统一出件); the case concludes."""
    if held := delivery_held(application):
        raise DomainError(held, code="bundle_delivery_held")
    if amount_due(application):
        raise DomainError(gettext("尚有未缴纳的费用，缴费或减免后方可出件。"), code="fee_due")
    if method == Application.DeliveryMethod.POST and not tracking_number.strip():
        raise ValidationError({"tracking_number": gettext("邮寄送达须填写快递单号。")})
    if method == Application.DeliveryMethod.COLLECT and not recipient_name.strip():
        raise ValidationError({"recipient_name": gettext("请填写领取人姓名。")})
    now = clock.now()
    transition(
        application=application,
        action="deliver",
        actor_role=actor_role,
        actor=actor,
        changes={"concluded_at": now, **_workdays(application, clock.today())},
        note=stored(gettext_noop("办理结果已送达，办结。")),
        clock=clock,
    )
    # The licence itself goes with the decision letter (行政许可法 art. 44); the holder downloads it from now on.
    handed_over = issuing.hand_over_licences(application=application, clock=clock)
    if handed_over:
        note = stored(
            gettext_noop("证照已交付：%(licences)s（电子证照已归集至电子证照库）"),
            licences=stored_text.listed(handed_over),
        )
        TimelineEvent.objects.create(
            application=application,
            at=now,
            actor=actor if getattr(actor, "pk", None) else None,
            action="licence_delivered",
            note=stored_text.source(note),
            data={"note_text": note},
            is_visible_to_applicant=True,
        )
    delivery = Delivery.objects.create(
        application=application,
        method=method,
        tracking_number=tracking_number.strip(),
        recipient_name=recipient_name.strip(),
        recipient_is_proxy=recipient_is_proxy,
        delivered_at=now,
        delivered_by=actor,
    )
    if method == Application.DeliveryMethod.COLLECT:
        _new_document(application, Document.Kind.SERVICE_RECEIPT, {"delivery_id": delivery.pk}, clock)
    return delivery


def _workdays(application: Application, concluded_on: dt.date) -> dict[str, int | None]:
    """办结用时 and 承诺时限 in working days from acceptance, as supervision averages them."""
    accepted = application.accepted_on
    if accepted is None:
        return {"workdays_used": None, "workdays_promised": None}
    due = application.due_on
    return {
        "workdays_used": workdays_between(accepted, concluded_on),
        "workdays_promised": workdays_between(accepted, due) if due else None,
    }


@transaction.atomic
def withdraw_application(
    *, application: Application, actor: Any, reason: str = "", clock: Clock = system_clock
) -> Application | None:
    """撤件 before a decision; a draft is simply deleted."""
    if application.status == S.DRAFT:
        Application.objects.filter(pk=application.pk, status=S.DRAFT).delete()
        return None
    application.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.CANCELLED)
    withdrawn = transition(
        application=application,
        action="withdraw",
        actor_role=Actor.APPLICANT,
        actor=actor,
        changes={"light": ""},
        note=reason.strip() or stored(gettext_noop("申请人撤回申请。")),
        clock=clock,
    )
    advance_after(withdrawn, clock=clock)  # 一件事: a part that needed this one is not started
    return withdrawn
