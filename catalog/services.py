"""Every write to the catalog.

An item version is written from a *spec*: a plain dict of ServiceItem fields plus nested lists
``materials``, ``situations`` (options name the materials they add or drop by name), ``steps``,
``fees``, ``faqs`` and ``topics`` (topic codes). Editors' forms, the import and the demo data all
build specs, so one code path writes an item and one set of rules (catalog.rules) checks it.
"""

import copy
import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from catalog import access, rules
from catalog.diff import diff_specs
from catalog.models import (
    FAQ,
    BasicItem,
    Bundle,
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
from catalog.specs import CHILD_KEYS, FILE_FIELDS, MATERIAL_FIELDS, SPEC_EXCLUDED_FIELDS, item_spec  # noqa: F401
from portal.clock import Clock, system_clock
from portal.exceptions import BadInput, DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Role, User
from portal.services import record_audit
from portal.validators import validate_date_between, years_after

# A suspension or cancellation is announced for a date within this many years, not for 9999.
LIFECYCLE_MAX_YEARS_AHEAD = 5


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
    _refuse_what_the_database_would(item)
    item.save()
    if any(k in spec for k in CHILD_KEYS):
        _replace_children(item, spec)
    rules.validate_service_item(item)
    return item


def _refuse_what_the_database_would(item: ServiceItem) -> None:
    """The database's check constraint (promised ≤ statutory) would fail the save with an
    IntegrityError; report it the way the rules do instead, with the other field-level problems.

    The rules run on a copy without a primary key, so they look at the fields only, not at the
    children that the spec is about to replace.
    """
    if item.promised_days is None or item.statutory_days is None or item.promised_days <= item.statutory_days:
        return
    fields_only = copy.copy(item)
    fields_only.pk = None
    rules.validate_service_item(fields_only)


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
        ProcessStep.objects.bulk_create(
            ProcessStep(item=item, order=i, **s) for i, s in enumerate(spec["steps"], start=1)
        )
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
        raise ValidationError(
            {"situations": [gettext("情形选项引用了不存在的材料“%(name)s”。") % {"name": name}]}
        ) from None


# Bookkeeping that belongs to one version row, not to the item's content.


def record_item_event(
    *, item: ServiceItem, action: str, actor: Any = None, comment: str = "", changes: dict[str, Any] | None = None
) -> ItemEvent:
    return ItemEvent.objects.create(item=item, action=action, actor=actor, comment=comment, changes=changes or {})


# --- The edit → approve → publish workflow --------------------------------------------------
#
# Version rows share a stable ``code``: draft → pending_approval → published (a publisher's approval
# *is* the publishing), or back to draft with comments; publishing retires the previous published
# version. The database keeps at most one published and one open (draft or pending) version per
# code; the row locks below make a concurrent second attempt fail with 409 instead of a 500.

Status = ServiceItem.Status
Lifecycle = ServiceItem.Lifecycle

# Allowed status moves, and the history action each one records (django-oscar's pipeline dict).
STATUS_MOVES: dict[str, dict[str, str]] = {
    Status.DRAFT: {Status.PENDING_APPROVAL: ItemEvent.Action.SUBMITTED},
    Status.PENDING_APPROVAL: {Status.PUBLISHED: ItemEvent.Action.PUBLISHED, Status.DRAFT: ItemEvent.Action.RETURNED},
    Status.PUBLISHED: {Status.RETIRED: ItemEvent.Action.RETIRED},
    Status.RETIRED: {},
}
MOVE_VERBS = {
    Status.PENDING_APPROVAL: gettext_lazy("提交审核"),
    Status.PUBLISHED: gettext_lazy("发布"),
    Status.DRAFT: gettext_lazy("退回修改"),
    Status.RETIRED: gettext_lazy("停用"),
}
# A cancelled item stays cancelled: a new item is created if the service comes back.
LIFECYCLE_MOVES: dict[str, set[str]] = {
    Lifecycle.IN_FORCE: {Lifecycle.SUSPENDED, Lifecycle.CANCELLED},
    Lifecycle.SUSPENDED: {Lifecycle.IN_FORCE, Lifecycle.CANCELLED},
    Lifecycle.CANCELLED: set(),
}
# Fields of a version that the editors' forms, the API and the import may set. The identity (code,
# basic item, department, region) is fixed at creation; the lifecycle changes only through
# change_item_lifecycle, on the published version.
IDENTITY_FIELDS = {"code", "basic_item_id", "department_id", "region_id", "lifecycle", "lifecycle_effective_on"}
EDITABLE_FIELDS = frozenset(
    {
        f.attname if f.is_relation else f.name
        for f in ServiceItem._meta.concrete_fields
        if f.name not in SPEC_EXCLUDED_FIELDS and (f.attname if f.is_relation else f.name) not in IDENTITY_FIELDS
    }
    | set(CHILD_KEYS)
)
HANDLING_DIGITS = {
    ServiceItem.Handling.NEW: "1",
    ServiceItem.Handling.CHANGE: "2",
    ServiceItem.Handling.RENEWAL: "3",
    ServiceItem.Handling.CANCELLATION: "4",
    ServiceItem.Handling.OTHER: "9",
}
CODE_MAX_LENGTH = 36


def _audit(
    *, actor: User | None, action: str, item: ServiceItem | Bundle, detail: dict[str, Any] | None = None
) -> None:
    record_audit(
        actor=actor,
        action=f"catalog.{action}",
        obj=item,
        detail={"code": item.code, "version": item.version, **(detail or {})},
    )


def _check_spec_keys(spec: dict[str, Any]) -> None:
    unknown = sorted(set(spec) - EDITABLE_FIELDS)
    if unknown:
        raise BadInput(gettext("提交的内容含有不能修改的字段。"), detail={"fields": unknown}, code="unknown_fields")


def _require(allowed: bool, message: str) -> None:
    """Services check the actor too, so the API and the import cannot skip the access rule.

    ``actor=None`` is the system itself (a management command run by an operator); web and API
    code always pass ``request.user``.
    """
    if not allowed:
        raise PermissionDenied(message)


def _lock_versions(code: str, model: type[ServiceItem] | type[Bundle] = ServiceItem) -> list[Any]:
    """Lock every version of one item, always in the same order so two publishers cannot deadlock.

    Read twice: under READ COMMITTED a statement that waited for a lock still works from the
    snapshot taken when it started, so it misses a version that the lock holder inserted. Every
    writer locks the existing versions first, so the second read sees the whole, settled set.
    """
    versions = model.objects.select_for_update().filter(code=code).order_by("pk")
    list(versions)
    return list(versions.all())


@transaction.atomic
def transition(
    item: Any,
    to_status: str,
    *,
    actor: User | None,
    comment: str = "",
    fields: dict[str, Any] | None = None,
) -> ServiceItem:
    """Move one version to ``to_status`` if STATUS_MOVES allows it; record the event and the audit row.

    Locks the row and reads its status from the database, so a double click or a second publisher
    gets InvalidTransition (409) and changes nothing. Returns the locked, updated row; the caller's
    instance is updated too. Works for a ServiceItem and for a Bundle (一件事), which share the
    statuses and the moves.
    """
    is_bundle = isinstance(item, Bundle)
    locked = type(item).objects.select_for_update().get(pk=item.pk)
    from_status = locked.status
    action = STATUS_MOVES.get(from_status, {}).get(to_status)
    if action is None:
        raise InvalidTransition(
            (
                gettext("该一件事当前为“%(status)s”，不能%(get)s。")
                if is_bundle
                else gettext("该事项当前为“%(status)s”，不能%(get)s。")
            )
            % {"status": locked.get_status_display(), "get": MOVE_VERBS.get(to_status, gettext("执行此操作"))},
            detail={"from": from_status, "to": to_status},
        )
    locked.status = to_status
    for name, value in (fields or {}).items():
        setattr(locked, name, value)
    update_fields = ["status", "updated_at", *(fields or {})]
    locked.save(update_fields=update_fields)
    for name in update_fields:
        setattr(item, name, getattr(locked, name))
    changes = {"from": from_status, "to": to_status}
    locked.events.create(action=action, actor=actor, comment=comment, changes=changes)  # ItemEvent or BundleEvent
    _audit(actor=actor, action=f"{'bundle' if is_bundle else 'item'}_{action}", item=locked, detail=changes)
    return locked


def next_item_code(*, department: Department, basic_item: BasicItem, handling: str) -> str:
    """Implementation code: department USCC + basic code + handling digit + 2-digit sequence.

    Stored as a string and never parsed (DOMAIN.md: live codes differ between systems). The caller
    holds the department's row lock, so two editors cannot draw the same sequence.
    """
    prefix = f"{department.uscc}{basic_item.code}{HANDLING_DIGITS.get(handling, '9')}"
    if len(prefix) + 2 > CODE_MAX_LENGTH:
        raise DomainError(
            gettext("实施编码将超过 %(CODE_MAX_LENGTH)s 位，请检查基本编码。") % {"CODE_MAX_LENGTH": CODE_MAX_LENGTH},
            code="code_too_long",
        )
    taken = set(ServiceItem.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    for sequence in range(1, 100):
        code = f"{prefix}{sequence:02d}"
        if code not in taken:
            return code
    raise DomainError(gettext("该部门此事项的实施编码序号已用完（99 个）。"), code="code_sequence_exhausted")


@transaction.atomic
def create_service_item(
    *, actor: User | None, basic_item: BasicItem, department: Department, spec: dict[str, Any]
) -> ServiceItem:
    """Create version 1 of a new item as a draft, with a generated implementation code."""
    if actor is not None:
        _require(access.can_edit_department(actor, department), gettext("您只能为本部门（或经授权部门）创建事项。"))
    _check_spec_keys(spec)
    department = Department.objects.select_for_update().select_related("region").get(pk=department.pk)
    handling = spec.get("handling", ServiceItem.Handling.NEW)
    item = ServiceItem(
        code=next_item_code(department=department, basic_item=basic_item, handling=handling),
        version=1,
        status=Status.DRAFT,
        basic_item=basic_item,
        department=department,
        region=department.region,
        created_by=actor,
        name=basic_item.name,
        item_type=basic_item.item_type,
        basis=basic_item.basis,
    )
    write_item_version(item=item, spec=spec)
    record_item_event(item=item, action=ItemEvent.Action.CREATED, actor=actor)
    _audit(actor=actor, action="item_created", item=item)
    return item


@transaction.atomic
def start_new_version(*, actor: User | None, item: ServiceItem) -> ServiceItem:
    """Copy the published version (fields, children and files) into a new draft, version + 1."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, item.department), gettext("您只能编辑本部门（或经授权部门）的事项。")
        )
    versions = _lock_versions(item.code)
    if any(v.is_open_draft for v in versions):
        raise InvalidTransition(gettext("该事项已有未发布的草稿。"), code="open_draft_exists")
    published = next((v for v in versions if v.status == Status.PUBLISHED), None)
    if published is None:
        raise InvalidTransition(gettext("该事项没有已发布的版本，无法创建新版本。"), code="nothing_published")
    draft = ServiceItem(
        code=published.code,
        version=max(v.version for v in versions) + 1,
        status=Status.DRAFT,
        basic_item_id=published.basic_item_id,
        department_id=published.department_id,
        region_id=published.region_id,
        created_by=actor,
    )
    write_item_version(item=draft, spec=item_spec(published))
    record_item_event(
        item=draft,
        action=ItemEvent.Action.CREATED,
        actor=actor,
        comment=gettext("基于第 %(version)s 版创建新版本。") % {"version": published.version},
        changes={"from_version": published.version},
    )
    _audit(actor=actor, action="item_version_started", item=draft, detail={"from_version": published.version})
    return draft


def _keep_material_files(current: ServiceItem, spec: dict[str, Any]) -> dict[str, Any]:
    """A material given without blank_form/sample keeps the files of the current material of that name,
    and the situations keep naming the materials they add or drop."""
    if "materials" not in spec:
        return spec
    files_by_name = {m.name: {k: getattr(m, k) for k in FILE_FIELDS} for m in current.materials.all()}
    materials = [{**files_by_name.get(m.get("name", ""), {}), **m} for m in spec["materials"]]
    kept = {**spec, "materials": materials}
    if "situations" not in spec:
        # Materials are rewritten, so the options that add or drop them are re-linked by name;
        # an option naming a material that is gone is reported by write_item_version.
        kept["situations"] = item_spec(current)["situations"]
    return kept


def _change_summary(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {"changes": [change.as_dict() for change in diff_specs(before, after)]}


@transaction.atomic
def update_draft(*, actor: User | None, item: ServiceItem, spec: dict[str, Any]) -> ServiceItem:
    """Change a draft's fields and children; every rule is checked and a failure changes nothing."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, item.department), gettext("您只能编辑本部门（或经授权部门）的事项。")
        )
    _check_spec_keys(spec)
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransition(
            gettext("该事项当前为“%(status)s”，只有草稿可以修改。") % {"status": locked.get_status_display()},
            code="not_a_draft",
        )
    before = item_spec(locked)
    write_item_version(item=locked, spec=_keep_material_files(locked, spec))
    for field in ServiceItem._meta.concrete_fields:  # the caller's instance shows what was saved
        setattr(item, field.attname, getattr(locked, field.attname))
    changes = _change_summary(before, item_spec(locked))
    if changes["changes"]:
        record_item_event(item=locked, action=ItemEvent.Action.EDITED, actor=actor, changes=changes)
        _audit(
            actor=actor,
            action="item_edited",
            item=locked,
            detail={"fields": sorted({c["field"] for c in changes["changes"]})},
        )
    return locked


@transaction.atomic
def submit_for_approval(
    *, actor: User | None, item: ServiceItem, comment: str = "", clock: Clock = system_clock
) -> ServiceItem:
    """Draft → pending approval, for a publisher to publish or return."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, item.department), gettext("您只能提交本部门（或经授权部门）的事项。")
        )
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if locked.status == Status.DRAFT:
        # The rules ran on every save; run them again in case the rules changed since.
        rules.validate_service_item(locked)
    return transition(
        locked,
        Status.PENDING_APPROVAL,
        actor=actor,
        comment=comment.strip(),
        fields={"submitted_at": clock.now(), "review_comment": ""},
    )


@transaction.atomic
def publish_service_item(*, actor: User | None, item: ServiceItem, clock: Clock = system_clock) -> ServiceItem:
    """Pending approval → published; the previous published version of the same code is retired."""
    if actor is not None:
        _require(
            access.can_publish_department(actor, item.department),
            gettext("只有本区域的事项发布审核人员可以发布该事项。"),
        )
    versions = _lock_versions(item.code)
    target = next((v for v in versions if v.pk == item.pk), None)
    if target is None:
        raise NotFound(gettext("未找到该事项，或您无权查看。"))
    if target.status != Status.PENDING_APPROVAL:
        raise InvalidTransition(
            gettext("该事项当前为“%(status)s”，不能发布。") % {"status": target.get_status_display()}
        )
    now = clock.now()
    fields: dict[str, Any] = {"published_by": actor, "published_at": now, "review_comment": ""}
    previous = retire_superseded(versions, by=target, actor=actor, now=now)
    if previous is not None:
        # A suspension or cancellation made on the published version carries over to its successor.
        fields |= {"lifecycle": previous.lifecycle, "lifecycle_effective_on": previous.lifecycle_effective_on}
    return transition(target, Status.PUBLISHED, actor=actor, fields=fields)


def retire_superseded(versions: list[Any], *, by: Any, actor: User | None, now: datetime.datetime) -> Any:
    """Retire the published version among ``versions`` (locked), if any, before ``by`` is published:
    the database allows one published version per code. Returns the retired version or None.
    Used for an item and for a bundle."""
    previous = next((v for v in versions if v.status == Status.PUBLISHED), None)
    if previous is not None:
        transition(
            previous,
            Status.RETIRED,
            actor=actor,
            comment=gettext("由第 %(version)s 版取代。") % {"version": by.version},
            fields={"retired_at": now},
        )
    return previous


@transaction.atomic
def return_service_item(*, actor: User | None, item: ServiceItem, comment: str) -> ServiceItem:
    """Pending approval → draft, with the publisher's comments for the editor."""
    if actor is not None:
        _require(
            access.can_publish_department(actor, item.department),
            gettext("只有本区域的事项发布审核人员可以退回该事项。"),
        )
    return return_to_draft(item, actor=actor, comment=comment)


def return_to_draft(version: Any, *, actor: User | None, comment: str) -> Any:
    """Pending approval → draft (an item or a bundle), with the publisher's comments, which are required."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(
            gettext("退回修改须填写审核意见。"),
            detail={"comment": [gettext("请填写审核意见。")]},
            code="comment_required",
        )
    return transition(version, Status.DRAFT, actor=actor, comment=comment, fields={"review_comment": comment})


@transaction.atomic
def change_item_lifecycle(
    *,
    actor: User | None,
    item: ServiceItem,
    lifecycle: str,
    effective_on: datetime.date,
    reason: str,
    clock: Clock = system_clock,
) -> ServiceItem:
    """Suspend (暂停), cancel (取消) or put back in force the published version, from a date on.

    The change applies to the published version without a new version: it is announced, not
    edited. Readers compare ``lifecycle_effective_on`` with today: before that date the item is
    still handled as before.
    """
    if actor is not None:
        _require(
            access.can_publish_department(actor, item.department),
            gettext("只有本区域的事项发布审核人员可以暂停、取消或恢复该事项。"),
        )
    if lifecycle not in Lifecycle.values:
        raise BadInput(gettext("事项状态的取值无效。"), detail={"lifecycle": lifecycle}, code="invalid_lifecycle")
    reason = (reason or "").strip()
    problems: dict[str, list[str]] = {}
    if not reason:
        problems["reason"] = [gettext("请填写变更原因。")]
    if effective_on is None:
        problems["effective_on"] = [gettext("请填写生效日期。")]
    elif effective_on < clock.today():
        problems["effective_on"] = [gettext("生效日期不能早于今天。")]
    else:
        try:
            validate_date_between(
                effective_on,
                earliest=clock.today(),
                latest=years_after(clock.today(), LIFECYCLE_MAX_YEARS_AHEAD),
                what=gettext("生效日期"),
            )
        except ValidationError as exc:
            problems["effective_on"] = exc.messages
    if problems:
        raise DomainError(gettext("事项状态变更的内容不完整。"), detail=problems, code="invalid_lifecycle_change")
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != Status.PUBLISHED:
        raise InvalidTransition(gettext("只能变更已发布版本的事项状态。"), code="not_published")
    old = locked.lifecycle
    if lifecycle not in LIFECYCLE_MOVES[old]:
        raise InvalidTransition(
            gettext("事项当前为“%(lifecycle)s”，不能变更为“%(label)s”。")
            % {"lifecycle": locked.get_lifecycle_display(), "label": Lifecycle(lifecycle).label},
            detail={"from": old, "to": lifecycle},
        )
    locked.lifecycle = lifecycle
    locked.lifecycle_effective_on = effective_on
    locked.save(update_fields=["lifecycle", "lifecycle_effective_on", "updated_at"])
    changes = {"from": old, "to": lifecycle, "effective_on": effective_on.isoformat()}
    record_item_event(item=locked, action=ItemEvent.Action.LIFECYCLE, actor=actor, comment=reason, changes=changes)
    _audit(actor=actor, action="item_lifecycle_changed", item=locked, detail=changes)
    return locked


@transaction.atomic
def discard_draft(*, actor: User | None, item: ServiceItem) -> None:
    """Delete a draft version and its children; the published version, if any, stays.

    Files stay in storage: a new version shares its files with the version it was copied from.
    The audit row keeps the trace of the discarded version.
    """
    if actor is not None:
        _require(
            access.can_edit_department(actor, item.department), gettext("您只能放弃本部门（或经授权部门）的草稿。")
        )
    locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransition(
            gettext("该事项当前为“%(status)s”，只有草稿可以放弃。") % {"status": locked.get_status_display()},
            code="not_a_draft",
        )
    _audit(actor=actor, action="item_draft_discarded", item=locked)
    locked.delete()


@transaction.atomic
def grant_editable_department(*, actor: User | None, editor: User, department: Department) -> None:
    """Let an editor edit another department's items (a guardian object permission)."""
    if actor is not None:
        _require(
            actor.is_superuser or actor.has_role(Role.SYSADMIN), gettext("只有系统管理员可以授权编辑其他部门的事项。")
        )
    assign_perm(access.EDIT_ITEMS_PERMISSION, editor, department)
    record_audit(actor=actor, action="catalog.editor_department_granted", obj=department, detail={"editor": editor.pk})


@transaction.atomic
def revoke_editable_department(*, actor: User | None, editor: User, department: Department) -> None:
    if actor is not None:
        _require(actor.is_superuser or actor.has_role(Role.SYSADMIN), gettext("只有系统管理员可以撤销编辑授权。"))
    remove_perm(access.EDIT_ITEMS_PERMISSION, editor, department)
    record_audit(actor=actor, action="catalog.editor_department_revoked", obj=department, detail={"editor": editor.pk})
