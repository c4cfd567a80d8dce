"""Who may see and change which service item (STYLE.md rule 4: one access helper per object type).

Every editor page, the catalog API and file downloads go through ``get_service_item_for``; the
editors' lists filter with ``service_items_visible_to``, which applies the same rule.

The rule, kept deliberately simple:

- Published and retired versions are public (the guide shows them), so anyone may *see* them.
- A catalog editor (role ``catalog_editor``) sees and edits every version of the items of the
  departments they may edit: their own department, plus departments granted to them one by one
  with the django-guardian object permission ``catalog.edit_items`` on the Department.
- A catalog publisher (role ``catalog_publisher``) sees every version of the items of the
  departments in their own department's region and the regions below it, and publishes, returns
  and suspends or cancels them. "Below" follows the 12-digit division code (GB/T 2260 and the
  statistical division code): a province owns the codes sharing its first 2 digits, a city its
  first 4, a county its first 6, a township its first 9.
- Superusers may do everything.

What a user may not see raises NotFound (404); a visible item with a forbidden action raises
PermissionDenied (403). Whether the item's *state* allows the action is the services' business (409).
"""

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from guardian.shortcuts import get_objects_for_user

from catalog.models import Bundle, Department, Region, ServiceItem
from portal.exceptions import NotFound, PermissionDenied
from portal.models import Role

Action = Literal["view", "edit", "publish"]
VIEW: Action = "view"
EDIT: Action = "edit"  # change, upload to, submit, discard a draft; start a new version
PUBLISH: Action = "publish"  # publish, return with comments, suspend or cancel

EDIT_ITEMS_PERMISSION = "catalog.edit_items"
PUBLIC_STATUSES = (ServiceItem.Status.PUBLISHED, ServiceItem.Status.RETIRED)
# Length of the code prefix a region shares with every region below it, by level.
REGION_PREFIX_LENGTH = {
    Region.Level.PROVINCE: 2,
    Region.Level.CITY: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}


def _is_active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_catalog_editor(user: Any) -> bool:
    return _is_active(user) and (user.is_superuser or user.has_role(Role.CATALOG_EDITOR))


def is_catalog_publisher(user: Any) -> bool:
    return _is_active(user) and (user.is_superuser or user.has_role(Role.CATALOG_PUBLISHER))


def is_catalog_staff(user: Any) -> bool:
    """May open the editors' and publishers' pages at all."""
    return is_catalog_editor(user) or is_catalog_publisher(user)


def editable_departments(user: Any) -> QuerySet[Department]:
    """The departments whose items the user may edit: their own plus those granted with guardian."""
    if not is_catalog_editor(user):
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    granted = get_objects_for_user(
        user, EDIT_ITEMS_PERMISSION, klass=Department, with_superuser=False, accept_global_perms=False
    )
    return Department.objects.filter(Q(pk=user.department_id) | Q(pk__in=granted.values("pk")))


def can_edit_department(user: Any, department: Department) -> bool:
    if not is_catalog_editor(user):
        return False
    if user.is_superuser or department.pk == user.department_id:
        return True
    # guardian's backend answers for the object; Django's ModelBackend ignores object checks.
    return user.has_perm(EDIT_ITEMS_PERMISSION, department)


def publishing_region_prefix(user: Any) -> str | None:
    """The division-code prefix of the regions a publisher covers; None when they cover none."""
    if not is_catalog_publisher(user) or user.department_id is None:
        return None
    region = user.department.region
    return region.code[: REGION_PREFIX_LENGTH[region.level]]


def publishable_departments(user: Any) -> QuerySet[Department]:
    """The departments whose items the user may publish, return, suspend or cancel."""
    if not is_catalog_publisher(user):
        return Department.objects.none()
    if user.is_superuser:
        return Department.objects.all()
    prefix = publishing_region_prefix(user)
    if prefix is None:
        return Department.objects.none()
    return Department.objects.filter(region__code__startswith=prefix)


def can_publish_department(user: Any, department: Department) -> bool:
    if not is_catalog_publisher(user):
        return False
    if user.is_superuser:
        return True
    prefix = publishing_region_prefix(user)
    return prefix is not None and department.region.code.startswith(prefix)


def service_items_visible_to(user: Any) -> QuerySet[ServiceItem]:
    """Every version the user may see: public versions plus all versions of their departments."""
    items = ServiceItem.objects.select_related("department__region", "basic_item", "region")
    if _is_active(user) and user.is_superuser:
        return items
    visible = Q(status__in=PUBLIC_STATUSES)
    if is_catalog_editor(user):
        visible |= Q(department__in=editable_departments(user))
    if is_catalog_publisher(user):
        visible |= Q(department__in=publishable_departments(user))
    return items.filter(visible)


def get_service_item_for(user: Any, item_id: int | str, action: Action = VIEW) -> ServiceItem:
    """The item version ``item_id`` if ``user`` may see it and take ``action`` on it.

    Raises NotFound for a version the user may not see (another department's draft) and
    PermissionDenied for a visible version whose action the user may not take.
    """
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("未找到该事项，或您无权查看。")) from None
    item = service_items_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise NotFound(gettext("未找到该事项，或您无权查看。"))
    if action == VIEW:
        return item
    if action == EDIT:
        if not can_edit_department(user, item.department):
            raise PermissionDenied(gettext("您只能编辑本部门（或经授权部门）的事项。"))
        return item
    if action == PUBLISH:
        if not can_publish_department(user, item.department):
            raise PermissionDenied(gettext("只有本区域的事项发布审核人员可以发布、退回或变更该事项的状态。"))
        return item
    raise ValueError(f"unknown action {action!r}")


# --- Bundles (一件事): the same rule, on the lead department -------------------------------------


def bundles_visible_to(user: Any) -> QuerySet[Bundle]:
    """Every bundle version the user may see: public versions plus all versions their departments lead."""
    bundles = Bundle.objects.select_related("department__region", "region")
    if _is_active(user) and user.is_superuser:
        return bundles
    visible = Q(status__in=PUBLIC_STATUSES)
    if is_catalog_editor(user):
        visible |= Q(department__in=editable_departments(user))
    if is_catalog_publisher(user):
        visible |= Q(department__in=publishable_departments(user))
    return bundles.filter(visible)


def get_bundle_for(user: Any, bundle_id: int | str, action: Action = VIEW) -> Bundle:
    """The bundle version ``bundle_id`` if ``user`` may see it and take ``action`` on it (404 / 403)."""
    try:
        pk = int(bundle_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("未找到该一件事，或您无权查看。")) from None
    bundle = bundles_visible_to(user).filter(pk=pk).first()
    if bundle is None:
        raise NotFound(gettext("未找到该一件事，或您无权查看。"))
    if action == EDIT and not can_edit_department(user, bundle.department):
        raise PermissionDenied(gettext("您只能编辑本部门（或经授权部门）牵头的一件事。"))
    if action == PUBLISH and not can_publish_department(user, bundle.department):
        raise PermissionDenied(gettext("只有本区域的事项发布审核人员可以发布或退回该一件事。"))
    if action not in (VIEW, EDIT, PUBLISH):
        raise ValueError(f"unknown action {action!r}")
    return bundle
