"""Starting, saving, attaching materials to and submitting an application."""

import datetime as dt
import hashlib
import secrets
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from applications.forms_runtime import decrypt_id_numbers, encrypt_id_numbers, prefill_form_data, validate_form_data
from applications.licences import fetching
from applications.models import (
    Application,
    NumberSequence,
    Party,
    SubmittedMaterial,
    TimelineEvent,
)
from applications.services.commitments import commitment_problems, sign_commitments
from applications.services.core import transition
from applications.services.parties import register_party
from applications.transitions import Actor
from catalog.models import MaterialRequirement, ServiceItem, ServiceObject
from catalog.selectors import materials_for
from portal import crypto, validators
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.idnumbers import id_number_digest
from portal.stored_text import stored
from portal.uploads import DOCUMENT_KINDS, check_upload, original_name

S = Application.Status


# --- Starting and submitting ------------------------------------------------------------------


def _check_item_open(item: ServiceItem, *, online: bool, clock: Clock) -> None:
    if item.status != ServiceItem.Status.PUBLISHED:
        raise DomainError(gettext("该事项版本已停止使用，请从最新的办事指南重新申请。"), code="item_not_current")
    effective = item.lifecycle_effective_on
    if item.lifecycle != ServiceItem.Lifecycle.IN_FORCE and (effective is None or effective <= clock.today()):
        raise DomainError(
            gettext("该事项已%(lifecycle)s，暂不受理申请。") % {"lifecycle": item.get_lifecycle_display()},
            code="item_not_in_force",
        )
    if online and not (item.accepts_on_pc or item.accepts_on_mobile):
        raise DomainError(gettext("该事项暂不支持网上申报，请到窗口办理。"), code="not_online")


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
                raise InvalidTransition(gettext("该请求标识已被使用。"))
            return existing
    _check_item_open(item, online=channel == Application.Channel.ONLINE, clock=clock)
    _check_service_object(item, party)
    # Online, nobody at a window sees the principal's signature: the letter comes with the draft.
    if acting_as == Application.ActingAs.PROXY and channel == Application.Channel.ONLINE and proxy_letter is None:
        raise ValidationError({"proxy_letter": gettext("代他人申请须上传委托人签字的授权委托书。")})
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
    definition = item.form_definition or []
    if definition:
        # The form asks again for what the portal knows: filled in, editable in the draft.
        known = _known_facts(application, user)
        application.form_data = encrypt_id_numbers(definition, prefill_form_data(definition, known, {}))
        application.save(update_fields=["form_data"])
    TimelineEvent.objects.create(
        application=application,
        at=clock.now(),
        actor=application.applicant_user,
        action="start",
        to_status=S.DRAFT,
        is_visible_to_applicant=True,
    )
    return application


def _check_service_object(item: ServiceItem, party: Party) -> None:
    """An applicant of a kind the item does not serve is told at the start, not at the review."""
    objects = set(item.service_objects or [])
    if not objects:
        return
    if party.kind == Party.Kind.PERSON and ServiceObject.NATURAL_PERSON not in objects:
        raise ValidationError(
            {"acting_as": gettext("本事项的服务对象为法人或其他组织，个人不能申请；请以单位经办人身份为单位申请。")}
        )
    if party.kind == Party.Kind.ORGANIZATION and objects == {ServiceObject.NATURAL_PERSON}:
        raise ValidationError({"acting_as": gettext("本事项只面向自然人，单位不能申请；请以本人名义申请。")})


def _known_facts(application: Application, user: Any) -> dict[str, str]:
    """What the portal knows of this case's applicant, by the names of the standard form fields: the
    party as registered (its number in full: the account's own, a company's public USCC, or what a
    proxy typed at the start) and, for a company, its agent of record, the signed-in user."""
    party = application.party
    number = crypto.decrypt(party.id_number_encrypted)
    if party.kind == Party.Kind.PERSON:
        return {
            "applicant_name": application.applicant_name,
            "applicant_id_number": number,
            "applicant_phone": application.contact_phone,
        }
    known = {
        "organization_name": party.name,
        "organization_uscc": number,
        "legal_representative": party.legal_representative,
    }
    if getattr(user, "pk", None):
        own = Party.objects.filter(kind=Party.Kind.PERSON, id_number_digest=user.id_number_digest).first()
        known.update(
            agent_name=user.real_name,
            agent_id_number=crypto.decrypt(own.id_number_encrypted) if own and user.id_number_digest else "",
            agent_phone=user.phone or "",
        )
    return known


