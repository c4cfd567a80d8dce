"""一件事 at the window: the bundles waiting for their one acceptance, one bundle with every part and its
department, the one acceptance (with the bundle's promised date before it is given), the joined
delivery. Thin: the rules are in windows/bundles.py and applications/services/bundle_intake.py."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from applications import bundles
from applications.models import Application, BundleApplication
from applications.services import bundle_intake
from portal.clock import system_clock
from portal.exceptions import DomainError
from windows import bundles as window_bundles
from windows import selectors
from windows.views import UNPROCESSABLE, clerk_view


@clerk_view
def bundle_list(request: HttpRequest) -> HttpResponse:
    """一件事待受理 (oldest first) and the accepted ones of my halls, with their one deadline."""
    context = {
        "waiting": selectors.bundle_prereview_queue(request.user)[:100],
        "accepted": window_bundles.bundles_at_my_halls(request.user)[:100],
        "today": system_clock.today(),
    }
    return render(request, "windows/bundles.html", context)


def _render(
    request: HttpRequest, bundle_application: BundleApplication, status: int = 200, **extra: Any
) -> HttpResponse:
    today = system_clock.today()
    waiting = bundle_application.status == BundleApplication.Status.SUBMITTED
    deliverable = window_bundles.parts_to_deliver(bundle_application)
    context = {
        **bundles.overview(bundle_application),
        "materials": bundle_intake.receipt_facts(bundle_application)["parts"],
        "can_take_in": waiting,
        "due_if_accepted_today": bundle_intake.bundle_deadline(bundle_application.bundle, today)[0]
        if waiting
        else None,
        "today": today,
        "can_deliver": bool(deliverable) and all(bundles.is_done(p) for p in bundles.parts_of(bundle_application)),
        "recipient_name": bundle_application.applicant_name,
        **extra,
    }
    return render(request, "windows/bundle.html", context, status=status)


@clerk_view
def bundle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, window_bundles.get_bundle_application_at_window(request.user, pk))


@clerk_view
@require_POST
def bundle_take_in(request: HttpRequest, pk: int) -> HttpResponse:
    """一次受理: every part at once, one receipt. A second click gets 409 and changes nothing."""
    bundle_application = window_bundles.get_bundle_application_at_window(request.user, pk)
    accepted = window_bundles.take_in_bundle(clerk=request.user, bundle_application=bundle_application)
    messages.success(
        request,
        gettext("一件事已受理，承诺办结日期 %(due_on)s。请打印一件事受理凭证交申请人。")
        % {"due_on": format(accepted.due_on, "%Y-%m-%d")},
    )
    return redirect("windows:bundle", pk=pk)


@clerk_view
@require_http_methods(["POST"])
def bundle_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """统一出件 at the window: one identity check, every result handed over together."""
    bundle_application = window_bundles.get_bundle_application_at_window(request.user, pk)
    name, number = request.POST.get("recipient_name", "").strip(), request.POST.get("recipient_id_number", "")
    try:
        if not name:
            raise ValidationError({"recipient_name": gettext("请填写领取人姓名。")})
        deliveries = window_bundles.deliver_bundle_at_window(
            clerk=request.user,
            bundle_application=bundle_application,
            method=Application.DeliveryMethod.COLLECT,
            recipient_name=name,
            recipient_id_number=number,
            originals_checked=[int(v) for v in request.POST.getlist("originals_checked") if v.isdigit()],
        )
    except ValidationError as exc:
        return _render(request, bundle_application, status=UNPROCESSABLE, delivery_errors=exc.messages)
    except DomainError as exc:
        if exc.status_code != UNPROCESSABLE:
            raise
        return _render(request, bundle_application, status=UNPROCESSABLE, delivery_errors=[exc.message])
    messages.success(
        request,
        gettext("已统一出件：%(count)s 项办理结果一并交付，请打印送达回证由领取人签收。") % {"count": len(deliveries)},
    )
    return redirect("windows:bundle", pk=pk)
