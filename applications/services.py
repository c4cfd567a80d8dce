"""Every change of a case. Each public function is one action of the state table
(applications/transitions.py), goes through ``transition`` and writes the timeline and outbox rows
in the same transaction. Who may call which function is decided by applications/access.py; the
``actor_role`` passed in is what that helper established.
"""

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from applications import deadlines, documents
from applications.access import barred_from_deciding
from applications.forms_runtime import decrypt_id_numbers, encrypt_id_numbers, is_encrypted, validate_form_data
from applications.models import (
    Application,
    CorrectionNotice,
    Delivery,
    Document,
    Extension,
    FeeAssessment,
    NumberSequence,
    Party,
    Result,
    ReviewTask,
    SubmittedMaterial,
    Suspension,
    TimelineEvent,
)
from applications.payments import get_payment_provider
from applications.refusals import resolve_refusal
from applications.selectors import PublicProgress, public_progress
from applications.transitions import TRANSITIONS, Actor
from catalog.models import MaterialRequirement, ServiceItem
from catalog.selectors import materials_for
from portal import crypto, outbox, validators, workdays
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied, Throttled
from portal.idnumbers import id_number_digest, mask_id_number
from portal.uploads import DOCUMENT_KINDS, check_upload, original_name

S = Application.Status


# --- The one place a status changes ---------------------------------------------------------


@transaction.atomic
def transition(
    *,
    application: Application,
    action: str,
    actor_role: str,
    actor: Any = None,
    note: str = "",
    changes: dict[str, Any] | None = None,
    visible_to_applicant: bool = True,
    target: str | None = None,
    clock: Clock = system_clock,
) -> Application:
    """Move a case by the state table: lock the row, check the move, save, write the timeline.

    The row is re-read under ``select_for_update``, so two clerks acting at once serialise: the second
    sees the first one's state and gets InvalidTransition (HTTP 409), and nothing of its own is written.
    """
    move = TRANSITIONS[action]
    locked = _locked_for(application, action, actor_role)
    from_status = locked.status
    to_status = target or move.target or from_status
    fields = {"status": to_status, **(changes or {})}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    TimelineEvent.objects.create(
        application=locked,
        at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_visible_to_applicant=visible_to_applicant,
    )
    if visible_to_applicant:
        _notify_applicant(
            locked,
            f"{move.label}：{locked.get_status_display()}",
            note,
            key=f"{locked.pk}:{action}:{clock.now().isoformat()}",
        )
    for name in ["status", *fields]:
        setattr(application, name, getattr(locked, name))
    return application


def _locked_for(application: Application, action: str, actor_role: str) -> Application:
    """The case's row, locked, once the state table allows ``action`` by ``actor_role`` (else 409 / 403).

    A service that writes rows of its own before its transition calls this first, so a refused move
    (a double click, a wrong state) leaves nothing behind and no file is stored.
    """
    move = TRANSITIONS[action]
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status not in move.sources:
        raise InvalidTransition(
            f"办件当前状态为“{locked.get_status_display()}”，不能{move.label}。",
            detail={"status": locked.status, "action": action},
        )
    if actor_role not in move.actors:
        raise PermissionDenied(f"您不能对该办件执行“{move.label}”。")
    return locked


def _notify_applicant(application: Application, title: str, body: str, *, key: str) -> None:
    if application.applicant_user_id is None and not application.contact_phone:
        return
    outbox.enqueue(
        kind="notification",
        key=f"notify:{key}",
        payload={
            "user_id": application.applicant_user_id,
            "phone": application.contact_phone,
            "title": f"办件 {application.number or ''} {title}".strip(),
            "body": body,
            "link": f"/applications/{application.number}/" if application.number else "",
        },
    )


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
        raise ValidationError({"id_type": "法人或其他组织须以统一社会信用代码申请。"})
    check = ID_VALIDATORS.get(id_type)
    number = check(id_number) if check else id_number.strip().upper()
    if not check and not 5 <= len(number) <= 20:
        raise ValidationError({"id_number": "证件号码长度不正确。"})
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
        raise PermissionDenied("认领办件前，请先完成实名认证。", code="real_name_required")
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
            and secrets.compare_digest(application.access_code, code)
        )
        if not throttled and not matches:
            record_audit(actor=user, action="application.claim_failed", detail={"number": number})
    if throttled:
        raise Throttled("查询码错误次数过多，请一小时后再试，或携带身份证件到政务服务大厅办理。")
    if not matches:
        raise NotFound("办件编号或查询码不正确，或该办件的申请人不是您本人。", code="claim_refused")
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
            "查询码错误次数过多，请一小时后再试，或携带受理凭证到政务服务大厅查询。", code="lookup_throttled"
        )
    progress = public_progress(number, access_code)
    if progress is None:
        record_audit(actor=None, action=LOOKUP_FAILED, detail={"number": number}, ip=ip)
        raise NotFound("办件编号或查询码不正确，请核对受理凭证后重新输入。", code="lookup_refused")
    return progress


@transaction.atomic
def link_party_to_account(*, clerk: Any, id_number: str, account: Any) -> Party:
    """At a window: the clerk checked the person's ID card and their account; from now on the account
    sees every case filed under that person's number."""
    from portal.models import Role
    from portal.services import record_audit

    if not clerk.has_role(Role.CLERK):
        raise PermissionDenied("只有窗口工作人员可以核验身份并关联账户。")
    number = validators.validate_resident_id(id_number)
    digest = id_number_digest(number)
    if not account.is_real_name_verified or account.id_number_digest != digest:
        raise DomainError("该账户实名认证的身份证件号码与所持身份证件不一致。", code="id_mismatch")
    party = Party.objects.select_for_update().filter(id_type=Party.IdType.RESIDENT_ID, id_number_digest=digest).first()
    if party is None:
        raise NotFound("该身份证件号码名下没有办件。")
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
                        "title": "身份证件绑定提醒",
                        "body": f"您的身份证件（{party.id_number_masked}）已于 {bound_at} 绑定一网通办账户。"
                        f"如非本人操作，请致电 {settings.SERVICE_HOTLINE}。",
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


# --- Starting and submitting ------------------------------------------------------------------


