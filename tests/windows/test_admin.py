"""The system administrator's admin pages for windows: validated through windows.services, picked by name."""

import pytest

from portal.models import Role
from tests.conftest import login_verified
from tests.factories import UserFactory
from windows.models import ClerkAssignment, Window, WindowAuthorization

AUTHORIZATION_ADD = "/admin/windows/windowauthorization/add/"
ASSIGNMENT_ADD = "/admin/windows/clerkassignment/add/"


@pytest.fixture
def sysadmin(sysadmin):
    """The system administrator signs in to the admin site (is_staff)."""
    sysadmin.is_staff = True
    sysadmin.save(update_fields=["is_staff"])
    return sysadmin


def _window(hall_a) -> Window:
    return Window.objects.create(hall=hall_a, number="9")


def test_an_unknown_item_code_is_shown_on_the_form_and_nothing_is_saved(client, sysadmin, hall_a, licensing_item):
    login_verified(client, sysadmin)
    window = _window(hall_a)

    response = client.post(
        AUTHORIZATION_ADD,
        {
            "window": window.pk,
            "department": licensing_item.department_id,
            "item_code": "11320102MB0000000X0001000000000000",
            "accepts_on_receipt": "on",
        },
    )

    assert response.status_code == 200
    assert "该部门没有此实施编码的事项。" in response.content.decode()
    assert not WindowAuthorization.objects.filter(window=window).exists()


def test_another_departments_item_is_refused_on_the_form(client, sysadmin, hall_a, item_y, department_x):
    login_verified(client, sysadmin)
    window = _window(hall_a)

    response = client.post(
        AUTHORIZATION_ADD, {"window": window.pk, "department": department_x.pk, "item_code": item_y.code}
    )

    assert response.status_code == 200
    assert "该部门没有此实施编码的事项。" in response.content.decode()
    assert not WindowAuthorization.objects.filter(window=window).exists()


def test_the_item_is_picked_by_its_name(client, sysadmin, hall_a, licensing_item):
    login_verified(client, sysadmin)

    page = client.get(AUTHORIZATION_ADD).content.decode()

    assert f'<option value="{licensing_item.code}"' in page
    assert licensing_item.name in page


def test_a_known_item_is_authorised_through_the_service(client, sysadmin, hall_a, licensing_item):
    login_verified(client, sysadmin)
    window = _window(hall_a)

    response = client.post(
        AUTHORIZATION_ADD,
        {"window": window.pk, "department": licensing_item.department_id, "item_code": licensing_item.code},
    )

    assert response.status_code == 302
    authorization = WindowAuthorization.objects.get(window=window)
    assert authorization.item_code == licensing_item.code and not authorization.accepts_on_receipt


def test_the_clerk_is_picked_by_name_among_clerks_only(client, sysadmin, hall_a):
    login_verified(client, sysadmin)
    UserFactory(username="clerk_z", real_name="窗口张三", roles=[Role.CLERK])
    UserFactory(username="citizen_z", real_name="市民李四", roles=[Role.CITIZEN])

    page = client.get(ASSIGNMENT_ADD).content.decode()

    assert "窗口张三" in page
    assert "市民李四" not in page


def test_a_user_who_is_not_a_clerk_is_refused_on_the_form(client, sysadmin, hall_a):
    login_verified(client, sysadmin)
    window = _window(hall_a)
    citizen = UserFactory(username="citizen_z", roles=[Role.CITIZEN])

    response = client.post(ASSIGNMENT_ADD, {"window": window.pk, "clerk": citizen.pk})

    assert response.status_code == 200
    assert not ClerkAssignment.objects.filter(window=window).exists()
