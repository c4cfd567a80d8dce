"""Export of the implementation list, and the import templates, in the layout of catalog.imports.

Both are written from the same columns the import reads, so an exported file imports back as new
draft versions equal to the published ones (files such as blank forms and samples excepted: a
spreadsheet cannot carry them, and the new versions keep the previous ones).
"""

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from catalog import access, services
from catalog.imports import (
    BASIC_CODE,
    CHILDREN,
    CODE,
    CSV_HEADERS,
    DEPARTMENT_USCC,
    ENTRY_SEPARATOR,
    FIELD_SEPARATORS,
    GUIDE_SHEET,
    IDENTITY_COLUMNS,
    ITEM_COLUMNS,
    ITEM_HEADERS,
    ITEM_SHEET,
    KEY,
    LIST_SEPARATOR,
    LIST_SEPARATORS,
    MAX_ROWS,
    NO,
    YES,
    ChildLayout,
    Column,
    choice_label,
    choice_labels,
    escape,
)
from catalog.models import BasicItem, Department, ServiceItem
from portal.spreadsheets import csv_row, xlsx_row

COMPACT_SPECIALS = (ENTRY_SEPARATOR, *FIELD_SEPARATORS)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F0F2F5")
REQUIRED_FILL = PatternFill("solid", fgColor="FDE8E8")


def cell_text(column: Column, value: Any, *, specials: tuple[str, ...] = ()) -> str:
    """A value as the import reads it back; ``specials`` are separators of an enclosing compact cell."""
    if value is None or value == "" or value == []:
        return ""
    if column.kind in ("text", "url"):
        return escape(str(value), specials) if specials else str(value)
    if column.kind == "int":
        return str(value)
    if column.kind == "decimal":
        return format(value, "f")
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "choice":
        return choice_label(column.choices, value)
    if column.kind == "multi":
        return LIST_SEPARATOR.join(choice_label(column.choices, v) for v in value)
    if column.kind in ("list", "names", "topics"):
        return LIST_SEPARATOR.join(escape(str(v), (*LIST_SEPARATORS, *specials)) for v in value)
    if column.kind == "json":
        text = json.dumps(value, ensure_ascii=False)
        return escape(text, specials) if specials else text
    raise ValueError(f"unknown column kind {column.kind!r}")


