"""The applicant's pages: start an application, fill the draft, my applications, one case, and the
applicant's actions on it (withdraw, correct, pay) and file downloads.

Thin: parse → authorise through applications.access → one service or selector → render. Every case
and file is reached through get_draft_for / get_application_for; what the user may not see is 404.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import forms, selectors, services
from applications.access import (
    DOWNLOAD,
    VIEW,
    applications_visible_to_applicant,
    form_data_for,
    get_application_for,
    get_draft_for,
    is_applicant,
)
from applications.documents import LEGAL_CONSEQUENCES
from applications.licences import fetching
from applications.licences.access import licences_held_by
from applications.models import Application, BundleApplication, Result
from applications.transitions import OPEN_BEFORE_DECISION, Actor
from catalog import selectors as catalog_selectors
from catalog.models import ServiceItem
from portal.clock import system_clock
from portal.downloads import attachment_response, extension_of, open_stored
from portal.exceptions import BadInput, DomainError, InvalidTransition, NotFound, PermissionDenied, render_error
from portal.models import User

PAGE_SIZE = 20
S = Application.Status


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _problems(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _file_response(file: FieldFile, download_name: str) -> FileResponse:
    return attachment_response(open_stored(file), download_name)


_extension = extension_of


# --- Start ------------------------------------------------------------------------------------


def _start(user: User, item: ServiceItem, data: dict[str, Any]) -> Application:
    applying_as = data["applying_as"]
    if applying_as == forms.StartForm.SELF:
        who: dict[str, Any] = {"acting_as": Application.ActingAs.SELF, "id_number": data["id_number"]}
    elif applying_as == forms.StartForm.ORGANIZATION:
        who = {"acting_as": Application.ActingAs.AGENT, "organization": data["organization"]}
    else:
        who = {
            "acting_as": Application.ActingAs.PROXY,
            "name": data["principal_name"],
            "id_number": data["principal_id_number"],
            "proxy_letter": data.get("proxy_letter"),
        }
    return services.start_online_application(
        user=user, item=item, phone=data["phone"], idempotency_key=data["idempotency_key"], **who
    )


def _page_of(application: Application) -> str:
    if application.status == S.DRAFT:
        return reverse("applications:draft", args=[application.pk])
    return reverse("applications:detail", args=[application.number])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Choose who applies; a draft is made once per form (the Idempotency-Key hidden field)."""
    user = _user(request)
    if not user.is_real_name_verified:
        messages.info(request, gettext("网上申请前，请先完成实名认证。"))
        return redirect(f"{reverse('accounts:real_name')}?{urlencode({'next': request.path})}")
    try:
        item = catalog_selectors.published_item(code)
        if not (item.accepts_on_pc or item.accepts_on_mobile):
            raise DomainError(gettext("该事项暂不支持网上申报，请到窗口办理。"), code="not_online")
    except DomainError as exc:
        return render_error(request, exc)
    form = forms.StartForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        initial={"applying_as": forms.StartForm.SELF, "idempotency_key": uuid.uuid4().hex, "phone": user.phone or ""},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = _start(user, item, form.cleaned_data)
            except ValidationError as exc:
                forms.add_errors(form, exc)
                status = 422
            except DomainError as exc:
                return render_error(request, exc)
            else:
                return redirect(_page_of(application))
        else:
            status = form.refusal_status()
    return render(request, "applications/start.html", {"item": item, "form": form}, status=status)


# --- The draft --------------------------------------------------------------------------------


