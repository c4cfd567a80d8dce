"""Import of the implementation list (实施清单) from CSV or XLSX, as drafts, all or nothing.

The layout is defined once, here: one row per item version in the sheet 事项 (or the CSV file),
and the repeated structures (materials, situations, steps, fees, FAQ) in sheets of their own keyed
by 序号, or in CSV as compact cells (entries separated by "；", fields by "|"). The templates and
the export (catalog.exports) are written from the same layout, so an export imports back unchanged.

An import goes through three passes, each visible to the editor:

1. At upload, the file itself is checked (size, content, encoding, columns, row count). A malformed
   file is refused at once with BadInput (400) and nothing is kept.
2. The validation pass reads every row, checks it (labels, numbers, codes, departments the editor
   may edit, catalog.rules on the item), then *rehearses* the write: each row goes through the
   real services inside a savepoint, in chunks whose transaction is rolled back. So the report
   lists every problem the write itself would meet (the rules on steps and fees, the one-open-draft
   rule, database constraints), and the progress counters are committed between chunks.
   Validating unsaved objects would be faster but would miss exactly those checks; the rehearsal
   costs about as much as the write (about 20 ms a row on a quiet 2-core machine, some 30 services
   queries each: a 10,000-row file takes 3–10 minutes per pass in the worker, depending on load),
   which is acceptable for an occasional bulk job.
3. Once the editor confirms a valid job, the same rows are written in ONE transaction as drafts
   (never published). If any row fails now — the catalog changed since validation — nothing is
   written and the job shows why.
"""

import csv
import io
import json
import logging
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import DataError, IntegrityError, models, transaction
from django.utils import timezone

from catalog import access, rules, services
from catalog.models import (
    FAQ,
    BasicItem,
    Department,
    Fee,
    ImportJob,
    ItemEvent,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    ServiceObject,
    Situation,
    SituationOption,
    SpecialProcedure,
    Topic,
)
from portal.exceptions import BadInput, DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.spreadsheets import csv_unquote
from portal.uploads import XLSX, check_upload, sniff

logger = logging.getLogger(__name__)

# --- Limits ------------------------------------------------------------------------------------
MAX_ROWS = settings.IMPORT_MAX_ROWS  # item rows in one file
MAX_CHILD_ROWS = 400_000  # rows of all child sheets together
MAX_ENTRIES_PER_LIST = 300  # materials (or steps, fees…) of one item
MAX_CELL_CHARS = 10_000
MAX_COLUMNS = 200
# A zip bomb dressed as .xlsx: refuse a workbook that unpacks to more than this, that has a member
# packed more tightly than real spreadsheet XML ever is, or that has more members than a workbook
# of the layout's seven sheets needs.
MAX_XLSX_UNPACKED_BYTES = settings.IMPORT_MAX_UNPACKED_BYTES
MAX_XLSX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small members (styles, empty sheets) may pack tightly
MAX_XLSX_MEMBERS = 200
# An XLSX that unpacks to at most this is read within the request (a few hundred rows); a larger
# one only has its zip headers checked there, and is read by the worker.
INLINE_MAX_UNPACKED_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS_KEPT = 10_000
# Files with at most this many rows are validated and written within the request; larger ones by
# the worker, with progress on the job's page.
INLINE_MAX_ROWS = 200
# Rows rehearsed per transaction; the progress counter is committed after each chunk.
CHUNK_ROWS = 100

# --- Layout ------------------------------------------------------------------------------------
ITEM_SHEET = "事项"
GUIDE_SHEET = "填写说明"
KEY = "序号"
CODE = "实施编码"
BASIC_CODE = "基本编码"
DEPARTMENT_USCC = "实施机关统一社会信用代码"

ENTRY_SEPARATOR = "；"
FIELD_SEPARATORS = ("|", "｜")
LIST_SEPARATOR = "、"
LIST_SEPARATORS = (LIST_SEPARATOR, "，", ",")
ESCAPE = "\\"

YES, NO = "是", "否"
TRUE_WORDS = {YES, "true", "1", "y", "yes", "√"}
FALSE_WORDS = {NO, "false", "0", "n", "no", "×"}
SMALLINT_MAX = 32767


@dataclass(frozen=True)
class Column:
    """One column of the layout: its Chinese header, the model field it fills and how to read it.

    Kinds: text, url, int, decimal, bool, choice, multi (several choice labels), list (free texts),
    topics (topic codes or names), names (material names), json.
    """

    header: str
    field: str
    kind: str = "text"
    model: type[models.Model] = ServiceItem
    choices: Any = None
    required: bool = False
    note: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind in ("multi", "list", "topics", "names")

    def model_field(self) -> models.Field:
        return self.model._meta.get_field(self.field)  # type: ignore[return-value]

    def default(self) -> Any:
        if self.is_list or self.kind == "json":
            return []
        model_field = self.model_field()
        return model_field.get_default() if model_field.has_default() else ("" if model_field.blank else None)

    def max_length(self) -> int | None:
        if self.kind not in ("text", "url"):
            return None
        return getattr(self.model_field(), "max_length", None)


