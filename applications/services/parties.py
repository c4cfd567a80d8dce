"""Parties: registering them, claiming a case with its receipt code, 办件查询, ID numbers."""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from applications.forms_runtime import decrypt_id_numbers, is_encrypted
from applications.models import (
    Application,
    Party,
)
from applications.selectors import PublicProgress, public_progress
from portal import crypto, outbox, stored_text, validators
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, NotFound, PermissionDenied, Throttled
from portal.idnumbers import id_number_digest, mask_id_number
from portal.stored_text import stored

# --- Parties ---------------------------------------------------------------------------------

ID_VALIDATORS = {
    Party.IdType.RESIDENT_ID: validators.validate_resident_id,
    Party.IdType.FOREIGN_PERMANENT: validators.validate_foreign_permanent_id,
    Party.IdType.USCC: validators.validate_uscc,
}


@transaction.atomic
def register_party(
    *,
    kind: str,
    name: str,
    id_type: str,
    id_number: str,
    phone: str = "",
    legal_representative: str = "",
    in_person: bool = False,
) -> Party:
    """The applicant named by an ID document, found again by the keyed digest of its number.

    An existing party is returned as it is: nothing typed by whoever starts a case changes its name or
    phone (a stranger's proxy start must not redirect the holder's notices). What this case's
    applicant typed goes on the case (``Application.applicant_name`` / ``contact_phone``). ``phone``
    is kept only when the party is first recorded. ``in_person``: a clerk has the ID document in view
    (at a window), so the name and phone recorded there are the party's from now on, correcting what
    a stranger's online start may have written first.
    """
    if kind == Party.Kind.ORGANIZATION and id_type != Party.IdType.USCC:
        raise ValidationError({"id_type": gettext("法人或其他组织须以统一社会信用代码申请。")})
    check = ID_VALIDATORS.get(id_type)
    number = check(id_number) if check else id_number.strip().upper()
    if not check and not 5 <= len(number) <= 20:
        raise ValidationError({"id_number": gettext("证件号码长度不正确。")})
    if phone:
        phone = validators.validate_phone(phone)
    digest = id_number_digest(number)
    party, created = Party.objects.get_or_create(
        id_type=id_type,
        id_number_digest=digest,
        defaults={
            "kind": kind,
            "name": name.strip(),
            "id_number_encrypted": crypto.encrypt(number),
            "id_number_masked": number if id_type == Party.IdType.USCC else mask_id_number(number),
            "phone": phone,
            "legal_representative": legal_representative,
        },
    )
    if in_person and not created:
        corrected = {"name": name.strip() or party.name, "phone": phone or party.phone}
        changed = [field for field, value in corrected.items() if getattr(party, field) != value]
        for field in changed:
            setattr(party, field, corrected[field])
        if changed:
            party.save(update_fields=changed)
    return party


# A receipt's code is 40 bits; a few wrong guesses an hour per account keep it out of reach.
CLAIM_ATTEMPTS_PER_HOUR = 5


def claim_application(*, user: Any, number: str, access_code: str, clock: Clock = system_clock) -> Application:
    """认领办件: a case filed under the user's ID number elsewhere (at a window, by a proxy) reaches the
    account once the user types the 查询码 printed on its receipt.

    A wrong number, a wrong code and a case of somebody else get the same answer, so the form tells
    nothing about which cases exist. Not one transaction: a refusal's audit row must survive it.
    """
    from portal.models import AuditEvent, User
    from portal.services import record_audit

    if not user.is_real_name_verified:
        raise PermissionDenied(gettext("认领办件前，请先完成实名认证。"), code="real_name_required")
    number, code = number.strip()[:40], access_code.strip().upper()[:12]
    with transaction.atomic():
        # The account's row is locked while its failures are counted and a new one written, so guesses
        # sent in parallel are counted one after another, not all against the same count.
        User.objects.select_for_update().filter(pk=user.pk).first()
        since = clock.now() - dt.timedelta(hours=1)
        failures = AuditEvent.objects.filter(actor=user, action="application.claim_failed", at__gte=since).count()
        throttled = failures >= CLAIM_ATTEMPTS_PER_HOUR
        application = None
        if not throttled:
            application = (
                Application.objects.filter(number=number, party__id_type=Party.IdType.RESIDENT_ID)
                .exclude(access_code="")
                .select_related("party")
                .first()
            )
        matches = (
            application is not None
            and application.party.id_number_digest == user.id_number_digest
            # Bytes: compare_digest raises TypeError on a str with non-ASCII characters.
            and secrets.compare_digest(application.access_code.encode(), code.encode())
        )
        if not throttled and not matches:
            record_audit(actor=user, action="application.claim_failed", detail={"number": number})
    if throttled:
        raise Throttled(gettext("查询码错误次数过多，请一小时后再试，或携带身份证件到政务服务大厅办理。"))
    if not matches:
        raise NotFound(gettext("办件编号或查询码不正确，或该办件的申请人不是您本人。"), code="claim_refused")
    assert application is not None
    with transaction.atomic():
        Application.objects.filter(pk=application.pk).update(claimed_by=user)
        record_audit(actor=user, action="application.claimed", obj=application)
    application.claimed_by = user
    return application


# 办件查询 is anonymous: failures are counted per address and per number, in the database, so the
# limit holds without Redis and across workers. 40 bits against 5 guesses an hour per number.
LOOKUP_FAILURES_PER_IP_PER_HOUR = 10
LOOKUP_FAILURES_PER_NUMBER_PER_HOUR = 5
LOOKUP_FAILED = "application.lookup_failed"
LOOKUP_THROTTLED = "application.lookup_throttled"


