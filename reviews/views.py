"""The back-office workbench (受办分离): the department's queue, one case, and the actions on it.

Each view: parse → authorise (applications.access.get_application_for, the one access helper for a
case) → one service → redirect or render. Another department's case or task is 404; a visible case
whose action the user may not take is 403 (a task assigned to someone else, a handler approving their
own case, a chief representative on an item that is not immediate); a state that does not allow the
action is 409; a rule the input breaks is 422 with the case page shown again. Actions are POST only.

Kept in one module: one small view per back-office action, each the same parse → authorise → service
shape; the ratings, rectifications, problems and supervision pages already have their own modules.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from applications import services as cases
from applications.access import (
    INTAKE_ACTIONS,
    REVEAL,
    SEGREGATION_REFUSAL,
    VIEW,
    barred_from_deciding,
    get_application_for,
    intake_role,
    roles_in_case,
)
from applications.deadlines import correction_due_date, deadline_signal
from applications.forms import add_errors
from applications.forms_runtime import mask_id_numbers
from applications.models import Application, CorrectionNotice, Extension, ReviewTask, Suspension
from applications.selectors import application_detail
from applications.transitions import TRANSITIONS, Actor
from catalog.models import ProcessStep
from portal.clock import system_clock
from portal.exceptions import DomainError, NotFound, PermissionDenied, render_error
from portal.models import Role
from reviews import selectors, services
from reviews.forms import (
    AssignForm,
    CommitmentCheckForm,
    CorrectionForm,
    DecisionForm,
    ExtensionDecisionForm,
    ExtensionForm,
    OnTheSpotForm,
    OpinionForm,
    RefusalForm,
    ResumeForm,
    SuspendForm,
)

PAGE_SIZE = 50
UNPROCESSABLE = 422
S = Application.Status
TASK_ROLES = {Actor.REVIEWER, Actor.APPROVER}
# What an on-the-spot grant of an immediate item (即办件) says for its reason.
ON_THE_SPOT_REASONS = gettext_lazy("申请材料齐全、符合法定形式和条件，当场准予。")


def workbench_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in department staff only (TOTP passed by the middleware); domain errors with their status."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if not selectors.is_workbench_user(request.user):
                raise PermissionDenied(gettext("只有部门审查人员、部门负责人和首席代表可以使用审查工作台。"))
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_error(request, exc)

    return wrapper


def _department_case(request: HttpRequest, number: str) -> Application:
    """A case of my department. Cases the user sees in another capacity (as an applicant) are not
    workbench cases: 404 here, as for any other department's case."""
    application, _ = get_application_for(request.user, number, VIEW)
    if application.department_id != request.user.department_id:
        raise NotFound(gettext("未找到该办件，或您无权查看。"))
    return application


def _act(request: HttpRequest, number: str, *, action: str | None, roles: set[str]) -> tuple[Application, str]:
    """The case and the role in which the user takes the action; call inside a transaction.

    Before acceptance there is no task: who takes an intake decision is access.intake_role's to say
    (409 for a case no window has received yet). Afterwards the open task is locked first, so a claim
    or reassignment running at this moment finishes before the access helper reads the task's assignee
    (Bob cannot act on what Alice has just claimed).
    """
    application = _department_case(request, number)
    if action in INTAKE_ACTIONS:
        role: str | None = intake_role(request.user, application, action)
    else:
        ReviewTask.objects.select_for_update().filter(application=application, status=ReviewTask.Status.OPEN).first()
        role = get_application_for(request.user, number, action)[1] if action else None
        if role not in roles:
            role = min(roles_in_case(request.user, application) & roles, default=None)
    if role not in roles:
        raise PermissionDenied(gettext("您不能对该办件执行此操作：任务未分配给您，或不属于您的职责。"))
    return application, role


def _perform(
    request: HttpRequest,
    number: str,
    *,
    action: str | None,
    roles: set[str],
    name: str,
    make_form: Callable[[Application, Any], forms.Form],
    run: Callable[[Application, dict[str, Any], str], Any],
    done: str,
) -> HttpResponse:
    """One workbench action: authorise, check the form, call the service; 422 with the page again."""
    with transaction.atomic():
        application, role = _act(request, number, action=action, roles=roles)
        form = make_form(application, request.POST)
        form.auto_id = f"{name}-%s"  # before validation: the error lists take their ids from it
        if form.is_valid():
            try:
                run(application, form.cleaned_data, role)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("reviews:case", number=application.number)
    return _render_case(request, application, bound={name: form}, status=UNPROCESSABLE)


# --- The queue ---------------------------------------------------------------------------------------


