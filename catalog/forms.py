"""Forms of the editors' and publishers' pages.

The edit page is one form of the item's own fields plus formsets for its materials, situations
(with their options), review steps, fees and FAQ. ``DraftEditor`` bundles them, turns them into the
spec that ``catalog.services.update_draft`` writes, and puts the catalog rules' errors back next to
the fields they are about.
"""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from catalog.models import (
    APPLIED_FOR_TYPES,
    FAQ,
    BasicItem,
    Department,
    Fee,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    ServiceObject,
    SpecialProcedure,
    Topic,
)
from catalog.services import FILE_FIELDS, MATERIAL_FIELDS
from portal.forms import ChineseLabels
from portal.uploads import FORM_KINDS, check_upload

# 特别程序 (行政许可法 art. 45): time spent on them does not count towards the limit.

# The item's own fields, grouped as the edit page shows them.
FIELDSETS: list[tuple[str, list[str]]] = [
    (gettext_lazy("基本信息"), [
        "name", "handling", "exercise_level", "service_objects", "basis", "acceptance_conditions",
        "process_description",
    ]),
    (gettext_lazy("办理时限"), [
        "statutory_days", "statutory_unit", "promised_days", "promised_unit", "is_immediate", "extension_days",
        "special_procedures", "deferral_workdays", "deferral_lapse", "commitment_check_workdays",
        "commitment_consequence",
    ]),
    (gettext_lazy("审批结果"), ["result_name", "result_type", "result_sample", "clear_result_sample"]),
    (gettext_lazy("办理渠道"), [
        "accepts_at_window", "accepts_on_pc", "accepts_on_mobile", "accepts_by_post", "online_depth", "visits",
        "visits_reason", "supports_appointment", "supports_delivery", "supports_self_service", "cross_region",
    ]),
    (gettext_lazy("收费"), ["has_fee", "supports_online_payment"]),
    (gettext_lazy("办理地点与咨询"), ["place", "office_hours", "consult_phone", "complaint_phone", "online_url"]),
    (gettext_lazy("检索与主题"), ["keywords", "common_names", "topics"]),
    (gettext_lazy("申请表单"), ["form_definition"]),
]  # fmt: skip
FORM_ONLY_FIELDS = {"result_sample", "clear_result_sample", "topics", "form_definition"}
ITEM_FIELDS = [name for _, names in FIELDSETS for name in names if name not in FORM_ONLY_FIELDS]
UPLOAD_HELP = gettext_lazy("PDF、Word、Excel 或 JPEG/PNG 图片；按文件内容识别格式。")
FORM_DEFINITION_HELP = gettext_lazy(
    '字段列表，每个字段形如 {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": true}；'
    "type 可为 text、textarea、number、date、select、radio、checkbox、id_number、uscc、phone、email；"
    "选择类字段须有 options；validator 可为 resident_id、uscc、phone。"
)


def _new_upload(value: Any) -> UploadedFile | None:
    """A file uploaded with this post, checked by its content; None when nothing new came.

    A FileField hands back its initial value (the file saved before) when nothing is uploaded;
    that one was checked when it came and is kept by the spec builder, not here.
    """
    if not isinstance(value, UploadedFile):
        return None
    check_upload(value, allowed=FORM_KINDS)
    return value


class _ModelFieldsForm(ChineseLabels, forms.Form):
    """A plain form whose fields come from a model (no ModelForm: the catalog rules, not the
    model's own validation, decide what a version may hold, and a service writes it)."""

    model: Any = None
    model_fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        generated = forms.fields_for_model(self.model, fields=self.model_fields)
        self.fields = {**{name: generated[name] for name in self.model_fields}, **self.fields}


