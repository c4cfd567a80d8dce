"""What every API of the portal shares (the error body and its documented responses), and
/api/v1/auth/token/: POST signs a client in with username and password and returns an expiring key
(portal.tokens), once; DELETE revokes the key in use (or, with ``all=true``, every key of its user).

Staff must also give a TOTP code, as on the HTML sign-in: a key is a session that never asked for
the second factor otherwise. django-axes sees every attempt, because ``authenticate`` gets the
request; a locked-out account gets 429 with the usual error body.
"""

from axes.helpers import get_client_ip_address
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import lockout, services, tokens
from portal.authentication import BearerTokenAuthentication
from portal.exceptions import BadInput, error_body
from portal.models import ApiToken


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (portal.exceptions.api_exception_handler)."""

    code = serializers.CharField(help_text=gettext_lazy("机器可读的错误代码，如 not_found、validation_error"))
    message = serializers.CharField(help_text=gettext_lazy("给用户看的中文说明"))
    detail = serializers.JSONField(allow_null=True, help_text=gettext_lazy("逐字段的错误信息或补充数据"))


def error_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


ERROR_400 = error_response(gettext_lazy("请求格式不正确（detail 按字段列出）"))
ERROR_401 = error_response(gettext_lazy("未登录或令牌无效"))
ERROR_403 = error_response(gettext_lazy("无权执行此操作"))
ERROR_404 = error_response(gettext_lazy("不存在或无权查看"))
ERROR_409 = error_response(gettext_lazy("当前状态不允许此操作，或已被他人处理"))
ERROR_422 = error_response(gettext_lazy("不符合业务规则（detail 按字段列出）"))
ERROR_429 = error_response(gettext_lazy("请求过于频繁"))


class IsVerifiedStaff(BasePermission):
    """Staff who passed the second factor: with an API key (issued to staff only after TOTP, see
    TokenApi) or with a session whose TOTP step is done. StaffSecondFactorMiddleware already stops
    password-only staff sessions; this check also holds for any other way DRF authenticates a user."""

    message = gettext_lazy("请使用工作人员账号登录并完成动态验证码验证。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_portal_staff):
            return False
        if isinstance(request.auth, ApiToken):
            return True
        is_verified = getattr(user, "is_verified", None)
        return bool(is_verified and is_verified())


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text=gettext_lazy("手机号码、电子邮箱或工作人员用户名"))
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.RegexField(
        r"^\d{6}$", required=False, help_text=gettext_lazy("工作人员必填：验证器应用中当前显示的 6 位动态验证码")
    )


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=gettext_lazy("请求时放在 Authorization: Bearer <token> 头中；只显示这一次"))
    token_type = serializers.CharField(help_text=gettext_lazy("固定为 Bearer"))
    expires_at = serializers.DateTimeField(help_text=gettext_lazy("过期时间，之后须重新获取"))


class TokenRevokeQuerySerializer(serializers.Serializer):
    all = serializers.BooleanField(default=False, help_text=gettext_lazy("为 true 时撤销该用户的全部令牌"))


class TokenApi(APIView):
    authentication_classes = [BearerTokenAuthentication]

    def get_authenticators(self) -> list[BaseAuthentication]:
        # Signing in is a credentials exchange: no session (and so no CSRF), and a stale key sent
        # out of habit must not stand in the way of getting a new one.
        # (drf-spectacular asks before it sets the request.)
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        # Other methods than these two answer 405, not 401.
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        tags=[gettext_lazy("认证")],
        summary=gettext_lazy("获取 API 令牌"),
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: error_response(gettext_lazy("账号、密码或动态验证码不正确")),
            409: error_response(gettext_lazy("尚未绑定动态验证码设备")),
            422: error_response(gettext_lazy("动态验证码错误次数过多")),
            429: error_response(gettext_lazy("账号已被暂时锁定、该网络地址登录失败次数过多，或请求过于频繁")),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        username = data["username"].strip()
        # Accounts registered by e-mail keep it in lower case as their username (portal.forms.LoginForm).
        if "@" in username:
            username = username.lower()
        lockout.check_ip_may_sign_in(get_client_ip_address(request) or None)
        # The DRF request, not request._request: django-axes marks it when the account is locked out,
        # and a mark on the Django request would make AxesMiddleware swap this JSON for its HTML page.
        user = authenticate(request, username=username, password=data["password"])
        if getattr(request, "axes_locked_out", False):
            return Response(
                error_body("locked_out", gettext("登录失败次数过多，该账号在本设备上已被暂时锁定，请稍后再试。")),
                status=429,
            )
        if user is None:
            raise BadInput(gettext("账号或密码不正确，请注意密码区分大小写。"), code="invalid_credentials")
        ip = get_client_ip_address(request) or None
        if user.is_portal_staff:
            if not data.get("otp_token"):
                raise BadInput(
                    gettext("工作人员须填写动态验证码。"),
                    code="otp_required",
                    detail={"otp_token": [gettext("请填写动态验证码。")]},
                )
            # Wrong codes are throttled by django-otp inside the service.
            services.verify_totp_token(user=user, token=data["otp_token"], ip=ip)
        token, key = tokens.issue_api_token(user=user, ip=ip)
        # A successful sign-in: django-axes resets the failures and logs the access; last_login is set.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        output = {"token": key, "token_type": "Bearer", "expires_at": token.expires_at}
        return Response(TokenOutputSerializer(output).data)

    @extend_schema(
        tags=[gettext_lazy("认证")],
        summary=gettext_lazy("撤销 API 令牌"),
        description=gettext_lazy("撤销本次请求所用的令牌；all=true 时撤销该用户的全部令牌。"),
        request=None,
        parameters=[TokenRevokeQuerySerializer],
        responses={204: None, 400: ERROR_400, 401: ERROR_401, 429: ERROR_429},
    )
    def delete(self, request: Request) -> Response:
        query = TokenRevokeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ip = get_client_ip_address(request) or None
        if query.validated_data["all"]:
            tokens.revoke_api_tokens_of(user=request.user, ip=ip)
        else:
            tokens.revoke_api_token(token=request.auth, ip=ip)
        return Response(status=204)
