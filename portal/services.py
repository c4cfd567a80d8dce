"""Every write about accounts, organisations and the audit trail (STYLE.md rule 1).

Kept in one module: accounts, organisations, agents and the audit trail are written together (an agent's
confirmation writes the account, the party and the audit row in one transaction) and share the same
locking and audit helpers.
"""

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
from django.utils.translation import gettext, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import outbox, phone_codes, uploads
from portal.clock import Clock, system_clock
from portal.exceptions import BadInput, DomainError, InvalidTransition, PermissionDenied
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import (
    STAFF_ROLES,
    ApiToken,
    AuditEvent,
    Organization,
    OrganizationAgent,
    Role,
    StaffEnrolmentCode,
    User,
)
from portal.realname import RealNameVerifier, get_real_name_verifier
from portal.registry import OrganizationRegistry, get_organization_registry
from portal.stored_text import StoredText, stored
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
        raise DomainError(gettext("演示账户只能在开发模式（DJANGO_DEBUG=1）下创建。"), code="demo_mode_off")


# --- Registration and the real-name check ---------------------------------------------------


def register_user(
    *,
    password: str,
    phone: str = "",
    email: str = "",
    phone_code: str = "",
    is_demo: bool = False,
    ip: str | None = None,
    clock: Clock = system_clock,
) -> User:
    """Create a citizen account identified by a phone number or an e-mail address.

    A phone number is proved with the code texted to it (portal.phone_codes), spent with the account's
    creation; demo accounts (development only) skip the text. Not to be called inside a caller's
    transaction: a wrong code is counted in a transaction of its own before the refusal is raised.
    """
    if is_demo:
        _refuse_demo_outside_demo_mode()
    phone = validate_phone(phone) if phone else ""
    email = email.strip().lower()
    if not phone and not email:
        raise BadInput(gettext("请填写手机号码或电子邮箱。"), code="identifier_required")
    if phone and User.objects.filter(models.Q(phone=phone) | models.Q(username=phone)).exists():
        raise DomainError(gettext("该手机号码已注册，请直接登录。"), code="duplicate_phone")
    if email and User.objects.filter(models.Q(email=email) | models.Q(username=email)).exists():
        raise DomainError(gettext("该电子邮箱已注册，请直接登录。"), code="duplicate_email")

    user = User(username=phone or email, phone=phone or None, email=email or None, is_demo=is_demo)
    validate_password(password, user)
    user.set_password(password)
    refusal: DomainError | None = None
    with transaction.atomic():
        if phone and not is_demo:
            refusal = phone_codes.redeem_code(phone=phone, code=phone_code, clock=clock)
            user.phone_verified_at = clock.now()
        if refusal is None:
            _create_citizen(user, via="phone" if phone else "email", ip=ip)
    if refusal is not None:
        raise refusal
    return user


def _create_citizen(user: User, *, via: str, ip: str | None) -> None:
    try:
        # A savepoint, so a concurrent registration of the same phone/e-mail becomes a clear message
        # (and the code redeemed with it is given back by the caller's rollback).
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise DomainError(gettext("该手机号码或电子邮箱已注册，请直接登录。"), code="duplicate_account") from exc
    user.groups.add(_role_group(Role.CITIZEN))
    record_audit(actor=user, action="account.registered", obj=user, detail={"via": via}, ip=ip)