# Identity columns: they are not ServiceItem fields but resolve the row's item, basic item and department.
IDENTITY_COLUMNS = (
    Column(KEY, "", required=True, note="本文件内唯一，如 1、2、3；各明细工作表用它指向所属事项"),
    Column(CODE, "code", note="留空 = 新建事项（系统生成编码）；填写已有编码 = 为该事项新建一个草稿版本"),
    Column(BASIC_CODE, "", required=True, note="基本目录事项编码，按实施机关所在区划向上查找"),
    Column(DEPARTMENT_USCC, "", required=True, note="须为您有权编辑的实施机关"),
)

SO = ServiceItem
ITEM_COLUMNS = (
    Column("事项名称", "name", required=True),
    Column("业务办理项", "handling", "choice", choices=SO.Handling),
    Column(
        "事项类型", "item_type", "choice", choices=SO._meta.get_field("item_type").choices, note="留空取基本目录的类型"
    ),
    Column("设定依据", "basis", note="留空取基本目录的设定依据"),
    Column("行使层级", "exercise_level", "choice", choices=SO.ExerciseLevel),
    Column("服务对象", "service_objects", "multi", choices=ServiceObject, required=True, note="多个用“、”分隔"),
    Column("受理条件", "acceptance_conditions"),
    Column("办理流程", "process_description"),
    Column("法定办结时限", "statutory_days", "int", required=True),
    Column("法定时限单位", "statutory_unit", "choice", choices=SO.TimeUnit),
    Column("承诺办结时限", "promised_days", "int", required=True, note="不得超过法定办结时限；即办件填 0"),
    Column("承诺时限单位", "promised_unit", "choice", choices=SO.TimeUnit),
    Column("即办件", "is_immediate", "bool"),
    Column("可延长时限", "extension_days", "int"),
    Column(
        "可适用特别程序", "special_procedures", "multi", choices=SpecialProcedure, note="如 现场勘验、听证，用“、”分隔"
    ),
    Column("是否收费", "has_fee", "bool", note="收费的须在“收费”中列明收费项目"),
    Column("审批结果名称", "result_name", note="填写的须在导入后上传审批结果样本"),
    Column("审批结果类型", "result_type", "choice", choices=SO.ResultType),
    Column("窗口办理", "accepts_at_window", "bool"),
    Column("网上办理", "accepts_on_pc", "bool"),
    Column("掌上办理", "accepts_on_mobile", "bool"),
    Column("邮寄办理", "accepts_by_post", "bool"),
    Column("网上办理深度", "online_depth", "choice", choices=SO.OnlineDepth, note="可填 Ⅰ–Ⅳ 或 1–4"),
    Column("到办事现场次数", "visits", "int", note="0–3"),
    Column("到现场原因", "visits_reason"),
    Column("支持预约", "supports_appointment", "bool"),
    Column("支持网上支付", "supports_online_payment", "bool"),
    Column("支持物流快递", "supports_delivery", "bool"),
    Column("支持自助终端", "supports_self_service", "bool"),
    Column("通办范围", "cross_region", "choice", choices=SO.CrossRegion),
    Column("办理地点", "place"),
    Column("办理时间", "office_hours"),
    Column("咨询电话", "consult_phone"),
    Column("监督投诉电话", "complaint_phone", note="不能与咨询电话相同"),
    Column("网办地址", "online_url", "url"),
    Column("关键词", "keywords"),
    Column("俗称", "common_names"),
    Column("主题", "topics", "topics", note="主题代码或名称，多个用“、”分隔"),
    Column("申请表单（JSON）", "form_definition", "json", note="字段列表的 JSON，一般留空"),
)


@dataclass(frozen=True)
class ChildLayout:
    """A repeated structure: an XLSX sheet keyed by 序号, or a compact CSV column."""

    key: str  # the spec key
    sheet: str
    csv_header: str
    columns: tuple[Column, ...]
    note: str = ""


