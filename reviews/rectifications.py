"""差评整改: a negative rating handled to the end by the department it concerns.

    verifying ──verify──▶ rectifying ──reply──▶ follow_up ──follow_up──▶ closed
                              │  ▲
          (unreasonable or    ▼  │ rejected
           malicious) appeal ─▶ appealed ──upheld──▶ invalidated (the rating no longer counts)

- The department's reviewers and head verify (属实? 合理?) and classify, rectify with a written result
  and reply to the applicant; its head alone appeals (申诉) an unreasonable or malicious rating, with
  evidence; a supervisor (效能监督) decides the appeal. The applicant (online) or the department (回访 by
  phone, with a note) records the applicant's satisfaction with the handling.
- A working-day deadline (the region's rule, default 5) with lights as for cases: a sweep warns the
  department on the last day and escalates to the supervisors once it passes, once each.
Each function locks the row, checks the state and the actor, writes, audits, and tells whom it concerns
through the outbox, in one transaction.
"""

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from applications.access import is_applicant
from portal import outbox, workdays
from portal.clock import Clock, system_clock
from portal.downloads import extension_of, open_stored
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Role
from portal.services import record_audit
from portal.stored_text import stored
from portal.uploads import check_upload
from reviews.models import Evaluation, Level, Rectification
from reviews.policies import policy_for

R = Rectification.Status
C = Rectification.Classification
DEPARTMENT_ROLES = (Role.REVIEWER, Role.DEPT_HEAD)
TEXT_MAX = 2000
# The clock runs while the department has work to do on it.
RUNNING = (R.VERIFYING, R.RECTIFYING)
OPEN = (R.VERIFYING, R.RECTIFYING, R.APPEALED, R.FOLLOW_UP)


def open_rectification(*, evaluation: Evaluation, clock: Clock = system_clock) -> Rectification:
    """Called in the rating's transaction: the department hears of the negative rating at once."""
    today = clock.today()
    days = policy_for(evaluation.department).rectification_workdays
    rectification = Rectification.objects.create(
        evaluation=evaluation,
        department=evaluation.department,
        due_on=workdays.add_workdays(today, days),
        warn_on=workdays.add_workdays(today, max(days - 1, 0)),
        created_at=clock.now(),
    )
    _tell_department(
        rectification,
        key="opened",
        title=stored(gettext_noop("差评待整改：办件 %(number)s"), number=evaluation.application.number),
        body=stored(
            gettext_noop("申请人对“%(item)s”作出“%(level)s”评价，请于 %(due)s 前核实、整改并答复。"),
            item=evaluation.item_name,
            level=evaluation.get_level_display(),
            due=rectification.due_on.isoformat(),
        ),
    )
    return rectification


# --- Who sees and does what -----------------------------------------------------------------------


def may_see_rectifications(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_superuser
        or user.has_role(Role.SUPERVISOR, Role.AUDITOR)
        or (user.department_id and user.has_role(*DEPARTMENT_ROLES))
    )


def rectifications_visible_to(user: Any) -> QuerySet[Rectification]:
    """A department's staff see the department's; supervisors and auditors all; nobody else any."""
    queryset = Rectification.objects.select_related("evaluation__application", "department")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.AUDITOR):
        return queryset
    if user.department_id and user.has_role(*DEPARTMENT_ROLES):
        return queryset.filter(department_id=user.department_id)
    return queryset.none()


def get_rectification_for(user: Any, pk: int) -> Rectification:
    rectification = rectifications_visible_to(user).filter(pk=pk).first()
    if rectification is None:
        raise NotFound(_("未找到该整改事项，或您无权查看。"))
    return rectification


@transaction.atomic
def open_appeal_evidence(*, actor: Any, rectification_id: int) -> tuple[FieldFile, str]:
    """The evidence of an appeal, opened, with its download name, for whoever may see the rectification
    (the responsible department's staff, supervisors, auditors; anyone else 404); an audit row says who read it."""
    rectification = get_rectification_for(actor, rectification_id)
    evidence = rectification.appeal_evidence
    handle = open_stored(evidence, _("该整改事项没有申诉证据材料。"))
    record_audit(
        actor=actor,
        action="rectification.evidence_downloaded",
        obj=rectification,
        detail={"application": rectification.evaluation.application.number},
    )
    name = _("申诉证据-%(number)s.%(extension)s") % {
        "number": rectification.evaluation.application.number,
        "extension": extension_of(evidence),
    }
    return handle, name


def _locked(rectification: Rectification, *states: str) -> Rectification:
    locked = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("evaluation__application", "department")
        .get(pk=rectification.pk)
    )
    if locked.status not in states:
        raise InvalidTransition(
            _("该整改事项当前为“%(status)s”，不能进行此操作，请刷新后重试。") % {"status": locked.get_status_display()},
            detail={"status": locked.status},
        )
    return locked


def _check_department(user: Any, rectification: Rectification, *roles: str) -> None:
    if not (user.department_id == rectification.department_id and user.has_role(*(roles or DEPARTMENT_ROLES))):
        raise PermissionDenied(_("只有责任部门的工作人员可以办理该整改事项。"))