def look_up_progress(*, number: str, access_code: str, ip: str | None, clock: Clock = system_clock) -> PublicProgress:
    """办件查询: the progress of a case for whoever holds its receipt (number + 查询码), signed in or not.

    A wrong code and an unknown number get the same NotFound. Too many failures from one address or
    on one number in the last hour get Throttled before any comparison. Not one transaction: each
    refusal's audit row must survive it.
    """
    from portal.models import AuditEvent
    from portal.services import record_audit

    number = number.strip()
    since = clock.now() - dt.timedelta(hours=1)
    failures = AuditEvent.objects.filter(action=LOOKUP_FAILED, at__gte=since)
    by_ip = failures.filter(ip_address=ip).count() if ip else 0
    by_number = failures.filter(detail__number=number).count()
    if by_ip >= LOOKUP_FAILURES_PER_IP_PER_HOUR or by_number >= LOOKUP_FAILURES_PER_NUMBER_PER_HOUR:
        # Audited under its own action, so hammering a locked number does not extend its lock.
        record_audit(actor=None, action=LOOKUP_THROTTLED, detail={"number": number}, ip=ip)
        raise Throttled(
            gettext("查询码错误次数过多，请一小时后再试，或携带受理凭证到政务服务大厅查询。"), code="lookup_throttled"
        )
    progress = public_progress(number, access_code)
    if progress is None:
        record_audit(actor=None, action=LOOKUP_FAILED, detail={"number": number}, ip=ip)
        raise NotFound(gettext("办件编号或查询码不正确，请核对受理凭证后重新输入。"), code="lookup_refused")
    return progress


@transaction.atomic
def link_party_to_account(*, clerk: Any, id_number: str, account: Any) -> Party:
    """At a window: the clerk checked the person's ID card and their account; from now on the account
    sees every case filed under that person's number."""
    from portal.models import Role
    from portal.services import record_audit

    if not clerk.has_role(Role.CLERK):
        raise PermissionDenied(gettext("只有窗口工作人员可以核验身份并关联账户。"))
    number = validators.validate_resident_id(id_number)
    digest = id_number_digest(number)
    if not account.is_real_name_verified or account.id_number_digest != digest:
        raise DomainError(gettext("该账户实名认证的身份证件号码与所持身份证件不一致。"), code="id_mismatch")
    party = Party.objects.select_for_update().filter(id_type=Party.IdType.RESIDENT_ID, id_number_digest=digest).first()
    if party is None:
        raise NotFound(gettext("该身份证件号码名下没有办件。"))
    party.account = account
    party.save(update_fields=["account"])
    record_audit(actor=clerk, action="party.account_linked", obj=party, detail={"account": account.pk})
    return party


def handle_identity_bound(*, message_id: int, clock: Clock = system_clock) -> int:
    """An account bound an ID number (portal.services.verify_real_name): tell the phones on file of the
    parties with that number, and, on a strong proof only, make the account their holder."""
    from portal.models import OutboxMessage, User

    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    if message is None:
        return 0
    payload = message.payload
    user = User.objects.filter(pk=payload["user_id"]).first()
    parties = Party.objects.filter(id_type=Party.IdType.RESIDENT_ID, id_number_digest=payload["digest"])
    bound_at = f"{timezone.localtime(dt.datetime.fromisoformat(payload['at'])):%Y-%m-%d %H:%M}"
    told = 0
    with transaction.atomic():
        for party in parties:
            # The phones a window wrote down with the ID card in view; never one a proxy typed online.
            window_cases = party.applications.filter(channel=Application.Channel.WINDOW).exclude(contact_phone="")
            phones = {party.phone, *window_cases.values_list("contact_phone", flat=True)}
            for phone in sorted(p for p in phones if p):
                outbox.enqueue(
                    kind="notification",
                    key=f"notify:identity_bound:{message.pk}:{phone}",
                    payload={
                        "user_id": None,
                        "phone": phone,
                        **stored_text.payload(
                            title=stored(gettext_noop("身份证件绑定提醒")),
                            body=stored(
                                gettext_noop(
                                    "您的身份证件（%(id)s）已于 %(at)s 绑定一网通办账户。"
                                    "如非本人操作，请致电 %(hotline)s。"
                                ),
                                id=party.id_number_masked,
                                at=bound_at,
                                hotline=settings.SERVICE_HOTLINE,
                            ),
                        ),
                        "link": "",
                    },
                    clock=clock,
                )
                told += 1
            if payload.get("assurance") == "strong" and user is not None and party.account_id is None:
                party.account = user
                party.save(update_fields=["account"])
        outbox.mark_done(message.pk, clock=clock)
    return told


def reveal_id_number(*, party: Party, actor: Any, purpose: str) -> str:
    """The full number, for those whose work needs it; every reveal is audited."""
    from portal.services import record_audit

    record_audit(
        actor=actor, action="reveal_id_number", obj=party, detail={"purpose": purpose, "masked": party.id_number_masked}
    )
    return crypto.decrypt(party.id_number_encrypted)


def reveal_form_id_numbers(*, application: Application, actor: Any, purpose: str) -> dict[str, Any]:
    """The case's form with the ID numbers typed into it in full; every reveal is audited, as the
    party's own number is (reveal_id_number)."""
    from portal.services import record_audit

    encrypted = {name: value for name, value in (application.form_data or {}).items() if is_encrypted(value)}
    if encrypted:
        record_audit(
            actor=actor,
            action="reveal_form_id_number",
            obj=application,
            detail={
                "purpose": purpose,
                "fields": sorted(encrypted),
                "masked": [encrypted[name]["masked"] for name in sorted(encrypted)],
            },
        )
    return decrypt_id_numbers(application.form_data or {})
