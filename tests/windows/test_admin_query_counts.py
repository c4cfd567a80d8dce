"""The admin's changelists cost the same number of queries for a page of many rows as for one (issue 12)."""

import pytest
from django.utils import timezone

from applications.models import Application
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, RegionFactory, UserFactory
from windows.models import Intake

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
