"""The validation of rows: each row read into a plan (the item spec), checked by catalog.rules."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from catalog import access, rules, services
from catalog.imports.cells import CellError, read_cell
from catalog.imports.layout import (
    BASIC_CODE,
    CHILD_BY_KEY,
    CODE,
    DEPARTMENT_USCC,
    FIELD_HEADERS,
    ITEM_COLUMNS,
    KEY,
    MAX_CELL_CHARS,
    MAX_ENTRIES_PER_LIST,
)
from catalog.imports.reading import ParsedFile, Problem, RawRow
from catalog.models import (
    BasicItem,
    Department,
    ServiceItem,
    Topic,
)

logger = logging.getLogger(__name__)


# --- Planning rows -----------------------------------------------------------------------------
@dataclass
class RowPlan:
    """What one row will write: a new item or a new draft version of ``existing``."""

    row: int
    name: str
    basic_item: BasicItem
    department: Department
    existing: ServiceItem | None
    spec: dict[str, Any]


@dataclass
class Lookups:
    """Everything rows refer to, fetched in a few queries for the whole file."""

    departments: dict[str, Department]
    editable_ids: set[int]
    basic_items: dict[str, list[BasicItem]]
    published: dict[str, ServiceItem]
    open_drafts: set[str]
    known_codes: dict[str, int]  # code → department id, for codes with any version
    topics: dict[str, str]

    @classmethod
    def for_rows(cls, rows: list[RawRow], actor: Any) -> "Lookups":
        usccs = {r.values.get(DEPARTMENT_USCC, "").strip().upper() for r in rows} - {""}
        basic_codes = {r.values.get(BASIC_CODE, "").strip() for r in rows} - {""}
        codes = {r.values.get(CODE, "").strip() for r in rows} - {""}
        basic_items: dict[str, list[BasicItem]] = defaultdict(list)
        for basic in BasicItem.objects.filter(code__in=basic_codes).select_related("region"):
            basic_items[basic.code].append(basic)
        versions = ServiceItem.objects.filter(code__in=codes)
        topics: dict[str, str] = {}
        for topic in Topic.objects.all():
            topics.setdefault(topic.name, topic.code)
            topics[topic.code] = topic.code
        return cls(
            departments={d.uscc: d for d in Department.objects.filter(uscc__in=usccs).select_related("region__parent")},
            editable_ids=set(access.editable_departments(actor).values_list("pk", flat=True)),
            basic_items=basic_items,
            published={
                i.code: i
                for i in versions.filter(status=ServiceItem.Status.PUBLISHED).select_related("basic_item", "department")
            },
            open_drafts=set(
                versions.filter(status__in=[ServiceItem.Status.DRAFT, ServiceItem.Status.PENDING_APPROVAL]).values_list(
                    "code", flat=True
                )
            ),
            known_codes=dict(versions.values_list("code", "department_id")),
            topics=topics,
        )

    def basic_item_for(self, code: str, department: Department) -> BasicItem | None:
        """The basic item with this code nearest the department's region: its own, then upwards, then national."""
        candidates = self.basic_items.get(code, [])
        chain = [department.region, *reversed(department.region.ancestors())]
        for region in chain:
            for basic in candidates:
                if basic.region_id == region.pk:
                    return basic
        return next((b for b in candidates if b.region_id is None), None)


class _RowProblems:
    """The problems of one item row (and its child entries), named after the row's item."""

    def __init__(self, sheet: str, raw: RawRow) -> None:
        self.sheet = sheet
        self.raw = raw
        self.items: list[Problem] = []
        self.name = raw.values.get("事项名称", "").strip()[:200]

    def add(self, field_name: str, message: str, *, sheet: str | None = None, row: int | None = None) -> None:
        self.items.append(Problem(sheet or self.sheet, row or self.raw.row, self.name, field_name, message))