def _check_item_open(item: ServiceItem, *, online: bool, clock: Clock) -> None:
    if item.status != ServiceItem.Status.PUBLISHED:
        raise DomainError("该事项版本已停止使用，请从最新的办事指南重新申请。", code="item_not_current")
    effective = item.lifecycle_effective_on
    if item.lifecycle != ServiceItem.Lifecycle.IN_FORCE and (effective is None or effective <= clock.today()):
        raise DomainError(f"该事项已{item.get_lifecycle_display()}，暂不受理申请。", code="item_not_in_force")
    if online and not (item.accepts_on_pc or item.accepts_on_mobile):
        raise DomainError("该事项暂不支持网上申报，请到窗口办理。", code="not_online")


@transaction.atomic
def start_application(
    *,
    user: Any,
    item: ServiceItem,
    party: Party,
    acting_as: str = Application.ActingAs.SELF,
    channel: str = Application.Channel.ONLINE,
    idempotency_key: str | None = None,
    proxy_letter: UploadedFile | None = None,
    applicant_name: str = "",
    contact_phone: str = "",
    clock: Clock = system_clock,
) -> Application:
    """A draft for the applicant. The same idempotency key returns the same draft (double click).

    ``applicant_name`` and ``contact_phone`` are this case's (as typed); they default to the party's.
    """
    if idempotency_key:
        existing = Application.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.applicant_user_id != getattr(user, "pk", None):
                raise InvalidTransition("该请求标识已被使用。")
            return existing
    _check_item_open(item, online=channel == Application.Channel.ONLINE, clock=clock)
    # Online, nobody at a window sees the principal's signature: the letter comes with the draft.
    if acting_as == Application.ActingAs.PROXY and channel == Application.Channel.ONLINE and proxy_letter is None:
        raise ValidationError({"proxy_letter": "代他人申请须上传委托人签字的授权委托书。"})
    if proxy_letter is not None:
        try:
            check_upload(proxy_letter, allowed=DOCUMENT_KINDS)
        except ValidationError as exc:
            raise ValidationError({"proxy_letter": exc.messages}) from None
    try:
        with transaction.atomic():
            application = Application.objects.create(
                item=item,
                department=item.department,
                party=party,
                applicant_name=(applicant_name.strip() or party.name)[:200],
                contact_phone=validators.validate_phone(contact_phone) if contact_phone else party.phone,
                applicant_user=user if getattr(user, "pk", None) else None,
                acting_as=acting_as,
                channel=channel,
                idempotency_key=idempotency_key,
                proxy_letter=proxy_letter or "",
            )
    except IntegrityError:  # the same key raced in from a second request
        return Application.objects.get(idempotency_key=idempotency_key)
    TimelineEvent.objects.create(
        application=application,
        at=clock.now(),
        actor=application.applicant_user,
        action="start",
        to_status=S.DRAFT,
        is_visible_to_applicant=True,
    )
    return application


# A well-formed number that is not the user's own is refused on the merits (422), not as malformed input.
ID_MISMATCH = "id_mismatch"


def check_own_id_number(*, user: Any, id_number: str) -> str:
    """The user's own 公民身份号码, typed again. The account keeps only the keyed digest of the
    verified number, so an equal digest is the proof; returns the normalised number."""
    number = validators.validate_resident_id(id_number)
    if not user.id_number_digest or id_number_digest(number) != user.id_number_digest:
        raise ValidationError(
            "该号码与您实名认证的身份证号码不一致。为他人申请请选择“受他人委托代为申请”。", code=ID_MISMATCH
        )
    return number


@transaction.atomic
def start_online_application(
    *,
    user: Any,
    item: ServiceItem,
    acting_as: str,
    name: str = "",
    id_number: str = "",
    organization: Any = None,
    phone: str = "",
    proxy_letter: UploadedFile | None = None,
    idempotency_key: str | None = None,
    clock: Clock = system_clock,
) -> Application:
    """网上申请 from an account: for oneself (the ID number typed again matches the verified one), for an
    organisation the user is 经办人 of, or for a principal (委托代理, with the signed letter).

    One transaction: a refused start (an item closed, a fake letter) leaves no party behind.
    """
    if not user.is_real_name_verified:
        raise PermissionDenied("网上申请前，请先完成实名认证。", code="real_name_required")
    if acting_as == Application.ActingAs.SELF:
        try:
            number = check_own_id_number(user=user, id_number=id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.error_list}) from None
        if name.strip() and name.strip() != user.real_name:
            raise ValidationError({"name": ValidationError("姓名与您实名认证的姓名不一致。", code=ID_MISMATCH)})
        typed_name = user.real_name
        party = register_party(
            kind=Party.Kind.PERSON, name=user.real_name, id_type=Party.IdType.RESIDENT_ID, id_number=number
        )
    elif acting_as == Application.ActingAs.AGENT:
        if organization is None or not user.agencies.active().filter(organization=organization).exists():
            raise PermissionDenied("您不是该单位已核验的经办人，不能以该单位名义申请。")
        typed_name = organization.name
        party = register_party(
            kind=Party.Kind.ORGANIZATION,
            name=organization.name,
            id_type=Party.IdType.USCC,
            id_number=organization.uscc,
            legal_representative=organization.legal_representative,
        )
    elif acting_as == Application.ActingAs.PROXY:
        problems: dict[str, list[ValidationError]] = {}
        if not name.strip():
            problems["name"] = [ValidationError("请填写委托人姓名。", code="required")]
        try:
            number = validators.validate_resident_id(id_number)
        except ValidationError as exc:
            problems["id_number"] = exc.error_list
        else:
            if id_number_digest(number) == user.id_number_digest:
                problems["id_number"] = [ValidationError("委托人不能是您本人，请选择本人申请。", code=ID_MISMATCH)]
        if problems:
            raise ValidationError(problems)
        typed_name = name
        party = register_party(kind=Party.Kind.PERSON, name=name, id_type=Party.IdType.RESIDENT_ID, id_number=number)
    else:
        raise ValidationError({"acting_as": "请选择申请身份。"})
    if phone:
        try:
            phone = validators.validate_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.error_list}) from None
    return start_application(
        user=user,
        item=item,
        party=party,
        applicant_name=typed_name,
        contact_phone=phone or (user.phone or ""),
        acting_as=acting_as,
        idempotency_key=idempotency_key,
        proxy_letter=proxy_letter if acting_as == Application.ActingAs.PROXY else None,
        clock=clock,
    )


