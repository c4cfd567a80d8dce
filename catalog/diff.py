"""What changed between two versions of a service item, field by field, for people to read.

Compares the specs (catalog.specs.item_spec) of two versions: each field by its verbose name,
and the children by what identifies them to an editor: materials, fees and FAQ by name or question,
situations by question, review steps by kind, topics as a set. The order of rows is not compared.
"""

import datetime
import decimal
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext, gettext_lazy

from catalog.models import FAQ, Fee, MaterialRequirement, ProcessStep, ServiceItem, Topic
from catalog.specs import item_spec

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_LABELS = {ADDED: gettext_lazy("新增"), REMOVED: gettext_lazy("删除"), CHANGED: gettext_lazy("修改")}
MAX_VALUE_CHARS = 2000


@dataclass(frozen=True)
class Change:
    """One difference: ``field`` is the spec key, ``label`` what the editor reads."""

    section: str
    field: str
    label: str
    old: str
    new: str
    kind: str = CHANGED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def as_dict(self) -> dict[str, str]:
        """A JSON-safe form, kept in the history (ItemEvent.changes)."""
        return {k: v[:MAX_VALUE_CHARS] for k, v in asdict(self).items()}


def diff_versions(old: ServiceItem, new: ServiceItem) -> list[Change]:
    """Changes from version ``old`` to version ``new`` of the same item."""
    return diff_specs(item_spec(old), item_spec(new))


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = _diff_fields(old, new)
    changes += _diff_rows(
        old.get("materials", []),
        new.get("materials", []),
        key="name",
        section=gettext("申请材料"),
        model=MaterialRequirement,
    )
    changes += _diff_situations(old.get("situations", []), new.get("situations", []))
    changes += _diff_rows(
        old.get("steps", []), new.get("steps", []), key="kind", section=gettext("审查环节"), model=ProcessStep
    )
    changes += _diff_rows(old.get("fees", []), new.get("fees", []), key="name", section=gettext("收费项目"), model=Fee)
    changes += _diff_rows(
        old.get("faqs", []), new.get("faqs", []), key="question", section=gettext("常见问题"), model=FAQ
    )
    changes += _diff_topics(old.get("topics", []), new.get("topics", []))
    return changes


def _diff_fields(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    for field in ServiceItem._meta.concrete_fields:
        key = field.attname if field.is_relation else field.name
        if key not in old and key not in new:
            continue
        before, after = _display(field, old.get(key)), _display(field, new.get(key))
        if before != after:
            changes.append(
                Change(section=gettext("事项信息"), field=key, label=str(field.verbose_name), old=before, new=after)
            )
    return changes


def _diff_rows(
    old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]], *, key: str, section: str, model: Any
) -> list[Change]:
    old_by_key = {str(r.get(key)): r for r in old_rows}
    new_by_key = {str(r.get(key)): r for r in new_rows}
    fields = {f.name: f for f in model._meta.concrete_fields}
    changes = []
    for name in [*old_by_key, *(k for k in new_by_key if k not in old_by_key)]:
        before, after = old_by_key.get(name), new_by_key.get(name)
        title = _display(fields[key], name)
        if after is None:
            changes.append(Change(section, key, title, _summary(before, fields), "", REMOVED))
        elif before is None:
            changes.append(Change(section, key, title, "", _summary(after, fields), ADDED))
        else:
            for sub in after:
                if sub == key or sub not in fields:
                    continue
                old_value, new_value = _display(fields[sub], before.get(sub)), _display(fields[sub], after.get(sub))
                if old_value != new_value:
                    label = f"{title} · {str(fields[sub].verbose_name)}"
                    changes.append(Change(section, sub, label, old_value, new_value))
    return changes


def _summary(row: dict[str, Any] | None, fields: dict[str, Any]) -> str:
    parts = []
    for name, value in (row or {}).items():
        if name in fields and value not in (None, "", [], False):
            parts.append(
                gettext("%(verbose_name)s：%(display)s")
                % {"verbose_name": fields[name].verbose_name, "display": _display(fields[name], value)}
            )
    return "；".join(parts)


def _diff_situations(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[Change]:
    def options(situation: dict[str, Any]) -> str:
        lines = []
        for o in situation.get("options", []):
            line = o["label"]
            if o.get("adds"):
                line += gettext("（增加：%(join)s）") % {"join": "、".join(o["adds"])}
            if o.get("drops"):
                line += gettext("（免交：%(join)s）") % {"join": "、".join(o["drops"])}
            lines.append(line)
        return "\n".join(lines)

    old_by_q = {s["question"]: options(s) for s in old}
    new_by_q = {s["question"]: options(s) for s in new}
    changes = []
    for question in [*old_by_q, *(q for q in new_by_q if q not in old_by_q)]:
        if question not in new_by_q:
            changes.append(Change(gettext("办理情形"), "situations", question, old_by_q[question], "", REMOVED))
        elif question not in old_by_q:
            changes.append(Change(gettext("办理情形"), "situations", question, "", new_by_q[question], ADDED))
        elif old_by_q[question] != new_by_q[question]:
            changes.append(Change(gettext("办理情形"), "situations", question, old_by_q[question], new_by_q[question]))
    return changes


def _diff_topics(old: list[str], new: list[str]) -> list[Change]:
    if set(old) == set(new):
        return []
    names = dict(Topic.objects.filter(code__in={*old, *new}).values_list("code", "name"))

    def show(codes: list[str]) -> str:
        return "、".join(str(names.get(c, c)) for c in sorted(codes))

    return [Change(gettext("主题"), "topics", gettext("主题"), show(old), show(new))]


def _display(field: Any, value: Any) -> str:
    """A value as the editor reads it: choice labels, 是/否, file names, dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, FieldFile):
        return os.path.basename(value.name) if value.name else ""
    if hasattr(value, "name") and hasattr(value, "read"):  # an upload not saved yet
        return os.path.basename(value.name or "")
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if field.name == "service_objects":
        from catalog.models import ServiceObject

        choices = dict(ServiceObject.choices)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)
    if choices:
        return str(choices.get(value, value))
    if field.is_relation:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
