"""Corrections (补正): the notice, the suspension after acceptance, the resubmission."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.models import (
    Application,
    CorrectionNotice,
    Document,
    ReviewTask,
    Suspension,
)
from applications.services.core import _case_link, _locked_for, _new_document, transition
from applications.services.deferrals import owed_by
from applications.services.drafts import _store_material
from applications.services.procedures import _end_suspension
from applications.transitions import Actor
from portal import outbox, stored_text, workdays
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition
from portal.stored_text import label, stored
from portal.uploads import DOCUMENT_KINDS, check_upload

S = Application.Status


def _correction_entries(
    application: Application, entries: list[dict[str, Any]], due_on: dt.date | None, clock: Clock
) -> tuple[list[dict[str, Any]], dt.date]:
    """A one-time notice's entries, each naming a material of the item (or a free-text need) and why,
    and its deadline: the same rules before and after acceptance."""
    cleaned = []
    own = {m.id: m for m in application.item.materials.all()}
    for entry in entries:
        reason = str(entry.get("reason", "")).strip()
        requirement_id = entry.get("requirement_id")
        if requirement_id is not None and int(requirement_id) not in own:
            raise ValidationError({"entries": gettext("补正内容引用了不属于本事项的材料。")})
        name = own[int(requirement_id)].name if requirement_id is not None else str(entry.get("name", "")).strip()
        if not name or not reason:
            raise ValidationError({"entries": gettext("每项补正内容须写明材料名称和补正原因。")})
        cleaned.append({"requirement_id": requirement_id and int(requirement_id), "name": name, "reason": reason[:500]})
    if not cleaned:
        raise ValidationError({"entries": gettext("请列出需要补正的全部材料。")})
    today = clock.today()
    due = due_on or deadlines.correction_due_date(today)
    if due <= today:
        raise ValidationError({"due_on": gettext("补正期限须晚于今天。")})
    try:
        deadlines.check_correction_due_date(due, today)
    except ValidationError as exc:
        raise ValidationError({"due_on": exc.messages}) from None
    return cleaned, due


@transaction.atomic
def request_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    entries: list[dict[str, Any]],
    due_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> CorrectionNotice:
    """一次性告知: every material to add or fix and why, at once, with a deadline."""
    cleaned, due = _correction_entries(application, entries, due_on, clock)
    notice = CorrectionNotice.objects.create(
        application=application, issued_at=clock.now(), issued_by=actor, entries=cleaned, due_on=due
    )
    transition(
        application=application,
        action="request_correction",
        actor_role=actor_role,
        actor=actor,
        changes={"correction_due_on": due, "status_before_correction": application.status, "auto_accept_on": None},
        note=stored(
            gettext_noop("请于 %(due)s 前补正：%(names)s"),
            due=stored_text.day(due),
            names="；".join(e["name"] for e in cleaned),
        ),
        clock=clock,
    )
    _new_document(application, Document.Kind.CORRECTION_NOTICE, {"notice_id": notice.pk}, clock)
    return notice


@transaction.atomic
def suspend_for_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.REVIEWER,
    entries: list[dict[str, Any]],
    due_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> CorrectionNotice:
    """受理后补正: the reviewer tells every material to add or fix at once, with a deadline; the clock
    stops (行政许可法 art. 45 applies by analogy) until the applicant supplies them (resubmit_correction)."""
    locked = _locked_for(application, "suspend", actor_role)
    # 一次性告知: what review finds missing is told in one notice, not asked for piece by piece.
    if locked.correction_notices.filter(after_acceptance=True).exists():
        raise InvalidTransition(gettext("受理后的补正只能一次性告知，本办件已告知过补正，不能再次要求补正。"))
    cleaned, due = _correction_entries(application, entries, due_on, clock)
    today = clock.today()
    notice = CorrectionNotice.objects.create(
        application=application,
        issued_at=clock.now(),
        issued_by=actor,
        entries=cleaned,
        due_on=due,
        after_acceptance=True,
    )
    names = "；".join(e["name"] for e in cleaned)
    Suspension.objects.create(
        application=application,
        kind=Suspension.Kind.CORRECTION,
        reason=gettext("补正材料：%(names)s") % {"names": names},
        expected_days=workdays.workdays_between(today, due),
        started_on=today,
        started_by=actor,
    )
    transition(
        application=application,
        action="suspend",
        actor_role=actor_role,
        actor=actor,
        changes={"suspended_on": today, "correction_due_on": due},
        note=stored(
            gettext_noop("请于 %(due)s 前补正：%(names)s（补正期间不计入办理时限）"),
            due=stored_text.day(due),
            names=names,
        ),
        clock=clock,
    )
    _new_document(application, Document.Kind.CORRECTION_NOTICE, {"notice_id": notice.pk}, clock)
    return notice


@transaction.atomic
def resubmit_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    files: dict[int, UploadedFile],
    clock: Clock = system_clock,
) -> Application:
    """补正: exactly the listed materials. Before acceptance the case goes back to where it was, with a
    new art. 32 period; after acceptance the suspension ends and the clock runs again, both deadlines
    moved by the days it stood still."""
    # Locked first: a double submit's second request waits here, then finds nothing asked any more.
    locked = _locked_for(application, "resubmit", actor_role)
    notice = locked.correction_notices.filter(resolved_at__isnull=True).first()
    suspension = None
    if locked.status == S.SUSPENDED:
        suspension = locked.suspensions.filter(ended_on__isnull=True, kind=Suspension.Kind.CORRECTION).first()
    if notice is None or (locked.status == S.SUSPENDED and suspension is None):
        raise InvalidTransition(gettext("该办件当前无需补正。"), detail={"status": locked.status})
    listed = {e["requirement_id"] for e in notice.entries if e.get("requirement_id")}
    if set(files) - listed:
        raise ValidationError({"files": gettext("只能提交补正告知书中列明的材料。")})
    if listed - set(files):
        names = [e["name"] for e in notice.entries if e.get("requirement_id") in listed - set(files)]
        raise ValidationError({"files": [(gettext("请提交：%(n)s") % {"n": n}) for n in names]})
    requirements = {m.id: m for m in application.item.materials.filter(id__in=listed)}
    # Every file checked before the first is stored: a refused correction leaves no file behind.
    kinds: dict[int, str] = {}
    problems: list[str] = []
    for requirement_id, file in files.items():
        try:
            kinds[requirement_id] = check_upload(file, allowed=DOCUMENT_KINDS).code
        except ValidationError as exc:
            problems.append(
                gettext("“%(name)s”：%(messages)s")
                % {"name": requirements[requirement_id].name, "messages": exc.messages[0]}
            )
    if problems:
        raise ValidationError({"files": problems})
    for requirement_id, file in files.items():
        _store_material(application, requirements[requirement_id], file, kinds[requirement_id], actor)
    notice.resolved_at = clock.now()
    notice.save(update_fields=["resolved_at"])
    # A 容缺后补 material the notice listed came with it: it is no longer owed (applications.services.deferrals).
    owed_since = {"deferral_due_on": owed_by(locked)} if locked.deferral_due_on is not None else {}
    if suspension is not None:
        pause = _end_suspension(locked, suspension, result=gettext("已提交补正材料。"), clock=clock)
        _tell_the_step_the_correction_came_back(locked, notice, clock)
        return transition(
            application=application,
            action="resubmit",
            actor_role=actor_role,
            actor=actor,
            target=S.IN_REVIEW,
            changes={**pause.changes, "correction_due_on": None, **owed_since},
            note=stored(gettext_noop("已提交补正材料，%(pause)s"), pause=pause.note),
            clock=clock,
        )
    back_to = locked.status_before_correction or S.SUBMITTED
    today = clock.today()
    changes: dict[str, Any] = {"correction_due_on": None, **owed_since}
    if back_to == S.RECEIVED:
        changes.update(received_on=today, auto_accept_on=deadlines.auto_accept_date(today))
    return transition(
        application=application,
        action="resubmit",
        actor_role=actor_role,
        actor=actor,
        target=back_to,
        changes=changes,
        note=stored(gettext_noop("已提交补正材料。")),
        clock=clock,
    )


def _tell_the_step_the_correction_came_back(application: Application, notice: CorrectionNotice, clock: Clock) -> None:
    """受理后补正 answered: whoever holds the open step (else the department's reviewers) and the head
    are told once, so the case does not wait unnoticed in the queue (portal.notifications task notice)."""
    task = application.tasks.filter(status=ReviewTask.Status.OPEN).select_related("step").first()
    if task is None:
        return
    outbox.enqueue(
        kind="notification",
        clock=clock,
        key=f"correction-back:{notice.pk}",
        payload={
            "task_id": task.pk,
            "application_id": application.pk,
            "department_id": application.department_id,
            "assignee_id": task.assignee_id,
            **stored_text.payload(
                title=stored(gettext_noop("办件 %(number)s 已补正，请继续审查"), number=application.number),
                body=stored(
                    gettext_noop(
                        "办件 %(number)s（%(item)s）的申请人已于 %(at)s 提交补正材料，办件恢复计时，请继续%(step)s。"
                    ),
                    number=application.number,
                    item=application.item.name,
                    at=f"{clock.now():%Y-%m-%d %H:%M}",
                    step=label(task.step, "kind"),
                ),
            ),
            "link": _case_link(application),
        },
    )