@transaction.atomic
def save_draft(
    *,
    application: Application,
    form_data: dict[str, Any] | None = None,
    situation_options: list[int] | None = None,
    delivery_method: str | None = None,
    delivery_address: str | None = None,
) -> Application:
    """Keep what the applicant typed so far; only drafts (and cases asked to correct) change."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != S.DRAFT:
        raise InvalidTransition("只有草稿可以修改。")
    fields = []
    if form_data is not None:
        # ID numbers typed into the form are stored encrypted (applications.forms_runtime).
        stored = encrypt_id_numbers(locked.item.form_definition or [], form_data, previous=locked.form_data)
        locked.form_data, fields = stored, [*fields, "form_data"]
    if situation_options is not None:
        valid = {o.id for s in locked.item.situations.all() for o in s.options.all()}
        locked.situation_options = [int(o) for o in situation_options if int(o) in valid]
        fields.append("situation_options")
    if delivery_method is not None:
        if delivery_method not in Application.DeliveryMethod.values:
            raise ValidationError({"delivery_method": "请选择有效的结果送达方式。"})
        locked.delivery_method, fields = delivery_method, [*fields, "delivery_method"]
    if delivery_address is not None:
        locked.delivery_address, fields = delivery_address.strip()[:300], [*fields, "delivery_address"]
    locked.save(update_fields=[*fields, "updated_at"])
    return locked


@transaction.atomic
def restart_draft(*, application: Application, user: Any, clock: Clock = system_clock) -> Application:
    """A draft filed under a since-retired version starts again on the current version; the old one goes.

    What was typed carries over for the fields the current form still has. Situations and materials
    belong to the old version's rows, so they are chosen and uploaded again.
    """
    # Locked, and read with filter(): a double click's second request finds the draft already gone.
    locked = Application.objects.select_for_update().filter(pk=application.pk, status=S.DRAFT).first()
    if locked is None:
        raise NotFound("未找到该草稿，或已按最新版本重新填报。")
    current = ServiceItem.objects.filter(code=locked.item.code, status=ServiceItem.Status.PUBLISHED).first()
    if current is None:
        raise DomainError("该事项目前没有在用版本，暂不能申请。", code="item_not_current")
    if current.pk == locked.item_id:
        return locked
    fresh = start_application(
        user=user,
        item=current,
        party=locked.party,
        applicant_name=locked.applicant_name,
        contact_phone=locked.contact_phone,
        acting_as=locked.acting_as,
        channel=locked.channel,
        proxy_letter=locked.proxy_letter or None,
        clock=clock,
    )
    names = {f["name"] for f in current.form_definition}
    fresh = save_draft(
        application=fresh,
        form_data={k: v for k, v in decrypt_id_numbers(locked.form_data).items() if k in names},
        delivery_method=locked.delivery_method,
        delivery_address=locked.delivery_address,
    )
    locked.delete()
    return fresh


def required_materials(application: Application) -> list[MaterialRequirement]:
    """The tailored list for this case's situation, minus what e-licences already prove (免证办)."""
    return [m for m in materials_for(application.item, application.situation_options) if not m.is_satisfied_by_license]


@transaction.atomic
def attach_material(
    *,
    application: Application,
    requirement: MaterialRequirement,
    file: UploadedFile,
    actor: Any,
    clock: Clock = system_clock,
) -> SubmittedMaterial:
    """Store one uploaded file (checked by content) for a material; it replaces the previous one."""
    if application.status not in (S.DRAFT, S.CORRECTION_REQUESTED, S.SUBMITTED):
        raise InvalidTransition("当前状态不能上传材料。")
    if requirement.item_id != application.item_id:
        raise ValidationError({"requirement": "该材料不属于本事项。"})
    return _store_material(application, requirement, file, check_upload(file, allowed=DOCUMENT_KINDS).code, actor)


