"""The portal's own middleware: crafted input refused before anything reads it, staff kept to the
second factor (TOTP) before reaching anything but the sign-in pages, and pages and files with a case's
or an account's personal data never cached."""

import logging
from collections.abc import Callable, Iterable
from itertools import chain
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.translation import gettext

from portal.exceptions import BadInput, NotFound, RequestTooLarge, error_body
from portal.parsers import UnsafeCharacters, has_unsafe_pairs, is_unsafe_text

logger = logging.getLogger("django.security")

FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
PLAIN_PAGE = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"><title>{title}</title></head>'
    "<body><h1>{title}</h1><p>{message}</p></body></html>"
)


def _refusal(request: HttpRequest, status: int, code: str, message: str, title: str) -> HttpResponse:
    """The API's error body on /api/, elsewhere a plain page that needs no template, session or user."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(code, message), status=status)
    page = PLAIN_PAGE.format(title=escape(title), message=escape(message))
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def _form_pairs(request: HttpRequest) -> Iterable[tuple[str, list[str]]]:
    """The keys and values of a form body that Django parses, with the names of uploaded files."""
    if request.content_type not in FORM_CONTENT_TYPES:
        return []
    if request.method == "POST":
        files = ((key, [f.name or "" for f in uploads]) for key, uploads in request.FILES.lists())
        return chain(request.POST.lists(), files)
    if request.content_type == "application/x-www-form-urlencoded":
        # A PUT or PATCH: Django leaves it to DRF, but reading it here costs the same and keeps one rule.
        return QueryDict(request.body, encoding=request.encoding).lists()
    return []  # a multipart PUT or PATCH: portal.parsers.MultiPartParser checks it


class UnsafeInputMiddleware:
    """404 for a path holding NUL or a lone surrogate, 400 for them in the query string or a form
    body, 413 for a form body past DATA_UPLOAD_MAX_MEMORY_SIZE (portal.parsers says why).

    A ``<str:>`` converter accepts NUL, and PostgreSQL refuses it in the lookup that follows, so the
    path is checked here once rather than in every view. Placed before the session middleware: a
    refused request costs no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_unsafe_text(request.path) or is_unsafe_text(request.path_info):
            return _refusal(request, 404, NotFound.code, NotFound.default_message, gettext("页面不存在"))
        # Files are not counted by DATA_UPLOAD_MAX_MEMORY_SIZE: a body past every upload the portal
        # takes at once is refused by its length, before a byte of it is read.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return _refusal(
                request, 413, RequestTooLarge.code, RequestTooLarge.default_message, gettext("提交的内容过大")
            )
        try:
            is_unsafe = has_unsafe_pairs(request.GET.lists()) or has_unsafe_pairs(_form_pairs(request))
        except RequestDataTooBig:
            logger.warning("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE: %s", request.path)
            return _refusal(
                request, 413, RequestTooLarge.code, RequestTooLarge.default_message, gettext("提交的内容过大")
            )
        except (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError) as exc:
            logger.warning("Unreadable request body (%s): %s", type(exc).__name__, request.path)
            return _refusal(request, 400, BadInput.code, BadInput.default_message, gettext("请求格式不正确"))
        if is_unsafe:
            unsafe = UnsafeCharacters()
            return _refusal(request, 400, unsafe.default_code, str(unsafe.detail), gettext("请求中含有不允许的字符"))
        return self.get_response(request)


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
                return JsonResponse(
                    error_body("otp_required", gettext("请先完成动态验证码验证后再使用接口。")), status=403
                )
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
    "/api/v1/ratings/",
    "/api/v1/rectifications/",
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
