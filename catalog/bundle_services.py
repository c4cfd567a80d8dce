"""Every write to a bundle (一件事), the way catalog.services writes an item.

A bundle version is written from a *spec*: its fields plus ``members`` (a list of
``{"item_code", "stage", "needs_results_of"}``; the code names the item, the published version of
that code is pinned) and ``topics`` (topic codes). Every rule is checked before anything is written,
so bad input leaves nothing behind. The status moves, the row locks, the events and the audit rows
are the items' own (catalog.services.transition, STATUS_MOVES, _lock_versions, retire_superseded,
return_to_draft): a bundle is drafted, submitted, published or returned exactly like an item, by the
same people (the lead department's editors, its region's publishers).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from catalog import access, bundles, selectors
from catalog.models import Bundle, BundleEvent, BundleMember, Department, ItemEvent, ServiceItem, Topic
from catalog.rules import Problems
from catalog.services import _audit, _lock_versions, _require, retire_superseded, return_to_draft, transition
from portal.clock import Clock, system_clock
from portal.exceptions import BadInput, DomainError, InvalidTransition, NotFound
from portal.models import User

Status = ServiceItem.Status
BUNDLE_FIELDS = (
    "name", "audience", "summary", "acceptance_conditions", "process_description", "promised_days", "place",
    "office_hours", "consult_phone", "complaint_phone", "keywords",
)  # fmt: skip
SPEC_KEYS = frozenset({*BUNDLE_FIELDS, "members", "topics"})
CODE_INFIX = "YJS"  # 一件事


def bundle_spec(bundle: Bundle) -> dict[str, Any]:
    """The spec of a saved version: what a new version copies."""
    spec: dict[str, Any] = {name: getattr(bundle, name) for name in BUNDLE_FIELDS}
    spec["members"] = [
        {"item_code": m.item.code, "stage": m.stage, "needs_results_of": list(m.needs_results_of)}
        for m in bundle.members.select_related("item")
    ]
    spec["topics"] = sorted(bundle.topics.values_list("code", flat=True))
    return spec


def record_bundle_event(
    *, bundle: Bundle, action: str, actor: Any = None, comment: str = "", changes: dict[str, Any] | None = None
) -> BundleEvent:
    return BundleEvent.objects.create(bundle=bundle, action=action, actor=actor, comment=comment, changes=changes or {})


def _in_scope(bundle_region: Any, item: ServiceItem) -> bool:
    """An item serves the bundle's region: its own region, one below it, or one above it."""
    if item.region_id in {r.pk for r in selectors.region_and_above(bundle_region)}:
        return True
    return item.region.code.startswith(selectors.region_prefix(bundle_region))


def _resolve_members(bundle: Bundle, rows: list[dict[str, Any]], problems: Problems) -> list[BundleMember]:
    """Unsaved members pinned to the published version of each code; what is wrong goes to ``problems``."""
    codes = [str(row.get("item_code", "")).strip() for row in rows]
    versions = ServiceItem.objects.filter(code__in=[c for c in codes if c]).select_related("department", "region")
    by_code: dict[str, list[ServiceItem]] = {}
    for version in versions:
        by_code.setdefault(version.code, []).append(version)
    members, seen = [], set()
    for order, (code, row) in enumerate(zip(codes, rows, strict=True), start=1):
        if not code:
            problems.add("members", (gettext("第 %(order)s 个成员事项未填写实施编码。") % {"order": order}))
            continue
        if code in seen:
            problems.add(
                "members", (gettext("事项（%(code)s）重复添加，同一事项在一件事中只能出现一次。") % {"code": code})
            )
            continue
        seen.add(code)
        found = by_code.get(code)
        if not found:
            problems.add("members", (gettext("实施编码 %(code)s 不是已有的事项。") % {"code": code}))
            continue
        published = next((v for v in found if v.status == Status.PUBLISHED), None)
        name = (published or max(found, key=lambda v: v.version)).name
        if published is None:
            problems.add(
                "members",
                (
                    gettext("事项“%(name)s”（%(code)s）没有已发布的版本（未发布或已停用），不能作为一件事的成员。")
                    % {"name": name, "code": code}
                ),
            )
            continue
        if published.lifecycle != ServiceItem.Lifecycle.IN_FORCE:
            problems.add(
                "members",
                (
                    gettext("事项“%(name)s”已%(lifecycle)s，不能作为一件事的成员。")
                    % {"name": name, "lifecycle": published.get_lifecycle_display()}
                ),
            )
            continue
        if published.department_id is None or not _in_scope(bundle.region, published):
            problems.add(
                "members",
                (
                    gettext(
                        "事项“%(name)s”的实施机关（%(department)s）不在本一件事的办理区域（%(region)s），不能作为成员。"
                    )
                    % {"name": name, "department": published.department, "region": bundle.region}
                ),
            )
            continue
        stage = row.get("stage", 1)
        if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= 20:
            problems.add("members", (gettext("事项“%(name)s”的办理阶段须为 1 到 20 之间的整数。") % {"name": name}))
            continue
        needs = row.get("needs_results_of") or []
        if not isinstance(needs, list) or not all(isinstance(c, str) for c in needs):
            problems.add("members", (gettext("事项“%(name)s”所需前序结果须为实施编码列表。") % {"name": name}))
            continue
        members.append(BundleMember(order=order, item=published, stage=stage, needs_results_of=needs))
    return members


