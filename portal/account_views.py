"""Account pages: sign-in (with django-axes lockout), registration, real-name check, profile,
the staff second factor, and organisation agents (经办人). Thin: parse, authorise, one service."""

import base64
import io
from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import django_otp
import qrcode
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from portal import access, lockout, phone_codes, selectors, services
from portal.exceptions import DomainError, NotFound, render_error
from portal.forms import (
    EnrolmentCodeForm,
    LoginForm,
    OrganizationAgentForm,
    OtpTokenForm,
    RealNameForm,
    RegistrationForm,
)
from portal.models import Role, User

# Registration refusals that belong to one field of the form.
# Registration refusals that belong to one field of the form; the others (the code's) go to the code.
REGISTRATION_ERROR_FIELDS = {
    "duplicate_phone": "phone",
    "duplicate_email": "email",
    "duplicate_account": None,
    "identifier_required": None,
}


def _ip(request: HttpRequest) -> str | None:
    # The same address django-axes keys its lockout on (honours its proxy settings).
    return get_client_ip_address(request) or None


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class PortalLoginView(LoginView):
    form_class = LoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.get_user().is_portal_staff:
            # Staff go straight on to the second factor; the middleware would send them there anyway.
            query = urlencode({"next": self.get_success_url()})
            return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?{query}")
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        status = 429 if form.has_error(NON_FIELD_ERRORS, code=lockout.SignInThrottled.code) else 400
        return self.render_to_response(self.get_context_data(form=form), status=status)


SEND_CODE = "send_code"


def register(request: HttpRequest) -> HttpResponse:
    """One page, two submit buttons: "获取验证码" texts a code and shows the form again with what was
    typed (no JS needed); "注册" creates the account with the code."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    sending = request.method == "POST" and request.POST.get("action") == SEND_CODE
    form = RegistrationForm(request.POST or None, for_code=sending)
    context: dict[str, Any] = {"form": form, "send_code": SEND_CODE, "demo_sms_log": _demo_sms_log()}
    status = 200
    if sending:
        status = 400
        if form.is_valid():
            try:
                phone_codes.send_registration_code(phone=form.cleaned_data["phone"], ip=_ip(request))
            except DomainError as exc:
                form.add_error("code" if exc.code != "duplicate_phone" else "phone", exc.message)
                status = exc.status_code
            else:
                context["code_sent_to"] = phone_codes.mask_phone(form.cleaned_data["phone"])
                status = 200
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user = services.register_user(
                    phone=form.cleaned_data["phone"],
                    phone_code=form.cleaned_data["code"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    ip=_ip(request),
                )
            except ValidationError as exc:
                # The only ValidationError left after the form is the password validators' verdict.
                form.add_error("password1", exc)
            except DomainError as exc:
                form.add_error(REGISTRATION_ERROR_FIELDS.get(exc.code, "code"), exc.message)
                status = exc.status_code
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, gettext("注册成功。请完成实名认证，之后即可在网上办事。"))
                return redirect("accounts:real_name")
    return render(request, "portal/register.html", context, status=status)


def _demo_sms_log() -> str:
    """Where the demo SMS backend writes texts (DEBUG only), so a developer can read the code."""
    if not settings.DEBUG or not getattr(import_string(settings.SMS_BACKEND), "is_demo", False):
        return ""
    return str(settings.SMS_LOG_PATH)


@login_required
def real_name(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.is_real_name_verified:
        messages.info(request, "您已完成实名认证。")
        return redirect("accounts:profile")
    form = RealNameForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.verify_real_name(
                    user=user,
                    real_name=form.cleaned_data["real_name"],
                    id_number=form.cleaned_data["id_number"],
                    ip=_ip(request),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, gettext("实名认证成功。"))
                return redirect(_safe_next(request, reverse("accounts:profile")))
    return render(request, "portal/real_name.html", {"form": form}, status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "portal/profile.html",
        {
            "profile_user": user,
            "roles": selectors.role_labels(user),
            "agencies": selectors.agencies_of(user),
            "managed_agents": selectors.agents_managed_by(user),
            "needs_second_factor": user.is_portal_staff,
        },
    )


def _qr_png_data_uri(text: str) -> str:
    """A QR code as a PNG data URI (the CSP allows data: images, not inline scripts)."""
    buffer = io.BytesIO()
    qrcode.make(text, box_size=6, border=2).save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# The enrolment code this browser session entered (portal.selectors.device_being_enrolled).
ENROLMENT_SESSION_KEY = "portal_otp_enrolment_id"


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Staff's second factor: the enrolment code, then setting up a TOTP device; later its code."""
    user: User = request.user  # type: ignore[assignment]
    target = _safe_next(request, reverse("portal:home"))
    if not user.is_portal_staff or user.is_verified():
        return redirect(target)
    device = selectors.confirmed_totp_device(user) or selectors.device_being_enrolled(
        user=user, enrolment_id=request.session.get(ENROLMENT_SESSION_KEY)
    )
    if device is None:
        return _otp_enrol(request, user, target)
    form = OtpTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = services.verify_totp_token(user=user, token=form.cleaned_data["token"], ip=_ip(request))
            except DomainError as exc:
                form.add_error("token", exc.message)
                status = exc.status_code
            else:
                django_otp.login(request, device)
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                # A new session id for the raised privilege, as on sign-in.
                request.session.cycle_key()
                return redirect(target)
    context: dict[str, Any] = {"form": form, "next": target, "is_setup": not device.confirmed}
    if not device.confirmed:
        context["otpauth_uri"] = device.config_url
        context["qr_data_uri"] = _qr_png_data_uri(device.config_url)
        context["secret"] = b32encode(device.bin_key).decode("ascii")
    template = "portal/otp_setup.html" if not device.confirmed else "portal/otp_verify.html"
    return render(request, template, context, status=status)