def _draft_context(
    user: Any,
    application: Application,
    problems: dict[str, list[str]],
    declaration: bool = False,
    pledged: bool = False,
    commitment: tuple[set[int], bool] = (set(), False),
) -> dict[str, Any]:
    item = application.item
    current = {m.requirement_id: m for m in application.materials.filter(is_current=True).select_related("requirement")}
    # "请上传：申请书" (submit_application) is told next to that material's input, not only at the top.
    missing = problems.get("materials", [])
    checks = fetching.live_checks(application, today=system_clock.today())
    licence_problems = {c.requirement.id: c.problem for c in checks if c.licence is None}
    materials = [
        {
            "requirement": requirement,
            "licence_problem": licence_problems.get(requirement.id, ""),
            "submitted": current.get(requirement.id),
            "errors": problems.get(f"material_{requirement.id}", [])
            + [m for m in missing if m.endswith(f"：{requirement.name}")],
            "committed": requirement.id in commitment[0],
        }
        for requirement in services.required_materials(application)
    ]
    told_at_a_material = {e for m in materials for e in m["errors"]}
    is_current_version = item.status == ServiceItem.Status.PUBLISHED
    known = {"materials", "declaration", "deferral_pledged", "commitments", "delivery_method", "delivery_address"} | {
        f["name"] for f in item.form_definition
    }
    fields = forms.form_field_views(item.form_definition, form_data_for(user, application), problems)
    other_problems = [
        m
        for key, messages_ in problems.items()
        if key not in known and not key.startswith("material_")
        for m in messages_
    ]
    return {
        "application": application,
        "item": item,
        "is_current_version": is_current_version,
        "situations": item.situations.prefetch_related("options"),
        "chosen_options": set(application.situation_options),
        # In full only to the account that typed them; masked to the others who may open the draft.
        "fields": fields,
        "materials": materials,
        # 容缺后补 materials not uploaded: the applicant may pledge to bring them after acceptance.
        "deferrable": [
            m["requirement"] for m in materials if m["requirement"].necessity == "deferrable" and not m["submitted"]
        ],
        "fetched": [fetching.as_material_facts(c) for c in checks if c.licence is not None],
        "material_problems": [m for m in missing if m not in told_at_a_material],
        "delivery_methods": Application.DeliveryMethod.choices,
        "problems": problems,
        "other_problems": other_problems,
        "error_links": _error_links(fields, materials, problems, other_problems, told_at_a_material),
        "max_upload_mb": settings.UPLOAD_MAX_BYTES / 1048576,
        "accept": forms.DOCUMENT_ACCEPT,
        "declaration": declaration,
        "pledged": pledged,
        # 告知承诺制: the materials that allow a signed commitment instead, and what a false one leads to.
        "commitable": any(m["requirement"].allows_commitment for m in materials),
        "commitment_signed": commitment[1],
        "legal_consequences": LEGAL_CONSEQUENCES,
    }


def _error_links(
    fields: list[forms.FormFieldView],
    materials: list[dict[str, Any]],
    problems: dict[str, list[str]],
    other_problems: list[str],
    told_at_a_material: set[str],
) -> list[tuple[str, str]]:
    """The error summary: each problem with the id of the input to fix it in ("" for none), in page order."""

    def named(name: str, message: str) -> str:
        return message if name in message else (gettext("%(name)s：%(message)s") % {"name": name, "message": message})

    links = [
        (f"{f.html_id}_1" if f.is_choice_group else f.html_id, named(f.label, e)) for f in fields for e in f.errors
    ]
    for m in materials:
        links += [(f"id_m{m['requirement'].id}", named(m["requirement"].name, e)) for e in m["errors"]]
    links += [("materials-title", e) for e in problems.get("materials", []) if e not in told_at_a_material]
    for key, anchor in (("delivery_method", "delivery-title"), ("delivery_address", "id_delivery_address")):
        links += [(anchor, e) for e in problems.get(key, [])]
    links += [("id_declaration", e) for e in problems.get("declaration", [])]
    return links + [("", e) for e in other_problems]


def _attach_uploads(request: HttpRequest, application: Application) -> dict[str, list[str]]:
    """Attach each uploaded file to its material; a refused file is reported next to its material."""
    problems: dict[str, list[str]] = {}
    allowed = {m.id: m for m in services.required_materials(application)}
    for requirement_id, file in forms.read_files(request.FILES, forms.MATERIAL_FILE).items():
        requirement = allowed.get(requirement_id)
        if requirement is None:
            raise BadInput(gettext("上传的材料不在本申请的材料清单中。"))
        try:
            services.attach_material(application=application, requirement=requirement, file=file, actor=request.user)
        except ValidationError as exc:
            problems[f"material_{requirement_id}"] = exc.messages
    return problems


