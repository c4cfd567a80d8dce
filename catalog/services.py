"""Every write to the catalog.

An item version is written from a *spec*: a plain dict of ServiceItem fields plus nested lists
``materials``, ``situations`` (options name the materials they add or drop by name), ``steps``,
``fees``, ``faqs`` and ``topics`` (topic codes). Editors' forms, the import and the demo data all
build specs, so one code path writes an item and one set of rules (catalog.rules) checks it.
"""

from typing import Any

from django.db import transaction

from catalog import rules
from catalog.models import (
    FAQ,
    Fee,
    ItemEvent,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)

CHILD_KEYS = ("materials", "situations", "steps", "fees", "faqs", "topics")
MATERIAL_FIELDS = (
    "name", "material_type", "form", "necessity", "originals", "copies", "source", "issuing_body",
    "license_code", "acceptance_standard", "basis", "notes", "is_situational",
)  # fmt: skip
FILE_FIELDS = ("blank_form", "sample")


def build_search_text(item: ServiceItem) -> str:
    """Lower-cased haystack for substring search (PostgreSQL FTS does not segment Chinese)."""
    parts = [
        item.name,
        item.basic_item.name,
        item.keywords,
        item.common_names,
        item.department.name,
        item.region.name,
        item.code,
    ]
    return " ".join(p for p in parts if p).lower()


@transaction.atomic
def write_item_version(*, item: ServiceItem, spec: dict[str, Any]) -> ServiceItem:
    """Set an unsaved or draft version's fields and children from a spec, then check every rule.

    Raises ValidationError (and the transaction rolls back) when any rule fails.
    """
    fields = {k: v for k, v in spec.items() if k not in CHILD_KEYS}
    for name, value in fields.items():
        setattr(item, name, value)
    item.search_text = build_search_text(item)
    item.save()
    if any(k in spec for k in CHILD_KEYS):
        _replace_children(item, spec)
    rules.validate_service_item(item)
    return item


def _replace_children(item: ServiceItem, spec: dict[str, Any]) -> None:
    if "materials" in spec:
        item.materials.all().delete()
        for order, m in enumerate(spec["materials"], start=1):
            MaterialRequirement.objects.create(
                item=item,
                order=order,
                **{k: v for k, v in m.items() if k in MATERIAL_FIELDS or k in FILE_FIELDS},
            )
    if "situations" in spec:
        item.situations.all().delete()
        by_name = {m.name: m for m in item.materials.all()}
        for order, s in enumerate(spec["situations"], start=1):
            situation = Situation.objects.create(item=item, order=order, question=s["question"])
            for option_order, o in enumerate(s.get("options", []), start=1):
                option = SituationOption.objects.create(situation=situation, order=option_order, label=o["label"])
                option.adds.set([_material(by_name, name) for name in o.get("adds", [])])
                option.drops.set([_material(by_name, name) for name in o.get("drops", [])])
    if "steps" in spec:
        item.steps.all().delete()
        ProcessStep.objects.bulk_create(ProcessStep(item=item, order=i, **s) for i, s in enumerate(spec["steps"], start=1))
    if "fees" in spec:
        item.fees.all().delete()
        Fee.objects.bulk_create(Fee(item=item, order=i, **f) for i, f in enumerate(spec["fees"], start=1))
    if "faqs" in spec:
        item.faqs.all().delete()
        FAQ.objects.bulk_create(FAQ(item=item, order=i, **f) for i, f in enumerate(spec["faqs"], start=1))
    if "topics" in spec:
        item.topics.set(Topic.objects.filter(code__in=spec["topics"]))


def _material(by_name: dict[str, MaterialRequirement], name: str) -> MaterialRequirement:
    from django.core.exceptions import ValidationError

    try:
        return by_name[name]
    except KeyError:
        raise ValidationError({"situations": [f"情形选项引用了不存在的材料“{name}”。"]}) from None


def item_spec(item: ServiceItem) -> dict[str, Any]:
    """The spec of a saved version: what a new version copies, what the diff compares."""
    spec: dict[str, Any] = {}
    for field in ServiceItem._meta.concrete_fields:
        if field.name in SPEC_EXCLUDED_FIELDS:
            continue
        spec[field.attname if field.is_relation else field.name] = getattr(item, field.attname)
    spec["materials"] = [
        {**{k: getattr(m, k) for k in MATERIAL_FIELDS}, **{k: getattr(m, k) for k in FILE_FIELDS}}
        for m in item.materials.all()
    ]
    spec["situations"] = [
        {
            "question": s.question,
            "options": [
                {
                    "label": o.label,
                    "adds": [m.name for m in o.adds.all()],
                    "drops": [m.name for m in o.drops.all()],
                }
                for o in s.options.all()
            ],
        }
        for s in item.situations.prefetch_related("options__adds", "options__drops")
    ]
    spec["steps"] = [{"kind": s.kind, "limit_days": s.limit_days, "description": s.description} for s in item.steps.all()]
    spec["fees"] = [
        {"name": f.name, "standard": f.standard, "amount_yuan": f.amount_yuan, "basis": f.basis, "is_waivable": f.is_waivable}
        for f in item.fees.all()
    ]
    spec["faqs"] = [{"question": f.question, "answer": f.answer} for f in item.faqs.all()]
    spec["topics"] = sorted(item.topics.values_list("code", flat=True))
    return spec


# Bookkeeping that belongs to one version row, not to the item's content.
SPEC_EXCLUDED_FIELDS = {
    "id", "version", "status", "search_text", "created_by", "created_at", "updated_at", "submitted_at",
    "published_by", "published_at", "retired_at", "review_comment",
}  # fmt: skip


def record_item_event(
    *, item: ServiceItem, action: str, actor: Any = None, comment: str = "", changes: dict[str, Any] | None = None
) -> ItemEvent:
    return ItemEvent.objects.create(item=item, action=action, actor=actor, comment=comment, changes=changes or {})
