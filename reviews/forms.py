"""Forms of the back-office workbench: they check the shape of the input; applications.services
enforces the rules (handler ≠ approver, one extension, the item's procedures) and its messages come
back onto the fields.

The handler's one-time correction notice and refusal are the same documents the window issues, so
their forms are shared with the window (applications.forms): one definition of what such a notice must say.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from applications.forms import CorrectionForm, RefusalForm
from applications.forms_runtime import MAX_TEXT
from applications.models import Application, Suspension
from catalog.models import ServiceItem
from portal.forms import ChineseLabels
from portal.models import User
from reviews.evaluations import Rating
from reviews.models import Indicator, Level, Rectification
from reviews.rectifications import FOLLOW_UP_LEVELS

__all__ = [
    "AssignForm",
    "CorrectionForm",
    "DecisionForm",
    "ExtensionDecisionForm",
    "ExtensionForm",
    "OnTheSpotForm",
    "OpinionForm",
    "RefusalForm",
    "ResumeForm",
    "SuspendForm",
]

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# A special procedure longer than a year is a typo, not a plan.
MAX_PROCEDURE_DAYS = 250


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AssignForm(ChineseLabels, forms.Form):
    """分办: the head picks one of the department's reviewers."""

    reviewer = forms.ModelChoiceField(
        label=gettext_lazy("承办人员"), queryset=User.objects.none(), empty_label=gettext_lazy("请选择审查人员")
    )

    def __init__(self, *args: Any, reviewers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers
        self.fields["reviewer"].error_messages["invalid_choice"] = gettext("只能分配给本部门的审查人员。")


class OpinionForm(ChineseLabels, forms.Form):
    """审查意见: passing on or sending back both need one."""

    opinion = forms.CharField(label=gettext_lazy("审查意见"), max_length=MAX_TEXT, widget=_textarea())

    def __init__(self, *args: Any, label: str = gettext_lazy("审查意见"), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opinion"].label = label
        self.fields["opinion"].error_messages["required"] = gettext("请填写%(label)s。") % {"label": label}


class DecisionForm(ChineseLabels, forms.Form):
    """准予 (licence number, validity) or 不予 (reasons, stated in the decision with the remedies)."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("审批决定"), choices=Application.Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=MAX_TEXT,
        required=False,
        widget=_textarea(4),
        help_text=gettext_lazy(
            "准予的，写明申请符合的法定条件和标准；不予许可的，须说明理由，决定书将同时告知申请复议或提起诉讼的权利。"
        ),
    )
    certificate_number = forms.CharField(
        label=gettext_lazy("证照编号"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("准予许可时填写；不填则按办件编号生成。"),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("有效期至"), required=False, widget=DATE_INPUT, help_text=gettext_lazy("长期有效的不填。")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") and not data.get("reasons", "").strip():
            denied = data["outcome"] == Application.Outcome.DENIED
            self.add_error(
                "reasons",
                gettext("不予许可须说明理由。")
                if denied
                else gettext("准予许可须写明理由（申请符合的法定条件和标准）。"),
            )
        if data.get("outcome") == Application.Outcome.DENIED:
            data["certificate_number"], data["valid_until"] = "", None
        return data


class OnTheSpotForm(ChineseLabels, forms.Form):
    """首席代表 grants an immediate item (即办件) on the spot."""

    certificate_number = forms.CharField(
        label=gettext_lazy("证照编号"), max_length=60, required=False, help_text=gettext_lazy("不填则按办件编号生成。")
    )
    valid_until = forms.DateField(
        label=gettext_lazy("有效期至"), required=False, widget=DATE_INPUT, help_text=gettext_lazy("长期有效的不填。")
    )


class SuspendForm(ChineseLabels, forms.Form):
    """特别程序 (行政许可法 art. 45): its time does not count, and the applicant is told in writing."""

    kind = forms.ChoiceField(label=gettext_lazy("特别程序"))
    reason = forms.CharField(label=gettext_lazy("启动原因"), max_length=MAX_TEXT, widget=_textarea())
    expected_days = forms.IntegerField(
        label=gettext_lazy("预计所需时间（工作日）"),
        min_value=1,
        max_value=MAX_PROCEDURE_DAYS,
        help_text=gettext_lazy("写入告知书，供申请人安排。"),
    )

    def __init__(self, *args: Any, item: ServiceItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Suspension.Kind.choices)
        allowed = [k for k in (item.special_procedures or []) if k in labels and k not in Suspension.ENDED_BY_MATERIAL]
        self.fields["kind"].choices = [(k, labels[k]) for k in allowed]
        self.fields["kind"].error_messages["invalid_choice"] = gettext("该事项未设置此特别程序。")
        self.is_available = bool(allowed)


class ResumeForm(ChineseLabels, forms.Form):
    result = forms.CharField(label=gettext_lazy("特别程序结果"), max_length=MAX_TEXT, widget=_textarea())


class CommitmentCheckForm(ChineseLabels, forms.Form):
    """告知承诺核查: what the department found; a false commitment has the item's consequences."""

    outcome = forms.ChoiceField(
        label="核查结果", choices=[("passed", "承诺属实"), ("failed", "承诺不实")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="核查情况", max_length=MAX_TEXT, required=False, widget=_textarea(), help_text="核查不实的须写明。"
    )


class ExtensionForm(ChineseLabels, forms.Form):
    """延长 (行政许可法 art. 42): once, approved by the head, reason told to the applicant."""

    days = forms.IntegerField(label=gettext_lazy("延长工作日"))
    reason = forms.CharField(label=gettext_lazy("延长理由"), max_length=MAX_TEXT, widget=_textarea())

    def __init__(self, *args: Any, item: ServiceItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        # The allowance is the item's (default 10), so the bound is checked here, not by a fixed validator.
        self.fields["days"].widget.attrs.update(min=1, max=item.extension_days)
        self.fields["days"].help_text = gettext("本事项最多可延长 %(extension_days)s 个工作日。") % {
            "extension_days": item.extension_days
        }

    def clean_days(self) -> int:
        days = self.cleaned_data["days"]
        if not 1 <= days <= self.item.extension_days:
            raise ValidationError(
                gettext("延长期限为 1–%(extension_days)s 个工作日。") % {"extension_days": self.item.extension_days}
            )
        return days


class ExtensionDecisionForm(ChineseLabels, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("审批意见"),
        choices=[("approve", gettext_lazy("批准延长")), ("reject", gettext_lazy("不予批准"))],
    )


class RatingForm(forms.Form):
    """好差评's shape only; reviews.evaluations checks level, options and comment with its messages."""

    level = forms.TypedChoiceField(label=_("评价等级"), coerce=int, choices=Level.choices, widget=forms.RadioSelect)
    indicators = forms.TypedMultipleChoiceField(label=_("评价指标"), coerce=int, required=False, choices=())
    comment = forms.CharField(label=_("评价意见"), required=False, max_length=500, widget=forms.Textarea({"rows": 3}))
    is_anonymous = forms.BooleanField(label=_("匿名评价（公开时不显示姓名）"), required=False)

    def __init__(self, *args: Any, options: dict[int, list[Indicator]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        self.fields["indicators"].choices = [(i.pk, i.label) for group in options.values() for i in group]

    def rating(self) -> Rating:
        data = self.cleaned_data
        return Rating(
            level=data["level"],
            indicator_ids=tuple(data["indicators"]),
            comment=data["comment"],
            is_anonymous=data["is_anonymous"],
        )


class FollowUpForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("您对整改结果是否满意"),
        coerce=int,
        choices=[(level.value, level.label) for level in FOLLOW_UP_LEVELS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("回访情况"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3}))


class VerifyForm(forms.Form):
    # Nothing chosen beforehand: the one who verifies says 属实 or not and classifies the claim; a list
    # that opened on 属实 / 合理诉求 would record a default as a finding.
    is_true = forms.TypedChoiceField(
        label=_("反映情况是否属实"),
        coerce=lambda v: v == "yes",
        choices=[("", _("请选择")), ("yes", _("属实")), ("no", _("不属实"))],
        error_messages={"required": _("请选择反映情况是否属实。")},
    )
    classification = forms.ChoiceField(
        label=_("诉求分类"),
        choices=[("", _("请选择")), *Rectification.Classification.choices],
        error_messages={"required": _("请选择诉求分类。")},
    )
    note = forms.CharField(label=_("核实情况"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class ReplyForm(forms.Form):
    result = forms.CharField(label=_("整改情况"), max_length=2000, widget=forms.Textarea({"rows": 3}))
    reply = forms.CharField(label=_("答复申请人"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("申诉理由"), max_length=2000, widget=forms.Textarea({"rows": 3}))
    evidence = forms.FileField(label=_("证据材料（PDF 或图片）"), required=False)


class AppealDecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("审核结果"),
        coerce=lambda v: v == "upheld",
        choices=Rectification.AppealOutcome.choices,
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(label=_("审核意见"), max_length=2000, widget=forms.Textarea({"rows": 3}))


class ProblemForm(forms.Form):
    """办不成事: what could not be done; at the problem desk also who came (reviews.problems checks the rest)."""

    description = forms.CharField(
        label=_("办不成的事情和遇到的困难"),
        max_length=2000,
        widget=forms.Textarea({"rows": 5}),
        error_messages={"required": _("请具体说明办不成的事情和遇到的困难（至少 5 个字）。")},
    )
    item_code = forms.CharField(label=_("事项编码"), max_length=40, required=False)
    case_number = forms.CharField(label=_("相关办件编号（选填）"), max_length=40, required=False)
    reporter_name = forms.CharField(label=_("反映人姓名"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("反映人手机号码"), max_length=20, required=False)


class ProblemAnswerForm(forms.Form):
    solved = forms.TypedChoiceField(
        label=_("问题是否已解决"),
        coerce=lambda v: v == "yes",
        choices=[("yes", _("已解决")), ("no", _("未解决，已说明原因"))],
    )
    answer = forms.CharField(label=_("处理结果与答复"), max_length=2000, widget=forms.Textarea({"rows": 4}))
