"""Consistency rules of the catalog (DOMAIN.md, "The catalog").

One function per object, each collecting every problem at once, so an editor or an import report
sees the whole list rather than the first error. Messages are written for the editor.
"""

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from catalog.models import APPLIED_FOR_TYPES, BasicItem, CatalogLevel, ServiceItem, ServiceObject, SpecialProcedure

LEVEL_RANK = {CatalogLevel.NATIONAL: 0, CatalogLevel.PROVINCIAL: 1, CatalogLevel.CITY: 2, CatalogLevel.COUNTY: 3}
FORM_FIELD_TYPES = {
    "text",
    "textarea",
    "number",
    "date",
    "select",
    "radio",
    "checkbox",
    "id_number",
    "uscc",
    "phone",
    "email",
}
FORM_VALIDATORS = {"", "resident_id", "uscc", "phone"}


class Problems:
    """Collects messages per field and raises one ValidationError."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = defaultdict(list)

    def add(self, field: str, message: str) -> None:
        self.by_field[field].append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(dict(self.by_field))


def validate_basic_item(basic: BasicItem) -> None:
    """四级四同: a claimed item keeps the upper item's name, code, type and basis."""
    problems = Problems()
    upper = basic.claims
    if upper is not None:
        if basic.is_locally_established:
            problems.add("claims", gettext("地方自行设立的事项不能认领上级事项。"))
        if LEVEL_RANK[upper.level] >= LEVEL_RANK[basic.level]:
            problems.add("claims", gettext("只能认领更高层级的基本目录事项。"))
        for field, label in (
            ("name", gettext("事项名称")),
            ("code", gettext("基本编码")),
            ("item_type", gettext("事项类型")),
            ("basis", gettext("设定依据")),
        ):
            if getattr(basic, field) != getattr(upper, field):
                problems.add(
                    field,
                    gettext("四级四同：%(label)s须与认领的上级事项一致（%(getattr)s）。")
                    % {"label": label, "getattr": getattr(upper, field)},
                )
    elif basic.level != CatalogLevel.NATIONAL and not basic.is_locally_established:
        problems.add("claims", gettext("非国家级事项须认领上级事项，或标明为地方自行设立。"))
    problems.raise_if_any()


