"""Serializers of the back office's API (reviews.api): the department's tasks with their deadline
signal, and the inputs of the review operations (steps, decisions, special procedures, extensions).

The rules (handler ≠ approver, the state table, the item's extension allowance…) are checked by
applications.services, not here. The case itself is shown by applications.serializers.
"""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.deadlines import SIGNAL_SOURCES, deadline_signal
from applications.forms_runtime import MAX_TEXT
from applications.models import Application, Commitment, Extension, ReviewTask, Suspension
from applications.serializers import CaseBriefOutputSerializer, text_field
from reviews.forms import MAX_PROCEDURE_DAYS  # the HTML form's bound, the same for the API


class ExtensionOutputSerializer(serializers.ModelSerializer):
    application = serializers.CharField(source="application.number")

    class Meta:
        model = Extension
        fields = ["id", "application", "days", "reason", "status", "requested_at", "decided_at"]


class DeadlineSignalOutputSerializer(serializers.Serializer):
    """The worse of the case's light and the step's own, and whose it is (applications.deadlines.deadline_signal)."""

    light = serializers.ChoiceField(choices=Application.Light.choices)
    source = serializers.ChoiceField(choices=SIGNAL_SOURCES, help_text=gettext_lazy("该灯属于办件还是本环节"))
    is_paused = serializers.BooleanField(help_text=gettext_lazy("暂停计时中（特别程序或受理后补正）"))
    label = serializers.CharField(help_text=gettext_lazy("如“红灯：本环节已超期”“黄灯：办件即将到期”"))


class ReviewTaskOutputSerializer(serializers.ModelSerializer):
    """One open task of the department's queue, with its case: ``light`` is the step's own (against
    ``due_on``), ``application.light`` the case's, ``signal`` the worse of the two."""

    step = serializers.CharField(source="step.kind")
    step_label = serializers.CharField(source="step.get_kind_display")
    assignee = serializers.SerializerMethodField(help_text=gettext_lazy("认领或分配给的审查人员；未分配为空"))
    signal = serializers.SerializerMethodField(help_text=gettext_lazy("办件与本环节时效灯中较紧急的一个"))
    application = CaseBriefOutputSerializer()

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "step",
            "step_label",
            "status",
            "assignee",
            "opened_at",
            "due_on",
            "light",
            "signal",
            "application",
        ]

    def get_assignee(self, obj: ReviewTask) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None

    @extend_schema_field(DeadlineSignalOutputSerializer)
    def get_signal(self, obj: ReviewTask) -> dict[str, Any]:
        signal = deadline_signal(obj)
        return {"light": signal.light, "source": signal.source, "is_paused": signal.is_paused, "label": signal.label}


# --- Input ----------------------------------------------------------------------------------------


class OpinionInputSerializer(serializers.Serializer):
    opinion = serializers.CharField(max_length=MAX_TEXT, help_text=gettext_lazy("审查意见（退回时为退回理由）"))


class DecideInputSerializer(serializers.Serializer):
    """准予 (licence number, validity) or 不予 (reasons, stated in the decision with the remedies)."""

    outcome = serializers.ChoiceField(choices=Application.Outcome.choices)
    reasons = text_field(help_text=gettext_lazy("决定理由：准予的写明符合的法定条件，不予的说明理由（必填）"))
    certificate_number = text_field(60, help_text=gettext_lazy("证照编号；不填则按办件编号生成"))
    valid_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("有效期至")
    )


class SuspendInputSerializer(serializers.Serializer):
    """特别程序 (行政许可法 art. 45): its time does not count, and the applicant is told in writing."""

    kind = serializers.ChoiceField(
        choices=[(k, label) for k, label in Suspension.Kind.choices if k not in Suspension.ENDED_BY_MATERIAL]
    )
    reason = serializers.CharField(max_length=MAX_TEXT)
    expected_days = serializers.IntegerField(
        min_value=1, max_value=MAX_PROCEDURE_DAYS, help_text=gettext_lazy("预计所需工作日")
    )


class ResumeInputSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=MAX_TEXT, help_text=gettext_lazy("特别程序的结果"))


class ExtensionInputSerializer(serializers.Serializer):
    """延长 (行政许可法 art. 42): once, approved by the head; the item's allowance bounds the days."""

    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=MAX_TEXT)


class ExtensionDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=gettext_lazy("true 批准延长，false 不予批准"))


CHECK_OUTCOMES = [
    (Commitment.Outcome.PASSED, gettext_lazy("核查属实")),
    (Commitment.Outcome.FAILED, gettext_lazy("核查不实")),
]


class CommitmentCheckInputSerializer(serializers.Serializer):
    """告知承诺核查: what the department found; a false commitment has the item's consequences."""

    outcome = serializers.ChoiceField(choices=CHECK_OUTCOMES)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text=gettext_lazy("核查不实的须写明")
    )


class CommitmentOutputSerializer(serializers.ModelSerializer):
    """One 告知承诺 of a case, its check and what a failed one led to."""

    material = serializers.CharField(source="requirement.name", read_only=True)
    credit_recorded = serializers.SerializerMethodField()
    result_revoked = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "id", "material", "text", "signed_at", "check_due_on", "outcome", "check_note", "checked_at",
            "credit_recorded", "result_revoked",
        ]  # fmt: skip
        read_only_fields = fields

    def get_credit_recorded(self, obj: Any) -> bool:
        return hasattr(obj, "credit_record")

    def get_result_revoked(self, obj: Any) -> bool:
        result = getattr(obj.application, "result", None)
        return obj.outcome == Commitment.Outcome.FAILED and result is not None and result.revoked_at is not None
