"""Writes of the comprehensive window (综合窗口): authorisations, clerks, intake, outcomes, delivery.

Every change of a case goes through applications.services (受办分离: the window takes in and hands
over, the department decides); this module adds what only the window knows — which window, which
clerk, which authorisation, what paper was received, who collected the result.

Kept in one module: every function here is one step a clerk takes on one case at one window, and they
share the window's own checks (authorisation, assignment, the hall); the case rules themselves are in
applications.services, so a split would cut the clerk's sequence into files without separating concerns.
"""

import hashlib
from collections.abc import Collection, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from applications import services as cases
from applications.access import intake_role, roles_in_case
from applications.bundles import awaiting_bundle_intake
from applications.forms_runtime import validate_form_data
from applications.models import Application, CorrectionNotice, Delivery, Party, SubmittedMaterial
from applications.transitions import Actor
from catalog.models import Department, MaterialRequirement, ServiceItem
from catalog.selectors import materials_for
from portal import crypto, validators
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, PermissionDenied
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import Organization, Role
from portal.services import record_audit
from portal.uploads import DOCUMENT_KINDS, check_upload
from windows import selectors
from windows.models import ClerkAssignment, DeliveryCheck, Intake, Window, WindowAuthorization

S = Application.Status
MAX_PIECES = 99  # originals or copies of one material received at the window
# The reason a one-time notice gives for a required material a walk-in did not bring.
MISSING_AT_INTAKE = gettext_lazy("窗口收件时未提交该材料，请按办事指南要求补齐。")

# (originals, copies, scan or None) per material requirement id
Received = dict[int, tuple[int, int, UploadedFile | None]]


def _is_sysadmin(user: Any) -> bool:
    return bool(user.is_superuser or user.has_role(Role.SYSADMIN))


# --- Halls, windows and authorisations ------------------------------------------------------------


def cross_region_problem(*, window: Window, item: ServiceItem) -> str:
    """跨域通办: why this window may not take the item in for its department; empty when it may (the
    window's hall is in the department's region, or the item's cross-region scope covers the hall)."""
    region = window.hall.region
    if item.cross_region_covers(region):
        return ""
    home = item.department.region.full_name
    if item.cross_region == ServiceItem.CrossRegion.NONE:
        return gettext("“%(item)s”不是跨域通办事项，须到%(home)s的窗口办理，%(here)s的窗口不能收件。") % {
            "item": item.name,
            "home": home,
            "here": region.full_name,
        }
    return gettext("“%(item)s”为%(scope)s事项，%(here)s不在其通办范围内，须到%(home)s或通办范围内的窗口办理。") % {
        "item": item.name,
        "scope": item.get_cross_region_display(),
        "here": region.full_name,
        "home": home,
    }


def check_window_authorization(
    *,
    actor: Any,
    department: Department,
    item_code: str,
    window: Window | None = None,
    accepts_on_receipt: bool = False,
) -> str:
    """Raise what granting would refuse (forms show it before anything is written); the clean code.

    A window outside the department's region (跨域通办) is authorised only for an item whose scope
    covers the window's hall, and to receive only: the home department accepts (受办分离 across regions).
    """
    if not (_is_sysadmin(actor) or (actor.has_role(Role.DEPT_HEAD) and actor.department_id == department.pk)):
        raise PermissionDenied(gettext("只有实施部门负责人或系统管理员可以授权窗口受理事项。"))
    item_code = item_code.strip()
    versions = ServiceItem.objects.filter(code=item_code, department=department)
    item = versions.filter(status=ServiceItem.Status.PUBLISHED).first() or versions.order_by("-version").first()
    if item is None:
        raise ValidationError({"item_code": gettext("该部门没有此实施编码的事项。")})
    if window is not None and not department.region.contains(window.hall.region):
        if problem := cross_region_problem(window=window, item=item):
            raise ValidationError({"item_code": problem})
        if accepts_on_receipt:
            raise ValidationError(
                {"accepts_on_receipt": gettext("跨域通办的窗口只收件，由属地实施部门受理：请取消“收件即受理”。")}
            )
    return item_code


