"""一件事 at the comprehensive window (一窗受理): the bundles waiting for a window, one acceptance for
every part, a walk-in for the whole bundle, and the joined delivery (统一出件).

The bundle's own state, deadline and receipt are applications.services.bundle_intake's; this module
adds what only the window knows: which window (one authorised 收件即受理 for every member item), who
took it in (an ``Intake`` per part), who collected the results.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from applications import services as cases
from applications.access import applications_visible_to
from applications.models import Application, BundleApplication, BundlePart, Delivery, Party
from applications.services import bundle_intake
from applications.services.bundles import Paper, members_of
from applications.transitions import Actor
from catalog.models import Bundle
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition, NotFound, PermissionDenied
from windows import selectors
from windows.models import Window, WindowAuthorization
from windows.services import _record_intake, cross_region_problem, deliver_at_window

S = Application.Status
B = BundleApplication.Status


# --- Who sees a bundle at the window ------------------------------------------------------------------


def get_bundle_application_at_window(clerk: Any, pk: int) -> BundleApplication:
    """A bundle application whose parts this clerk sees as a clerk (applications.access's rule: waiting
    for any authorised window of the region until a hall takes it in, then that hall's); else 404."""
    bundle_application = BundleApplication.objects.select_related("bundle", "party").filter(pk=pk).first()
    if bundle_application is None or bundle_application.status == B.DRAFT:
        raise NotFound(gettext("未找到该一件事申请，或不在您的窗口办理范围内。"))
    visible = applications_visible_to(clerk).filter(bundle_part__bundle_application=bundle_application)
    if not visible.exists():
        raise NotFound(gettext("未找到该一件事申请，或不在您的窗口办理范围内。"))
    return bundle_application


def bundles_at_my_halls(clerk: Any) -> QuerySet[BundleApplication]:
    """Accepted bundles whose parts my halls took in: their one deadline, and 统一出件 when all are done."""
    return (
        BundleApplication.objects.filter(
            status=B.ACCEPTED, parts__application__intake__window__hall__windows__clerks=clerk
        )
        .select_related("bundle", "party")
        .distinct()
        .order_by("due_on", "pk")
    )


# --- Which window takes the bundle in --------------------------------------------------------------------


def _authorizations_at(window: Window, bundle: Bundle) -> tuple[dict[int, WindowAuthorization], list[str]]:
    """Per member id, the window's authorisation; and why each other member may not be taken in here."""
    found: dict[int, WindowAuthorization] = {}
    problems: list[str] = []
    authorizations = {(a.item_code, a.department_id): a for a in window.authorizations.all()}
    for member in members_of(bundle):
        item = member.item
        authorization = authorizations.get((item.code, item.department_id))
        if authorization is None:
            problem = cross_region_problem(window=window, item=item) or gettext(
                "本窗口未获“%(department)s”授权受理“%(item)s”。"
            ) % {"department": item.department.name, "item": item.name}
            problems.append(problem)
        elif authorization.is_cross_region or not authorization.accepts_on_receipt:
            # One acceptance for every part: a window that only receives for the department cannot give it.
            problems.append(
                gettext("本窗口对“%(item)s”仅有收件授权，一件事须由收件即受理的综合窗口统一受理。")
                % {"item": item.name}
            )
        else:
            found[member.pk] = authorization
    return found, problems


def bundle_window(
    clerk: Any, bundle: Bundle, window: Window | None = None
) -> tuple[Window, dict[int, WindowAuthorization]]:
    """The clerk's window (or ``window``) authorised 收件即受理 for every member of the bundle, or 403
    naming what is missing at the clerk's best window."""
    candidates = (
        [window] if window is not None else list(selectors.windows_of(clerk).prefetch_related("authorizations"))
    )
    best: list[str] | None = None
    for candidate in candidates:
        if not candidate.clerks.filter(pk=clerk.pk).exists():
            raise PermissionDenied(gettext("您不在该窗口上岗，不能在此收件。"))
        found, problems = _authorizations_at(candidate, bundle)
        if not problems:
            return candidate, found
        if best is None or len(problems) < len(best):
            best = problems
    raise PermissionDenied(" ".join(best or [gettext("您尚未被安排到任何窗口。")]))


# --- One acceptance ------------------------------------------------------------------------------------------


@transaction.atomic
def take_in_bundle(
    *, clerk: Any, bundle_application: BundleApplication, window: Window | None = None, clock: Clock = system_clock
) -> BundleApplication:
    """一次受理 of a submitted bundle: every part waiting for the window accepted here, in one
    transaction, under the one window that is authorised for all of them; one receipt."""
    get_bundle_application_at_window(clerk, bundle_application.pk)
    _, authorizations = bundle_window(clerk, bundle_application.bundle, window)
    by_application = {p.application_id: p.member_id for p in bundle_application.parts.all()}

    def take_in(application: Application) -> Application:
        authorization = authorizations[by_application[application.pk]]
        _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock)
        return cases.accept_application(
            application=application, actor=clerk, actor_role=Actor.CLERK, receipt=False, clock=clock
        )

    return bundle_intake.accept_bundle_application(
        bundle_application=bundle_application, actor=clerk, take_in=take_in, clock=clock
    )


