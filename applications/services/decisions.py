"""The decision on a case."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.access import barred_from_deciding
from applications.licences import issuing, rechecking
from applications.models import (
    Application,
    Document,
    FeeAssessment,
    Result,
    ReviewTask,
)
from applications.services.bundles import advance_after
from applications.services.commitments import check_no_false_commitment_for_grant
from applications.services.core import _new_document, _open_task, transition
from applications.services.deferrals import check_nothing_owed_for_grant
from applications.transitions import Actor
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.stored_text import stored


@transaction.atomic
def decide_application(
    *,
    application: Application,
    actor: Any,
    outcome: str,
    reasons: str,
    certificate_number: str = "",
    valid_until: dt.date | None = None,
    actor_role: str = Actor.APPROVER,
    clock: Clock = system_clock,
) -> Result:
    """准予 / 不予 at the last step, not by the person who handled the case."""
    task = _open_task(application)
    if actor_role != Actor.CHIEF_REP:
        if application.item.steps.filter(order__gt=task.step.order).exists():
            raise InvalidTransition(gettext("尚未到最后审查环节，不能作出决定。"))
        if barred_from_deciding(actor, [task]):  # 审批分离, the same rule the claim refuses by
            raise PermissionDenied(gettext("承办人不能批准自己承办的办件。"))
    if outcome not in Application.Outcome.values:
        raise ValidationError({"outcome": gettext("请选择准予或不予。")})
    if outcome == Application.Outcome.GRANTED:
        check_nothing_owed_for_grant(application)
        check_no_false_commitment_for_grant(application)
        rechecking.check_licences_still_valid_for_grant(application, today=clock.today())
    if not reasons.strip():  # a grant states its reason as a denial does (the decision letter prints it)
        if outcome == Application.Outcome.DENIED:
            raise ValidationError({"reasons": gettext("不予许可须说明理由。")})
        raise ValidationError({"reasons": gettext("准予许可须写明理由（申请符合的法定条件和标准）。")})
    now, today = clock.now(), clock.today()
    if valid_until is not None:
        try:
            deadlines.check_valid_until(valid_until, today)  # valid_from is the day of the decision
        except ValidationError as exc:
            raise ValidationError({"valid_until": exc.messages}) from None
    granted = outcome == Application.Outcome.GRANTED
    # 行政许可法 art. 39: an 出证 item's grant issues its licence, valid for the kind's years unless set here.
    with_licence = granted and issuing.issues_licence(application.item)
    if with_licence:
        valid_until = issuing.licence_validity(application.item.result_name, today, valid_until)
        certificate_number = certificate_number.strip() or issuing.licence_number_for(application)
        issuing.check_number_free(certificate_number)
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.DONE,
        now,
        actor,
        reasons.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    result = Result.objects.create(
        application=application,
        outcome=outcome,
        reasons=reasons.strip(),
        certificate_number=certificate_number or (f"{application.number}-Z" if granted else ""),
        valid_from=today if granted else None,
        valid_until=valid_until,
        decided_by=actor,
        decided_at=now,
    )
    if with_licence:
        issuing.issue_licence_for_grant(application=application, result=result, clock=clock)
    transition(
        application=application,
        action="grant" if outcome == Application.Outcome.GRANTED else "deny",
        actor_role=actor_role,
        actor=actor,
        changes={
            "outcome": outcome,
            "decided_at": now,
            "current_step": None,
            "light": "",
            "certificate_due_on": deadlines.certificate_due_date(today),
        },
        note=stored(gettext_noop("准予许可。"))
        if outcome == Application.Outcome.GRANTED
        else stored(gettext_noop("不予许可：%(reasons)s"), reasons=reasons.strip()),
        clock=clock,
    )
    kind = Document.Kind.GRANT_DECISION if outcome == Application.Outcome.GRANTED else Document.Kind.DENIAL_DECISION
    _new_document(application, kind, {"result_id": result.pk}, clock)
    for fee in application.item.fees.all():
        if outcome == Application.Outcome.GRANTED and fee.amount_yuan:
            FeeAssessment.objects.get_or_create(
                application=application, name=fee.name, defaults={"amount_yuan": fee.amount_yuan}
            )
    advance_after(application, clock=clock)  # 一件事: the parts that waited for this decision
    return result