@transaction.atomic
def grant_window_authorization(
    *, actor: Any, department: Department, window: Window, item_code: str, accepts_on_receipt: bool = True
) -> WindowAuthorization:
    """The implementing department lets a window take in one of its items (收件即受理 or receive only)."""
    item_code = check_window_authorization(
        actor=actor, department=department, item_code=item_code, window=window, accepts_on_receipt=accepts_on_receipt
    )
    authorization, created = WindowAuthorization.objects.update_or_create(
        window=window,
        item_code=item_code,
        defaults={
            "department": department,
            "accepts_on_receipt": accepts_on_receipt,
            "is_cross_region": not department.region.contains(window.hall.region),
        },
    )
    record_audit(
        actor=actor,
        action="window.authorization_granted" if created else "window.authorization_changed",
        obj=authorization,
        detail={
            "window_id": window.pk,
            "item_code": item_code,
            "accepts_on_receipt": accepts_on_receipt,
            "is_cross_region": authorization.is_cross_region,
        },
    )
    return authorization


@transaction.atomic
def revoke_window_authorization(*, actor: Any, authorization: WindowAuthorization) -> None:
    department = authorization.department
    if not (_is_sysadmin(actor) or (actor.has_role(Role.DEPT_HEAD) and actor.department_id == department.pk)):
        raise PermissionDenied(gettext("只有实施部门负责人或系统管理员可以撤销窗口授权。"))
    record_audit(
        actor=actor,
        action="window.authorization_revoked",
        obj=authorization,
        detail={"item_code": authorization.item_code},
    )
    authorization.delete()


def check_clerk_assignment(*, actor: Any, clerk: Any) -> None:
    """Raise what assigning would refuse, so a form can show it before anything is written."""
    if not _is_sysadmin(actor):
        raise PermissionDenied(gettext("只有系统管理员可以安排窗口人员。"))
    if not clerk.has_role(Role.CLERK):
        raise ValidationError({"clerk": gettext("只能安排具有窗口工作人员角色的用户。")})


@transaction.atomic
def assign_clerk(*, actor: Any, window: Window, clerk: Any) -> ClerkAssignment:
    """Put a clerk on a window; the clerk sees that window's queues from then on."""
    check_clerk_assignment(actor=actor, clerk=clerk)
    assignment, created = ClerkAssignment.objects.get_or_create(window=window, clerk=clerk)
    if created:
        record_audit(
            actor=actor,
            action="window.clerk_assigned",
            obj=assignment,
            detail={"window_id": window.pk, "clerk_id": clerk.pk},
        )
    return assignment


@transaction.atomic
def remove_clerk(*, actor: Any, assignment: ClerkAssignment) -> None:
    if not _is_sysadmin(actor):
        raise PermissionDenied(gettext("只有系统管理员可以调整窗口人员。"))
    record_audit(
        actor=actor,
        action="window.clerk_removed",
        obj=assignment,
        detail={"window_id": assignment.window_id, "clerk_id": assignment.clerk_id},
    )
    assignment.delete()


# --- Intake -------------------------------------------------------------------------------------------


def _record_intake(
    *,
    application: Application,
    authorization: WindowAuthorization,
    clerk: Any,
    clock: Clock,
    agent: Party | None = None,
) -> Intake:
    """Where the case was taken in (across regions or not); the first window that acts on an online
    case keeps it."""
    intake, _ = Intake.objects.get_or_create(
        application=application,
        defaults={
            "window": authorization.window,
            "clerk": clerk,
            "at": clock.now(),
            "agent": agent,
            "is_cross_region": authorization.is_cross_region,
        },
    )
    return intake


def _authorization_or_403(clerk: Any, application: Application) -> WindowAuthorization:
    authorization = selectors.authorization_for(clerk, application)
    if authorization is None:
        raise PermissionDenied(gettext("您所在的窗口未获实施部门授权受理该事项。"))
    return authorization


def _deciding_window(clerk: Any, application: Application, action: str) -> WindowAuthorization:
    """The authorisation under which the clerk takes an intake decision here; who decides at all
    (the window or the department's handler) is applications.access.intake_role's to say."""
    if intake_role(clerk, application, action) != Actor.CLERK:
        raise PermissionDenied(gettext("窗口已收件的办件，由实施部门受理人员在审查工作台作出决定。"))
    return _authorization_or_403(clerk, application)


