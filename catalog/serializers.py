"""Serializers of the catalog API: output serializers for what the API shows, input serializers that
check types, lengths and choices before a service sees the data (HackSoft style).

Domain rules (promised ≤ statutory, channels, fees…) are not repeated here: catalog.rules checks
them inside the service and the API handler turns them into 422 with a message per field.
"""

import re
from typing import Any

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import diff, rules
from catalog.models import (
    FAQ,
    BasicItem,
    CommitmentConsequence,
    DeferralLapse,
    Department,
    Fee,
    ItemEvent,
    ItemType,
    MaterialRequirement,
    ProcessStep,
    Region,
    ServiceItem,
    ServiceObject,
    Situation,
    SituationOption,
    Topic,
)
from catalog.services import item_spec

# Implementation codes are letters and digits (24–36 in live systems); anything else is no code.
ITEM_CODE_RE = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
CHANGE_KINDS = [(kind, label) for kind, label in diff.KIND_LABELS.items()]
MAX_LIST = 200  # materials, situations, FAQ… per item: far above any real guide


# --- Reference data ---------------------------------------------------------------------------


class RegionOutputSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent_code"]


class DepartmentOutputSerializer(serializers.ModelSerializer):
    region = RegionOutputSerializer()

    class Meta:
        model = Department
        fields = ["id", "name", "uscc", "address", "phone", "region"]


class DepartmentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "uscc"]


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


class TopicOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["code", "name", "audience"]


class TopicWithCountOutputSerializer(TopicOutputSerializer):
    item_count = serializers.IntegerField(help_text=gettext_lazy("已发布事项数"))

    class Meta(TopicOutputSerializer.Meta):
        fields = [*TopicOutputSerializer.Meta.fields, "item_count"]


class BasicItemBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = BasicItem
        fields = ["id", "code", "name", "level", "item_type"]


# --- Public: search results and the guide ----------------------------------------------------


class ItemListOutputSerializer(serializers.ModelSerializer):
    department = DepartmentBriefSerializer()
    region = RegionBriefSerializer()
    service_objects = serializers.ListField(child=serializers.ChoiceField(choices=ServiceObject.choices))

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "version",
            "name",
            "item_type",
            "handling",
            "department",
            "region",
            "service_objects",
            "statutory_days",
            "statutory_unit",
            "promised_days",
            "promised_unit",
            "is_immediate",
            "online_depth",
            "visits",
            "lifecycle",
            "lifecycle_effective_on",
            "published_at",
        ]


class MaterialOutputSerializer(serializers.ModelSerializer):
    has_blank_form = serializers.SerializerMethodField()
    has_sample = serializers.SerializerMethodField()
    is_satisfied_by_license = serializers.BooleanField(read_only=True)

    class Meta:
        model = MaterialRequirement
        fields = [
            "id",
            "order",
            "name",
            "material_type",
            "form",
            "necessity",
            "originals",
            "copies",
            "source",
            "issuing_body",
            "license_code",
            "acceptance_standard",
            "basis",
            "notes",
            "is_situational",
            "allows_commitment",
            "commitment_text",
            "is_satisfied_by_license",
            "has_blank_form",
            "has_sample",
        ]

    # Files live in private storage and are served by views that check access, so the API says
    # whether a blank form or sample exists rather than exposing a storage path.
    def get_has_blank_form(self, obj: MaterialRequirement) -> bool:
        return bool(obj.blank_form)

    def get_has_sample(self, obj: MaterialRequirement) -> bool:
        return bool(obj.sample)


class SituationOptionOutputSerializer(serializers.ModelSerializer):
    adds = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=gettext_lazy("选择此项后增加的材料 id")
    )
    drops = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=gettext_lazy("选择此项后免交的材料 id")
    )

    class Meta:
        model = SituationOption
        fields = ["id", "order", "label", "adds", "drops"]


class SituationOutputSerializer(serializers.ModelSerializer):
    options = SituationOptionOutputSerializer(many=True)

    class Meta:
        model = Situation
        fields = ["id", "order", "question", "options"]


class StepOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "kind", "limit_days", "description"]


class FeeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["order", "name", "standard", "amount_yuan", "basis", "is_waivable"]


class FAQOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = FAQ
        fields = ["order", "question", "answer"]


