"""Special procedures: suspension and resumption, extension of the time limit."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.models import (
    Application,
    Document,
    Extension,
    ReviewTask,
    Suspension,
)
from applications.services.core import _case_link, _locked_for, _new_document, _notify_applicant, transition
from applications.transitions import TRANSITIONS, Actor
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition
from portal.stored_text import label, stored

S = Application.Status


@transaction.atomic
def suspend_application(
    *, application: Application, actor: Any, kind: str, reason: str, expected_days: int = 0, clock: Clock = system_clock
) -> Suspension:
    """特别程序: the clock stops (行政许可法 art. 45). A correction after acceptance is suspend_for_correction."""
    if kind == Suspension.Kind.CORRECTION:
        raise ValidationError({"kind": gettext("受理后补正须出具一次性告知书，列明补正材料和期限。")})
    if kind == Suspension.Kind.DEFERRAL:
        raise ValidationError({"kind": gettext("容缺材料逾期未补时由系统暂停计时。")})
    if kind not in Suspension.Kind.values:
        raise ValidationError({"kind": gettext("请选择特别程序类型。")})
    # Exactly the item's list, as the reviewer's form offers it: an item listing none allows none.
    if kind not in (application.item.special_procedures or []):
        raise DomainError(gettext("该事项未设置此特别程序。"))
    if not reason.strip():
        raise ValidationError({"reason": gettext("请写明暂停计时的原因。")})
    today = clock.today()
    suspension = Suspension.objects.create(
        application=application,
        kind=kind,
        reason=reason.strip(),
        expected_days=expected_days,
        started_on=today,
        started_by=actor,
    )
    transition(
        application=application,
        action="suspend",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"suspended_on": today},
        note=stored(
            gettext_noop("%(kind)s：%(reason)s（所需时间不计入办理时限）"),
            kind=label(suspension, "kind"),
            reason=reason.strip(),
        ),
        clock=clock,
    )
    _new_document(application, Document.Kind.SUSPENSION_NOTICE, {"suspension_id": suspension.pk}, clock)
    return suspension


@dataclass(frozen=True)
class _Pause:
    """How far the end of a suspension moves the case: its changes, the note, the days the clock stood still."""

    changes: dict[str, Any]
    note: str
    days: int
    unit: str


def _end_suspension(application: Application, suspension: Suspension, *, result: str, clock: Clock) -> _Pause:
    """Close the pause; both deadlines (and the open step's limit) move by the days the clock stood
    still (DOMAIN.md "Working days"). The caller makes the transition with the changes."""
    today = clock.today()
    suspension.ended_on, suspension.result = today, result
    suspension.save(update_fields=["ended_on", "result"])
    unit = application.item.promised_unit
    moved = deadlines.paused_days(suspension.started_on, today, unit)
    due_on = deadlines.shift(application.due_on, moved, unit)
    # The open review step stood still with the case: its own limit moves too (sweep_overdue_steps).
    task = application.tasks.select_for_update().filter(status=ReviewTask.Status.OPEN).first()
    if task is not None and task.due_on is not None:
        task.due_on = deadlines.step_due_after_pause(task.due_on, suspension.started_on, today)
        task.save(update_fields=["due_on"])
    changes = {
        "suspended_on": None,
        "due_on": due_on,
        "statutory_due_on": deadlines.shift(
            application.statutory_due_on,
            deadlines.paused_days(suspension.started_on, today, application.item.statutory_unit),
            application.item.statutory_unit,
        ),
        "warn_on": deadlines.shift(application.warn_on, moved, unit),
    }
    note = stored(
        gettext_noop("恢复计时，暂停 %(moved)s 个%(unit)s，承诺办结日期顺延至 %(due_on)s。"),
        moved=moved,
        unit=stored(gettext_noop("工作日") if unit == "workday" else gettext_noop("自然日")),
        due_on=stored_text.day(due_on),
    )
    return _Pause(changes, note, moved, unit)


@transaction.atomic
def resume_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.REVIEWER,
    result: str = "",
    clock: Clock = system_clock,
) -> Application:
    """The procedure's result is in: both deadlines move by the working days the clock stood still."""
    # The dates move from the locked row, not from the caller's copy (an extension may have moved them).
    locked = _locked_for(application, "resume", actor_role)
    suspension = locked.suspensions.filter(ended_on__isnull=True).first()
    if suspension is None or locked.status != S.SUSPENDED:
        raise InvalidTransition(gettext("该办件未处于暂停计时状态。"))
    if suspension.kind == Suspension.Kind.CORRECTION:
        # The notice is answered by the materials it lists, not closed by the reviewer (resubmit_correction).
        raise InvalidTransition(gettext("受理后补正的办件，在申请人提交补正材料后自动恢复计时。"))
    if suspension.kind == Suspension.Kind.DEFERRAL:
        raise InvalidTransition(gettext("容缺材料逾期未补的办件，在申请人补交材料后自动恢复计时。"))
    if not result.strip():
        raise ValidationError({"result": gettext("请记录特别程序的结果。")})
    pause = _end_suspension(locked, suspension, result=result.strip(), clock=clock)
    moved, unit, due_on = pause.days, pause.unit, pause.changes["due_on"]
    transition(
        application=application,
        action="resume",
        actor_role=actor_role,
        actor=actor,
        changes=pause.changes,
        note=pause.note,
        clock=clock,
    )
    if suspension.kind != Suspension.Kind.CORRECTION:
        # 行政许可法 art. 45: the applicant is told in writing, of the procedure's end as of its start.
        refs = {"suspension_id": suspension.pk, "paused_days": moved}
        notice = _new_document(application, Document.Kind.SUSPENSION_END_NOTICE, refs, clock)
        _notify_applicant(
            application,
            stored(gettext_noop("%(kind)s已结束"), kind=label(suspension, "kind")),
            stored(
                gettext_noop(
                    "结果：%(result)s。暂停计时 %(moved)s 个%(unit)s，承诺办结日期顺延至 %(due_on)s。"
                    "详见《%(notice)s》。"
                ),
                result=suspension.result,
                moved=moved,
                unit=stored(gettext_noop("工作日") if unit == "workday" else gettext_noop("自然日")),
                due_on=stored_text.day(due_on),
                notice=label(notice, "kind"),
            ),
            key=f"{application.pk}:document:{notice.pk}",
        )
    return application


@transaction.atomic
def request_extension(
    *, application: Application, actor: Any, days: int, reason: str, clock: Clock = system_clock
) -> Extension:
    if application.status not in TRANSITIONS["extend"].sources:
        raise InvalidTransition(gettext("当前状态不能申请延长。"))
    if application.is_extended or application.extensions.filter(status=Extension.Status.REQUESTED).exists():
        raise InvalidTransition(gettext("延长只能申请一次。"))
    if not 1 <= days <= application.item.extension_days:
        raise ValidationError(
            {
                "days": gettext("延长期限为 1–%(extension_days)s 个工作日。")
                % {"extension_days": application.item.extension_days}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": gettext("请写明延长理由。")})
    extension = Extension.objects.create(
        application=application, days=days, reason=reason.strip(), requested_by=actor, requested_at=clock.now()
    )
    # 行政许可法 art. 42: only the head approves; tell them it waits (once per request).
    outbox.enqueue(
        kind="notification",
        clock=clock,
        key=f"extension-requested:{extension.pk}",
        payload={
            "department_id": application.department_id,
            "application_id": application.pk,
            "audience": "heads",
            **stored_text.payload(
                title=stored(
                    gettext_noop("办件 %(number)s 申请延长 %(days)s 个工作日，待您批准"),
                    number=application.number,
                    days=days,
                ),
                body=stored(
                    gettext_noop(
                        "%(actor)s申请将办件 %(number)s（%(item)s）的办理期限延长 %(days)s 个工作日，理由：%(reason)s。"
                        "请在审查队列的部门概况中批准或不予批准。"
                    ),
                    actor=getattr(actor, "real_name", "") or actor,
                    number=application.number,
                    item=application.item.name,
                    days=days,
                    reason=extension.reason,
                ),
            ),
            "link": _case_link(application),
        },
    )
    return extension


@transaction.atomic
def decide_extension(*, extension: Extension, actor: Any, approve: bool, clock: Clock = system_clock) -> Extension:
    """The department head approves (行政许可法 art. 42) and the applicant is told the reason."""
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != Extension.Status.REQUESTED:
        raise InvalidTransition(gettext("该延长申请已处理。"))
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    extension.decided_by, extension.decided_at = actor, clock.now()
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        # Locked before the dates are read: a procedure ending at the same moment also moves them.
        application = _locked_for(extension.application, "extend", Actor.DEPT_HEAD)
        transition(
            application=application,
            action="extend",
            actor_role=Actor.DEPT_HEAD,
            actor=actor,
            changes={
                "is_extended": True,
                "due_on": deadlines.shift(application.due_on, extension.days),
                "statutory_due_on": deadlines.shift(application.statutory_due_on, extension.days),
                "warn_on": deadlines.shift(application.warn_on, extension.days),
            },
            note=stored(
                gettext_noop("经批准延长 %(days)s 个工作日：%(reason)s"), days=extension.days, reason=extension.reason
            ),
            clock=clock,
        )
        # The new date as of the approval: the notice is rendered later, when the date may have moved on.
        _new_document(
            application,
            Document.Kind.EXTENSION_NOTICE,
            {"extension_id": extension.pk, "due_on": application.due_on.isoformat()},
            clock,
        )
    return extension
