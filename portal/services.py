"""Every write about accounts, organisations and the audit trail (STYLE.md rule 1)."""

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import uploads
from portal.exceptions import BadInput, DomainError, InvalidTransition, PermissionDenied
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import STAFF_ROLES, AuditEvent, Organization, OrganizationAgent, Role, StaffEnrolmentCode, User
from portal.realname import RealNameVerifier, get_real_name_verifier
from portal.validators import validate_phone, validate_resident_id, validate_uscc

# Every demo account shares this password; `manage.py demo_accounts` prints it. Demo accounts exist
# only while settings.DEMO_MODE is on (DJANGO_DEBUG=1), and a system check refuses them otherwise.
DEMO_PASSWORD = "Zwfw-Demo-2026"

AUTHORIZATION_LETTER_KINDS = (uploads.PDF, uploads.JPEG, uploads.PNG)


# --- Audit ----------------------------------------------------------------------------------


def record_audit(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit row. Joins the caller's transaction, so a rolled-back write leaves no row.

    ``detail`` must never hold a full ID number or other personal data in clear (个人信息保护法
    art. 51): pass masked values.
    """
    return AuditEvent.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail or {},
        ip_address=ip or None,
    )


# --- Roles ----------------------------------------------------------------------------------


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create the Group of every role code that is missing; return them all by code."""
    return {code: Group.objects.get_or_create(name=code)[0] for code in Role.values}


def _role_group(code: str) -> Group:
    return Group.objects.get_or_create(name=code)[0]


def _refuse_demo_outside_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise DomainError("演示账户只能在开发模式（DJANGO_DEBUG=1）下创建。", code="demo_mode_off")


# --- Registration and the real-name check ---------------------------------------------------


@transaction.atomic
def register_user(
    *, password: str, phone: str = "", email: str = "", is_demo: bool = False, ip: str | None = None
) -> User:
    """Create a citizen account identified by a phone number or an e-mail address."""
    if is_demo:
        _refuse_demo_outside_demo_mode()
    phone = validate_phone(phone) if phone else ""
    email = email.strip().lower()
    if not phone and not email:
        raise BadInput("请填写手机号码或电子邮箱。", code="identifier_required")
    if phone and User.objects.filter(models.Q(phone=phone) | models.Q(username=phone)).exists():
        raise DomainError("该手机号码已注册，请直接登录。", code="duplicate_phone")
    if email and User.objects.filter(models.Q(email=email) | models.Q(username=email)).exists():
        raise DomainError("该电子邮箱已注册，请直接登录。", code="duplicate_email")

    user = User(username=phone or email, phone=phone or None, email=email or None, is_demo=is_demo)
    validate_password(password, user)
    user.set_password(password)
    try:
        # A savepoint, so a concurrent registration of the same phone/e-mail becomes a clear message.
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise DomainError("该手机号码或电子邮箱已注册，请直接登录。", code="duplicate_account") from exc
    user.groups.add(_role_group(Role.CITIZEN))
    record_audit(
        actor=user, action="account.registered", obj=user, detail={"via": "phone" if phone else "email"}, ip=ip
    )
    return user


def verify_real_name(
    *,
    user: User,
    real_name: str,
    id_number: str,
    verifier: RealNameVerifier | None = None,
    ip: str | None = None,
) -> User:
    """Bind a verified name and resident ID number to the account; only the digest and mask are kept.

    Deliberately not one transaction: the verifier is an outside service that must not be called with
    a transaction open, and the audit row of a refusal has to survive the refusal.
    """
    real_name = real_name.strip()
    normalized = validate_resident_id(id_number)
    masked = mask_id_number(normalized)
    digest = id_number_digest(normalized)

    refusal: DomainError | None = None
    if user.is_real_name_verified:
        refusal = InvalidTransition("您已完成实名认证，无需重复认证。", code="already_verified")
    elif User.objects.filter(id_number_digest=digest).exclude(pk=user.pk).exists():
        refusal = _duplicate_identity_error()
    else:
        result = (verifier or get_real_name_verifier()).verify(real_name, normalized)
        if not result.is_match:
            refusal = DomainError(result.reason or "姓名与身份证件号码不一致。", code="real_name_mismatch")
    if refusal is not None:
        record_audit(
            actor=user,
            action="account.real_name_refused",
            obj=user,
            detail={"id_number": masked, "code": refusal.code},
            ip=ip,
        )
        raise refusal

    try:
        return _bind_real_name(user=user, real_name=real_name, digest=digest, masked=masked, ip=ip)
    except IntegrityError as exc:
        # Two accounts verifying the same number at once: the unique index decides.
        raise _duplicate_identity_error() from exc


def _duplicate_identity_error() -> DomainError:
    return DomainError(
        "该身份证件号码已绑定其他账户，一个身份证件只能实名认证一个账户。"
        f"如非本人操作，请拨打 {settings.SERVICE_HOTLINE} 或携带身份证件到政务服务大厅处理。",
        code="duplicate_identity",
    )


@transaction.atomic
def _bind_real_name(*, user: User, real_name: str, digest: str, masked: str, ip: str | None) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_real_name_verified:
        raise InvalidTransition("您已完成实名认证，无需重复认证。", code="already_verified")
    locked.real_name = real_name
    locked.id_number_digest = digest
    locked.id_number_masked = masked
    locked.real_name_verified_at = timezone.now()
    with transaction.atomic():
        locked.save(update_fields=["real_name", "id_number_digest", "id_number_masked", "real_name_verified_at"])
    record_audit(actor=locked, action="account.real_name_verified", obj=locked, detail={"id_number": masked}, ip=ip)
    for field in ("real_name", "id_number_digest", "id_number_masked", "real_name_verified_at"):
        setattr(user, field, getattr(locked, field))
    return user


# --- Organisations and their agents (经办人) -------------------------------------------------


@transaction.atomic
def register_organization_agent(
    *,
    user: User,
    name: str,
    uscc: str,
    legal_representative: str,
    is_legal_representative: bool = False,
    authorization_letter: UploadedFile | None = None,
    ip: str | None = None,
) -> OrganizationAgent:
    """Make a verified user the 经办人 of an organisation, on a letter or as its legal representative."""
    if not user.is_real_name_verified:
        raise DomainError("请先完成实名认证，再登记为单位经办人。", code="real_name_required")
    uscc = validate_uscc(uscc)
    name = name.strip()
    legal_representative = legal_representative.strip()
    if not name or not legal_representative:
        raise BadInput("请填写单位名称和法定代表人。", code="organization_incomplete")

    letter_kind: uploads.FileKind | None = None
    if is_legal_representative:
        if user.real_name != legal_representative:
            raise DomainError(
                "您的实名认证姓名与法定代表人不一致，请上传单位出具的授权委托书。", code="not_legal_representative"
            )
    else:
        if authorization_letter is None:
            raise DomainError("请上传加盖单位公章的授权委托书（PDF、JPEG 或 PNG）。", code="letter_required")
        letter_kind = uploads.check_upload(authorization_letter, allowed=AUTHORIZATION_LETTER_KINDS)

    organization, _ = Organization.objects.get_or_create(
        uscc=uscc, defaults={"name": name, "legal_representative": legal_representative}
    )
    if organization.name != name or organization.legal_representative != legal_representative:
        raise DomainError(
            "单位名称或法定代表人与已登记的信息不一致，请按营业执照核对后重新填写。", code="organization_mismatch"
        )

    agent = OrganizationAgent.objects.select_for_update().filter(organization=organization, user=user).first()
    if agent is not None and agent.revoked_at is None:
        raise DomainError("您已是该单位的经办人，无需重复登记。", code="already_agent")
    if agent is None:
        agent = OrganizationAgent(organization=organization, user=user)
    agent.is_legal_representative = is_legal_representative
    agent.revoked_at = None
    if letter_kind is not None and authorization_letter is not None:
        # The stored name comes from the content, never from the uploader's file name.
        agent.authorization_letter.save(
            f"{uuid.uuid4().hex}{letter_kind.extensions[0]}", authorization_letter, save=False
        )
    else:
        agent.authorization_letter = ""
    agent.save()
    user.groups.add(_role_group(Role.ENTERPRISE))
    record_audit(
        actor=user,
        action="organization.agent_registered",
        obj=agent,
        detail={
            "organization": organization.pk,
            "uscc": organization.uscc,
            "is_legal_representative": is_legal_representative,
        },
        ip=ip,
    )
    return agent


@transaction.atomic
def revoke_agent(*, agent: OrganizationAgent, actor: User, ip: str | None = None) -> OrganizationAgent:
    """End an agent's authority; the last one ended takes the `enterprise` role away."""
    locked = OrganizationAgent.objects.select_for_update().select_related("user").get(pk=agent.pk)
    if actor.pk != locked.user_id and not (actor.is_superuser or actor.has_role(Role.SYSADMIN)):
        raise PermissionDenied("只有经办人本人或系统管理员可以撤销该授权。")
    if locked.revoked_at is not None:
        raise InvalidTransition("该经办人授权已撤销。", code="already_revoked")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    if not OrganizationAgent.objects.filter(user_id=locked.user_id, revoked_at__isnull=True).exists():
        locked.user.groups.remove(_role_group(Role.ENTERPRISE))
    record_audit(actor=actor, action="organization.agent_revoked", obj=locked, ip=ip)
    agent.revoked_at = locked.revoked_at
    return agent


# --- Staff and demo accounts -----------------------------------------------------------------


@dataclass(frozen=True)
class NewStaffAccount:
    user: User
    # To be handed to the new member of staff out of band; None for demo accounts.
    enrolment_code: str | None


@transaction.atomic
def create_staff_user(
    *,
    username: str,
    password: str,
    real_name: str,
    roles: Iterable[str],
    department_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    is_demo: bool = False,
    actor: User | None = None,
) -> NewStaffAccount:
    """Create a staff account with staff roles and its TOTP enrolment code. Demo staff only while DEMO_MODE is on.

    The enrolment code is in the result once and nowhere else: the administrator hands it over.
    Demo staff get a confirmed device instead, whose codes `manage.py demo_totp` shows.
    """
    if is_demo:
        _refuse_demo_outside_demo_mode()
    roles = list(roles)
    unknown = [code for code in roles if code not in STAFF_ROLES]
    if not roles or unknown:
        raise BadInput("工作人员账户须至少有一个工作人员角色。", detail={"roles": unknown}, code="invalid_roles")
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名“{username}”已存在。", code="duplicate_username")
    user = User(
        username=username,
        real_name=real_name,
        department_id=department_id,
        email=email.strip().lower() if email else None,
        phone=validate_phone(phone) if phone else None,
        is_demo=is_demo,
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(*(_role_group(code) for code in roles))
    record_audit(actor=actor, action="account.staff_created", obj=user, detail={"roles": sorted(roles)})
    if is_demo:
        ensure_demo_totp_device(user=user)
        return NewStaffAccount(user=user, enrolment_code=None)
    return NewStaffAccount(user=user, enrolment_code=issue_enrolment_code(user=user, actor=actor))


def create_demo_citizen(*, phone: str, real_name: str, id_number: str) -> User:
    """A verified demo citizen with DEMO_PASSWORD (development only)."""
    _refuse_demo_outside_demo_mode()
    user = register_user(phone=phone, password=DEMO_PASSWORD, is_demo=True)
    return verify_real_name(user=user, real_name=real_name, id_number=id_number)


# --- Second factor (TOTP) --------------------------------------------------------------------

# A staff account's TOTP device is set up only by the holder of an enrolment code that an
# administrator issued and handed over out of band; the password alone is not enough, or whoever
# first signs in with it binds their own phone to the account.
ENROLMENT_CODE_VALIDITY = dt.timedelta(hours=72)
ENROLMENT_CODE_MAX_FAILURES = 5
# No 0/O, 1/I/L: the code is read off paper or a screen and typed in by hand. 16 characters ≈ 78 bits.
ENROLMENT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ENROLMENT_CODE_LENGTH = 16


def _enrolment_code_digest(code: str) -> str:
    # A random code of ~78 bits needs no slow or keyed hash; normalising lets "abcd-efgh ..." match.
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def _live_enrolment_codes(user: User) -> models.QuerySet[StaffEnrolmentCode]:
    return StaffEnrolmentCode.objects.filter(
        user=user, spent_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


@transaction.atomic
def issue_enrolment_code(*, user: User, actor: User | None = None, ip: str | None = None) -> str:
    """Issue a new single-use enrolment code (returned once, stored as a digest) for a staff account.

    Earlier codes are revoked and the account's TOTP devices are removed: a code only serves to set
    up a device, and after a lost phone the old device must stop working at once.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_portal_staff:
        raise DomainError(f"“{locked.username}”不是工作人员账户，登录无需动态验证码。", code="not_staff")
    now = timezone.now()
    StaffEnrolmentCode.objects.filter(user=locked, spent_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    removed, _ = TOTPDevice.objects.filter(user=locked).delete()
    code = "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    enrolment = StaffEnrolmentCode.objects.create(
        user=locked,
        code_digest=_enrolment_code_digest(code),
        issued_by=actor,
        expires_at=now + ENROLMENT_CODE_VALIDITY,
    )
    record_audit(
        actor=actor,
        action="account.enrolment_code_issued",
        obj=locked,
        detail={
            "enrolment_code": enrolment.pk,
            "devices_removed": removed,
            "expires_at": enrolment.expires_at.isoformat(),
        },
        ip=ip,
    )
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def accept_enrolment_code(*, user: User, code: str, ip: str | None = None) -> StaffEnrolmentCode:
    """Check the enrolment code and start setting up a fresh, unconfirmed TOTP device bound to it.

    As in verify_totp_token, the check commits before a refusal is raised: each wrong code counts
    and leaves an audit row; the last allowed one revokes the code.
    """
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise InvalidTransition("该账户已绑定动态验证码设备。", code="otp_already_set_up")
        enrolment = _live_enrolment_codes(user).select_for_update().order_by("-created_at").first()
        if enrolment is None:
            record_audit(actor=user, action="account.enrolment_code_failed", obj=user, detail={"reason": "none"}, ip=ip)
            refusal: DomainError | None = DomainError(
                "该账户没有有效的绑定码（已过期、已使用或已作废），请联系系统管理员重新签发。",
                code="enrolment_code_missing",
            )
        elif not constant_time_compare(_enrolment_code_digest(code), enrolment.code_digest):
            enrolment.failed_attempts += 1
            if enrolment.failed_attempts >= ENROLMENT_CODE_MAX_FAILURES:
                enrolment.revoked_at = timezone.now()
            enrolment.save(update_fields=["failed_attempts", "revoked_at"])
            record_audit(
                actor=user,
                action="account.enrolment_code_failed",
                obj=user,
                detail={"enrolment_code": enrolment.pk, "failed_attempts": enrolment.failed_attempts},
                ip=ip,
            )
            if enrolment.revoked_at is not None:
                refusal = DomainError(
                    "绑定码输错次数过多，已作废，请联系系统管理员重新签发。", code="enrolment_code_throttled"
                )
            else:
                refusal = BadInput("绑定码不正确，请核对系统管理员交给您的绑定码。", code="enrolment_code_invalid")
        else:
            refusal = None
            # A fresh secret each time the code is entered: one shown earlier (another session, or a
            # device created before enrolment codes existed) can never be the one confirmed.
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            enrolment.device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
            enrolment.accepted_at = timezone.now()
            enrolment.save(update_fields=["device", "accepted_at"])
            record_audit(
                actor=user,
                action="account.enrolment_code_accepted",
                obj=user,
                detail={"enrolment_code": enrolment.pk},
                ip=ip,
            )
    if refusal is not None:
        raise refusal
    return enrolment


@transaction.atomic
def ensure_demo_totp_device(*, user: User) -> TOTPDevice:
    """A demo staff account's confirmed device (created if missing): `manage.py demo_totp` shows its codes."""
    _refuse_demo_outside_demo_mode()
    if not (user.is_demo and user.is_portal_staff):
        raise DomainError("只有演示工作人员账户可以直接绑定动态验证码设备。", code="not_demo_staff")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        record_audit(actor=None, action="account.demo_totp_device_created", obj=user)
    return device


def verify_totp_token(*, user: User, token: str, ip: str | None = None) -> TOTPDevice:
    """Check a TOTP code; the first good code confirms a device being set up and spends its enrolment code.

    The check runs in its own transaction that commits before any refusal is raised: a wrong code
    must still count towards django-otp's throttling, or guessing would cost nothing.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).order_by("-confirmed", "pk").first()
        enrolment = None
        if device is not None and not device.confirmed:
            # Only a device set up with a live enrolment code may be confirmed.
            enrolment = _live_enrolment_codes(user).select_for_update().filter(device=device).first()
        if device is None or (not device.confirmed and enrolment is None):
            raise InvalidTransition("尚未绑定动态验证码设备，请先输入绑定码完成设置。", code="otp_not_set_up")
        allowed, _ = device.verify_is_allowed()
        verified = allowed and device.verify_token(token.strip())
        if verified and enrolment is not None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            enrolment.spent_at = timezone.now()
            enrolment.save(update_fields=["spent_at"])
        record_audit(
            actor=user,
            action="account.otp_verified" if verified else "account.otp_failed",
            obj=user,
            detail={"throttled": not allowed, "enrolled": bool(verified and enrolment is not None)},
            ip=ip,
        )
    if not allowed:
        raise DomainError("验证码错误次数过多，请稍等片刻再试。", code="otp_throttled")
    if not verified:
        raise BadInput("动态验证码不正确或已过期，请输入验证器应用中当前显示的 6 位数字。", code="otp_invalid")
    return device