GUIDE_FIELDS = [
    "code",
    "version",
    "name",
    "handling",
    "item_type",
    "basis",
    "exercise_level",
    "basic_item",
    "department",
    "region",
    "service_objects",
    "acceptance_conditions",
    "process_description",
    "statutory_days",
    "statutory_unit",
    "promised_days",
    "promised_unit",
    "is_immediate",
    "extension_days",
    "special_procedures",
    "deferral_workdays",
    "deferral_lapse",
    "commitment_check_workdays",
    "commitment_consequence",
    "has_fee",
    "result_name",
    "result_type",
    "has_result_sample",
    "accepts_at_window",
    "accepts_on_pc",
    "accepts_on_mobile",
    "accepts_by_post",
    "online_depth",
    "visits",
    "visits_reason",
    "supports_appointment",
    "supports_online_payment",
    "supports_delivery",
    "supports_self_service",
    "cross_region",
    "place",
    "office_hours",
    "consult_phone",
    "complaint_phone",
    "online_url",
    "keywords",
    "common_names",
    "topics",
    "form_definition",
    "lifecycle",
    "lifecycle_effective_on",
    "published_at",
    "materials",
    "situations",
    "steps",
    "fees",
    "faqs",
]


class GuideOutputSerializer(serializers.ModelSerializer):
    """办事指南: one published version with everything a citizen needs to apply."""

    basic_item = BasicItemBriefSerializer()
    department = DepartmentOutputSerializer()
    region = RegionBriefSerializer()
    service_objects = serializers.ListField(child=serializers.ChoiceField(choices=ServiceObject.choices))
    special_procedures = serializers.ListField(child=serializers.CharField())
    form_definition = serializers.ListField(child=serializers.DictField())
    topics = TopicOutputSerializer(many=True)
    has_result_sample = serializers.SerializerMethodField()
    materials = MaterialOutputSerializer(many=True)
    situations = SituationOutputSerializer(many=True)
    steps = StepOutputSerializer(many=True)
    fees = FeeOutputSerializer(many=True)
    faqs = FAQOutputSerializer(many=True)

    class Meta:
        model = ServiceItem
        fields = GUIDE_FIELDS

    def get_has_result_sample(self, obj: ServiceItem) -> bool:
        return bool(obj.result_sample)


# --- Public: query parameters ---------------------------------------------------------------


