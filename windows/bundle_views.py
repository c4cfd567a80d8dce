"""一件事 at the window: the bundles waiting for their one acceptance, one bundle with every part and its
department, the one acceptance (with the bundle's promised date before it is given), the joined
delivery. Thin: the rules are in windows/bundles.py and applications/services/bundle_intake.py."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from applications import bundles
from applications import services as cases
from applications.forms import form_field_views, read_form_data
from applications.forms_runtime import prefill_form_data
from applications.models import Application, BundleApplication, Party
from applications.services import bundle_intake
from applications.services import bundles as bundle_services
from catalog.selectors import published_bundle, published_bundles
from portal.clock import system_clock
from portal.exceptions import DomainError, NotFound, PermissionDenied
from windows import bundles as window_bundles
from windows import selectors
from windows.services import MAX_PIECES
from windows.views import UNPROCESSABLE, clerk_view


@clerk_view
def bundle_list(request: HttpRequest) -> HttpResponse:
    """一件事待受理 (oldest first) and the accepted ones of my halls, with their one deadline."""
    context = {
        "waiting": selectors.bundle_prereview_queue(request.user)[:100],
        "accepted": window_bundles.bundles_at_my_halls(request.user)[:100],
        "walk_in": _walk_in_windows(request.user),
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


def _walk_in_windows(clerk: Any) -> list[tuple[Any, list[Any]]]:
    """Per window of mine, the published bundles it may take in whole (every member 收件即受理)."""
    found = []
    for window in selectors.windows_of(clerk).prefetch_related("authorizations"):
        fits = []
        for bundle in published_bundles():
            try:
                window_bundles.bundle_window(clerk, bundle, window)
            except PermissionDenied:
                continue
            fits.append(bundle)
        found.append((window, fits))
    return found


@clerk_view
@require_http_methods(["GET", "POST"])
def bundle_walk_in(request: HttpRequest, window_id: int, code: str) -> HttpResponse:
    """窗口收件 of a whole bundle for a walk-in: the applicant, the one form, the paper per material,
    the signature; filed and accepted at once (one receipt)."""
    window = selectors.windows_of(request.user).filter(pk=window_id).first()
    if window is None:
        raise NotFound(gettext("未找到该窗口，或您不在该窗口上岗。"))
    bundle = published_bundle(code)
    window_bundles.bundle_window(request.user, bundle, window)  # 403 naming what this window lacks
    definition = [f.as_definition() for f in bundle_services.merged_fields(bundle)]
    asked = bundle_services.asked_materials(bundle)
    posted = request.method == "POST"
    form_data = read_form_data(definition, request.POST) if posted else {}
    problems: dict[str, list[str]] = {}
    if posted:
        paper = {
            bundle_services.key_of(m): (
                _count(request.POST.get(f"originals_{i}")),
                _count(request.POST.get(f"copies_{i}")),
            )
            for i, m in enumerate(asked)
        }
        name, phone = request.POST.get("applicant_name", "").strip(), request.POST.get("phone", "").strip()
        try:
            with transaction.atomic():
                party = cases.register_party(
                    kind=Party.Kind.PERSON,
                    name=name,
                    id_type=Party.IdType.RESIDENT_ID,
                    id_number=request.POST.get("id_number", ""),
                    phone=phone,
                    in_person=True,
                )
                known = {
                    "applicant_name": name,
                    "applicant_id_number": request.POST.get("id_number", ""),
                    "applicant_phone": phone,
                }
                accepted = window_bundles.file_bundle_walk_in(
                    clerk=request.user,
                    window=window,
                    bundle=bundle,
                    party=party,
                    form_data=prefill_form_data(definition, known, form_data),
                    paper=paper,
                    declaration_signed=request.POST.get("declaration") == "on",
                    applicant_name=name,
                    contact_phone=phone,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            messages.success(
                request,
                gettext("一件事已收件并受理，承诺办结日期 %(due_on)s。请打印一件事受理凭证交申请人。")
                % {"due_on": format(accepted.due_on, "%Y-%m-%d")},
            )
            return redirect("windows:bundle", pk=accepted.pk)
    names = {f["name"] for f in definition}
    context = {
        "window": window,
        "bundle": bundle,
        "fields": form_field_views(definition, form_data, problems),
        "materials": list(enumerate(asked)),
        "problems": [m for k, ms in problems.items() if k not in names for m in ms],
        "posted": request.POST if posted else {},
        "idempotency_key": request.POST.get("idempotency_key") if posted else uuid.uuid4().hex,
    }
    return render(request, "windows/bundle_walk_in.html", context, status=UNPROCESSABLE if posted else 200)


def _count(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), MAX_PIECES))
    except ValueError:
        return 0
