"""Staff must complete a second factor (TOTP) before reaching anything but the sign-in pages."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_portal_staff
            and not user.is_verified()
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)
