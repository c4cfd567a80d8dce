"""The live re-check of the e-licences a case was filled in from (免证办), after its submission.

A licence that was valid when the case was submitted may be revoked or expire before the department
acts on it. So the registry is asked again:

- **at acceptance** (受理): a licence revoked, expired or gone since then no longer counts: its
  material stops being the case's current one (it counts as missing, so a correction can ask for it),
  and the applicant and the department are told which and why (the timeline, a notice each). The
  acceptance stands: a registry that does not answer does not stop a window; the department is told
  the re-check could not be made, and the decision asks again.
- **at a grant** (准予): the same question; a licence that no longer counts, or one the acceptance's
  re-check dropped and nothing has replaced yet, bars the grant (422,
  naming it and telling the reviewer to ask for the material), and a registry that does not answer
  bars it too (503), because the grant would rest on a proof nobody could confirm.
"""

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from applications.licences.fetching import fetched_materials
from applications.licences.models import License
from applications.licences.registry import licence_registry
from applications.models import Application, SubmittedMaterial, TimelineEvent
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError
from portal.signed_http import ProviderError

GONE = gettext_noop("“%(kind)s”（编号 %(number)s）在电子证照库中已查不到")
REVOKED = gettext_noop("“%(kind)s”（编号 %(number)s）已注销（吊销）")
EXPIRED = gettext_noop("“%(kind)s”（编号 %(number)s）已于 %(until)s 过期")
NO_ANSWER_NOTE = gettext_noop("电子证照库暂时无法复核，受理照常进行，作出准予决定前将再次复核。")


@dataclass(frozen=True)
class StaleLicence:
    material: SubmittedMaterial
    reason: stored_text.StoredText


def stale_licences(application: Application, *, today: dt.date) -> list[StaleLicence]:
    """The case's fetched licences that the registry no longer holds valid today. Raises ProviderError."""
    fetched = fetched_materials(application)
    if not fetched:
        return []
    registry = licence_registry()
    stale = []
    for material in fetched:
        record = registry.get(material.licence_number)
        kind = material.requirement.license_code or material.requirement.name
        params = {"kind": kind, "number": material.licence_number}
        if record is None:
            stale.append(StaleLicence(material, stored_text.stored(GONE, **params)))
            continue
        status = record.status_on(today)
        if status == License.Status.REVOKED:
            stale.append(StaleLicence(material, stored_text.stored(REVOKED, **params)))
        elif status == License.Status.EXPIRED:
            until = f"{record.valid_until:%Y-%m-%d}"
            stale.append(StaleLicence(material, stored_text.stored(EXPIRED, **params, until=until)))
    return stale


def recheck_at_acceptance(*, application: Application, clock: Clock = system_clock) -> list[StaleLicence]:
    """Inside the acceptance's transaction: a licence no longer valid stops counting; both sides are told."""
    try:
        stale = stale_licences(application, today=clock.today())
    except ProviderError:
        _event(application, NO_ANSWER_NOTE, visible=False, clock=clock)
        _tell_department(application, stored_text.stored(NO_ANSWER_NOTE), key="unavailable")
        return []
    if not stale:
        return []
    SubmittedMaterial.objects.filter(pk__in=[s.material.pk for s in stale]).update(is_current=False)
    note = stored_text.stored(
        gettext_noop("电子证照复核：%(licences)s，不能再作为申请材料，视为缺少该材料，请按通知补交。"),
        licences=stored_text.listed([s.reason for s in stale]),
    )
    _event(application, note, visible=True, clock=clock)
    title = stored_text.stored(gettext_noop("办件 %(number)s 电子证照复核未通过"), number=application.number)
    if application.applicant_user_id is not None or application.contact_phone:
        outbox.enqueue(
            kind="notification",
            clock=clock,
            key=f"notify:licence-recheck:{application.pk}",
            payload={
                "user_id": application.applicant_user_id,
                "phone": application.contact_phone,
                **stored_text.payload(title=title, body=note),
                "link": f"/applications/{application.number}/",
            },
        )
    _tell_department(application, note, key="stale")
    return stale


def check_licences_still_valid_for_grant(application: Application, *, today: dt.date) -> None:
    """Before a grant: every licence the case rests on still valid, else the grant is refused."""
    rows = list(application.materials.values_list("requirement_id", "is_current", "licence_number"))
    if not any(number for _, _, number in rows):
        return  # one query for the cases that used no e-licence
    present = {r for r, current, _ in rows if current}
    dropped = {r for r, current, number in rows if number and not current} - present
    if dropped:
        owed = sorted(application.item.materials.filter(pk__in=dropped).values_list("name", flat=True))
        raise DomainError(
            gettext("%(names)s的电子证照复核未通过，尚未补交，不能作出准予决定：请一次性告知申请人补交。")
            % {"names": "、".join(f"“{n}”" for n in owed)},
            code="licence_no_longer_valid",
            detail={"materials": owed},
        )
    stale = stale_licences(application, today=today)
    if stale:
        names = stored_text.shown(stored_text.listed([s.reason for s in stale]))
        raise DomainError(
            gettext("%(licences)s，不能作为准予的依据：请一次性告知申请人补交该材料（受理后补正）。")
            % {"licences": names},
            code="licence_no_longer_valid",
            detail={"licences": [s.material.licence_number for s in stale]},
        )


def _event(application: Application, note: stored_text.StoredText | str, *, visible: bool, clock: Clock) -> None:
    text = note if isinstance(note, dict) else stored_text.stored(note)
    TimelineEvent.objects.create(
        application=application,
        at=clock.now(),
        action="licences_rechecked",
        note=stored_text.source(text),
        data={"note_text": text},
        is_visible_to_applicant=visible,
    )


def _tell_department(application: Application, body: stored_text.StoredText, *, key: str) -> None:
    title = stored_text.stored(gettext_noop("办件 %(number)s 电子证照复核"), number=application.number)
    outbox.enqueue(
        kind="notification",
        key=f"licence-recheck-{key}:{application.pk}",
        payload={
            "department_id": application.department_id,
            "application_id": application.pk,
            **stored_text.payload(title=title, body=body),
            "link": reverse("reviews:case", args=[application.number]),
        },
    )
