"""一次一评 pages: the clerk's 请评价 button, and the window tablet's page the applicant touches."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.access import VIEW, get_application_for
from portal.exceptions import DomainError, NotFound, render_error
from reviews import evaluations, tablets
from reviews.forms import RatingForm
from reviews.models import Indicator, TabletSession
from reviews.policies import policy_for

UNPROCESSABLE = 422


@login_required
@require_POST
def open_session(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application, _role = get_application_for(request.user, number, VIEW)
        session = tablets.open_session(clerk=request.user, application=application)
    except DomainError as exc:
        return render_error(request, exc)
    return redirect("ratings:tablet_opened", pk=session.pk)


@login_required
@require_safe
def opened(request: HttpRequest, pk: int) -> HttpResponse:
    session = (
        TabletSession.objects.filter(pk=pk, clerk=request.user).select_related("window__hall", "application").first()
    )
    if session is None:
        return render_error(request, NotFound(_("未找到该评价。")))
    # Only that the session is open: the tablet's address never reaches the clerk, who could open it
    # on their own screen and rate themselves (it is installed with `manage.py tablet_address`).
    rated = evaluations.rating_state(session.application) == "rated"
    context = {"session": session, "rated": rated}
    return render(request, "reviews/tablet_opened.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tablet(request: HttpRequest, window_id: int, key: str) -> HttpResponse:
    """The tablet's one page: waiting, or the open service's rating form; after a rating, thanks."""
    try:
        tablets.check_tablet_key(window_id, key)
    except DomainError as exc:
        return render_error(request, exc)
    session = tablets.current_session(window_id)
    options = evaluations.indicators_for(Indicator.Scope.HALL)
    form = RatingForm(request.POST or None, options=options)
    status, thanks = 200, False
    if request.method == "POST":
        if form.is_valid():
            try:
                tablets.rate_on_tablet(
                    window_id=window_id,
                    session_id=int(request.POST.get("session") or 0),
                    rating=form.rating(),
                    user=request.user,
                )
                thanks, session = True, None
            except (DomainError, ValueError) as exc:
                if isinstance(exc, DomainError) and exc.status_code not in (UNPROCESSABLE, 404, 409):
                    return render_error(request, exc)
                form.add_error(None, exc.message if isinstance(exc, DomainError) else _("评价已失效，请重试。"))
                status = getattr(exc, "status_code", 400)
        else:
            status = UNPROCESSABLE
    days = policy_for(session.application.department).rectification_workdays if session else None
    context = {
        "session": session,
        "form": form,
        "options": options,
        "thanks": thanks,
        "via": "",
        "rectification_days": days,
    }
    return render(request, "reviews/tablet.html", context, status=status)