MR = MaterialRequirement
CHILDREN = (
    ChildLayout(
        "materials",
        "材料",
        "申请材料",
        (
            Column("材料名称", "name", model=MR, required=True),
            Column("必要性", "necessity", "choice", model=MR, choices=MR.Necessity),
            Column("原件份数", "originals", "int", model=MR),
            Column("复印件份数", "copies", "int", model=MR),
            Column("来源渠道", "source", "choice", model=MR, choices=MR.Source),
            Column("材料类型", "material_type", model=MR),
            Column("材料形式", "form", "choice", model=MR, choices=MR.Form),
            Column("出具单位", "issuing_body", model=MR),
            Column("电子证照类型", "license_code", model=MR),
            Column("受理标准", "acceptance_standard", model=MR),
            Column("设定依据", "basis", model=MR),
            Column("填报须知", "notes", model=MR),
            Column("仅特定情形需要", "is_situational", "bool", model=MR, note="是 = 只在情形选项“增加材料”时才需要"),
        ),
        "一行一份材料；空白表格和示例样表在导入后上传",
    ),
    ChildLayout(
        "situations",
        "情形",
        "办理情形",
        (
            Column("情形问题", "question", model=Situation, required=True),
            Column("选项", "label", model=SituationOption),
            Column("增加材料", "adds", "names", note="材料名称，多个用“、”分隔"),
            Column("免交材料", "drops", "names", note="材料名称，多个用“、”分隔"),
        ),
        "一行一个选项；问题相同的行属于同一个情形",
    ),
    ChildLayout(
        "steps",
        "环节",
        "审查环节",
        (
            Column("环节", "kind", "choice", model=ProcessStep, choices=ProcessStep.Kind, required=True),
            Column("环节时限（工作日）", "limit_days", "int", model=ProcessStep, required=True),
            Column("说明", "description", model=ProcessStep),
        ),
        "各环节时限之和不得超过承诺办结时限",
    ),
    ChildLayout(
        "fees",
        "收费",
        "收费项目",
        (
            Column("收费项目", "name", model=Fee, required=True),
            Column("收费标准", "standard", model=Fee, required=True),
            Column("金额（元）", "amount_yuan", "decimal", model=Fee),
            Column("收费依据", "basis", model=Fee),
            Column("可减免", "is_waivable", "bool", model=Fee),
        ),
    ),
    ChildLayout(
        "faqs",
        "常见问题",
        "常见问题",
        (
            Column("问题", "question", model=FAQ, required=True),
            Column("解答", "answer", model=FAQ, required=True),
        ),
    ),
)
CHILD_BY_KEY = {child.key: child for child in CHILDREN}

REQUIRED_ITEM_HEADERS = [c.header for c in (*IDENTITY_COLUMNS, *ITEM_COLUMNS) if c.required or c.header == CODE]
ITEM_HEADERS = [c.header for c in (*IDENTITY_COLUMNS, *ITEM_COLUMNS)]
CSV_HEADERS = [*ITEM_HEADERS, *(child.csv_header for child in CHILDREN)]

# Where a rule's complaint about a field is shown: the column the editor filled.
FIELD_HEADERS = {c.field: c.header for c in ITEM_COLUMNS} | {
    "code": CODE,
    "basic_item": BASIC_CODE,
    "department": DEPARTMENT_USCC,
    "region": DEPARTMENT_USCC,
    "result_sample": "审批结果样本",
    **{child.key: child.sheet for child in CHILDREN},
}


# --- Reading cells -----------------------------------------------------------------------------
class CellError(Exception):
    """A cell that cannot be read; the message is for the editor."""


def split_escaped(text: str, separators: Iterable[str], *, unescape: bool) -> list[str]:
    """Split on any separator not preceded by a backslash; keep escapes for a later level unless told.

    The compact CSV cells nest three levels (entries "；", fields "|", names "、"); each value is
    escaped once when written, so only the last level removes the backslashes.
    """
    parts, current, chars = [], [], iter(text)
    separators = tuple(separators)
    for char in chars:
        if char == ESCAPE:
            following = next(chars, "")
            current.append(following if unescape else char + following)
        elif char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def unescape(text: str) -> str:
    return split_escaped(text, (), unescape=True)[0]


def escape(text: str, specials: Iterable[str]) -> str:
    for char in (ESCAPE, *specials):
        text = text.replace(char, ESCAPE + char)
    return text


def split_list(text: str) -> list[str]:
    return [part.strip() for part in split_escaped(text, LIST_SEPARATORS, unescape=True) if part.strip()]


