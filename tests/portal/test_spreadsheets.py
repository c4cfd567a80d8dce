"""Cells of the portal's spreadsheets never run as formulas, and CSV quoting is reversible."""

import io

import openpyxl
import pytest
from openpyxl import Workbook

from portal.spreadsheets import csv_cell, csv_unquote, xlsx_row


@pytest.mark.parametrize("text", ["=1+1", "+86", "-2", "@A1", "\t=1", "\r=1"])
def test_a_csv_cell_that_would_run_as_a_formula_gets_an_apostrophe(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["申请书", "", "a=b", "1-2", "'plain", "'"])
def test_a_csv_cell_of_plain_text_is_left_alone(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("text", ["=1+1", "+86", "'=1", "''@x", "'plain", "'", "plain", "-"])
def test_csv_quoting_reads_back_what_was_written(text):
    assert csv_unquote(csv_cell(text)) == text


def test_csv_cells_that_are_not_text_are_left_alone():
    assert csv_cell(-3) == -3 and csv_cell(None) is None


def test_an_xlsx_cell_starting_with_an_equals_sign_is_a_string_not_a_formula():
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("a")
    sheet.append(xlsx_row(sheet, ["=1+1", "+86", "@A1", 3]))
    buffer = io.BytesIO()
    workbook.save(buffer)

    cells = next(openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["a"].iter_rows())
    assert [(c.value, c.data_type) for c in cells] == [("=1+1", "s"), ("+86", "s"), ("@A1", "s"), (3, "n")]
