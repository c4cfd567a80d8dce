"""The clerk's workbench (综合窗口): queues, the case at the window, walk-in intake, fees, delivery.

Each view: parse → authorise (applications.access.get_application_for, the one access helper for a
case) → one service or selector → render. What a clerk may not see is 404 (hall B's cases for a
clerk of hall A); a workbench page for someone who is not a clerk is 403; a state that does not
allow the action is 409; a rule the input breaks is 422 with the form shown again.

Kept in one module: one small view per window action, each the same parse → authorise → service →
render shape, in the order a clerk meets them.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from applications import services as cases
from applications.access import REVEAL, VIEW, get_application_for, roles_in_case
from applications.deadlines import correction_due_date, deadlines_from
from applications.forms import (
    CORRECTION_FILE,
    DOCUMENT_ACCEPT,
    CorrectionForm,
    RefusalForm,
    add_errors,
    form_field_views,
    read_files,
    read_form_data,
    read_situation_options,
)
from applications.forms_runtime import mask_id_numbers, prefill_form_data
from applications.models import Application, FeeAssessment, Party
from applications.selectors import EXTRA_ACTION_LABELS, application_detail, open_correction
from applications.transitions import TRANSITIONS, Actor, allowed_actions
from catalog.selectors import chosen_options, published_items
from portal import stored_text
from portal.clock import system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied, render_error
from portal.models import Role
from windows import selectors, services
from windows.forms import DeliveryForm, FeeForm, WalkInForm

PAGE_SIZE = 50
HOME_QUEUE_LENGTH = 20
UNPROCESSABLE = 422


def clerk_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in clerks only (staff have passed TOTP by the middleware); domain errors with their status."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not request.user.has_role(Role.CLERK):
                raise PermissionDenied(gettext("只有窗口工作人员可以使用窗口工作台。"))
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_error(request, exc)

    return wrapper


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _case_at_window(request: HttpRequest, number: str, action: str = VIEW) -> Application:
    """The case, if this clerk sees it; the window's actions need the clerk's part in it."""
    application, role = get_application_for(request.user, number, action)
    if role is None and Actor.CLERK not in roles_in_case(request.user, application):
        raise PermissionDenied(gettext("该办件不在您的窗口办理范围内。"))
    if role is not None and role != Actor.CLERK:
        raise PermissionDenied(gettext("只能以窗口工作人员身份在工作台办理。"))
    return application


# --- Workbench home and queues --------------------------------------------------------------------


@clerk_view
def workbench(request: HttpRequest) -> HttpResponse:
    """My windows, the pre-review queue (oldest first) and what is ready to hand over."""
    user = request.user
    prereview = selectors.prereview_queue(user)
    delivery = selectors.delivery_queue(user)
    context = {
        "windows": selectors.windows_of(user).prefetch_related("authorizations"),
        "prereview": prereview[:HOME_QUEUE_LENGTH],
        "prereview_count": prereview.count(),
        "delivery": delivery[:HOME_QUEUE_LENGTH],
        "delivery_count": delivery.count(),
        "bundle_count": selectors.bundle_prereview_queue(user).count(),
        "today": system_clock.today(),
    }
    return render(request, "windows/workbench.html", context)


@clerk_view
def prereview_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.prereview_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "queue": "prereview", "today": system_clock.today()}
    return render(request, "windows/queue.html", context)


@clerk_view
def delivery_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.delivery_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "windows/queue.html", {"page": page, "queue": "delivery"})


# --- The case at the window ----------------------------------------------------------------------------


def _render_case(request: HttpRequest, application: Application, *, status: int = 200, **extra: Any) -> HttpResponse:
    application = application_detail(application)
    received: dict[int, list[Any]] = {}
    for material in application.current_materials:
        received.setdefault(material.requirement_id, []).append(material)
    checklist = [{"requirement": m, "received": received.get(m.pk, [])} for m in cases.required_materials(application)]
    definitions = application.item.form_definition or []
    # 个人信息保护法: ID numbers typed into the form are masked; in full only after an audited reveal.
    values = extra.get("revealed_form_data") or mask_id_numbers(definitions, application.form_data or {})
    form_rows = []
    revealed = "revealed_id_number" in extra
    for definition in definitions:
        value = values.get(definition["name"], "")
        form_rows.append(
            (
                definition.get("label") or definition["name"],
                "、".join(map(str, value)) if isinstance(value, list) else value,
            )
        )
    authorization = selectors.authorization_for(request.user, application)
    actions = set(allowed_actions(application.status, Actor.CLERK))
    intake = getattr(application, "intake", None)
    context = {
        "application": application,
        "checklist": checklist,
        "form_rows": form_rows,
        "intake": intake,
        "authorization": authorization,
        "can_take_in": authorization is not None
        and ("accept" if authorization.accepts_on_receipt else "receive") in actions
        and application.status in (Application.Status.SUBMITTED, Application.Status.RECEIVED)
        and (authorization.accepts_on_receipt or application.status == Application.Status.SUBMITTED),
        "can_correct": authorization is not None and "request_correction" in actions,
        # An open one-time notice, before or after acceptance: the applicant may hand the materials in here.
        "can_take_correction": authorization is not None and open_correction(application) is not None,
        "can_refuse": authorization is not None and "refuse" in actions,
        # 容缺受理: the materials the applicant pledged; the clerk records them when they are brought.
        "owed": cases.owed_materials(application) if "supply_deferred" in actions else [],
        "can_deliver": "deliver" in actions,
        "fees": list(application.fee_assessments.all()),
        "amount_due": cases.amount_due(application),
        "documents": application.notices,
        # 跨域通办: the windows see the applicant's path of the case, not the back office's internal events.
        "timeline": _timeline(application, internal=not (intake is not None and intake.is_cross_region)),
        **extra,
    }
    response = render(request, "windows/case.html", context, status=status)
    if revealed:
        add_never_cache_headers(response)  # the full number must not linger in a cache
    return response


def _timeline(application: Application, *, internal: bool = True) -> list[dict[str, Any]]:
    """Every event, internal ones too unless ``internal`` is false: the window sees the path of the case."""
    statuses = dict(Application.Status.choices)
    events = application.timeline.select_related("actor").order_by("at", "id")
    if not internal:
        events = events.filter(is_visible_to_applicant=True)
    return [
        {
            "at": event.at,
            "label": TRANSITIONS[event.action].label
            if event.action in TRANSITIONS
            else EXTRA_ACTION_LABELS.get(event.action, event.action),
            "status": statuses.get(event.to_status, ""),
            "actor": event.actor,
            "note": stored_text.shown(event.data.get("note_text"), event.note),
        }
        for event in events
    ]


@clerk_view
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, _case_at_window(request, number))


@clerk_view
@require_POST
def reveal_id_number(request: HttpRequest, number: str) -> HttpResponse:
    """查看完整号码: shown once on this response, never stored in the page's URL; audited."""
    application = _case_at_window(request, number)
    get_application_for(request.user, number, REVEAL)
    purpose = gettext("窗口核验办件 %(number)s") % {"number": application.number}
    full = cases.reveal_id_number(party=application.party, actor=request.user, purpose=purpose)
    form_data = cases.reveal_form_id_numbers(application=application, actor=request.user, purpose=purpose)
    return _render_case(request, application, revealed_id_number=full, revealed_form_data=form_data)


