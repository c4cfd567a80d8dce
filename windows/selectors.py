"""Reads of the clerk's workbench: my windows, what they may take in, and the two queues.

The queues follow the same rule as applications.access: an online case waits for every window
authorised for its item until one hall takes it in; from then on it belongs to that hall.
"""

from typing import Any

from django.db.models import Q, QuerySet

from applications.access import home_delivery_filter, remembered
from applications.models import Application, BundleApplication
from catalog.models import ServiceItem
from catalog.selectors import published_items
from windows.models import ServiceHall, Window, WindowAuthorization

S = Application.Status


def windows_of(clerk: Any) -> QuerySet[Window]:
    return Window.objects.filter(clerks=clerk).select_related("hall").order_by("hall__name", "number")


def halls_of(clerk: Any) -> QuerySet[ServiceHall]:
    return ServiceHall.objects.filter(windows__clerks=clerk).distinct()


def authorizations_of(clerk: Any, window: Window | None = None) -> QuerySet[WindowAuthorization]:
    authorizations = WindowAuthorization.objects.filter(window__clerks=clerk).select_related("window", "department")
    return authorizations.filter(window=window) if window is not None else authorizations


def authorization_for(clerk: Any, application: Application) -> WindowAuthorization | None:
    """The authorisation under which this clerk takes the case in.

    The window that took the case in comes first (a walk-in), then any of the clerk's windows. Asked
    by the API and again by the service within one request: remembered on the loaded case.
    """
    if application.pk is None:  # a walk-in case being made
        return _authorization_for(clerk, application)
    key = ("authorization", clerk.pk, application.status)
    return remembered(application, key, lambda: _authorization_for(clerk, application))


def _authorization_for(clerk: Any, application: Application) -> WindowAuthorization | None:
    authorizations = authorizations_of(clerk).filter(
        item_code=application.item.code, department=application.department_id
    )
    intake = getattr(application, "intake", None) if application.pk else None
    if intake is not None:
        at_intake_window = authorizations.filter(window=intake.window_id).first()
        if at_intake_window is not None:
            return at_intake_window
        authorizations = authorizations.filter(window__hall=intake.window.hall_id)
    return authorizations.order_by("-accepts_on_receipt", "window__number").first()


def authorized_items(clerk: Any, window: Window) -> QuerySet[ServiceItem]:
    """The published items this window may take in, by the departments' authorisations."""
    rule = Q(pk__in=[])
    for code, department_id in authorizations_of(clerk, window).values_list("item_code", "department"):
        rule |= Q(code=code, department_id=department_id)
    return published_items().filter(rule, accepts_at_window=True).order_by("name", "code")


def _at_my_halls(clerk: Any) -> Q:
    # A window of another region (跨域通办) takes walk-ins only: online cases wait for the home windows,
    # which also see the cases taken in across regions once decided (applications.access).
    authorized = WindowAuthorization.objects.filter(window__clerks=clerk, is_cross_region=False)
    waiting = Q(
        intake__isnull=True,
        item__code__in=authorized.values("item_code"),
        department__in=authorized.values("department"),
    )
    return waiting | home_delivery_filter(clerk) | Q(intake__window__hall__in=halls_of(clerk))


def prereview_queue(clerk: Any) -> QuerySet[Application]:
    """Submissions waiting for a window's outcome: online ones for my items, and my hall's, oldest first.
    The parts of a 一件事 waiting for its one acceptance are in ``bundle_prereview_queue`` instead."""
    return (
        Application.objects.filter(status=S.SUBMITTED)
        .filter(_at_my_halls(clerk))
        .exclude(bundle_part__bundle_application__status=BundleApplication.Status.SUBMITTED)
        .select_related("item", "party", "department")
        .order_by("submitted_at", "pk")
    )


def bundle_prereview_queue(clerk: Any) -> QuerySet[BundleApplication]:
    """一件事 submitted and waiting for their one acceptance, with a part for my items, oldest first."""
    waiting = Application.objects.filter(status=S.SUBMITTED).filter(_at_my_halls(clerk))
    return (
        BundleApplication.objects.filter(status=BundleApplication.Status.SUBMITTED, parts__application__in=waiting)
        .select_related("bundle", "party")
        .distinct()
        .order_by("submitted_at", "pk")
    )


def delivery_queue(clerk: Any) -> QuerySet[Application]:
    """Decided cases of my halls waiting to be handed over, oldest decision first."""
    return (
        Application.objects.filter(status=S.DECIDED)
        .filter(_at_my_halls(clerk))
        .select_related("item", "party", "department")
        .prefetch_related("fee_assessments")
        .order_by("decided_at", "pk")
    )
