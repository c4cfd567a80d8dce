"""差评整改 pages: the department's list and one rectification with the step its state allows.

The department's reviewers and head see their department's; supervisors see all and decide appeals.
Another department's rectification is 404; an action the state does not allow is 409; input a rule
refuses comes back onto the form (422). Actions are POST only.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from portal.downloads import attachment_response
from portal.exceptions import DomainError, NotFound, render_error
from reviews import rectifications
from reviews.forms import AppealDecisionForm, AppealForm, FollowUpForm, ReplyForm, VerifyForm
from reviews.models import Rectification

UNPROCESSABLE = 422
R = Rectification.Status


@login_required
@require_safe
def rectification_list(request: HttpRequest) -> HttpResponse:
    visible = rectifications.rectifications_visible_to(request.user)
    if not rectifications.may_see_rectifications(request.user):
        return render_error(request, NotFound(_("未找到该整改事项，或您无权查看。")))
    status = request.GET.get("status", "")
    rows = (
        visible.filter(status=status) if status in R.values else visible.exclude(status__in=[R.CLOSED, R.INVALIDATED])
    )
    context = {"rows": rows.order_by("due_on", "pk")[:200], "status": status, "statuses": R.choices}
    return render(request, "reviews/rectifications.html", context)


FORMS: dict[str, type[forms.Form]] = {
    "verify": VerifyForm,
    "appeal": AppealForm,
    "decide_appeal": AppealDecisionForm,
    "reply": ReplyForm,
    "follow_up": FollowUpForm,
}


def _forms_for(rectification: Rectification, bound: dict[str, forms.Form] | None = None) -> dict[str, forms.Form]:
    """The forms the state offers (the service still checks who may submit them)."""
    names = {
        R.VERIFYING: ["verify"],
        R.RECTIFYING: ["reply", "appeal"]
        if rectification.classification != "reasonable" and not rectification.appeal_outcome
        else ["reply"],
        R.APPEALED: ["decide_appeal"],
        R.FOLLOW_UP: ["follow_up"],
    }.get(rectification.status, [])
    bound = bound or {}
    shown = {name: bound.get(name) or FORMS[name]() for name in names}
    if "follow_up" in shown:
        # The department records the applicant's answer on the phone (回访): the form's "您" is theirs.
        shown["follow_up"].fields["level"].label = _("申请人对整改结果是否满意")
        shown["follow_up"].fields["note"].label = _("回访情况（回访方式、时间和申请人的意见）")
    return shown


@login_required
@require_safe
def appeal_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The evidence a department head attached to an appeal, for the department and the supervisor
    who decides it (another department, citizens: 404), as an attachment."""
    try:
        handle, name = rectifications.open_appeal_evidence(actor=request.user, rectification_id=pk)
    except DomainError as exc:
        return render_error(request, exc)
    return attachment_response(handle, name)


@login_required
@require_safe
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rectification = rectifications.get_rectification_for(request.user, pk)
    except DomainError as exc:
        return render_error(request, exc)
    return _page(request, rectification)


def _page(
    request: HttpRequest, rectification: Rectification, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    evaluation = rectification.evaluation
    context = {
        "rectification": rectification,
        "evaluation": evaluation,
        "indicators": list(evaluation.indicators.all()),
        "forms": _forms_for(rectification, bound),
    }
    return render(request, "reviews/rectification.html", context, status=status)


ACTIONS: dict[str, Callable[..., Rectification]] = {
    "verify": lambda r, u, d, f: rectifications.verify(
        rectification=r, actor=u, is_true=d["is_true"], classification=d["classification"], note=d["note"]
    ),
    "appeal": lambda r, u, d, f: rectifications.appeal(
        rectification=r, actor=u, reason=d["reason"], evidence=f.get("evidence")
    ),
    "decide_appeal": lambda r, u, d, f: rectifications.decide_appeal(
        rectification=r, actor=u, upheld=d["upheld"], decision=d["decision"]
    ),
    "reply": lambda r, u, d, f: rectifications.reply(rectification=r, actor=u, result=d["result"], text=d["reply"]),
    "follow_up": lambda r, u, d, f: rectifications.follow_up(
        rectification=r, actor=u, level=d["level"], note=d["note"]
    ),
}
DONE = {
    "verify": gettext_lazy("已记录核实结果。"),
    "appeal": gettext_lazy("申诉已提交，等待效能监督人员审核。"),
    "decide_appeal": gettext_lazy("已作出申诉审核决定。"),
    "reply": gettext_lazy("已答复申请人，等待回访。"),
    "follow_up": gettext_lazy("已记录回访结果，整改办结。"),
}


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        return render_error(request, NotFound())
    try:
        rectification = rectifications.get_rectification_for(request.user, pk)
    except DomainError as exc:
        return render_error(request, exc)
    form = FORMS[action](request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, rectification, {action: form}, status=UNPROCESSABLE)
    try:
        ACTIONS[action](rectification, request.user, form.cleaned_data, request.FILES)
    except DomainError as exc:
        if exc.status_code != UNPROCESSABLE:
            return render_error(request, exc)
        form.add_error(None, exc.message)
        return _page(request, rectification, {action: form}, status=UNPROCESSABLE)
    except forms.ValidationError as exc:  # an evidence file that is not what it claims (check_upload)
        form.add_error("evidence" if "evidence" in form.fields else None, exc)
        return _page(request, rectification, {action: form}, status=UNPROCESSABLE)
    messages.success(request, str(DONE[action]))
    return redirect("reviews:rectification", pk=pk)