def _read_children(raw: RawRow, key: str, report: _RowProblems, topics: dict[str, str]) -> list[dict[str, Any]]:
    child = CHILD_BY_KEY[key]
    entries = raw.children.get(key, [])
    if len(entries) > MAX_ENTRIES_PER_LIST:
        report.add(
            child.sheet,
            gettext("条目过多（%(len)s 条），每个事项最多 %(MAX_ENTRIES_PER_LIST)s 条。")
            % {"len": len(entries), "MAX_ENTRIES_PER_LIST": MAX_ENTRIES_PER_LIST},
        )
        return []
    values_list = []
    for entry in entries:
        values: dict[str, Any] = {}
        for column in child.columns:
            try:
                values[column.field] = read_cell(column, entry.values.get(column.header, ""), topics)
            except CellError as exc:
                report.add(f"{entry.where}·{column.header}", str(exc), sheet=entry.sheet, row=entry.row)
        values_list.append(values)
    return values_list


def _situations(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Option rows grouped into situations by their question, in the order questions first appear."""
    situations: dict[str, dict[str, Any]] = {}
    for option in options:
        situation = situations.setdefault(option["question"], {"question": option["question"], "options": []})
        if option["label"]:
            situation["options"].append({"label": option["label"], "adds": option["adds"], "drops": option["drops"]})
    return list(situations.values())


def _plan_row(raw: RawRow, parsed: ParsedFile, lookups: Lookups, report: _RowProblems) -> RowPlan | None:
    values = raw.values
    for header, text in values.items():
        if len(text) > MAX_CELL_CHARS:
            report.add(
                header,
                gettext("内容过长（%(len)s 字），单元格最多 %(MAX_CELL_CHARS)s 字。")
                % {"len": len(text), "MAX_CELL_CHARS": MAX_CELL_CHARS},
            )
            return None
    # Identity: department, basic item, existing item.
    uscc = values.get(DEPARTMENT_USCC, "").strip().upper()
    department = lookups.departments.get(uscc)
    if not uscc:
        report.add(DEPARTMENT_USCC, gettext("此项必填。"))
    elif department is None:
        report.add(DEPARTMENT_USCC, gettext("未找到统一社会信用代码为“%(uscc)s”的实施机关。") % {"uscc": uscc})
    elif department.pk not in lookups.editable_ids:
        report.add(
            DEPARTMENT_USCC,
            gettext("您无权编辑“%(department)s”的事项，只能导入本部门（或经授权部门）的事项。")
            % {"department": department},
        )
        department = None
    basic_code = values.get(BASIC_CODE, "").strip()
    basic_item = lookups.basic_item_for(basic_code, department) if department and basic_code else None
    if not basic_code:
        report.add(BASIC_CODE, gettext("此项必填。"))
    elif department is not None and basic_item is None:
        report.add(
            BASIC_CODE,
            gettext("未找到基本编码为“%(basic_code)s”的基本目录事项（按实施机关所在区划及其上级查找）。")
            % {"basic_code": basic_code},
        )
    code = values.get(CODE, "").strip()
    existing = None
    if code:
        existing = lookups.published.get(code)
        owner = lookups.known_codes.get(code)
        if owner is None:
            report.add(CODE, gettext("未找到实施编码为“%(code)s”的事项；新建事项请将实施编码留空。") % {"code": code})
        elif department is not None and owner != department.pk:
            report.add(CODE, gettext("实施编码对应的事项不属于本行填写的实施机关。"))
        elif code in lookups.open_drafts:
            report.add(CODE, gettext("该事项已有未发布的草稿或待审核版本，请先处理后再导入新版本。"))
        elif existing is None:
            report.add(CODE, gettext("该事项没有已发布的版本，无法在其基础上新建草稿。"))
        elif basic_item is not None and existing.basic_item.code != basic_item.code:
            report.add(
                BASIC_CODE,
                gettext("已有事项的基本编码为“%(code)s”，导入不能更改基本编码。") % {"code": existing.basic_item.code},
            )
    # Fields: only the columns the file has; a missing column keeps the existing version's value.
    spec: dict[str, Any] = {}
    for column in ITEM_COLUMNS:
        if column.header not in parsed.headers:
            continue
        try:
            spec[column.field] = read_cell(column, values.get(column.header, ""), lookups.topics)
        except CellError as exc:
            report.add(column.header, str(exc))
    if basic_item is not None:
        for fallback in ("item_type", "basis"):
            if fallback in spec and not spec[fallback]:
                spec[fallback] = getattr(basic_item, fallback)
    # The item's own rules need every item cell read; a bad material cell does not hide them.
    item_cells_read = not report.items
    for key in parsed.child_keys:
        entries = _read_children(raw, key, report, lookups.topics)
        spec[key] = _situations(entries) if key == "situations" else entries
    _check_material_names(spec, report)
    if not item_cells_read or department is None or basic_item is None:
        return None
    if existing is None:
        spec.setdefault("item_type", basic_item.item_type)
        spec.setdefault("basis", basic_item.basis)
    plan = RowPlan(raw.row, report.name, basic_item, department, existing, spec)
    _check_item_rules(plan, report)
    return None if report.items else plan


def _check_material_names(spec: dict[str, Any], report: _RowProblems) -> None:
    if "materials" not in spec:
        return
    names = [m.get("name", "") for m in spec["materials"]]
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        report.add(
            gettext("材料"),
            gettext("材料名称重复：%(join)s（情形按名称引用材料，名称须唯一）。") % {"join": "、".join(duplicated)},
        )
    for situation in spec.get("situations", []):
        for option in situation["options"]:
            for name in (*option["adds"], *option["drops"]):
                if name not in names:
                    report.add(
                        gettext("情形"),
                        gettext("情形“%(question)s”的选项“%(label)s”引用了不存在的材料“%(name)s”。")
                        % {"question": situation["question"], "label": option["label"], "name": name},
                    )


def _check_item_rules(plan: RowPlan, report: _RowProblems) -> None:
    """catalog.rules on an unsaved item built from the row (and the version it continues)."""
    base: dict[str, Any] = {}
    if plan.existing is not None:
        excluded = services.SPEC_EXCLUDED_FIELDS | {"basic_item", "department", "region"}
        base = {
            f.attname: getattr(plan.existing, f.attname)
            for f in ServiceItem._meta.concrete_fields
            if f.name not in excluded
        }
    fields = {k: v for k, v in plan.spec.items() if k not in services.CHILD_KEYS}
    preview = ServiceItem(
        **{**base, **fields}, basic_item=plan.basic_item, department=plan.department, region=plan.department.region
    )
    try:
        rules.validate_service_item(preview)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            for message in messages:
                report.add(FIELD_HEADERS.get(field_name, field_name), message)


def plan_rows(parsed: ParsedFile, actor: Any) -> tuple[list[RowPlan], list[Problem]]:
    """Read and check every row without writing; the plans of the rows that passed, and all problems."""
    lookups = Lookups.for_rows(parsed.rows, actor)
    problems = list(parsed.problems)
    plans: list[RowPlan] = []
    seen_keys: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for raw in parsed.rows:
        report = _RowProblems(parsed.sheet, raw)
        key = raw.values.get(KEY, "").strip()
        code = raw.values.get(CODE, "").strip()
        if not key:
            report.add(KEY, gettext("此项必填。"))
        elif key in seen_keys:
            report.add(
                KEY, gettext("序号“%(key)s”与第 %(seen_keys)s 行重复。") % {"key": key, "seen_keys": seen_keys[key]}
            )
        seen_keys.setdefault(key, raw.row)
        if code and code in seen_codes:
            report.add(
                CODE,
                gettext("实施编码“%(code)s”与第 %(seen_codes)s 行重复，同一事项在一个文件中只能出现一次。")
                % {"code": code, "seen_codes": seen_codes[code]},
            )
        if code:
            seen_codes.setdefault(code, raw.row)
        plan = _plan_row(raw, parsed, lookups, report)
        problems += report.items
        if plan is not None and not report.items:
            plans.append(plan)
    return plans, problems