@workbench_view
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """My department's open tasks by due date (the case's, or the step's where earlier), each with the
    worse of the two lights; cases received for acceptance; the head's overview."""
    user = request.user
    tasks = selectors.queue_for(user)
    filters = selectors.QueueFilters.from_query(request.GET)
    page = Paginator(selectors.filter_queue(tasks, filters, user), PAGE_SIZE).get_page(request.GET.get("page"))
    is_head = user.has_role(Role.DEPT_HEAD)
    context = {
        "page": page,
        "filters": filters,
        "filter_items": selectors.queue_items(tasks),
        "filter_steps": ProcessStep.Kind.choices,
        "filter_holders": selectors.QueueFilters.HOLDERS.items(),
        "rows": [(task, deadline_signal(task)) for task in page.object_list],
        # 审批分离: the decisions this user may not take are not offered, and the reason is shown.
        "barred": barred_from_deciding(user, page.object_list),
        "segregation_refusal": SEGREGATION_REFUSAL,
        "received": selectors.received_for(user)[:PAGE_SIZE],
        "is_head": is_head,
        "is_reviewer": user.has_role(Role.REVIEWER, Role.DEPT_HEAD),
        "reviewers": list(selectors.department_reviewers(user.department_id)) if is_head else [],
        "overview": selectors.department_overview(user, clock=system_clock) if is_head else None,
    }
    return render(request, "reviews/queue.html", context)


@workbench_view
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    task = services.claim_task(user=request.user, task=selectors.task_for(request.user, task_id))
    messages.success(
        request,
        gettext("已认领办件 %(number)s 的%(kind)s任务。")
        % {"number": task.application.number, "kind": task.step.get_kind_display()},
    )
    return redirect("reviews:case", number=task.application.number)