def _store_material(
    application: Application, requirement: MaterialRequirement, file: UploadedFile, content_type: str, actor: Any
) -> SubmittedMaterial:
    """Keep a checked file as the current one for its material; the previous one stays, no longer current."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    application.materials.filter(requirement=requirement, is_current=True).update(is_current=False)
    return SubmittedMaterial.objects.create(
        application=application,
        requirement=requirement,
        file=file,
        original_name=original_name(file),
        content_type=content_type,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )


def missing_materials(application: Application) -> list[MaterialRequirement]:
    present = set(application.materials.filter(is_current=True).values_list("requirement_id", flat=True))
    return [
        m
        for m in required_materials(application)
        if m.necessity == MaterialRequirement.Necessity.REQUIRED and m.id not in present
    ]


def next_number(application: Application, *, on: dt.date) -> str:
    """办件编号: region code (6), date (8), department sequence (3), daily sequence (5). Never reused.

    The counter row is locked, so concurrent submissions get consecutive numbers; a rolled-back
    submission may leave a gap, which is the price of never reusing a number.
    """
    prefix = f"{application.item.region.code[:6]}{on:%Y%m%d}{application.department_id % 1000:03d}"
    with transaction.atomic():
        try:
            with transaction.atomic():
                NumberSequence.objects.get_or_create(prefix=prefix)
        except IntegrityError:
            pass
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
        sequence.last += 1
        sequence.save(update_fields=["last"])
    return f"{prefix}{sequence.last:05d}"


ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed


def new_access_code() -> str:
    """The 查询码 printed on the receipt: 8 characters of a 32-letter alphabet (40 bits)."""
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(8))


@transaction.atomic
def submit_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.APPLICANT,
    declaration: bool,
    materials_to_follow: bool = False,
    clock: Clock = system_clock,
) -> Application:
    """申报: the form and the required materials complete, the declaration of truth signed.

    ``materials_to_follow``: a window registers what a walk-in brought while a required material is
    missing, and asks for the rest in writing in the same transaction (windows.services.file_walk_in,
    行政许可法 art. 32 (4)); nobody else may submit an incomplete case."""
    # Locked first: a double click's second request waits here and then finds the case submitted.
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != S.DRAFT:
        if application.status == S.SUBMITTED:  # a double click: the first submit stands
            return application
        raise InvalidTransition(f"办件当前状态为“{application.get_status_display()}”，不能申报。")
    _check_item_open(application.item, online=application.channel == Application.Channel.ONLINE, clock=clock)
    problems = validate_form_data(application.item.form_definition, decrypt_id_numbers(application.form_data))
    # Told together with everything else, so the applicant fixes the whole page at once.
    if not declaration:
        problems["declaration"] = ["请阅读并确认承诺声明：所填信息和提交材料真实有效。"]
    missing = missing_materials(application)
    if materials_to_follow and not (actor_role == Actor.CLERK and application.channel == Application.Channel.WINDOW):
        raise PermissionDenied("只有窗口收件时可以先登记、再一次性告知补正缺少的材料。")
    if missing and not materials_to_follow:
        problems["materials"] = [f"请上传：{m.name}" for m in missing]
    if application.delivery_method == Application.DeliveryMethod.POST and not application.delivery_address:
        problems["delivery_address"] = ["选择邮寄送达的，请填写邮寄地址。"]
    if problems:
        raise ValidationError(problems)
    now = clock.now()
    return transition(
        application=application,
        action="submit",
        actor_role=actor_role,
        actor=actor,
        changes={
            "number": next_number(application, on=clock.today()),
            "access_code": new_access_code(),
            "submitted_at": now,
            "declaration_signed_at": now,
        },
        note="申请人已提交申请。",
        clock=clock,
    )


# --- Intake at the window ---------------------------------------------------------------------


def _new_document(application: Application, kind: str, context: dict[str, Any], clock: Clock) -> Document:
    return documents.issue_document(application=application, kind=kind, context=context, clock=clock)


def _open_first_task(application: Application, clock: Clock) -> None:
    first = application.item.steps.order_by("order", "id").first()
    if first is None:
        return
    ReviewTask.objects.create(
        application=application,
        step=first,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), first.limit_days),
    )
    Application.objects.filter(pk=application.pk).update(current_step=first)
    application.current_step = first


@transaction.atomic
def accept_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    accepted_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> Application:
    """受理: the clock starts the working day after; the first review task opens; a receipt is due."""
    on = accepted_on or clock.today()
    due = deadlines.deadlines_from(application.item, on)
    transition(
        application=application,
        action="auto_accept" if actor_role == Actor.SYSTEM else "accept",
        actor_role=actor_role,
        actor=actor,
        changes={
            "accepted_on": on,
            "due_on": due.due_on,
            "statutory_due_on": due.statutory_due_on,
            "warn_on": due.warn_on,
            "is_provisional_deadline": due.is_provisional,
            # Green to start with: the sweep turns it yellow or red and tells the department, also for
            # a case that counts as accepted on an earlier day (art. 32) and is already late.
            "light": Application.Light.GREEN,
            "auto_accept_on": None,
        },
        note=f"已受理，承诺办结日期 {due.due_on:%Y-%m-%d}。"
        + ("（依据临时工作日历，发布后重新计算）" if due.is_provisional else ""),
        clock=clock,
    )
    _open_first_task(application, clock)
    _new_document(
        application,
        Document.Kind.ACCEPTANCE_RECEIPT,
        {"accepted_on": on.isoformat(), "due_on": due.due_on.isoformat()},
        clock,
    )
    return application


@transaction.atomic
def receive_application(
    *, application: Application, actor: Any, actor_role: str = Actor.CLERK, clock: Clock = system_clock
) -> Application:
    """收件 for the department: art. 32's five working days start."""
    today = clock.today()
    return transition(
        application=application,
        action="receive",
        actor_role=actor_role,
        actor=actor,
        changes={"received_on": today, "auto_accept_on": deadlines.auto_accept_date(today)},
        note="窗口已收件，转部门受理。",
        clock=clock,
    )


def _correction_entries(
    application: Application, entries: list[dict[str, Any]], due_on: dt.date | None, clock: Clock
) -> tuple[list[dict[str, Any]], dt.date]:
    """A one-time notice's entries, each naming a material of the item (or a free-text need) and why,
    and its deadline: the same rules before and after acceptance."""
    cleaned = []
    own = {m.id: m for m in application.item.materials.all()}
    for entry in entries:
        reason = str(entry.get("reason", "")).strip()
        requirement_id = entry.get("requirement_id")
        if requirement_id is not None and int(requirement_id) not in own:
            raise ValidationError({"entries": "补正内容引用了不属于本事项的材料。"})
        name = own[int(requirement_id)].name if requirement_id is not None else str(entry.get("name", "")).strip()
        if not name or not reason:
            raise ValidationError({"entries": "每项补正内容须写明材料名称和补正原因。"})
        cleaned.append({"requirement_id": requirement_id and int(requirement_id), "name": name, "reason": reason[:500]})
    if not cleaned:
        raise ValidationError({"entries": "请列出需要补正的全部材料。"})
    today = clock.today()
    due = due_on or deadlines.correction_due_date(today)
    if due <= today:
        raise ValidationError({"due_on": "补正期限须晚于今天。"})
    try:
        deadlines.check_correction_due_date(due, today)
    except ValidationError as exc:
        raise ValidationError({"due_on": exc.messages}) from None
    return cleaned, due


@transaction.atomic
def request_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    entries: list[dict[str, Any]],
    due_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> CorrectionNotice:
    """一次性告知: every material to add or fix and why, at once, with a deadline."""
    cleaned, due = _correction_entries(application, entries, due_on, clock)
    notice = CorrectionNotice.objects.create(
        application=application, issued_at=clock.now(), issued_by=actor, entries=cleaned, due_on=due
    )
    transition(
        application=application,
        action="request_correction",
        actor_role=actor_role,
        actor=actor,
        changes={"correction_due_on": due, "status_before_correction": application.status, "auto_accept_on": None},
        note=f"请于 {due:%Y-%m-%d} 前补正：" + "；".join(e["name"] for e in cleaned),
        clock=clock,
    )
    _new_document(application, Document.Kind.CORRECTION_NOTICE, {"notice_id": notice.pk}, clock)
    return notice


@transaction.atomic
def suspend_for_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.REVIEWER,
    entries: list[dict[str, Any]],
    due_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> CorrectionNotice:
    """受理后补正: the reviewer tells every material to add or fix at once, with a deadline; the clock
    stops (行政许可法 art. 45 applies by analogy) until the applicant supplies them (resubmit_correction)."""
    locked = _locked_for(application, "suspend", actor_role)
    # 一次性告知: what review finds missing is told in one notice, not asked for piece by piece.
    if locked.correction_notices.filter(after_acceptance=True).exists():
        raise InvalidTransition("受理后的补正只能一次性告知，本办件已告知过补正，不能再次要求补正。")
    cleaned, due = _correction_entries(application, entries, due_on, clock)
    today = clock.today()
    notice = CorrectionNotice.objects.create(
        application=application,
        issued_at=clock.now(),
        issued_by=actor,
        entries=cleaned,
        due_on=due,
        after_acceptance=True,
    )
    names = "；".join(e["name"] for e in cleaned)
    Suspension.objects.create(
        application=application,
        kind=Suspension.Kind.CORRECTION,
        reason=f"补正材料：{names}",
        expected_days=workdays.workdays_between(today, due),
        started_on=today,
        started_by=actor,
    )
    transition(
        application=application,
        action="suspend",
        actor_role=actor_role,
        actor=actor,
        changes={"suspended_on": today, "correction_due_on": due},
        note=f"请于 {due:%Y-%m-%d} 前补正：{names}（补正期间不计入办理时限）",
        clock=clock,
    )
    _new_document(application, Document.Kind.CORRECTION_NOTICE, {"notice_id": notice.pk}, clock)
    return notice


