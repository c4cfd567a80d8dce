"""An item version as a spec: a plain dict of its fields and child lists (docs/architecture.md).

What a new version copies, what the diff compares (catalog.diff), what the editors' forms, the API, the
import and the demo data write through ``catalog.services.write_item_version``. Reads only: it imports
no other module of the catalog but its models, so the services and the diff both stand on it.
"""

from typing import Any

from catalog.models import ServiceItem

CHILD_KEYS = ("materials", "situations", "steps", "fees", "faqs", "topics")
MATERIAL_FIELDS = (
    "name", "material_type", "form", "necessity", "originals", "copies", "source", "issuing_body",
    "license_code", "acceptance_standard", "basis", "notes", "is_situational", "allows_commitment", "commitment_text",
)  # fmt: skip
FILE_FIELDS = ("blank_form", "sample")

SPEC_EXCLUDED_FIELDS = {
    "id", "version", "status", "search_text", "created_by", "created_at", "updated_at", "submitted_at",
    "published_by", "published_at", "retired_at", "review_comment",
}  # fmt: skip


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
    spec["steps"] = [
        {"kind": s.kind, "limit_days": s.limit_days, "description": s.description} for s in item.steps.all()
    ]
    spec["fees"] = [
        {
            "name": f.name,
            "standard": f.standard,
            "amount_yuan": f.amount_yuan,
            "basis": f.basis,
            "is_waivable": f.is_waivable,
        }
        for f in item.fees.all()
    ]
    spec["faqs"] = [{"question": f.question, "answer": f.answer} for f in item.faqs.all()]
    spec["topics"] = sorted(item.topics.values_list("code", flat=True))
    return spec