@clerk_view
@require_http_methods(["GET", "POST"])
def take_in(request: HttpRequest, number: str) -> HttpResponse:
    """受理 (收件即受理 windows) or 收件 (others). 受理 is a legal act that starts the clock: the GET shows
    what it will mean (the promised and statutory dates it sets, the materials on file) and asks to confirm."""
    application = _case_at_window(request, number, "accept")
    if request.method == "GET":
        authorization = selectors.authorization_for(request.user, application)
        today = system_clock.today()
        context = {
            "application": application_detail(application),
            "authorization": authorization,
            "deadlines": deadlines_from(application.item, today),
            "today": today,
            "deferred": cases.deferrable_missing(application),
        }
        return render(request, "windows/take_in.html", context)
    services.take_in_application(clerk=request.user, application=application, clock=system_clock)
    if application.status == Application.Status.IN_REVIEW:
        messages.success(
            request,
            gettext("已受理，承诺办结日期 %(due_on)s。请打印受理凭证交申请人。")
            % {"due_on": date_format(application.due_on, "SHORT_DATE_FORMAT")},
        )
    else:
        messages.success(request, gettext("已收件，转实施部门受理。"))
    return redirect("windows:case", number=application.number)


@clerk_view
@require_http_methods(["GET", "POST"])
def request_correction(request: HttpRequest, number: str) -> HttpResponse:
    """一次性告知: each material that applies to the case (its situations; not those an e-licence proves),
    with what was received beside it, a checkbox and a reason, plus free-text entries; "预览" shows the
    notice as it will be issued before "出具" issues it."""
    application = application_detail(_case_at_window(request, number, "request_correction"))
    form = CorrectionForm(
        _posted(request),
        materials=cases.required_materials(application),
        received=application.current_materials,
        initial={"due_on": correction_due_date(system_clock.today())},
    )
    if request.method == "POST" and form.is_valid() and "preview" in request.POST:
        context = {"application": application, "form": form, "preview": form.preview()}
        return render(request, "windows/correction.html", context)
    if request.method == "POST" and form.is_valid():
        try:
            services.ask_for_correction(
                clerk=request.user,
                application=application,
                entries=form.cleaned_data["entries"],
                due_on=form.cleaned_data["due_on"],
                clock=system_clock,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, gettext("已出具一次性告知书，请打印交申请人。"))
            return redirect("windows:case", number=application.number)
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "windows/correction.html", {"application": application, "form": form}, status=status)