@transaction.atomic
def resubmit_correction(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    files: dict[int, UploadedFile],
    clock: Clock = system_clock,
) -> Application:
    """补正: exactly the listed materials. Before acceptance the case goes back to where it was, with a
    new art. 32 period; after acceptance the suspension ends and the clock runs again, both deadlines
    moved by the days it stood still."""
    # Locked first: a double submit's second request waits here, then finds nothing asked any more.
    locked = _locked_for(application, "resubmit", actor_role)
    notice = locked.correction_notices.filter(resolved_at__isnull=True).first()
    suspension = None
    if locked.status == S.SUSPENDED:
        suspension = locked.suspensions.filter(ended_on__isnull=True, kind=Suspension.Kind.CORRECTION).first()
    if notice is None or (locked.status == S.SUSPENDED and suspension is None):
        raise InvalidTransition("该办件当前无需补正。", detail={"status": locked.status})
    listed = {e["requirement_id"] for e in notice.entries if e.get("requirement_id")}
    if set(files) - listed:
        raise ValidationError({"files": "只能提交补正告知书中列明的材料。"})
    if listed - set(files):
        names = [e["name"] for e in notice.entries if e.get("requirement_id") in listed - set(files)]
        raise ValidationError({"files": [f"请提交：{n}" for n in names]})
    requirements = {m.id: m for m in application.item.materials.filter(id__in=listed)}
    # Every file checked before the first is stored: a refused correction leaves no file behind.
    kinds: dict[int, str] = {}
    problems: list[str] = []
    for requirement_id, file in files.items():
        try:
            kinds[requirement_id] = check_upload(file, allowed=DOCUMENT_KINDS).code
        except ValidationError as exc:
            problems.append(f"“{requirements[requirement_id].name}”：{exc.messages[0]}")
    if problems:
        raise ValidationError({"files": problems})
    for requirement_id, file in files.items():
        _store_material(application, requirements[requirement_id], file, kinds[requirement_id], actor)
    notice.resolved_at = clock.now()
    notice.save(update_fields=["resolved_at"])
    if suspension is not None:
        pause = _end_suspension(locked, suspension, result="已提交补正材料。", clock=clock)
        return transition(
            application=application,
            action="resubmit",
            actor_role=actor_role,
            actor=actor,
            target=S.IN_REVIEW,
            changes={**pause.changes, "correction_due_on": None},
            note=f"已提交补正材料，{pause.note}",
            clock=clock,
        )
    back_to = locked.status_before_correction or S.SUBMITTED
    today = clock.today()
    changes: dict[str, Any] = {"correction_due_on": None}
    if back_to == S.RECEIVED:
        changes.update(received_on=today, auto_accept_on=deadlines.auto_accept_date(today))
    return transition(
        application=application,
        action="resubmit",
        actor_role=actor_role,
        actor=actor,
        target=back_to,
        changes=changes,
        note="已提交补正材料。",
        clock=clock,
    )


@transaction.atomic
def refuse_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    reason: str,
    basis: str,
    competent_agency: str = "",
    reason_code: str = "",
    clock: Clock = system_clock,
) -> Application:
    """不予受理, in writing: reasons, legal basis, the competent agency, the right to review or sue.

    ``reason_code`` picks one of applications.refusals.REFUSAL_REASONS; without it both reason and
    basis are written out.
    """
    refs = resolve_refusal(reason_code=reason_code, reason=reason, basis=basis, competent_agency=competent_agency)
    transition(
        application=application, action="refuse", actor_role=actor_role, actor=actor, note=refs["reason"], clock=clock
    )
    _new_document(application, Document.Kind.REFUSAL_NOTICE, refs, clock)
    return application


# --- Back-office review -------------------------------------------------------------------------


def _open_task(application: Application) -> ReviewTask:
    task = application.tasks.select_for_update().filter(status=ReviewTask.Status.OPEN).select_related("step").first()
    if task is None:
        raise InvalidTransition("该办件当前没有待办的审查环节。")
    return task


@transaction.atomic
def pass_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    """The current step's reviewer passes the case on to the next step."""
    task = _open_task(application)
    following = application.item.steps.filter(order__gt=task.step.order).order_by("order", "id").first()
    if following is None:
        raise InvalidTransition("当前已是最后一个环节，请作出准予或不予的决定。")
    if not opinion.strip():
        raise ValidationError({"opinion": "请填写审查意见。"})
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.DONE,
        clock.now(),
        actor,
        opinion.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    ReviewTask.objects.create(
        application=application,
        step=following,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), following.limit_days),
    )
    return transition(
        application=application,
        action="pass_step",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"current_step": following},
        note=f"{task.step.get_kind_display()}完成，转{following.get_kind_display()}。",
        visible_to_applicant=False,
        clock=clock,
    )


@transaction.atomic
def return_step(*, application: Application, actor: Any, opinion: str, clock: Clock = system_clock) -> Application:
    task = _open_task(application)
    previous = application.item.steps.filter(order__lt=task.step.order).order_by("-order", "-id").first()
    if previous is None:
        raise InvalidTransition("当前已是第一个环节，无法退回。")
    if not opinion.strip():
        raise ValidationError({"opinion": "退回须写明理由。"})
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.RETURNED,
        clock.now(),
        actor,
        opinion.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    ReviewTask.objects.create(
        application=application,
        step=previous,
        opened_at=clock.now(),
        due_on=deadlines.shift(clock.today(), previous.limit_days),
    )
    return transition(
        application=application,
        action="return_step",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"current_step": previous},
        note=f"退回{previous.get_kind_display()}：{opinion.strip()}",
        visible_to_applicant=False,
        clock=clock,
    )