def _originals_problem(
    requirement: MaterialRequirement, *, originals: int, has_file: bool, electronic_counts: bool
) -> str:
    """Where the material list asks for originals, a copy does not stand in for one; an electronic
    file does only where ``electronic_counts``. Empty when the material is in order."""
    if requirement.originals == 0 or originals >= requirement.originals:
        return ""
    if has_file and electronic_counts:
        return ""
    if electronic_counts:
        return gettext("“%(name)s”须收取原件 %(originals)s 份或其电子件，复印件不能代替原件。") % {
            "name": requirement.name,
            "originals": requirement.originals,
        }
    return gettext(
        "“%(name)s”须收取原件 %(originals)s 份（已收原件 %(originals2)s 份），复印件或电子件不能代替原件。"
    ) % {"name": requirement.name, "originals": requirement.originals, "originals2": originals}


def _needs_originals_now(requirement: MaterialRequirement) -> bool:
    # 容缺后补: accepted now with the original to follow by the agreed date, so not asked for here.
    return requirement.originals > 0 and requirement.necessity != MaterialRequirement.Necessity.DEFERRABLE


def originals_to_check_at_delivery(application: Application) -> list[MaterialRequirement]:
    """An online case's materials whose paper originals the clerk sees when the result is handed over.

    The applicant uploaded files; an electronic file counts where the requirement's form allows
    electronic material (电子, 纸质和电子); a paper-only one asks for its originals, which the applicant
    shows at the window before collecting the result (the product owner's decision: the case is not
    held up at intake). A walk-in's paper was checked when it was filed. Materials an e-licence proves
    (免提交) are not on the list at all (cases.required_materials).
    """
    if application.channel != Application.Channel.ONLINE:
        return []
    current = application.materials.filter(is_current=True)
    received: dict[int, tuple[int, bool]] = {}
    # Issued by the government itself (an e-licence, or an earlier part's result in a 一件事): nothing
    # was handed in, so there is no original to see.
    provided = {m.requirement_id for m in current if _handed_in_by_nobody(m)}
    for material in current:
        originals, has_file = received.get(material.requirement_id, (0, False))
        received[material.requirement_id] = (originals + material.originals_received, has_file or bool(material.file))
    due = []
    for requirement in cases.required_materials(application):
        if requirement.id not in received or requirement.id in provided or not _needs_originals_now(requirement):
            continue
        originals, has_file = received[requirement.id]
        problem = _originals_problem(
            requirement,
            originals=originals,
            has_file=has_file,
            electronic_counts=requirement.form != MaterialRequirement.Form.PAPER,
        )
        if problem:
            due.append(requirement)
    return due


def _handed_in_by_nobody(material: SubmittedMaterial) -> bool:
    return not material.file and not material.originals_received and not material.copies_received


def _check_originals_at_delivery(
    application: Application, method: str, originals_checked: Iterable[int]
) -> list[dict[str, Any]]:
    """What the clerk recorded as seen, or a 422 naming each original still to be shown."""
    due = originals_to_check_at_delivery(application)
    if not due:
        return []
    if method != Application.DeliveryMethod.COLLECT:
        raise DomainError(
            gettext("本办件须核验材料原件：请申请人到窗口领取结果，并出示原件。"),
            code="originals_at_collection",
            detail={"materials": [r.name for r in due]},
        )
    seen = set(originals_checked)
    unseen = [r for r in due if r.pk not in seen]
    if unseen:
        raise ValidationError(
            {
                "originals": [
                    (
                        gettext("“%(name)s”的原件 %(originals)s 份未核验，核验原件后方可出件。")
                        % {"name": r.name, "originals": r.originals}
                    )
                    for r in unseen
                ]
            }
        )
    return [{"requirement_id": r.pk, "name": r.name, "originals": r.originals} for r in due]