class ItemForm(_ModelFieldsForm):
    model = ServiceItem
    model_fields = [name for name in ITEM_FIELDS if name not in {"service_objects", "special_procedures", "online_url"}]

    service_objects = forms.MultipleChoiceField(
        label=gettext_lazy("服务对象"),
        choices=ServiceObject.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    special_procedures = forms.MultipleChoiceField(
        label=gettext_lazy("可适用特别程序"),
        choices=SpecialProcedure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("特别程序所需时间不计入办理时限（《行政许可法》第四十五条）。"),
    )
    online_url = forms.URLField(label=gettext_lazy("网办地址"), required=False, max_length=200, assume_scheme="https")
    result_sample = forms.FileField(
        label=gettext_lazy("上传审批结果样本"), required=False, widget=forms.FileInput, help_text=UPLOAD_HELP
    )
    clear_result_sample = forms.BooleanField(label=gettext_lazy("删除已上传的审批结果样本"), required=False)
    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("主题"),
        queryset=Topic.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    form_definition = forms.CharField(
        label=gettext_lazy("申请表单定义（JSON）"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text=FORM_DEFINITION_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An unknown value stays checked and visible, so the rules name it (catalog.rules) and the
        # editor unticks it or asks for the kind to be added.
        current = self.initial.get("special_procedures") or []
        extra = [(p, p) for p in current if p not in SpecialProcedure.values]
        self.fields["special_procedures"].choices = [*SpecialProcedure.choices, *extra]
        definition = self.initial.get("form_definition")
        if definition is not None and not isinstance(definition, str):
            self.initial["form_definition"] = json.dumps(definition, ensure_ascii=False, indent=2)

    def clean_result_sample(self) -> Any:
        return _new_upload(self.cleaned_data.get("result_sample"))

    def clean_form_definition(self) -> list[Any]:
        text = (self.cleaned_data.get("form_definition") or "").strip()
        if not text:
            return []
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                gettext("不是有效的 JSON（第 %(lineno)s 行第 %(colno)s 列）。")
                % {"lineno": exc.lineno, "colno": exc.colno}
            ) from None
        if not isinstance(value, list):
            raise ValidationError(gettext("申请表单定义须为字段列表（以 [ 开头）。"))
        return value


class MaterialForm(_ModelFieldsForm):
    model = MaterialRequirement
    # Long text last, so the short fields sit side by side.
    model_fields = sorted(MATERIAL_FIELDS, key=lambda name: name in ("acceptance_standard", "commitment_text"))

    original_name = forms.CharField(widget=forms.HiddenInput, required=False)
    blank_form = forms.FileField(
        label=gettext_lazy("上传空白表格"), required=False, widget=forms.FileInput, help_text=UPLOAD_HELP
    )
    clear_blank_form = forms.BooleanField(label=gettext_lazy("删除已上传的空白表格"), required=False)
    sample = forms.FileField(
        label=gettext_lazy("上传示例样表"), required=False, widget=forms.FileInput, help_text=UPLOAD_HELP
    )
    clear_sample = forms.BooleanField(label=gettext_lazy("删除已上传的示例样表"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FILE_FIELDS:  # nothing to delete where nothing was uploaded
            if not self.initial.get(name):
                del self.fields[f"clear_{name}"]

    def clean_blank_form(self) -> Any:
        return _new_upload(self.cleaned_data.get("blank_form"))

    def clean_sample(self) -> Any:
        return _new_upload(self.cleaned_data.get("sample"))


class SituationForm(ChineseLabels, forms.Form):
    question = forms.CharField(
        label=gettext_lazy("情形问题"), max_length=200, help_text=gettext_lazy("如：是否委托他人办理？")
    )


class SituationOptionForm(ChineseLabels, forms.Form):
    situation = forms.TypedChoiceField(label=gettext_lazy("所属情形"), coerce=int)
    label = forms.CharField(label=gettext_lazy("选项"), max_length=200)
    adds = forms.MultipleChoiceField(
        label=gettext_lazy("选择此项时增加的材料"), widget=forms.CheckboxSelectMultiple, required=False
    )
    drops = forms.MultipleChoiceField(
        label=gettext_lazy("选择此项时免交的材料"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, situations: list[tuple[int, str]], materials: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["situation"].choices = [("", gettext("请选择情形")), *situations]
        self.fields["adds"].choices = self.fields["drops"].choices = [(m, m) for m in materials]


class StepForm(_ModelFieldsForm):
    model = ProcessStep
    model_fields = ["kind", "limit_days", "description"]


class FeeForm(_ModelFieldsForm):
    model = Fee
    model_fields = ["name", "standard", "amount_yuan", "basis", "is_waivable"]


class FAQForm(_ModelFieldsForm):
    model = FAQ
    model_fields = ["question", "answer"]


def _formset(form: type[forms.Form], extra: int) -> type[forms.BaseFormSet]:
    # max_num with validate_max refuses an oversized post instead of writing a thousand rows;
    # absolute_max keeps Django from building (and re-rendering in the 400 page) its default 1,100
    # forms for a forged TOTAL_FORMS first.
    return forms.formset_factory(form, extra=extra, can_delete=True, max_num=100, validate_max=True, absolute_max=100)


MaterialFormSet = _formset(MaterialForm, extra=2)
SituationFormSet = _formset(SituationForm, extra=1)
OptionFormSet = _formset(SituationOptionForm, extra=2)
StepFormSet = _formset(StepForm, extra=1)
FeeFormSet = _formset(FeeForm, extra=1)
FAQFormSet = _formset(FAQForm, extra=1)

# Where a rule's error about a child list is shown.
SECTION_KEYS = ("materials", "situations", "steps", "fees", "faqs")


def _rows(formset: forms.BaseFormSet) -> list[tuple[int, dict[str, Any]]]:
    """(index, cleaned data) of the rows kept: neither deleted nor left empty."""
    return [
        (index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class DraftEditor:
    """The edit page's forms, as one unit: bind, validate, build the spec, show rule errors."""

    def __init__(self, *, item: ServiceItem, spec: dict[str, Any], data: Any = None, files: Any = None) -> None:
        self.item = item
        self.current_files = {m["name"]: {k: m[k] for k in FILE_FIELDS} for m in spec["materials"]}
        self.section_errors: dict[str, list[str]] = {}
        self.other_errors: list[str] = []
        initial = {**spec, "topics": spec["topics"]}
        self.item_form = ItemForm(data, files, initial=initial, prefix="item")
        self.materials = MaterialFormSet(
            data, files, prefix="materials", initial=[{**m, "original_name": m["name"]} for m in spec["materials"]]
        )
        self.situations = SituationFormSet(data, prefix="situations", initial=spec["situations"])
        situation_choices = [(i, s["question"]) for i, s in enumerate(spec["situations"], start=1)]
        situation_choices += [
            (i, gettext("新增情形（第 %(i)s 条）") % {"i": i})
            for i in range(len(spec["situations"]) + 1, self.situations.total_form_count() + 1)
        ]
        options_initial = [
            {**o, "situation": position}
            for position, s in enumerate(spec["situations"], start=1)
            for o in s.get("options", [])
        ]
        self.options = OptionFormSet(
            data,
            prefix="options",
            initial=options_initial,
            form_kwargs={"situations": situation_choices, "materials": self._material_names(data, spec)},
        )
        self.steps = StepFormSet(data, prefix="steps", initial=spec["steps"])
        self.fees = FeeFormSet(data, prefix="fees", initial=spec["fees"])
        self.faqs = FAQFormSet(data, prefix="faqs", initial=spec["faqs"])

    def _material_names(self, data: Any, spec: dict[str, Any]) -> list[str]:
        """Options may name the saved materials and those added in the same post."""
        names = [m["name"] for m in spec["materials"]]
        if data is not None:
            prefix = "materials-"
            for key, value in data.items():
                if key.startswith(prefix) and key.endswith("-name") and value.strip() and value.strip() not in names:
                    names.append(value.strip())
        return names

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self.item_form[name] for name in names]) for title, names in FIELDSETS]

    def material_rows(self) -> list[tuple[forms.Form, MaterialRequirement | None]]:
        """Each material form with the saved material it edits (for links to its current files)."""
        saved = {m.name: m for m in self.item.materials.all()}
        rows = []
        for form in self.materials.forms:
            original = form.initial.get("original_name") or (form["original_name"].value() if form.is_bound else "")
            rows.append((form, saved.get(original or "")))
        return rows

    @property
    def formsets(self) -> list[forms.BaseFormSet]:
        return [self.materials, self.situations, self.options, self.steps, self.fees, self.faqs]

    def is_valid(self) -> bool:
        valid = self.item_form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    def spec(self) -> dict[str, Any]:
        """The spec of the posted draft (call after is_valid)."""
        data = self.item_form.cleaned_data
        spec: dict[str, Any] = {name: data[name] for name in ITEM_FIELDS}
        spec["topics"] = [t.code for t in data["topics"]]
        spec["form_definition"] = data["form_definition"]
        if data.get("result_sample"):
            spec["result_sample"] = data["result_sample"]
        elif data.get("clear_result_sample"):
            spec["result_sample"] = ""
        spec["materials"] = [self._material(row) for _, row in _rows(self.materials)]
        situations: dict[int, dict[str, Any]] = {}
        for index, row in _rows(self.situations):
            situations[index + 1] = {"question": row["question"], "options": []}
        for index, row in _rows(self.options):
            owner = situations.get(row["situation"])
            if owner is None:
                self.options.forms[index].add_error("situation", gettext("所选情形不存在或已删除。"))
                raise ValidationError({"situations": [gettext("有选项所属的情形不存在或已删除。")]})
            owner["options"].append({"label": row["label"], "adds": row["adds"], "drops": row["drops"]})
        spec["situations"] = list(situations.values())
        spec["steps"] = [{k: row[k] for k in StepForm.model_fields} for _, row in _rows(self.steps)]
        spec["fees"] = [{k: row[k] for k in FeeForm.model_fields} for _, row in _rows(self.fees)]
        spec["faqs"] = [{k: row[k] for k in FAQForm.model_fields} for _, row in _rows(self.faqs)]
        return spec

    def _material(self, row: dict[str, Any]) -> dict[str, Any]:
        material = {k: row[k] for k in MATERIAL_FIELDS}
        kept = self.current_files.get(row.get("original_name") or "", {})
        for name in FILE_FIELDS:
            if row.get(name):
                material[name] = row[name]
            elif row.get(f"clear_{name}"):
                material[name] = ""
            else:
                material[name] = kept.get(name) or ""
        return material

    def add_rule_errors(self, error: ValidationError) -> None:
        """Put the catalog rules' messages next to the fields they are about."""
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        for field, texts in messages.items():
            if field in SECTION_KEYS:
                self.section_errors.setdefault(field, []).extend(texts)
            elif field in self.item_form.fields:
                for text in texts:
                    self.item_form.add_error(field, text)
            else:
                self.other_errors.extend(texts)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) of every error, for the summary at the top of the page."""
        summary = []
        for name, errors in self.item_form.errors.items():
            anchor = f"id_item-{name}" if name in self.item_form.fields else "item-errors"
            label = str(self.item_form.fields[name].label or "") if name in self.item_form.fields else ""
            summary += [
                (
                    anchor,
                    (gettext("%(label)s：%(e)s") % {"label": label, "e": e})
                    if label and not e.startswith(label)
                    else e,
                )
                for e in errors
            ]
        for key, title, formset in (
            ("materials", gettext("申请材料"), self.materials),
            ("situations", gettext("办理情形"), self.situations),
            ("options", gettext("情形选项"), self.options),
            ("steps", gettext("审查环节"), self.steps),
            ("fees", gettext("收费项目"), self.fees),
            ("faqs", gettext("常见问题"), self.faqs),
        ):
            if not formset.is_bound:
                continue
            summary += [
                (f"section-{key}", gettext("%(title)s：%(e)s") % {"title": title, "e": e})
                for e in formset.non_form_errors()
            ]
            for position, form_errors in enumerate(formset.errors, start=1):
                summary += [
                    (
                        f"section-{key}",
                        gettext("%(title)s第 %(position)s 条：%(e)s") % {"title": title, "position": position, "e": e},
                    )
                    for errs in form_errors.values()
                    for e in errs
                ]
        for key, texts in self.section_errors.items():
            summary += [(f"section-{key}", t) for t in texts]
        summary += [("item-errors", t) for t in self.other_errors]
        return summary


class CreateItemForm(_ModelFieldsForm):
    """The first version: which basic item, which department, and what every rule needs."""

    model = ServiceItem
    model_fields = ["handling", "statutory_days", "promised_days", "is_immediate", "visits", "visits_reason"]

    basic_item = forms.ModelChoiceField(label=gettext_lazy("基本目录事项"), queryset=BasicItem.objects.none())
    department = forms.ModelChoiceField(label=gettext_lazy("实施机关"), queryset=Department.objects.none())
    service_objects = forms.MultipleChoiceField(
        label=gettext_lazy("服务对象"), choices=ServiceObject.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["basic_item"].queryset = BasicItem.objects.filter(item_type__in=APPLIED_FOR_TYPES).order_by("code")
        self.fields["department"].queryset = departments.select_related("region")
        order = ["basic_item", "department", *self.model_fields, "service_objects"]
        self.fields = {name: self.fields[name] for name in order}

    def spec(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in [*self.model_fields, "service_objects"]}


class ReturnForm(ChineseLabels, forms.Form):
    # Blank is refused by the service (422) with the message the editor needs.
    comment = forms.CharField(
        label=gettext_lazy("审核意见"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False
    )


class LifecycleForm(ChineseLabels, forms.Form):
    lifecycle = forms.ChoiceField(label=gettext_lazy("事项状态"), choices=ServiceItem.Lifecycle.choices)
    effective_on = forms.DateField(label=gettext_lazy("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=gettext_lazy("变更原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False
    )


class DiffForm(ChineseLabels, forms.Form):
    old = forms.TypedChoiceField(label=gettext_lazy("比较版本"), coerce=int)
    new = forms.TypedChoiceField(label=gettext_lazy("对照版本"), coerce=int)

    def __init__(self, *args: Any, versions: list[ServiceItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                v.version,
                gettext("第 %(version)s 版（%(status)s）") % {"version": v.version, "status": v.get_status_display()},
            )
            for v in versions
        ]
        self.fields["old"].choices = self.fields["new"].choices = choices


MEMBERS_HELP = gettext_lazy(
    "每行一个成员事项：实施编码、办理阶段（同一阶段并联办理），需要前序事项结果的再写前序事项的实施编码"
    "（多个以逗号分隔），以空格分隔。例如：3201…01 2 3201…02"
)


class BundleForm(ChineseLabels, forms.Form):
    """A bundle's own fields and its members, one line each (catalog.bundle_services checks the rest)."""

    department = forms.ModelChoiceField(label=gettext_lazy("牵头部门"), queryset=Department.objects.none())
    name = forms.CharField(label=gettext_lazy("一件事名称"), max_length=200)
    audience = forms.ChoiceField(label=gettext_lazy("服务对象"), choices=Topic.Audience.choices)
    summary = forms.CharField(
        label=gettext_lazy("概述"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    acceptance_conditions = forms.CharField(
        label=gettext_lazy("一件事共同条件"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    process_description = forms.CharField(
        label=gettext_lazy("办理流程"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    promised_days = forms.IntegerField(label=gettext_lazy("承诺办结时限（工作日）"), min_value=0, max_value=999)
    place = forms.CharField(label=gettext_lazy("办理地点"), max_length=200, required=False)
    office_hours = forms.CharField(label=gettext_lazy("办理时间"), max_length=200, required=False)
    consult_phone = forms.CharField(label=gettext_lazy("咨询电话"), max_length=30, required=False)
    complaint_phone = forms.CharField(label=gettext_lazy("监督投诉电话"), max_length=30, required=False)
    keywords = forms.CharField(label=gettext_lazy("关键词"), max_length=300, required=False)
    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("主题"), queryset=Topic.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    members = forms.CharField(
        label=gettext_lazy("成员事项"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MEMBERS_HELP,
        max_length=5000,
    )

    def __init__(self, *args: Any, departments: QuerySet[Department] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is None:  # editing: the lead department is fixed at creation
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments.select_related("region")

    def clean_members(self) -> list[dict[str, Any]]:
        rows = []
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            words = line.replace("，", ",").split()
            if not words:
                continue
            if len(words) > 3 or (len(words) > 1 and not (words[1].isascii() and words[1].isdigit())):
                raise ValidationError(
                    gettext("第 %(number)s 行格式不对：应为“实施编码 阶段 [前序实施编码,…]”，阶段为数字。")
                    % {"number": number}
                )
            needs = [c.strip() for c in words[2].split(",") if c.strip()] if len(words) == 3 else []
            rows.append(
                {"item_code": words[0], "stage": int(words[1]) if len(words) > 1 else 1, "needs_results_of": needs}
            )
        if not rows:
            raise ValidationError(gettext("请至少填写一个成员事项。"))
        return rows

    def spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        spec = {name: data[name] for name in self.fields if name not in ("department", "topics")}
        spec["topics"] = [t.code for t in data["topics"]]
        return spec

    @staticmethod
    def initial_of(spec: dict[str, Any]) -> dict[str, Any]:
        lines = [
            " ".join([m["item_code"], str(m["stage"]), ",".join(m["needs_results_of"])]).strip()
            for m in spec["members"]
        ]
        return {**spec, "members": "\n".join(lines), "topics": Topic.objects.filter(code__in=spec["topics"])}
