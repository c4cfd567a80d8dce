"""The item's form definition, applied to what an applicant or clerk filled in.

One definition (catalog: ServiceItem.form_definition) drives online and window intake, so both
paths check a filled form here.

ID numbers typed into the form are personal information (个人信息保护法 art. 28), kept like the
party's own number: ``Application.form_data`` holds each one as ``{"enc": <Fernet token>, "masked":
"110105********002X"}`` (portal.crypto, key from the environment). Its own applicant's draft page
and the checks at submission decrypt it; everyone else sees the masked form, and a clerk's or
reviewer's full view goes through applications.services.reveal_form_id_numbers, which is audited.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from portal import crypto, validators
from portal.idnumbers import mask_id_number

MAX_TEXT = 2000
FIELD_VALIDATORS = {
    "resident_id": validators.validate_resident_id,
    "uscc": validators.validate_uscc,
    "phone": validators.validate_phone,
    "email": EmailValidator(message=gettext_lazy("请填写有效的电子邮箱地址。")),
}
TYPE_VALIDATORS = {"id_number": "resident_id", "uscc": "uscc", "phone": "phone", "email": "email"}
# A date in an item's form (a birth date, a business term's end) lies within these bounds.
FORM_EARLIEST_DATE = dt.date(1900, 1, 1)
FORM_LATEST_YEARS_AHEAD = 100
# A field of one of these types, or checked by one of these validators, holds an ID number.
ID_NUMBER_FIELD_TYPES = ("id_number", "resident_id")


def is_id_number_field(field: dict[str, Any]) -> bool:
    return field.get("type") in ID_NUMBER_FIELD_TYPES or field.get("validator") in ID_NUMBER_FIELD_TYPES


def is_encrypted(value: Any) -> bool:
    """A stored ID number: ``{"enc": token, "masked": text}`` (what a form never receives as input)."""
    return isinstance(value, dict) and isinstance(value.get("enc"), str)


def encrypt_id_numbers(
    definition: list[dict[str, Any]], data: dict[str, Any], previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The form as stored: every non-empty ID number encrypted, the rest as typed.

    A masked value sent back unchanged (the API shows drafts only masked) keeps the number stored
    in ``previous``: a masked number has asterisks, which no ID number has, so it is never a new one.
    """
    id_fields = {f["name"] for f in definition if is_id_number_field(f)}
    previous = previous or {}
    stored: dict[str, Any] = {}
    for name, value in decrypt_id_numbers(data).items():
        if name in id_fields and isinstance(value, str) and value.strip():
            earlier = previous.get(name)
            if is_encrypted(earlier) and value.strip() == earlier["masked"]:
                value = earlier
            else:
                value = {"enc": crypto.encrypt(value), "masked": mask_id_number(value)}
        stored[name] = value
    return stored


# The names of the standard applicant fields item forms use (form_fields of catalog/demo/data/vocabulary.yaml):
# what the portal already knows about the applicant fills them in.
KNOWN_FIELDS = (
    "applicant_name", "applicant_id_number", "applicant_phone",
    "organization_name", "organization_uscc", "legal_representative", "agent_name", "agent_id_number", "agent_phone",
)  # fmt: skip


def prefill_form_data(definition: list[dict[str, Any]], known: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each empty standard field of the form filled from ``known``; what was typed stays."""
    filled = dict(data)
    for field in definition:
        name = field["name"]
        if name in KNOWN_FIELDS and known.get(name) and not str(filled.get(name) or "").strip():
            filled[name] = known[name]
    return filled


def decrypt_id_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """The form as typed, ID numbers in full: only for its own applicant and the checks at submission."""
    return {name: crypto.decrypt(value["enc"]) if is_encrypted(value) else value for name, value in data.items()}


def mask_id_numbers(definition: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    """The form as everyone else sees it: ID numbers masked (a row from before encryption too)."""
    id_fields = {f.get("name") for f in definition if is_id_number_field(f)}
    shown: dict[str, Any] = {}
    for name, value in data.items():
        if is_encrypted(value):
            value = value.get("masked") or ""
        elif name in id_fields and isinstance(value, str) and value:
            value = mask_id_number(value)
        shown[name] = value
    return shown


def validate_form_data(definition: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem of a filled form, by field name; an empty dict when it is complete and valid."""
    problems: dict[str, list[str]] = {}
    for field in definition:
        name, label = field["name"], field.get("label", field["name"])
        value = data.get(name)
        text = "" if value is None else str(value).strip() if not isinstance(value, list) else value
        if not text:
            if field.get("required"):
                problems[name] = [gettext("请填写“%(label)s”。") % {"label": label}]
            continue
        message = _check_value(field, text)
        if message:
            problems[name] = [gettext("“%(label)s”：%(message)s") % {"label": label, "message": message}]
    unknown = set(data) - {f["name"] for f in definition}
    if unknown:
        problems["__all__"] = [gettext("表单含有未定义的字段。")]
    return problems


def _check_value(field: dict[str, Any], value: Any) -> str:
    kind = field.get("type", "text")
    options = [str(o) for o in field.get("options", [])]
    if kind in ("select", "radio") and str(value) not in options:
        return gettext("请从给定选项中选择。")
    if kind == "checkbox":
        chosen = value if isinstance(value, list) else [value]
        if any(str(v) not in options for v in chosen):
            return gettext("请从给定选项中选择。")
        return ""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return gettext("不能超过 %(MAX_TEXT)s 个字。") % {"MAX_TEXT": MAX_TEXT}
    if kind == "number":
        try:
            float(value)
        except (TypeError, ValueError):
            return gettext("请填写数字。")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return gettext("请按 年-月-日 填写日期。")
        try:
            today = timezone.localdate()
            validators.validate_date_between(
                day,
                earliest=FORM_EARLIEST_DATE,
                latest=validators.years_after(today, FORM_LATEST_YEARS_AHEAD),
                what=str(field.get("label") or gettext("日期")),
            )
        except ValidationError as exc:
            return exc.messages[0]
    check = FIELD_VALIDATORS.get(field.get("validator") or TYPE_VALIDATORS.get(kind, ""))
    if check:
        try:
            check(value)
        except ValidationError as exc:
            return exc.messages[0]
    return ""