def validate_service_item(item: ServiceItem, *, children: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """All rules over one item version and its materials, steps, fees and form.

    The children are read from the database for a saved version; ``children`` (a spec's
    ``materials``, ``steps`` and ``fees`` lists) checks an unsaved one in memory, as the bulk
    import does, by the same rules.
    """
    problems = Problems()
    if children is None and item.pk:
        children = {
            "materials": list(item.materials.values("name", "allows_commitment", "commitment_text")),
            "steps": list(item.steps.values("kind", "limit_days")),
            "fees": list(item.fees.values("name")),
        }
    _check_identity(item, problems)
    _check_limits(item, problems, children)
    _check_channels(item, problems)
    _check_fee_and_result(item, problems, children)
    _check_form_definition(item.form_definition, problems)
    problems.raise_if_any()


def _check_identity(item: ServiceItem, problems: Problems) -> None:
    if item.item_type not in APPLIED_FOR_TYPES:
        problems.add(
            "item_type", gettext("门户只受理依申请事项（许可、确认、裁决、给付、奖励、备案、其他、公共服务）。")
        )
    if item.item_type != item.basic_item.item_type:
        problems.add(
            "item_type",
            gettext("事项类型须与基本目录一致（%(item_type)s）。")
            % {"item_type": item.basic_item.get_item_type_display()},
        )
    if item.region_id != item.department.region_id:
        problems.add("region", gettext("行政区划须为实施机关所在区划。"))
    objects = item.service_objects or []
    if not objects:
        problems.add("service_objects", gettext("请至少选择一类服务对象。"))
    elif set(objects) - set(ServiceObject.values):
        problems.add("service_objects", gettext("服务对象含有无效的取值。"))
    unknown = [kind for kind in item.special_procedures or [] if kind not in SpecialProcedure.values]
    if unknown:
        names, allowed = "、".join(map(str, unknown)), "、".join(map(str, SpecialProcedure.labels))
        problems.add(
            "special_procedures",
            gettext("特别程序“%(names)s”不是可选的类型，可选：%(allowed)s。") % {"names": names, "allowed": allowed},
        )


DEFERRAL_MAX_WORKDAYS = 30
COMMITMENT_CHECK_MAX_WORKDAYS = 60


def _check_limits(item: ServiceItem, problems: Problems, children: dict[str, list[dict[str, Any]]] | None) -> None:
    if not 1 <= item.deferral_workdays <= DEFERRAL_MAX_WORKDAYS:
        problems.add(
            "deferral_workdays", gettext("容缺后补期限应为 1–%(max)s 个工作日。") % {"max": DEFERRAL_MAX_WORKDAYS}
        )
    if not 1 <= item.commitment_check_workdays <= COMMITMENT_CHECK_MAX_WORKDAYS:
        problems.add(
            "commitment_check_workdays",
            gettext("告知承诺核查期限应为 1–%(max)s 个工作日。") % {"max": COMMITMENT_CHECK_MAX_WORKDAYS},
        )
    if item.promised_unit != item.statutory_unit:
        problems.add("promised_unit", gettext("承诺时限与法定时限须使用相同的计量单位。"))
    elif item.promised_days > item.statutory_days:
        problems.add(
            "promised_days",
            gettext("承诺办结时限（%(promised_days)s）不得超过法定办结时限（%(statutory_days)s）。")
            % {"promised_days": item.promised_days, "statutory_days": item.statutory_days},
        )
    if item.is_immediate != (item.promised_days == 0):
        problems.add("is_immediate", gettext("即办件的承诺时限应为 0；承诺时限为 0 的事项应标为即办件。"))
    if item.statutory_days == 0 and not item.is_immediate:
        problems.add("statutory_days", gettext("非即办件须填写法定办结时限。"))
    if children is not None:
        for material in children.get("materials", []):
            if material.get("allows_commitment") and not material.get("commitment_text"):
                problems.add("materials", f"材料“{material.get('name', '')}”可告知承诺，请填写承诺内容及依据。")
        steps = children.get("steps", [])
        total = sum(step.get("limit_days", 1) for step in steps)
        if steps and total > item.promised_days and not item.is_immediate:
            problems.add(
                "steps",
                gettext("各审查环节时限之和（%(total)s）不得超过承诺办结时限（%(promised_days)s）。")
                % {"total": total, "promised_days": item.promised_days},
            )
        kinds = [step.get("kind") for step in steps]
        if len(kinds) != len(set(kinds)):
            problems.add("steps", gettext("同一审查环节不能重复设置。"))


def _check_channels(item: ServiceItem, problems: Problems) -> None:
    online = item.accepts_on_pc or item.accepts_on_mobile
    if item.online_depth == ServiceItem.OnlineDepth.FULLY_ONLINE and item.visits != 0:
        problems.add("visits", gettext("全程网办（Ⅳ级）事项的到现场次数应为 0。"))
    if item.online_depth >= ServiceItem.OnlineDepth.ONLINE_PREREVIEW and not online:
        problems.add("online_depth", gettext("网上办理深度为Ⅲ级及以上的事项须开通网上或掌上办理渠道。"))
    if item.visits == 0 and not online and not item.accepts_by_post:
        problems.add("accepts_by_post", gettext("零跑动且不能网上办理的事项须支持邮寄办理。"))
    if item.visits > 3:
        problems.add("visits", gettext("到办事现场次数应为 0–3 次。"))
    if item.visits > 0 and not item.visits_reason.strip():
        problems.add("visits_reason", gettext("需要到现场办理的，请说明到现场的原因。"))
    if not (item.accepts_at_window or online or item.accepts_by_post):
        problems.add("accepts_at_window", gettext("请至少开通一种办理渠道。"))


def _check_fee_and_result(
    item: ServiceItem, problems: Problems, children: dict[str, list[dict[str, Any]]] | None
) -> None:
    if not item.has_fee and item.supports_online_payment:
        problems.add("supports_online_payment", gettext("不收费的事项不能开通网上支付。"))
    fees = None if children is None else children.get("fees", [])
    if fees is not None and item.has_fee and not fees:
        problems.add("fees", gettext("收费事项须列明收费项目、标准和依据。"))
    if fees is not None and not item.has_fee and fees:
        problems.add("fees", gettext("不收费的事项不应列出收费项目。"))
    if item.result_name.strip() and not item.result_sample:
        problems.add("result_sample", gettext("填写了审批结果名称的，须上传审批结果样本。"))
    if item.consult_phone and item.consult_phone == item.complaint_phone:
        problems.add("complaint_phone", gettext("监督投诉电话不能与咨询电话相同。"))


def _check_form_definition(fields: Any, problems: Problems) -> None:
    if not isinstance(fields, list):
        problems.add("form_definition", gettext("申请表单定义须为字段列表。"))
        return
    seen: set[str] = set()
    for position, field in enumerate(fields, start=1):
        if not isinstance(field, dict):
            problems.add("form_definition", gettext("第 %(position)s 个字段格式不正确。") % {"position": position})
            continue
        name, label, kind = field.get("name", ""), field.get("label", ""), field.get("type", "")
        if not name or not label:
            problems.add("form_definition", gettext("第 %(position)s 个字段缺少名称或标签。") % {"position": position})
        if name in seen:
            problems.add("form_definition", gettext("字段名称“%(name)s”重复。") % {"name": name})
        seen.add(name)
        if kind not in FORM_FIELD_TYPES:
            problems.add(
                "form_definition",
                gettext("字段“%(value)s”的类型“%(kind)s”不受支持。") % {"value": label or name, "kind": kind},
            )
        if kind in {"select", "radio", "checkbox"} and not field.get("options"):
            problems.add("form_definition", gettext("选择类字段“%(value)s”须提供选项。") % {"value": label or name})
        if field.get("validator", "") not in FORM_VALIDATORS:
            problems.add(
                "form_definition",
                gettext("字段“%(value)s”的校验规则“%(get)s”不受支持。")
                % {"value": label or name, "get": field.get("validator")},
            )