def _missing_required(application: Application, received: Received) -> list[MaterialRequirement]:
    """The required materials of the case's list that the applicant did not bring."""
    got = {rid for rid, (originals, copies, scan) in received.items() if originals or copies or scan is not None}
    return [
        m
        for m in cases.required_materials(application)
        if m.necessity == MaterialRequirement.Necessity.REQUIRED and m.id not in got
    ]


def _check_received(application: Application, received: Received) -> dict[str, list[str]]:
    """What is wrong with the paper and scans the clerk recorded, before any file is stored.

    At the window the applicant is there with the paper: where the list asks for originals they are
    received, and a scan stands in only for a material whose form is electronic. What is missing is
    not checked here (``_missing_required``): it may be asked for in writing.
    """
    problems: dict[str, list[str]] = {}
    # Paper for a material an e-licence fills in is taken too: the licence supersedes it at submission.
    listed = {m.id: m for m in materials_for(application.item, application.situation_options)}
    for requirement_id, (originals, copies, scan) in received.items():
        requirement = listed.get(requirement_id)
        if requirement is None:
            problems.setdefault("materials", []).append(gettext("所收材料不在本事项本情形的材料清单中。"))
            continue
        if not (0 <= originals <= MAX_PIECES and 0 <= copies <= MAX_PIECES):
            problems.setdefault("materials", []).append(
                gettext("“%(name)s”的份数应在 0–%(MAX_PIECES)s 之间。")
                % {"name": requirement.name, "MAX_PIECES": MAX_PIECES}
            )
        if scan is not None:
            try:
                check_upload(scan, allowed=DOCUMENT_KINDS)
            except ValidationError as exc:
                problems.setdefault("materials", []).append(
                    gettext("“%(name)s”的扫描件：%(messages)s")
                    % {"name": requirement.name, "messages": exc.messages[0]}
                )
        if (originals or copies or scan is not None) and _needs_originals_now(requirement):
            problem = _originals_problem(
                requirement,
                originals=originals,
                has_file=scan is not None,
                electronic_counts=requirement.form == MaterialRequirement.Form.ELECTRONIC,
            )
            if problem:
                problems.setdefault("materials", []).append(problem)
    return problems