def required_text(value: str, field: str, message: str, minimum: int = 1) -> str:
    """A written answer: stripped, at least `minimum` characters (else `message`), at most TEXT_MAX."""
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(message, code="required", detail={"field": field})
    if len(value) > TEXT_MAX:
        raise DomainError(_("内容不能超过 %(n)d 个字。") % {"n": TEXT_MAX}, code="too_long", detail={"field": field})
    return value


def tell_department(*, department_id: int, key: str, title: str, body: str, link: str, escalate: bool = False) -> None:
    """A notice to the department's reviewers and head; `escalate` ("red") tells the supervisors too
    (portal.notifications)."""
    outbox.enqueue(
        kind="notification",
        key=key,
        payload={
            "department_id": department_id,
            "light": "red" if escalate else "",
            "title": title,
            "body": body,
            "link": link,
        },
    )


def _tell_department(rectification: Rectification, *, key: str, title: str, body: str, escalate: bool = False) -> None:
    tell_department(
        department_id=rectification.department_id,
        key=f"rectification:{rectification.pk}:{key}",
        title=title,
        body=body,
        link=f"/review/rectifications/{rectification.pk}/",
        escalate=escalate,
    )


def _tell_applicant(rectification: Rectification, *, key: str, title: str, body: str) -> None:
    application = rectification.evaluation.application
    outbox.notify_person(
        key=f"rectification:{rectification.pk}:{key}",
        user_id=application.applicant_user_id,
        phone=application.contact_phone,
        title=title,
        body=body,
        link=f"/ratings/{application.number}/",
    )


# --- The workflow ---------------------------------------------------------------------------------


@transaction.atomic
def verify(
    *,
    rectification: Rectification,
    actor: Any,
    is_true: bool,
    classification: str,
    note: str,
    clock: Clock = system_clock,
) -> Rectification:
    """核实: is it true, is it reasonable? The case then is rectified (and may be appealed)."""
    locked = _locked(rectification, R.VERIFYING)
    _check_department(actor, locked)
    if classification not in C.values:
        raise DomainError(_("请选择诉求分类。"), code="required", detail={"field": "classification"})
    if classification == C.REASONABLE and not is_true:
        raise DomainError(_("反映情况不属实的，不能认定为合理诉求。"), code="inconsistent")
    locked.is_true = is_true
    locked.classification = classification
    locked.verification_note = required_text(note, "note", _("请填写核实情况。"))
    locked.verified_by = actor
    locked.verified_at = clock.now()
    locked.status = R.RECTIFYING
    locked.save()
    record_audit(actor=actor, action="rectification.verified", obj=locked, detail={"classification": classification})
    return locked


@transaction.atomic
def appeal(
    *, rectification: Rectification, actor: Any, reason: str, evidence: UploadedFile | None, clock: Clock = system_clock
) -> Rectification:
    """申诉: the department head asks a supervisor to invalidate an unreasonable or malicious rating."""
    locked = _locked(rectification, R.RECTIFYING)
    _check_department(actor, locked, Role.DEPT_HEAD)
    if locked.classification not in (C.UNREASONABLE, C.MALICIOUS):
        raise DomainError(_("只有核实为不合理诉求或恶意差评的，才能申诉。"), code="not_appealable")
    if locked.appeal_outcome:
        raise InvalidTransition(_("该差评已申诉过一次，不能再次申诉。"), code="appealed_once")
    locked.appeal_reason = required_text(reason, "reason", _("请填写申诉理由。"))
    if evidence is not None:
        check_upload(evidence)
        locked.appeal_evidence = evidence
    locked.status = R.APPEALED
    locked.save()
    record_audit(actor=actor, action="rectification.appealed", obj=locked)
    outbox.enqueue(
        kind="notification",
        key=f"rectification:{locked.pk}:appealed",
        payload={
            "department_id": locked.department_id,
            "light": "red",
            "audience": "heads",
            "title": stored(
                gettext_noop("差评申诉待审核：办件 %(number)s"), number=locked.evaluation.application.number
            ),
            "body": stored(
                gettext_noop("%(department)s 对一条差评提出申诉，请效能监督人员审核。"),
                department=locked.department.name,
            ),
            "link": f"/review/rectifications/{locked.pk}/",
        },
    )
    return locked


