"""Staff must complete a second factor (TOTP) before reaching anything but the sign-in pages."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

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
