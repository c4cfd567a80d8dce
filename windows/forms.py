"""Forms of the clerk's workbench: they check the shape of the input; windows.services and
applications.services enforce the rules and their messages come back onto the fields."""

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy, ngettext

from applications.models import Application, Party
from catalog.models import MaterialRequirement, ServiceItem
from portal.forms import ChineseLabels
from portal.validators import validate_phone, validate_resident_id, validate_uscc
from windows.services import MAX_PIECES, Received


class WalkInForm(ChineseLabels, forms.Form):
    """窗口收件: who applies, the material checklist, the signed declaration.

    The item's own form is not part of it: its fields come from the catalog's form definition and are
    read and rendered as on the online draft page (applications.forms), then checked by
    applications.forms_runtime.validate_form_data in windows.services.file_walk_in.
    """

    applicant_kind = forms.ChoiceField(
        label=gettext_lazy("申请人类型"),
        choices=Party.Kind.choices,
        initial=Party.Kind.PERSON,
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label=gettext_lazy("申请人姓名或单位名称"), max_length=200)
    id_number = forms.CharField(
        label=gettext_lazy("公民身份号码或统一社会信用代码"),
        max_length=30,
        help_text=gettext_lazy("自然人填写居民身份证号码；单位填写统一社会信用代码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "id-number"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话（手机）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人（单位申请）"), max_length=50, required=False)
    agent_name = forms.CharField(label=gettext_lazy("经办人姓名（单位申请）"), max_length=50, required=False)
    agent_id_number = forms.CharField(
        label=gettext_lazy("经办人公民身份号码（单位申请）"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "id-number"}),
    )
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("结果送达方式"),
        choices=Application.DeliveryMethod.choices,
        initial=Application.DeliveryMethod.COLLECT,
    )
    delivery_address = forms.CharField(label=gettext_lazy("邮寄地址（邮寄送达时填写）"), max_length=300, required=False)
    declaration = forms.BooleanField(
        label=gettext_lazy("申请人已签字确认"),
        required=False,
        help_text=gettext_lazy("申请人已在承诺声明上签字：所填信息和提交材料真实有效，如有虚假愿承担法律责任。"),
    )
    ask_for_missing = forms.BooleanField(
        label=gettext_lazy("材料不全：登记已收材料，对缺少的必要材料当场出具一次性告知书"),
        required=False,
        help_text=gettext_lazy(
            "申请人未带齐必要材料时勾选；申请人补齐后在“收取补正材料”中收取（行政许可法第三十二条）。"
        ),
    )
    deferral_pledged = forms.BooleanField(
        label=gettext_lazy("容缺受理：申请人已签署容缺受理承诺书"),
        required=False,
        help_text=gettext_lazy(
            "标注“容缺后补”的材料未收取时勾选：申请人承诺在受理后期限内补交，补齐前不作出准予决定。"
        ),
    )
    commitment_signed = forms.BooleanField(
        label="告知承诺：申请人已阅知虚假承诺的法律后果并签署告知承诺书",
        required=False,
        help_text="勾选“以告知承诺代替”的材料不收取；审批机关受理后核查，承诺不实的依法撤销审批结果、记入信用记录。",
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, item: ServiceItem, materials: list[MaterialRequirement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item, self.materials = item, materials
        self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        for material in materials:
            self.fields[f"m{material.pk}_originals"] = forms.IntegerField(
                label=gettext("%(name)s：收取原件（份）") % {"name": material.name},
                min_value=0,
                max_value=MAX_PIECES,
                initial=0,
            )
            self.fields[f"m{material.pk}_copies"] = forms.IntegerField(
                label=gettext("%(name)s：收取复印件（份）") % {"name": material.name},
                min_value=0,
                max_value=MAX_PIECES,
                initial=0,
            )
            self.fields[f"m{material.pk}_scan"] = forms.FileField(
                label=gettext("%(name)s：扫描件（可选）") % {"name": material.name},
                required=False,
                help_text=gettext("PDF、JPEG、PNG 或 OFD，不超过 %(value)s MB。")
                % {"value": settings.UPLOAD_MAX_BYTES // 1048576},
            )
            if material.allows_commitment:
                self.fields[f"m{material.pk}_commit"] = forms.BooleanField(
                    label=f"{material.name}：以告知承诺代替", required=False
                )

    def clean_idempotency_key(self) -> str:
        try:
            return uuid.UUID(self.cleaned_data["idempotency_key"].strip()).hex
        except ValueError:
            raise ValidationError(gettext("页面已失效，请刷新后重新提交。"), code="bad_key") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, number = data.get("applicant_kind"), data.get("id_number", "")
        if kind and number:
            check = validate_uscc if kind == Party.Kind.ORGANIZATION else validate_resident_id
            try:
                data["id_number"] = check(number)
            except ValidationError as exc:
                self.add_error("id_number", exc.messages[0])
        if kind == Party.Kind.ORGANIZATION:
            if not data.get("agent_name", "").strip():
                self.add_error("agent_name", gettext("单位申请须填写经办人姓名。"))
            try:
                data["agent_id_number"] = validate_resident_id(data.get("agent_id_number", ""))
            except ValidationError as exc:
                self.add_error("agent_id_number", gettext("经办人：%(messages)s") % {"messages": exc.messages[0]})
        if data.get("phone"):
            try:
                data["phone"] = validate_phone(data["phone"])
            except ValidationError as exc:
                self.add_error("phone", exc.messages[0])
        return data

    IDENTITY_FIELDS = (
        "applicant_kind", "applicant_name", "id_number", "phone",
        "legal_representative", "agent_name", "agent_id_number",
    )  # fmt: skip

    def identity_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.IDENTITY_FIELDS]

    def has_commitable(self) -> bool:
        return any(m.allows_commitment for m in self.materials)

    def commitments(self) -> set[int]:
        """The materials the applicant signs a 告知承诺 for instead of handing them in."""
        return {m.pk for m in self.materials if self.cleaned_data.get(f"m{m.pk}_commit")}

    def has_deferrable(self) -> bool:
        return any(m.necessity == MaterialRequirement.Necessity.DEFERRABLE for m in self.materials)

    # What the services take, once the form is valid.

    def material_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "material": m,
                "originals": self[f"m{m.pk}_originals"],
                "copies": self[f"m{m.pk}_copies"],
                "scan": self[f"m{m.pk}_scan"],
                "commit": self[f"m{m.pk}_commit"] if m.allows_commitment else None,
            }
            for m in self.materials
        ]

    def received(self) -> Received:
        return {
            m.pk: (
                self.cleaned_data.get(f"m{m.pk}_originals") or 0,
                self.cleaned_data.get(f"m{m.pk}_copies") or 0,
                self.cleaned_data.get(f"m{m.pk}_scan"),
            )
            for m in self.materials
        }