@clerk_view
@require_http_methods(["GET", "POST"])
def take_correction(request: HttpRequest, number: str) -> HttpResponse:
    """补正 at the window: the applicant hands in exactly the materials the one-time notice lists, which
    the clerk scans (the same answer as the applicant's online one, applications.views.applicant.correct)."""
    application = application_detail(_case_at_window(request, number, "resubmit"))
    notice = open_correction(application)
    if notice is None:
        raise InvalidTransition(gettext("该办件当前无需补正。"))
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.take_correction(
                clerk=request.user,
                application=application,
                files=read_files(request.FILES, CORRECTION_FILE),
                clock=system_clock,
            )
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        else:
            if application.status == Application.Status.IN_REVIEW:
                messages.success(request, gettext("已收取补正材料，办件恢复计时，转实施部门继续审查。"))
            else:
                messages.success(request, gettext("已收取补正材料，请重新预审。"))
            return redirect("windows:case", number=application.number)
    context = {
        "application": application,
        "correction": notice,
        "correction_entries": [e for e in notice.entries if e.get("requirement_id")],
        "problems": problems,
        "accept": DOCUMENT_ACCEPT,
        "max_upload_mb": settings.UPLOAD_MAX_BYTES / 1048576,
    }
    return render(request, "windows/take_correction.html", context, status=UNPROCESSABLE if problems else 200)


@clerk_view
@require_http_methods(["GET", "POST"])
def refuse(request: HttpRequest, number: str) -> HttpResponse:
    """不予受理: the reason, the legal basis and the competent agency, in writing."""
    application = _case_at_window(request, number, "refuse")
    form = RefusalForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.refuse_at_window(
                clerk=request.user, application=application, clock=system_clock, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, gettext("已出具不予受理决定书，请打印交申请人。"))
            return redirect("windows:case", number=application.number)
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "windows/refuse.html", {"application": application, "form": form}, status=status)


# --- Fees and delivery --------------------------------------------------------------------------------


def _render_fees(
    request: HttpRequest, application: Application, bound: tuple[int, FeeForm] | None = None
) -> HttpResponse:
    rows = []
    for fee in application.fee_assessments.all():
        form = bound[1] if bound and bound[0] == fee.pk else FeeForm(auto_id=f"id_fee{fee.pk}_%s")
        rows.append((fee, form if fee.status == FeeAssessment.Status.DUE else None))
    context = {"application": application, "rows": rows, "amount_due": cases.amount_due(application)}
    return render(request, "windows/fees.html", context, status=UNPROCESSABLE if bound else 200)


@clerk_view
def fees(request: HttpRequest, number: str) -> HttpResponse:
    """The case's fees (FeeAssessment rows) and what is still due."""
    return _render_fees(request, _case_at_window(request, number))


