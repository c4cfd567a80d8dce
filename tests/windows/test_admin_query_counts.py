"""The admin's changelists cost the same number of queries for a page of many rows as for one (issue 12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application, Delivery
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, RegionFactory, UserFactory
from windows.models import DeliveryCheck, Intake

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, sysadmin):
    sysadmin.is_staff = True
    sysadmin.save(update_fields=["is_staff"])
    return login_verified(client, sysadmin)


def intakes(count: int, item, party, window, clerk) -> None:
    for n in range(count):
        application = Application.objects.create(
            item=item, department=item.department, party=party, number=f"32010220260302{n:08}", status="submitted"
        )
        Intake.objects.create(application=application, window=window, clerk=clerk, at=timezone.now())


def test_the_intake_list_reads_its_cases_windows_halls_and_clerks_with_the_page(
    admin_client, django_assert_max_num_queries, licensing_item, party, window_a, clerk_a
):
    intakes(30, licensing_item, party, window_a, clerk_a)
    with django_assert_max_num_queries(13):
        response = admin_client.get("/admin/windows/intake/")
    assert response.status_code == 200 and "32010220260302" in response.content.decode()


def test_the_user_list_reads_the_departments_and_their_regions_with_the_page(
    admin_client, sysadmin, django_assert_max_num_queries
):
    sysadmin.is_superuser = True  # accounts are the superuser's
    sysadmin.save(update_fields=["is_superuser"])
    for n in range(30):
        department = DepartmentFactory(name=f"部门{n}", region=RegionFactory(code=f"3201{n:02}000000", name=f"区{n}"))
        UserFactory(username=f"staff{n}", department=department)
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/portal/user/")
    assert response.status_code == 200 and "staff29" in response.content.decode()


def test_the_delivery_check_list_reads_the_cases_windows_halls_and_clerks_with_the_page(
    admin_client, licensing_item, party, window_a, clerk_a
):
    def checks(start: int, count: int) -> None:
        for n in range(start, start + count):
            application = Application.objects.create(
                item=licensing_item,
                department=licensing_item.department,
                party=party,
                number=f"32010220260304{n:08}",
                status="concluded",
            )
            delivery = Delivery.objects.create(application=application, method="collect", delivered_at=timezone.now())
            DeliveryCheck.objects.create(
                delivery=delivery,
                window=window_a,
                clerk=clerk_a,
                recipient_id_digest="x" * 64,
                recipient_id_masked="3201**********0016",
                checked_at=timezone.now(),
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get("/admin/windows/deliverycheck/")
        assert response.status_code == 200 and "32010220260304" in response.content.decode()
        return len(captured)

    checks(0, 2)
    few = queries()
    checks(2, 20)
    assert queries() == few