@transaction.atomic
def file_walk_in(
    *,
    clerk: Any,
    window: Window,
    item: ServiceItem,
    party: Party,
    form_data: dict[str, Any],
    situation_options: list[int],
    received: Received,
    declaration_signed: bool,
    agent: Party | None = None,
    delivery_method: str = Application.DeliveryMethod.COLLECT,
    delivery_address: str = "",
    idempotency_key: str | None = None,
    applicant_name: str = "",
    contact_phone: str = "",
    ask_for_missing: bool = False,
    deferral_pledged: bool = False,
    commitments: Collection[int] = (),
    commitment_signed: bool = False,
    clock: Clock = system_clock,
) -> Application:
    """窗口收件 for a walk-in: the case, the paper and scans received, the signed declaration, submitted.

    A required material the applicant did not bring refuses the intake, unless ``ask_for_missing``:
    then what was brought is registered and a one-time correction notice (一次性告知书) for the rest
    is issued on the spot (行政许可法 art. 32 (4)), in the same transaction.

    Everything or nothing: a refused intake leaves no draft, no material row and no file behind
    (files are checked before the first one is stored). The same idempotency key (a double click)
    returns the case the first request filed.
    """
    if idempotency_key:
        earlier = Application.objects.filter(idempotency_key=idempotency_key).select_related("intake").first()
        if earlier is not None:
            if getattr(earlier, "intake", None) is None or earlier.intake.window_id != window.pk:
                raise PermissionDenied(gettext("该请求标识已被使用。"))
            return earlier
    if not window.clerks.filter(pk=clerk.pk).exists():
        raise PermissionDenied(gettext("您不在该窗口上岗，不能在此收件。"))
    authorization = WindowAuthorization.objects.filter(
        window=window, item_code=item.code, department=item.department_id
    ).first()
    # 跨域通办: an item of another region is taken in only while its scope covers this window's hall.
    if problem := cross_region_problem(window=window, item=item):
        raise PermissionDenied(problem)
    if authorization is None:
        raise PermissionDenied(gettext("本窗口未获实施部门授权受理该事项。"))
    if party.kind == Party.Kind.ORGANIZATION and agent is None:
        raise ValidationError({"agent": gettext("单位申请须核验经办人身份。")})

    application = cases.start_application(
        user=None,
        item=item,
        party=party,
        acting_as=Application.ActingAs.AGENT if agent is not None else Application.ActingAs.SELF,
        channel=Application.Channel.WINDOW,
        idempotency_key=idempotency_key,
        applicant_name=applicant_name,
        contact_phone=contact_phone,
        clock=clock,
    )
    if application.status != S.DRAFT:  # a double click that raced past the look-up above
        return application
    application = cases.save_draft(
        application=application,
        form_data=form_data,
        situation_options=situation_options,
        delivery_method=delivery_method,
        delivery_address=delivery_address,
    )
    problems = validate_form_data(item.form_definition, form_data)
    problems.update(_check_received(application, received))
    brought = {rid for rid, (originals, copies, scan) in received.items() if originals or copies or scan is not None}
    # 告知承诺: a material the applicant signs a commitment for is not brought (the signed paper is kept).
    chosen = set(commitments)
    required = cases.required_materials(application)
    if told := cases.commitment_problems(required, chosen, signed=commitment_signed, present=brought):
        problems["commitment_signed"] = told
    missing = [m for m in _missing_required(application, received) if m.pk not in chosen]
    if missing and not ask_for_missing:
        problems.setdefault("materials", []).extend(
            (gettext("未收取必要材料：%(name)s") % {"name": m.name}) for m in missing
        )
        problems["materials"].append(gettext("申请人未带齐的，可勾选“材料不全”登记已收材料，并当场出具一次性告知书。"))
    if application.delivery_method == Application.DeliveryMethod.POST and not application.delivery_address:
        problems["delivery_address"] = [gettext("选择邮寄送达的，请填写邮寄地址。")]
    if not declaration_signed:
        problems["declaration"] = [gettext("请由申请人在承诺声明上签字确认后再提交。")]
    if pledge := cases.pledge_problems(application, pledged=deferral_pledged, received=brought | chosen):
        problems["deferral_pledged"] = pledge
    if problems:
        raise ValidationError(problems)

    for requirement_id, (originals, copies, scan) in received.items():
        if scan is not None:
            requirement = item.materials.get(pk=requirement_id)
            material = cases.attach_material(
                application=application, requirement=requirement, file=scan, actor=clerk, clock=clock
            )
            material.originals_received, material.copies_received = originals, copies
            material.save(update_fields=["originals_received", "copies_received"])
        elif originals or copies:
            SubmittedMaterial.objects.create(
                application=application,
                requirement_id=requirement_id,
                originals_received=originals,
                copies_received=copies,
                uploaded_by=clerk,
            )
    _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock, agent=agent)
    application = cases.submit_application(
        application=application,
        actor=clerk,
        actor_role=Actor.CLERK,
        declaration=True,
        materials_to_follow=bool(missing),
        deferral_pledged=deferral_pledged,
        commitments=chosen,
        commitment_signed=commitment_signed,
        clock=clock,
    )
    if missing:
        ask_for_correction(
            clerk=clerk,
            application=application,
            entries=[{"requirement_id": m.pk, "reason": MISSING_AT_INTAKE} for m in missing],
            clock=clock,
        )
        application.refresh_from_db()
    elif authorization.is_cross_region:
        # 异地收件, 属地办理: received here, accepted by the home department (受办分离 across regions).
        cases.receive_application(application=application, actor=clerk, actor_role=Actor.CLERK, clock=clock)
    return application


# --- The four outcomes ---------------------------------------------------------------------------------


