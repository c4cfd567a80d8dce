"""Reading an uploaded file (CSV or XLSX) into rows: size, archive, encoding, headers, row caps."""

import csv
import io
import logging
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from catalog.imports.cells import split_escaped, unescape
from catalog.imports.layout import (
    CHILD_BY_KEY,
    CHILDREN,
    CSV_HEADERS,
    ENTRY_SEPARATOR,
    FIELD_SEPARATORS,
    INLINE_MAX_UNPACKED_BYTES,
    ITEM_HEADERS,
    ITEM_SHEET,
    KEY,
    MAX_CHILD_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_COMPRESSION_RATIO,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_UNPACKED_BYTES,
    NO,
    RATIO_CHECKED_FROM_BYTES,
    REQUIRED_ITEM_HEADERS,
    YES,
    ChildLayout,
)
from catalog.models import (
    ImportJob,
)
from portal.exceptions import BadInput
from portal.spreadsheets import csv_unquote
from portal.uploads import XLSX, check_upload, sniff

logger = logging.getLogger(__name__)


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


def file_error(message: str, detail: list[str] | None = None) -> BadInput:
    return BadInput(message, detail=detail, code="bad_import_file")


def _check_headers(headers: list[str], *, known: list[str], required: list[str], where: str) -> list[str]:
    messages = []
    missing = [h for h in required if h not in headers]
    unknown = [h for h in headers if h and h not in known]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if missing:
        messages.append(gettext("%(where)s缺少列：%(join)s。") % {"where": where, "join": "、".join(missing)})
    if unknown:
        messages.append(gettext("%(where)s有无法识别的列：%(join)s。") % {"where": where, "join": "、".join(unknown)})
    if duplicated:
        messages.append(gettext("%(where)s的列名重复：%(join)s。") % {"where": where, "join": "、".join(duplicated)})
    return messages


def _raise_for_headers(messages: list[str]) -> None:
    if messages:
        raise file_error(gettext("文件的列与模板不符，请下载模板核对列名后重新上传。"), messages)


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
        raise file_error(
            gettext("文件是 UTF-16（Unicode 文本）编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新上传。")
        )
    if b"\x00" in head:
        raise file_error(gettext("文件内容不是文本格式的 CSV，请上传 CSV 文件或 Excel（.xlsx）文件。"))
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
    raise file_error(gettext("无法识别文件的文字编码，请将 CSV 文件另存为 UTF-8 或 GB18030（GBK）编码后重新上传。"))


def _read_csv(text: str) -> ParsedFile:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise file_error(gettext("CSV 格式有误：%(exc)s。") % {"exc": exc}) from None
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise file_error(gettext("文件没有内容，请按模板填写后重新上传。"))
    if len(headers) > MAX_COLUMNS:
        raise file_error(
            gettext("列数过多（%(len)s 列），模板只有 %(len2)s 列。") % {"len": len(headers), "len2": len(CSV_HEADERS)}
        )
    if not set(headers) & set(CSV_HEADERS):
        raise file_error(
            gettext(
                "文件中没有找到模板规定的任何列名。请确认使用的是本系统的模板，"
                "并将 CSV 文件保存为 UTF-8 或 GB18030（GBK）编码。"
            )
        )
    _raise_for_headers(
        _check_headers(headers, known=CSV_HEADERS, required=REQUIRED_ITEM_HEADERS, where=gettext("CSV 文件"))
    )
    child_by_header = {child.csv_header: child for child in CHILDREN}
    rows: list[RawRow] = []
    problems: list[Problem] = []
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise file_error(
                    gettext("事项行数超过上限（最多 %(MAX_ROWS)s 行），请拆分为多个文件。") % {"MAX_ROWS": MAX_ROWS}
                )
            if len(record) > len(headers) and any(cell.strip() for cell in record[len(headers) :]):
                problems.append(
                    Problem("CSV", number, "", "", gettext("该行的单元格比表头多，请检查是否有多余的逗号。"))
                )
            # The export quotes a text that a spreadsheet would run as a formula; read it back unquoted.
            values = dict(zip(headers, (csv_unquote(cell) for cell in record), strict=False))
            raw = RawRow(number, {h: v for h, v in values.items() if h not in child_by_header})
            for header, child in child_by_header.items():
                if header in values:
                    raw.children[child.key] = _compact_entries(child, values[header], number, problems)
            rows.append(raw)
    except csv.Error as exc:
        raise file_error(
            gettext("CSV 格式有误（第 %(line_num)s 行附近）：%(exc)s。") % {"line_num": reader.line_num, "exc": exc}
        ) from None
    child_keys = {child.key for header, child in child_by_header.items() if header in headers}
    return ParsedFile("CSV", set(headers), child_keys, rows, problems)