def _check(bundle: Bundle, members: list[BundleMember], problems: Problems) -> None:
    """The bundle-level rules (catalog.bundles) on resolved members; raises with every problem found."""
    if not (bundle.name or "").strip():
        problems.add("name", gettext("请填写一件事名称。"))
    if bundle.audience not in Topic.Audience.values:
        problems.add("audience", gettext("服务对象的取值无效。"))
    if not problems.by_field.get("members"):
        parts = [bundles.part_of(m) for m in members]
        for message in bundles.structure_problems(parts):
            problems.add("members", message)
        if not problems.by_field.get("promised_days"):
            for message in bundles.limit_problems(bundle.promised_days, parts):
                problems.add("promised_days", message)
        for conflict in bundles.merged_form(parts)[1]:
            problems.add("members", conflict.message)
    elif bundle.promised_days is None and not problems.by_field.get("promised_days"):
        problems.add("promised_days", gettext("请填写一件事的承诺办结时限。"))
    problems.raise_if_any()


@transaction.atomic
def write_bundle_version(*, bundle: Bundle, spec: dict[str, Any]) -> Bundle:
    """Set an unsaved or draft version's fields and members from a spec; every rule first, then the write.

    Raises ValidationError (nothing written) when any rule fails.
    """
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise BadInput(gettext("提交的内容含有不能修改的字段。"), detail={"fields": unknown}, code="unknown_fields")
    for name in BUNDLE_FIELDS:
        if name in spec:
            setattr(bundle, name, spec[name])
    problems = Problems()
    promised = bundle.promised_days
    if promised is not None and (isinstance(promised, bool) or not isinstance(promised, int) or promised < 0):
        problems.add("promised_days", gettext("承诺办结时限须为非负整数（工作日）。"))
        bundle.promised_days = None
    rows = spec["members"] if "members" in spec else bundle_spec(bundle)["members"] if bundle.pk else []
    members = _resolve_members(bundle, rows, problems)
    _check(bundle, members, problems)
    bundle.save()
    bundle.members.all().delete()
    for member in members:
        member.bundle = bundle
    BundleMember.objects.bulk_create(members)
    if "topics" in spec:
        bundle.topics.set(Topic.objects.filter(code__in=spec["topics"]))
    return bundle


def _next_bundle_code(department: Department) -> str:
    prefix = f"{department.uscc}{CODE_INFIX}"
    taken = set(Bundle.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    for sequence in range(1, 100):
        if f"{prefix}{sequence:02d}" not in taken:
            return f"{prefix}{sequence:02d}"
    raise DomainError(gettext("该部门的一件事编码序号已用完（99 个）。"), code="code_sequence_exhausted")


@transaction.atomic
def create_bundle(*, actor: User | None, department: Department, spec: dict[str, Any]) -> Bundle:
    """Version 1 of a new bundle led by ``department``, as a draft."""
    if actor is not None:
        _require(access.can_edit_department(actor, department), gettext("您只能为本部门（或经授权部门）创建一件事。"))
    department = Department.objects.select_for_update().select_related("region").get(pk=department.pk)
    bundle = Bundle(
        code=_next_bundle_code(department),
        version=1,
        status=Status.DRAFT,
        department=department,
        region=department.region,
        created_by=actor,
    )
    write_bundle_version(bundle=bundle, spec=spec)
    record_bundle_event(bundle=bundle, action=ItemEvent.Action.CREATED, actor=actor)
    _audit(actor=actor, action="bundle_created", item=bundle)
    return bundle


@transaction.atomic
def update_bundle_draft(*, actor: User | None, bundle: Bundle, spec: dict[str, Any]) -> Bundle:
    """Change a draft's fields and members; a failing rule changes nothing."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, bundle.department),
            gettext("您只能编辑本部门（或经授权部门）牵头的一件事。"),
        )
    locked = Bundle.objects.select_for_update().select_related("region").get(pk=bundle.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransition(
            (gettext("该一件事当前为“%(status)s”，只有草稿可以修改。") % {"status": locked.get_status_display()}),
            code="not_a_draft",
        )
    before = bundle_spec(locked)
    write_bundle_version(bundle=locked, spec=spec)
    after = bundle_spec(locked)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        record_bundle_event(bundle=locked, action=ItemEvent.Action.EDITED, actor=actor, changes={"fields": changed})
        _audit(actor=actor, action="bundle_edited", item=locked, detail={"fields": changed})
    return locked


@transaction.atomic
def submit_bundle(*, actor: User | None, bundle: Bundle, comment: str = "", clock: Clock = system_clock) -> Bundle:
    """Draft → pending approval. The rules run again: a member may have been retired since the last save."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, bundle.department),
            gettext("您只能提交本部门（或经授权部门）牵头的一件事。"),
        )
    locked = Bundle.objects.select_for_update().select_related("region").get(pk=bundle.pk)
    if locked.status == Status.DRAFT:
        _revalidate(locked)
    return transition(
        locked,
        Status.PENDING_APPROVAL,
        actor=actor,
        comment=(comment or "").strip(),
        fields={"submitted_at": clock.now(), "review_comment": ""},
    )