class ItemSearchInputSerializer(serializers.Serializer):
    """The filters of the public search, the same as the HTML search page."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=gettext_lazy("事项名称、俗称、关键词或部门")
    )
    department = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("实施机关 id")
    )
    item_type = serializers.ChoiceField(required=False, choices=ItemType.choices)
    service_object = serializers.ChoiceField(
        required=False,
        choices=[("person", gettext_lazy("个人")), ("organisation", gettext_lazy("法人及其他组织"))],
        help_text=gettext_lazy("服务对象"),
    )
    region = serializers.RegexField(
        r"^\d{12}$", required=False, help_text=gettext_lazy("12 位行政区划代码，含下级区划")
    )
    online_depth = serializers.ChoiceField(
        required=False, choices=ServiceItem.OnlineDepth.choices, help_text=gettext_lazy("网上办理深度不低于此级")
    )
    topic = serializers.SlugField(required=False, max_length=50, help_text=gettext_lazy("主题代码"))


class MaterialsInputSerializer(serializers.Serializer):
    options = serializers.RegexField(
        r"^\d{1,9}(,\d{1,9}){0,49}$",
        required=False,
        help_text=gettext_lazy("已选情形选项的 id，以逗号分隔，如 1,2"),
    )

    def validate_options(self, value: str) -> list[int]:
        return sorted({int(part) for part in value.split(",")})


class RegionQueryInputSerializer(serializers.Serializer):
    parent = serializers.RegexField(r"^\d{12}$", required=False, help_text=gettext_lazy("上级区划代码"))
    level = serializers.ChoiceField(required=False, choices=Region.Level.choices)


class DepartmentQueryInputSerializer(serializers.Serializer):
    region = serializers.RegexField(r"^\d{12}$", required=False, help_text=gettext_lazy("12 位行政区划代码"))


# --- Editors: the item spec (catalog.services) ----------------------------------------------


class FormFieldInputSerializer(serializers.Serializer):
    """One field of the intake form definition."""

    name = serializers.RegexField(
        r"^[A-Za-z_][A-Za-z0-9_]{0,49}$", help_text=gettext_lazy("字段名：字母或下划线开头，字母、数字、下划线")
    )
    label = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(choices=sorted(rules.FORM_FIELD_TYPES))
    required = serializers.BooleanField(default=False)
    options = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=100)
    validator = serializers.ChoiceField(choices=sorted(rules.FORM_VALIDATORS), required=False, allow_blank=True)


class MaterialInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    material_type = serializers.CharField(max_length=50, required=False, allow_blank=True)
    form = serializers.ChoiceField(choices=MaterialRequirement.Form.choices, required=False)
    necessity = serializers.ChoiceField(choices=MaterialRequirement.Necessity.choices, required=False)
    originals = serializers.IntegerField(min_value=0, max_value=99, required=False)
    copies = serializers.IntegerField(min_value=0, max_value=99, required=False)
    source = serializers.ChoiceField(choices=MaterialRequirement.Source.choices, required=False)
    issuing_body = serializers.CharField(max_length=100, required=False, allow_blank=True)
    license_code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    acceptance_standard = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_situational = serializers.BooleanField(required=False)
    allows_commitment = serializers.BooleanField(required=False)
    commitment_text = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class SituationOptionInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200)
    adds = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=MAX_LIST,
        help_text=gettext_lazy("增加的材料名称"),
    )
    drops = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=MAX_LIST,
        help_text=gettext_lazy("免交的材料名称"),
    )


class SituationInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=200)
    options = SituationOptionInputSerializer(many=True, required=False, max_length=50)


class StepInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProcessStep.Kind.choices)
    limit_days = serializers.IntegerField(min_value=0, max_value=365)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class FeeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    standard = serializers.CharField(max_length=200)
    amount_yuan = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True, coerce_to_string=False
    )
    basis = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_waivable = serializers.BooleanField(required=False)


class FAQInputSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    answer = serializers.CharField(max_length=5000)


def _choice(choices: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False)


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True)


def _days(*, required: bool = False) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=3650, required=required)


class ItemSpecSerializer(serializers.Serializer):
    """The content of one item version. Fields left out keep their value (or the model default);
    a child list that is given replaces the version's whole list."""

    name = serializers.CharField(max_length=200, required=False)
    handling = _choice(ServiceItem.Handling.choices)
    item_type = _choice(ItemType.choices)
    basis = serializers.CharField(max_length=5000, required=False)
    exercise_level = _choice(ServiceItem.ExerciseLevel.choices)
    service_objects = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceObject.choices), required=False, max_length=len(ServiceObject)
    )
    acceptance_conditions = _text(10000)
    process_description = _text(10000)
    statutory_days = _days()
    statutory_unit = _choice(ServiceItem.TimeUnit.choices)
    promised_days = _days()
    promised_unit = _choice(ServiceItem.TimeUnit.choices)
    is_immediate = serializers.BooleanField(required=False)
    extension_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    deferral_workdays = serializers.IntegerField(min_value=1, max_value=30, required=False)
    deferral_lapse = _choice(DeferralLapse.choices)
    commitment_check_workdays = serializers.IntegerField(min_value=1, max_value=60, required=False)
    commitment_consequence = _choice(CommitmentConsequence.choices)
    special_procedures = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=20
    )
    has_fee = serializers.BooleanField(required=False)
    result_name = _text(200)
    result_type = serializers.ChoiceField(choices=ServiceItem.ResultType.choices, required=False, allow_blank=True)
    accepts_at_window = serializers.BooleanField(required=False)
    accepts_on_pc = serializers.BooleanField(required=False)
    accepts_on_mobile = serializers.BooleanField(required=False)
    accepts_by_post = serializers.BooleanField(required=False)
    online_depth = _choice(ServiceItem.OnlineDepth.choices)
    visits = serializers.IntegerField(min_value=0, max_value=3, required=False)
    visits_reason = _text(200)
    supports_appointment = serializers.BooleanField(required=False)
    supports_online_payment = serializers.BooleanField(required=False)
    supports_delivery = serializers.BooleanField(required=False)
    supports_self_service = serializers.BooleanField(required=False)
    cross_region = _choice(ServiceItem.CrossRegion.choices)
    place = _text(200)
    office_hours = _text(200)
    consult_phone = serializers.RegexField(r"^[0-9+\-() ]{0,30}$", required=False, allow_blank=True)
    complaint_phone = serializers.RegexField(r"^[0-9+\-() ]{0,30}$", required=False, allow_blank=True)
    online_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    keywords = _text(300)
    common_names = _text(300)
    form_definition = FormFieldInputSerializer(many=True, required=False, max_length=100)
    topics = serializers.ListField(child=serializers.SlugField(max_length=50), required=False, max_length=50)
    materials = MaterialInputSerializer(many=True, required=False, max_length=MAX_LIST)
    situations = SituationInputSerializer(many=True, required=False, max_length=50)
    steps = StepInputSerializer(many=True, required=False, max_length=10)
    fees = FeeInputSerializer(many=True, required=False, max_length=50)
    faqs = FAQInputSerializer(many=True, required=False, max_length=MAX_LIST)

    def validate_materials(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [m["name"] for m in value]
        if len(names) != len(set(names)):
            raise serializers.ValidationError(gettext("材料名称不能重复：情形选项按名称引用材料。"))
        return value


class ItemCreateInputSerializer(ItemSpecSerializer):
    """A new item: the basic item it implements, the implementing department, then the spec."""

    basic_item = serializers.PrimaryKeyRelatedField(queryset=BasicItem.objects.all())
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    statutory_days = _days(required=True)
    promised_days = _days(required=True)
    service_objects = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceObject.choices), min_length=1, max_length=len(ServiceObject)
    )


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text=gettext_lazy("退回修改的意见（必填）"))