def verify_real_name(
    *,
    user: User,
    real_name: str,
    id_number: str,
    verifier: RealNameVerifier | None = None,
    proof: dict[str, str] | None = None,
    ip: str | None = None,
) -> User:
    """Bind a verified name and resident ID number to the account; only the digest and mask are kept.

    Binding proves the name belongs to the number, not that the account is that person's: whoever binds
    first must not see the cases filed under the number at a window. So the binding only tells the
    phones on file, and only a strong proof from the verifier (``proof``: the number's registered mobile,
    a face check) makes the account the holder of those cases (applications.services.link_holder_cases);
    otherwise the person proves each case with its receipt code, or once at a window.

    Deliberately not one transaction: the verifier is an outside service that must not be called with
    a transaction open, and the audit row of a refusal has to survive the refusal.
    """
    real_name = real_name.strip()
    normalized = validate_resident_id(id_number)
    masked = mask_id_number(normalized)
    digest = id_number_digest(normalized)

    refusal: DomainError | None = None
    if user.is_real_name_verified:
        refusal = InvalidTransition(gettext("您已完成实名认证，无需重复认证。"), code="already_verified")
    elif User.objects.filter(id_number_digest=digest).exclude(pk=user.pk).exists():
        refusal = _duplicate_identity_error()
    else:
        the_verifier = verifier or get_real_name_verifier()
        result = (
            the_verifier.verify(real_name, normalized, proof=proof)
            if proof
            else the_verifier.verify(real_name, normalized)
        )
        if not result.is_match:
            refusal = DomainError(result.reason or gettext("姓名与身份证件号码不一致。"), code="real_name_mismatch")
    if refusal is not None:
        record_audit(
            actor=user,
            action="account.real_name_refused",
            obj=user,
            detail={"id_number": masked, "code": refusal.code},
            ip=ip,
        )
        raise refusal

    assurance = getattr(result, "assurance", "basic")
    try:
        return _bind_real_name(user=user, real_name=real_name, digest=digest, masked=masked, assurance=assurance, ip=ip)
    except IntegrityError as exc:
        # Two accounts verifying the same number at once: the unique index decides.
        raise _duplicate_identity_error() from exc


def _duplicate_identity_error() -> DomainError:
    return DomainError(
        gettext(
            "该身份证件号码已绑定其他账户，一个身份证件只能实名认证一个账户。"
            "如非本人操作，请拨打 %(SERVICE_HOTLINE)s 或携带身份证件到政务服务大厅处理。"
        )
        % {"SERVICE_HOTLINE": settings.SERVICE_HOTLINE},
        code="duplicate_identity",
    )


@transaction.atomic
def _bind_real_name(*, user: User, real_name: str, digest: str, masked: str, assurance: str, ip: str | None) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_real_name_verified:
        raise InvalidTransition(gettext("您已完成实名认证，无需重复认证。"), code="already_verified")
    locked.real_name = real_name
    locked.id_number_digest = digest
    locked.id_number_masked = masked
    locked.real_name_verified_at = timezone.now()
    with transaction.atomic():
        locked.save(update_fields=["real_name", "id_number_digest", "id_number_masked", "real_name_verified_at"])
    record_audit(
        actor=locked,
        action="account.real_name_verified",
        obj=locked,
        detail={"id_number": masked, "assurance": assurance},
        ip=ip,
    )
    # Whoever holds cases under this number hears of the binding (applications registers the handler).
    outbox.enqueue(
        kind="identity_bound",
        key=f"identity_bound:{locked.pk}:{digest[:16]}",
        payload={"user_id": locked.pk, "digest": digest, "assurance": assurance, "at": timezone.now().isoformat()},
    )
    for field in ("real_name", "id_number_digest", "id_number_masked", "real_name_verified_at"):
        setattr(user, field, getattr(locked, field))
    return user


# --- Organisations and their agents (经办人) -------------------------------------------------


def _tell(*, user_ids: Iterable[int], title: StoredText, body: StoredText, key: str, link: str = "") -> None:
    """An inbox notice (through the outbox) to each of these accounts, once per key."""
    for user_id in sorted(set(user_ids)):
        outbox.enqueue(
            kind="notification",
            key=f"notify:{key}:{user_id}",
            payload={"user_id": user_id, "phone": "", "title": title, "body": body, "link": link},
        )


def _legal_representative_accounts(organization: Organization) -> list[int]:
    digest = organization.legal_representative_id_digest
    if not digest:
        return []
    return list(User.objects.filter(id_number_digest=digest).values_list("pk", flat=True))


