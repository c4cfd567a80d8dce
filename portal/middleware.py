"""Request-wide rules: staff complete a second factor (TOTP) before reaching anything but the sign-in
pages; pages and files with a case's or an account's personal data are never cached."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from portal.exceptions import error_body

# What a signed-in member of staff may reach before the second factor: the pages that get them
# through it or out, and the display preferences in the header.
EXEMPT_URL_NAMES = frozenset(
    {"accounts:login", "accounts:logout", "accounts:otp_verify", "portal:toggle_preference", "set_language"}
)


def _is_exempt(request: HttpRequest) -> bool:
    if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
        return True
    try:
        return resolve(request.path_info).view_name in EXEMPT_URL_NAMES
    except Resolver404:
        return False


class StaffSecondFactorMiddleware:
    """Send staff who signed in with a password only to the TOTP page; citizens pass.

    Runs after django_otp's OTPMiddleware, which installs ``user.is_verified()``. Session-authenticated
    API calls get a 403 instead of a redirect: the password alone must not reach staff APIs either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_portal_staff
            and not user.is_verified()
            and not _is_exempt(request)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("otp_required", "请先完成动态验证码验证后再使用接口。"), status=403)
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:otp_verify')}?{query}")
        return self.get_response(request)


# Everything under these paths may carry a case's or an account's personal data: the applicant's,
# the clerk's and the reviewer's case pages and drafts, materials, letters, documents, the case APIs,
# the profile and the agents' letters, the notifications (which name cases).
PRIVATE_PATH_PREFIXES = (
    "/applications/",
    "/hall/",
    "/review/",
    "/accounts/",
    "/notifications/",
    "/api/v1/applications/",
    "/api/v1/extensions/",
    "/api/v1/hall/",
    "/api/v1/review/",
)


class PrivateResponseMiddleware:
    """``Cache-Control: private, no-store`` (and no-cache, max-age=0) on every response under the
    private paths, so that no shared proxy keeps a case and no browser keeps it on disk after a
    sign-out on a hall kiosk. One rule for every view, download and API, including error pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PATH_PREFIXES):
            add_never_cache_headers(response)
        return response