@transaction.atomic
def take_in_application(*, clerk: Any, application: Application, clock: Clock = system_clock) -> Application:
    """One click: 受理 where the window's authorisation is 收件即受理, otherwise 收件 for the department.

    A second clerk clicking after the first gets InvalidTransition (409) from the row lock in
    applications.services.transition, and no intake of their own is recorded.
    """
    authorization = _deciding_window(clerk, application, "accept")  # 收件 or 受理: the same people decide
    if awaiting_bundle_intake(application):
        raise InvalidTransition(
            gettext("本件属于一件事，请在一件事受理页面统一受理（一次受理、一张受理凭证）。"),
            detail={"status": application.status, "action": "accept"},
        )
    # An online case's paper originals are seen at delivery (originals_to_check_at_delivery).
    # Recorded before the outcome: the receipt issued with it names this window and its hall's phone.
    _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock)
    if authorization.accepts_on_receipt:
        cases.accept_application(application=application, actor=clerk, actor_role=Actor.CLERK, clock=clock)
    else:
        cases.receive_application(application=application, actor=clerk, actor_role=Actor.CLERK, clock=clock)
    return application


@transaction.atomic
def ask_for_correction(
    *,
    clerk: Any,
    application: Application,
    entries: list[dict[str, Any]],
    due_on: Any = None,
    clock: Clock = system_clock,
) -> CorrectionNotice:
    """一次性告知 from the window (行政许可法 art. 32 (4)): every material to add or fix, at once."""
    authorization = _deciding_window(clerk, application, "request_correction")
    _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock)
    return cases.request_correction(
        application=application, actor=clerk, actor_role=Actor.CLERK, entries=entries, due_on=due_on, clock=clock
    )


@transaction.atomic
def refuse_at_window(
    *,
    clerk: Any,
    application: Application,
    reason: str,
    basis: str,
    competent_agency: str = "",
    reason_code: str = "",
    clock: Clock = system_clock,
) -> Application:
    """不予受理 from the window, in writing (行政许可法 art. 32 (1)(2))."""
    authorization = _deciding_window(clerk, application, "refuse")
    _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock)
    return cases.refuse_application(
        application=application,
        actor=clerk,
        actor_role=Actor.CLERK,
        reason=reason,
        basis=basis,
        competent_agency=competent_agency,
        reason_code=reason_code,
        clock=clock,
    )


@transaction.atomic
def take_correction(
    *, clerk: Any, application: Application, files: dict[int, UploadedFile], clock: Clock = system_clock
) -> Application:
    """补正 handed in at the window (the applicant walks in with the materials): exactly those the
    one-time notice lists, scanned. Before acceptance the case goes back to where it was; after it
    (a suspension for correction) the clock runs again, as when the applicant uploads them online."""
    if Actor.CLERK not in roles_in_case(clerk, application):
        raise PermissionDenied(gettext("该办件不在您的窗口办理范围内。"))
    authorization = _authorization_or_403(clerk, application)
    cases.resubmit_correction(application=application, actor=clerk, actor_role=Actor.CLERK, files=files, clock=clock)
    _record_intake(application=application, authorization=authorization, clerk=clerk, clock=clock)
    return application


# --- Delivery (出件) ------------------------------------------------------------------------------------


def _recipient_may_collect(application: Application, digest: str) -> bool:
    """A person's case: the person. An organisation's: its 经办人 of record or its 法定代表人.

    The 经办人 of record is the agent who came to the window (Intake.agent) or, online, the account that
    filed the case while an active agent of the organisation (its verified identity); the 法定代表人 is
    known by the registry's ID digest (Organization.legal_representative_id_digest).
    """
    party = application.party
    if party.kind != Party.Kind.ORGANIZATION:
        return digest == party.id_number_digest
    intake = getattr(application, "intake", None)
    if intake is not None and intake.agent is not None and intake.agent.id_number_digest == digest:
        return True
    uscc = crypto.decrypt(party.id_number_encrypted)  # a USCC is public: no audited reveal
    user = application.applicant_user
    if (
        user is not None
        and user.id_number_digest
        and user.id_number_digest == digest
        and user.agencies.active().filter(organization__uscc=uscc).exists()
    ):
        return True
    return (
        Organization.objects.filter(uscc=uscc, legal_representative_id_digest=digest)
        .exclude(legal_representative_id_digest="")
        .exists()
    )


def _is_uscc(number: str) -> bool:
    """A valid USCC that is not also a valid 公民身份号码 (both are 18 characters with a check character)."""
    for validate, expected in ((validators.validate_resident_id, False), (validators.validate_uscc, True)):
        try:
            validate(number)
        except ValidationError:
            continue
        return expected
    return False


