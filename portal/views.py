from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

PREFERENCES = {"large_text", "high_contrast"}


@require_POST
def toggle_preference(request: HttpRequest, name: str) -> HttpResponse:
    """适老化: large text and high contrast, kept in a cookie so they work before sign-in."""
    if name not in PREFERENCES:
        return HttpResponseBadRequest(gettext("未知的显示设置。"))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    enabled = request.COOKIES.get(name) != "1"
    response.set_cookie(
        name, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response
