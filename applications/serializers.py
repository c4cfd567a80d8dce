"""Serializers of the applications API: input serializers check types, lengths and choices before a
service sees the data; output serializers shape what a visible case shows (HackSoft style).

The rules of a case (a complete form, the required materials, the state table, handler ≠ approver…)
are not repeated here: applications.services checks them and the API handler turns them into 422
or 409. ID numbers leave the API only masked (个人信息保护法): the party's masked column, and the
masked form of any ID number typed into the item's form.

Kept in one module: the input and output shapes of the applicant's API, one small class per operation,
kept beside each other so a field's input check and its output form are read together.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from applications import selectors, services
from applications.forms import MAX_CHECKBOX_VALUES
from applications.forms_runtime import MAX_TEXT, mask_id_numbers
from applications.models import (
    Application,
    CorrectionNotice,
    Delivery,
    Document,
    FeeAssessment,
    Party,
    Result,
    ReviewTask,
    SubmittedMaterial,
    Suspension,
)
from catalog.models import MaterialRequirement, ServiceItem
from catalog.serializers import DepartmentBriefSerializer, is_item_code
from portal import validators

# 办件编号: region, date, department and daily sequence — letters, digits and dashes at most.
NUMBER_RE = re.compile(r"^[0-9A-Za-z-]{1,40}$")
# What a client sends as Idempotency-Key: a UUID or another token of its own making.
IDEMPOTENCY_KEY_RE = re.compile(r"^[0-9A-Za-z_.:-]{8,64}$")
MAX_ID = 2**31 - 1


def is_application_number(value: str) -> bool:
    return bool(NUMBER_RE.match(value))


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def text_field(max_length: int = MAX_TEXT, **kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("default", "")
    return serializers.CharField(max_length=max_length, **kwargs)


def masked_form_data(application: Application) -> dict[str, Any]:
    """What was typed into the item's form, with ID numbers masked (stored encrypted)."""
    return mask_id_numbers(application.item.form_definition or [], application.form_data or {})


# --- Output: the pieces of a case -----------------------------------------------------------------


class ItemBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceItem
        fields = ["code", "version", "name"]


class PartyOutputSerializer(serializers.Serializer):
    """The applicant of one case, read from the case: the name as given for it (never the party's
    registered name: no ID-number → name oracle) and the ID number masked."""

    kind = serializers.ChoiceField(source="party.kind", choices=Party.Kind.choices)
    name = serializers.CharField(source="applicant_name", help_text=gettext_lazy("申请人姓名/名称（按本件填写）"))
    id_type = serializers.ChoiceField(source="party.id_type", choices=Party.IdType.choices)
    id_number = serializers.CharField(source="party.id_number_masked", help_text=gettext_lazy("证件号码（脱敏）"))
    legal_representative = serializers.CharField(source="party.legal_representative")


class AskOutputSerializer(serializers.Serializer):
    """One thing the applicant has to do now (applications.selectors.what_is_asked)."""

    kind = serializers.CharField(
        help_text="complete_draft, correct_materials, attend_procedure, pay_fee, collect_result, download_result"
    )
    text = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)


class CaseBriefOutputSerializer(serializers.ModelSerializer):
    """One case in a list: who, what, where it stands, the deadline and its light."""

    status_label = serializers.CharField(source="get_status_display")
    item = ItemBriefSerializer()
    department = DepartmentBriefSerializer()
    party = PartyOutputSerializer(source="*")

    class Meta:
        model = Application
        fields = [
            "number",
            "status",
            "status_label",
            "item",
            "department",
            "party",
            "acting_as",
            "channel",
            "created_at",
            "submitted_at",
            "due_on",
            "light",
        ]


class ApplicationListOutputSerializer(CaseBriefOutputSerializer):
    """One of my applications: drafts have an id and no number yet."""

    asks = serializers.SerializerMethodField(help_text=gettext_lazy("现在需要我做的事"))

    class Meta(CaseBriefOutputSerializer.Meta):
        fields = ["id", *CaseBriefOutputSerializer.Meta.fields, "asks"]

    @extend_schema_field(AskOutputSerializer(many=True))
    def get_asks(self, obj: Application) -> list[dict[str, Any]]:
        return AskOutputSerializer(selectors.what_is_asked(obj), many=True).data


