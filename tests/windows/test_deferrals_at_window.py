"""容缺受理 at the window: the walk-in's signed pledge, acceptance owing the material, the clerk recording it."""

# ruff: noqa: F811 (the hall's fixtures are imported from tests/windows/conftest.py)

import pytest
from django.core.exceptions import ValidationError

from applications import services as cases
from applications.models import Application, Document
from catalog.models import MaterialRequirement
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, make_resident_id
from tests.windows.conftest import MONDAY, clock_at
from windows import services

S = Application.Status
WALK_IN_ID = make_resident_id(birth="19900101", seq="321")


@pytest.fixture
def rules(licensing_item):
    return MaterialRequirementFactory(
        item=licensing_item, name="卫生管理制度", necessity=MaterialRequirement.Necessity.DEFERRABLE, order=9
    )


def walk_in(clerk, window, item, **overrides):
    party = cases.register_party(kind="person", name="王五", id_type="resident_id", id_number=WALK_IN_ID)
    form = item.materials.get(name="申请书")
    arguments = {
        "clerk": clerk,
        "window": window,
        "item": item,
        "party": party,
        "form_data": {"applicant_name": "王五", "id_number": WALK_IN_ID},
        "situation_options": [],
        "received": {form.pk: (1, 0, None)},
        "declaration_signed": True,
        "clock": clock_at(MONDAY),
    } | overrides
    return services.file_walk_in(**arguments)


def test_without_the_signed_pledge_nothing_is_filed(clerk_a, window_a, licensing_item, rules):
    with pytest.raises(ValidationError) as refused:
        walk_in(clerk_a, window_a, licensing_item)
    assert "卫生管理制度" in refused.value.message_dict["deferral_pledged"][0]
    assert not Application.objects.exists()


def test_brought_after_all_no_pledge_is_needed(clerk_a, window_a, licensing_item, rules):
    form = licensing_item.materials.get(name="申请书")
    case = walk_in(clerk_a, window_a, licensing_item, received={form.pk: (1, 0, None), rules.pk: (1, 0, None)})
    assert case.status == S.SUBMITTED and case.deferral_pledged_at is None


def test_the_clerk_accepts_and_records_the_material_when_it_is_brought(
    client, clerk_a, clerk_b, window_a, licensing_item, rules
):
    case = walk_in(clerk_a, window_a, licensing_item, deferral_pledged=True)
    services.take_in_application(clerk=clerk_a, application=case, clock=clock_at(MONDAY))
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW and case.deferral_due_on is not None
    assert case.documents.filter(kind=Document.Kind.DEFERRAL_PLEDGE).exists()
    url = f"/hall/cases/{case.number}/deferred/{rules.pk}/"
    login_verified(client, clerk_b)  # another hall's clerk
    assert client.post(url, {"originals": "1"}).status_code in (403, 404)
    login_verified(client, clerk_a)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert "容缺后补材料" in page and "登记收取" in page
    bad = client.post(url, {"originals": "abc"})
    assert bad.status_code == 422 and "份数应在 0–20 之间" in bad.content.decode()
    assert client.post(url, {"originals": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.deferral_due_on is None and cases.owed_materials(case) == []
    assert case.materials.get(requirement=rules, is_current=True).originals_received == 1
