"""Halls A and B, their windows, clerks and authorisations (STYLE.md rule 9: clerk of hall A vs hall B).

Hall A (玄武区) has window A1, authorised 收件即受理 for department X's licensing item, and window A2,
authorised only to receive it. Hall B (秦淮区) has window B1, authorised for department Y's item.
The case fixtures (licensing_item, party, submitted) come from tests/applications/conftest.py.
"""

import datetime as dt

import pytest

from applications import services as cases
from applications.transitions import Actor
from catalog.models import Fee
from portal.models import Role
from tests.applications.conftest import calendar_2026, clock_at, licensing_item, party, pdf, submitted  # noqa: F401
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, ServiceItemFactory, UserFactory, make_resident_id
from windows import services
from windows.models import ServiceHall, Window

MONDAY = dt.date(2026, 3, 2)
PARTY_ID_NUMBER = make_resident_id()  # the `party` fixture's number


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", roles=[Role.SYSADMIN])


@pytest.fixture
def hall_a(department_x):
    return ServiceHall.objects.create(
        region=department_x.region, kind=ServiceHall.Kind.CENTER, name="玄武区政务服务中心", address="玄武大道1号"
    )


@pytest.fixture
def hall_b(department_y):
    return ServiceHall.objects.create(
        region=department_y.region, kind=ServiceHall.Kind.CENTER, name="秦淮区政务服务中心", address="秦淮路1号"
    )


@pytest.fixture
def item_y(department_y, calendar_2026):  # noqa: F811
    item = ServiceItemFactory(department=department_y)
    MaterialRequirementFactory(item=item, name="营业执照")
    return item


@pytest.fixture
def window_a(hall_a, licensing_item, sysadmin):  # noqa: F811
    window = Window.objects.create(hall=hall_a, number="1")
    services.grant_window_authorization(
        actor=sysadmin,
        department=licensing_item.department,
        window=window,
        item_code=licensing_item.code,
        accepts_on_receipt=True,
    )
    return window


@pytest.fixture
def window_a2(hall_a, licensing_item, sysadmin):  # noqa: F811
    window = Window.objects.create(hall=hall_a, number="2")
    services.grant_window_authorization(
        actor=sysadmin,
        department=licensing_item.department,
        window=window,
        item_code=licensing_item.code,
        accepts_on_receipt=False,
    )
    return window


@pytest.fixture
def window_b(hall_b, item_y, sysadmin):
    window = Window.objects.create(hall=hall_b, number="1")
    services.grant_window_authorization(
        actor=sysadmin, department=item_y.department, window=window, item_code=item_y.code
    )
    return window


def _clerk(username: str, window: Window, sysadmin) -> object:
    clerk = UserFactory(username=username, real_name=f"窗口{username}", roles=[Role.CLERK])
    services.assign_clerk(actor=sysadmin, window=window, clerk=clerk)
    return clerk


@pytest.fixture
def clerk_a(window_a, sysadmin):
    return _clerk("clerk_a", window_a, sysadmin)


@pytest.fixture
def clerk_a2(window_a2, sysadmin):
    return _clerk("clerk_a2", window_a2, sysadmin)


@pytest.fixture
def clerk_b(window_b, sysadmin):
    return _clerk("clerk_b", window_b, sysadmin)


@pytest.fixture
def reviewer_x(department_x):
    return UserFactory(username="reviewer_x", department=department_x, roles=[Role.REVIEWER])


@pytest.fixture
def client_a(client, clerk_a):
    return login_verified(client, clerk_a)


@pytest.fixture
def decided(submitted, clerk_a, department_x):  # noqa: F811
    """The submitted case taken in at window A1, reviewed and granted, with a 100-yuan fee due."""
    Fee.objects.create(item=submitted.item, name="证照工本费", standard="每证100元", amount_yuan=100)
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 11))
    handler, checker, approver = (UserFactory(department=department_x, roles=[Role.REVIEWER]) for _ in range(3))
    cases.pass_step(application=submitted, actor=handler, opinion="材料齐全", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=submitted, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))
    cases.decide_application(
        application=submitted,
        actor=approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="符合法定条件。",
        clock=clock_at(MONDAY, 16),
    )
    submitted.refresh_from_db()
    return submitted
