"""告知承诺制 (commitment): the applicant signs a commitment instead of bringing a proof, checked afterwards.

A material marked ``allows_commitment`` may be left out when the applicant chooses 告知承诺 for it and
signs that they have read the legal consequences of a false commitment (online on the submit page; at
the window the clerk records the signed paper). Submission stores one ``Commitment`` per material,
with the text as it stood, and issues the 告知承诺书. Acceptance gives each a check date
(``ServiceItem.commitment_check_workdays`` working days on). The department records the check (核查):
passed, or failed with a note; a failed one does what the item says (``commitment_consequence``): a
granted result is revoked (撤销行政许可决定书, the applicant told) and/or a credit record is written; a
case not yet decided cannot be granted. A sweep tells the department once when a check is due and
once when it is overdue.
"""

import datetime as dt
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop

from applications.licences.issuing import revoke_licence
from applications.models import Application, Commitment, CreditRecord, Document, Result
from applications.services.core import _case_link, _locked_for, _new_document, transition
from catalog.models import CommitmentConsequence, MaterialRequirement
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound
from portal.stored_text import StoredText, stored
from portal.workdays import add_workdays

S = Application.Status
O = Commitment.Outcome  # noqa: E741
NOTIFY_WORKDAYS_BEFORE = 2
MAX_NOTE = 2000
REVOKES = (CommitmentConsequence.REVOKE, CommitmentConsequence.BOTH)
RECORDS_CREDIT = (CommitmentConsequence.CREDIT, CommitmentConsequence.BOTH)


def commitment_problems(
    required: list[MaterialRequirement], chosen: Collection[int], *, signed: bool, present: Collection[int]
) -> list[str]:
    """What submitting says about the 告知承诺 chosen: only for the case's materials that allow it, not for
    one already handed in, and signed."""
    by_id = {m.id: m for m in required}
    problems = []
    for requirement_id in chosen:
        material = by_id.get(requirement_id)
        if material is None or not material.allows_commitment:
            name = gettext("“%(name)s”") % {"name": material.name} if material else gettext("所选材料")
            problems.append(gettext("%(name)s不适用告知承诺制，请提交该材料。") % {"name": name})
        elif requirement_id in present:
            problems.append(gettext("“%(name)s”已提交，无需再作告知承诺。") % {"name": material.name})
    if chosen and not problems and not signed:
        problems.append(gettext("请阅读虚假承诺的法律后果，并确认签署告知承诺书。"))
    return problems


def sign_commitments(application: Application, chosen: Collection[int], *, clock: Clock) -> None:
    """At submission: one commitment per chosen material and the 告知承诺书 (after commitment_problems)."""
    if not chosen:
        return
    materials = MaterialRequirement.objects.filter(item=application.item_id, pk__in=chosen, allows_commitment=True)
    now = clock.now()
    Commitment.objects.bulk_create(
        [Commitment(application=application, requirement=m, text=m.commitment_text, signed_at=now) for m in materials]
    )
    _new_document(application, Document.Kind.COMMITMENT, {}, clock)


def start_checks(application: Application, *, accepted_on: dt.date) -> None:
    """At acceptance: each commitment is to be checked within the item's working days."""
    due = add_workdays(accepted_on, application.item.commitment_check_workdays)
    application.commitments.filter(check_due_on__isnull=True).update(check_due_on=due)


def check_no_false_commitment_for_grant(application: Application) -> None:
    """A commitment found false before the decision bars a grant."""
    names = list(application.commitments.filter(outcome=O.FAILED).values_list("requirement__name", flat=True))
    if names:
        raise DomainError(
            gettext("告知承诺%(names)s经核查不实，不能作出准予决定。")
            % {"names": stored_text.render(stored_text.quoted(names))},
            code="false_commitment",
            detail={"materials": names},
        )