def child_entries(child: ChildLayout, spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A spec's list as the layout's rows; situations are flattened to one row per option."""
    if child.key != "situations":
        return list(spec.get(child.key, []))
    rows = []
    for situation in spec.get("situations", []):
        options = situation["options"] or [{"label": "", "adds": [], "drops": []}]
        rows += [{"question": situation["question"], **option} for option in options]
    return rows


def compact_cell(child: ChildLayout, entries: list[dict[str, Any]]) -> str:
    """A CSV cell: entries separated by "；", fields by "|", trailing blank fields left out."""
    texts = []
    for entry in entries:
        fields = [cell_text(c, entry.get(c.field), specials=COMPACT_SPECIALS) for c in child.columns]
        while fields and not fields[-1]:
            fields.pop()
        texts.append(FIELD_SEPARATORS[0].join(fields))
    return ENTRY_SEPARATOR.join(texts)


def item_cells(key: int, item: ServiceItem | None, spec: dict[str, Any], *, basic_code: str, uscc: str) -> list[str]:
    identity = {KEY: str(key), CODE: item.code if item else "", BASIC_CODE: basic_code, DEPARTMENT_USCC: uscc}
    return [identity[c.header] for c in IDENTITY_COLUMNS] + [cell_text(c, spec.get(c.field)) for c in ITEM_COLUMNS]


# --- Which items -----------------------------------------------------------------------------
def exportable_items(user: Any, department: Department | None = None) -> QuerySet[ServiceItem]:
    """The published items of the departments the user may edit (or of one of them)."""
    departments = access.editable_departments(user)
    if department is not None:
        departments = departments.filter(pk=department.pk)
    return (
        ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, department__in=departments)
        .select_related("basic_item", "department")
        .prefetch_related("materials", "steps", "fees", "faqs")
        .order_by("department__uscc", "code")
    )


def _rows(items: Iterable[ServiceItem]) -> Iterable[tuple[list[str], dict[str, list[dict[str, Any]]]]]:
    for key, item in enumerate(items, start=1):
        spec = services.item_spec(item)
        cells = item_cells(key, item, spec, basic_code=item.basic_item.code, uscc=item.department.uscc)
        yield cells, {child.key: child_entries(child, spec) for child in CHILDREN}


# --- Writing files ---------------------------------------------------------------------------
def _header_row(sheet: Any, headers: list[str], required: set[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if header in required else HEADER_FILL
        cells.append(cell)
    return cells


def _workbook(rows: Iterable[tuple[list[str], dict[str, list[dict[str, Any]]]]]) -> bytes:
    """An XLSX in the import layout, written in streaming mode (a county's 2,000 items or more)."""
    workbook = Workbook(write_only=True)
    _guide_sheet(workbook)
    required = {c.header for c in (*IDENTITY_COLUMNS, *ITEM_COLUMNS) if c.required}
    items = workbook.create_sheet(ITEM_SHEET)
    items.freeze_panes = "B2"
    items.append(_header_row(items, ITEM_HEADERS, required))
    children = {}
    for child in CHILDREN:
        sheet = workbook.create_sheet(child.sheet)
        sheet.freeze_panes = "B2"
        headers = [KEY, *(c.header for c in child.columns)]
        sheet.append(_header_row(sheet, headers, {KEY, *(c.header for c in child.columns if c.required)}))
        children[child.key] = sheet
    for cells, entries in rows:
        items.append(xlsx_row(items, cells))
        for child in CHILDREN:
            sheet = children[child.key]
            for entry in entries[child.key]:
                sheet.append(xlsx_row(sheet, [cells[0], *(cell_text(c, entry.get(c.field)) for c in child.columns)]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows: Iterable[tuple[list[str], dict[str, list[dict[str, Any]]]]]) -> bytes:
    """A CSV in the import layout, UTF-8 with a BOM so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADERS)
    for cells, entries in rows:
        writer.writerow(csv_row([*cells, *(compact_cell(child, entries[child.key]) for child in CHILDREN)]))
    return buffer.getvalue().encode("utf-8-sig")


def export_items_xlsx(items: Iterable[ServiceItem]) -> bytes:
    return _workbook(_rows(items))


def export_items_csv(items: Iterable[ServiceItem]) -> bytes:
    return _csv(_rows(items))


# --- Templates -------------------------------------------------------------------------------
def example_spec(basic_item: BasicItem | None) -> dict[str, Any]:
    """One example item with materials, a situation, steps and an FAQ: what a filled row looks like."""
    return {
        "name": basic_item.name if basic_item else "示例：食品经营许可（新办）",
        "handling": ServiceItem.Handling.NEW,
        "item_type": basic_item.item_type if basic_item else "01",
        "basis": basic_item.basis if basic_item else "《中华人民共和国食品安全法》第三十五条",
        "exercise_level": ServiceItem.ExerciseLevel.COUNTY,
        "service_objects": ["enterprise", "natural_person"],
        "acceptance_conditions": "申请人已取得营业执照，有与经营的食品品种、数量相适应的经营场所。",
        "statutory_days": 20,
        "statutory_unit": ServiceItem.TimeUnit.WORKDAY,
        "promised_days": 10,
        "promised_unit": ServiceItem.TimeUnit.WORKDAY,
        "is_immediate": False,
        "extension_days": 10,
        "special_procedures": ["site_inspection"],
        "has_fee": False,
        "accepts_at_window": True,
        "accepts_on_pc": True,
        "accepts_on_mobile": True,
        "online_depth": ServiceItem.OnlineDepth.ONLINE_PREREVIEW,
        "visits": 1,
        "visits_reason": "领取许可证时核验原件",
        "cross_region": ServiceItem.CrossRegion.NONE,
        "place": "区政务服务中心二楼综合窗口",
        "office_hours": "工作日 9:00–12:00，13:30–17:00",
        "consult_phone": "025-12345678",
        "complaint_phone": "12345",
        "keywords": "食品 经营 许可证",
        "common_names": "办食品证",
        "materials": [
            {
                "name": "食品经营许可申请书",
                "necessity": "required",
                "originals": 1,
                "copies": 0,
                "source": "applicant",
                "material_type": "表格",
                "form": "both",
            },
            {
                "name": "营业执照",
                "necessity": "required",
                "originals": 0,
                "copies": 1,
                "source": "government",
                "issuing_body": "市场监督管理部门",
                "license_code": "营业执照",
                "form": "both",
            },
            {
                "name": "授权委托书",
                "necessity": "required",
                "originals": 1,
                "copies": 0,
                "source": "applicant",
                "is_situational": True,
                "form": "paper",
            },
            {
                "name": "受托人身份证",
                "necessity": "deferrable",
                "originals": 0,
                "copies": 1,
                "source": "applicant",
                "is_situational": True,
                "notes": "可容缺后补，5 个工作日内补齐",
                "form": "both",
            },
        ],
        "situations": [
            {
                "question": "是否委托他人办理？",
                "options": [
                    {"label": "是", "adds": ["授权委托书", "受托人身份证"], "drops": []},
                    {"label": "否", "adds": [], "drops": []},
                ],
            }
        ],
        "steps": [
            {"kind": "handle", "limit_days": 4, "description": "审查申请材料"},
            {"kind": "check", "limit_days": 3, "description": ""},
            {"kind": "approve", "limit_days": 2, "description": ""},
        ],
        "fees": [],
        "faqs": [{"question": "营业执照需要提交原件吗？", "answer": "已通过电子证照库共享的，无需提交。"}],
        "topics": [],
    }


def _example_rows(department: Department | None, basic_item: BasicItem | None) -> list[Any]:
    spec = example_spec(basic_item)
    cells = item_cells(
        1,
        None,
        spec,
        basic_code=basic_item.code if basic_item else "000123456000",
        uscc=department.uscc if department else "",
    )
    return [(cells, {child.key: child_entries(child, spec) for child in CHILDREN})]


def template_xlsx(department: Department | None, basic_item: BasicItem | None) -> bytes:
    return _workbook(_example_rows(department, basic_item))


def template_csv(department: Department | None, basic_item: BasicItem | None) -> bytes:
    return _csv(_example_rows(department, basic_item))


def _column_note(column: Column) -> str:
    parts = []
    if column.kind == "choice":
        parts.append(f"可选：{choice_labels(column.choices)}")
    elif column.kind == "multi":
        parts.append(f"可选（可多选）：{choice_labels(column.choices)}")
    elif column.kind == "bool":
        parts.append("填“是”或“否”")
    elif column.kind == "int":
        parts.append("整数")
    elif column.kind == "decimal":
        parts.append("金额，最多两位小数")
    if column.note:
        parts.append(column.note)
    return "；".join(parts)


GUIDE_TEXT = (
    "实施清单导入模板 · 填写说明",
    "",
    "一、文件结构",
    f"1. 工作表“{ITEM_SHEET}”每行一个事项。“{KEY}”在本文件内唯一，明细工作表用它指向所属事项。",
    f"2. “{CODE}”留空表示新建事项（系统生成编码）；填写已有事项的编码表示为该事项新建一个草稿版本。",
    "3. 明细工作表“材料”“情形”“环节”“收费”“常见问题”每行一条，第一列填所属事项的序号。",
    "   “情形”每行一个选项，问题相同的行属于同一个情形；“增加材料”“免交材料”填“材料”中的材料名称，多个用“、”分隔。",
    "4. 某个明细工作表整张删除，表示不修改已有事项的这部分内容；保留工作表但没有该事项的行，表示该事项没有这部分内容。",
    "   “事项”中某一列整列删除，同样表示不修改已有事项的该项内容（新建事项取默认值）。",
    "",
    "二、CSV 文件",
    "CSV 文件只有一张表，列与“事项”相同，另加五列：" + "、".join(child.csv_header for child in CHILDREN) + "。",
    "每列内多条之间用全角分号“；”分隔，一条内的各字段用竖线“|”分隔，顺序与对应明细工作表的列相同，末尾空字段可省略：",
    *(f"  {child.csv_header}：{' | '.join(c.header for c in child.columns)}" for child in CHILDREN),
    "例：申请材料 = 食品经营许可申请书|必要|1|0|申请人自备；营业执照|必要|0|1|政府部门核发",
    "内容本身含有“|”“；”或“、”时，在其前加反斜杠“\\”。",
    "CSV 请保存为 UTF-8 编码（Excel：另存为“CSV UTF-8（逗号分隔）”）；GB18030（GBK）编码也可识别。",
    "",
    "三、导入规则",
    f"1. 每个文件最多 {MAX_ROWS} 个事项。导入先逐行校验，全部通过并经您确认后一次性写入；",
    "   任何一行有问题都不会写入任何内容。",
    "2. 导入只生成草稿，须经提交审核、发布后才对群众公开。",
    "3. 审批结果样本、空白表格、示例样表等文件须在导入后到事项编辑页面上传。",
    "4. 红色表头为必填列。",
    "",
    "四、各列说明",
)


def _guide_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 90
    for line in GUIDE_TEXT:
        sheet.append(xlsx_row(sheet, [line]))
    sheet.append(_header_row(sheet, ["工作表 / 列", "必填", "说明"], set()))
    for column in (*IDENTITY_COLUMNS, *ITEM_COLUMNS):
        sheet.append(
            xlsx_row(sheet, [f"{ITEM_SHEET} · {column.header}", YES if column.required else "", _column_note(column)])
        )
    for child in CHILDREN:
        sheet.append(xlsx_row(sheet, [f"{child.sheet}", "", child.note]))
        for column in child.columns:
            line = [f"{child.sheet} · {column.header}", YES if column.required else "", _column_note(column)]
            sheet.append(xlsx_row(sheet, line))