def _compact_entries(child: ChildLayout, cell: str, row: int, problems: list[Problem]) -> list[RawChild]:
    """The entries of a compact CSV cell: "名称|必要性|原件份数；名称|…" in the layout's column order."""
    entries: list[RawChild] = []
    for position, entry in enumerate(
        (e.strip() for e in split_escaped(cell, (ENTRY_SEPARATOR,), unescape=False) if e.strip()), start=1
    ):
        where = gettext("%(csv_header)s第 %(position)s 项") % {"csv_header": child.csv_header, "position": position}
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
                    gettext("字段过多（%(len)s 个），最多 %(len2)s 个；字段内的“|”或“；”须写作“\\|”“\\；”。")
                    % {"len": len(fields), "len2": len(child.columns)},
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
        raise file_error(
            gettext("无法读取该 Excel 文件（%(name)s），请用 Excel 另存为 .xlsx 后重新上传。")
            % {"name": type(exc).__name__}
        ) from None
    finally:
        file.seek(0)
    if len(members) > MAX_XLSX_MEMBERS:
        raise file_error(
            gettext("工作簿包含的部件过多（%(len)s 个），请使用模板，删除无关的工作表和对象后重新上传。")
            % {"len": len(members)}
        )
    unpacked = sum(info.file_size for info in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise file_error(
            gettext("工作簿解压后过大（%(value)s MB，最多 %(value2)s MB），请删除无关内容或拆分为多个文件。")
            % {"value": format(unpacked / 1048576, ".0f"), "value2": format(MAX_XLSX_UNPACKED_BYTES / 1048576, ".0f")}
        )
    for info in members:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_XLSX_COMPRESSION_RATIO:
            raise file_error(
                gettext("工作簿中有异常压缩的内容（压缩比过高），不是正常的 Excel 文件，请另存后重新上传。")
            )
    return unpacked


def _open_workbook(file: Any) -> Any:
    import openpyxl

    check_xlsx_archive(file)
    try:
        return openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise file_error(
            gettext("无法读取该 Excel 文件（%(name)s），请用 Excel 另存为 .xlsx 后重新上传。")
            % {"name": type(exc).__name__}
        ) from None


def _read_xlsx(file: Any) -> ParsedFile:
    workbook = _open_workbook(file)
    try:
        if ITEM_SHEET not in workbook.sheetnames:
            raise file_error(
                gettext("工作簿中没有名为“%(ITEM_SHEET)s”的工作表，请使用模板。") % {"ITEM_SHEET": ITEM_SHEET}
            )
        rows_iter = _sheet_rows(workbook[ITEM_SHEET])
        headers = _sheet_headers(rows_iter)
        messages = _check_headers(
            headers,
            known=ITEM_HEADERS,
            required=REQUIRED_ITEM_HEADERS,
            where=gettext("工作表“%(ITEM_SHEET)s”") % {"ITEM_SHEET": ITEM_SHEET},
        )
        child_headers: dict[str, list[str]] = {}
        for child in CHILDREN:
            if child.sheet in workbook.sheetnames:
                child_headers[child.key] = _sheet_headers(_sheet_rows(workbook[child.sheet]))
                messages += _check_headers(
                    child_headers[child.key],
                    known=[KEY, *(c.header for c in child.columns)],
                    required=[KEY, *(c.header for c in child.columns if c.required)],
                    where=gettext("工作表“%(sheet)s”") % {"sheet": child.sheet},
                )
        _raise_for_headers(messages)
        rows: list[RawRow] = []
        problems: list[Problem] = []
        for number, values in rows_iter:
            if not any(values):
                continue
            if len(rows) >= MAX_ROWS:
                raise file_error(
                    gettext("事项行数超过上限（最多 %(MAX_ROWS)s 行），请拆分为多个文件。") % {"MAX_ROWS": MAX_ROWS}
                )
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
                    raise file_error(
                        gettext("明细工作表的总行数超过上限（最多 %(MAX_CHILD_ROWS)s 行），请拆分为多个文件。")
                        % {"MAX_CHILD_ROWS": MAX_CHILD_ROWS}
                    )
                cells = dict(zip(child_header, values, strict=False))
                owner_key = cells.pop(KEY, "").strip()
                owner = by_key.get(owner_key) if owner_key else None
                if owner is None:
                    problems.append(
                        Problem(
                            child.sheet,
                            number,
                            "",
                            KEY,
                            gettext("在“%(ITEM_SHEET)s”中找不到序号为“%(owner_key)s”的事项。")
                            % {"ITEM_SHEET": ITEM_SHEET, "owner_key": owner_key},
                        )
                    )
                    continue
                owner.children[key].append(
                    RawChild(
                        gettext("“%(sheet)s”第 %(number)s 行") % {"sheet": child.sheet, "number": number},
                        child.sheet,
                        number,
                        cells,
                    )
                )
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
        raise file_error(gettext("文件为空，请重新选择。"))
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise file_error(
            gettext("文件过大（%(value)s MB），导入文件不得超过 %(value2)s MB。")
            % {
                "value": format(upload.size / 1048576, ".1f"),
                "value2": format(settings.IMPORT_MAX_BYTES / 1048576, ".0f"),
            }
        )
    if name.endswith(".csv"):
        upload.seek(0)
        kind = sniff(upload.read(16), upload)
        upload.seek(0)
        if kind is not None:
            raise file_error(
                gettext("文件名为 .csv，但内容是%(label)s，请上传真正的 CSV 文本文件。") % {"label": kind.label}
            )
        parsed, encoding = read_import_file(upload, file_format=ImportJob.Format.CSV)
        return ImportJob.Format.CSV, encoding, parsed
    if name.endswith(".xlsx"):
        try:
            check_upload(upload, allowed=(XLSX,), max_bytes=settings.IMPORT_MAX_BYTES)
        except ValidationError as exc:
            raise file_error(exc.messages[0]) from None
        if check_xlsx_archive(upload) > INLINE_MAX_UNPACKED_BYTES:
            return ImportJob.Format.XLSX, "", None
        parsed, _ = read_import_file(upload, file_format=ImportJob.Format.XLSX)
        return ImportJob.Format.XLSX, "", parsed
    raise file_error(gettext("只能导入 Excel（.xlsx）或 CSV（.csv）文件，请使用模板。"))
