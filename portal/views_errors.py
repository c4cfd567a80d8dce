"""The handlers Django calls for 400, 403, 404 and 500 (portal/urls.py names them).

Pages in the portal's layout and language; under /api/ the API's ``{"code", "message", "detail"}``
body instead, also for a route that does not exist and for an error no view caught. While the
database is down (OperationalError, InterfaceError) the 500 handler answers 503 "服务暂时不可用".

The 500 and 503 pages render without the request: no context processor, no session, no user, so
they need nothing that has just failed (the database above all).
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from portal.exceptions import BadInput, NotFound, PermissionDenied, error_body

# How long a client is told to wait while the database is away (Retry-After, seconds).
RETRY_AFTER_SECONDS = 30


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error_body(code, message), status=status)
    return render(request, f"{status}.html", {"message": message}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 400, BadInput.code, _("请求无法处理：提交的内容或地址格式不正确。"))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, PermissionDenied.code, _("您无权访问此页面或执行此操作。"))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, NotFound.code, _("您访问的页面不存在，或您无权查看。"))


def database_is_down(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except`: the exception being handled says what failed.
    if database_is_down(sys.exc_info()[1]):
        status, code, message = 503, "service_unavailable", _("服务暂时不可用，请稍后再试。")
    else:
        status, code, message = 500, "server_error", _("服务器出现错误，请稍后再试。我们已记录此问题。")
    if _is_api(request):
        response: HttpResponse = JsonResponse(error_body(code, message), status=status)
    else:
        # No request passed: the context processors (user, counts, unread notices) stay out.
        context = {
            "message": message,
            "PORTAL_NAME": _(settings.PORTAL_NAME),
            "SERVICE_HOTLINE": settings.SERVICE_HOTLINE,
        }
        response = HttpResponse(loader.get_template(f"{status}.html").render(context), status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
