"""Serializers of the 好差评 API (reviews.rating_api): the applicant's ratings and the indicator options,
the department's rectifications (差评整改) and the supervisors' figures.

They check shape only (types, choices, lengths). Who may rate and when, one rating per service,
options of the chosen level, the rectification's state table and who takes each step are checked by
reviews.evaluations and reviews.rectifications, whose messages the API handler returns (409, 422).
"""

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications.models import Application
from applications.serializers import id_field
from portal.idnumbers import mask_id_numbers_in_text
from reviews import evaluations
from reviews.evaluations import COMMENT_MAX, ONLINE_CHANNELS
from reviews.models import Evaluation, Indicator, Level, Rectification
from reviews.rectifications import FOLLOW_UP_LEVELS, TEXT_MAX
from reviews.supervision import Figures

# Named choice sets (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] refers to these by dotted path).
RATING_CHANNELS = [(channel.value, channel.label) for channel in ONLINE_CHANNELS]
FOLLOW_UP_CHOICES = [(level.value, level.label) for level in FOLLOW_UP_LEVELS]
RATING_STATES = [
    ("open", gettext_lazy("待评价")),
    ("rated", gettext_lazy("已评价")),
    ("not_yet", gettext_lazy("办结后可评价")),
]
MAX_INDICATORS = 30


class MaskedText(serializers.CharField):
    """Free text someone typed, read back with any ID number in it masked, as the pages show it
    (templates' ``mask_id_numbers``): the API is not a way around the masking."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> str:
        return mask_id_numbers_in_text(super().to_representation(value))


def required_text(max_length: int = TEXT_MAX, **kwargs: Any) -> serializers.CharField:
    """A written answer: the key must be there; an empty one gets the service's own message (422)."""
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


# --- Indicators and ratings (the applicant) ------------------------------------------------------


class IndicatorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "label"]


class IndicatorQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=Indicator.Scope.choices,
        default=Indicator.Scope.ONLINE,
        help_text=gettext_lazy("online：网上办事（一事一评）；hall：大厅窗口（一次一评）"),
    )


class IndicatorLevelOutputSerializer(serializers.Serializer):
    """The options a rater may tick once they chose this level."""

    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField()
    is_negative = serializers.BooleanField(help_text=gettext_lazy("不满意、非常不满意：须选择或填写原因，并转部门整改"))
    indicators = IndicatorOutputSerializer(many=True)


class RatingInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices, help_text=gettext_lazy("1 非常满意 … 5 非常不满意"))
    indicators = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        max_length=MAX_INDICATORS,
        help_text=gettext_lazy("所选评价指标的 id，须属于所选等级（GET /api/v1/ratings/indicators/），否则 422"),
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=COMMENT_MAX)
    is_anonymous = serializers.BooleanField(default=False, help_text=gettext_lazy("公开时不显示姓名"))
    channel = serializers.ChoiceField(
        choices=RATING_CHANNELS, default=Evaluation.Channel.MOBILE, help_text=gettext_lazy("评价渠道，默认移动端")
    )


class FollowUpInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=FOLLOW_UP_CHOICES, help_text=gettext_lazy("对整改结果的满意度"))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class MyEvaluationOutputSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display")
    comment = MaskedText()
    indicators = IndicatorOutputSerializer(many=True)

    class Meta:
        model = Evaluation
        fields = [
            "level",
            "level_label",
            "indicators",
            "comment",
            "is_anonymous",
            "channel",
            "status",
            "invalidated_reason",
            "created_at",
        ]


CODE_CHANNELS = [(channel.value, channel.label) for channel in evaluations.CODE_CHANNELS]


def access_code_field() -> serializers.CharField:
    """The receipt's 查询码 as typed: reviews.evaluations.case_for_code compares it (as bytes) and
    counts a wrong one; here only its length is checked."""
    return serializers.CharField(
        max_length=12, trim_whitespace=False, help_text=gettext_lazy("受理凭证或办结通知上的查询码")
    )


class CodeRatingInputSerializer(RatingInputSerializer):
    """A rating without signing in (the receipt's QR code, the invitation's text message)."""

    access_code = access_code_field()
    channel = serializers.ChoiceField(
        choices=CODE_CHANNELS, default=Evaluation.Channel.QR, help_text=gettext_lazy("qr 扫码，sms 短信链接")
    )


