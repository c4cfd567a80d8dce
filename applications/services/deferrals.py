"""容缺受理 (accept_with_deferred): a case accepted while a 容缺后补 material is promised for later.

The applicant pledges in writing when applying (online on the submit page; at the window on paper,
which the clerk records). At acceptance each 容缺后补 material not received is owed by the item's
``deferral_workdays`` after the acceptance day: a placeholder row with ``deferred_until``, the
earliest date on the case (``deferral_due_on``, the sweep's index) and the pledge as a document
(容缺受理承诺书). The applicant supplies it online, or the clerk records it at the window. A grant
waits for it. The sweep reminds once, two working days before, and once the date has passed does
what the item says: the clock stops until the material comes (a suspension of kind deferral that
the material ends), or the case is returned (退件).
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from applications.models import Application, Document, ReviewTask, SubmittedMaterial, Suspension
from applications.services.core import _locked_for, _new_document, _notify_applicant, transition
from applications.services.drafts import _store_material, deferrable_missing
from applications.services.procedures import _end_suspension
from applications.transitions import Actor
from catalog.models import DeferralLapse
from portal import stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition
from portal.stored_text import StoredText, stored
from portal.uploads import DOCUMENT_KINDS, check_upload
from portal.workdays import add_workdays

S = Application.Status
REMIND_WORKDAYS_BEFORE = 2
MAX_PIECES = 20


def owed(application: Application) -> list[SubmittedMaterial]:
    """The placeholders of the materials still owed: deferred, with no file and no paper received."""
    return list(
        application.materials.filter(
            is_current=True, deferred_until__isnull=False, file="", originals_received=0, copies_received=0
        )
        .select_related("requirement")
        .order_by("deferred_until", "id")
    )


def defer_missing(application: Application, *, accepted_on: dt.date, clock: Clock) -> dict[str, Any]:
    """At acceptance: a placeholder and a date for each 容缺后补 material not received, and the pledge
    document. Returns the case's changes (none when nothing is owed)."""
    missing = deferrable_missing(application)
    if not missing:
        return {}
    due = add_workdays(accepted_on, application.item.deferral_workdays)
    SubmittedMaterial.objects.bulk_create(
        [SubmittedMaterial(application=application, requirement=m, deferred_until=due) for m in missing]
    )
    _new_document(application, Document.Kind.DEFERRAL_PLEDGE, {"due_on": due.isoformat()}, clock)
    return {"deferral_due_on": due}


def check_nothing_owed_for_grant(application: Application) -> None:
    """A grant waits for the 容缺后补 materials the applicant pledged (容缺受理：许可决定前补齐)."""
    names = [m.requirement.name for m in owed(application)]
    if names:
        raise DomainError(
            gettext("容缺后补材料%(names)s尚未补交，补齐后方可作出准予决定。")
            % {"names": stored_text.render(stored_text.quoted(names))},
            code="deferred_materials_owed",
            detail={"materials": names},
        )


@transaction.atomic
def supply_deferred(
    *,
    application: Application,
    requirement_id: int,
    actor: Any,
    actor_role: str,
    file: UploadedFile | None = None,
    originals: int = 0,
    copies: int = 0,
    clock: Clock = system_clock,
) -> Application:
    """补交容缺材料: online the applicant uploads it; at the window the clerk records the paper (or a scan).
    The last one owed ends a pause it caused; the clock moves by the days it stood still."""
    locked = _locked_for(application, "supply_deferred", actor_role)
    placeholder = next((m for m in owed(locked) if m.requirement_id == requirement_id), None)
    if placeholder is None:
        raise InvalidTransition(gettext("该材料不是本办件待补交的容缺材料，或已补交。"), code="not_owed")
    requirement = placeholder.requirement
    if actor_role == Actor.APPLICANT and file is None:
        raise ValidationError({"file": gettext("请上传“%(name)s”。") % {"name": requirement.name}})
    if not (0 <= originals <= MAX_PIECES and 0 <= copies <= MAX_PIECES):
        raise ValidationError({"originals": gettext("份数应在 0–%(max)s 之间。") % {"max": MAX_PIECES}})
    if file is None and not (originals or copies):
        raise ValidationError(
            {
                "originals": gettext("请登记收取“%(name)s”的原件或复印件份数，或上传扫描件。")
                % {"name": requirement.name}
            }
        )
    if file is not None:
        material = _store_material(locked, requirement, file, check_upload(file, allowed=DOCUMENT_KINDS).code, actor)
    else:
        placeholder.is_current = False
        placeholder.save(update_fields=["is_current"])
        material = SubmittedMaterial.objects.create(application=locked, requirement=requirement, uploaded_by=actor)
    material.originals_received, material.copies_received = originals, copies
    material.save(update_fields=["originals_received", "copies_received"])

    still_owed = owed(locked)
    changes: dict[str, Any] = {"deferral_due_on": still_owed[0].deferred_until if still_owed else None}
    note: Any = stored(gettext_noop("已补交容缺材料“%(name)s”。"), name=requirement.name)
    pause = locked.suspensions.filter(ended_on__isnull=True, kind=Suspension.Kind.DEFERRAL).first()
    if pause is not None and not still_owed:
        ended = _end_suspension(locked, pause, result=gettext("容缺材料已补齐。"), clock=clock)
        changes.update(ended.changes)
        note = stored(gettext_noop("%(supplied)s%(pause)s"), supplied=note, pause=ended.note)
        return transition(
            application=application,
            action="supply_deferred",
            actor_role=actor_role,
            actor=actor,
            changes=changes,
            target=S.IN_REVIEW,
            note=note,
            clock=clock,
        )
    return transition(
        application=application,
        action="supply_deferred",
        actor_role=actor_role,
        actor=actor,
        changes=changes,
        note=note,
    )


