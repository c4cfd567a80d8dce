"""The applicant's 好差评 pages: my ratings, rating one service, rating the handling of a bad one.

A case's rating page is reached from the case page, the invitation, or the QR code on its receipt and
result notice (``?via=qr``). Signed in as its applicant, the account rates; anyone else holding the
receipt rates with its 查询码 (POST only, so the code never lands in a URL), except staff, who never
rate on an applicant's behalf. Another person's case is 404 as everywhere.
"""

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.access import applications_visible_to_applicant
from applications.models import Application
from portal.exceptions import BadInput, DomainError, NotFound, PermissionDenied, render_error
from portal.models import Role
from reviews import evaluations, rectifications, selectors
from reviews.forms import FollowUpForm, RatingForm
from reviews.models import Evaluation, Indicator, ProblemReport, Rectification
from reviews.policies import policy_for

UNPROCESSABLE = 422


VIA = {"qr": Evaluation.Channel.QR, "sms": Evaluation.Channel.SMS}


def _channel(request: HttpRequest) -> str:
    """Where the rating came from: the receipt's QR code, the invitation's text message, or the pages."""
    via = request.GET.get("via") or request.POST.get("via")
    if via in VIA:
        return VIA[via]
    agent = request.headers.get("User-Agent", "")
    return Evaluation.Channel.MOBILE if "Mobi" in agent else Evaluation.Channel.PC


def _own_case(request: HttpRequest, number: str) -> Application | None:
    if not request.user.is_authenticated:
        return None
    return (
        applications_visible_to_applicant(request.user)
        .filter(number=number)
        .select_related("item", "department")
        .first()
    )


@login_required
@require_safe
def my_ratings(request: HttpRequest) -> HttpResponse:
    """待评价 and 已评价: the concluded (and refused) cases of the parties I act for."""
    cases = list(selectors.rateable_cases_of(request.user)[:100])
    pending = [c for c in cases if not hasattr(c, "evaluation")]
    rated = [c for c in cases if hasattr(c, "evaluation")]
    reports = ProblemReport.objects.filter(reporter=request.user).order_by("-created_at")[:50]
    return render(request, "reviews/my_ratings.html", {"pending": pending, "rated": rated, "problems": reports})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, number: str) -> HttpResponse:
    application = _own_case(request, number)
    if application is None:
        return _rate_with_code(request, number)
    options = evaluations.indicators_for(Indicator.Scope.ONLINE)
    form = RatingForm(request.POST or None, options=options)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                evaluations.rate_application(
                    application=application, user=request.user, rating=form.rating(), channel=_channel(request)
                )
            except DomainError as exc:
                if exc.status_code != UNPROCESSABLE:
                    return render_error(request, exc)
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("感谢您的评价！"))
                return redirect("ratings:rate", number=number)
        status = UNPROCESSABLE
    evaluation = Evaluation.objects.filter(application=application).select_related("rectification").first()
    rectification = getattr(evaluation, "rectification", None) if evaluation else None
    context = {
        "application": application,
        "state": evaluations.rating_state(application),
        "evaluation": evaluation,
        "rectification": rectification,
        "form": form,
        "options": options,
        "follow_up_form": FollowUpForm()
        if rectification and rectification.status == Rectification.Status.FOLLOW_UP
        else None,
        "via": request.GET.get("via", ""),
        # The region's rule (default 5 working days), not a number written into the page.
        "rectification_days": policy_for(application.department).rectification_workdays,
    }
    return render(request, "reviews/rate.html", context, status=status)


def _rate_with_code(request: HttpRequest, number: str) -> HttpResponse:
    """Not the signed-in applicant's case: the receipt's 查询码 proves it (the QR path without an account)."""
    if request.user.is_authenticated and request.user.is_portal_staff:
        return render_error(request, PermissionDenied(_("工作人员不能代申请人评价。请申请人本人扫码或登录后评价。")))
    options = evaluations.indicators_for(Indicator.Scope.ONLINE)
    form = RatingForm(request.POST or None, options=options)
    status, done = 200, False
    if request.method == "POST":
        code = request.POST.get("access_code", "")
        if form.is_valid():
            try:
                if len(code) > 12 or not code.strip():
                    raise BadInput(_("请填写受理凭证或办结通知上的查询码。"))
                evaluations.rate_with_code(
                    number=number,
                    access_code=code,
                    rating=form.rating(),
                    ip=get_client_ip_address(request) or None,
                    channel=_channel(request),
                )
                done = True
            except DomainError as exc:
                if exc.status_code not in (UNPROCESSABLE, 400, 404, 409):
                    return render_error(request, exc)
                form.add_error(None, exc.message)
                status = exc.status_code
        else:
            status = UNPROCESSABLE
    context = {"number": number, "form": form, "options": options, "done": done, "via": request.GET.get("via", "")}
    return render(request, "reviews/rate_with_code.html", context, status=status)


@login_required
@require_POST
def follow_up(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant rates how their bad rating was handled (回访)."""
    application = _own_case(request, number)
    rectification = Rectification.objects.filter(evaluation__application=application).first() if application else None
    if rectification is None:
        return render_error(request, NotFound(_("未找到该整改事项，或您无权查看。")))
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择对整改结果的满意度。"))
        return redirect("ratings:rate", number=number)
    try:
        rectifications.follow_up(
            rectification=rectification,
            actor=request.user,
            level=form.cleaned_data["level"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(request, _("感谢您的反馈，整改事项已办结。"))
    return redirect("ratings:rate", number=number)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def rate_by_phone(request: HttpRequest) -> HttpResponse:
    """12345's desk: the operator types the rating the caller gives, with the case number and 查询码 the
    caller reads from the receipt."""
    if not request.user.has_role(Role.HOTLINE):
        return render_error(request, PermissionDenied(_("只有 12345 热线坐席可以录入电话评价。")))
    options = evaluations.indicators_for(Indicator.Scope.ONLINE)
    form = RatingForm(request.POST or None, options=options)
    status, done = 200, None
    if request.method == "POST":
        number, code = request.POST.get("number", "").strip(), request.POST.get("access_code", "")
        if form.is_valid():
            try:
                if not number or not code.strip() or len(number) > 40 or len(code) > 12:
                    raise BadInput(_("请填写办件编号和查询码。"))
                done = evaluations.rate_by_phone(
                    operator=request.user, number=number, access_code=code, rating=form.rating()
                )
                form = RatingForm(options=options)
            except DomainError as exc:
                if exc.status_code not in (UNPROCESSABLE, 400, 404, 409, 429):
                    return render_error(request, exc)
                form.add_error(None, exc.message)
                status = exc.status_code
        else:
            status = UNPROCESSABLE
    context = {
        "form": form,
        "options": options,
        "done": done,
        "via": "",
        "number": "" if done else request.POST.get("number", ""),
    }
    return render(request, "reviews/rate_by_phone.html", context, status=status)