@transaction.atomic
def record_commitment_check(
    *,
    application: Application,
    commitment_id: int,
    actor: object,
    actor_role: str,
    passed: bool,
    note: str = "",
    clock: Clock = system_clock,
) -> Commitment:
    """核查: the item's department records whether the commitment was true; a false one has the item's
    consequences at once."""
    locked = _locked_for(application, "check_commitment", actor_role)
    commitment = locked.commitments.select_for_update().filter(pk=commitment_id).select_related("requirement").first()
    if commitment is None:
        raise NotFound(gettext("本办件没有该告知承诺。"))
    if commitment.outcome != O.PENDING:
        raise InvalidTransition(
            gettext("告知承诺“%(name)s”已于 %(on)s 核查，不能重复核查。")
            % {"name": commitment.requirement.name, "on": date_format(localtime(commitment.checked_at).date())},
            code="already_checked",
        )
    note = note.strip()
    if not passed and not note:
        raise ValidationError({"note": gettext("核查不实的，请写明核查情况。")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": gettext("核查说明不超过 %(max)s 字。") % {"max": MAX_NOTE}})
    name = commitment.requirement.name
    commitment.outcome = O.PASSED if passed else O.FAILED
    commitment.check_note, commitment.checked_at = note, clock.now()
    commitment.checked_by = actor if getattr(actor, "pk", None) else None
    commitment.save(update_fields=["outcome", "check_note", "checked_at", "checked_by"])
    if passed:
        transition(
            application=application,
            action="check_commitment",
            actor_role=actor_role,
            actor=actor,
            note=stored(gettext_noop("告知承诺“%(name)s”经核查属实。"), name=name),
            clock=clock,
        )
        return commitment
    consequence = locked.item.commitment_consequence
    false = stored(gettext_noop("告知承诺“%(name)s”经核查不实：%(note)s"), name=name, note=note)
    told: list[StoredText] = [false]
    revoked = _revoke_result(locked, stored_text.source(false), clock) if consequence in REVOKES else None
    if revoked is not None:
        told.append(stored(gettext_noop("依法撤销已作出的准予决定，撤销行政许可决定书已出具。")))
    elif consequence in REVOKES and locked.status in (S.IN_REVIEW, S.SUSPENDED):
        told.append(stored(gettext_noop("不能作出准予决定。")))
    if consequence in RECORDS_CREDIT:
        CreditRecord.objects.create(
            party=locked.party,
            application=locked,
            commitment=commitment,
            subject_name=locked.applicant_name or str(locked.party),
            reason=f"办理“{locked.item.name}”（办件编号 {locked.number}）时作出的告知承诺“{name}”经核查不实：{note}",
            recorded_at=clock.now(),
            recorded_by=commitment.checked_by,
        )
        told.append(stored(gettext_noop("虚假承诺情况已记入信用记录。")))
    transition(
        application=application,
        action="check_commitment",
        actor_role=actor_role,
        actor=actor,
        note=stored_text.joined(told),
        clock=clock,
    )
    if revoked is not None:
        _new_document(locked, Document.Kind.REVOCATION_NOTICE, {"commitment_id": commitment.pk}, clock)
    return commitment


def _revoke_result(application: Application, reason: str, clock: Clock) -> Result | None:
    """The grant obtained by the false commitment, now revoked; None when there is no grant (yet)."""
    result = Result.objects.select_for_update().filter(application=application).first()
    if result is None or result.outcome != Application.Outcome.GRANTED or result.revoked_at is not None:
        return None
    result.revoked_at, result.revocation_reason = clock.now(), reason
    result.save(update_fields=["revoked_at", "revocation_reason"])
    # The verification page of the decision letter says it is revoked from now on.
    application.documents.filter(kind=Document.Kind.GRANT_DECISION, revoked_at__isnull=True).update(
        revoked_at=result.revoked_at
    )
    # The e-licence the grant issued no longer counts anywhere (免证办 included).
    for licence in application.licences.filter(revoked_at__isnull=True):
        revoke_licence(licence=licence, reason=reason, clock=clock)
    return result


# --- The sweep (beat) ----------------------------------------------------------------------------

CLOSED = (S.WITHDRAWN, S.REFUSED, S.RETURNED)


def sweep_commitment_checks(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """The department hears once when a check is due (two working days before) and once when overdue."""
    today = clock.today()
    horizon = add_workdays(today, NOTIFY_WORKDAYS_BEFORE)
    with transaction.atomic():
        due = list(
            Commitment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(outcome=O.PENDING, check_due_on__lte=horizon)
            .filter(Q(due_notified_at__isnull=True) | Q(check_due_on__lt=today, overdue_notified_at__isnull=True))
            .exclude(application__status__in=CLOSED)
            .select_related("application__item", "requirement")
            .order_by("check_due_on", "pk")[:batch]
        )
        for commitment in due:
            application, overdue = commitment.application, commitment.check_due_on < today
            fields = {"overdue_notified_at": clock.now()} if overdue else {}
            Commitment.objects.filter(pk=commitment.pk).update(due_notified_at=clock.now(), **fields)
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"commitment-{'overdue' if overdue else 'due'}:{commitment.pk}",
                payload={
                    "department_id": application.department_id,
                    "application_id": application.pk,
                    "light": Application.Light.RED if overdue else Application.Light.YELLOW,
                    **stored_text.payload(
                        title=_check_title(application, overdue), body=_check_body(commitment, overdue)
                    ),
                    "link": _case_link(application),
                },
            )
    return len(due)


def _check_title(application: Application, overdue: bool) -> StoredText:
    if overdue:
        return stored(gettext_noop("办件 %(number)s 告知承诺已超过核查期限"), number=application.number)
    return stored(gettext_noop("办件 %(number)s 告知承诺即将到核查期限"), number=application.number)


def _check_body(commitment: Commitment, overdue: bool) -> StoredText:
    params = {
        "number": commitment.application.number,
        "item": commitment.application.item.name,
        "name": commitment.requirement.name,
        "due_on": stored_text.day(commitment.check_due_on),
    }
    if overdue:
        return stored(
            gettext_noop(
                "办件 %(number)s（%(item)s）的告知承诺“%(name)s”应于 %(due_on)s 前核查，至今未核查，已同时告知效能监督。"  # noqa: E501
            ),
            **params,
        )
    return stored(
        gettext_noop("办件 %(number)s（%(item)s）的告知承诺“%(name)s”应于 %(due_on)s 前核查，请及时核查并登记结果。"),
        **params,
    )