@transaction.atomic
def decide_application(
    *,
    application: Application,
    actor: Any,
    outcome: str,
    reasons: str,
    certificate_number: str = "",
    valid_until: dt.date | None = None,
    actor_role: str = Actor.APPROVER,
    clock: Clock = system_clock,
) -> Result:
    """准予 / 不予 at the last step, not by the person who handled the case."""
    task = _open_task(application)
    if actor_role != Actor.CHIEF_REP:
        if application.item.steps.filter(order__gt=task.step.order).exists():
            raise InvalidTransition("尚未到最后审查环节，不能作出决定。")
        if barred_from_deciding(actor, [task]):  # 审批分离, the same rule the claim refuses by
            raise PermissionDenied("承办人不能批准自己承办的办件。")
    if outcome not in Application.Outcome.values:
        raise ValidationError({"outcome": "请选择准予或不予。"})
    if outcome == Application.Outcome.DENIED and not reasons.strip():
        raise ValidationError({"reasons": "不予许可须说明理由。"})
    now, today = clock.now(), clock.today()
    if valid_until is not None:
        try:
            deadlines.check_valid_until(valid_until, today)  # valid_from is the day of the decision
        except ValidationError as exc:
            raise ValidationError({"valid_until": exc.messages}) from None
    task.status, task.completed_at, task.completed_by, task.opinion = (
        ReviewTask.Status.DONE,
        now,
        actor,
        reasons.strip(),
    )
    task.save(update_fields=["status", "completed_at", "completed_by", "opinion"])
    result = Result.objects.create(
        application=application,
        outcome=outcome,
        reasons=reasons.strip(),
        certificate_number=certificate_number
        or (f"{application.number}-Z" if outcome == Application.Outcome.GRANTED else ""),
        valid_from=today if outcome == Application.Outcome.GRANTED else None,
        valid_until=valid_until,
        decided_by=actor,
        decided_at=now,
    )
    transition(
        application=application,
        action="grant" if outcome == Application.Outcome.GRANTED else "deny",
        actor_role=actor_role,
        actor=actor,
        changes={
            "outcome": outcome,
            "decided_at": now,
            "current_step": None,
            "light": "",
            "certificate_due_on": deadlines.certificate_due_date(today),
        },
        note="准予许可。" if outcome == Application.Outcome.GRANTED else f"不予许可：{reasons.strip()}",
        clock=clock,
    )
    kind = Document.Kind.GRANT_DECISION if outcome == Application.Outcome.GRANTED else Document.Kind.DENIAL_DECISION
    _new_document(application, kind, {"result_id": result.pk}, clock)
    for fee in application.item.fees.all():
        if outcome == Application.Outcome.GRANTED and fee.amount_yuan:
            FeeAssessment.objects.get_or_create(
                application=application, name=fee.name, defaults={"amount_yuan": fee.amount_yuan}
            )
    return result


@transaction.atomic
def suspend_application(
    *, application: Application, actor: Any, kind: str, reason: str, expected_days: int = 0, clock: Clock = system_clock
) -> Suspension:
    """特别程序: the clock stops (行政许可法 art. 45). A correction after acceptance is suspend_for_correction."""
    if kind == Suspension.Kind.CORRECTION:
        raise ValidationError({"kind": "受理后补正须出具一次性告知书，列明补正材料和期限。"})
    if kind not in Suspension.Kind.values:
        raise ValidationError({"kind": "请选择特别程序类型。"})
    # Exactly the item's list, as the reviewer's form offers it: an item listing none allows none.
    if kind not in (application.item.special_procedures or []):
        raise DomainError("该事项未设置此特别程序。")
    if not reason.strip():
        raise ValidationError({"reason": "请写明暂停计时的原因。"})
    today = clock.today()
    suspension = Suspension.objects.create(
        application=application,
        kind=kind,
        reason=reason.strip(),
        expected_days=expected_days,
        started_on=today,
        started_by=actor,
    )
    transition(
        application=application,
        action="suspend",
        actor_role=Actor.REVIEWER,
        actor=actor,
        changes={"suspended_on": today},
        note=f"{suspension.get_kind_display()}：{reason.strip()}（所需时间不计入办理时限）",
        clock=clock,
    )
    _new_document(application, Document.Kind.SUSPENSION_NOTICE, {"suspension_id": suspension.pk}, clock)
    return suspension


@dataclass(frozen=True)
class _Pause:
    """How far the end of a suspension moves the case: its changes, the note, the days the clock stood still."""

    changes: dict[str, Any]
    note: str
    days: int
    unit: str


def _end_suspension(application: Application, suspension: Suspension, *, result: str, clock: Clock) -> _Pause:
    """Close the pause; both deadlines (and the open step's limit) move by the days the clock stood
    still (DOMAIN.md "Working days"). The caller makes the transition with the changes."""
    today = clock.today()
    suspension.ended_on, suspension.result = today, result
    suspension.save(update_fields=["ended_on", "result"])
    unit = application.item.promised_unit
    moved = deadlines.paused_days(suspension.started_on, today, unit)
    due_on = deadlines.shift(application.due_on, moved, unit)
    # The open review step stood still with the case: its own limit moves too (sweep_overdue_steps).
    task = application.tasks.select_for_update().filter(status=ReviewTask.Status.OPEN).first()
    if task is not None and task.due_on is not None:
        task.due_on = deadlines.step_due_after_pause(task.due_on, suspension.started_on, today)
        task.save(update_fields=["due_on"])
    changes = {
        "suspended_on": None,
        "due_on": due_on,
        "statutory_due_on": deadlines.shift(
            application.statutory_due_on,
            deadlines.paused_days(suspension.started_on, today, application.item.statutory_unit),
            application.item.statutory_unit,
        ),
        "warn_on": deadlines.shift(application.warn_on, moved, unit),
    }
    note = (
        f"恢复计时，暂停 {moved} 个{'工作日' if unit == 'workday' else '自然日'}，"
        f"承诺办结日期顺延至 {due_on:%Y-%m-%d}。"
    )
    return _Pause(changes, note, moved, unit)