class FormFieldOutputSerializer(serializers.Serializer):
    """One field of the item's form definition (catalog): what to send in ``form_data``."""

    name = serializers.CharField()
    label = serializers.CharField(default="")
    type = serializers.CharField(default="text")
    required = serializers.BooleanField(default=False)
    options = serializers.ListField(child=serializers.CharField(), default=list)


class DraftSituationOptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class DraftSituationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    question = serializers.CharField()
    options = DraftSituationOptionOutputSerializer(many=True, source="options.all")


class SubmittedMaterialOutputSerializer(serializers.ModelSerializer):
    requirement = serializers.IntegerField(source="requirement_id")
    requirement_name = serializers.CharField(source="requirement.name")
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = SubmittedMaterial
        fields = [
            "id",
            "requirement",
            "requirement_name",
            "has_file",
            "original_name",
            "content_type",
            "sha256",
            "originals_received",
            "copies_received",
            "uploaded_at",
            # 免证办: filled in from the applicant's e-licence (applications/licences/fetching.py)
            "licence_number",
            "licence_issuer",
            "licence_issued_on",
            "licence_valid_until",
        ]

    def get_has_file(self, obj: SubmittedMaterial) -> bool:
        return bool(obj.file)


class RequiredMaterialOutputSerializer(serializers.ModelSerializer):
    """One material on the tailored list, with the file submitted for it (if any)."""

    submitted = serializers.SerializerMethodField()

    class Meta:
        model = MaterialRequirement
        fields = ["id", "name", "necessity", "form", "originals", "copies", "notes", "submitted"]

    @extend_schema_field(SubmittedMaterialOutputSerializer(allow_null=True))
    def get_submitted(self, obj: MaterialRequirement) -> dict[str, Any] | None:
        current = self.context.get("current_materials", {}).get(obj.id)
        return SubmittedMaterialOutputSerializer(current).data if current else None


class DraftOutputSerializer(serializers.ModelSerializer):
    """A draft with everything needed to fill it: the form, the situations, the tailored material list."""

    status_label = serializers.CharField(source="get_status_display")
    item = ItemBriefSerializer()
    party = PartyOutputSerializer(source="*")
    form_definition = serializers.SerializerMethodField()
    form_data = serializers.SerializerMethodField(
        help_text=gettext_lazy("申请表内容（证件号码已脱敏；原样提交脱敏号码则保留原号码）")
    )
    situations = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField(help_text=gettext_lazy("按所选情形生成的材料清单"))

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "item",
            "party",
            "acting_as",
            "channel",
            "form_definition",
            "form_data",
            "situations",
            "situation_options",
            "materials",
            "delivery_method",
            "delivery_address",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(FormFieldOutputSerializer(many=True))
    def get_form_definition(self, obj: Application) -> list[dict[str, Any]]:
        return FormFieldOutputSerializer(obj.item.form_definition or [], many=True).data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_form_data(self, obj: Application) -> dict[str, Any]:
        return masked_form_data(obj)

    @extend_schema_field(DraftSituationOutputSerializer(many=True))
    def get_situations(self, obj: Application) -> list[dict[str, Any]]:
        return DraftSituationOutputSerializer(obj.item.situations.prefetch_related("options"), many=True).data

    @extend_schema_field(RequiredMaterialOutputSerializer(many=True))
    def get_materials(self, obj: Application) -> list[dict[str, Any]]:
        current = {m.requirement_id: m for m in obj.materials.filter(is_current=True).select_related("requirement")}
        return RequiredMaterialOutputSerializer(
            services.required_materials(obj), many=True, context={"current_materials": current}
        ).data


class TimelineEntryOutputSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()
    status_label = serializers.CharField()
    note = serializers.CharField()


class DocumentOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    download_url = serializers.SerializerMethodField(help_text=gettext_lazy("PDF 下载地址（须登录且有权查看该办件）"))

    class Meta:
        model = Document
        fields = ["kind", "kind_label", "created_at", "download_url"]

    def get_download_url(self, obj: Document) -> str:
        return reverse("applications_api:document", kwargs={"number": obj.application.number, "token": obj.token})


class CaseMaterialOutputSerializer(SubmittedMaterialOutputSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta(SubmittedMaterialOutputSerializer.Meta):
        fields = [*SubmittedMaterialOutputSerializer.Meta.fields, "download_url"]

    def get_download_url(self, obj: SubmittedMaterial) -> str | None:
        if not obj.file:
            return None
        return reverse("applications_api:material", kwargs={"number": obj.application.number, "material_id": obj.pk})


class CorrectionEntryOutputSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("补正时按此材料 id 上传"))
    name = serializers.CharField()
    reason = serializers.CharField()


