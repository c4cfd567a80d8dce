"""办不成事: "I could not get this done", reported online by the applicant or recorded by a clerk at the
problem desk (办不成事反映窗口) with the applicant; answered by the department it concerns within the
region's working-day limit (as a rectification), followed up, and counted on the dashboard and the
public board.

    open ──answer──▶ follow_up ──follow_up──▶ closed
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from applications.access import is_applicant
from applications.models import Application
from catalog.models import ServiceItem
from portal import outbox, workdays
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Role
from portal.services import record_audit
from portal.stored_text import stored
from portal.validators import validate_phone
from reviews.models import ProblemReport
from reviews.policies import policy_for
from reviews.rectifications import (
    DEPARTMENT_ROLES,
    FOLLOW_UP_LEVELS,
    TEXT_MAX,
    required_text,
    sweep_clock,
    tell_department,
)

P = ProblemReport.Status
DESCRIPTION_MIN = 5
# A second identical report from the same person within this while is the first one (a double submit).
DOUBLE_SUBMIT_WINDOW = dt.timedelta(minutes=10)


@transaction.atomic
def report_problem(
    *,
    actor: Any,
    description: str,
    item: ServiceItem | None = None,
    application: Application | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    clock: Clock = system_clock,
) -> ProblemReport:
    """Online (the actor is the applicant) or at the problem desk (the actor is a clerk who types who came)."""
    at_window = actor.has_role(Role.CLERK)
    if application is not None:
        if not at_window and not is_applicant(actor, application):
            raise NotFound(_("未找到该办件，或您无权查看。"))
        item = application.item
    if item is None:
        raise DomainError(_("请选择要反映的事项。"), code="required", detail={"field": "item"})
    text = required_text(
        description, "description", _("请具体说明办不成的事情和遇到的困难（至少 5 个字）。"), DESCRIPTION_MIN
    )
    if at_window:
        name = required_text(reporter_name, "reporter_name", _("请填写反映人姓名。"))[:100]
        try:
            phone = validate_phone(reporter_phone) if reporter_phone.strip() else ""
        except ValidationError as exc:
            raise DomainError(exc.messages[0], code="bad_phone", detail={"field": "reporter_phone"}) from exc
    else:
        name, phone = actor.real_name or actor.get_username(), actor.phone or ""
    since = clock.now() - DOUBLE_SUBMIT_WINDOW
    same = ProblemReport.objects.filter(
        department=item.department, description=text, created_at__gte=since, status=P.OPEN,
        **({"recorded_by": actor} if at_window else {"reporter": actor}),
    ).first()  # fmt: skip
    if same is not None:
        return same
    today = clock.today()
    days = policy_for(item.department).rectification_workdays
    report = ProblemReport.objects.create(
        department=item.department,
        item_code=item.code,
        item_name=item.name,
        application=application,
        description=text,
        reporter=None if at_window else actor,
        reporter_name=name,
        reporter_phone=phone,
        channel=ProblemReport.Channel.WINDOW if at_window else ProblemReport.Channel.ONLINE,
        recorded_by=actor if at_window else None,
        due_on=workdays.add_workdays(today, days),
        warn_on=workdays.add_workdays(today, max(days - 1, 0)),
        created_at=clock.now(),
    )
    record_audit(actor=actor, action="problem.reported", obj=report, detail={"item": item.code})
    _tell_department(
        report,
        key="opened",
        title=stored(gettext_noop("办不成事反映待处理：%(item)s"), item=item.name),
        body=stored(gettext_noop("请于 %(due)s 前核实处理并答复反映人。"), due=report.due_on.isoformat()),
    )
    return report


def _tell_department(report: ProblemReport, *, key: str, title: str, body: str, escalate: bool = False) -> None:
    tell_department(
        department_id=report.department_id,
        key=f"problem:{report.pk}:{key}",
        title=title,
        body=body,
        link=f"/ratings/problems/{report.pk}/",
        escalate=escalate,
    )


def problems_visible_to(user: Any) -> QuerySet[ProblemReport]:
    """The department's staff and supervisors (as rectifications); a reporter sees their own, and the
    problem-desk clerk the reports they recorded for a walk-in (to show them what was written down)."""
    queryset = ProblemReport.objects.select_related("department")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.AUDITOR):
        return queryset
    if user.department_id and user.has_role(*DEPARTMENT_ROLES):
        return queryset.filter(department_id=user.department_id)
    return queryset.filter(Q(reporter=user) | Q(recorded_by=user))


def get_problem_for(user: Any, pk: int) -> ProblemReport:
    report = problems_visible_to(user).filter(pk=pk).first()
    if report is None:
        raise NotFound(_("未找到该反映，或您无权查看。"))
    return report


def _locked(report: ProblemReport, state: str) -> ProblemReport:
    locked = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != state:
        raise InvalidTransition(
            _("该反映当前为“%(status)s”，不能进行此操作，请刷新后重试。") % {"status": locked.get_status_display()}
        )
    return locked


def _check_department(user: Any, report: ProblemReport) -> None:
    if not (user.department_id == report.department_id and user.has_role(*DEPARTMENT_ROLES)):
        raise PermissionDenied(_("只有责任部门的工作人员可以办理该反映。"))


@transaction.atomic
def answer_problem(
    *, report: ProblemReport, actor: Any, solved: bool, answer: str, clock: Clock = system_clock
) -> ProblemReport:
    locked = _locked(report, P.OPEN)
    _check_department(actor, locked)
    locked.answer = required_text(answer, "answer", _("请填写处理结果和对反映人的答复。"))
    locked.solved = solved
    locked.answered_by, locked.answered_at, locked.status = actor, clock.now(), P.FOLLOW_UP
    locked.save()
    record_audit(actor=actor, action="problem.answered", obj=locked, detail={"solved": solved})
    outbox.notify_person(
        key=f"problem:{locked.pk}:answered",
        user_id=locked.reporter_id,
        phone=locked.reporter_phone,
        title=stored(gettext_noop("您反映的“办不成事”已答复：%(item)s"), item=locked.item_name),
        body=locked.answer,
        link=f"/ratings/problems/{locked.pk}/",
    )
    return locked


@transaction.atomic
def follow_up_problem(
    *, report: ProblemReport, actor: Any, level: int, note: str = "", clock: Clock = system_clock
) -> ProblemReport:
    """回访: the reporter online, or the department after a call (with a note)."""
    locked = _locked(report, P.FOLLOW_UP)
    if level not in FOLLOW_UP_LEVELS:
        raise DomainError(_("请选择对处理结果的满意度。"), code="bad_level")
    if locked.reporter_id is None or locked.reporter_id != actor.pk:
        _check_department(actor, locked)
        note = required_text(note, "note", _("请填写回访情况（回访方式、时间、反映人意见）。"))
    locked.follow_up_level, locked.follow_up_note = level, (note or "").strip()[:TEXT_MAX]
    locked.status, locked.closed_at, locked.light = P.CLOSED, clock.now(), ""
    locked.save()
    record_audit(actor=actor, action="problem.followed_up", obj=locked)
    return locked


def sweep_lights(*, clock: Clock = system_clock) -> int:
    """Yellow on the warning day, red once past (the supervisors are told too), each once."""

    def tell(report: ProblemReport, light: str) -> None:
        overdue = light == "red"
        _tell_department(
            report,
            key="overdue" if overdue else "warning",
            escalate=overdue,
            title=stored(
                (
                    gettext_noop("办不成事反映已超期：%(item)s")
                    if overdue
                    else gettext_noop("办不成事反映即将到期：%(item)s")
                ),
                item=report.item_name,
            ),
            body=stored(gettext_noop("答复期限为 %(due)s。"), due=report.due_on.isoformat()),
        )

    return sweep_clock(ProblemReport.objects.filter(status=P.OPEN), tell=tell, clock=clock)
