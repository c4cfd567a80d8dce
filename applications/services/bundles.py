"""一件事申请: start, fill and submit one application for a bundle; start each part when its turn
comes. The rules are written down in applications/bundles.py; this module reuses the one-item
services (start_application, save_draft, attach_material, submit_application) for every part."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.bundles import is_done, is_granted
from applications.forms_runtime import decrypt_id_numbers, encrypt_id_numbers, prefill_form_data, validate_form_data
from applications.licences import fetching
from applications.models import (
    Application,
    BundleApplication,
    BundlePart,
    BundleUpload,
    Result,
    SubmittedMaterial,
)
from applications.services import bundle_choices as choices
from applications.services.acceptance import accept_application
from applications.services.bundle_choices import key_of
from applications.services.drafts import (
    _check_item_open,
    _check_service_object,
    _known_facts,
    attach_material,
    online_party,
    required_materials,
    save_draft,
    start_application,
    submit_application,
)
from applications.transitions import Actor
from catalog import bundles as rules
from catalog.models import Bundle, BundleMember, MaterialRequirement
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition
from portal.stored_text import StoredText, stored
from portal.uploads import DOCUMENT_KINDS, check_upload, original_name

B = BundleApplication.Status
S = Application.Status


def members_of(bundle: Bundle) -> list[BundleMember]:
    return list(
        bundle.members.select_related("item__department", "item__region").prefetch_related(
            "item__materials", "item__situations__options__adds", "item__situations__options__drops"
        )
    )


def merged_fields(bundle: Bundle) -> list[rules.MergedField]:
    return rules.merged_form([rules.part_of(m) for m in members_of(bundle)])[0]


def _as_dict(requirement: MaterialRequirement) -> dict[str, Any]:
    return {"name": requirement.name, "source": requirement.source, "license_code": requirement.license_code}


def asked_materials(bundle: Bundle, answers: dict[str, Any] | None = None) -> list[rules.MergedMaterial]:
    """The merged materials the applicant uploads for the answers to the situations
    (applications.services.bundle_choices.asked)."""
    return choices.asked(members_of(bundle), answers or {})


def licence_checks(
    bundle_application: BundleApplication, *, clock: Clock = system_clock
) -> list[fetching.LicenceCheck]:
    """免证办 for the whole bundle: each material an e-licence may fill in, asked once (by kind), with
    the applicant's licence that does or why none does — shown as fetched, never silently dropped."""
    seen: dict[str, fetching.LicenceCheck] = {}
    members = members_of(bundle_application.bundle)
    # An earlier part's result (营业执照 from 个体工商户设立登记) is provided by that part, not fetched.
    results = {rules.normalised_name(m.item.result_name) for m in members if m.item.result_name}
    for member in members:
        probe = Application(
            item=member.item,
            party=bundle_application.party,
            acting_as=bundle_application.acting_as,
            channel=Application.Channel.ONLINE,
            situation_options=[],
        )
        for check in fetching.live_checks(probe, today=clock.today()):
            if rules.normalised_name(fetching.licence_kind(check.requirement)) in results:
                continue
            seen.setdefault(fetching.licence_kind(check.requirement), check)
    return list(seen.values())


def check_bundle_open(bundle: Bundle, *, clock: Clock = system_clock, online: bool = True) -> list[BundleMember]:
    """A bundle one may apply for now: published, every member's pinned version still open, one form."""
    if bundle.status != Bundle.Status.PUBLISHED:
        raise DomainError(gettext("该一件事版本已停止使用，请从最新的办事指南重新申请。"), code="bundle_not_current")
    members = members_of(bundle)
    for member in members:
        try:
            _check_item_open(member.item, online=online, clock=clock)
        except DomainError as exc:
            raise DomainError(
                gettext(
                    "“%(bundle)s”的成员事项“%(item)s”暂不能申请：%(why)s"
                    "一件事暂不能网上申请，请等待更新后的一件事指南，或分别申请各事项。"
                )
                % {"bundle": bundle.name, "item": member.item.name, "why": exc.message},
                code="bundle_member_closed",
            ) from None
    if rules.merged_form([rules.part_of(m) for m in members])[1]:
        raise DomainError(gettext("该一件事的合并申请表尚未统一，暂不能申请。"), code="bundle_form_conflict")
    return members