@clerk_view
@require_POST
def settle_fee(request: HttpRequest, number: str, fee_id: int) -> HttpResponse:
    """Paid at the window (the payment's reference) or waived (the basis)."""
    application = _case_at_window(request, number)
    fee = application.fee_assessments.filter(pk=fee_id).first()
    if fee is None:
        raise NotFound(gettext("该办件没有这笔费用。"))
    form = FeeForm(request.POST, auto_id=f"id_fee{fee.pk}_%s")
    if form.is_valid():
        try:
            cases.settle_fee(
                fee=fee,
                actor=request.user,
                paid_reference=form.cleaned_data["paid_reference"],
                waiver_basis=form.cleaned_data["waiver_basis"],
                clock=system_clock,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            waived = bool(form.cleaned_data["waiver_basis"].strip())
            messages.success(
                request,
                gettext("“%(name)s”已登记为%(value)s。")
                % {"name": fee.name, "value": gettext("减免") if waived else gettext("已缴费")},
            )
            return redirect("windows:fees", number=application.number)
    return _render_fees(request, application, (fee.pk, form))


@clerk_view
@require_http_methods(["GET", "POST"])
def deliver(request: HttpRequest, number: str) -> HttpResponse:
    """出件: identity check (or a proxy's 委托书), then hand over, post or release for download."""
    application = _case_at_window(request, number, "deliver")
    if application.status != Application.Status.DECIDED:
        raise InvalidTransition(
            gettext("办件当前状态为“%(status)s”，不能出件。") % {"status": application.get_status_display()}
        )
    form = DeliveryForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        initial={
            "method": application.delivery_method,
            # A company cannot sign for itself: its recipient (经办人, 法定代表人, 代领人) is typed in.
            "recipient_name": application.applicant_name if application.party.kind == Party.Kind.PERSON else "",
        },
        originals=services.originals_to_check_at_delivery(application),
    )
    if request.method == "POST" and form.is_valid():
        try:
            delivery = services.deliver_at_window(
                clerk=request.user, application=application, clock=system_clock, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except DomainError as exc:
            if exc.status_code != UNPROCESSABLE:
                raise
            form.add_error(None, exc.message)  # a fee still due, a recipient who is not the applicant
        else:
            note = (
                gettext("请打印送达回证由领取人签收。") if delivery.method == Application.DeliveryMethod.COLLECT else ""
            )
            messages.success(request, gettext("已出件，办件办结。%(note)s") % {"note": note})
            return redirect("windows:case", number=application.number)
    context = {"application": application, "form": form, "amount_due": cases.amount_due(application)}
    return render(request, "windows/deliver.html", context, status=UNPROCESSABLE if form.is_bound else 200)


# --- Walk-in intake ------------------------------------------------------------------------------------


@clerk_view
def walk_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the window and the item (only those the window is authorised for)."""
    windows = [
        (window, selectors.authorized_items(request.user, window)) for window in selectors.windows_of(request.user)
    ]
    return render(request, "windows/walk_in_start.html", {"windows": windows})


@clerk_view
@require_http_methods(["GET", "POST"])
def walk_in_form(request: HttpRequest, window_id: int, item_id: int) -> HttpResponse:
    """Step 2: the applicant, the situation, the item's form, the checklist and the signature."""
    window = selectors.windows_of(request.user).filter(pk=window_id).first()
    if window is None:
        raise NotFound(gettext("未找到该窗口，或您不在该窗口上岗。"))
    item = (
        selectors.authorized_items(request.user, window)
        .filter(pk=item_id)
        .prefetch_related("situations__options")
        .first()
    )
    if item is None:
        other = published_items().filter(pk=item_id).select_related("department__region").first()
        # 跨域通办: say why an item of another region is not taken in here.
        problem = services.cross_region_problem(window=window, item=other) if other is not None else ""
        raise NotFound(problem or gettext("本窗口未获授权受理该事项。"))
    posted = request.method == "POST"
    situations = list(item.situations.all())
    options = [
        o.pk for o in chosen_options(item, read_situation_options(situations, request.POST if posted else request.GET))
    ]
    materials = cases.required_materials(Application(item=item, situation_options=options))
    form = WalkInForm(
        request.POST if posted else None, request.FILES if posted else None, item=item, materials=materials
    )
    definition = item.form_definition or []
    form_data = read_form_data(definition, request.POST) if posted else {}
    problems: dict[str, list[str]] = {}
    if posted and form.is_valid():
        try:
            application = _file_walk_in(request, window, item, form, form_data, options)
        except ValidationError as exc:
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            names = {d["name"] for d in definition}
            problems = {k: v for k, v in by_field.items() if k in names}
            rest = {k: v for k, v in by_field.items() if k not in names}
            if rest:
                add_errors(form, ValidationError(rest))
            if problems:
                form.add_error(None, gettext("申请表填写有误，请按提示修改。"))
        else:
            if application.status == Application.Status.RECEIVED:  # 跨域通办: received for the home department
                department = application.department
                messages.success(
                    request,
                    f"已收件登记，办件编号 {application.number}；跨域通办，已转{department.name}受理办理"
                    f"（属地：{department.region.full_name}）。",
                )
            elif application.status == Application.Status.CORRECTION_REQUESTED:
                messages.success(
                    request,
                    gettext("已收件登记，办件编号 %(number)s；缺少的材料已出具一次性告知书，请打印交申请人。")
                    % {"number": application.number},
                )
            else:
                messages.success(
                    request,
                    gettext("已收件登记，办件编号 %(number)s。请选择办理结果。") % {"number": application.number},
                )
            return redirect("windows:case", number=application.number)
    chosen = set(options)
    context = {
        "window": window,
        "item": item,
        # 跨域通办: received here, then accepted and decided by the item's department in its own region.
        "cross_region": not item.department.region.contains(window.hall.region),
        "form": form,
        "fields": form_field_views(definition, form_data, problems),
        "situations": [(s, [(o, o.pk in chosen) for o in s.options.all()]) for s in situations],
    }
    return render(request, "windows/walk_in.html", context, status=UNPROCESSABLE if posted else 200)


def _file_walk_in(
    request: HttpRequest, window: Any, item: Any, form: WalkInForm, form_data: dict[str, Any], options: list[int]
) -> Application:
    data = form.cleaned_data
    is_organization = data["applicant_kind"] == Party.Kind.ORGANIZATION
    # The applicant block's facts fill the form's same fields: the clerk types them once.
    if is_organization:
        known = {
            "organization_name": data["applicant_name"],
            "organization_uscc": data["id_number"],
            "legal_representative": data["legal_representative"],
            "agent_name": data["agent_name"],
            "agent_id_number": data["agent_id_number"],
            "agent_phone": data["phone"],
        }
    else:
        known = {
            "applicant_name": data["applicant_name"],
            "applicant_id_number": data["id_number"],
            "applicant_phone": data["phone"],
        }
    form_data = prefill_form_data(item.form_definition or [], known, form_data)
    # One transaction: a refused intake leaves no applicant record behind either.
    with transaction.atomic():
        party = cases.register_party(
            kind=data["applicant_kind"],
            name=data["applicant_name"],
            id_type=Party.IdType.USCC if is_organization else Party.IdType.RESIDENT_ID,
            id_number=data["id_number"],
            phone=data["phone"],
            legal_representative=data["legal_representative"],
            in_person=True,
        )
        agent = None
        if is_organization:
            agent = cases.register_party(
                kind=Party.Kind.PERSON,
                name=data["agent_name"],
                id_type=Party.IdType.RESIDENT_ID,
                id_number=data["agent_id_number"],
                in_person=True,
            )
        return services.file_walk_in(
            clerk=request.user,
            window=window,
            item=item,
            party=party,
            agent=agent,
            form_data=form_data,
            situation_options=options,
            received=form.received(),
            declaration_signed=data["declaration"],
            delivery_method=data["delivery_method"],
            delivery_address=data["delivery_address"],
            idempotency_key=data["idempotency_key"],
            applicant_name=data["applicant_name"],
            contact_phone=data["phone"],
            ask_for_missing=data["ask_for_missing"],
            deferral_pledged=data["deferral_pledged"],
            commitments=form.commitments(),
            commitment_signed=data["commitment_signed"],
            clock=system_clock,
        )


# --- Identity at the window -------------------------------------------------------------------------


@clerk_view
@require_POST
def supply_deferred(request: HttpRequest, number: str, requirement_id: int) -> HttpResponse:
    """补交容缺材料 at the window: the paper received (and a scan where there is one)."""
    application = _case_at_window(request, number, "supply_deferred")
    try:
        cases.supply_deferred(
            application=application,
            requirement_id=requirement_id,
            actor=request.user,
            actor_role=Actor.CLERK,
            file=request.FILES.get("scan"),
            originals=_pieces(request.POST.get("originals")),
            copies=_pieces(request.POST.get("copies")),
        )
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return _render_case(request, application, status=422, deferral_problems=problems)
    messages.success(request, gettext("已收取容缺后补材料。"))
    return redirect("windows:case", number=application.number)


def _pieces(value: str | None) -> int:
    """A typed number of pieces; anything else is -1, which the service refuses with its message."""
    value = (value or "").strip()
    if not value:
        return 0
    return int(value) if value.isdecimal() and len(value) < 4 else -1  # "²" is a digit, not a number


@clerk_view
@require_http_methods(["GET", "HEAD", "POST"])
def link_account(request: HttpRequest) -> HttpResponse:
    """With the person's ID card in view: their account sees every case filed under their number."""
    from portal.models import User

    values = {"id_number": "", "account": request.POST.get("account", "").strip()[:120]}
    error, status = "", 200
    if request.method == "POST":
        account = User.objects.filter(username=values["account"]).first() if values["account"] else None
        try:
            if account is None:
                raise NotFound(gettext("未找到该登录账号。"))
            party = cases.link_party_to_account(
                clerk=request.user, id_number=request.POST.get("id_number", ""), account=account
            )
        except ValidationError as exc:
            error, status = "；".join(exc.messages), 400
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            messages.success(
                request,
                gettext("已将 %(id_number_masked)s 名下的办件关联到账户 %(username)s。")
                % {"id_number_masked": party.id_number_masked, "username": account.username},
            )
            return redirect("windows:link_account")
    return render(request, "windows/link_account.html", {"values": values, "error": error}, status=status)