def _otp_enrol(request: HttpRequest, user: User, target: str) -> HttpResponse:
    """Before the secret is shown: the enrolment code the administrator handed over."""
    form = EnrolmentCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                enrolment = services.accept_enrolment_code(
                    user=user, code=form.cleaned_data["enrolment_code"], ip=_ip(request)
                )
            except DomainError as exc:
                form.add_error("enrolment_code", exc.message)
                status = exc.status_code
            else:
                request.session[ENROLMENT_SESSION_KEY] = enrolment.pk
                return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': target})}")
    return render(request, "portal/otp_enrol.html", {"form": form, "next": target}, status=status)


@login_required
def register_agent(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_real_name_verified:
        messages.info(request, "登记为单位经办人前，请先完成实名认证。")
        return redirect(f"{reverse('accounts:real_name')}?{urlencode({'next': request.path})}")
    form = OrganizationAgentForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                agent = services.register_organization_agent(
                    user=user,
                    uscc=form.cleaned_data["uscc"],
                    is_legal_representative=form.cleaned_data["is_legal_representative"],
                    authorization_letter=form.cleaned_data["authorization_letter"] or None,
                    ip=_ip(request),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                if agent.is_active:
                    messages.success(
                        request, gettext("已登记为“%(name)s”的经办人。") % {"name": agent.organization.name}
                    )
                else:
                    messages.info(
                        request,
                        f"已提交“{agent.organization.name}”经办人授权，待法定代表人在线确认，"
                        "或您携授权委托书原件和身份证件到政务服务大厅窗口核验后生效。",
                    )
                return redirect("accounts:profile")
    return render(request, "portal/organization_agent.html", {"form": form}, status=status)


@login_required
def authorization_letter(request: HttpRequest, agent_id: int) -> HttpResponse:
    """The letter, only through the access rule: the agent themself or a system administrator."""
    try:
        agent = access.get_agent_for(request.user, agent_id)  # type: ignore[arg-type]
        if not agent.authorization_letter:
            raise NotFound(gettext("该授权没有上传授权委托书。"))
    except DomainError as exc:
        return render_error(request, exc)
    services.record_audit(actor=request.user, action="organization.letter_viewed", obj=agent, ip=_ip(request))  # type: ignore[arg-type]
    extension = agent.authorization_letter.name.rsplit(".", 1)[-1]
    return FileResponse(
        agent.authorization_letter.open("rb"),
        as_attachment=True,
        filename=f"授权委托书-{agent.organization.uscc}.{extension}",
    )


@login_required
@require_POST
def revoke_agent(request: HttpRequest, agent_id: int) -> HttpResponse:
    try:
        agent = access.get_agent_for(request.user, agent_id)  # type: ignore[arg-type]
        services.revoke_agent(agent=agent, actor=request.user, ip=_ip(request))  # type: ignore[arg-type]
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(
        request,
        gettext("已撤销%(real_name)s在“%(name)s”的经办人授权。")
        % {"real_name": agent.user.real_name, "name": agent.organization.name},
    )
    return redirect(_safe_next(request, reverse("accounts:profile")))


@login_required
@require_POST
def confirm_agent(request: HttpRequest, agent_id: int) -> HttpResponse:
    """The legal representative confirms a pending authorisation from their own account."""
    try:
        agent = access.get_agent_for(request.user, agent_id)  # type: ignore[arg-type]
        services.confirm_agent(agent=agent, actor=request.user, ip=_ip(request))  # type: ignore[arg-type]
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(
        request,
        gettext("已确认%(real_name)s为“%(name)s”的经办人。")
        % {"real_name": agent.user.real_name, "name": agent.organization.name},
    )
    return redirect("accounts:profile")


@login_required
def window_agents(request: HttpRequest) -> HttpResponse:
    """At a window: a clerk finds pending authorisations by USCC and, with the sealed original of the
    letter and the agent's ID card in hand, verifies one."""
    user: User = request.user  # type: ignore[assignment]
    if not user.has_role(Role.CLERK):
        return render_error(request, NotFound(gettext("未找到该页面。")))
    if request.method == "POST":
        try:
            agent = access.get_agent_for(user, int(request.POST.get("agent", "0") or 0))
            services.verify_agent_at_window(agent=agent, clerk=user, ip=_ip(request))
        except (DomainError, ValueError) as exc:
            return render_error(request, exc if isinstance(exc, DomainError) else NotFound())
        messages.success(
            request,
            gettext("已核验%(real_name)s为“%(name)s”的经办人。")
            % {"real_name": agent.user.real_name, "name": agent.organization.name},
        )
        return redirect(f"{reverse('accounts:window_agents')}?{urlencode({'uscc': agent.organization.uscc})}")
    uscc = request.GET.get("uscc", "").strip()[:20]
    agents = selectors.pending_agents(uscc=uscc)[:50] if uscc else []
    return render(request, "portal/window_agents.html", {"uscc": uscc, "agents": agents})
