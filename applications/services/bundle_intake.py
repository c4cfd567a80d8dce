"""一件事 at the comprehensive window: one acceptance and one receipt for every part (一窗受理).

The window (windows.bundles) decides which window and authorisation take each part in; this module
keeps what belongs to the bundle: its state, the one acceptance day, the bundle's own promised limit
counted from it (working days, portal.workdays), and the one receipt that lists every part and its
department. The later parts are accepted by ``advance_bundle`` when their turn comes.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from applications.forms_runtime import encrypt_id_numbers
from applications.models import Application, BundleApplication, BundlePart, Document
from applications.services.bundles import (
    Paper,
    check_bundle_open,
    check_bundle_party,
    merged_fields,
    submit_bundle_application,
)
from applications.services.core import _new_document
from applications.transitions import Actor
from catalog.models import Bundle
from portal import workdays
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition

B = BundleApplication.Status
S = Application.Status


def bundle_deadline(bundle: Bundle, accepted_on: Any) -> tuple[Any, bool]:
    """The bundle's promised completion day: ``promised_days`` working days after the acceptance
    (the day of acceptance does not count; holidays and 调休 as in portal.workdays), and whether it
    rests on a provisional calendar."""
    due = workdays.add_workdays(accepted_on, bundle.promised_days)
    return due, workdays.is_provisional(due)


def parts_to_take_in(bundle_application: BundleApplication) -> list[BundlePart]:
    """The parts the one acceptance covers: those started and waiting for the window."""
    return [
        p
        for p in bundle_application.parts.select_related("member__item__department", "application").order_by(
            "member__stage", "member__order", "id"
        )
        if p.state == BundlePart.State.STARTED and p.application.status == S.SUBMITTED
    ]


@transaction.atomic
def accept_bundle_application(
    *,
    bundle_application: BundleApplication,
    actor: Any,
    take_in: Callable[[Application], Application],
    clock: Clock = system_clock,
) -> BundleApplication:
    """一次受理: every part waiting for the window accepted through ``take_in`` (the window's own
    受理 of one case, without a receipt of its own), the bundle's deadline set, one receipt issued.

    One transaction: a part the window may not accept leaves every part as it was. The bundle's row
    is locked first, so a second clerk (or a double click) waits and then gets 409.
    """
    locked = BundleApplication.objects.select_for_update().select_related("bundle").get(pk=bundle_application.pk)
    if locked.status != B.SUBMITTED:
        raise InvalidTransition(
            gettext("该一件事申请当前状态为“%(status)s”，不能受理。") % {"status": locked.get_status_display()},
            detail={"status": locked.status, "action": "accept"},
        )
    parts = parts_to_take_in(locked)
    if not parts:
        raise InvalidTransition(gettext("该一件事没有等待窗口受理的事项。"))
    for part in parts:
        take_in(part.application)
    on = clock.today()
    due, provisional = bundle_deadline(locked.bundle, on)
    locked.status, locked.accepted_on, locked.accepted_by = B.ACCEPTED, on, actor
    locked.due_on, locked.is_provisional_deadline = due, provisional
    locked.save(update_fields=["status", "accepted_on", "accepted_by", "due_on", "is_provisional_deadline"])
    lead = parts[0].application
    _new_document(
        lead,
        Document.Kind.ACCEPTANCE_RECEIPT,
        {"accepted_on": on.isoformat(), "due_on": lead.due_on.isoformat(), "bundle": receipt_facts(locked)},
        clock,
    )
    return locked


def receipt_facts(bundle_application: BundleApplication) -> dict[str, Any]:
    """What the one receipt says of the bundle: its limit and date, and every part with its department."""
    bundle = bundle_application.bundle
    parts = []
    for part in bundle_application.parts.select_related("member__item__department", "application").order_by(
        "member__stage", "member__order", "id"
    ):
        application = part.application
        materials = application.materials.filter(is_current=True).select_related("requirement")
        parts.append(
            {
                "name": part.member.item.name,
                "department": part.member.item.department.name,
                "stage": part.member.stage,
                "number": application.number or "",
                "state": gettext("已受理")
                if application.status == S.IN_REVIEW
                else gettext("前序事项办结后自动受理，无需再次提交"),
                "item_due_on": application.due_on.isoformat() if application.due_on else None,
                "materials": [
                    {
                        "name": m.requirement.name,
                        "originals": m.originals_received,
                        "copies": m.copies_received,
                        "electronic": bool(m.file),
                        "licence_number": m.licence_number,
                        "note": m.original_name if not m.file and not m.licence_number else "",
                    }
                    for m in materials.order_by("requirement__order", "id")
                ],
            }
        )
    return {
        "name": bundle.name,
        "promised_days": bundle.promised_days,
        "bundle_due_on": bundle_application.due_on.isoformat() if bundle_application.due_on else None,
        "parts": parts,
    }


@transaction.atomic
def file_bundle_walk_in(
    *,
    clerk: Any,
    bundle: Bundle,
    party: Any,
    applicant_name: str,
    contact_phone: str,
    form_data: dict[str, Any],
    paper: Paper,
    declaration_signed: bool,
    idempotency_key: str | None = None,
    clock: Clock = system_clock,
) -> BundleApplication:
    """窗口收件 of a whole bundle for a walk-in: one application, its paper per merged material, the
    signed declaration; submitted at once (the window accepts it in the same request). The same key
    returns the first one (a double click); a refused intake leaves nothing behind."""
    if idempotency_key:
        earlier = BundleApplication.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.channel != BundleApplication.Channel.WINDOW or earlier.party_id != party.pk:
                raise InvalidTransition(gettext("该请求标识已被使用。"))
            return earlier
    check_bundle_open(bundle, clock=clock, online=False)
    check_bundle_party(bundle, party)
    draft = BundleApplication.objects.create(
        bundle=bundle,
        applicant_user=None,
        party=party,
        acting_as=Application.ActingAs.SELF,
        applicant_name=(applicant_name or party.name)[:200],
        contact_phone=contact_phone or party.phone or "",
        channel=BundleApplication.Channel.WINDOW,
        idempotency_key=idempotency_key,
    )
    definition = [f.as_definition() for f in merged_fields(bundle)]
    names = {f["name"] for f in definition}
    draft.form_data = encrypt_id_numbers(definition, {k: v for k, v in form_data.items() if k in names})
    draft.save(update_fields=["form_data"])
    return submit_bundle_application(
        bundle_application=draft,
        actor=clerk,
        actor_role=Actor.CLERK,
        declaration=declaration_signed,
        paper=paper,
        clock=clock,
    )