def _revalidate(bundle: Bundle) -> list[BundleMember]:
    problems = Problems()
    members = _resolve_members(bundle, bundle_spec(bundle)["members"], problems)
    _check(bundle, members, problems)
    return members


@transaction.atomic
def publish_bundle(*, actor: User | None, bundle: Bundle, clock: Clock = system_clock) -> Bundle:
    """Pending approval → published, pinning the members' current published versions; the previous
    published version of the bundle is retired."""
    if actor is not None:
        _require(
            access.can_publish_department(actor, bundle.department),
            gettext("只有本区域的事项发布审核人员可以发布该一件事。"),
        )
    versions = _lock_versions(bundle.code, Bundle)
    target = next((v for v in versions if v.pk == bundle.pk), None)
    if target is None:
        raise NotFound(gettext("未找到该一件事，或您无权查看。"))
    if target.status != Status.PENDING_APPROVAL:
        raise InvalidTransition(
            gettext("该一件事当前为“%(status)s”，不能发布。") % {"status": target.get_status_display()}
        )
    members = _revalidate(target)
    # Pin what is published now: a member item published again since the submission is taken as it is today.
    repinned = []
    for member in target.members.select_related("item"):
        current = next(m.item for m in members if m.item.code == member.item.code)
        if current.pk != member.item_id:
            repinned.append({"code": current.code, "from": member.item.version, "to": current.version})
            member.item = current
            member.save(update_fields=["item"])
    now = clock.now()
    retire_superseded(versions, by=target, actor=actor, now=now)
    published = transition(
        target,
        Status.PUBLISHED,
        actor=actor,
        comment="；".join(
            (
                gettext("成员事项 %(code)s 由第 %(from)s 版更新为第 %(to)s 版")
                % {"code": r["code"], "from": r["from"], "to": r["to"]}
            )
            for r in repinned
        ),
        fields={"published_by": actor, "published_at": now, "review_comment": ""},
    )
    bundle.status = published.status
    return published


@transaction.atomic
def return_bundle(*, actor: User | None, bundle: Bundle, comment: str) -> Bundle:
    """Pending approval → draft, with the publisher's comments."""
    if actor is not None:
        _require(
            access.can_publish_department(actor, bundle.department),
            gettext("只有本区域的事项发布审核人员可以退回该一件事。"),
        )
    return return_to_draft(bundle, actor=actor, comment=comment)


@transaction.atomic
def start_new_bundle_version(*, actor: User | None, bundle: Bundle) -> Bundle:
    """Copy the published version into a new draft; its members take the items' current published versions."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, bundle.department),
            gettext("您只能编辑本部门（或经授权部门）牵头的一件事。"),
        )
    versions = _lock_versions(bundle.code, Bundle)
    if any(v.is_open_draft for v in versions):
        raise InvalidTransition(gettext("该一件事已有未发布的草稿。"), code="open_draft_exists")
    published = next((v for v in versions if v.status == Status.PUBLISHED), None)
    if published is None:
        raise InvalidTransition(gettext("该一件事没有已发布的版本，无法创建新版本。"), code="nothing_published")
    draft = Bundle(
        code=published.code,
        version=max(v.version for v in versions) + 1,
        status=Status.DRAFT,
        department_id=published.department_id,
        region=published.region,
        created_by=actor,
    )
    write_bundle_version(bundle=draft, spec=bundle_spec(published))
    record_bundle_event(
        bundle=draft,
        action=ItemEvent.Action.CREATED,
        actor=actor,
        comment=(gettext("基于第 %(version)s 版创建新版本。") % {"version": published.version}),
    )
    _audit(actor=actor, action="bundle_version_started", item=draft, detail={"from_version": published.version})
    return draft


@transaction.atomic
def discard_bundle_draft(*, actor: User | None, bundle: Bundle) -> None:
    """Delete a draft version; the published version, if any, stays."""
    if actor is not None:
        _require(
            access.can_edit_department(actor, bundle.department), gettext("您只能放弃本部门（或经授权部门）的草稿。")
        )
    locked = Bundle.objects.select_for_update().get(pk=bundle.pk)
    if locked.status != Status.DRAFT:
        raise InvalidTransition(
            (gettext("该一件事当前为“%(status)s”，只有草稿可以放弃。") % {"status": locked.get_status_display()}),
            code="not_a_draft",
        )
    _audit(actor=actor, action="bundle_draft_discarded", item=locked)
    locked.delete()


def validation_messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [text for texts in error.message_dict.values() for text in texts]
    return list(error.messages)