def _submitted_instead(request: HttpRequest, pk: int) -> HttpResponse | None:
    """A draft that was submitted meanwhile (a double click): go to the case instead of a 404."""
    application = applications_visible_to_applicant(request.user).filter(pk=pk).exclude(number=None).first()
    if application is None:
        return None
    messages.info(request, (gettext("该申请已提交，办件编号 %(number)s。") % {"number": application.number}))
    return redirect(_page_of(application))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Situations, the item's form, the materials, how to receive the result; save or submit.

    Whatever was typed is saved before submitting, so a refused submission loses nothing.
    """
    try:
        application = get_draft_for(request.user, pk)
    except NotFound as exc:
        return _submitted_instead(request, pk) or render_error(request, exc)
    if request.method != "POST":
        return render(request, "applications/draft.html", _draft_context(request.user, application, {}))
    action = request.POST.get("action")
    declaration = request.POST.get("declaration") == "on"
    pledged = request.POST.get("deferral_pledged") == "on"
    commitment = (chosen_commitments(request.POST), request.POST.get("commitment_signed") == "on")
    problems: dict[str, list[str]] = {}
    status = 422
    try:
        if action not in ("save", "submit"):
            raise BadInput(gettext("未知的操作。"))
        method, address = forms.read_delivery(request.POST)
        item = application.item
        application = services.save_draft(
            application=application,
            form_data=forms.read_form_data(item.form_definition, request.POST),
            situation_options=forms.read_situation_options(item.situations.all(), request.POST),
            delivery_method=method,
            delivery_address=address,
        )
        problems = _attach_uploads(request, application)
        if action == "submit" and not problems:
            services.submit_application(
                application=application,
                actor=request.user,
                declaration=declaration,
                deferral_pledged=pledged,
                commitments=commitment[0],
                commitment_signed=commitment[1],
            )
            application.refresh_from_db()
            messages.success(
                request,
                gettext("申请已提交，办件编号 %(number)s。窗口预审后会通知您。") % {"number": application.number},
            )
            return redirect(_page_of(application))
    except ValidationError as exc:
        problems.update(_problems(exc))
    except InvalidTransition as exc:
        return _submitted_instead(request, pk) or render_error(request, exc)
    except DomainError as exc:
        if exc.status_code != 422:
            return render_error(request, exc)
        problems["__all__"] = [exc.message]
    if not problems:
        messages.success(request, gettext("草稿已保存。"))
        return redirect(_page_of(application))
    application.refresh_from_db()
    return render(
        request,
        "applications/draft.html",
        _draft_context(request.user, application, problems, declaration, pledged, commitment),
        status=status,
    )


@login_required
@require_POST
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        application = get_draft_for(request.user, pk)
        services.withdraw_application(application=application, actor=request.user)
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(request, gettext("草稿已删除。"))
    return redirect("applications:list")


@login_required
@require_POST
def draft_restart(request: HttpRequest, pk: int) -> HttpResponse:
    """The item changed since the draft was started: fill it again on the current version."""
    try:
        application = get_draft_for(request.user, pk)
        fresh = services.restart_draft(application=application, user=request.user)
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(request, gettext("已按最新版本生成新草稿，已填写的内容已带入，请重新选择情形并上传材料。"))
    return redirect(_page_of(fresh))


@login_required
@require_safe
def draft_material(request: HttpRequest, pk: int, material_id: int) -> HttpResponse:
    try:
        application = get_draft_for(request.user, pk)
        material = application.materials.select_related("requirement").filter(pk=material_id).first()
        if material is None:
            raise NotFound(gettext("该材料不存在。"))
        return _file_response(material.file, f"{material.requirement.name}.{_extension(material.file)}")
    except DomainError as exc:
        return render_error(request, exc)


# --- My applications and one case ---------------------------------------------------------------


@login_required
@require_safe
def application_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.my_applications(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(application, selectors.what_is_asked(application)) for application in page.object_list]
    bundle_applications = BundleApplication.objects.filter(applicant_user=request.user).select_related("bundle")
    return render(
        request,
        "applications/list.html",
        {"page": page, "rows": rows, "bundle_applications": bundle_applications},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """认领办件: a case filed at a window (or by a proxy) under my ID number, proved by its receipt's 查询码."""
    values = {"number": request.POST.get("number", "")[:40], "access_code": request.POST.get("access_code", "")[:12]}
    error, status = "", 200
    if request.method == "POST":
        try:
            application = services.claim_application(
                user=request.user, number=values["number"], access_code=values["access_code"]
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(request, gettext("已认领办件 %(number)s。") % {"number": application.number})
            return redirect("applications:detail", number=application.number)
    return render(request, "applications/claim.html", {"values": values, "error": error}, status=status)


def _document_links(application: Application) -> list[tuple[Any, str]]:
    """Each notice with the link to its PDF; without the document view yet, the list alone."""
    links = []
    for document in application.notices:  # type: ignore[attr-defined]
        try:
            url = reverse("applications:document", args=[application.number, document.token])
        except NoReverseMatch:
            url = ""
        links.append((document, url))
    return links


# A case that will not move again: the applicant is told so and offered a new application.
FINISHED = {S.CONCLUDED, S.REFUSED, S.WITHDRAWN, S.RETURNED}


def _apply_again(application: Application) -> tuple[str, bool] | None:
    """Where to apply for the same item again: the online start, or the guide of a window-only item."""
    item = ServiceItem.objects.filter(code=application.item.code, status=ServiceItem.Status.PUBLISHED).first()
    if item is None:
        return None
    if item.accepts_on_pc or item.accepts_on_mobile:
        return reverse("applications:start", args=[item.code]), True
    return item.get_absolute_url(), False


def _detail_context(
    request: HttpRequest, application: Application, problems: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    application = selectors.application_detail(application)
    applicant = is_applicant(request.user, application)
    notice = selectors.open_correction(application) if applicant else None
    fees = list(application.fee_assessments.all())
    return {
        "application": application,
        "is_applicant": applicant,
        "timeline": selectors.timeline_for_applicant(application),
        "asks": selectors.what_is_asked(application),
        "documents": _document_links(application),
        # A grant's licence, to its holder once handed over (not to a proxy who filed for them).
        "licences": list(licences_held_by(request.user).filter(application=application)),
        "materials": application.current_materials,  # type: ignore[attr-defined]
        "fees": fees,
        "can_pay_online": application.item.supports_online_payment,
        "correction": notice,
        "correction_entries": [e for e in notice.entries if e.get("requirement_id")] if notice else [],
        "owed": services.owed_materials(application) if applicant else [],
        # 告知承诺: what the applicant committed to, how its check came out, a grant revoked for it.
        "commitments": list(application.commitments.select_related("requirement")),
        "revoked": Result.objects.filter(application=application, revoked_at__isnull=False).first(),
        "can_withdraw": applicant and application.status in OPEN_BEFORE_DECISION,
        "progress": selectors.case_progress(application),
        "clock": selectors.case_clock(application, system_clock.today()),
        "is_finished": application.status in FINISHED,
        "collect_at": selectors.collection_place(application)
        if application.status == S.DECIDED and application.delivery_method == Application.DeliveryMethod.COLLECT
        else None,
        "apply_again": _apply_again(application) if applicant and application.status in FINISHED else None,
        "problems": problems or {},
        "max_upload_mb": settings.UPLOAD_MAX_BYTES / 1048576,
        "accept": forms.DOCUMENT_ACCEPT,
    }


@login_required
@require_safe
def detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application, _ = get_application_for(request.user, number, VIEW)
    except DomainError as exc:
        return render_error(request, exc)
    return render(request, "applications/detail.html", _detail_context(request, application))


@login_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """撤件 before a decision; a second withdrawal is refused (409)."""
    try:
        application, _ = get_application_for(request.user, number, "withdraw")
        services.withdraw_application(
            application=application, actor=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(request, gettext("申请已撤回。"))
    return redirect("applications:detail", number=number)


@login_required
@require_POST
def correct(request: HttpRequest, number: str) -> HttpResponse:
    """Answer a one-time correction notice with exactly the materials it lists."""
    try:
        application, role = get_application_for(request.user, number, "resubmit")
        files = forms.read_files(request.FILES, forms.CORRECTION_FILE)
        services.resubmit_correction(application=application, actor=request.user, actor_role=role or "", files=files)
    except ValidationError as exc:
        return render(
            request, "applications/detail.html", _detail_context(request, application, _problems(exc)), status=422
        )
    except DomainError as exc:
        return render_error(request, exc)
    if application.status == S.IN_REVIEW:  # a correction after acceptance: the review goes on
        messages.success(request, gettext("补正材料已提交，恢复计时，审查部门将继续审查。"))
    else:
        messages.success(request, gettext("补正材料已提交，窗口将重新审核。"))
    return redirect("applications:detail", number=number)


def chosen_commitments(data: Any) -> set[int]:
    """The materials ticked for 告知承诺; a value that is no id is -1, which the service refuses."""
    return {int(v) if v.isdigit() and len(v) < 10 else -1 for v in data.getlist("commitments")}


@login_required
@require_POST
def supply_deferred(request: HttpRequest, number: str, requirement_id: int) -> HttpResponse:
    """补交容缺材料 online: the applicant uploads the material pledged at acceptance (a clerk records
    paper at the window: windows.views.supply_deferred)."""
    try:
        application, role = get_application_for(request.user, number, "supply_deferred")
        if role != Actor.APPLICANT:
            raise PermissionDenied(gettext("窗口人员请在窗口工作台登记补交的容缺材料。"))
        services.supply_deferred(
            application=application,
            requirement_id=requirement_id,
            actor=request.user,
            actor_role=role,
            file=request.FILES.get("file"),
        )
    except ValidationError as exc:
        return render(
            request, "applications/detail.html", _detail_context(request, application, _problems(exc)), status=422
        )
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(request, gettext("容缺材料已补交。"))
    return redirect(_page_of(application))


@login_required
@require_POST
def pay_fee(request: HttpRequest, number: str, fee_id: int) -> HttpResponse:
    """Pay a due fee online through the payment provider, then record it as paid."""
    try:
        application, _ = get_application_for(request.user, number, VIEW)
        if not is_applicant(request.user, application):
            raise PermissionDenied(gettext("只有申请人可以在网上缴费。"))
        fee = application.fee_assessments.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound(gettext("未找到该收费项目。"))
        fee = services.pay_fee_online(application=application, fee=fee, actor=request.user)
    except DomainError as exc:
        return render_error(request, exc)
    messages.success(
        request, gettext("缴费成功，支付流水号 %(payment_reference)s。") % {"payment_reference": fee.payment_reference}
    )
    return redirect("applications:detail", number=number)


@login_required
@require_safe
def material_file(request: HttpRequest, number: str, material_id: int) -> HttpResponse:
    """A submitted material, only through the access rule (no /media/ URL exists)."""
    try:
        application, _ = get_application_for(request.user, number, DOWNLOAD)
        material = application.materials.select_related("requirement").filter(pk=material_id).first()
        if material is None:
            raise NotFound(gettext("该材料不存在。"))
        return _file_response(material.file, f"{material.requirement.name}.{_extension(material.file)}")
    except DomainError as exc:
        return render_error(request, exc)


@login_required
@require_safe
def proxy_letter(request: HttpRequest, number: str) -> HttpResponse:
    try:
        application, _ = get_application_for(request.user, number, DOWNLOAD)
        return _file_response(
            application.proxy_letter,
            gettext("授权委托书-%(number)s.%(extension)s")
            % {"number": application.number, "extension": _extension(application.proxy_letter)},
        )
    except DomainError as exc:
        return render_error(request, exc)
