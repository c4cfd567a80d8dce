"""The admin's 好差评 changelists cost the same number of queries for a page of many rows as for a few
(issue 12): each row's department name carries its region's, read with the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from portal.models import Role
from reviews.models import Evaluation, Level, Rectification
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    sysadmin = UserFactory(username="sysadmin", roles=[Role.SYSADMIN], is_staff=True)
    return login_verified(client, sysadmin)


def rated(count: int, item, party, start: int = 0) -> None:
    """``count`` concluded cases rated 差评, each of a department of its own region, with its rectification."""
    for n in range(start, start + count):
        region = RegionFactory(code=f"3202{n:02}000000", name=f"区{n}")
        department = DepartmentFactory(name=f"部门{n}", region=region)
        application = Application.objects.create(
            item=item, department=department, party=party, number=f"32010220260303{n:08}", status="concluded"
        )
        evaluation = Evaluation.objects.create(
            application=application,
            level=Level.VERY_DISSATISFIED,
            channel=Evaluation.Channel.SYSTEM,
            department=department,
            region=region,
            item_code=item.code,
            item_name=item.name,
            created_at=timezone.now(),
        )
        today = timezone.localdate()
        Rectification.objects.create(
            evaluation=evaluation, department=department, due_on=today, warn_on=today, created_at=timezone.now()
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and "32010220260303" in response.content.decode()
    return len(captured)


@pytest.mark.parametrize("url", ["/admin/reviews/evaluation/", "/admin/reviews/rectification/"])
def test_the_lists_read_the_departments_and_their_regions_with_the_page(admin_client, licensing_item, party, url):
    rated(2, licensing_item, party)
    few = queries(admin_client, url)
    rated(20, licensing_item, party, start=2)
    assert queries(admin_client, url) == few