class CorrectionNoticeOutputSerializer(serializers.ModelSerializer):
    entries = CorrectionEntryOutputSerializer(many=True)

    class Meta:
        model = CorrectionNotice
        fields = ["issued_at", "due_on", "after_acceptance", "entries"]


class FeeAssessmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeAssessment
        fields = ["id", "name", "amount_yuan", "status", "payment_reference", "settled_at"]


class ResultOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Result
        fields = ["outcome", "reasons", "certificate_number", "valid_from", "valid_until", "decided_at"]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["method", "tracking_number", "recipient_name", "recipient_is_proxy", "delivered_at"]


class SuspensionOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Suspension
        fields = ["id", "kind", "kind_label", "reason", "expected_days", "started_on", "ended_on", "result"]


class ApplicationDetailOutputSerializer(CaseBriefOutputSerializer):
    """One case: where it stands, the deadlines, the steps meant for the applicant (internal opinions
    never appear), the documents and materials with their download addresses, what is asked now."""

    current_step = serializers.CharField(source="current_step.get_kind_display", default=None, allow_null=True)
    step_light = serializers.SerializerMethodField(
        help_text=gettext_lazy("当前审查环节自身的时效灯（green/yellow/red，按环节办理期限）；无待办环节为空串")
    )
    step_due_on = serializers.SerializerMethodField(help_text=gettext_lazy("当前审查环节的办理期限；无待办环节为空"))
    form_data = serializers.SerializerMethodField(help_text=gettext_lazy("申请表内容（证件号码已脱敏）"))
    timeline = serializers.SerializerMethodField()
    asks = serializers.SerializerMethodField(help_text=gettext_lazy("现在需要申请人做的事"))
    documents = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    correction = serializers.SerializerMethodField(
        help_text=gettext_lazy("现在需要答复的一次性补正告知，受理前或受理后（无则为空）")
    )
    suspension = serializers.SerializerMethodField(help_text=gettext_lazy("进行中的暂停计时（无则为空）"))
    fees = FeeAssessmentOutputSerializer(many=True, source="fee_assessments.all")
    result = serializers.SerializerMethodField()
    delivery = serializers.SerializerMethodField()

    class Meta(CaseBriefOutputSerializer.Meta):
        fields = [
            *CaseBriefOutputSerializer.Meta.fields,
            "received_on",
            "accepted_on",
            "statutory_due_on",
            "correction_due_on",
            "is_extended",
            "current_step",
            "step_light",
            "step_due_on",
            "outcome",
            "decided_at",
            "certificate_due_on",
            "concluded_at",
            "delivery_method",
            "delivery_address",
            "form_data",
            "timeline",
            "asks",
            "documents",
            "materials",
            "correction",
            "suspension",
            "fees",
            "result",
            "delivery",
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_form_data(self, obj: Application) -> dict[str, Any]:
        return masked_form_data(obj)

    def _open_task(self, obj: Application) -> ReviewTask | None:
        tasks = getattr(obj, "open_tasks", None)  # prefetched by selectors.application_detail
        if tasks is None:
            tasks = list(obj.tasks.filter(status=ReviewTask.Status.OPEN))
        return tasks[0] if tasks else None

    @extend_schema_field(serializers.ChoiceField(choices=Application.Light.choices))
    def get_step_light(self, obj: Application) -> str:
        task = self._open_task(obj)
        return task.light if task is not None else ""

    @extend_schema_field(OpenApiTypes.DATE)
    def get_step_due_on(self, obj: Application) -> str | None:
        task = self._open_task(obj)
        return task.due_on.isoformat() if task is not None and task.due_on else None

    @extend_schema_field(TimelineEntryOutputSerializer(many=True))
    def get_timeline(self, obj: Application) -> list[dict[str, Any]]:
        return TimelineEntryOutputSerializer(selectors.timeline_for_applicant(obj), many=True).data

    @extend_schema_field(AskOutputSerializer(many=True))
    def get_asks(self, obj: Application) -> list[dict[str, Any]]:
        return AskOutputSerializer(selectors.what_is_asked(obj), many=True).data

    @extend_schema_field(DocumentOutputSerializer(many=True))
    def get_documents(self, obj: Application) -> list[dict[str, Any]]:
        documents = getattr(obj, "notices", None)
        if documents is None:
            documents = obj.documents.filter(revoked_at__isnull=True)
        return DocumentOutputSerializer(documents, many=True).data

    @extend_schema_field(CaseMaterialOutputSerializer(many=True))
    def get_materials(self, obj: Application) -> list[dict[str, Any]]:
        materials = getattr(obj, "current_materials", None)
        if materials is None:
            materials = obj.materials.filter(is_current=True).select_related("requirement")
        return CaseMaterialOutputSerializer(materials, many=True).data

    @extend_schema_field(CorrectionNoticeOutputSerializer(allow_null=True))
    def get_correction(self, obj: Application) -> dict[str, Any] | None:
        notice = selectors.open_correction(obj)
        return CorrectionNoticeOutputSerializer(notice).data if notice else None

    @extend_schema_field(SuspensionOutputSerializer(allow_null=True))
    def get_suspension(self, obj: Application) -> dict[str, Any] | None:
        suspension = next((s for s in obj.suspensions.all() if s.ended_on is None), None)
        return SuspensionOutputSerializer(suspension).data if suspension else None

    @extend_schema_field(ResultOutputSerializer(allow_null=True))
    def get_result(self, obj: Application) -> dict[str, Any] | None:
        result = getattr(obj, "result", None) if obj.outcome else None
        return ResultOutputSerializer(result).data if result else None

    @extend_schema_field(DeliveryOutputSerializer(allow_null=True))
    def get_delivery(self, obj: Application) -> dict[str, Any] | None:
        delivery = getattr(obj, "delivery", None) if obj.concluded_at else None
        return DeliveryOutputSerializer(delivery).data if delivery else None


# --- Input: the applicant -------------------------------------------------------------------------


class StartInputSerializer(serializers.Serializer):
    """Who applies for which item. ``self``: your name and ID number again (checked against your
    verified identity); ``agent``: an organisation you are 经办人 of; ``proxy``: the principal's name,
    ID number and signed 授权委托书 (multipart)."""

    item = serializers.CharField(max_length=64, help_text=gettext_lazy("事项实施编码（已发布的办事指南）"))
    acting_as = serializers.ChoiceField(choices=Application.ActingAs.choices)
    name = text_field(200, help_text=gettext_lazy("本人申请：您的姓名；代为申请：委托人姓名"))
    id_number = text_field(30, help_text=gettext_lazy("本人申请：您的居民身份证号码；代为申请：委托人的居民身份证号码"))
    organization = id_field(required=False, help_text=gettext_lazy("经办人申请：单位 id"))
    phone = text_field(20, help_text=gettext_lazy("接收办理进度短信的手机号码，可不填"))
    proxy_letter = serializers.FileField(
        required=False, help_text=gettext_lazy("代为申请：委托人签字的授权委托书（PDF、JPEG、PNG、OFD）")
    )

    def validate_item(self, value: str) -> str:
        if not is_item_code(value):
            raise serializers.ValidationError(gettext("事项实施编码格式不正确。"))
        return value

    def validate_phone(self, value: str) -> str:
        try:
            return validators.validate_phone(value.strip()) if value.strip() else ""
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        acting_as = data["acting_as"]
        problems: dict[str, str] = {}
        if acting_as in (Application.ActingAs.SELF, Application.ActingAs.PROXY):
            if not data["name"].strip():
                problems["name"] = (
                    gettext("请填写姓名。") if acting_as == Application.ActingAs.SELF else gettext("请填写委托人姓名。")
                )
            if not data["id_number"].strip():
                problems["id_number"] = gettext("请填写居民身份证号码。")
            else:
                # A malformed number is bad input (400); a well-formed one that is not yours is refused (422).
                try:
                    data["id_number"] = validators.validate_resident_id(data["id_number"])
                except DjangoValidationError as exc:
                    problems["id_number"] = exc.messages[0]
        if acting_as == Application.ActingAs.AGENT and not data.get("organization"):
            problems["organization"] = gettext("请选择申请单位。")
        if acting_as == Application.ActingAs.PROXY and not data.get("proxy_letter"):
            problems["proxy_letter"] = gettext("请上传委托人签字的授权委托书。")
        if problems:
            raise serializers.ValidationError(problems)
        return data


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": MAX_TEXT},
            {"type": "array", "items": {"type": "string", "maxLength": MAX_TEXT}, "maxItems": MAX_CHECKBOX_VALUES},
        ]
    }
)
class FormValueField(serializers.Field):
    """A value of the item's form: text, or a list of texts for a checkbox group."""

    default_error_messages = {
        "invalid": gettext_lazy("申请表字段的值须为文字，多选项须为文字列表。"),
        "too_long": f"不能超过 {MAX_TEXT} 个字。",
        "null": gettext_lazy("不能含有空字符。"),
    }

    def _text(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail("invalid")
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            self.fail("too_long")
        if "\x00" in text:
            self.fail("null")
        return text

    def to_internal_value(self, data: Any) -> str | list[str]:
        if isinstance(data, list):
            if len(data) > MAX_CHECKBOX_VALUES:
                self.fail("invalid")
            return [self._text(v) for v in data]
        return self._text(data)

    def to_representation(self, value: Any) -> Any:
        return value


class DraftUpdateInputSerializer(serializers.Serializer):
    """What changes in the draft; a field left out keeps its value. ``form_data`` replaces the whole form."""

    form_data = serializers.DictField(
        child=FormValueField(),
        required=False,
        help_text=gettext_lazy("申请表内容：字段名 → 值（字段见 form_definition）"),
    )
    situation_options = serializers.ListField(child=id_field(), required=False, max_length=50)
    delivery_method = serializers.ChoiceField(choices=Application.DeliveryMethod.choices, required=False)
    delivery_address = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate_form_data(self, value: dict[str, Any]) -> dict[str, Any]:
        names = {f.get("name") for f in self.context["application"].item.form_definition or []}
        unknown = sorted(set(value) - names)
        if unknown:
            # The refused names are the caller's input: counted, never repeated (a crafted key may be anything).
            raise serializers.ValidationError(
                gettext("申请表没有其中 %(len)s 个字段，请只提交 form_definition 中的字段名。") % {"len": len(unknown)},
                code="unknown_fields",
            )
        return value


class MaterialUploadInputSerializer(serializers.Serializer):
    requirement = id_field(help_text=gettext_lazy("材料 id（materials 列表中的 id）"))
    file = serializers.FileField(help_text=gettext_lazy("PDF、JPEG、PNG 或 OFD，按内容识别格式"))


class SubmitInputSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(help_text=gettext_lazy("承诺声明：所填信息和提交材料真实有效"))
    deferral_pledged = serializers.BooleanField(
        default=False, help_text=gettext_lazy("容缺受理承诺：未提交的“容缺后补”材料在受理后期限内补交")
    )


class WithdrawInputSerializer(serializers.Serializer):
    reason = text_field(500, help_text=gettext_lazy("撤回原因，可不填"))


class CorrectionInputSerializer(serializers.Serializer):
    """The files for exactly the materials a correction notice lists, paired by position."""

    requirements = serializers.ListField(
        child=id_field(), min_length=1, max_length=50, help_text=gettext_lazy("补正的材料 id")
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        min_length=1,
        max_length=50,
        help_text=gettext_lazy("与 requirements 一一对应的文件"),
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if len(data["requirements"]) != len(data["files"]):
            raise serializers.ValidationError({"files": gettext("每个补正材料 id 须对应一个文件。")})
        if len(set(data["requirements"])) != len(data["requirements"]):
            raise serializers.ValidationError({"requirements": gettext("同一材料只能提交一个文件。")})
        return data


# --- Input: shared by the window and the back office (windows.serializers, reviews.serializers) ------


class CorrectionEntryInputSerializer(serializers.Serializer):
    requirement_id = id_field(
        required=False, allow_null=True, help_text=gettext_lazy("本事项的材料 id；其他补正事项不填")
    )
    name = text_field(200, help_text=gettext_lazy("其他补正事项的名称（不填材料 id 时必填）"))
    reason = serializers.CharField(max_length=500, help_text=gettext_lazy("需补正的内容和原因"))


class RequestCorrectionInputSerializer(serializers.Serializer):
    """一次性告知: every material to add or fix, at once (行政许可法 art. 32)."""

    entries = CorrectionEntryInputSerializer(many=True, min_length=1, max_length=100)
    due_on = serializers.DateField(required=False, help_text=gettext_lazy("补正截止日期；缺省为法定期限"))
