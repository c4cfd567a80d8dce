"""Reading the demo's data files (``catalog/demo/data/*.yaml``) and checking their shape.

Each module that owns a file (``places``, ``topics``, ``accounts``, ``build`` and ``items``) says
what its records look like with the small readers below; a file that does not fit raises
DataFileError naming the file and the key, before anything is written. Only ``yaml.safe_load``:
the files are data, never code.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db.models import Choices
from django.utils.translation import override

DATA_DIR = Path(__file__).with_name("data")
_SHOWN_FROM = DATA_DIR.parents[2]  # paths in messages are relative to the checkout


class DataFileError(ValueError):
    """A demo data file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class At:
    """Where a value stands: the file and the keys leading to it (for the message)."""

    path: Path
    keys: tuple[str, ...] = ()

    def __truediv__(self, key: str) -> "At":
        return At(self.path, (*self.keys, key))

    def entry(self, position: int, value: Any) -> "At":
        """A list's entry, shown by its number and, when it has one, its key or name."""
        name = (value.get("key") or value.get("name")) if isinstance(value, dict) else None
        return self / (f"第 {position + 1} 项" + (f"（{name}）" if isinstance(name, str) and name else ""))

    def error(self, message: str) -> DataFileError:
        try:
            shown = self.path.relative_to(_SHOWN_FROM)
        except ValueError:
            shown = self.path
        where = " › ".join(self.keys)
        return DataFileError(f"演示数据文件 {shown}：{where + '：' if where else ''}{message}")


Reader = Callable[[Any, At], Any]


def read_file(path: Path | str, reader: Reader) -> Any:
    """The file (a path, or a name inside ``DATA_DIR``) parsed with ``yaml.safe_load`` and read by ``reader``."""
    path = DATA_DIR / path if isinstance(path, str) else path
    at = At(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise at.error(f"无法读取（{error.strerror}）。") from error
    except UnicodeDecodeError as error:
        raise at.error("不是 UTF-8 编码的文本。") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"第 {mark.line + 1} 行：" if mark is not None else ""
        raise at.error(f"{line}YAML 格式错误（{getattr(error, 'problem', None) or error}）。") from error
    return reader(data, at)


# --- Readers: each checks one value and returns it as the code uses it -------------------------
def text(value: Any, at: At) -> str:
    if not isinstance(value, str):
        raise at.error("须为文本。")
    return value


def number(value: Any, at: At) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise at.error("须为非负整数。")
    return value


def flag(value: Any, at: At) -> bool:
    if not isinstance(value, bool):
        raise at.error("须为 true 或 false。")
    return value


def money(value: Any, at: At) -> Decimal | None:
    """An amount in yuan written as text or a whole number ("20.00", 20); never a float, which is inexact."""
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            pass
        else:
            if amount.is_finite() and amount >= 0:
                return amount
    raise at.error('须为金额（如 "20.00"），或不填（null）。')


def choice(choices: type[Choices]) -> Reader:
    """A choice written as the catalog shows it (its label, as in the import); returns the stored value."""
    with override(settings.LANGUAGE_CODE):  # the data files are written in the source language
        by_label = {str(label): value for value, label in choices.choices}

    def read(value: Any, at: At) -> Any:
        if value not in by_label:
            raise at.error(f"“{value}”不是可选的取值，可选：{'、'.join(by_label)}。")
        return by_label[value]

    return read


def one_of(*allowed: str) -> Reader:
    def read(value: Any, at: At) -> str:
        if value not in allowed:
            raise at.error(f"“{value}”不是可选的取值，可选：{'、'.join(allowed)}。")
        return value

    return read


def list_of(reader: Reader) -> Reader:
    def read(value: Any, at: At) -> list[Any]:
        if not isinstance(value, list):
            raise at.error("须为列表。")
        return [reader(entry, at.entry(position, entry)) for position, entry in enumerate(value)]

    return read


def mapping_of(key: Reader, reader: Reader) -> Reader:
    """A mapping whose keys are data themselves (names of presets, national authorities)."""

    def read(value: Any, at: At) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise at.error("须为键值对（映射）。")
        return {key(k, at / str(k)): reader(v, at / str(k)) for k, v in value.items()}

    return read


@dataclass(frozen=True)
class Required:
    reader: Reader


def record(keys: dict[str, Reader | Required]) -> Reader:
    """A mapping with known keys: an unknown key or a missing required one is an error naming it."""

    def read(value: Any, at: At) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise at.error("须为键值对（映射）。")
        for key in value:
            if key not in keys:
                raise (at / str(key)).error(f"无法识别的键，可用的键：{'、'.join(keys)}。")
        out: dict[str, Any] = {}
        for key, spec in keys.items():
            reader = spec.reader if isinstance(spec, Required) else spec
            if key in value:
                out[key] = reader(value[key], at / key)
            elif isinstance(spec, Required):
                raise (at / key).error("缺少这个键。")
        return out

    return read


def unique(values: list[Any], what: str, at: At) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise at.error(f"{what}“{value}”重复。")
        seen.add(value)
