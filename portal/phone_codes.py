"""Codes texted to a phone number (短信验证码), which prove that whoever registers holds the number.

Two steps: ``send_registration_code`` texts a 6-digit code (throttled per number and per address),
then ``portal.services.register_user`` redeems it with ``redeem_code`` in the transaction that
creates the account. A code lives CODE_VALIDITY, is used once, and MAX_FAILED_ATTEMPTS wrong tries
revoke it; only its keyed digest is stored (PhoneCode).

The text is sent from the request, right after the code's row is committed, not through the outbox
(STYLE.md rule 3) on purpose: an outbox row and its notification would keep the code in clear in
the database, and a relayed, retried delivery may arrive after the code has expired. The person is
waiting for it; a gateway that fails is told to them at once (503), and they ask again.
"""

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, ngettext

from portal.clock import Clock, system_clock
from portal.exceptions import BadInput, DomainError, ServiceUnavailable, Throttled
from portal.models import PhoneCode, User
from portal.sms import get_sms_backend

log = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_VALIDITY = dt.timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
# Each text costs money and reaches a stranger's phone if the number is not the asker's.
RESEND_INTERVAL = dt.timedelta(seconds=60)
PER_HOUR = 5  # per number and per address


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def _digest(phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a million codes are nothing to try against a plain hash of a leaked table.
    return salted_hmac("portal.phone_codes", f"{phone}:{code}").hexdigest()


def _check_throttle(*, phone: str, ip: str | None, now: dt.datetime) -> None:
    hour_ago = now - dt.timedelta(hours=1)
    for field, value in (("phone", phone), ("ip_address", ip)):
        if not value:
            continue
        recent = list(
            PhoneCode.objects.filter(**{field: value}, created_at__gt=hour_ago)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:PER_HOUR]
        )
        if recent and now - recent[0] < RESEND_INTERVAL:
            seconds = int((RESEND_INTERVAL - (now - recent[0])).total_seconds()) + 1
            raise Throttled(
                ngettext(
                    "验证码已发送，请 %(seconds)d 秒后再重新获取。",
                    "验证码已发送，请 %(seconds)d 秒后再重新获取。",
                    seconds,
                )
                % {"seconds": seconds},
                code="phone_code_too_soon",
            )
        if len(recent) >= PER_HOUR:
            message = (
                gettext("该手机号码一小时内获取验证码的次数已达上限，请稍后再试。")
                if field == "phone"
                else gettext("您的网络地址一小时内获取验证码的次数已达上限，请稍后再试。")
            )
            raise Throttled(message, code="phone_code_hourly_limit")


def send_registration_code(*, phone: str, ip: str | None = None, clock: Clock = system_clock) -> PhoneCode:
    """Text a new registration code to ``phone`` (already validated); earlier live codes are revoked.

    Throttled (429) within RESEND_INTERVAL of the last code, or past PER_HOUR codes an hour, for the
    number or the address; ServiceUnavailable (503) when the gateway refuses the text.
    """
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise DomainError(gettext("该手机号码已注册，请直接登录。"), code="duplicate_phone")
    now = clock.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    with transaction.atomic():
        _check_throttle(phone=phone, ip=ip, now=now)
        PhoneCode.objects.filter(
            phone=phone, purpose=PhoneCode.Purpose.REGISTER, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        row = PhoneCode.objects.create(
            phone=phone,
            purpose=PhoneCode.Purpose.REGISTER,
            code_digest=_digest(phone, code),
            ip_address=ip or None,
            created_at=now,
            expires_at=now + CODE_VALIDITY,
        )
    # Committed: the throttle counts this request even if the gateway fails below.
    minutes = int(CODE_VALIDITY.total_seconds() // 60)
    text = gettext(
        "【%(PORTAL_NAME)s】您的注册验证码为 %(code)s，%(minutes)s 分钟内有效。"
        "请勿将验证码告诉他人；如非本人操作，请忽略本短信。"
    ) % {"PORTAL_NAME": settings.PORTAL_NAME, "code": code, "minutes": minutes}
    try:
        get_sms_backend().send(phone=phone, text=text, key=f"phone-code:{row.pk}")
    except Exception as exc:
        log.warning("registration code for %s not sent: %s", mask_phone(phone), exc)
        PhoneCode.objects.filter(pk=row.pk).update(revoked_at=clock.now())
        raise ServiceUnavailable(gettext("短信发送失败，请稍后重新获取验证码。"), code="phone_code_not_sent") from exc
    return row


def redeem_code(*, phone: str, code: str, clock: Clock = system_clock) -> DomainError | None:
    """Spend the latest live registration code of ``phone`` if ``code`` matches; the refusal otherwise.

    Runs in the caller's transaction and returns (does not raise) a refusal, so that the caller
    commits the wrong try before refusing: a rolled-back count would make guessing free.
    """
    now = clock.now()
    # The latest code is the one that counts: asking again revoked the earlier ones.
    row = (
        PhoneCode.objects.select_for_update()
        .filter(phone=phone, purpose=PhoneCode.Purpose.REGISTER)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        return BadInput(gettext("请先获取短信验证码。"), code="phone_code_missing")
    if row.revoked_at is not None:
        return BadInput(gettext("验证码已失效，请重新获取验证码。"), code="phone_code_revoked")
    if row.used_at is not None:
        return BadInput(gettext("该验证码已使用过，请重新获取验证码。"), code="phone_code_used")
    if row.expires_at <= now:
        return BadInput(gettext("验证码已过期，请重新获取验证码。"), code="phone_code_expired")
    digest = _digest(phone, code)
    if not constant_time_compare(digest, row.code_digest):
        if PhoneCode.objects.filter(phone=phone, purpose=row.purpose, code_digest=digest).exclude(pk=row.pk).exists():
            # The holder of the phone typed the code of an earlier text: not a guess, so not counted.
            return BadInput(
                gettext("该验证码已被新发送的验证码取代，请填写最新收到的验证码。"), code="phone_code_replaced"
            )
        row.failed_attempts += 1
        if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
            row.revoked_at = now
        row.save(update_fields=["failed_attempts", "revoked_at"])
        if row.revoked_at is not None:
            return BadInput(gettext("验证码输错次数过多，已失效，请重新获取验证码。"), code="phone_code_revoked")
        left = MAX_FAILED_ATTEMPTS - row.failed_attempts
        return BadInput(
            ngettext(
                "验证码不正确，请核对短信中的 6 位数字（还可再试 %(left)d 次）。",
                "验证码不正确，请核对短信中的 6 位数字（还可再试 %(left)d 次）。",
                left,
            )
            % {"left": left},
            code="phone_code_wrong",
        )
    row.used_at = now
    row.save(update_fields=["used_at"])
    return None
