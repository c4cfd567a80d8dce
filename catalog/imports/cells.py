"""Reading one cell of the layout: separators, escapes, choice labels, numbers, codes."""

import json
import logging
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext, override

from catalog.imports.layout import (
    ESCAPE,
    FALSE_WORDS,
    LIST_SEPARATORS,
    MAX_CELL_CHARS,
    SMALLINT_MAX,
    TRUE_WORDS,
    Column,
)

logger = logging.getLogger(__name__)


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
    lookup: dict[str, Any] = {}
    for value, label in _source_pairs(choices):
        lookup[str(value)] = value
        lookup[str(label)] = value
        for part in str(label).split():
            lookup.setdefault(part, value)
    return lookup


def _source_pairs(choices: Any) -> list[tuple[Any, str]]:
    """The choices with their labels in the source language: the spreadsheet's cells are Chinese in any
    interface language (a file exported in English imports anywhere)."""
    pairs = choices.choices if hasattr(choices, "choices") else choices
    with override(settings.LANGUAGE_CODE):
        return [(value, str(label)) for value, label in pairs]


def choice_label(choices: Any, value: Any) -> str:
    return next((label for v, label in _source_pairs(choices) if v == value), str(value))


def choice_labels(choices: Any) -> str:
    return "、".join(label for _, label in _source_pairs(choices))


_url_validator = URLValidator(schemes=["http", "https"])


def read_cell(column: Column, raw: str, topics: dict[str, str]) -> Any:
    """The value of one cell for the spec, or CellError with a message for the editor."""
    text = raw.strip()
    if len(text) > MAX_CELL_CHARS:
        raise CellError(
            gettext("内容过长（%(len)s 字），单元格最多 %(MAX_CELL_CHARS)s 字。")
            % {"len": len(text), "MAX_CELL_CHARS": MAX_CELL_CHARS}
        )
    if not text:
        if column.required:
            raise CellError(gettext("此项必填。"))
        return column.default()
    if column.kind in ("text", "url"):
        limit = column.max_length()
        if limit and len(text) > limit:
            raise CellError(gettext("内容过长（%(len)s 字），最多 %(limit)s 字。") % {"len": len(text), "limit": limit})
        if column.kind == "url":
            try:
                _url_validator(text)
            except ValidationError:
                raise CellError(gettext("网址格式不正确，应以 http:// 或 https:// 开头。")) from None
        return text
    if column.kind == "int":
        if not (text.isascii() and text.isdigit()) or int(text) > SMALLINT_MAX:
            raise CellError(
                gettext("“%(text)s”不是有效的数字，请填写 0 至 %(SMALLINT_MAX)s 之间的整数。")
                % {"text": text, "SMALLINT_MAX": SMALLINT_MAX}
            )
        return int(text)
    if column.kind == "decimal":
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(gettext("“%(text)s”不是有效的金额。") % {"text": text}) from None
        if (
            not amount.is_finite()
            or amount < 0
            or amount >= Decimal("1e8")
            or amount != amount.quantize(Decimal("0.01"))
        ):
            raise CellError(gettext("金额“%(text)s”应为不小于 0 的数字，最多两位小数。") % {"text": text})
        return amount.quantize(Decimal("0.01"))
    if column.kind == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(gettext("“%(text)s”无法识别，请填写“是”或“否”。") % {"text": text})
    if column.kind == "choice":
        value = choice_lookup(column.choices).get(text)
        if value is None:
            raise CellError(
                gettext("“%(text)s”不是有效的取值，可选：%(choice_labels)s。")
                % {"text": text, "choice_labels": choice_labels(column.choices)}
            )
        return value
    if column.kind == "multi":
        lookup = choice_lookup(column.choices)
        values, unknown = [], []
        for part in split_list(text):
            (values.append(lookup[part]) if part in lookup else unknown.append(part))
        if unknown:
            raise CellError(
                gettext("“%(join)s”不是有效的取值，可选：%(choice_labels)s。")
                % {"join": "、".join(unknown), "choice_labels": choice_labels(column.choices)}
            )
        return list(dict.fromkeys(values))
    if column.kind in ("list", "names"):
        return split_list(text)
    if column.kind == "topics":
        codes, unknown = [], []
        for part in split_list(text):
            (codes.append(topics[part]) if part in topics else unknown.append(part))
        if unknown:
            raise CellError(gettext("未找到主题“%(join)s”。") % {"join": "、".join(unknown)})
        return sorted(set(codes))
    if column.kind == "json":
        try:
            value = json.loads(text)
        except ValueError:
            raise CellError(gettext("不是有效的 JSON。")) from None
        if not isinstance(value, list):
            raise CellError(gettext("应为字段列表（JSON 数组）。"))
        return value
    raise ValueError(f"unknown column kind {column.kind!r}")
