"""Who may see and change which service item (catalog.access)."""

import pytest

from catalog import access, services
from catalog.models import Region, ServiceItem
from portal.exceptions import NotFound, PermissionDenied
from portal.models import Role
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, RegionFactory, ServiceItemFactory, UserFactory


@pytest.fixture
def x_draft(department_x):
    return ServiceItemFactory(department=department_x, draft=True)


@pytest.fixture
def y_draft(department_y):
    return ServiceItemFactory(department=department_y, draft=True)


@pytest.fixture
def y_pending(department_y):
    return ServiceItemFactory(department=department_y, pending=True)


@pytest.fixture
def y_published(department_y):
    return ServiceItemFactory(department=department_y)


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", roles=[Role.SYSADMIN])


def test_an_editor_edits_their_own_departments_items(editor_x, department_x, department_y):
    assert list(access.editable_departments(editor_x)) == [department_x]


def test_an_editor_may_not_see_another_departments_draft(editor_x, y_draft):
    with pytest.raises(NotFound):
        access.get_service_item_for(editor_x, y_draft.pk, access.VIEW)
    assert y_draft not in access.service_items_visible_to(editor_x)


def test_an_editor_sees_but_may_not_edit_another_departments_published_item(editor_x, y_published):
    assert access.get_service_item_for(editor_x, y_published.pk, access.VIEW) == y_published
    with pytest.raises(PermissionDenied):
        access.get_service_item_for(editor_x, y_published.pk, access.EDIT)


def test_an_editor_edits_their_own_draft(editor_x, x_draft):
    assert access.get_service_item_for(editor_x, x_draft.pk, access.EDIT) == x_draft


def test_an_editor_may_not_publish_their_own_item(editor_x, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    with pytest.raises(PermissionDenied):
        access.get_service_item_for(editor_x, pending.pk, access.PUBLISH)


def test_a_publisher_publishes_the_items_of_their_region(publisher, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    assert access.get_service_item_for(publisher, pending.pk, access.PUBLISH) == pending


def test_a_publisher_may_not_see_another_regions_pending_item(publisher, y_pending):
    with pytest.raises(NotFound):
        access.get_service_item_for(publisher, y_pending.pk, access.VIEW)


def test_a_publisher_may_not_act_on_another_regions_published_item(publisher, y_published):
    with pytest.raises(PermissionDenied):
        access.get_service_item_for(publisher, y_published.pk, access.PUBLISH)


def test_a_publisher_may_not_edit(publisher, x_draft):
    with pytest.raises(PermissionDenied):
        access.get_service_item_for(publisher, x_draft.pk, access.EDIT)


def test_a_city_publisher_covers_the_counties_below(department_x, department_y, y_pending):
    city = RegionFactory(code="320100000000", name="南京市", level=Region.Level.CITY)
    city_publisher = UserFactory(department=DepartmentFactory(region=city), roles=[Role.CATALOG_PUBLISHER])
    assert set(access.publishable_departments(city_publisher)) >= {department_x, department_y}
    assert access.get_service_item_for(city_publisher, y_pending.pk, access.PUBLISH) == y_pending
    other_city = RegionFactory(code="320200000000", name="无锡市", level=Region.Level.CITY)
    assert not access.can_publish_department(city_publisher, DepartmentFactory(region=other_city))


def test_a_guardian_grant_adds_a_department_to_an_editor(editor_x, department_x, department_y, y_draft, sysadmin):
    services.grant_editable_department(actor=sysadmin, editor=editor_x, department=department_y)
    assert set(access.editable_departments(editor_x)) == {department_x, department_y}
    assert access.get_service_item_for(editor_x, y_draft.pk, access.EDIT) == y_draft

    services.revoke_editable_department(actor=sysadmin, editor=editor_x, department=department_y)
    with pytest.raises(NotFound):
        access.get_service_item_for(editor_x, y_draft.pk, access.VIEW)


def test_a_grant_without_the_editor_role_gives_nothing(department_y, y_draft, sysadmin):
    reviewer = UserFactory(roles=[Role.REVIEWER])
    services.grant_editable_department(actor=sysadmin, editor=reviewer, department=department_y)
    assert not access.editable_departments(reviewer).exists()
    with pytest.raises(NotFound):
        access.get_service_item_for(reviewer, y_draft.pk, access.VIEW)


def test_only_a_system_administrator_grants_departments(editor_x, publisher, department_y):
    with pytest.raises(PermissionDenied):
        services.grant_editable_department(actor=publisher, editor=editor_x, department=department_y)
    assert list(access.editable_departments(editor_x)) == [editor_x.department]


def test_a_citizen_sees_published_versions_only(citizen, x_draft, y_published):
    assert access.get_service_item_for(citizen, y_published.pk, access.VIEW) == y_published
    with pytest.raises(NotFound):
        access.get_service_item_for(citizen, x_draft.pk, access.VIEW)
    with pytest.raises(PermissionDenied):
        access.get_service_item_for(citizen, y_published.pk, access.EDIT)


def test_a_superuser_may_do_everything(y_draft, y_pending):
    root = UserFactory(is_superuser=True)
    assert access.get_service_item_for(root, y_draft.pk, access.EDIT) == y_draft
    assert access.get_service_item_for(root, y_pending.pk, access.PUBLISH) == y_pending


@pytest.mark.parametrize("item_id", ["abc", "", None, "12.5", 999_999_999])
def test_a_wrong_id_is_not_found(editor_x, item_id):
    with pytest.raises(NotFound):
        access.get_service_item_for(editor_x, item_id, access.VIEW)


def test_an_inactive_editor_has_no_department(editor_x, x_draft):
    editor_x.is_active = False
    assert not access.editable_departments(editor_x).exists()
    assert not access.can_edit_department(editor_x, x_draft.department)


def test_the_visible_list_applies_the_same_rule(editor_x, x_draft, y_draft, y_published):
    visible = set(access.service_items_visible_to(editor_x))
    assert {x_draft, y_published} <= visible and y_draft not in visible
    assert ServiceItem.objects.count() == 3


def test_the_catalog_admin_is_for_system_administrators_only(client, editor_x, sysadmin, x_draft):
    editor_x.is_staff = sysadmin.is_staff = True
    editor_x.save()
    sysadmin.save()
    login_verified(client, editor_x)
    assert client.get("/admin/catalog/department/").status_code == 403
    login_verified(client, sysadmin)
    assert client.get("/admin/catalog/department/").status_code == 200
    assert client.get(f"/admin/catalog/serviceitem/{x_draft.pk}/change/").status_code == 200
    # Service items change only through the editors' pages and their services.
    assert client.get("/admin/catalog/serviceitem/add/").status_code == 403
    response = client.post(f"/admin/catalog/serviceitem/{x_draft.pk}/change/", {"name": "改名"})
    assert response.status_code == 403
    x_draft.refresh_from_db()
    assert x_draft.name != "改名"