def choice_lookup(choices: Any) -> dict[str, Any]:
    """Accept a choice by its label, its stored value, or a part of a label ("Ⅲ" or "在线预审" for "Ⅲ 在线预审")."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    lookup: dict[str, Any] = {}
    for value, label in pairs:
        lookup[str(value)] = value
        lookup[str(label)] = value
        for part in str(label).split():
            lookup.setdefault(part, value)
    return lookup


def choice_label(choices: Any, value: Any) -> str:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return next((str(label) for v, label in pairs if v == value), str(value))


def choice_labels(choices: Any) -> str:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return "、".join(str(label) for _, label in pairs)


_url_validator = URLValidator(schemes=["http", "https"])


def read_cell(column: Column, raw: str, topics: dict[str, str]) -> Any:
    """The value of one cell for the spec, or CellError with a message for the editor."""
    text = raw.strip()
    if len(text) > MAX_CELL_CHARS:
        raise CellError(f"内容过长（{len(text)} 字），单元格最多 {MAX_CELL_CHARS} 字。")
    if not text:
        if column.required:
            raise CellError("此项必填。")
        return column.default()
    if column.kind in ("text", "url"):
        limit = column.max_length()
        if limit and len(text) > limit:
            raise CellError(f"内容过长（{len(text)} 字），最多 {limit} 字。")
        if column.kind == "url":
            try:
                _url_validator(text)
            except ValidationError:
                raise CellError("网址格式不正确，应以 http:// 或 https:// 开头。") from None
        return text
    if column.kind == "int":
        if not (text.isascii() and text.isdigit()) or int(text) > SMALLINT_MAX:
            raise CellError(f"“{text}”不是有效的数字，请填写 0 至 {SMALLINT_MAX} 之间的整数。")
        return int(text)
    if column.kind == "decimal":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(f"“{text}”不是有效的金额。") from None
        if (
            not amount.is_finite()
            or amount < 0
            or amount >= Decimal("1e8")
            or amount != amount.quantize(Decimal("0.01"))
        ):
            raise CellError(f"金额“{text}”应为不小于 0 的数字，最多两位小数。")
        return amount.quantize(Decimal("0.01"))
    if column.kind == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(f"“{text}”无法识别，请填写“是”或“否”。")
    if column.kind == "choice":
        value = choice_lookup(column.choices).get(text)
        if value is None:
            raise CellError(f"“{text}”不是有效的取值，可选：{choice_labels(column.choices)}。")
        return value
    if column.kind == "multi":
        lookup = choice_lookup(column.choices)
        values, unknown = [], []
        for part in split_list(text):
            (values.append(lookup[part]) if part in lookup else unknown.append(part))
        if unknown:
            raise CellError(f"“{'、'.join(unknown)}”不是有效的取值，可选：{choice_labels(column.choices)}。")
        return list(dict.fromkeys(values))
    if column.kind in ("list", "names"):
        return split_list(text)
    if column.kind == "topics":
        codes, unknown = [], []
        for part in split_list(text):
            (codes.append(topics[part]) if part in topics else unknown.append(part))
        if unknown:
            raise CellError(f"未找到主题“{'、'.join(unknown)}”。")
        return sorted(set(codes))
    if column.kind == "json":
        try:
            value = json.loads(text)
        except ValueError:
            raise CellError("不是有效的 JSON。") from None
        if not isinstance(value, list):
            raise CellError("应为字段列表（JSON 数组）。")
        return value
    raise ValueError(f"unknown column kind {column.kind!r}")


# --- Reading files -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One line of the report. ``row`` is the row number as the spreadsheet shows it (header = 1)."""

    sheet: str
    row: int | None
    name: str
    field: str
    message: str


@dataclass
class RawChild:
    where: str  # shown in the report: "第 2 项" of a CSV cell, or the child sheet's row
    sheet: str
    row: int | None
    values: dict[str, str]