class FeeForm(ChineseLabels, forms.Form):
    """Paid at the window (the payment's reference) or waived (the basis)."""

    paid_reference = forms.CharField(label=gettext_lazy("支付流水号"), max_length=64, required=False)
    waiver_basis = forms.CharField(label=gettext_lazy("减免依据"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("paid_reference", "").strip() and not data.get("waiver_basis", "").strip():
            raise ValidationError(gettext("请填写支付流水号，或填写减免依据。"))
        return data


class DeliveryForm(ChineseLabels, forms.Form):
    """出件: how the result leaves, and who collects it at the window."""

    method = forms.ChoiceField(
        label=gettext_lazy("送达方式"), choices=Application.DeliveryMethod.choices, widget=forms.RadioSelect
    )
    recipient_name = forms.CharField(label=gettext_lazy("领取人姓名"), max_length=50, required=False)
    recipient_id_number = forms.CharField(
        label=gettext_lazy("领取人身份证件号码"),
        max_length=30,
        required=False,
        help_text=gettext_lazy(
            "领取人本人的证件号码：申请人本人，单位办件为经办人或法定代表人；不填单位的统一社会信用代码。"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "id-number"}),
    )
    is_proxy = forms.BooleanField(label=gettext_lazy("他人代领（须提交授权委托书）"), required=False)
    proxy_letter = forms.FileField(
        label=gettext_lazy("授权委托书扫描件"), required=False, help_text=gettext_lazy("PDF、JPEG、PNG 或 OFD。")
    )
    tracking_number = forms.CharField(label=gettext_lazy("快递单号（邮寄送达）"), max_length=40, required=False)

    def __init__(self, *args: Any, originals: Iterable[MaterialRequirement] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An online case's paper originals, each ticked by the clerk once seen (windows.services).
        self.originals = list(originals)
        for requirement in self.originals:
            self.fields[f"original_{requirement.pk}"] = forms.BooleanField(
                label=ngettext(
                    "已核验“%(name)s”原件 %(originals)s 份",
                    "已核验“%(name)s”原件 %(originals)s 份",
                    requirement.originals,
                )
                % {"name": requirement.name, "originals": requirement.originals},
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["originals_checked"] = [r.pk for r in self.originals if data.pop(f"original_{r.pk}", False)]
        return data
