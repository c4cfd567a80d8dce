"""Cells of the spreadsheets the portal writes, so that no text is ever run as a formula.

Spreadsheet programs read a cell that starts with "=", "+", "-" or "@" (and, in some of them, a tab
or a carriage return) as a formula: a service name like ``=HYPERLINK("http://…")`` in an export
would run on the editor's machine (OWASP "CSV Injection"). Every CSV and XLSX writer goes through
the helpers here.

- CSV has no cell types, so such a text gets a leading apostrophe, which spreadsheet programs take
  as "this is text". ``csv_unquote`` removes exactly that apostrophe when the file is read back, so
  an export imports back unchanged (a phone "+86…" stays "+86…").
- XLSX has cell types: such a text is written as a string cell (data type "s"), never a formula,
  and needs no prefix at all.
"""

from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_TEXT_MARK = "'"


def _looks_like_formula(text: str) -> bool:
    # Apostrophes already in front are looked through, so that quoting is reversible: "'=x" is
    # written as "''=x" and read back as "'=x".
    return text.lstrip(CSV_TEXT_MARK).startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: a text that a spreadsheet would run as a formula gets a leading "'"."""
    if isinstance(value, str) and _looks_like_formula(value):
        return CSV_TEXT_MARK + value
    return value


def csv_row(values: list[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


def csv_unquote(text: str) -> str:
    """The inverse of ``csv_cell`` for a cell read back from a CSV file."""
    if text.startswith(CSV_TEXT_MARK) and _looks_like_formula(text[1:]):
        return text[1:]
    return text


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A write-only XLSX cell; a text starting with "=" is a string cell, not a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    return [xlsx_cell(sheet, value) for value in values]
