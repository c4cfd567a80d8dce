"""The applicant's forms: who applies (start), and reading the draft page's inputs.

The item's own application form is not a Django form: its fields come from the catalog's form
definition (one definition for online and window intake) and are checked at submission by
applications.forms_runtime. Here they are only read from the request and prepared for the template.
"""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, gettext_lazy

from applications import refusals
from applications.forms_runtime import MAX_TEXT
from applications.models import Application
from applications.services import ID_MISMATCH, check_own_id_number
from catalog.models import MaterialRequirement, Situation
from portal.exceptions import BadInput
from portal.forms import ChineseLabels
from portal.idnumbers import id_number_digest
from portal.models import Organization, User
from portal.validators import validate_phone, validate_resident_id

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

DOCUMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"
FORM_FIELD_PREFIX = "f_"
MATERIAL_FILE = re.compile(r"m([0-9]{1,18})")
CORRECTION_FILE = re.compile(r"c([0-9]{1,18})")
BUNDLE_MATERIAL_FILE = re.compile(r"b([0-9]{1,3})")  # a bundle's merged material, by its position
MAX_CHECKBOX_VALUES = 50


class StartForm(ChineseLabels, forms.Form):
    """Who applies: the user, a company they are an agent of (经办人), or a principal (委托代理)."""

    SELF, ORGANIZATION, PROXY = "self", "organization", "proxy"
    applying_as = forms.ChoiceField(
        label=gettext_lazy("申请身份"),
        choices=[
            (SELF, gettext_lazy("本人申请")),
            (ORGANIZATION, gettext_lazy("为本单位申请（经办人）")),
            (PROXY, gettext_lazy("受他人委托代为申请")),
        ],
        widget=forms.RadioSelect,
        initial=SELF,
    )
    id_number = forms.CharField(
        label=gettext_lazy("您的居民身份证号码"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("账户中只保存号码的摘要，请再次输入，用于确认申请人身份。"),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("申请单位"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=gettext_lazy("请选择"),
        help_text=gettext_lazy("只能选择您已登记为经办人的单位。"),
    )
    principal_name = forms.CharField(label=gettext_lazy("委托人姓名"), required=False, max_length=50)
    principal_id_number = forms.CharField(
        label=gettext_lazy("委托人居民身份证号码"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    proxy_letter = forms.FileField(
        label=gettext_lazy("授权委托书"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
        help_text=gettext_lazy("委托人签字的授权委托书扫描件：PDF、JPEG、PNG 或 OFD。"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("用于接收办理进度短信，可不填。"),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=user.agencies.active().values("organization")
        ).order_by("name")

    def clean_idempotency_key(self) -> str:
        value = self.cleaned_data["idempotency_key"].strip()
        try:
            return uuid.UUID(value).hex
        except ValueError:
            raise ValidationError(gettext("页面已失效，请刷新后重新提交。"), code="bad_key") from None

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return validate_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        applying_as = data.get("applying_as")
        if applying_as == self.SELF:
            self._clean_own_id_number(data)
        elif applying_as == self.ORGANIZATION and not data.get("organization"):
            self.add_error("organization", ValidationError(gettext("请选择申请单位。"), code="required"))
        elif applying_as == self.PROXY:
            self._clean_principal(data)
        return data

    def _clean_own_id_number(self, data: dict[str, Any]) -> None:
        raw = data.get("id_number", "")
        if not raw:
            self.add_error("id_number", ValidationError(gettext("请输入您的居民身份证号码。"), code="required"))
            return
        try:
            data["id_number"] = check_own_id_number(user=self.user, id_number=raw)
        except ValidationError as exc:
            self.add_error("id_number", exc)

    def _clean_principal(self, data: dict[str, Any]) -> None:
        if not data.get("principal_name", "").strip():
            self.add_error("principal_name", ValidationError(gettext("请填写委托人姓名。"), code="required"))
        raw = data.get("principal_id_number", "")
        if not raw:
            self.add_error(
                "principal_id_number", ValidationError(gettext("请填写委托人的居民身份证号码。"), code="required")
            )
        else:
            try:
                number = validate_resident_id(raw)
            except ValidationError as exc:
                self.add_error("principal_id_number", exc)
            else:
                if id_number_digest(number) == self.user.id_number_digest:
                    self.add_error(
                        "principal_id_number",
                        ValidationError(gettext("委托人不能是您本人，请选择“本人申请”。"), code=ID_MISMATCH),
                    )
                else:
                    data["principal_id_number"] = number
        if not data.get("proxy_letter"):
            self.add_error("proxy_letter", ValidationError(gettext("请上传委托人签字的授权委托书。"), code="required"))

    def refusal_status(self) -> int:
        """422 when the input was well formed but refused (someone else's ID number), else 400."""
        refused = any(e.code == ID_MISMATCH for errors in self.errors.as_data().values() for e in errors)
        return 422 if refused else 400


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


# --- The draft page --------------------------------------------------------------------------

INPUT_TYPES = {"number": "number", "date": "date", "phone": "tel", "email": "email"}
INPUT_MODES = {"number": "decimal", "phone": "tel", "id_number": "text", "uscc": "text"}
HELP_TEXTS = {
    "id_number": gettext_lazy("18 位公民身份号码，末位可为 X。"),
    "uscc": gettext_lazy("18 位统一社会信用代码，见营业执照。"),
    "phone": gettext_lazy("11 位手机号码。"),
    "date": gettext_lazy("格式：年-月-日。"),
}


@dataclass
class FormFieldView:
    """One field of the item's form, as the template renders it."""

    name: str
    label: str
    kind: str
    required: bool
    options: list[str]
    value: str = ""
    values: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    help_text: str = ""

    @property
    def html_name(self) -> str:
        return FORM_FIELD_PREFIX + self.name

    @property
    def html_id(self) -> str:
        return "id_" + self.html_name

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.kind, "text")

    @property
    def inputmode(self) -> str:
        return INPUT_MODES.get(self.kind, "")

    @property
    def is_choice_group(self) -> bool:
        return self.kind in ("radio", "checkbox")


def form_field_views(
    definition: list[dict[str, Any]], data: dict[str, Any], problems: dict[str, list[str]]
) -> list[FormFieldView]:
    views = []
    for spec in definition:
        kind = spec.get("type", "text")
        value = data.get(spec["name"])
        views.append(
            FormFieldView(
                name=spec["name"],
                label=spec.get("label", spec["name"]),
                kind=kind,
                required=bool(spec.get("required")),
                options=[str(o) for o in spec.get("options", [])],
                value="" if value is None or isinstance(value, list) else str(value),
                values=[str(v) for v in value] if isinstance(value, list) else [],
                errors=problems.get(spec["name"], []),
                help_text=spec.get("help_text") or HELP_TEXTS.get(kind, ""),
            )
        )
    return views


def read_form_data(definition: list[dict[str, Any]], post: QueryDict) -> dict[str, Any]:
    """What was typed into the item's form, kept as typed (checked at submission, not on save)."""
    data: dict[str, Any] = {}
    for spec in definition:
        key = FORM_FIELD_PREFIX + spec["name"]
        if spec.get("type") == "checkbox":
            data[spec["name"]] = [v for v in post.getlist(key)[:MAX_CHECKBOX_VALUES] if v]
        else:
            data[spec["name"]] = post.get(key, "").strip()
    return data


def read_situation_options(situations: Iterable[Situation], post: QueryDict) -> list[int]:
    """The chosen option per situation question (``s<situation id>``); garbage is ignored and
    save_draft drops ids that are not the item's own."""
    chosen = []
    for situation in situations:
        value = post.get(f"s{situation.id}", "").strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            chosen.append(int(value))
    return chosen


def read_delivery(post: QueryDict) -> tuple[str, str]:
    method = post.get("delivery_method", Application.DeliveryMethod.COLLECT)
    if method not in Application.DeliveryMethod.values:  # only a forged request sends another value
        raise BadInput(gettext("请选择有效的结果送达方式。"))
    return method, post.get("delivery_address", "")


def read_files(files: MultiValueDict, pattern: re.Pattern[str]) -> dict[int, UploadedFile]:
    """Uploaded files named ``<letter><requirement id>`` by requirement id."""
    found = {}
    for key in files:
        match = pattern.fullmatch(key)
        if match:
            found[int(match.group(1))] = files[key]
    return found


class CorrectionForm(ChineseLabels, forms.Form):
    """一次性告知书: tick every material to add or fix and say why; other needs as free text."""

    EXTRA_ROWS = 3

    due_on = forms.DateField(label=gettext_lazy("补正截止日期"), widget=DATE_INPUT)

    def __init__(
        self, *args: Any, materials: list[MaterialRequirement], received: Iterable[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.materials = materials
        # What is on file for each material (SubmittedMaterial rows), shown beside its row.
        self.received: dict[int, list[Any]] = {}
        for material in received:
            self.received.setdefault(material.requirement_id, []).append(material)
        for material in materials:
            self.fields[f"pick_{material.pk}"] = forms.BooleanField(label=material.name, required=False)
            self.fields[f"reason_{material.pk}"] = forms.CharField(
                label=gettext("“%(name)s”需补正的内容") % {"name": material.name}, max_length=500, required=False
            )
        for n in range(self.EXTRA_ROWS):
            self.fields[f"extra_name_{n}"] = forms.CharField(
                label=gettext("其他补正事项 %(value)s：名称") % {"value": n + 1}, max_length=200, required=False
            )
            self.fields[f"extra_reason_{n}"] = forms.CharField(
                label=gettext("其他补正事项 %(value)s：要求") % {"value": n + 1}, max_length=500, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        entries: list[dict[str, Any]] = []
        for material in self.materials:
            reason = data.get(f"reason_{material.pk}", "").strip()
            if data.get(f"pick_{material.pk}"):
                if not reason:
                    self.add_error(
                        f"reason_{material.pk}", gettext("请写明“%(name)s”需要补正的内容。") % {"name": material.name}
                    )
                entries.append({"requirement_id": material.pk, "reason": reason})
            elif reason:
                self.add_error(
                    f"pick_{material.pk}", gettext("写了补正内容的，请勾选“%(name)s”。") % {"name": material.name}
                )
        for n in range(self.EXTRA_ROWS):
            name, reason = data.get(f"extra_name_{n}", "").strip(), data.get(f"extra_reason_{n}", "").strip()
            if name or reason:
                if not (name and reason):
                    self.add_error(
                        f"extra_reason_{n}" if name else f"extra_name_{n}",
                        gettext("其他补正事项须同时写明名称和要求。"),
                    )
                entries.append({"requirement_id": None, "name": name, "reason": reason})
        if not entries and not self.errors:
            raise ValidationError(gettext("请勾选或填写需要补正的全部材料（一次性告知）。"))
        data["entries"] = entries
        return data

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, list[Any]]]:
        return [(self[f"pick_{m.pk}"], self[f"reason_{m.pk}"], self.received.get(m.pk, [])) for m in self.materials]

    def preview(self) -> dict[str, Any]:
        """What the notice will list, for a look before it is issued (a valid form only)."""
        names = {m.pk: m.name for m in self.materials}
        entries = [
            {"name": names[e["requirement_id"]] if e["requirement_id"] else e["name"], "reason": e["reason"]}
            for e in self.cleaned_data["entries"]
        ]
        return {"entries": entries, "due_on": self.cleaned_data["due_on"]}

    def extra_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"extra_name_{n}"], self[f"extra_reason_{n}"]) for n in range(self.EXTRA_ROWS)]


class RefusalForm(ChineseLabels, forms.Form):
    """不予受理决定: a common reason (with its legal basis) or one written out, and the competent agency.

    The reason and basis a pick stands for come from applications.refusals, applied by the service.
    """

    reason_code = forms.ChoiceField(
        label=gettext_lazy("不予受理的情形"),
        choices=refusals.REFUSAL_REASON_CHOICES,
        initial=refusals.OTHER,
        required=False,
        help_text=gettext_lazy("选定常见情形的，决定书载明该情形的理由和法律依据；选“其他”的，须填写理由和法律依据。"),
    )
    reason = forms.CharField(
        label=gettext_lazy("不予受理的理由（具体情况）"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("选定常见情形的，可补充具体情况，印在该情形的理由之后。"),
    )
    basis = forms.CharField(
        label=gettext_lazy("法律依据"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "选定常见情形的可不填（使用该情形的依据）；例如：《中华人民共和国行政许可法》第三十二条第一款第（二）项。"
        ),
    )
    competent_agency = forms.CharField(
        label=gettext_lazy("有权受理的机关"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("“不属于本机关职权范围”的必填：告知申请人向有关行政机关申请。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                refusals.resolve_refusal(
                    reason_code=data.get("reason_code", ""),
                    reason=data.get("reason", ""),
                    basis=data.get("basis", ""),
                    competent_agency=data.get("competent_agency", ""),
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return data