@transaction.atomic
def deliver_at_window(
    *,
    clerk: Any,
    application: Application,
    method: str,
    recipient_name: str = "",
    recipient_id_number: str = "",
    is_proxy: bool = False,
    proxy_letter: UploadedFile | None = None,
    tracking_number: str = "",
    originals_checked: Iterable[int] = (),
    clock: Clock = system_clock,
) -> Delivery:
    """出件 after an identity check: a person's own ID number, or a proxy with a 委托书.

    An online case whose materials need their paper originals is handed over only at the window, once
    the clerk has seen each one (``originals_checked``: the requirement ids; recorded on the check).

    The recipient is always a person: the applicant, or for an organisation its 经办人 of record or
    法定代表人 (_recipient_may_collect). A USCC typed as the recipient's number is refused.

    applications.services.deliver_result refuses while a fee is due (422) and concludes the case.
    """
    if method not in Application.DeliveryMethod.values:
        raise ValidationError({"method": gettext("请选择送达方式。")})
    originals = _check_originals_at_delivery(application, method, originals_checked)
    check: dict[str, Any] | None = None
    if method == Application.DeliveryMethod.COLLECT:
        number = recipient_id_number.strip().upper()
        if not number:
            raise ValidationError({"recipient_id_number": gettext("请填写领取人的身份证件号码。")})
        digest = id_number_digest(number)
        party = application.party
        if _is_uscc(number) or (party.kind == Party.Kind.ORGANIZATION and digest == party.id_number_digest):
            # The result is signed for by a person: a company cannot sign the 送达回证 itself.
            raise DomainError(
                gettext(
                    "单位不能作为领取人：请填写到场领取人本人的身份证件号码（经办人、法定代表人，"
                    "或持授权委托书的代领人）。"
                ),
                code="recipient_is_organization",
            )
        if is_proxy:
            try:
                validators.validate_resident_id(number)
            except ValidationError as exc:
                raise ValidationError({"recipient_id_number": exc.messages}) from exc
            if proxy_letter is None:
                raise ValidationError({"proxy_letter": gettext("他人代领须上传申请人签署的授权委托书。")})
            try:
                check_upload(proxy_letter, allowed=DOCUMENT_KINDS)
            except ValidationError as exc:
                raise ValidationError({"proxy_letter": exc.messages}) from exc
        elif not _recipient_may_collect(application, digest):
            whom = gettext("申请人") if party.kind == Party.Kind.PERSON else gettext("该单位的经办人、法定代表人")
            raise DomainError(
                gettext("领取人身份证件号码与%(whom)s不符，不能领取；他人代领须勾选“他人代领”并上传授权委托书。")
                % {"whom": whom},
                code="recipient_mismatch",
            )
        check = {
            "recipient_id_digest": digest,
            "recipient_id_masked": mask_id_number(number),
            "is_proxy": is_proxy,
            "originals_checked": originals,
        }
    delivery = cases.deliver_result(
        application=application,
        actor=clerk,
        actor_role=Actor.CLERK,
        method=method,
        recipient_name=recipient_name,
        recipient_is_proxy=is_proxy,
        tracking_number=tracking_number,
        clock=clock,
    )
    if check is not None:
        intake = getattr(application, "intake", None)
        # At the hall that took it in; a case taken in across regions may be handed over at home too.
        mine = selectors.windows_of(clerk)
        window = (mine.filter(hall=intake.window.hall_id).first() if intake else None) or mine.first()
        letter_sha256 = ""
        if proxy_letter is not None:
            digest_of_letter = hashlib.sha256()
            for chunk in proxy_letter.chunks():
                digest_of_letter.update(chunk)
            proxy_letter.seek(0)
            letter_sha256 = digest_of_letter.hexdigest()
        DeliveryCheck.objects.create(
            delivery=delivery,
            window=window,
            clerk=clerk,
            proxy_letter=proxy_letter if is_proxy else "",
            proxy_letter_sha256=letter_sha256 if is_proxy else "",
            checked_at=clock.now(),
            **check,
        )
    return delivery