# A well-formed number that is not the user's own is refused on the merits (422), not as malformed input.
ID_MISMATCH = "id_mismatch"


def check_own_id_number(*, user: Any, id_number: str) -> str:
    """The user's own 公民身份号码, typed again. The account keeps only the keyed digest of the
    verified number, so an equal digest is the proof; returns the normalised number."""
    number = validators.validate_resident_id(id_number)
    if not user.id_number_digest or id_number_digest(number) != user.id_number_digest:
        raise ValidationError(
            gettext("该号码与您实名认证的身份证号码不一致。为他人申请请选择“受他人委托代为申请”。"), code=ID_MISMATCH
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
    party, typed_name = online_party(
        user=user, acting_as=acting_as, name=name, id_number=id_number, organization=organization
    )
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


def online_party(
    *, user: Any, acting_as: str, name: str = "", id_number: str = "", organization: Any = None
) -> tuple[Party, str]:
    """Who an online application from ``user`` is for, checked (the party and the name as typed);
    shared by one item's start and a bundle's (applications.services.bundles)."""
    if not user.is_real_name_verified:
        raise PermissionDenied(gettext("网上申请前，请先完成实名认证。"), code="real_name_required")
    if acting_as == Application.ActingAs.SELF:
        try:
            number = check_own_id_number(user=user, id_number=id_number)
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.error_list}) from None
        if name.strip() and name.strip() != user.real_name:
            raise ValidationError(
                {"name": ValidationError(gettext("姓名与您实名认证的姓名不一致。"), code=ID_MISMATCH)}
            )
        typed_name = user.real_name
        party = register_party(
            kind=Party.Kind.PERSON, name=user.real_name, id_type=Party.IdType.RESIDENT_ID, id_number=number
        )
    elif acting_as == Application.ActingAs.AGENT:
        if organization is None or not user.agencies.active().filter(organization=organization).exists():
            raise PermissionDenied(gettext("您不是该单位已核验的经办人，不能以该单位名义申请。"))
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
            problems["name"] = [ValidationError(gettext("请填写委托人姓名。"), code="required")]
        try:
            number = validators.validate_resident_id(id_number)
        except ValidationError as exc:
            problems["id_number"] = exc.error_list
        else:
            if id_number_digest(number) == user.id_number_digest:
                problems["id_number"] = [
                    ValidationError(gettext("委托人不能是您本人，请选择本人申请。"), code=ID_MISMATCH)
                ]
        if problems:
            raise ValidationError(problems)
        typed_name = name
        party = register_party(kind=Party.Kind.PERSON, name=name, id_type=Party.IdType.RESIDENT_ID, id_number=number)
    else:
        raise ValidationError({"acting_as": gettext("请选择申请身份。")})
    return party, typed_name


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
        raise InvalidTransition(gettext("只有草稿可以修改。"))
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
            raise ValidationError({"delivery_method": gettext("请选择有效的结果送达方式。")})
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
        raise NotFound(gettext("未找到该草稿，或已按最新版本重新填报。"))
    current = ServiceItem.objects.filter(code=locked.item.code, status=ServiceItem.Status.PUBLISHED).first()
    if current is None:
        raise DomainError(gettext("该事项目前没有在用版本，暂不能申请。"), code="item_not_current")
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


def required_materials(application: Application, *, clock: Clock = system_clock) -> list[MaterialRequirement]:
    """The tailored list for this case's situation, minus what the applicant's e-licences fill in (免证办)."""
    filled = fetching.filled_in_requirement_ids(application, today=clock.today())
    return [m for m in materials_for(application.item, application.situation_options) if m.id not in filled]


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
        raise InvalidTransition(gettext("当前状态不能上传材料。"))
    if requirement.item_id != application.item_id:
        raise ValidationError({"requirement": gettext("该材料不属于本事项。")})
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


def missing_materials(application: Application, *, clock: Clock = system_clock) -> list[MaterialRequirement]:
    present = set(application.materials.filter(is_current=True).values_list("requirement_id", flat=True))
    return [
        m
        for m in required_materials(application, clock=clock)
        if m.necessity == MaterialRequirement.Necessity.REQUIRED and m.id not in present
    ]