@transaction.atomic
def resume_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.REVIEWER,
    result: str = "",
    clock: Clock = system_clock,
) -> Application:
    """The procedure's result is in: both deadlines move by the working days the clock stood still."""
    # The dates move from the locked row, not from the caller's copy (an extension may have moved them).
    locked = _locked_for(application, "resume", actor_role)
    suspension = locked.suspensions.filter(ended_on__isnull=True).first()
    if suspension is None or locked.status != S.SUSPENDED:
        raise InvalidTransition("该办件未处于暂停计时状态。")
    if suspension.kind == Suspension.Kind.CORRECTION:
        # The notice is answered by the materials it lists, not closed by the reviewer (resubmit_correction).
        raise InvalidTransition("受理后补正的办件，在申请人提交补正材料后自动恢复计时。")
    if not result.strip():
        raise ValidationError({"result": "请记录特别程序的结果。"})
    pause = _end_suspension(locked, suspension, result=result.strip(), clock=clock)
    moved, unit, due_on = pause.days, pause.unit, pause.changes["due_on"]
    transition(
        application=application,
        action="resume",
        actor_role=actor_role,
        actor=actor,
        changes=pause.changes,
        note=pause.note,
        clock=clock,
    )
    if suspension.kind != Suspension.Kind.CORRECTION:
        # 行政许可法 art. 45: the applicant is told in writing, of the procedure's end as of its start.
        refs = {"suspension_id": suspension.pk, "paused_days": moved}
        notice = _new_document(application, Document.Kind.SUSPENSION_END_NOTICE, refs, clock)
        _notify_applicant(
            application,
            f"{suspension.get_kind_display()}已结束",
            f"结果：{suspension.result}。暂停计时 {moved} 个{'工作日' if unit == 'workday' else '自然日'}，"
            f"承诺办结日期顺延至 {due_on:%Y-%m-%d}。详见《{notice.get_kind_display()}》。",
            key=f"{application.pk}:document:{notice.pk}",
        )
    return application


@transaction.atomic
def request_extension(
    *, application: Application, actor: Any, days: int, reason: str, clock: Clock = system_clock
) -> Extension:
    if application.status not in TRANSITIONS["extend"].sources:
        raise InvalidTransition("当前状态不能申请延长。")
    if application.is_extended or application.extensions.filter(status=Extension.Status.REQUESTED).exists():
        raise InvalidTransition("延长只能申请一次。")
    if not 1 <= days <= application.item.extension_days:
        raise ValidationError({"days": f"延长期限为 1–{application.item.extension_days} 个工作日。"})
    if not reason.strip():
        raise ValidationError({"reason": "请写明延长理由。"})
    return Extension.objects.create(
        application=application, days=days, reason=reason.strip(), requested_by=actor, requested_at=clock.now()
    )


@transaction.atomic
def decide_extension(*, extension: Extension, actor: Any, approve: bool, clock: Clock = system_clock) -> Extension:
    """The department head approves (行政许可法 art. 42) and the applicant is told the reason."""
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.status != Extension.Status.REQUESTED:
        raise InvalidTransition("该延长申请已处理。")
    extension.status = Extension.Status.APPROVED if approve else Extension.Status.REJECTED
    extension.decided_by, extension.decided_at = actor, clock.now()
    extension.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        # Locked before the dates are read: a procedure ending at the same moment also moves them.
        application = _locked_for(extension.application, "extend", Actor.DEPT_HEAD)
        transition(
            application=application,
            action="extend",
            actor_role=Actor.DEPT_HEAD,
            actor=actor,
            changes={
                "is_extended": True,
                "due_on": deadlines.shift(application.due_on, extension.days),
                "statutory_due_on": deadlines.shift(application.statutory_due_on, extension.days),
                "warn_on": deadlines.shift(application.warn_on, extension.days),
            },
            note=f"经批准延长 {extension.days} 个工作日：{extension.reason}",
            clock=clock,
        )
        # The new date as of the approval: the notice is rendered later, when the date may have moved on.
        _new_document(
            application,
            Document.Kind.EXTENSION_NOTICE,
            {"extension_id": extension.pk, "due_on": application.due_on.isoformat()},
            clock,
        )
    return extension


# --- Fees, delivery, withdrawal -------------------------------------------------------------------


@transaction.atomic
def settle_fee(
    *, fee: FeeAssessment, actor: Any, paid_reference: str = "", waiver_basis: str = "", clock: Clock = system_clock
) -> FeeAssessment:
    fee = FeeAssessment.objects.select_for_update().get(pk=fee.pk)
    if fee.status != FeeAssessment.Status.DUE:
        raise InvalidTransition("该费用已结清。")
    if waiver_basis.strip():
        fee.status, fee.waiver_basis = FeeAssessment.Status.WAIVED, waiver_basis.strip()
    elif paid_reference.strip():
        fee.status, fee.payment_reference = FeeAssessment.Status.PAID, paid_reference.strip()
    else:
        raise ValidationError({"fee": "请提供支付流水号或减免依据。"})
    fee.settled_at = clock.now()
    fee.save(update_fields=["status", "waiver_basis", "payment_reference", "settled_at"])
    return fee


def amount_due(application: Application) -> Any:
    return (
        application.fee_assessments.filter(status=FeeAssessment.Status.DUE).aggregate(total=Sum("amount_yuan"))["total"]
        or 0
    )


def pay_fee_online(
    *, application: Application, fee: FeeAssessment, actor: Any, clock: Clock = system_clock
) -> FeeAssessment:
    """网上缴费: the payment provider charges the fee's order, then settle_fee records it as paid.

    Not atomic on purpose: the provider is an outside service, not to be waited for while rows are
    locked. Providers are idempotent by order id (applications.payments), so paying twice charges
    once, and settle_fee, under its row lock, refuses the second settlement (409).
    """
    if fee.application_id != application.pk:
        raise NotFound("未找到该收费项目。")
    if not application.item.supports_online_payment:
        raise DomainError("该事项不支持网上缴费，请到窗口缴费。", code="no_online_payment")
    if fee.status != FeeAssessment.Status.DUE:
        raise InvalidTransition(f"该费用{fee.get_status_display()}，无需再缴。", detail={"status": fee.status})
    receipt = get_payment_provider().pay(
        order_id=f"fee-{fee.pk}", amount_yuan=fee.amount_yuan, description=f"{application.number} {fee.name}"
    )
    if receipt.amount_yuan != fee.amount_yuan:
        raise DomainError("支付金额与应缴金额不符，请联系窗口核对。", code="payment_mismatch")
    return settle_fee(fee=fee, actor=actor, paid_reference=receipt.reference, clock=clock)


