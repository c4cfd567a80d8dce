"""Probing the window's 补交容缺材料 (/hall/cases/<number>/deferred/<requirement_id>/) with crafted bodies
and states: counts out of range, a scan that is not what it says, a case no longer open, a double post."""

# ruff: noqa: F811 (the hall's fixtures are imported from tests/windows/conftest.py)

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services as cases
from applications.models import SubmittedMaterial
from tests.conftest import login_verified
from tests.windows.conftest import MONDAY, clock_at
from tests.windows.test_deferrals_at_window import rules, walk_in  # noqa: F401
from windows import services


@pytest.fixture
def owing(clerk_a, window_a, licensing_item, rules):
    case = walk_in(clerk_a, window_a, licensing_item, deferral_pledged=True)
    services.take_in_application(clerk=clerk_a, application=case, clock=clock_at(MONDAY))
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("originals", ["-1", "21", "9999", "1e3", "²", "0"])
def test_a_crafted_count_is_422_with_a_message_and_stores_nothing(client, clerk_a, owing, rules, originals):
    login_verified(client, clerk_a)
    before = SubmittedMaterial.objects.count()
    response = client.post(f"/hall/cases/{owing.number}/deferred/{rules.pk}/", {"originals": originals})
    assert response.status_code == 422 and "份数" in response.content.decode()
    assert SubmittedMaterial.objects.count() == before and len(cases.owed_materials(owing)) == 1


def test_a_scan_that_is_not_what_it_says_is_422(client, clerk_a, owing, rules):
    login_verified(client, clerk_a)
    fake = SimpleUploadedFile("扫描件.jpg", b"MZ\x90\x00 an executable", content_type="image/jpeg")
    response = client.post(f"/hall/cases/{owing.number}/deferred/{rules.pk}/", {"originals": "1", "scan": fake})
    assert response.status_code == 422 and len(cases.owed_materials(owing)) == 1


def test_a_double_post_is_409_and_a_withdrawn_case_takes_nothing(client, clerk_a, owing, rules, licensing_item):
    login_verified(client, clerk_a)
    url = f"/hall/cases/{owing.number}/deferred/{rules.pk}/"
    assert client.post(url, {"originals": "1"}).status_code == 302
    again = client.post(url, {"originals": "1"})
    assert again.status_code == 409 and "已补交" in again.content.decode()
    assert owing.materials.filter(requirement=rules, is_current=True).count() == 1


def test_a_requirement_of_another_item_is_409(client, clerk_a, owing, item_y):
    login_verified(client, clerk_a)
    other = item_y.materials.first()
    response = client.post(f"/hall/cases/{owing.number}/deferred/{other.pk if other else 999999}/", {"originals": "1"})
    assert response.status_code == 409 and len(cases.owed_materials(owing)) == 1