# --- The sweep (beat) ----------------------------------------------------------------------------


# Each batch in its own transaction, rows claimed with skip_locked (a second beat takes other rows).


def owed_by(application: Application) -> dt.date | None:
    """The earliest date a 容缺后补 material is still owed by (what ``deferral_due_on`` must say)."""
    still = owed(application)
    return still[0].deferred_until if still else None


def _still_owed(application: Application) -> list[SubmittedMaterial]:
    """What the case owes now, its date set to match: an owed material may have come by another door
    (a 受理后补正 that listed it sets the date itself; a sweep does not rely on that)."""
    still = owed(application)
    due = still[0].deferred_until if still else None
    if due != application.deferral_due_on:
        Application.objects.filter(pk=application.pk).update(deferral_due_on=due)
        application.deferral_due_on = due
    return still


def sweep_deferral_reminders(*, clock: Clock = system_clock, batch: int = 200) -> int:
    """One reminder per owed date, from two working days before it."""
    today = clock.today()
    horizon = add_workdays(today, REMIND_WORKDAYS_BEFORE)
    with transaction.atomic():
        due = list(
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(deferral_due_on__lte=horizon, deferral_due_on__gte=today, deferral_reminded_at__isnull=True)
            .filter(status__in=[S.IN_REVIEW, S.SUSPENDED])
            .select_related("item")
            .order_by("deferral_due_on")[:batch]
        )
        reminded = 0
        for application in due:
            still = _still_owed(application)
            if not still or application.deferral_due_on > horizon:
                continue
            names = stored_text.quoted([m.requirement.name for m in still])
            Application.objects.filter(pk=application.pk).update(deferral_reminded_at=clock.now())
            _notify_applicant(
                application,
                stored(gettext_noop("容缺材料补交提醒")),
                stored(
                    gettext_noop("请于 %(due_on)s 前补交容缺后补材料%(names)s，逾期未补交的，%(consequence)s。"),
                    due_on=stored_text.day(application.deferral_due_on),
                    names=names,
                    consequence=_consequence(application),
                ),
                key=f"deferral-remind:{application.pk}:{application.deferral_due_on}",
            )
            reminded += 1
    return reminded


def _consequence(application: Application) -> StoredText:
    if application.item.deferral_lapse == DeferralLapse.RETURN:
        return stored(gettext_noop("终止办理，予以退件"))
    return stored(gettext_noop("暂停计时，补齐后恢复"))


def sweep_lapsed_deferrals(*, clock: Clock = system_clock, batch: int = 200) -> int:
    """The item's rule for a case whose 容缺后补 material did not come by its date."""
    today = clock.today()
    with transaction.atomic():
        due = list(
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=S.IN_REVIEW, deferral_due_on__lt=today)
            .select_related("item")
            .order_by("deferral_due_on")[:batch]
        )
        lapsed = 0
        for application in due:
            still = _still_owed(application)
            if not still or application.deferral_due_on >= today:
                continue
            lapsed += 1
            names = stored_text.quoted([m.requirement.name for m in still])
            if application.item.deferral_lapse == DeferralLapse.RETURN:
                application.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.CANCELLED)
                transition(
                    application=application,
                    action="deferral_expired",
                    actor_role=Actor.SYSTEM,
                    changes={"light": "", "deferral_due_on": None},
                    note=stored(
                        gettext_noop("容缺后补材料%(names)s逾期未补交，依承诺终止办理，予以退件。"), names=names
                    ),
                    clock=clock,
                )
                _new_document(application, Document.Kind.RETURN_NOTICE, {"deferral": True}, clock)
                continue
            Suspension.objects.create(
                application=application,
                kind=Suspension.Kind.DEFERRAL,
                reason=gettext("容缺后补材料%(names)s逾期未补交") % {"names": stored_text.render(names)},
                started_on=today,
            )
            transition(
                application=application,
                action="deferral_lapsed",
                actor_role=Actor.SYSTEM,
                changes={"suspended_on": today},
                note=stored(gettext_noop("容缺后补材料%(names)s逾期未补交，暂停计时，补交后恢复。"), names=names),
                clock=clock,
            )
    return lapsed
