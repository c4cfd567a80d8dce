"""办不成事 pages: the report form (an applicant online, or a clerk at the problem desk), one report with
the step its state allows (the department answers, the reporter or the department follows up), and the
department's list. Another department's or another person's report is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.access import applications_visible_to
from catalog.selectors import published_items
from portal.exceptions import DomainError, NotFound, render_error
from portal.models import Role
from reviews import problems
from reviews.forms import FollowUpForm, ProblemAnswerForm, ProblemForm
from reviews.models import ProblemReport
from reviews.rectifications import may_see_rectifications

UNPROCESSABLE = 422
P = ProblemReport.Status


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    at_window = request.user.has_role(Role.CLERK)
    initial = {"item_code": request.GET.get("item", ""), "case_number": request.GET.get("case", "")}
    form = ProblemForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = None
                if data["case_number"].strip():
                    application = (
                        applications_visible_to(request.user).filter(number=data["case_number"].strip()).first()
                    )
                    if application is None:
                        raise DomainError(_("未找到该办件，请核对办件编号。"), detail={"field": "case_number"})
                item = (
                    published_items().filter(code=data["item_code"].strip()).first()
                    if data["item_code"].strip()
                    else None
                )
                if data["item_code"].strip() and item is None:
                    raise DomainError(_("未找到该事项，请核对事项编码。"), detail={"field": "item_code"})
                created = problems.report_problem(
                    actor=request.user,
                    description=data["description"],
                    item=item,
                    application=application,
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                )
            except DomainError as exc:
                if exc.status_code != UNPROCESSABLE:
                    return render_error(request, exc)
                field = (exc.detail or {}).get("field") if isinstance(exc.detail, dict) else None
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已收到您的反映，责任部门将在规定时限内答复。"))
                return redirect("ratings:problem", pk=created.pk)
        status = UNPROCESSABLE
    item = published_items().filter(code=initial["item_code"]).first() if initial["item_code"] else None
    context = {"form": form, "at_window": at_window, "item": item}
    return render(request, "reviews/problem_new.html", context, status=status)


def _page(
    request: HttpRequest, report: ProblemReport, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    bound = bound or {}
    staff = request.user.department_id == report.department_id and request.user.has_role(*problems.DEPARTMENT_ROLES)
    own = report.reporter_id == request.user.pk
    offered: dict[str, forms.Form] = {}
    if report.status == P.OPEN and staff:
        offered["answer"] = bound.get("answer") or ProblemAnswerForm()
    if report.status == P.FOLLOW_UP and (staff or own):
        offered["follow_up"] = bound.get("follow_up") or FollowUpForm()
    context = {"report": report, "forms": offered, "staff": staff or may_see_rectifications(request.user)}
    return render(request, "reviews/problem.html", context, status=status)


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        return _page(request, problems.get_problem_for(request.user, pk))
    except DomainError as exc:
        return render_error(request, exc)


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    forms_by_action = {"answer": ProblemAnswerForm, "follow_up": FollowUpForm}
    if action not in forms_by_action:
        return render_error(request, NotFound())
    try:
        report = problems.get_problem_for(request.user, pk)
    except DomainError as exc:
        return render_error(request, exc)
    form = forms_by_action[action](request.POST)
    if not form.is_valid():
        return _page(request, report, {action: form}, status=UNPROCESSABLE)
    data = form.cleaned_data
    try:
        if action == "answer":
            problems.answer_problem(report=report, actor=request.user, solved=data["solved"], answer=data["answer"])
        else:
            problems.follow_up_problem(report=report, actor=request.user, level=data["level"], note=data["note"])
    except DomainError as exc:
        if exc.status_code != UNPROCESSABLE:
            return render_error(request, exc)
        form.add_error(None, exc.message)
        return _page(request, report, {action: form}, status=UNPROCESSABLE)
    messages.success(request, _("已保存。"))
    return redirect("ratings:problem", pk=pk)


@login_required
@require_safe
def department_list(request: HttpRequest) -> HttpResponse:
    if not may_see_rectifications(request.user):
        return render_error(request, NotFound(_("未找到该反映，或您无权查看。")))
    rows = problems.problems_visible_to(request.user)
    status = request.GET.get("status", "")
    rows = rows.filter(status=status) if status in P.values else rows.exclude(status=P.CLOSED)
    context = {"rows": rows.order_by("due_on", "pk")[:200], "status": status, "statuses": P.choices}
    return render(request, "reviews/problems.html", context)
