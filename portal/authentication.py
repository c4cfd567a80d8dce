"""How the API knows its caller: a bearer key (portal.tokens) first, so an anonymous call is
answered 401 with ``WWW-Authenticate: Bearer`` (DRF asks the first class for the challenge), then
the browser's session, whose CSRF failure gets its own error code."""

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from portal.exceptions import CsrfFailed
from portal.models import ApiToken, User
from portal.tokens import active_token_for_key


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(gettext("令牌格式不正确。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(gettext("令牌格式不正确。")) from None
        token = active_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(gettext("令牌无效、已过期或已被撤销，请重新获取。"))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed() from exc


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": gettext(
                "POST /api/v1/auth/token/ 获取的令牌，放在 Authorization: Bearer <token> 头中；"
                "有效期 API_TOKEN_TTL_HOURS 小时，DELETE /api/v1/auth/token/ 撤销。"
            ),
        }


class PortalSessionScheme(SessionScheme):
    target_class = SessionAuthentication