@transaction.atomic
def decide_appeal(
    *, rectification: Rectification, actor: Any, upheld: bool, decision: str, clock: Clock = system_clock
) -> Rectification:
    """A supervisor decides: upheld → the rating is invalidated (excluded from rates); rejected → rectify."""
    locked = _locked(rectification, R.APPEALED)
    if not actor.has_role(Role.SUPERVISOR):
        raise PermissionDenied(_("只有效能监督人员可以审核差评申诉。"))
    locked.appeal_decision = required_text(decision, "decision", _("请填写申诉审核意见。"))
    locked.appeal_decided_by = actor
    locked.appeal_outcome = Rectification.AppealOutcome.UPHELD if upheld else Rectification.AppealOutcome.REJECTED
    evaluation = locked.evaluation
    if upheld:
        locked.status = R.INVALIDATED
        locked.closed_at = clock.now()
        evaluation.status = Evaluation.Status.INVALIDATED
        evaluation.invalidated_reason = locked.appeal_decision
        evaluation.save(update_fields=["status", "invalidated_reason"])
        _tell_applicant(
            locked,
            key="invalidated",
            title=stored(
                gettext_noop("您对办件 %(number)s 的评价经申诉审核已作废"), number=evaluation.application.number
            ),
            body=stored(gettext_noop("审核意见：%(decision)s"), decision=locked.appeal_decision),
        )
    else:
        locked.status = R.RECTIFYING
    locked.save()
    record_audit(actor=actor, action="rectification.appeal_decided", obj=locked, detail={"upheld": upheld})
    return locked


@transaction.atomic
def reply(
    *, rectification: Rectification, actor: Any, result: str, text: str, clock: Clock = system_clock
) -> Rectification:
    """整改 and 答复: what was done, and what the applicant is told."""
    locked = _locked(rectification, R.RECTIFYING)
    _check_department(actor, locked)
    locked.result = required_text(result, "result", _("请填写整改情况。"))
    locked.reply = required_text(text, "reply", _("请填写对申请人的答复。"))
    locked.replied_by = actor
    locked.replied_at = clock.now()
    locked.status = R.FOLLOW_UP
    locked.save()
    record_audit(actor=actor, action="rectification.replied", obj=locked)
    _tell_applicant(
        locked,
        key="replied",
        title=stored(
            gettext_noop("%(department)s 已答复您对办件 %(number)s 的评价"),
            department=locked.department.name,
            number=locked.evaluation.application.number,
        ),
        body=locked.reply,
    )
    return locked


FOLLOW_UP_LEVELS = (Level.SATISFIED, Level.BASICALLY_SATISFIED, Level.DISSATISFIED)


@transaction.atomic
def follow_up(
    *, rectification: Rectification, actor: Any, level: int, note: str = "", clock: Clock = system_clock
) -> Rectification:
    """回访: the applicant's satisfaction with the handling, given by the applicant online or recorded by
    the department after a call (then with a note of the call)."""
    locked = _locked(rectification, R.FOLLOW_UP)
    if level not in FOLLOW_UP_LEVELS:
        raise DomainError(_("请选择对整改结果的满意度。"), code="bad_level")
    by_applicant = is_applicant(actor, locked.evaluation.application)
    if not by_applicant:
        _check_department(actor, locked)
        note = required_text(note, "note", _("请填写回访情况（回访方式、时间、申请人意见）。"))
    locked.follow_up_level = level
    locked.follow_up_note = (note or "").strip()[:TEXT_MAX]
    locked.followed_up_by = actor
    locked.status = R.CLOSED
    locked.closed_at = clock.now()
    locked.light = ""
    locked.save()
    record_audit(actor=actor, action="rectification.followed_up", obj=locked, detail={"by_applicant": by_applicant})
    return locked


# --- Lights (beat) --------------------------------------------------------------------------------

SWEEP_BATCH = 200


def sweep_clock(rows: QuerySet[Any], *, tell: Callable[[Any, str], None], clock: Clock = system_clock) -> int:
    """The lights of rows with ``warn_on``/``due_on``/``light`` (rectifications, 办不成事 reports): yellow on
    the warning day, red once past the deadline, each once (the light is the memory); ``tell(row, light)``
    writes the notice in the same transaction."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        due = list(
            rows.select_for_update(skip_locked=True, of=("self",))
            .filter(light__in=["green", "yellow"], warn_on__lte=today)
            .order_by("warn_on")[:SWEEP_BATCH]
        )
        for row in due:
            light = "red" if row.due_on < today else "yellow"
            if light == row.light:
                continue
            row.light = light
            row.save(update_fields=["light"])
            tell(row, light)
            changed += 1
    return changed


def sweep_lights(*, clock: Clock = system_clock) -> int:
    """The rectifications' lights: the department is told on the warning day, the supervisors too once past."""

    def tell(row: Rectification, light: str) -> None:
        number = row.evaluation.application.number
        if light == "red":
            _tell_department(
                row,
                key="overdue",
                escalate=True,
                title=stored(gettext_noop("差评整改已超期：办件 %(number)s"), number=number),
                body=stored(gettext_noop("整改期限 %(due)s 已过，请尽快办结。"), due=row.due_on.isoformat()),
            )
        else:
            _tell_department(
                row,
                key="warning",
                title=stored(gettext_noop("差评整改即将到期：办件 %(number)s"), number=number),
                body=stored(gettext_noop("整改期限为 %(due)s。"), due=row.due_on.isoformat()),
            )

    rows = Rectification.objects.filter(status__in=RUNNING).select_related("evaluation__application")
    return sweep_clock(rows, tell=tell, clock=clock)