def deferrable_missing(application: Application, *, received: set[int] | None = None) -> list[MaterialRequirement]:
    """The 容缺后补 materials of the case's list that nothing was received for (``received``: the
    requirement ids a window is about to store)."""
    present = set(application.materials.filter(is_current=True).values_list("requirement_id", flat=True))
    present |= set(application.commitments.values_list("requirement_id", flat=True))  # 告知承诺 instead
    present |= received or set()
    return [
        m
        for m in required_materials(application)
        if m.necessity == MaterialRequirement.Necessity.DEFERRABLE and m.id not in present
    ]


def pledge_problems(application: Application, *, pledged: bool, received: set[int] | None = None) -> list[str]:
    """What submitting says when a 容缺后补 material is left out without the applicant's pledge."""
    missing = deferrable_missing(application, received=received)
    if not missing or pledged:
        return []
    names = "、".join(f"“{m.name}”" for m in missing)
    days = application.item.deferral_workdays
    return [
        gettext("%(names)s可容缺后补：请签署容缺受理承诺，承诺在受理后 %(days)s 个工作日内补交；也可现在提交该材料。")
        % {"names": names, "days": days}
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
    deferral_pledged: bool = False,
    commitments: Collection[int] = (),
    commitment_signed: bool = False,
    clock: Clock = system_clock,
) -> Application:
    """申报: the form and the required materials complete, the declaration of truth signed.

    ``materials_to_follow``: a window registers what a walk-in brought while a required material is
    missing, and asks for the rest in writing in the same transaction (windows.services.file_walk_in,
    行政许可法 art. 32 (4)); nobody else may submit an incomplete case.

    ``deferral_pledged``: the applicant's 容缺受理 pledge for the 容缺后补 materials left out
    (applications.services.deferrals).

    ``commitments``: the materials the applicant signs a 告知承诺 for instead (``commitment_signed``:
    the consequences of a false one read and signed; applications.services.commitments)."""
    # Locked first: a double click's second request waits here and then finds the case submitted.
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != S.DRAFT:
        if application.status == S.SUBMITTED:  # a double click: the first submit stands
            return application
        raise InvalidTransition(
            gettext("办件当前状态为“%(status)s”，不能申报。") % {"status": application.get_status_display()}
        )
    _check_item_open(application.item, online=application.channel == Application.Channel.ONLINE, clock=clock)
    problems = validate_form_data(application.item.form_definition, decrypt_id_numbers(application.form_data))
    # Told together with everything else, so the applicant fixes the whole page at once.
    if not declaration:
        problems["declaration"] = [gettext("请阅读并确认承诺声明：所填信息和提交材料真实有效。")]
    chosen = set(commitments)
    present = set(application.materials.filter(is_current=True).values_list("requirement_id", flat=True))
    listed = required_materials(application, clock=clock)
    if told := commitment_problems(listed, chosen, signed=commitment_signed, present=present):
        problems["commitments"] = told
    missing = [m for m in missing_materials(application, clock=clock) if m.id not in chosen]
    if materials_to_follow and not (actor_role == Actor.CLERK and application.channel == Application.Channel.WINDOW):
        raise PermissionDenied(gettext("只有窗口收件时可以先登记、再一次性告知补正缺少的材料。"))
    if missing and not materials_to_follow:
        problems["materials"] = [(gettext("请上传：%(name)s") % {"name": m.name}) for m in missing]
    if pledge := pledge_problems(application, pledged=deferral_pledged, received=chosen):
        problems["deferral_pledged"] = pledge
    if application.delivery_method == Application.DeliveryMethod.POST and not application.delivery_address:
        problems["delivery_address"] = [gettext("选择邮寄送达的，请填写邮寄地址。")]
    if problems:
        raise ValidationError(problems)
    fetching.record_fetched_licences(application=application, actor=actor, clock=clock)
    now = clock.now()
    submitted = transition(
        application=application,
        action="submit",
        actor_role=actor_role,
        actor=actor,
        changes={
            "number": next_number(application, on=clock.today()),
            "access_code": new_access_code(),
            "submitted_at": now,
            "declaration_signed_at": now,
            "deferral_pledged_at": now
            if deferral_pledged and deferrable_missing(application, received=chosen)
            else None,
        },
        note=stored(gettext_noop("申请人已提交申请。申请人已签署告知承诺书。"))
        if chosen
        else stored(gettext_noop("申请人已提交申请。")),
        clock=clock,
    )
    sign_commitments(submitted, chosen, clock=clock)
    return submitted
