"""Forms of the account pages: they check the shape of the input; the services enforce the rules."""

from typing import Any

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from portal import lockout, uploads
from portal.services import AUTHORIZATION_LETTER_KINDS
from portal.validators import validate_phone, validate_resident_id, validate_uscc

# Django's choice messages quote the refused value ("选择一个有效的选项。 %(value)s 不在可用的选项中。"):
# never echo raw input into a message (a crafted value may be anything).
INVALID_CHOICE = gettext_lazy("请选择有效的选项。")


class ChineseLabels:
    """Labels without Django's ASCII colon, which looks out of place after Chinese text; choice
    errors that do not repeat the refused value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE


class RefusesSprayingAddresses:
    """For sign-in forms: the per-address cap on failures across usernames (portal.lockout)."""

    request: Any

    def clean(self) -> dict[str, Any]:
        # Before the password is checked: an address that sprays passwords gets no further answers.
        if self.request is not None:
            try:
                lockout.check_ip_may_sign_in(get_client_ip_address(self.request) or None)
            except lockout.SignInThrottled as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
        return super().clean()  # type: ignore[misc]


class AdminLoginForm(RefusesSprayingAddresses, AdminAuthenticationForm):
    """The admin's own sign-in page answers passwords too, so it gets the same cap."""


class LoginForm(ChineseLabels, RefusesSprayingAddresses, AuthenticationForm):
    """Sign-in with the phone number, e-mail address or staff username and the password.

    AuthenticationForm hands the request to ``authenticate``, which django-axes needs for its lockout.
    """

    username = UsernameField(
        label=gettext_lazy("手机号码 / 电子邮箱 / 用户名"),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    error_messages = {
        "invalid_login": (
            gettext_lazy(
                "账号或密码不正确，请注意密码区分大小写。连续 %(limit)s 次错误后，该账号在本设备上将被暂时锁定。"
            )
        ),
        "inactive": gettext_lazy("该账户已停用，请联系政务服务热线。"),
    }

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        # Accounts registered by e-mail keep it in lower case as their username.
        return value.lower() if "@" in value else value

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params={"limit": settings.AXES_FAILURE_LIMIT}
        )


class RegistrationForm(ChineseLabels, forms.Form):
    """Registration in two steps on one page: "获取验证码" (``for_code=True``: only the phone number
    is checked, the page comes back with what was typed) and "注册" (everything, with the code)."""

    phone = forms.CharField(
        label=_("手机号码"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("手机号码和电子邮箱至少填写一项，用作登录账号。填写手机号码的，须先获取短信验证码。"),
    )
    code = forms.CharField(
        label=_("短信验证码"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("6 位数字，10 分钟内有效。"),
    )
    email = forms.EmailField(
        label=_("电子邮箱"), required=False, max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, for_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.for_code = for_code
        if for_code:
            for name, field in self.fields.items():
                field.required = name == "phone"
            self.fields["phone"].error_messages["required"] = _("请填写接收验证码的手机号码。")

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_phone(value) if value else ""

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if value and not (len(value) == 6 and value.isascii() and value.isdigit()):
            raise ValidationError(_("验证码为短信中的 6 位数字。"), code="code_format")
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.for_code:
            return data
        if not self.errors and not data.get("phone") and not data.get("email"):
            raise ValidationError(_("请填写手机号码或电子邮箱。"), code="identifier_required")
        if data.get("phone") and not data.get("code") and "code" not in self.errors:
            self.add_error(
                "code", ValidationError(_("请填写短信验证码；还没有的，请先点击“获取验证码”。"), code="code_required")
            )
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", ValidationError(_("两次输入的密码不一致。"), code="password_mismatch"))
        return data


class RealNameForm(ChineseLabels, forms.Form):
    real_name = forms.CharField(
        label=gettext_lazy("真实姓名"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=gettext_lazy("居民身份证号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("18 位，末位可为 X。"),
    )
    # 个人信息保护法 art. 29: sensitive personal information (the ID number) needs separate consent.
    consent = forms.BooleanField(
        label=gettext_lazy("我同意将姓名和身份证号码用于实名核验。门户只保存脱敏后的号码和不可逆的摘要。"),
        error_messages={"required": gettext_lazy("请阅读并同意后再提交。")},
    )

    def clean_id_number(self) -> str:
        return validate_resident_id(self.cleaned_data["id_number"])


class OrganizationAgentForm(ChineseLabels, forms.Form):
    # Only the code: the name and the legal representative come from the registry (portal.registry).
    uscc = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("18 位，见营业执照。单位名称和法定代表人以登记机关登记的信息为准。"),
    )
    is_legal_representative = forms.BooleanField(
        label=gettext_lazy("我本人就是该单位的法定代表人（以实名认证的身份证件核验，无需上传授权委托书）"),
        required=False,
    )
    authorization_letter = forms.FileField(
        label=gettext_lazy("授权委托书"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
        help_text=gettext_lazy(
            "加盖单位公章的授权委托书扫描件：PDF、JPEG 或 PNG。法定代表人在线确认，或您携原件到窗口核验后生效。"
        ),
    )

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_authorization_letter(self) -> Any:
        letter = self.cleaned_data.get("authorization_letter")
        if letter:
            uploads.check_upload(letter, allowed=AUTHORIZATION_LETTER_KINDS)
        return letter

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        missing = not data.get("is_legal_representative") and not data.get("authorization_letter")
        if missing and "authorization_letter" not in self.errors:
            self.add_error(
                "authorization_letter",
                ValidationError(
                    gettext("请上传加盖单位公章的授权委托书（PDF、JPEG 或 PNG）。"), code="letter_required"
                ),
            )
        return data


class OtpTokenForm(ChineseLabels, forms.Form):
    token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
        help_text=gettext_lazy("打开验证器应用（如 FreeOTP、Microsoft Authenticator），输入当前显示的 6 位数字。"),
    )

    def clean_token(self) -> str:
        value = self.cleaned_data["token"].strip().replace(" ", "")
        if not value.isdigit():
            raise ValidationError(gettext("动态验证码只含数字。"), code="otp_not_digits")
        return value


class EnrolmentCodeForm(ChineseLabels, forms.Form):
    enrolment_code = forms.CharField(
        label=gettext_lazy("绑定码"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "autofocus": True}
        ),
        help_text=gettext_lazy(
            "系统管理员签发新账户时交给您的 16 位绑定码（如 ABCD-EFGH-JKMN-PQRS），72 小时内有效，只能使用一次。"
        ),
    )

    def clean_enrolment_code(self) -> str:
        return self.cleaned_data["enrolment_code"].strip()
