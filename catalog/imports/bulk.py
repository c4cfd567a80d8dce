"""The import's check and write of many rows at once: unsaved objects in memory, then bulk inserts.

Each checked row (a ``RowPlan``) becomes a ``Draft``: the unsaved ServiceItem version the row will
be and the full spec of it (the published version's spec overlaid with the row's columns, as
``services.start_new_version`` + ``services.update_draft`` would leave it: a missing column keeps
the published value, a material keeps the blank form and sample of the material of that name, the
situations keep naming materials by name). The same catalog.rules run on it, with its children in
memory (``rules.validate_service_item(item, children=…)``), and so do the checks the services make
before writing: the implementation code a new item gets (``services.next_item_code``'s rule, with
the codes the file itself takes), the materials a situation names.

The validation pass compares each draft's spec with the published version's (the preview), the
write inserts every version, child row, M2M link, item event and audit row with ``bulk_create`` in
the caller's one transaction. So a row costs a handful of queries for the whole file instead of
some 66 of its own (about 13 rows/s before; tests/perf/test_bench_import_rows.py measures it).

The write takes the same locks as the services, before planning again: the departments' rows (the
code sequence) and every version of the codes the file continues (the one-open-draft rule), always
in primary-key order, so a concurrent editor's draft or publication is seen and reported.
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils.translation import gettext

from catalog import rules
from catalog.diff import diff_specs
from catalog.imports.layout import FIELD_HEADERS
from catalog.imports.planning import RowPlan
from catalog.imports.reading import Problem
from catalog.models import (
    FAQ,
    Department,
    Fee,
    ItemEvent,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)
from catalog.services import (
    CODE_MAX_LENGTH,
    HANDLING_DIGITS,
    build_search_text,
)
from catalog.specs import CHILD_KEYS, FILE_FIELDS, MATERIAL_FIELDS, SPEC_EXCLUDED_FIELDS, item_spec
from portal.models import AuditEvent

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
STEP_FIELDS = ("kind", "limit_days", "description")
FEE_FIELDS = ("name", "standard", "amount_yuan", "basis", "is_waivable")
FAQ_FIELDS = ("question", "answer")


@dataclass
class Draft:
    """One row as the unsaved version it becomes, with the spec the write stores and the diff compares."""

    plan: RowPlan
    item: ServiceItem
    spec: dict[str, Any]
    base_spec: dict[str, Any] | None  # the published version's spec, for an update

    @property
    def changes(self) -> list[Any]:
        return [] if self.base_spec is None else diff_specs(self.base_spec, self.spec)


def _normalised(model: type, fields: tuple[str, ...], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Child rows with the model's defaults filled in, as item_spec reads them back once saved."""
    result = []
    for row in rows:
        instance = model(**{k: v for k, v in row.items() if k in fields})
        result.append({k: getattr(instance, k) for k in fields})
    return result


def _children(plan: RowPlan, base: dict[str, Any] | None) -> dict[str, Any]:
    spec = plan.spec
    base = base or {}
    children: dict[str, Any] = {}
    if "materials" in spec:
        files_by_name = {m["name"]: {k: m.get(k) for k in FILE_FIELDS} for m in base.get("materials", [])}
        materials = [{**files_by_name.get(m.get("name", ""), {}), **m} for m in spec["materials"]]
    else:
        materials = base.get("materials", [])
    children["materials"] = _normalised(MaterialRequirement, (*MATERIAL_FIELDS, *FILE_FIELDS), materials)
    children["situations"] = [
        {
            "question": s["question"],
            "options": [
                {"label": o["label"], "adds": list(o.get("adds", [])), "drops": list(o.get("drops", []))}
                for o in s.get("options", [])
            ],
        }
        for s in spec.get("situations", base.get("situations", []))
    ]
    children["steps"] = _normalised(ProcessStep, STEP_FIELDS, spec.get("steps", base.get("steps", [])))
    children["fees"] = _normalised(Fee, FEE_FIELDS, spec.get("fees", base.get("fees", [])))
    children["faqs"] = _normalised(FAQ, FAQ_FIELDS, spec.get("faqs", base.get("faqs", [])))
    children["topics"] = sorted(set(spec.get("topics", base.get("topics", []))))
    return children


def _unsaved_item(plan: RowPlan, base: dict[str, Any] | None, actor: Any) -> ServiceItem:
    department = plan.department
    fields = {k: v for k, v in plan.spec.items() if k not in CHILD_KEYS}
    if plan.existing is None:
        item = ServiceItem(
            version=1,
            name=plan.basic_item.name,
            item_type=plan.basic_item.item_type,
            basis=plan.basic_item.basis,
        )
    else:
        base_fields = {k: v for k, v in (base or {}).items() if k not in CHILD_KEYS}
        item = ServiceItem(**base_fields)
    for name, value in fields.items():
        setattr(item, name, value)
    item.status = ServiceItem.Status.DRAFT
    # A new version keeps the published one's basic item (the import cannot change the basic code).
    item.basic_item = plan.basic_item if plan.existing is None else plan.existing.basic_item
    item.department = department
    item.region = department.region
    item.created_by = actor if getattr(actor, "pk", None) else None
    return item