class PhoneRatingInputSerializer(RatingInputSerializer):
    """12345: what the caller gives on the line, with the case number and 查询码 read from the receipt."""

    number = serializers.CharField(max_length=40, help_text=gettext_lazy("办件编号"))
    access_code = access_code_field()
    channel = None  # always phone


class GivenRatingOutputSerializer(MyEvaluationOutputSerializer):
    """The rating just given with a 查询码: the case's number and the rating, nothing else of the case."""

    number = serializers.CharField(source="application.number")

    class Meta(MyEvaluationOutputSerializer.Meta):
        fields = ["number", *MyEvaluationOutputSerializer.Meta.fields]


class PhoneRatingOutputSerializer(GivenRatingOutputSerializer):
    operator = serializers.CharField(source="operator.username", help_text=gettext_lazy("录入的热线坐席"))

    class Meta(GivenRatingOutputSerializer.Meta):
        fields = [*GivenRatingOutputSerializer.Meta.fields, "operator"]


class MyRectificationOutputSerializer(serializers.ModelSerializer):
    """What the applicant sees of the handling: the state, the deadline, the reply, their own verdict."""

    status_label = serializers.CharField(source="get_status_display")
    reply = MaskedText()

    class Meta:
        model = Rectification
        fields = ["status", "status_label", "due_on", "reply", "replied_at", "follow_up_level", "closed_at"]


class MyRatingOutputSerializer(serializers.Serializer):
    """One case of mine: rated, open to rating or not yet, and a bad rating's handling."""

    number = serializers.CharField()
    item_name = serializers.CharField(source="item.name")
    department = serializers.CharField(source="department.name")
    concluded_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField(help_text=gettext_lazy("open 待评价，rated 已评价，not_yet 尚不能评价"))
    evaluation = MyEvaluationOutputSerializer(allow_null=True, read_only=True)
    rectification = MyRectificationOutputSerializer(source="evaluation.rectification", allow_null=True, read_only=True)

    @extend_schema_field(serializers.ChoiceField(choices=RATING_STATES))
    def get_state(self, obj: Application) -> str:
        if hasattr(obj, "evaluation"):
            return "rated"
        # A concluded or refused case is open to rating; anything else depends on the region's rule (a query).
        return "open" if obj.status in evaluations.RATEABLE else evaluations.rating_state(obj)


# --- Rectifications (the department, supervisors) ------------------------------------------------


class RectificationQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Rectification.Status.choices,
        required=False,
        help_text=gettext_lazy("不填时列出未办结的（不含已办结、申诉成立）"),
    )


class RatedEvaluationOutputSerializer(MyEvaluationOutputSerializer):
    """The bad rating as the department sees it: the rater's name only when given in real name."""

    rater_name = serializers.SerializerMethodField(help_text=gettext_lazy("匿名评价为空"))

    class Meta(MyEvaluationOutputSerializer.Meta):
        fields = [*MyEvaluationOutputSerializer.Meta.fields, "rater_name"]

    def get_rater_name(self, obj: Evaluation) -> str | None:
        return None if obj.is_anonymous else obj.application.applicant_name


class RectificationOutputSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="evaluation.application.number", help_text=gettext_lazy("办件编号"))
    item_code = serializers.CharField(source="evaluation.item_code")
    item_name = serializers.CharField(source="evaluation.item_name")
    department = serializers.CharField(source="department.name", help_text=gettext_lazy("责任部门"))
    status_label = serializers.CharField(source="get_status_display")
    light = serializers.ChoiceField(choices=Application.Light.choices)
    evaluation = RatedEvaluationOutputSerializer()
    has_appeal_evidence = serializers.SerializerMethodField()
    verification_note = MaskedText()
    appeal_reason = MaskedText()
    appeal_decision = MaskedText()
    result = MaskedText()
    reply = MaskedText()
    follow_up_note = MaskedText()

    class Meta:
        model = Rectification
        fields = [
            "id",
            "number",
            "item_code",
            "item_name",
            "department",
            "status",
            "status_label",
            "light",
            "warn_on",
            "due_on",
            "created_at",
            "evaluation",
            "is_true",
            "classification",
            "verification_note",
            "verified_at",
            "appeal_reason",
            "has_appeal_evidence",
            "appeal_outcome",
            "appeal_decision",
            "result",
            "reply",
            "replied_at",
            "follow_up_level",
            "follow_up_note",
            "closed_at",
        ]

    def get_has_appeal_evidence(self, obj: Rectification) -> bool:
        return bool(obj.appeal_evidence)