def _is_legal_representative(user: User, organization: Organization) -> bool:
    digest = organization.legal_representative_id_digest
    return bool(digest) and user.is_real_name_verified and user.id_number_digest == digest


def _organization_from_registry(uscc: str, registry: OrganizationRegistry | None) -> Organization:
    """The local row of ``uscc``, written from the registry's answer (never from what a registrant typed)."""
    record = (registry or get_organization_registry()).lookup(uscc)
    if record is None:
        raise DomainError(
            gettext("登记机关未查到该统一社会信用代码，请按营业执照核对后重新填写。"),
            code="organization_not_registered",
        )
    organization, _ = Organization.objects.select_for_update().update_or_create(
        uscc=record.uscc,
        defaults={
            "name": record.name,
            "legal_representative": record.legal_representative,
            "legal_representative_id_digest": record.legal_representative_id_digest,
        },
    )
    return organization


@transaction.atomic
def register_organization_agent(
    *,
    user: User,
    uscc: str,
    is_legal_representative: bool = False,
    authorization_letter: UploadedFile | None = None,
    registry: OrganizationRegistry | None = None,
    ip: str | None = None,
) -> OrganizationAgent:
    """Ask to act for an organisation (经办人). The organisation's facts come from the registry.

    The legal representative (their verified ID number is the registry's) is verified at once; anyone
    else files the sealed letter and stays pending until the legal representative's own account
    confirms it or a clerk checks the letter at a window.
    """
    if not user.is_real_name_verified:
        raise DomainError(gettext("请先完成实名认证，再登记为单位经办人。"), code="real_name_required")
    organization = _organization_from_registry(validate_uscc(uscc), registry)

    letter_kind: uploads.FileKind | None = None
    if is_legal_representative:
        if not _is_legal_representative(user, organization):
            raise DomainError(
                gettext("您实名认证的身份证件与登记机关登记的法定代表人不一致，请上传单位出具的授权委托书。"),
                code="not_legal_representative",
            )
    else:
        if authorization_letter is None:
            raise DomainError(gettext("请上传加盖单位公章的授权委托书（PDF、JPEG 或 PNG）。"), code="letter_required")
        letter_kind = uploads.check_upload(authorization_letter, allowed=AUTHORIZATION_LETTER_KINDS)

    agent = OrganizationAgent.objects.select_for_update().filter(organization=organization, user=user).first()
    if agent is not None and agent.revoked_at is None:
        if agent.is_active:
            raise DomainError(gettext("您已是该单位的经办人，无需重复登记。"), code="already_agent")
        raise DomainError(gettext("您的经办人授权正在等待核验，无需重复提交。"), code="agent_pending")
    if agent is None:
        agent = OrganizationAgent(organization=organization, user=user)
    agent.is_legal_representative = is_legal_representative
    agent.revoked_at = agent.revoked_by = None
    if is_legal_representative:
        agent.verified_at = timezone.now()
        agent.verified_by = user
        agent.verified_via = OrganizationAgent.VerifiedVia.LEGAL_REPRESENTATIVE
    else:
        agent.verified_at = agent.verified_by = None
        agent.verified_via = ""
    if letter_kind is not None and authorization_letter is not None:
        # The stored name comes from the content, never from the uploader's file name.
        agent.authorization_letter.save(
            f"{uuid.uuid4().hex}{letter_kind.extensions[0]}", authorization_letter, save=False
        )
    else:
        agent.authorization_letter = ""
    agent.save()
    if agent.is_active:
        user.groups.add(_role_group(Role.ENTERPRISE))
    else:
        # The legal representative and the organisation's agents learn of every request to act for it.
        watchers = [*_legal_representative_accounts(organization), *_active_agent_accounts(organization)]
        _tell(
            user_ids=[pk for pk in watchers if pk != user.pk],
            title=stored(gettext_noop("%(organization)s：有人申请成为经办人"), organization=organization.name),
            body=stored(
                gettext_noop(
                    "%(name)s（%(id)s）申请以贵单位经办人身份办事，"
                    "法定代表人确认或窗口核验授权委托书原件后生效。如非贵单位授权，请在个人中心撤销。"
                ),
                name=user.real_name,
                id=user.id_number_masked,
            ),
            key=f"agent_requested:{agent.pk}:{agent.created_at.isoformat()}",
            link="/accounts/profile/",
        )
    record_audit(
        actor=user,
        action="organization.agent_registered",
        obj=agent,
        detail={
            "organization": organization.pk,
            "uscc": organization.uscc,
            "is_legal_representative": is_legal_representative,
            "is_active": agent.is_active,
        },
        ip=ip,
    )
    return agent