class LifecycleInputSerializer(serializers.Serializer):
    lifecycle = serializers.ChoiceField(choices=ServiceItem.Lifecycle.choices)
    effective_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class ManagedItemQueryInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(required=False, choices=ServiceItem.Status.choices)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=gettext_lazy("事项名称或实施编码")
    )


class DiffInputSerializer(serializers.Serializer):
    against = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=gettext_lazy("比较的版本 id；缺省为当前发布版本")
    )


# --- Editors: output ------------------------------------------------------------------------


class ManagedItemOutputSerializer(serializers.ModelSerializer):
    """One version as editors see it in lists: identity, state and who did what when."""

    department = DepartmentBriefSerializer()
    region = RegionBriefSerializer()

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "code",
            "version",
            "name",
            "status",
            "lifecycle",
            "lifecycle_effective_on",
            "item_type",
            "department",
            "region",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
            "review_comment",
        ]


class ManagedItemDetailOutputSerializer(ManagedItemOutputSerializer):
    """One version with its whole content as a spec: GET it, change it, PUT it back."""

    basic_item = BasicItemBriefSerializer()
    spec = serializers.SerializerMethodField(help_text=gettext_lazy("与修改草稿（PUT）的请求体结构相同"))

    class Meta(ManagedItemOutputSerializer.Meta):
        fields = [*ManagedItemOutputSerializer.Meta.fields, "basic_item", "spec"]

    @extend_schema_field(ItemSpecSerializer)
    def get_spec(self, obj: ServiceItem) -> dict[str, Any]:
        return ItemSpecSerializer(item_spec(obj)).data


class ItemEventOutputSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    version = serializers.IntegerField(source="item.version")

    class Meta:
        model = ItemEvent
        fields = ["id", "version", "action", "actor", "at", "comment", "changes"]


class ChangeOutputSerializer(serializers.Serializer):
    """One difference between two versions (catalog.diff.Change)."""

    section = serializers.CharField(help_text=gettext_lazy("所在部分，如 事项信息、申请材料"))
    field = serializers.CharField(help_text=gettext_lazy("字段名（spec 的键）"))
    label = serializers.CharField(help_text=gettext_lazy("给编辑人员看的字段名称"))
    kind = serializers.ChoiceField(choices=CHANGE_KINDS)
    old = serializers.CharField()
    new = serializers.CharField()


class DiffOutputSerializer(serializers.Serializer):
    item = ManagedItemOutputSerializer(help_text=gettext_lazy("本版本"))
    against = ManagedItemOutputSerializer(allow_null=True, help_text=gettext_lazy("比较的版本；没有可比较的版本时为空"))
    changes = ChangeOutputSerializer(many=True)


def is_item_code(value: str) -> bool:
    return bool(ITEM_CODE_RE.match(value))
