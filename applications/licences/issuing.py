"""Licences that exist: recorded (the demo registry's own), issued by a grant, delivered, revoked.

行政许可法 art. 39: a grant that needs a certificate issues it (许可证、执照或者其他许可证书). An item whose
result is a certificate (``result_type`` 出证) issues a licence of the kind its ``result_name`` names,
to the case's applicant, numbered as the result is, valid for the kind's years (``LicenceKind``) unless
the approver set an end. The PDF is rendered and signed by the worker after the decision commits
(``render_issued_licence``, an outbox row), then published to the registry; it is handed over with the
result at delivery.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from applications.licences.models import LicenceKind, License
from applications.licences.pdf import render_licence
from applications.licences.registry import licence_registry
from catalog.models import ServiceItem
from portal import outbox
from portal.clock import Clock, system_clock
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import OutboxMessage


def issues_licence(item: ServiceItem) -> bool:
    """出证 items with a named result issue a licence; 出文 and 审批 results are the decision letter."""
    return item.result_type == ServiceItem.ResultType.CERTIFICATE and bool(item.result_name)


def add_years(day: dt.date, years: int) -> dt.date:
    """The day before the same date ``years`` later (valid through it); 29 Feb counts from 1 Mar."""
    try:
        anniversary = day.replace(year=day.year + years)
    except ValueError:  # 29 February, into a year without one
        anniversary = dt.date(day.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def licence_validity(kind: str, issued_on: dt.date, valid_until: dt.date | None = None) -> dt.date | None:
    """The last valid day: the approver's, else the kind's years, else None (长期有效)."""
    if valid_until is not None:
        return valid_until
    years = LicenceKind.objects.filter(name=kind).values_list("valid_years", flat=True).first()
    return add_years(issued_on, years) if years else None


def licence_number_for(application: Any) -> str:
    """The kind's prefix before the case number: one licence per case, never reused."""
    prefix = LicenceKind.objects.filter(name=application.item.result_name).values_list("number_prefix", flat=True)
    return f"{prefix.first() or ''}{application.number}-Z"


def check_number_free(number: str) -> None:
    """A licence number names one licence for ever (it is how a material is fetched later)."""
    if License.objects.filter(number=number).exists():
        raise ValidationError(
            {"certificate_number": gettext("证照编号 %(number)s 已被使用，请核对。") % {"number": number}}
        )


@transaction.atomic
def record_licence(
    *,
    kind: str,
    number: str,
    holder_type: str,
    holder_id_type: str,
    holder_id_number: str,
    holder_name: str,
    issuer: str,
    issued_on: dt.date,
    valid_until: dt.date | None = None,
    application: Any = None,
) -> License:
    """One licence of one holder in our own table (the demo registry; a grant's licence)."""
    if valid_until is not None and valid_until < issued_on:
        raise ValidationError({"valid_until": gettext("证照有效期截止日期不能早于发证日期。")})
    check_number_free(number)
    return License.objects.create(
        kind=kind,
        number=number,
        holder_type=holder_type,
        holder_id_type=holder_id_type,
        holder_id_digest=id_number_digest(holder_id_number),
        holder_id_masked=mask_id_number(holder_id_number),
        holder_name=holder_name,
        issuer=issuer,
        issued_on=issued_on,
        valid_until=valid_until,
        application=application,
    )


@transaction.atomic
def issue_licence_for_grant(*, application: Any, result: Any, clock: Clock = system_clock) -> License:
    """The grant's licence, to the case's applicant (the party), in the decision's transaction."""
    party = application.party
    licence = License.objects.create(
        kind=application.item.result_name,
        number=result.certificate_number,
        holder_type=party.kind,
        holder_id_type=party.id_type,
        holder_id_digest=party.id_number_digest,
        holder_id_masked=party.id_number_masked,
        holder_name=application.applicant_name or party.name,
        issuer=application.department.name,
        issued_on=result.valid_from or clock.today(),
        valid_until=result.valid_until,
        application=application,
    )
    outbox.enqueue(
        kind="licence_issued", key=f"licence_issued:{licence.pk}", payload={"licence_id": licence.pk}, clock=clock
    )
    return licence


def render_issued_licence(*, message_id: int, clock: Clock = system_clock) -> bool:
    """The worker's half: render and sign the PDF, publish it to the registry; safe to run twice."""
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    if message is None:
        return False
    licence = License.objects.filter(pk=message.payload["licence_id"]).first()
    if licence is not None:
        licence_registry().publish(licence.number, render_licence(licence, clock=clock))
    return outbox.mark_done(message.pk, clock=clock)


def hand_over_licences(*, application: Any, clock: Clock = system_clock) -> list[str]:
    """At delivery: the case's licences are handed over with the result; their numbers, for the timeline."""
    licences = application.licences.filter(delivered_at__isnull=True)
    numbers = list(licences.values_list("number", flat=True))
    licences.update(delivered_at=clock.now())
    return numbers


@transaction.atomic
def revoke_licence(*, licence: License, reason: str, clock: Clock = system_clock) -> License:
    """注销 / 吊销: the licence stays on record, no longer valid, and no longer fills in a material."""
    if not reason.strip():
        raise ValidationError({"reason": gettext("请填写注销（吊销）原因。")})
    locked = License.objects.select_for_update().get(pk=licence.pk)
    if locked.revoked_at is None:
        locked.revoked_at, locked.revocation_reason = clock.now(), reason.strip()[:300]
        locked.save(update_fields=["revoked_at", "revocation_reason"])
    return locked