@transaction.atomic
def deliver_result(
    *,
    application: Application,
    actor: Any,
    actor_role: str = Actor.CLERK,
    method: str,
    recipient_name: str = "",
    recipient_is_proxy: bool = False,
    tracking_number: str = "",
    clock: Clock = system_clock,
) -> Delivery:
    """出件: nothing leaves before the fees are paid or waived; the case concludes."""
    if amount_due(application):
        raise DomainError("尚有未缴纳的费用，缴费或减免后方可出件。", code="fee_due")
    if method == Application.DeliveryMethod.POST and not tracking_number.strip():
        raise ValidationError({"tracking_number": "邮寄送达须填写快递单号。"})
    if method == Application.DeliveryMethod.COLLECT and not recipient_name.strip():
        raise ValidationError({"recipient_name": "请填写领取人姓名。"})
    now = clock.now()
    transition(
        application=application,
        action="deliver",
        actor_role=actor_role,
        actor=actor,
        changes={"concluded_at": now},
        note="办理结果已送达，办结。",
        clock=clock,
    )
    delivery = Delivery.objects.create(
        application=application,
        method=method,
        tracking_number=tracking_number.strip(),
        recipient_name=recipient_name.strip(),
        recipient_is_proxy=recipient_is_proxy,
        delivered_at=now,
        delivered_by=actor,
    )
    if method == Application.DeliveryMethod.COLLECT:
        _new_document(application, Document.Kind.SERVICE_RECEIPT, {"delivery_id": delivery.pk}, clock)
    return delivery


@transaction.atomic
def withdraw_application(
    *, application: Application, actor: Any, reason: str = "", clock: Clock = system_clock
) -> Application | None:
    """撤件 before a decision; a draft is simply deleted."""
    if application.status == S.DRAFT:
        Application.objects.filter(pk=application.pk, status=S.DRAFT).delete()
        return None
    application.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.CANCELLED)
    return transition(
        application=application,
        action="withdraw",
        actor_role=Actor.APPLICANT,
        actor=actor,
        changes={"light": ""},
        note=reason.strip() or "申请人撤回申请。",
        clock=clock,
    )


# --- Sweeps (beat): each selects through an index only the rows whose time has come --------------


def _claim(queryset: Any, batch: int) -> Iterable[Application]:
    return queryset.select_for_update(skip_locked=True).order_by("pk")[:batch]


def sweep_auto_accept(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """行政许可法 art. 32: no notice within 5 working days of receipt → accepted on the day of receipt."""
    done = 0
    with transaction.atomic():
        for application in _claim(
            Application.objects.filter(status__in=[S.SUBMITTED, S.RECEIVED], auto_accept_on__lt=clock.today()), batch
        ):
            accept_application(
                application=application,
                actor=None,
                actor_role=Actor.SYSTEM,
                accepted_on=application.received_on,
                clock=clock,
            )
            done += 1
    return done


def sweep_expired_corrections(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """A correction not supplied by its deadline returns the case (退件)."""
    done = 0
    with transaction.atomic():
        for application in _claim(
            Application.objects.filter(
                status__in=[S.CORRECTION_REQUESTED, S.SUSPENDED], correction_due_on__lt=clock.today()
            ),
            batch,
        ):
            if application.status == S.SUSPENDED:
                # 受理后补正: the pause ends with the case, and its review step with it.
                ended = application.suspensions.filter(ended_on__isnull=True, kind=Suspension.Kind.CORRECTION).update(
                    ended_on=clock.today(), result="逾期未补正，退件。"
                )
                if not ended:
                    continue
                application.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.CANCELLED)
            transition(
                application=application,
                action="correction_expired",
                actor_role=Actor.SYSTEM,
                note="补正期限已过，未收到补正材料，予以退件。",
                changes={"light": "", "suspended_on": None},
                clock=clock,
            )
            _new_document(application, Document.Kind.RETURN_NOTICE, {}, clock)
            done += 1
    return done


def sweep_lights(*, clock: Clock = system_clock, batch: int = 2000) -> int:
    """Turn lights yellow and red; one notice per change (the light column is the memory)."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        due = Application.objects.filter(status=S.IN_REVIEW, warn_on__lte=today).exclude(light="red")
        for application in _claim(due, batch):
            light = deadlines.light_for(today, warn_on=application.warn_on, due_on=application.due_on)
            if light == application.light:
                continue
            Application.objects.filter(pk=application.pk).update(light=light)
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"light:{application.pk}:{light}:{application.due_on}",
                payload={
                    "department_id": application.department_id,
                    "application_id": application.pk,
                    "light": light,
                    "title": f"办件 {application.number} {'即将到期' if light == 'yellow' else '已超期'}",
                },
            )
            changed += 1
    return changed


def sweep_late_certificates(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """行政许可法 art. 44: the decision's certificate is due within 10 working days. A decided case not
    delivered by then turns red and the department (and the supervisors) hear of it, once."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        late = Application.objects.filter(status=S.DECIDED, light="", certificate_due_on__lt=today)
        for application in _claim(late, batch):
            Application.objects.filter(pk=application.pk).update(light=Application.Light.RED)
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"certificate-late:{application.pk}",
                payload={
                    "department_id": application.department_id,
                    "application_id": application.pk,
                    "light": Application.Light.RED,
                    "title": f"办件 {application.number} 逾期未送达许可证件",
                    "body": f"办件 {application.number} 已于 {application.decided_at:%Y-%m-%d} 作出决定，"
                    f"许可证件应于 {application.certificate_due_on:%Y-%m-%d} 前颁发、送达（行政许可法第四十四条），"
                    "至今未送达，已同时告知效能监督。",
                },
            )
            changed += 1
    return changed


def sweep_overdue_steps(*, clock: Clock = system_clock, batch: int = 2000) -> int:
    """A review step's own light: yellow on its last day, red once past it (ProcessStep.limit_days),
    while the case's light may still be green. Turning red tells the assignee (an unassigned task: the
    department's reviewers) and the department head, once: the light column is the memory."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        due = (
            ReviewTask.objects.filter(
                status=ReviewTask.Status.OPEN,
                light__in=[Application.Light.GREEN, Application.Light.YELLOW],
                due_on__lte=today,
                # A suspended case's clock stands still; resume_application moves the open task's date.
                application__status=S.IN_REVIEW,
            )
            # Lock the task rows only: the joined case may be in a reviewer's transaction right now.
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("application", "step")
            .order_by("pk")[:batch]
        )
        for task in due:
            light = deadlines.light_for(today, warn_on=task.due_on, due_on=task.due_on)
            if light == task.light:
                continue
            ReviewTask.objects.filter(pk=task.pk).update(light=light)
            changed += 1
            if light != Application.Light.RED:
                continue
            application = task.application
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"step-overdue:{task.pk}",
                payload={
                    "task_id": task.pk,
                    "application_id": application.pk,
                    "title": f"办件 {application.number} {task.step.get_kind_display()}环节已超期",
                },
            )
    return changed