def _active_agent_accounts(organization: Organization) -> list[int]:
    return list(organization.agents.active().values_list("user_id", flat=True))


def may_manage_agents(user: User, organization: Organization) -> bool:
    """The legal representative and the organisation's verified agents see and may revoke its agents."""
    if _is_legal_representative(user, organization):
        return True
    return organization.agents.active().filter(user_id=user.pk).exists()


@transaction.atomic
def confirm_agent(*, agent: OrganizationAgent, actor: User, ip: str | None = None) -> OrganizationAgent:
    """The legal representative's own account confirms a pending authorisation."""
    locked = OrganizationAgent.objects.select_for_update().select_related("organization", "user").get(pk=agent.pk)
    if not _is_legal_representative(actor, locked.organization):
        raise PermissionDenied(gettext("只有登记机关登记的法定代表人本人可以在线确认经办人授权。"))
    return _verify_agent(locked, actor=actor, via=OrganizationAgent.VerifiedVia.CONFIRMED, ip=ip)


@transaction.atomic
def verify_agent_at_window(*, agent: OrganizationAgent, clerk: User, ip: str | None = None) -> OrganizationAgent:
    """A clerk has checked the sealed original of the letter (and the agent's ID card) at a window."""
    if not clerk.has_role(Role.CLERK):
        raise PermissionDenied(gettext("只有窗口工作人员可以核验授权委托书原件。"))
    locked = OrganizationAgent.objects.select_for_update().select_related("organization", "user").get(pk=agent.pk)
    if not locked.authorization_letter:
        raise DomainError(gettext("该授权没有授权委托书，无法在窗口核验。"), code="letter_required")
    return _verify_agent(locked, actor=clerk, via=OrganizationAgent.VerifiedVia.WINDOW, ip=ip)


def _verify_agent(locked: OrganizationAgent, *, actor: User, via: str, ip: str | None) -> OrganizationAgent:
    if locked.revoked_at is not None:
        raise InvalidTransition(gettext("该经办人授权已撤销，不能再核验。"), code="already_revoked")
    if locked.verified_at is not None:
        raise InvalidTransition(gettext("该经办人授权已经核验生效。"), code="already_verified")
    locked.verified_at = timezone.now()
    locked.verified_by = actor
    locked.verified_via = via
    locked.save(update_fields=["verified_at", "verified_by", "verified_via"])
    locked.user.groups.add(_role_group(Role.ENTERPRISE))
    _tell(
        user_ids=[locked.user_id],
        title=stored(gettext_noop("%(organization)s：经办人授权已生效"), organization=locked.organization.name),
        body=stored(gettext_noop("您现在可以以该单位经办人身份申请和查看单位的办件。")),
        key=f"agent_verified:{locked.pk}",
        link="/accounts/profile/",
    )
    record_audit(actor=actor, action="organization.agent_verified", obj=locked, detail={"via": via}, ip=ip)
    return locked


