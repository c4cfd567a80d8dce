"""Texts written to the database in the source language (Chinese) and translated when they are shown.

A timeline entry or a notification is written once, in whatever language the actor's request happened
to use, and read later by someone else, maybe in another language. So the row keeps the Chinese text
(what the SMS, the admin, exports and search see) and, beside it, the text's msgid and its parameters;
a page renders those in the reader's language:

    note = stored_text.stored(gettext_noop("退回%(step)s：%(opinion)s"), step=step.label, opinion=opinion)
    event.note = stored_text.source(note)      # 退回初审：材料不全
    event.data["note_text"] = note             # {"text": "退回%(step)s：%(opinion)s", "params": {...}}
    stored_text.render(note)                   # in English: Returned to first review: 材料不全

A parameter is a plain value (a number, what a person typed: shown as written), a day (``day(d)``:
shown in the reader's short date format), a lazy label (a choice's label: stored by its msgid, translated
too) or another stored text.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop, override

StoredText = dict[str, Any]


def stored(msgid: str, **params: Any) -> StoredText:
    """A text to store: ``msgid`` (marked with gettext_noop by the caller) and its parameters."""
    return {"text": str(msgid), "params": {name: _param(value) for name, value in params.items()}}


def day(value: dt.date) -> dict[str, str]:
    """A date as a parameter: kept as ISO, shown in the reader's short format (2026-12-02, 2 Dec 2026)."""
    return {"date": value.isoformat()}


def _param(value: Any) -> Any:
    if isinstance(value, dict) and ("text" in value or "date" in value):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return day(value)
    if isinstance(value, Promise):  # a lazy label: its msgid, so that it is translated on display too
        with override(settings.LANGUAGE_CODE):
            return {"text": str(value), "params": {}}
    if isinstance(value, bool | int | float):
        return value
    return "" if value is None else str(value)


def is_stored(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("text"), str)


def render(value: Any) -> str:
    """The text in the active language (a plain string is shown as it was stored)."""
    if not is_stored(value):
        return "" if value is None else str(value)
    params = {name: _shown_param(param) for name, param in value.get("params", {}).items()}
    text = gettext(value["text"]) if value["text"] else ""
    return text % params if params else text


def _shown_param(param: Any) -> Any:
    if is_stored(param):
        return render(param)
    if isinstance(param, dict) and isinstance(param.get("date"), str):
        try:
            return date_format(dt.date.fromisoformat(param["date"]), "SHORT_DATE_FORMAT")
        except ValueError:
            return param["date"]
    return param


def source(value: Any) -> str:
    """The text in the source language: what the row's text column keeps."""
    with override(settings.LANGUAGE_CODE):
        return render(value)


def shown(value: Any, fallback: str = "") -> str:
    """A stored text in the active language, or ``fallback`` (the row's column) when none was stored."""
    return render(value) if is_stored(value) else fallback


def listed(texts: list[Any]) -> Any:
    """Several texts (stored or plain) as one, separated by the language's list mark (、 in Chinese)."""
    if not texts:
        return ""
    out = texts[-1]
    for text in reversed(texts[:-1]):
        out = stored(gettext_noop("%(first)s、%(rest)s"), first=text, rest=out)
    return out


def joined(texts: list[Any]) -> Any:
    """Sentences (stored or plain) one after the other, as one text (no separator: each ends itself)."""
    if not texts:
        return ""
    out = texts[-1]
    for text in reversed(texts[:-1]):
        out = stored(gettext_noop("%(first)s%(rest)s"), first=text, rest=out)
    return out


def quoted(names: list[str]) -> Any:
    """Names (data, as written) each in quotation marks, listed: “出生医学证明”、“户口簿”."""
    return listed([stored(gettext_noop("“%(name)s”"), name=name) for name in names])


def payload(**texts: Any) -> dict[str, Any]:
    """An outbox payload's texts: each in the source language, and under "texts" the stored ones, so
    that the notification built from it can be shown in its reader's language."""
    out: dict[str, Any] = {name: source(value) for name, value in texts.items()}
    out["texts"] = {name: value for name, value in texts.items() if is_stored(value)}
    return out


def label(instance: Any, field: str) -> Any:
    """A choice field's label as a lazy text (``get_FOO_display`` gives it already translated)."""
    value = getattr(instance, field)
    return dict(instance._meta.get_field(field).flatchoices).get(value, value)