class VerifyInputSerializer(serializers.Serializer):
    is_true = serializers.BooleanField(help_text=gettext_lazy("反映情况是否属实"))
    classification = serializers.ChoiceField(choices=Rectification.Classification.choices)
    note = required_text(help_text=gettext_lazy("核实情况"))


class ReplyInputSerializer(serializers.Serializer):
    result = required_text(help_text=gettext_lazy("整改情况"))
    reply = required_text(help_text=gettext_lazy("答复申请人的内容"))


class StaffFollowUpInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=FOLLOW_UP_CHOICES, help_text=gettext_lazy("申请人对整改结果的满意度"))
    note = required_text(help_text=gettext_lazy("回访情况：回访方式、时间、申请人意见"))


class AppealInputSerializer(serializers.Serializer):
    reason = required_text(help_text=gettext_lazy("申诉理由"))
    evidence = serializers.FileField(required=False, help_text=gettext_lazy("证据材料（PDF 或图片，按内容识别格式）"))


class AppealDecisionInputSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(
        help_text=gettext_lazy("true 申诉成立（评价作废，不计入统计），false 不成立（继续整改）")
    )
    decision = required_text(help_text=gettext_lazy("审核意见"))


# --- Supervision ---------------------------------------------------------------------------------


class RatingCountOutputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class DepartmentFiguresOutputSerializer(serializers.Serializer):
    department = serializers.CharField()
    concluded = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    given = serializers.IntegerField()
    negative = serializers.IntegerField()
    good_rate = serializers.FloatField(allow_null=True)


class MonthFiguresOutputSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    concluded = serializers.IntegerField()
    given = serializers.IntegerField()
    good_rate = serializers.FloatField(allow_null=True)


class FiguresOutputSerializer(serializers.Serializer):
    """reviews.supervision.Figures: rates in percent (one decimal), null where the base is zero."""

    received = serializers.IntegerField(help_text=gettext_lazy("期间内提交的办件"))
    accepted = serializers.IntegerField()
    concluded = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    overdue_now = serializers.IntegerField(help_text=gettext_lazy("当前已超期的在办件"))
    online = serializers.IntegerField()
    online_rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("一网通办率"))
    fully_online = serializers.IntegerField()
    fully_online_rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("全程网办率"))
    avg_days_used = serializers.FloatField(allow_null=True, help_text=gettext_lazy("平均实际用时（工作日）"))
    avg_days_promised = serializers.FloatField(allow_null=True, help_text=gettext_lazy("平均承诺时限（工作日）"))
    ratings = serializers.SerializerMethodField(help_text=gettext_lazy("主动评价的等级分布"))
    given = serializers.IntegerField(help_text=gettext_lazy("主动评价数（不含默认、作废）"))
    defaulted = serializers.IntegerField()
    invalidated = serializers.IntegerField()
    good_rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("好评率"))
    negative = serializers.IntegerField()
    verified = serializers.IntegerField()
    rectified = serializers.IntegerField()
    followed_up = serializers.IntegerField()
    verified_rate = serializers.SerializerMethodField(help_text=gettext_lazy("差评核实率"))
    rectified_rate = serializers.SerializerMethodField(help_text=gettext_lazy("差评整改率"))
    followed_up_rate = serializers.SerializerMethodField(help_text=gettext_lazy("差评回访率"))
    problems = serializers.IntegerField(help_text=gettext_lazy("办不成事反映数"))
    problems_answered = serializers.IntegerField()
    problems_overdue = serializers.IntegerField()

    @extend_schema_field(RatingCountOutputSerializer(many=True))
    def get_ratings(self, obj: Figures) -> list[dict[str, Any]]:
        return [{"level": level, "label": str(label), "count": n} for level, label, n in obj.rating_rows()]

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_verified_rate(self, obj: Figures) -> float | None:
        return obj.handling_rates[0]

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_rectified_rate(self, obj: Figures) -> float | None:
        return obj.handling_rates[1]

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_followed_up_rate(self, obj: Figures) -> float | None:
        return obj.handling_rates[2]


class SupervisionOutputSerializer(serializers.Serializer):
    """The dashboard's numbers for the filters given: the figures, the table by department, the months."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    department = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("统计范围限定的部门 id（部门负责人为本部门）")
    )
    figures = FiguresOutputSerializer()
    departments = DepartmentFiguresOutputSerializer(many=True)
    trend = MonthFiguresOutputSerializer(many=True)