def _spec_of(item: ServiceItem, children: dict[str, Any]) -> dict[str, Any]:
    spec = {
        (f.attname if f.is_relation else f.name): getattr(item, f.attname)
        for f in ServiceItem._meta.concrete_fields
        if f.name not in SPEC_EXCLUDED_FIELDS
    }
    return {**spec, **children}


class _Codes:
    """The implementation codes new items get: next_item_code's rule over the codes taken so far."""

    def __init__(self, drafts_departments: set[Department]) -> None:
        self.taken: set[str] = set()
        usccs = {d.uscc for d in drafts_departments}
        if usccs:
            query = Q()
            for uscc in usccs:
                query |= Q(code__startswith=uscc)
            self.taken = set(ServiceItem.objects.filter(query).values_list("code", flat=True))

    def next(self, plan: RowPlan, handling: str) -> str | None:
        prefix = f"{plan.department.uscc}{plan.basic_item.code}{HANDLING_DIGITS.get(handling, '9')}"
        if len(prefix) + 2 > CODE_MAX_LENGTH:
            return None
        for sequence in range(1, 100):
            code = f"{prefix}{sequence:02d}"
            if code not in self.taken:
                self.taken.add(code)
                return code
        return None


def _problems_of(plan: RowPlan, sheet: str, exc: ValidationError) -> list[Problem]:
    return [
        Problem(sheet, plan.row, plan.name, FIELD_HEADERS.get(field, field), message)
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def check_plans(plans: list[RowPlan], *, actor: Any, sheet: str) -> tuple[list[Draft], list[Problem]]:
    """Every plan as an unsaved draft checked by the catalog rules; the drafts that passed and the problems."""
    existing = [p.existing for p in plans if p.existing is not None]
    base_specs = {e.pk: item_spec(e) for e in existing}
    versions = dict(
        ServiceItem.objects.filter(code__in=[e.code for e in existing])
        .values("code")
        .annotate(top=Max("version"))
        .values_list("code", "top")
    )
    codes = _Codes({p.department for p in plans if p.existing is None})
    drafts: list[Draft] = []
    problems: list[Problem] = []
    for plan in plans:
        base = base_specs.get(plan.existing.pk) if plan.existing is not None else None
        item = _unsaved_item(plan, base, actor)
        children = _children(plan, base)
        row_problems = rules.Problems()
        names = {m["name"] for m in children["materials"]}
        for situation in children["situations"]:
            for option in situation["options"]:
                for name in (*option["adds"], *option["drops"]):
                    if name not in names:
                        row_problems.add(
                            "situations", gettext("情形选项引用了不存在的材料“%(name)s”。") % {"name": name}
                        )
        if plan.existing is None:
            code = codes.next(plan, item.handling)
            if code is None:
                row_problems.add(
                    "",
                    gettext("实施编码将超过 %(CODE_MAX_LENGTH)s 位，请检查基本编码。")
                    % {"CODE_MAX_LENGTH": CODE_MAX_LENGTH}
                    if len(plan.department.uscc) + len(plan.basic_item.code) + 3 > CODE_MAX_LENGTH
                    else gettext("该部门此事项的实施编码序号已用完（99 个）。"),
                )
            else:
                item.code = code
        else:
            item.version = versions.get(item.code, plan.existing.version) + 1
        try:
            rules.validate_service_item(item, children=children)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                row_problems.by_field[field] += messages
        if row_problems.by_field:
            problems += _problems_of(plan, sheet, ValidationError(dict(row_problems.by_field)))
            continue
        item.search_text = build_search_text(item)
        drafts.append(Draft(plan, item, _spec_of(item, children), base))
    return drafts, problems


def lock_for_write(plans: list[RowPlan]) -> None:
    """The services' locks for the whole file: departments (code sequences), then the versions continued."""
    department_ids = sorted({p.department.pk for p in plans if p.existing is None})
    list(Department.objects.select_for_update().filter(pk__in=department_ids).order_by("pk").values_list("pk"))
    codes = sorted({p.existing.code for p in plans if p.existing is not None})
    list(ServiceItem.objects.select_for_update().filter(code__in=codes).order_by("pk").values_list("pk"))


def write_drafts(drafts: list[Draft], *, actor: Any, file_name: str) -> list[str]:
    """Insert every draft with its children, links, events and audit rows; the caller holds the transaction."""
    actor = actor if getattr(actor, "pk", None) else None
    items = ServiceItem.objects.bulk_create([d.item for d in drafts], batch_size=BATCH_SIZE)
    materials: list[MaterialRequirement] = []
    steps: list[ProcessStep] = []
    fees: list[Fee] = []
    faqs: list[FAQ] = []
    situations: list[tuple[Situation, list[dict[str, Any]], dict[str, MaterialRequirement]]] = []
    for draft, item in zip(drafts, items, strict=True):
        by_name: dict[str, MaterialRequirement] = {}
        for order, m in enumerate(draft.spec["materials"], start=1):
            material = MaterialRequirement(item=item, order=order, **m)
            materials.append(material)
            by_name[material.name] = material
        for order, s in enumerate(draft.spec["situations"], start=1):
            situations.append((Situation(item=item, order=order, question=s["question"]), s["options"], by_name))
        steps += [ProcessStep(item=item, order=i, **s) for i, s in enumerate(draft.spec["steps"], start=1)]
        fees += [Fee(item=item, order=i, **f) for i, f in enumerate(draft.spec["fees"], start=1)]
        faqs += [FAQ(item=item, order=i, **f) for i, f in enumerate(draft.spec["faqs"], start=1)]
    MaterialRequirement.objects.bulk_create(materials, batch_size=BATCH_SIZE)
    ProcessStep.objects.bulk_create(steps, batch_size=BATCH_SIZE)
    Fee.objects.bulk_create(fees, batch_size=BATCH_SIZE)
    FAQ.objects.bulk_create(faqs, batch_size=BATCH_SIZE)
    Situation.objects.bulk_create([s for s, _, _ in situations], batch_size=BATCH_SIZE)
    options: list[tuple[SituationOption, dict[str, Any], dict[str, MaterialRequirement]]] = []
    for situation, option_specs, by_name in situations:
        for order, o in enumerate(option_specs, start=1):
            options.append((SituationOption(situation=situation, order=order, label=o["label"]), o, by_name))
    SituationOption.objects.bulk_create([o for o, _, _ in options], batch_size=BATCH_SIZE)
    adds, drops = SituationOption.adds.through, SituationOption.drops.through
    adds.objects.bulk_create(
        [
            adds(situationoption_id=option.pk, materialrequirement_id=by_name[name].pk)
            for option, spec, by_name in options
            for name in dict.fromkeys(spec["adds"])
        ],
        batch_size=BATCH_SIZE,
    )
    drops.objects.bulk_create(
        [
            drops(situationoption_id=option.pk, materialrequirement_id=by_name[name].pk)
            for option, spec, by_name in options
            for name in dict.fromkeys(spec["drops"])
        ],
        batch_size=BATCH_SIZE,
    )
    topic_ids = dict(
        Topic.objects.filter(code__in={c for d in drafts for c in d.spec["topics"]}).values_list("code", "pk")
    )
    topics = ServiceItem.topics.through
    topics.objects.bulk_create(
        [
            topics(serviceitem_id=item.pk, topic_id=topic_ids[code])
            for draft, item in zip(drafts, items, strict=True)
            for code in draft.spec["topics"]
            if code in topic_ids
        ],
        batch_size=BATCH_SIZE,
    )
    _record_events(drafts, items, actor=actor, file_name=file_name)
    return [item.code for item in items]


def _record_events(drafts: list[Draft], items: list[ServiceItem], *, actor: Any, file_name: str) -> None:
    """The events and audit rows services.create_service_item / start_new_version / update_draft write."""
    events: list[ItemEvent] = []
    audits: list[AuditEvent] = []

    def audit(action: str, item: ServiceItem, detail: dict[str, Any] | None = None) -> None:
        audits.append(
            AuditEvent(
                actor=actor,
                action=f"catalog.{action}",
                object_type=item._meta.label_lower,
                object_id=str(item.pk),
                detail={"code": item.code, "version": item.version, **(detail or {})},
            )
        )

    for draft, item in zip(drafts, items, strict=True):
        existing = draft.plan.existing
        if existing is None:
            events.append(ItemEvent(item=item, action=ItemEvent.Action.CREATED, actor=actor))
            audit("item_created", item)
        else:
            from_version = {"from_version": existing.version}
            events.append(
                ItemEvent(
                    item=item,
                    action=ItemEvent.Action.CREATED,
                    actor=actor,
                    comment=gettext("基于第 %(version)s 版创建新版本。") % {"version": existing.version},
                    changes=from_version,
                )
            )
            audit("item_version_started", item, from_version)
            changes = [c.as_dict() for c in draft.changes]
            if changes:
                events.append(
                    ItemEvent(item=item, action=ItemEvent.Action.EDITED, actor=actor, changes={"changes": changes})
                )
                audit("item_edited", item, {"fields": sorted({c["field"] for c in changes})})
        events.append(
            ItemEvent(
                item=item,
                action=ItemEvent.Action.IMPORTED,
                actor=actor,
                comment=gettext("由导入文件“%(file_name)s”第 %(row)s 行生成")
                % {"file_name": file_name, "row": draft.plan.row},
            )
        )
    ItemEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    AuditEvent.objects.bulk_create(audits, batch_size=BATCH_SIZE)