@workbench_view
@require_POST
def assign(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for(request.user, task_id)
    if not request.user.has_role(Role.DEPT_HEAD):
        raise PermissionDenied(gettext("只有部门负责人可以分配审查任务。"))
    form = AssignForm(request.POST, reviewers=selectors.department_reviewers(request.user.department_id))
    if not form.is_valid():
        raise DomainError(
            gettext("只能分配给本部门的审查人员。"), detail=[m for ms in form.errors.values() for m in ms]
        )
    reviewer = form.cleaned_data["reviewer"]
    services.assign_task(head=request.user, task=task, reviewer=reviewer)
    messages.success(
        request,
        gettext("已将办件 %(number)s 的%(kind)s任务分配给%(reviewer)s。")
        % {"number": task.application.number, "kind": task.step.get_kind_display(), "reviewer": reviewer},
    )
    return redirect("reviews:queue")


@workbench_view
@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponse:
    task = services.release_task(user=request.user, task=selectors.task_for(request.user, task_id))
    messages.success(request, gettext("办件 %(number)s 的任务已退回部门队列。") % {"number": task.application.number})
    return redirect("reviews:queue")


# --- One case -------------------------------------------------------------------------------------------


def _form_rows(application: Application, revealed: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
    """The item's form as filled in; ID numbers masked (个人信息保护法: full view only when audited)."""
    definitions = application.item.form_definition or []
    values = revealed or mask_id_numbers(definitions, application.form_data or {})
    rows = []
    for definition in definitions:
        value = values.get(definition.get("name", ""), "")
        rows.append(
            (
                definition.get("label") or definition.get("name", ""),
                "、".join(map(str, value)) if isinstance(value, list) else value,
            )
        )
    return rows


def _render_case(
    request: HttpRequest,
    application: Application,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
    revealed: tuple[str, dict[str, Any]] | None = None,
) -> HttpResponse:
    user = request.user
    application = application_detail(application)
    item = application.item
    roles = roles_in_case(user, application)
    task = application.tasks.filter(status=ReviewTask.Status.OPEN).select_related("step", "assignee").first()
    steps = list(item.steps.order_by("order", "id"))
    later = task is not None and any(s.order > task.step.order for s in steps)
    earlier = task is not None and any(s.order < task.step.order for s in steps)
    works_on_task = bool(roles & TASK_ROLES)
    # 审批分离: neither the claim nor the decision form for the person who handled the case.
    is_barred = task is not None and bool(barred_from_deciding(user, [task]))
    open_suspension = next(iter(application.suspensions.all()), None)  # prefetched: the open one only
    pending_extension = application.extensions.filter(status=Extension.Status.REQUESTED).first()
    in_review, running = application.status == S.IN_REVIEW, application.status in selectors.RUNNING
    correction_initial = {"due_on": correction_due_date(system_clock.today())}
    forms_ = {
        "pass": OpinionForm(),
        "return": OpinionForm(label=gettext("退回理由")),
        "decide": DecisionForm(),
        "spot": OnTheSpotForm(),
        "suspend": SuspendForm(item=item),
        "resume": ResumeForm(),
        "extension": ExtensionForm(item=item),
        "extension_decision": ExtensionDecisionForm(),
        "correction": _correction_form(application, initial=correction_initial),
        "late_correction": _correction_form(application, initial=correction_initial),
        "refusal": RefusalForm(),
        **(bound or {}),
    }
    for name, form in forms_.items():
        form.auto_id = f"{name}-%s"  # several forms on one page: ids must stay unique for the labels
    can = {
        "pass": in_review and Actor.REVIEWER in roles and later,
        "return": in_review and works_on_task and earlier,
        "decide": in_review and Actor.APPROVER in roles and not later and not is_barred,
        "spot": in_review and Actor.CHIEF_REP in roles,
        "suspend": in_review and works_on_task and forms_["suspend"].is_available,
        # 一次性告知: one correction after acceptance at most (applications.services.suspend_for_correction).
        "late_correction": in_review
        and works_on_task
        # (the prefetched notices are the unresolved ones only: ask the table)
        and not CorrectionNotice.objects.filter(application=application, after_acceptance=True).exists(),
        "resume": application.status == S.SUSPENDED
        and works_on_task
        and open_suspension is not None
        and open_suspension.kind not in Suspension.ENDED_BY_MATERIAL,
        "extension": running and works_on_task and not application.is_extended and pending_extension is None,
        "decide_extension": pending_extension is not None and Actor.DEPT_HEAD in roles,
        "handle_receipt": application.status == S.RECEIVED and Actor.HANDLER in roles,
        "claim": task is not None
        and task.assignee_id is None
        and not is_barred
        and user.has_role(Role.REVIEWER, Role.DEPT_HEAD),
        "release": task is not None
        and task.assignee_id is not None
        and (task.assignee_id == user.pk or user.has_role(Role.DEPT_HEAD)),
        "assign": task is not None and user.has_role(Role.DEPT_HEAD),
    }
    # 告知承诺: each commitment with its check, and a form for the pending ones (the department's staff).
    can_check = Actor.HANDLER in roles and application.status in TRANSITIONS["check_commitment"].sources
    commitments = [
        (c, (bound or {}).get(f"commitment_{c.pk}") or CommitmentCheckForm(auto_id=f"commitment_{c.pk}-%s"))
        for c in application.commitments.select_related("requirement", "checked_by")
    ]
    context = {
        "application": application,
        "task": task,
        "commitments": commitments,
        "can_check_commitments": can_check,
        # 受理后补正 answered: said at the top, so the reviewer sees the case came back.
        # (A query of its own: application_detail prefetches the open notices only.)
        "correction_back": CorrectionNotice.objects.filter(
            application=application, after_acceptance=True, resolved_at__isnull=False
        )
        .order_by("-resolved_at")
        .first()
        if application.status == Application.Status.IN_REVIEW
        else None,
        "signal": deadline_signal(task) if task is not None else None,
        "steps": steps,
        "roles": roles,
        "works_on_task": works_on_task,
        "can": can,
        "barred_reason": SEGREGATION_REFUSAL if is_barred else "",
        "forms": forms_,
        "open_suspension": open_suspension,
        "pending_extension": pending_extension,
        "form_rows": _form_rows(application, revealed[1] if revealed else None),
        "revealed_id_number": revealed[0] if revealed else "",
        "history": selectors.review_history(application),
        "timeline": selectors.timeline_for_staff(application),
        "reviewers": list(selectors.department_reviewers(user.department_id)) if can["assign"] else [],
    }
    response = render(request, "reviews/case.html", context, status=status)
    if revealed:
        add_never_cache_headers(response)  # the full numbers must not linger in a cache
    return response


@workbench_view
@require_safe
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_case(request, _department_case(request, number))


@workbench_view
@require_POST
def reveal_id_number(request: HttpRequest, number: str) -> HttpResponse:
    """查看完整号码 (the applicant's and those typed into the form): on this response only; audited."""
    application = _department_case(request, number)
    get_application_for(request.user, number, REVEAL)
    purpose = gettext("部门审查办件 %(number)s") % {"number": application.number}
    full = cases.reveal_id_number(party=application.party, actor=request.user, purpose=purpose)
    form_data = cases.reveal_form_id_numbers(application=application, actor=request.user, purpose=purpose)
    return _render_case(request, application, revealed=(full, form_data))


@workbench_view
@require_POST
def pass_on(request: HttpRequest, number: str) -> HttpResponse:
    """审查通过，转下一环节."""
    return _perform(
        request,
        number,
        action="pass_step",
        roles={Actor.REVIEWER},
        name="pass",
        make_form=lambda a, data: OpinionForm(data),
        run=lambda a, d, role: cases.pass_step(
            application=a, actor=request.user, opinion=d["opinion"], clock=system_clock
        ),
        done=gettext("已提交审查意见，转下一环节。"),
    )


@workbench_view
@require_POST
def send_back(request: HttpRequest, number: str) -> HttpResponse:
    """退回上一环节, with the reason."""
    return _perform(
        request,
        number,
        action="return_step",
        roles=TASK_ROLES,
        name="return",
        make_form=lambda a, data: OpinionForm(data, label=gettext("退回理由")),
        run=lambda a, d, role: cases.return_step(
            application=a, actor=request.user, opinion=d["opinion"], clock=system_clock
        ),
        done=gettext("已退回上一环节。"),
    )


@workbench_view
@require_POST
def decide(request: HttpRequest, number: str) -> HttpResponse:
    """准予 or 不予 at the last step; the service refuses the person who handled the case (403)."""
    return _perform(
        request,
        number,
        # "deny" admits the approver only ("grant" also the chief representative, who has his own page).
        action="deny",
        roles={Actor.APPROVER},
        name="decide",
        make_form=lambda a, data: DecisionForm(data),
        run=lambda a, d, role: cases.decide_application(
            application=a,
            actor=request.user,
            actor_role=Actor.APPROVER,
            outcome=d["outcome"],
            reasons=d["reasons"],
            certificate_number=d["certificate_number"],
            valid_until=d["valid_until"],
            clock=system_clock,
        ),
        done=gettext("已作出决定，决定书已生成。"),
    )


@workbench_view
@require_POST
def grant_on_the_spot(request: HttpRequest, number: str) -> HttpResponse:
    """首席代表 grants an immediate item (即办件) on the spot; any other item is 403."""
    return _perform(
        request,
        number,
        action="grant",
        roles={Actor.CHIEF_REP},
        name="spot",
        make_form=lambda a, data: OnTheSpotForm(data),
        run=lambda a, d, role: cases.decide_application(
            application=a,
            actor=request.user,
            actor_role=Actor.CHIEF_REP,
            outcome=Application.Outcome.GRANTED,
            reasons=ON_THE_SPOT_REASONS,
            certificate_number=d["certificate_number"],
            valid_until=d["valid_until"],
            clock=system_clock,
        ),
        done=gettext("已当场准予，决定书已生成。"),
    )


def _correction_form(application: Application, data: Any = None, **kwargs: Any) -> CorrectionForm:
    """一次性告知书 before or after acceptance: the same form as the window's, over the item's materials."""
    return CorrectionForm(data, materials=list(application.item.materials.all()), **kwargs)


@workbench_view
@require_POST
def accept(request: HttpRequest, number: str) -> HttpResponse:
    """受理 by the department's handler of a case a receipt-only window passed on."""
    with transaction.atomic():
        application, _ = _act(request, number, action="accept", roles={Actor.HANDLER})
        cases.accept_application(
            application=application, actor=request.user, actor_role=Actor.HANDLER, clock=system_clock
        )
    messages.success(
        request,
        gettext("已受理，承诺办结日期 %(due_on)s。") % {"due_on": date_format(application.due_on, "SHORT_DATE_FORMAT")},
    )
    return redirect("reviews:case", number=application.number)


@workbench_view
@require_POST
def request_correction(request: HttpRequest, number: str) -> HttpResponse:
    """一次性告知 by the department's handler (行政许可法 art. 32): every material at once."""
    return _perform(
        request,
        number,
        action="request_correction",
        roles={Actor.HANDLER},
        name="correction",
        make_form=_correction_form,
        run=lambda a, d, role: cases.request_correction(
            application=a,
            actor=request.user,
            actor_role=Actor.HANDLER,
            entries=d["entries"],
            due_on=d["due_on"],
            clock=system_clock,
        ),
        done=gettext("已出具一次性告知书。"),
    )


@workbench_view
@require_POST
def refuse(request: HttpRequest, number: str) -> HttpResponse:
    """不予受理 by the department's handler: reason, legal basis, competent agency, in writing."""
    return _perform(
        request,
        number,
        action="refuse",
        roles={Actor.HANDLER},
        name="refusal",
        make_form=lambda a, data: RefusalForm(data),
        run=lambda a, d, role: cases.refuse_application(
            application=a, actor=request.user, actor_role=Actor.HANDLER, clock=system_clock, **d
        ),
        done=gettext("已出具不予受理决定书。"),
    )


@workbench_view
@require_POST
def suspend(request: HttpRequest, number: str) -> HttpResponse:
    """特别程序 starts: the clock stops and the applicant is told in writing (行政许可法 art. 45)."""
    return _perform(
        request,
        number,
        action="suspend",
        roles=TASK_ROLES,
        name="suspend",
        make_form=lambda a, data: SuspendForm(data, item=a.item),
        run=lambda a, d, role: cases.suspend_application(
            application=a,
            actor=request.user,
            kind=d["kind"],
            reason=d["reason"],
            expected_days=d["expected_days"],
            clock=system_clock,
        ),
        done=gettext("已启动特别程序，暂停计时，告知书已生成。"),
    )


@workbench_view
@require_POST
def correction_after_acceptance(request: HttpRequest, number: str) -> HttpResponse:
    """受理后补正: the case's reviewer lists every material to add or fix at once, with a deadline;
    the clock stops until the applicant supplies them (online, or at a window)."""
    return _perform(
        request,
        number,
        action="suspend",
        roles=TASK_ROLES,
        name="late_correction",
        make_form=_correction_form,
        run=lambda a, d, role: cases.suspend_for_correction(
            application=a,
            actor=request.user,
            actor_role=role,
            entries=d["entries"],
            due_on=d["due_on"],
            clock=system_clock,
        ),
        done=gettext("已出具一次性告知书，暂停计时，待申请人补正。"),
    )


@workbench_view
@require_POST
def resume(request: HttpRequest, number: str) -> HttpResponse:
    """特别程序 ends with its result: both deadlines move by the days the clock stood still."""
    return _perform(
        request,
        number,
        action="resume",
        roles=TASK_ROLES,
        name="resume",
        make_form=lambda a, data: ResumeForm(data),
        run=lambda a, d, role: cases.resume_application(
            application=a, actor=request.user, actor_role=role, result=d["result"], clock=system_clock
        ),
        done=gettext("特别程序已结束，恢复计时。"),
    )


@workbench_view
@require_POST
def check_commitment(request: HttpRequest, number: str, commitment_id: int) -> HttpResponse:
    """告知承诺核查, recorded by the item's department; a false commitment has the item's consequences."""
    return _perform(
        request,
        number,
        action="check_commitment",
        roles={Actor.HANDLER},
        name=f"commitment_{commitment_id}",
        make_form=lambda a, data: CommitmentCheckForm(data),
        run=lambda a, d, role: cases.record_commitment_check(
            application=a,
            commitment_id=commitment_id,
            actor=request.user,
            actor_role=role,
            passed=d["outcome"] == "passed",
            note=d["note"],
            clock=system_clock,
        ),
        done="已登记告知承诺核查结果。",
    )


@workbench_view
@require_POST
def request_extension(request: HttpRequest, number: str) -> HttpResponse:
    """延长: asked once by the case's reviewer, for the head to approve (行政许可法 art. 42)."""
    return _perform(
        request,
        number,
        action=None,
        roles=TASK_ROLES,
        name="extension",
        make_form=lambda a, data: ExtensionForm(data, item=a.item),
        run=lambda a, d, role: cases.request_extension(
            application=a, actor=request.user, days=d["days"], reason=d["reason"], clock=system_clock
        ),
        done=gettext("已提交延长申请，待部门负责人批准。"),
    )


@workbench_view
@require_POST
def decide_extension(request: HttpRequest, number: str, extension_id: int) -> HttpResponse:
    """The head approves or rejects a pending extension; an approved one tells the applicant."""
    with transaction.atomic():
        application, _ = _act(request, number, action="extend", roles={Actor.DEPT_HEAD})
        extension = application.extensions.filter(pk=extension_id).first()
        if extension is None:
            raise NotFound(gettext("未找到该延长申请。"))
        form = ExtensionDecisionForm(request.POST, auto_id="extension_decision-%s")
        if not form.is_valid():
            return _render_case(request, application, bound={"extension_decision": form}, status=UNPROCESSABLE)
        approve = form.cleaned_data["decision"] == "approve"
        cases.decide_extension(extension=extension, actor=request.user, approve=approve, clock=system_clock)
    messages.success(request, gettext("已批准延长，延长期限告知书已生成。") if approve else gettext("已不予批准延长。"))
    if request.POST.get("return_to") == "queue":
        return redirect("reviews:queue")
    return redirect("reviews:case", number=application.number)