@transaction.atomic
def file_bundle_walk_in(
    *,
    clerk: Any,
    window: Window,
    bundle: Bundle,
    party: Party,
    form_data: dict[str, Any],
    paper: Paper,
    declaration_signed: bool,
    applicant_name: str = "",
    contact_phone: str = "",
    idempotency_key: str | None = None,
    clock: Clock = system_clock,
) -> BundleApplication:
    """窗口收件 of a whole bundle for a walk-in, accepted at once: one application, one acceptance,
    one receipt. Everything or nothing: a refused intake leaves no bundle, case or material behind."""
    bundle_window(clerk, bundle, window)  # 403 before anything is written
    bundle_application = bundle_intake.file_bundle_walk_in(
        clerk=clerk,
        bundle=bundle,
        party=party,
        applicant_name=applicant_name,
        contact_phone=contact_phone,
        form_data=form_data,
        paper=paper,
        declaration_signed=declaration_signed,
        idempotency_key=idempotency_key,
        clock=clock,
    )
    if bundle_application.status == B.SUBMITTED:
        bundle_application = take_in_bundle(
            clerk=clerk, bundle_application=bundle_application, window=window, clock=clock
        )
    return bundle_application


# --- 统一出件 ---------------------------------------------------------------------------------------------------


def parts_to_deliver(bundle_application: BundleApplication) -> list[BundlePart]:
    return [
        p
        for p in bundle_application.parts.select_related("member__item", "application__party").order_by(
            "member__stage", "member__order", "id"
        )
        if p.state == BundlePart.State.STARTED and p.application.status == S.DECIDED
    ]


@transaction.atomic
def deliver_bundle_at_window(
    *,
    clerk: Any,
    bundle_application: BundleApplication,
    method: str,
    recipient_name: str = "",
    recipient_id_number: str = "",
    tracking_number: str = "",
    originals_checked: Iterable[int] = (),
    clock: Clock = system_clock,
) -> list[Delivery]:
    """统一出件: every decided part handed over together, after one identity check; refused (and
    nothing delivered) while any part is still being handled (applications.bundles.delivery_held)."""
    get_bundle_application_at_window(clerk, bundle_application.pk)
    parts = parts_to_deliver(bundle_application)
    if not parts:
        raise InvalidTransition(gettext("该一件事没有待出件的办理结果。"))
    checked = list(originals_checked)
    return [
        deliver_at_window(
            clerk=clerk,
            application=part.application,
            method=method,
            recipient_name=recipient_name,
            recipient_id_number=recipient_id_number,
            tracking_number=tracking_number,
            originals_checked=checked,
            clock=clock,
        )
        for part in parts
    ]
