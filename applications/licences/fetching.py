"""免证办: a material whose source is an e-licence is filled in from the applicant's own valid licence.

Whose: the case's applicant (its party), looked up in the registry by the party's own identity, never
by anything typed into the form. Online, a proxy (委托代理) has only typed the principal's number: the
principal's licences are not fetched for them (a stranger's number would otherwise show a stranger's
licences); at a window the clerk has the ID document in view, and self and verified-agent filings
are the account's own or its company's.

While the case is a draft the registry is asked each time the list is shown; at submission the
licences used are recorded as the case's materials (``SubmittedMaterial`` with ``licence_number``), and
from then on those rows are the case's answer (the window and the reviewers see them as verified).
A revoked or expired licence does not count: the material is asked for, with the reason.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from applications.licences.models import License
from applications.licences.registry import LicenceRecord, licence_registry
from applications.models import Application, SubmittedMaterial, TimelineEvent
from catalog.models import MaterialRequirement
from catalog.selectors import materials_for
from portal import crypto, stored_text
from portal.clock import Clock, system_clock

PROXY_ONLINE = gettext_lazy("代他人网上申请的，不调取委托人的电子证照，请上传该材料。")
NOT_FOUND = gettext_lazy("电子证照库中未查到申请人的“{kind}”，请上传该材料。")
REVOKED = gettext_lazy("申请人的“{kind}”（编号 {number}）已注销（吊销），不能调取，请提交该材料。")
EXPIRED = gettext_lazy("申请人的“{kind}”（编号 {number}）已于 {until:%Y-%m-%d} 过期，不能调取，请提交有效的材料。")


@dataclass(frozen=True)
class LicenceCheck:
    """One material an e-licence may fill in: the licence that does, or why none does."""

    requirement: MaterialRequirement
    licence: LicenceRecord | None
    problem: str = ""


def as_material_facts(check: LicenceCheck) -> dict[str, Any]:
    """A check whose licence fills the material in, with the keys a fetched SubmittedMaterial shows."""
    licence = check.licence
    assert licence is not None
    return {
        "requirement": check.requirement,
        "licence_number": licence.number,
        "licence_issuer": licence.issuer,
        "licence_issued_on": licence.issued_on,
        "licence_valid_until": licence.valid_until,
    }


def licence_kind(requirement: MaterialRequirement) -> str:
    return requirement.license_code or requirement.name


def _candidates(application: Application) -> list[MaterialRequirement]:
    return [m for m in materials_for(application.item, application.situation_options) if m.is_satisfied_by_license]


def _may_fetch(application: Application) -> str:
    """ "" when the applicant's licences may be fetched for this case, else why not."""
    if application.acting_as == Application.ActingAs.PROXY and application.channel == Application.Channel.ONLINE:
        return PROXY_ONLINE
    return ""


def _check(requirement: MaterialRequirement, held: list[LicenceRecord], today: dt.date) -> LicenceCheck:
    kind = licence_kind(requirement)
    of_kind = sorted((r for r in held if r.kind == kind), key=lambda r: r.issued_on, reverse=True)
    valid = [r for r in of_kind if r.status_on(today) == License.Status.VALID]
    if valid:
        return LicenceCheck(requirement, valid[0])
    if not of_kind:
        return LicenceCheck(requirement, None, NOT_FOUND.format(kind=kind))
    latest = of_kind[0]
    if latest.status_on(today) == License.Status.REVOKED:
        return LicenceCheck(requirement, None, REVOKED.format(kind=kind, number=latest.number))
    return LicenceCheck(requirement, None, EXPIRED.format(kind=kind, number=latest.number, until=latest.valid_until))


def live_checks(application: Application, *, today: dt.date) -> list[LicenceCheck]:
    """Ask the registry now, for each material of the case's list an e-licence may fill in."""
    candidates = _candidates(application)
    if not candidates:
        return []
    refusal = _may_fetch(application)
    if refusal:
        return [LicenceCheck(m, None, refusal) for m in candidates]
    party = application.party
    held = licence_registry().licences_of(
        id_type=party.id_type,
        id_number=crypto.decrypt(party.id_number_encrypted),
        kinds={licence_kind(m) for m in candidates},
    )
    return [_check(m, held, today) for m in candidates]


def fetched_materials(application: Application) -> list[SubmittedMaterial]:
    """The materials the case's submission filled in from e-licences, as recorded then."""
    return list(
        application.materials.filter(is_current=True)
        .exclude(licence_number="")
        .select_related("requirement")
        .order_by("requirement__order", "id")
    )


def filled_in_requirement_ids(application: Application, *, today: dt.date) -> set[int]:
    """The materials an e-licence fills in: asked of the registry for a draft, the recorded ones after."""
    if application.pk is None:
        # A list shown before there is an applicant (a walk-in's first page): everything, so that the
        # clerk can record the paper of someone who holds no valid licence; one that does wins at submission.
        return set()
    if application.status == Application.Status.DRAFT:
        return {c.requirement.id for c in live_checks(application, today=today) if c.licence is not None}
    return {m.requirement_id for m in fetched_materials(application)}


@transaction.atomic
def record_fetched_licences(*, application: Application, actor: Any, clock: Clock = system_clock) -> list[str]:
    """At submission: each material a valid licence fills in becomes a verified material of the case."""
    numbers = []
    listed: list[Any] = []
    for check in live_checks(application, today=clock.today()):
        licence = check.licence
        if licence is None:
            continue
        application.materials.filter(requirement=check.requirement, is_current=True).update(is_current=False)
        SubmittedMaterial.objects.create(
            application=application,
            requirement=check.requirement,
            original_name=gettext("%(kind)s（电子证照）") % {"kind": licence.kind},
            licence_number=licence.number,
            licence_issuer=licence.issuer,
            licence_issued_on=licence.issued_on,
            licence_valid_until=licence.valid_until,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        numbers.append(f"{licence.kind}（{licence.number}）")
        listed.append(
            stored_text.stored(gettext_noop("%(kind)s（%(number)s）"), kind=licence.kind, number=licence.number)
        )
    if numbers:
        note = stored_text.stored(gettext_noop("已从电子证照库调取：%(licences)s"), licences=stored_text.listed(listed))
        TimelineEvent.objects.create(
            application=application,
            at=clock.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            action="licences_fetched",
            note=stored_text.source(note),
            data={"note_text": note},
            is_visible_to_applicant=True,
        )
    return numbers