@dataclass
class RawRow:
    row: int
    values: dict[str, str]
    children: dict[str, list[RawChild]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class ParsedFile:
    sheet: str  # where the item rows are: "事项", or "CSV" for a CSV file
    headers: set[str]
    child_keys: set[str]  # the child lists the file carries; the others are left as they are
    rows: list[RawRow]
    problems: list[Problem]


def _file_error(message: str, detail: list[str] | None = None) -> BadInput:
    return BadInput(message, detail=detail, code="bad_import_file")


def _check_headers(headers: list[str], *, known: list[str], required: list[str], where: str) -> list[str]:
    messages = []
    missing = [h for h in required if h not in headers]
    unknown = [h for h in headers if h and h not in known]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if missing:
        messages.append(f"{where}缺少列：{'、'.join(missing)}。")
    if unknown:
        messages.append(f"{where}有无法识别的列：{'、'.join(unknown)}。")
    if duplicated:
        messages.append(f"{where}的列名重复：{'、'.join(duplicated)}。")
    return messages


def _raise_for_headers(messages: list[str]) -> None:
    if messages:
        raise _file_error("文件的列与模板不符，请下载模板核对列名后重新上传。", messages)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV upload and its encoding: UTF-8 (with or without BOM) or GB18030 (GBK's superset)."""
    head = data[:8192]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error("文件是 UTF-16（Unicode 文本）编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新上传。")
    if b"\x00" in head:
        raise _file_error("文件内容不是文本格式的 CSV，请上传 CSV 文件或 Excel（.xlsx）文件。")
    candidates = ["utf-8-sig"] if data.startswith(b"\xef\xbb\xbf") else ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Control characters other than tab and line breaks never occur in a real CSV.
        if any(ord(c) < 32 and c not in "\t\r\n" for c in text[:8192]):
            break
        return text, ("utf-8" if encoding == "utf-8-sig" else encoding)
    raise _file_error("无法识别文件的文字编码，请将 CSV 文件另存为 UTF-8 或 GB18030（GBK）编码后重新上传。")


def _read_csv(text: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise _file_error(f"CSV 格式有误：{exc}。") from None
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise _file_error("文件没有内容，请按模板填写后重新上传。")
    if len(headers) > MAX_COLUMNS:
        raise _file_error(f"列数过多（{len(headers)} 列），模板只有 {len(CSV_HEADERS)} 列。")
    if not set(headers) & set(CSV_HEADERS):
        raise _file_error(
            "文件中没有找到模板规定的任何列名。请确认使用的是本系统的模板，"
            "并将 CSV 文件保存为 UTF-8 或 GB18030（GBK）编码。"
        )
    _raise_for_headers(_check_headers(headers, known=CSV_HEADERS, required=REQUIRED_ITEM_HEADERS, where="CSV 文件"))
    child_by_header = {child.csv_header: child for child in CHILDREN}
    rows: list[RawRow] = []
    problems: list[Problem] = []
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_error(f"事项行数超过上限（最多 {MAX_ROWS} 行），请拆分为多个文件。")
            if len(record) > len(headers) and any(cell.strip() for cell in record[len(headers) :]):
                problems.append(Problem("CSV", number, "", "", "该行的单元格比表头多，请检查是否有多余的逗号。"))
            # The export quotes a text that a spreadsheet would run as a formula; read it back unquoted.
            values = dict(zip(headers, (csv_unquote(cell) for cell in record), strict=False))
            raw = RawRow(number, {h: v for h, v in values.items() if h not in child_by_header})
            for header, child in child_by_header.items():
                if header in values:
                    raw.children[child.key] = _compact_entries(child, values[header], number, problems)
            rows.append(raw)
    except csv.Error as exc:
        raise _file_error(f"CSV 格式有误（第 {reader.line_num} 行附近）：{exc}。") from None
    child_keys = {child.key for header, child in child_by_header.items() if header in headers}
    return ParsedFile("CSV", set(headers), child_keys, rows, problems)


def _compact_entries(child: ChildLayout, cell: str, row: int, problems: list[Problem]) -> list[RawChild]:
    """The entries of a compact CSV cell: "名称|必要性|原件份数；名称|…" in the layout's column order."""
    entries: list[RawChild] = []
    for position, entry in enumerate(
        (e.strip() for e in split_escaped(cell, (ENTRY_SEPARATOR,), unescape=False) if e.strip()), start=1
    ):
        where = f"{child.csv_header}第 {position} 项"
        fields = split_escaped(entry, FIELD_SEPARATORS, unescape=False)
        while len(fields) > len(child.columns) and not fields[-1].strip():
            fields.pop()
        if len(fields) > len(child.columns):
            problems.append(
                Problem(
                    "CSV",
                    row,
                    "",
                    where,
                    f"字段过多（{len(fields)} 个），最多 {len(child.columns)} 个；字段内的“|”或“；”须写作“\\|”“\\；”。",
                )
            )
            continue
        values = {
            column.header: (text if column.is_list else unescape(text))
            for column, text in zip(child.columns, fields, strict=False)
        }
        entries.append(RawChild(where, "CSV", row, values))
    return entries


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if len(values) > MAX_COLUMNS:
            values = values[:MAX_COLUMNS]
        yield number, [_cell_text(v) for v in values]


def _sheet_headers(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    _, headers = next(rows, (0, []))
    while headers and not headers[-1]:
        headers.pop()
    return headers


def check_xlsx_archive(file: Any) -> int:
    """The unpacked size of an XLSX upload, from its zip headers alone; BadInput for a zip bomb.

    Reading the headers costs nothing whatever the content. The declared sizes bound what is read
    later: Python's zipfile stops a member at its declared size and checks its CRC.
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _file_error(
            f"无法读取该 Excel 文件（{type(exc).__name__}），请用 Excel 另存为 .xlsx 后重新上传。"
        ) from None
    finally:
        file.seek(0)
    if len(members) > MAX_XLSX_MEMBERS:
        raise _file_error(f"工作簿包含的部件过多（{len(members)} 个），请使用模板，删除无关的工作表和对象后重新上传。")
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _file_error(
            f"工作簿解压后过大（{unpacked / 1048576:.0f} MB，最多 {MAX_XLSX_UNPACKED_BYTES / 1048576:.0f} MB），"
            "请删除无关内容或拆分为多个文件。"
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
            raise _file_error("工作簿中有异常压缩的内容（压缩比过高），不是正常的 Excel 文件，请另存后重新上传。")
    return unpacked


def _open_workbook(file: Any) -> Any:
    import openpyxl

    check_xlsx_archive(file)
    try:
        return openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(
            f"无法读取该 Excel 文件（{type(exc).__name__}），请用 Excel 另存为 .xlsx 后重新上传。"
        ) from None


def _read_xlsx(file: Any) -> ParsedFile:
    workbook = _open_workbook(file)
    try:
        if ITEM_SHEET not in workbook.sheetnames:
            raise _file_error(f"工作簿中没有名为“{ITEM_SHEET}”的工作表，请使用模板。")
        rows_iter = _sheet_rows(workbook[ITEM_SHEET])
        headers = _sheet_headers(rows_iter)
        messages = _check_headers(
            headers, known=ITEM_HEADERS, required=REQUIRED_ITEM_HEADERS, where=f"工作表“{ITEM_SHEET}”"
        )
        child_headers: dict[str, list[str]] = {}
        for child in CHILDREN:
            if child.sheet in workbook.sheetnames:
                child_headers[child.key] = _sheet_headers(_sheet_rows(workbook[child.sheet]))
                messages += _check_headers(
                    child_headers[child.key],
                    known=[KEY, *(c.header for c in child.columns)],
                    required=[KEY, *(c.header for c in child.columns if c.required)],
                    where=f"工作表“{child.sheet}”",
                )
        _raise_for_headers(messages)
        rows: list[RawRow] = []
        problems: list[Problem] = []
        for number, values in rows_iter:
            if not any(values):
                continue
            if len(rows) >= MAX_ROWS:
                raise _file_error(f"事项行数超过上限（最多 {MAX_ROWS} 行），请拆分为多个文件。")
            rows.append(RawRow(number, dict(zip(headers, values, strict=False))))
        by_key: dict[str, RawRow] = {}
        for raw in rows:
            by_key.setdefault(raw.values.get(KEY, "").strip(), raw)
        child_rows = 0
        for key, child_header in child_headers.items():
            child = CHILD_BY_KEY[key]
            child_iter = _sheet_rows(workbook[child.sheet])
            next(child_iter, None)
            for number, values in child_iter:
                if not any(values):
                    continue
                child_rows += 1
                if child_rows > MAX_CHILD_ROWS:
                    raise _file_error(f"明细工作表的总行数超过上限（最多 {MAX_CHILD_ROWS} 行），请拆分为多个文件。")
                cells = dict(zip(child_header, values, strict=False))
                owner_key = cells.pop(KEY, "").strip()
                owner = by_key.get(owner_key) if owner_key else None
                if owner is None:
                    problems.append(
                        Problem(child.sheet, number, "", KEY, f"在“{ITEM_SHEET}”中找不到序号为“{owner_key}”的事项。")
                    )
                    continue
                owner.children[key].append(RawChild(f"“{child.sheet}”第 {number} 行", child.sheet, number, cells))
    finally:
        workbook.close()
    return ParsedFile(ITEM_SHEET, set(headers), set(child_headers), rows, problems)


def read_import_file(file: Any, *, file_format: str) -> tuple[ParsedFile, str]:
    """Parse an import file into raw rows and their child entries; BadInput for a malformed file."""
    if file_format == ImportJob.Format.XLSX:
        return _read_xlsx(file), ""
    file.seek(0)
    text, encoding = decode_csv(file.read())
    return _read_csv(text), encoding


def check_import_upload(upload: UploadedFile) -> tuple[str, str, ParsedFile | None]:
    """Format, encoding and parsed content of an upload; BadInput (400) for anything malformed.

    A large XLSX is not parsed here (None): only its zip headers are checked, and the worker reads it.
    """
    name = (upload.name or "").lower()
    if not upload.size:
        raise _file_error("文件为空，请重新选择。")
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise _file_error(
            f"文件过大（{upload.size / 1048576:.1f} MB），"
            f"导入文件不得超过 {settings.IMPORT_MAX_BYTES / 1048576:.0f} MB。"
        )
    if name.endswith(".csv"):
        upload.seek(0)
        kind = sniff(upload.read(16), upload)
        upload.seek(0)
        if kind is not None:
            raise _file_error(f"文件名为 .csv，但内容是{kind.label}，请上传真正的 CSV 文本文件。")
        parsed, encoding = read_import_file(upload, file_format=ImportJob.Format.CSV)
        return ImportJob.Format.CSV, encoding, parsed
    if name.endswith(".xlsx"):
        try:
            check_upload(upload, allowed=(XLSX,), max_bytes=settings.IMPORT_MAX_BYTES)
        except ValidationError as exc:
            raise _file_error(exc.messages[0]) from None
        if check_xlsx_archive(upload) > INLINE_MAX_UNPACKED_BYTES:
            return ImportJob.Format.XLSX, "", None
        parsed, _ = read_import_file(upload, file_format=ImportJob.Format.XLSX)
        return ImportJob.Format.XLSX, "", parsed
    raise _file_error("只能导入 Excel（.xlsx）或 CSV（.csv）文件，请使用模板。")


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
        report.add(child.sheet, f"条目过多（{len(entries)} 条），每个事项最多 {MAX_ENTRIES_PER_LIST} 条。")
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
            report.add(header, f"内容过长（{len(text)} 字），单元格最多 {MAX_CELL_CHARS} 字。")
            return None
    # Identity: department, basic item, existing item.
    uscc = values.get(DEPARTMENT_USCC, "").strip().upper()
    department = lookups.departments.get(uscc)
    if not uscc:
        report.add(DEPARTMENT_USCC, "此项必填。")
    elif department is None:
        report.add(DEPARTMENT_USCC, f"未找到统一社会信用代码为“{uscc}”的实施机关。")
    elif department.pk not in lookups.editable_ids:
        report.add(DEPARTMENT_USCC, f"您无权编辑“{department}”的事项，只能导入本部门（或经授权部门）的事项。")
        department = None
    basic_code = values.get(BASIC_CODE, "").strip()
    basic_item = lookups.basic_item_for(basic_code, department) if department and basic_code else None
    if not basic_code:
        report.add(BASIC_CODE, "此项必填。")
    elif department is not None and basic_item is None:
        report.add(BASIC_CODE, f"未找到基本编码为“{basic_code}”的基本目录事项（按实施机关所在区划及其上级查找）。")
    code = values.get(CODE, "").strip()
    existing = None
    if code:
        existing = lookups.published.get(code)
        owner = lookups.known_codes.get(code)
        if owner is None:
            report.add(CODE, f"未找到实施编码为“{code}”的事项；新建事项请将实施编码留空。")
        elif department is not None and owner != department.pk:
            report.add(CODE, "实施编码对应的事项不属于本行填写的实施机关。")
        elif code in lookups.open_drafts:
            report.add(CODE, "该事项已有未发布的草稿或待审核版本，请先处理后再导入新版本。")
        elif existing is None:
            report.add(CODE, "该事项没有已发布的版本，无法在其基础上新建草稿。")
        elif basic_item is not None and existing.basic_item.code != basic_item.code:
            report.add(BASIC_CODE, f"已有事项的基本编码为“{existing.basic_item.code}”，导入不能更改基本编码。")
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
        report.add("材料", f"材料名称重复：{'、'.join(duplicated)}（情形按名称引用材料，名称须唯一）。")
    for situation in spec.get("situations", []):
        for option in situation["options"]:
            for name in (*option["adds"], *option["drops"]):
                if name not in names:
                    report.add(
                        "情形", f"情形“{situation['question']}”的选项“{option['label']}”引用了不存在的材料“{name}”。"
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
            report.add(KEY, "此项必填。")
        elif key in seen_keys:
            report.add(KEY, f"序号“{key}”与第 {seen_keys[key]} 行重复。")
        seen_keys.setdefault(key, raw.row)
        if code and code in seen_codes:
            report.add(CODE, f"实施编码“{code}”与第 {seen_codes[code]} 行重复，同一事项在一个文件中只能出现一次。")
        if code:
            seen_codes.setdefault(code, raw.row)
        plan = _plan_row(raw, parsed, lookups, report)
        problems += report.items
        if plan is not None and not report.items:
            plans.append(plan)
    return plans, problems


# --- Writing -----------------------------------------------------------------------------------
def _write_row(plan: RowPlan, actor: Any, job: ImportJob) -> ServiceItem:
    if plan.existing is None:
        item = services.create_service_item(
            actor=actor, basic_item=plan.basic_item, department=plan.department, spec=plan.spec
        )
    else:
        draft = services.start_new_version(actor=actor, item=plan.existing)
        # update_draft keeps the blank forms and samples of materials whose name is unchanged.
        item = services.update_draft(actor=actor, item=draft, spec=plan.spec)
    services.record_item_event(
        item=item,
        action=ItemEvent.Action.IMPORTED,
        actor=actor,
        comment=f"由导入文件“{job.file_name}”第 {plan.row} 行生成",
    )
    return item


def _try_write(plan: RowPlan, actor: Any, job: ImportJob, sheet: str) -> tuple[ServiceItem | None, list[Problem]]:
    """Write one row inside a savepoint; on failure the savepoint is rolled back and the problems returned."""

    def problem(field_name: str, message: str) -> Problem:
        return Problem(sheet, plan.row, plan.name, field_name, message)

    try:
        with transaction.atomic():
            return _write_row(plan, actor, job), []
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return None, [
                problem(FIELD_HEADERS.get(f, f), m) for f, messages in exc.message_dict.items() for m in messages
            ]
        return None, [problem("", m) for m in exc.messages]
    except DomainError as exc:
        return None, [problem("", exc.message)]
    except (IntegrityError, DataError) as exc:
        logger.info("import row %s of job %s hit a database constraint: %s", plan.row, job.pk, exc)
        return None, [problem("", "该行数据与目录中已有数据冲突或不符合数据约束，请核对实施编码、时限等内容。")]


def _stored_problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [asdict(p) for p in problems[:MAX_PROBLEMS_KEPT]]


def _job_file(job: ImportJob) -> tuple[ParsedFile, str]:
    with job.file.open("rb") as stored:
        return read_import_file(io.BytesIO(stored.read()), file_format=job.file_format)


def start_import(*, actor: Any, upload: UploadedFile) -> ImportJob:
    """Check an uploaded file and keep it as a queued job; BadInput (400) if the file is malformed."""
    if not access.is_catalog_editor(actor):
        raise PermissionDenied("只有事项编辑人员可以导入实施清单。")
    file_format, encoding, parsed = check_import_upload(upload)
    if parsed is not None and not parsed.rows:
        raise _file_error("文件中没有事项行，请按模板填写后重新上传。")
    upload.seek(0)
    return ImportJob.objects.create(
        created_by=actor,
        file=upload,
        file_name=(upload.name or "")[-200:],
        file_format=file_format,
        encoding=encoding,
        # 0 until the worker has read a file too large to read within the request.
        total_rows=len(parsed.rows) if parsed is not None else 0,
    )


def validates_inline(job: ImportJob) -> bool:
    """Whether the request itself validates (and writes) the job: a file read at upload, of few rows."""
    return 0 < job.total_rows <= INLINE_MAX_ROWS


def validate_import(*, job_id: int) -> ImportJob:
    """The validation pass: every row read, checked and rehearsed; the report stored on the job.

    Not one transaction on purpose: each chunk's rehearsal is rolled back, and the progress counter
    is committed between chunks so the editor's page can show it. Safe to run again (a redelivered
    task starts over).
    """
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING]
    ).update(status=ImportJob.Status.VALIDATING, processed_rows=0)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        parsed, _ = _job_file(job)
        if not parsed.rows:  # a large XLSX is read here for the first time
            raise _file_error("文件中没有事项行，请按模板填写后重新上传。")
        plans, problems = plan_rows(parsed, job.created_by)
        total, done = len(parsed.rows), len(parsed.rows) - len(plans)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total, processed_rows=done)
        for start in range(0, len(plans), CHUNK_ROWS):
            chunk = plans[start : start + CHUNK_ROWS]
            with transaction.atomic():
                for plan in chunk:
                    problems += _try_write(plan, job.created_by, job, parsed.sheet)[1]
                transaction.set_rollback(True)
            done += len(chunk)
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)
    except BadInput as exc:
        return _finish(job, ImportJob.Status.FAILED, error_message=exc.message)
    except Exception:
        _finish(
            job, ImportJob.Status.FAILED, error_message="校验过程中出现系统错误，请稍后重新上传；如仍失败请联系管理员。"
        )
        raise
    problems.sort(key=lambda p: (p.sheet != parsed.sheet, p.sheet, p.row or 0))
    status = ImportJob.Status.INVALID if problems else ImportJob.Status.VALID
    return _finish(job, status, problems=problems, processed_rows=total, validated_at=timezone.now())


def _finish(job: ImportJob, status: str, *, problems: list[Problem] | None = None, **fields: Any) -> ImportJob:
    fields["status"] = status
    if problems is not None:
        fields["problems"] = _stored_problems(problems)
        fields["problem_count"] = len(problems)
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def get_import_job_for(user: Any, job_id: int) -> ImportJob:
    """A job is seen by the editor who uploaded it; to anyone else it does not exist (404)."""
    job = ImportJob.objects.filter(pk=job_id, created_by_id=getattr(user, "pk", None)).first()
    if job is None:
        raise NotFound("未找到该导入任务，或您无权查看。")
    return job


@transaction.atomic
def confirm_import(*, actor: Any, job_id: int) -> ImportJob:
    """The editor confirms a valid job; only the first confirmation counts (409 after that)."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id, created_by_id=actor.pk).first()
    if job is None:
        raise NotFound("未找到该导入任务，或您无权查看。")
    if job.status != ImportJob.Status.VALID:
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.IMPORTED):
            raise InvalidTransition("该文件已确认导入，不会重复写入。")
        raise InvalidTransition(f"该导入任务当前为“{job.get_status_display()}”，只有校验通过的文件才能确认导入。")
    job.status = ImportJob.Status.IMPORTING
    job.confirmed_at = timezone.now()
    job.save(update_fields=["status", "confirmed_at"])
    return job


class _ImportAborted(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def write_import(*, job_id: int) -> ImportJob:
    """Write every row of a confirmed job as drafts in ONE transaction; nothing at all if any row fails.

    Safe to run twice: the job row is locked and only a job still marked 正在导入 is written.
    """
    try:
        # durable: this must be the outermost transaction, so "nothing at all" really holds.
        with transaction.atomic(durable=True):
            job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
            if job.status != ImportJob.Status.IMPORTING:
                return job
            parsed, _ = _job_file(job)
            plans, problems = plan_rows(parsed, job.created_by)
            codes = []
            for plan in plans:
                item, row_problems = _try_write(plan, job.created_by, job, parsed.sheet)
                problems += row_problems
                if item is not None:
                    codes.append(item.code)
            if problems:
                raise _ImportAborted(problems)
            job.status = ImportJob.Status.IMPORTED
            job.imported_codes = codes
            job.processed_rows = job.total_rows = len(parsed.rows)
            job.imported_at = timezone.now()
            job.save(update_fields=["status", "imported_codes", "processed_rows", "total_rows", "imported_at"])
            return job
    except _ImportAborted as aborted:
        job = ImportJob.objects.get(pk=job_id)
        return _finish(
            job,
            ImportJob.Status.FAILED,
            problems=aborted.problems,
            error_message="写入时发现问题（目录在校验后可能已有变化），没有导入任何事项。请根据问题清单修改后重新上传。",
        )
    except Exception:
        _finish(
            ImportJob.objects.get(pk=job_id),
            ImportJob.Status.FAILED,
            error_message="导入过程中出现系统错误，没有导入任何事项。",
        )
        raise
