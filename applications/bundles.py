"""一件事申请 as the applicant sees it, and the rules its services follow (applications/services/bundles.py).

- **One application.** The applicant fills the bundle's merged form once (catalog.bundles.merged_form)
  and uploads each merged material once. Submitting makes one case (Application) per member, each
  under its own department, with its own fields taken from the merged form and a copy of every
  uploaded file its own list asks for; the declaration is signed once for all of them.
- **Stages.** A part starts (is submitted to its department) when every part of an earlier stage is
  done (decided, refused, withdrawn or returned) and every part whose result it needs
  (``needs_results_of``) was granted; the stage-1 parts start at once, in parallel. A material that
  is an earlier part's result is not asked: the case records it as provided by that result.
- **A part that fails.** A part whose needed result was not granted is not started (``blocked``) and
  the applicant is told why; the parts that do not need it go on. A part asked to correct holds up
  only the later stages; the parts of its own stage go on.
- **Joined delivery (统一出件).** No part's result is delivered while another part is still being
  handled; when every part is done the results go out together (``delivery_held``).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext, gettext_lazy

from applications.models import Application, BundleApplication, BundlePart, Document, TimelineEvent
from applications.transitions import TRANSITIONS
from portal import stored_text

S = Application.Status
DONE = (S.DECIDED, S.CONCLUDED, S.REFUSED, S.WITHDRAWN, S.RETURNED)
JOINED_DELIVERY_RULE = gettext_lazy(
    "统一出件：各事项全部办结后，办理结果一并送达；已作出决定的事项在此之前显示“待统一出件”。"
)


def is_done(part: BundlePart) -> bool:
    return part.state == BundlePart.State.BLOCKED or part.application.status in DONE


def is_granted(part: BundlePart) -> bool:
    return part.application.outcome == Application.Outcome.GRANTED and part.application.status in (
        S.DECIDED,
        S.CONCLUDED,
    )


def parts_of(bundle_application: BundleApplication) -> QuerySet[BundlePart]:
    return bundle_application.parts.select_related("member__item__department", "application")


def awaiting_bundle_intake(application: Application) -> bool:
    """A part of a 一件事 still waiting for the bundle's one acceptance: the window accepts the bundle,
    not this case alone."""
    return BundlePart.objects.filter(
        application=application, bundle_application__status=BundleApplication.Status.SUBMITTED
    ).exists()


def held_for_joined_delivery() -> QuerySet[BundlePart]:
    """For an ``Exists`` over cases: the other parts of the outer case's bundle still being handled,
    so the outer case's result waits for them (统一出件). Empty for a case outside any bundle."""
    return (
        # Joined inside the subquery (not through the outer case's optional bundle_part), so the outer
        # query stays one table that the sweep may lock FOR UPDATE.
        BundlePart.objects.filter(bundle_application__parts__application=OuterRef("pk"))
        .exclude(state=BundlePart.State.BLOCKED)
        .exclude(application__status__in=DONE)
    )


def delivery_held(application: Application) -> str:
    """Why this case's result may not go out yet (统一出件), or ""."""
    part = BundlePart.objects.filter(application=application).first()
    if part is None:
        return ""
    pending = [p.member.item.name for p in parts_of(part.bundle_application) if p.pk != part.pk and not is_done(p)]
    if not pending:
        return ""
    return gettext("本件属于一件事，统一出件：%(pending)s尚未办结，办结后一并出件。") % {"pending": _listed(pending)}


def _listed(names: list[str]) -> str:
    return stored_text.render(stored_text.listed(list(names)))


@dataclass
class PartView:
    part: BundlePart
    name: str
    department: str
    stage: int
    status: str
    light: str
    number: str
    meaning: str
    needed_by: list[str] = field(default_factory=list)


def _meaning(part: BundlePart, needed_by: list[str], needs: list[str]) -> str:
    """What this part's state means for the rest of the bundle, in the applicant's words."""
    application = part.application
    later = gettext("需要其结果的%(names)s") % {"names": _listed(needed_by)} if needed_by else ""
    if part.state == BundlePart.State.BLOCKED:
        return stored_text.shown(part.note_text, part.note)
    if part.state == BundlePart.State.WAITING:
        waits_for = stored_text.render(stored_text.quoted(needs)) if needs else gettext("前一阶段的事项")
        return gettext("等待%(waits_for)s办结后自动申报，无需再次提交。") % {"waits_for": waits_for}
    if application.status == S.CORRECTION_REQUESTED or (
        application.status == S.SUSPENDED and application.correction_due_on
    ):
        if later:
            return gettext("本事项需要补正，请按一次性告知书补正；其他事项照常办理；%(later)s待本事项办结后启动。") % {
                "later": later
            }
        return gettext("本事项需要补正，请按一次性告知书补正；其他事项照常办理。")
    if application.status in DONE and not is_granted(part):
        if later:
            return gettext("本事项未获准予，%(later)s不再启动；其他事项照常办理，办结后统一出件。") % {"later": later}
        return gettext("本事项未获准予；其他事项照常办理，办结后统一出件。")
    return ""


def overview(bundle_application: BundleApplication) -> dict[str, Any]:
    """The bundle page: every part with its status and light, what each means, one timeline, delivery."""
    parts = list(parts_of(bundle_application))
    names = {p.member.item.code: p.member.item.name for p in parts}
    views = []
    for part in parts:
        code = part.member.item.code
        needed_by = [names[p.member.item.code] for p in parts if code in (p.member.needs_results_of or [])]
        application = part.application
        if part.state == BundlePart.State.STARTED:
            status = application.get_status_display()
            if application.status == S.DECIDED:
                status = gettext("%(outcome)s，待统一出件") % {"outcome": application.get_outcome_display()}
        else:
            status = part.get_state_display()
        views.append(
            PartView(
                part=part,
                name=part.member.item.name,
                department=part.member.item.department.name,
                stage=part.member.stage,
                status=status,
                light=application.light if part.state == BundlePart.State.STARTED else "",
                number=application.number or "",
                meaning=_meaning(part, needed_by, [names[c] for c in part.member.needs_results_of or [] if c in names]),
                needed_by=needed_by,
            )
        )
    events = (
        TimelineEvent.objects.filter(application__bundle_part__bundle_application=bundle_application)
        .filter(is_visible_to_applicant=True)
        .exclude(action="start")
        .select_related("application__item")
        .order_by("at", "id")
    )
    timeline = [
        {
            "at": e.at,
            "item": e.application.item.name,
            "note": stored_text.shown(e.data.get("note_text"), e.note)
            or (TRANSITIONS[e.action].label if e.action in TRANSITIONS else e.action),
        }
        for e in events
    ]
    receipt = (
        Document.objects.filter(
            application__bundle_part__bundle_application=bundle_application,
            kind=Document.Kind.ACCEPTANCE_RECEIPT,
            context__has_key="bundle",
        )
        .select_related("application")
        .first()
    )
    return {
        "bundle_application": bundle_application,
        "receipt": receipt,
        "parts": views,
        "timeline": timeline,
        "delivery": delivery_state(parts),
        "joined_delivery_rule": JOINED_DELIVERY_RULE,
    }


def delivery_state(parts: list[BundlePart]) -> str:
    if not parts:
        return ""
    if not all(is_done(p) for p in parts):
        return gettext("办理中")
    if any(p.application.status == S.DECIDED for p in parts):
        return gettext("待统一出件")
    return gettext("已统一出件")