@transaction.atomic
def revoke_agent(*, agent: OrganizationAgent, actor: User, ip: str | None = None) -> OrganizationAgent:
    """End an agent's authority (or refuse a pending one); the last one ended takes the `enterprise` role away.

    The agent themself, the legal representative, the organisation's other verified agents and system
    administrators may.
    """
    locked = OrganizationAgent.objects.select_for_update().select_related("user", "organization").get(pk=agent.pk)
    is_admin = actor.is_superuser or actor.has_role(Role.SYSADMIN)
    if actor.pk != locked.user_id and not is_admin:
        if not may_manage_agents(actor, locked.organization):
            raise PermissionDenied(
                gettext("只有经办人本人、单位法定代表人、单位其他经办人或系统管理员可以撤销该授权。")
            )
        # The agents act on the legal representative's authority, never over it.
        if _is_legal_representative(locked.user, locked.organization) and not _is_legal_representative(
            actor, locked.organization
        ):
            raise PermissionDenied(gettext("经办人不能撤销法定代表人本人的授权。"))
    if locked.revoked_at is not None:
        raise InvalidTransition(gettext("该经办人授权已撤销。"), code="already_revoked")
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    if not OrganizationAgent.objects.active().filter(user_id=locked.user_id).exists():
        locked.user.groups.remove(_role_group(Role.ENTERPRISE))
    if actor.pk != locked.user_id:
        _tell(
            user_ids=[locked.user_id],
            title=stored(gettext_noop("%(organization)s：经办人授权已撤销"), organization=locked.organization.name),
            body=stored(gettext_noop("您不能再以该单位经办人身份办事。如有疑问，请联系单位。")),
            key=f"agent_revoked:{locked.pk}:{locked.revoked_at.isoformat()}",
            link="/accounts/profile/",
        )
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
        raise BadInput(
            gettext("工作人员账户须至少有一个工作人员角色。"), detail={"roles": unknown}, code="invalid_roles"
        )
    if User.objects.filter(username=username).exists():
        raise DomainError(gettext("用户名“%(username)s”已存在。") % {"username": username}, code="duplicate_username")
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
        raise DomainError(
            gettext("“%(username)s”不是工作人员账户，登录无需动态验证码。") % {"username": locked.username},
            code="not_staff",
        )
    now = timezone.now()
    StaffEnrolmentCode.objects.filter(user=locked, spent_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    removed, _ = TOTPDevice.objects.filter(user=locked).delete()
    # API keys were issued on the old second factor: a lost phone ends them too.
    keys_revoked = ApiToken.objects.filter(user=locked, revoked_at__isnull=True).update(revoked_at=now)
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
            "api_keys_revoked": keys_revoked,
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
            raise InvalidTransition(gettext("该账户已绑定动态验证码设备。"), code="otp_already_set_up")
        enrolment = _live_enrolment_codes(user).select_for_update().order_by("-created_at").first()
        if enrolment is None:
            record_audit(actor=user, action="account.enrolment_code_failed", obj=user, detail={"reason": "none"}, ip=ip)
            refusal: DomainError | None = DomainError(
                gettext("该账户没有有效的绑定码（已过期、已使用或已作废），请联系系统管理员重新签发。"),
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
                    gettext("绑定码输错次数过多，已作废，请联系系统管理员重新签发。"), code="enrolment_code_throttled"
                )
            else:
                refusal = BadInput(
                    gettext("绑定码不正确，请核对系统管理员交给您的绑定码。"), code="enrolment_code_invalid"
                )
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
        raise DomainError(gettext("只有演示工作人员账户可以直接绑定动态验证码设备。"), code="not_demo_staff")
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
            raise InvalidTransition(gettext("尚未绑定动态验证码设备，请先输入绑定码完成设置。"), code="otp_not_set_up")
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
        raise DomainError(gettext("验证码错误次数过多，请稍等片刻再试。"), code="otp_throttled")
    if not verified:
        raise BadInput(gettext("动态验证码不正确或已过期，请输入验证器应用中当前显示的 6 位数字。"), code="otp_invalid")
    return device
