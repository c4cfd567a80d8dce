"""The vocabulary the item templates are written in: materials, form fields and the template itself.

A template describes one basic item and how a county implements it; ``catalog.demo.loader`` turns it
into a spec for ``catalog.services.write_item_version``, once per implementing department.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.models import MaterialRequirement, ServiceItem, ServiceObject

Form = MaterialRequirement.Form
Necessity = MaterialRequirement.Necessity
Source = MaterialRequirement.Source
Handling = ServiceItem.Handling
TimeUnit = ServiceItem.TimeUnit
ResultType = ServiceItem.ResultType
CrossRegion = ServiceItem.CrossRegion

PERSON = "person"
BUSINESS = "business"

# Channel presets (网上办理深度 and visits follow catalog.rules by construction).
ONLINE = "online"  # Ⅳ 全程网办: PC and mobile, no visit, results by post or as e-licence
PREREVIEW = "prereview"  # Ⅲ 在线预审: apply online, one visit to show originals or collect
WINDOW = "window"  # Ⅱ 在线预约/下载表格: apply at the window


def material(
    name: str,
    *,
    kind: str = "原件",
    form: str = Form.BOTH,
    necessity: str = Necessity.REQUIRED,
    originals: int = 1,
    copies: int = 0,
    source: str = Source.APPLICANT,
    issuer: str = "",
    license_code: str = "",
    standard: str = "",
    basis: str = "",
    notes: str = "",
    situational: bool = False,
    blank: bool = False,
    sample: bool = False,
) -> dict[str, Any]:
    """One material of a spec. ``blank``/``sample`` ask the loader to attach a generated PDF."""
    return {
        "name": name,
        "material_type": kind,
        "form": form,
        "necessity": necessity,
        "originals": originals,
        "copies": copies,
        "source": source,
        "issuing_body": issuer,
        "license_code": license_code,
        "acceptance_standard": standard,
        "basis": basis,
        "notes": notes,
        "is_situational": situational,
        "_blank": blank,
        "_sample": sample,
    }


def application_form(title: str, **kw: Any) -> dict[str, Any]:
    """The item's own application form: a blank form and a filled-in sample to download."""
    kw.setdefault("standard", "填写完整、准确，申请人签字（盖章）")
    return material(title, kind="表格", blank=True, sample=True, **kw)


def id_card(name: str = "申请人居民身份证", **kw: Any) -> dict[str, Any]:
    """已归集为电子证照：通过电子证照库调取的，免于提交（免证办）."""
    kw.setdefault("standard", "真实有效，在有效期内")
    kw.setdefault("notes", "可通过电子证照库调取，调取成功的免于提交")
    return material(name, kind="证照", source=Source.LICENSE, issuer="公安机关", license_code="居民身份证", **kw)


def household_register(name: str = "居民户口簿", **kw: Any) -> dict[str, Any]:
    kw.setdefault("notes", "可通过电子证照库调取，调取成功的免于提交")
    return material(name, kind="证照", source=Source.LICENSE, issuer="公安机关", license_code="居民户口簿", **kw)


def business_license(**kw: Any) -> dict[str, Any]:
    kw.setdefault("notes", "可通过电子证照库调取，调取成功的免于提交")
    return material(
        "营业执照", kind="证照", source=Source.LICENSE, issuer="市场监督管理部门", license_code="营业执照", **kw
    )


def agent_papers(name: str = "委托书及代理人身份证明") -> dict[str, Any]:
    """Asked only when the applicant chooses to send someone."""
    return material(
        name,
        kind="原件",
        situational=True,
        blank=True,
        standard="委托书载明委托事项、权限和期限，委托人签字；代理人身份证件在有效期内",
        notes="委托他人代为办理的提交",
    )


def field_def(
    name: str,
    label: str,
    kind: str = "text",
    *,
    required: bool = True,
    options: list[str] | None = None,
    validator: str = "",
) -> dict[str, Any]:
    """One field of the intake form (catalog.rules.FORM_FIELD_TYPES / FORM_VALIDATORS)."""
    definition: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": required}
    if options:
        definition["options"] = options
    if validator:
        definition["validator"] = validator
    return definition


PERSON_FIELDS = [
    field_def("applicant_name", "申请人姓名"),
    field_def("applicant_id_number", "公民身份号码", "id_number", validator="resident_id"),
    field_def("applicant_phone", "手机号码", "phone", validator="phone"),
    field_def("applicant_address", "联系地址", required=False),
]
BUSINESS_FIELDS = [
    field_def("organization_name", "单位名称"),
    field_def("organization_uscc", "统一社会信用代码", "uscc", validator="uscc"),
    field_def("legal_representative", "法定代表人（负责人）"),
    field_def("agent_name", "经办人姓名"),
    field_def("agent_id_number", "经办人公民身份号码", "id_number", validator="resident_id"),
    field_def("agent_phone", "经办人手机号码", "phone", validator="phone"),
]


def fee(name: str, standard: str, amount: str | None, basis: str, *, waivable: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "standard": standard,
        "amount_yuan": Decimal(amount) if amount is not None else None,
        "basis": basis,
        "is_waivable": waivable,
    }


def situation(question: str, *options: tuple[str, list[str], list[str]]) -> dict[str, Any]:
    """A question; each option is (label, materials it adds, materials it drops)."""
    return {
        "question": question,
        "options": [{"label": label, "adds": adds, "drops": drops} for label, adds, drops in options],
    }


@dataclass(frozen=True)
class ItemTemplate:
    key: str
    name: str
    basic_code: str  # 基本编码, the same at every level (四级四同)
    item_type: str
    basis: str
    authority: str  # 主管部门 of the national basic item
    owners: tuple[str, ...]  # implementing departments (catalog.demo.places keys)
    audience: str
    statutory_days: int
    promised_days: int
    materials: list[dict[str, Any]]
    handling: str = Handling.NEW
    unit: str = TimeUnit.WORKDAY
    steps: list[tuple[str, int, str]] | None = None  # (kind, limit, description); None: derived
    channel: str = PREREVIEW
    visits: int | None = None
    visits_reason: str = ""
    result: tuple[str, str] | None = None  # (name, ResultType)
    fees: list[dict[str, Any]] = field(default_factory=list)
    situations: list[dict[str, Any]] = field(default_factory=list)
    keywords: str = ""
    common_names: str = ""
    topics: tuple[str, ...] = ()
    faqs: list[tuple[str, str]] = field(default_factory=list)
    conditions: str = ""
    process: str = ""
    special_procedures: tuple[str, ...] = ()
    cross_region: str = CrossRegion.NONE
    service_objects: tuple[str, ...] | None = None
    extra_fields: list[dict[str, Any]] = field(default_factory=list)
    extension_days: int | None = None
    accepts_by_post: bool = False
    supports_self_service: bool = False
    is_locally_established: bool = False

    @property
    def is_immediate(self) -> bool:
        return self.promised_days == 0

    @property
    def objects(self) -> list[str]:
        if self.service_objects is not None:
            return list(self.service_objects)
        if self.audience == PERSON:
            return [ServiceObject.NATURAL_PERSON]
        return [ServiceObject.ENTERPRISE, ServiceObject.INSTITUTION, ServiceObject.SOCIAL_ORG]
