"""The portal's error hierarchy and the one place that turns errors into responses.

Services raise these; the DRF handler below and ``render_error`` for HTML map them to
``{"code", "message", "detail"}`` and a status: 404 what the user may not see, 403 an action the
user may not take, 409 a state that does not allow the action, 422 a domain rule, 400 bad input.
"""

from typing import Any

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response


class DomainError(Exception):
    """A domain rule refused the request (HTTP 422)."""

    code = "domain_error"
    status_code = 422
    default_message = gettext_lazy("请求不符合业务规则。")

    def __init__(self, message: str | None = None, *, detail: Any = None, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        if code:
            self.code = code
        super().__init__(self.message)


class InvalidTransition(DomainError):
    """The current state does not allow the action, or a concurrent change got there first (409)."""

    code = "invalid_transition"
    status_code = 409
    default_message = gettext_lazy("当前状态不允许此操作，或已被他人处理，请刷新后重试。")


class PermissionDenied(DomainError):
    """The user sees the object but may not take this action (403)."""

    code = "permission_denied"
    status_code = 403
    default_message = gettext_lazy("您无权执行此操作。")


class NotFound(DomainError):
    """The object does not exist or the user may not see it (404)."""

    code = "not_found"
    status_code = 404
    default_message = gettext_lazy("未找到该对象，或您无权查看。")


class Throttled(DomainError):
    """Too many attempts of something guessable (a code, a password) in a while."""

    code = "throttled"
    status_code = 429
    default_message = gettext_lazy("尝试次数过多，请稍后再试。")


class BadInput(DomainError):
    """Malformed input (400)."""

    code = "bad_input"
    status_code = 400
    default_message = gettext_lazy("提交的内容格式不正确。")


class ServiceUnavailable(DomainError):
    """An outside service (real-name check, payment, SMS gateway) failed or gave no usable answer (503)."""

    code = "service_unavailable"
    status_code = 503
    default_message = gettext_lazy("外部服务暂时不可用，请稍后再试。")


class RequestTooLarge(DomainError):
    """The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (413)."""

    code = "request_too_large"
    status_code = 413
    default_message = gettext_lazy("提交的内容过大，请减少内容或分多次提交。")


class CsrfFailed(drf_exceptions.PermissionDenied):
    """A session-authenticated API call without a valid CSRF token (portal.authentication)."""

    default_code = "csrf_failed"
    default_detail = gettext_lazy("页面的安全校验已失效（CSRF），请刷新页面后重试。")


# DRF messages that repeat the refused input ('"{input}" is not a valid choice.'). The input may be
# anything, including text that cannot be encoded, so these get a fixed message instead.
ECHOING_MESSAGES = {
    "invalid_choice": gettext_lazy("不是有效的选项。"),
    "does_not_exist": gettext_lazy("所选对象不存在。"),
}


def without_echoed_input(detail: Any) -> Any:
    """ValidationError detail with the messages that quote the input replaced by fixed ones."""
    if isinstance(detail, dict):
        return {key: without_echoed_input(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [without_echoed_input(value) for value in detail]
    if isinstance(detail, drf_exceptions.ErrorDetail) and detail.code in ECHOING_MESSAGES:
        return drf_exceptions.ErrorDetail(ECHOING_MESSAGES[detail.code], code=detail.code)
    return detail


def django_messages(errors: list[DjangoValidationError]) -> list[str]:
    """The messages of Django validation errors, those that quote the input replaced by fixed ones
    (a model field's "Value %(value)r is not a valid choice.")."""
    return [ECHOING_MESSAGES.get(error.code or "", m) for error in errors for m in error]


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: rest_framework.views loads the authentication classes of the settings, and
    # portal.authentication imports this module.
    from rest_framework.views import exception_handler as drf_default_handler

    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        # Too many fields or files, a malformed body: Django would answer with its HTML 400 page.
        exc = BadInput()
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = {field: django_messages(errors) for field, errors in exc.error_dict.items()}
        else:
            detail = django_messages(exc.error_list)
        return Response(error_body("validation_error", gettext("提交的内容未通过校验。"), detail), status=422)
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = error_body("bad_input", BadInput.default_message, without_echoed_input(response.data))
    elif isinstance(exc, (Http404, drf_exceptions.NotFound)):
        response.data = error_body("not_found", NotFound.default_message)
    elif isinstance(exc, CsrfFailed):
        response.data = error_body(CsrfFailed.default_code, str(CsrfFailed.default_detail))
    elif isinstance(exc, (DjangoPermissionDenied, drf_exceptions.PermissionDenied)):
        response.data = error_body("permission_denied", PermissionDenied.default_message)
    elif isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        response.data = error_body("not_authenticated", gettext("请先登录。"))
    elif isinstance(exc, drf_exceptions.Throttled):
        response.data = error_body("throttled", gettext("请求过于频繁，请稍后再试。"), {"wait": exc.wait})
    elif isinstance(exc, drf_exceptions.APIException):
        response.data = error_body(exc.default_code, str(exc.detail))
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data = error_body("method_not_allowed", gettext("不支持该请求方法。"))
    return response


def render_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The HTML counterpart of the API handler: one template, the same code and status."""
    return render(
        request,
        "portal/error.html",
        {"code": exc.code, "message": exc.message, "detail": exc.detail},
        status=exc.status_code,
    )