def check_bundle_party(bundle: Bundle, party: Any) -> None:
    """Every member must serve this kind of applicant (自然人 or an organisation), told at the start and
    naming the member, not when a later part is started and refused by its department."""
    for member in members_of(bundle):
        try:
            _check_service_object(member.item, party)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "acting_as": gettext("“%(bundle)s”的成员事项“%(item)s”：%(problem)s")
                    % {"bundle": bundle.name, "item": member.item.name, "problem": exc.messages[0]}
                }
            ) from None


# --- Start, fill, upload ----------------------------------------------------------------------


@transaction.atomic
def start_bundle_application(
    *,
    user: Any,
    bundle: Bundle,
    acting_as: str,
    id_number: str = "",
    organization: Any = None,
    phone: str = "",
    idempotency_key: str | None = None,
    clock: Clock = system_clock,
) -> BundleApplication:
    """A draft of one application for the whole bundle; the same key returns the same draft."""
    if idempotency_key:
        existing = BundleApplication.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.applicant_user_id != user.pk:
                raise InvalidTransition(gettext("该请求标识已被使用。"))
            return existing
    check_bundle_open(bundle, clock=clock)
    if acting_as == Application.ActingAs.PROXY:
        raise ValidationError({"acting_as": gettext("一件事暂不支持网上代他人申请，请委托人本人申请或到窗口办理。")})
    party, typed_name = online_party(user=user, acting_as=acting_as, id_number=id_number, organization=organization)
    check_bundle_party(bundle, party)
    try:
        with transaction.atomic():
            draft = BundleApplication.objects.create(
                bundle=bundle,
                applicant_user=user,
                party=party,
                acting_as=acting_as,
                applicant_name=typed_name[:200],
                contact_phone=phone or user.phone or "",
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return BundleApplication.objects.get(idempotency_key=idempotency_key)
    definition = [f.as_definition() for f in merged_fields(bundle)]
    # _known_facts reads party, applicant_name and contact_phone, which the bundle draft has too.
    draft.form_data = encrypt_id_numbers(definition, prefill_form_data(definition, _known_facts(draft, user), {}))
    draft.save(update_fields=["form_data"])
    return draft


def _locked_draft(bundle_application: BundleApplication) -> BundleApplication:
    locked = BundleApplication.objects.select_for_update().get(pk=bundle_application.pk)
    if locked.status != B.DRAFT:
        raise InvalidTransition(gettext("该一件事申请已提交，不能再修改。"))
    return locked


@transaction.atomic
def save_bundle_draft(
    *,
    bundle_application: BundleApplication,
    form_data: dict[str, Any],
    situation_answers: dict[int, int] | None = None,
    commitments: list[str] | None = None,
    commitment_signed: bool | None = None,
    deferral_pledged: bool | None = None,
    clock: Clock = system_clock,
) -> BundleApplication:
    """Keep the form and the choices (situations by position, 告知承诺 by material key, the pledges;
    ``None`` leaves one as it was): applications.services.bundle_choices."""
    locked = _locked_draft(bundle_application)
    definition = [f.as_definition() for f in merged_fields(locked.bundle)]
    names = {f["name"] for f in definition}
    typed = {k: v for k, v in form_data.items() if k in names}
    locked.form_data = encrypt_id_numbers(definition, typed, previous=locked.form_data)
    members = members_of(locked.bundle)
    answers = choices.clean_answers(members, situation_answers) if situation_answers is not None else None
    fields = choices.record_choices(
        locked,
        members=members,
        answers=answers,
        commitments=commitments,
        commitment_signed=commitment_signed,
        deferral_pledged=deferral_pledged,
        clock=clock,
    )
    locked.save(update_fields=["form_data", *fields])
    return locked


@transaction.atomic
def attach_bundle_material(*, bundle_application: BundleApplication, key: str, file: UploadedFile) -> BundleUpload:
    """One file for one merged material; it replaces the previous one."""
    locked = _locked_draft(bundle_application)
    material = next((m for m in asked_materials(locked.bundle, locked.situation_answers) if key_of(m) == key), None)
    if material is None:
        raise ValidationError({"material": gettext("该材料不属于本一件事。")})
    kind = check_upload(file, allowed=DOCUMENT_KINDS)
    locked.uploads.filter(material_key=key).delete()
    return BundleUpload.objects.create(
        bundle_application=locked,
        material_key=key,
        name=material.name,
        file=file,
        original_name=original_name(file),
        content_type=kind.code,
    )


# --- Submit and fan out -----------------------------------------------------------------------


def _copy(upload: BundleUpload) -> SimpleUploadedFile:
    with upload.file.open("rb") as handle:
        return SimpleUploadedFile(upload.original_name, handle.read(), content_type=upload.content_type)


# A walk-in's paper per merged material (key_of): (originals, copies), recorded on every part that lists it.
Paper = dict[str, tuple[int, int]]


def _bundle_problems(locked: BundleApplication, *, declaration: bool, paper: Paper) -> dict[str, list[str]]:
    definition = [f.as_definition() for f in merged_fields(locked.bundle)]
    problems = validate_form_data(definition, decrypt_id_numbers(locked.form_data))
    if not declaration:
        problems["declaration"] = [gettext("请阅读并确认承诺声明：所填信息和提交材料真实有效。")]
    uploaded = set(locked.uploads.values_list("material_key", flat=True)) | {k for k, n in paper.items() if any(n)}
    materials = asked_materials(locked.bundle, locked.situation_answers)
    if missing := choices.missing_required(materials, uploaded, locked.commitment_keys or ()):
        problems["materials"] = [gettext("请上传：%(name)s") % {"name": name} for name in missing]
    problems.update(choices.choice_problems(locked, materials, uploaded))
    return problems


@transaction.atomic
def submit_bundle_application(
    *,
    bundle_application: BundleApplication,
    actor: Any,
    declaration: bool,
    actor_role: str = Actor.APPLICANT,
    paper: Paper | None = None,
    clock: Clock = system_clock,
) -> BundleApplication:
    """申报: one case per member, each with its fields and its copies of the uploads; the first
    stage's parts are submitted at once, the others when their turn comes (``advance_bundle``).
    A second submit (double click) returns the first one's result.

    ``paper``: at the window (a walk-in), the originals and copies received per merged material."""
    paper = paper or {}
    locked = BundleApplication.objects.select_for_update().get(pk=bundle_application.pk)
    if locked.status != B.DRAFT:
        return locked
    members = check_bundle_open(locked.bundle, clock=clock, online=locked.channel == BundleApplication.Channel.ONLINE)
    if problems := _bundle_problems(locked, declaration=declaration, paper=paper):
        raise ValidationError(problems)
    answers = rules.split_answers(decrypt_id_numbers(locked.form_data), merged_fields(locked.bundle))
    uploads = {u.material_key: u for u in locked.uploads.all()}
    options = choices.member_options(members, locked.situation_answers)
    for member in members:
        case = start_application(
            user=locked.applicant_user,
            item=member.item,
            party=locked.party,
            acting_as=locked.acting_as,
            applicant_name=locked.applicant_name,
            contact_phone=locked.contact_phone,
            idempotency_key=f"bundle-{locked.pk}-{member.pk}",
            channel=Application.Channel.WINDOW
            if locked.channel == BundleApplication.Channel.WINDOW
            else Application.Channel.ONLINE,
            clock=clock,
        )
        own = answers.get(member.item.code, {})
        case = save_draft(
            application=case,
            form_data={**decrypt_id_numbers(case.form_data), **own},
            situation_options=options.get(member.item.code, []),
        )
        for requirement in required_materials(case):
            key = key_of(_as_dict(requirement))
            upload = uploads.get(key)
            if upload is not None:
                material = attach_material(
                    application=case, requirement=requirement, file=_copy(upload), actor=actor, clock=clock
                )
                if key in paper:
                    material.originals_received, material.copies_received = paper[key]
                    material.save(update_fields=["originals_received", "copies_received"])
            elif any(paper.get(key, (0, 0))):
                originals, copies = paper[key]
                SubmittedMaterial.objects.create(
                    application=case,
                    requirement=requirement,
                    originals_received=originals,
                    copies_received=copies,
                    uploaded_by=actor,
                )
        BundlePart.objects.create(bundle_application=locked, member=member, application=case)
    locked.status, locked.submitted_at = B.SUBMITTED, clock.now()
    locked.save(update_fields=["status", "submitted_at"])
    advance_bundle(bundle_application=locked, strict=True, actor_role=actor_role, actor=actor, clock=clock)
    return locked


# --- Starting each part in its turn -----------------------------------------------------------


def _provide_results(part: BundlePart, needed: list[BundlePart]) -> None:
    """The materials of ``part`` that are an earlier part's result, recorded as provided by it."""
    present = set(part.application.materials.filter(is_current=True).values_list("requirement_id", flat=True))
    results = {rules.normalised_name(p.member.item.result_name): p for p in needed if p.member.item.result_name}
    for requirement in required_materials(part.application):
        if requirement.id in present:
            continue
        for candidate in (requirement.name, requirement.license_code):
            earlier = results.get(rules.normalised_name(candidate)) if candidate else None
            if earlier is not None:
                result = Result.objects.filter(application=earlier.application).first()
                number = f"（{result.certificate_number}）" if result and result.certificate_number else ""
                SubmittedMaterial.objects.create(
                    application=part.application,
                    requirement=requirement,
                    original_name=f"由“{earlier.member.item.name}”办理结果提供{number}"[:200],
                )
                break


def _tell(bundle_application: BundleApplication, title: StoredText, body: StoredText, key: str) -> None:
    outbox.enqueue(
        kind="notification",
        key=f"notify:bundle:{key}",
        payload={
            "user_id": bundle_application.applicant_user_id,
            "phone": bundle_application.contact_phone,
            **stored_text.payload(title=title, body=body),
            "link": f"/applications/bundles/{bundle_application.pk}/",
        },
    )


def _block(part: BundlePart, note: StoredText) -> None:
    part.state, part.note, part.note_text = BundlePart.State.BLOCKED, stored_text.source(note), note
    part.save(update_fields=["state", "note", "note_text"])
    title = stored(gettext_noop("一件事：%(item)s未启动"), item=part.member.item.name)
    _tell(part.bundle_application, title, note, f"{part.pk}:blocked")


@transaction.atomic
def advance_bundle(
    *,
    bundle_application: BundleApplication,
    strict: bool = False,
    actor: Any = None,
    actor_role: str = Actor.APPLICANT,
    clock: Clock = system_clock,
) -> int:
    """Start (submit) every waiting part whose turn has come, or block it; returns how many started.

    ``strict`` (at the bundle's submission): a part that cannot be submitted is the applicant's
    problem to fix now, so its error goes up and nothing is saved; later, the part is blocked.

    The bundle application's row is locked first, so two decisions at once serialise here, and a
    part is started once: only a ``waiting`` part is ever submitted. Once the bundle was accepted (its
    one acceptance), a part started later stands accepted by it: no window acts on it again.
    """
    locked = BundleApplication.objects.select_for_update().get(pk=bundle_application.pk)
    parts = list(locked.parts.select_related("member__item", "application").order_by("member__stage", "member__order"))
    by_code = {p.member.item.code: p for p in parts}
    started = 0
    for part in parts:
        if part.state != BundlePart.State.WAITING:
            continue
        needed = [by_code[c] for c in part.member.needs_results_of or [] if c in by_code]
        failed = [p for p in needed if is_done(p) and not is_granted(p)]
        if failed:
            names = stored_text.quoted([p.member.item.name for p in failed])
            _block(
                part,
                stored(
                    gettext_noop("%(names)s未获准予，本事项需要其办理结果，因此未启动；其他事项照常办理。"), names=names
                ),
            )
            continue
        earlier = [p for p in parts if p.member.stage < part.member.stage]
        if not all(is_done(p) for p in earlier):
            continue
        try:
            with transaction.atomic():
                _provide_results(part, needed)
                submit_application(
                    application=part.application,
                    actor=actor or locked.applicant_user,
                    actor_role=actor_role,
                    declaration=True,
                    clock=clock,
                    **choices.submit_options(locked, part.application),
                )
                if locked.status == B.ACCEPTED:
                    accept_application(
                        application=part.application,
                        actor=locked.accepted_by,
                        actor_role=Actor.SYSTEM,
                        bundled=True,
                        receipt=False,
                        clock=clock,
                    )
        except (ValidationError, DomainError) as exc:
            if strict:
                raise
            messages = exc.messages if isinstance(exc, ValidationError) else [exc.message]
            # The messages come from the part's own submission, in the language active then (a sweep's: Chinese).
            _block(part, stored(gettext_noop("本事项未能自动申报：%(why)s"), why="；".join(messages)))
            continue
        part.application.refresh_from_db()
        part.state, part.started_at = BundlePart.State.STARTED, clock.now()
        part.save(update_fields=["state", "started_at"])
        started += 1
    if locked.status == B.ACCEPTED and parts and all(is_done(p) for p in parts):
        _open_joined_delivery(locked, parts, clock)
    return started


def _open_joined_delivery(locked: BundleApplication, parts: list[BundlePart], clock: Clock) -> None:
    """Every part done: the held results may go out together now. 行政许可法 art. 44's ten working
    days for the certificate run from today for a part that was only waiting (统一出件), so the late
    certificate sweep does not count the wait against its department. Told to the applicant once."""
    decided = [
        p.application for p in parts if p.state == BundlePart.State.STARTED and p.application.status == S.DECIDED
    ]
    if not decided:
        return
    due = deadlines.certificate_due_date(clock.today())
    Application.objects.filter(pk__in=[a.pk for a in decided], certificate_due_on__lt=due).update(
        certificate_due_on=due
    )
    _tell(
        locked,
        gettext("一件事：%(name)s已全部办结") % {"name": locked.bundle.name},
        gettext("各事项均已办结，办理结果统一出件，请按选择的方式领取或查收。"),
        f"{locked.pk}:joined",
    )


def advance_after(application: Application, *, clock: Clock = system_clock) -> None:
    """The hook after a part's decision, refusal or withdrawal: start (or block) what waited for it."""
    part = BundlePart.objects.filter(application=application).select_related("bundle_application").first()
    if part is not None:
        advance_bundle(bundle_application=part.bundle_application, clock=clock)


def sweep_bundles(*, clock: Clock = system_clock) -> int:
    """The safety net behind the hooks: every bundle application with a waiting part, each claimed
    with ``skip_locked`` (a hook or an overlapping sweep holding it will start what is due)."""
    pending = (
        BundleApplication.objects.filter(status__in=[B.SUBMITTED, B.ACCEPTED], parts__state=BundlePart.State.WAITING)
        .values_list("pk", flat=True)
        .distinct()
    )
    started = 0
    for pk in list(pending):
        with transaction.atomic():
            claimed = BundleApplication.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if claimed is not None:
                started += advance_bundle(bundle_application=claimed, clock=clock)
    return started
