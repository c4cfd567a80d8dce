"""The item's form definition, applied to what an applicant or clerk filled in.

One definition (catalog: ServiceItem.form_definition) drives online and window intake, so both
paths check a filled form here.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from portal import validators

MAX_TEXT = 2000
FIELD_VALIDATORS = {
    "resident_id": validators.validate_resident_id,
    "uscc": validators.validate_uscc,
    "phone": validators.validate_phone,
    "email": EmailValidator(message="请填写有效的电子邮箱地址。"),
}
TYPE_VALIDATORS = {"id_number": "resident_id", "uscc": "uscc", "phone": "phone", "email": "email"}


def validate_form_data(definition: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem of a filled form, by field name; an empty dict when it is complete and valid."""
    problems: dict[str, list[str]] = {}
    for field in definition:
        name, label = field["name"], field.get("label", field["name"])
        value = data.get(name)
        text = "" if value is None else str(value).strip() if not isinstance(value, list) else value
        if not text:
            if field.get("required"):
                problems[name] = [f"请填写“{label}”。"]
            continue
        message = _check_value(field, text)
        if message:
            problems[name] = [f"“{label}”：{message}"]
    unknown = set(data) - {f["name"] for f in definition}
    if unknown:
        problems["__all__"] = ["表单含有未定义的字段。"]
    return problems


def _check_value(field: dict[str, Any], value: Any) -> str:
    kind = field.get("type", "text")
    options = [str(o) for o in field.get("options", [])]
    if kind in ("select", "radio") and str(value) not in options:
        return "请从给定选项中选择。"
    if kind == "checkbox":
        chosen = value if isinstance(value, list) else [value]
        if any(str(v) not in options for v in chosen):
            return "请从给定选项中选择。"
        return ""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return f"不能超过 {MAX_TEXT} 个字。"
    if kind == "number":
        try:
            float(value)
        except (TypeError, ValueError):
            return "请填写数字。"
    if kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return "请按 年-月-日 填写日期。"
    check = FIELD_VALIDATORS.get(field.get("validator") or TYPE_VALIDATORS.get(kind, ""))
    if check:
        try:
            check(value)
        except ValidationError as exc:
            return exc.messages[0]
    return ""
