"""告知承诺制 at the window: the walk-in chooses the commitment for a material that allows it and signs."""

# ruff: noqa: F811 (the hall's fixtures are imported from tests/windows/conftest.py)

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application, Commitment, Document
from tests.factories import MaterialRequirementFactory
from tests.windows.test_deferrals_at_window import WALK_IN_ID, walk_in

S = Application.Status


@pytest.fixture
def certificate(licensing_item):
    return MaterialRequirementFactory(
        item=licensing_item, name="无犯罪记录证明", order=9, allows_commitment=True, commitment_text="本人无犯罪记录。"
    )


def test_the_walk_in_signs_a_commitment_instead_of_the_proof(clerk_a, window_a, licensing_item, certificate):
    with pytest.raises(ValidationError) as unsigned:
        walk_in(clerk_a, window_a, licensing_item, commitments={certificate.pk})
    assert "法律后果" in unsigned.value.message_dict["commitment_signed"][0]
    form = licensing_item.materials.get(name="申请书")
    with pytest.raises(ValidationError) as not_allowed:
        walk_in(clerk_a, window_a, licensing_item, commitments={form.pk}, commitment_signed=True)
    assert "不适用告知承诺制" in not_allowed.value.message_dict["commitment_signed"][0]
    assert not Application.objects.exists()
    case = walk_in(clerk_a, window_a, licensing_item, commitments={certificate.pk}, commitment_signed=True)
    assert case.status == S.SUBMITTED and case.commitments.get().requirement == certificate
    assert case.documents.filter(kind=Document.Kind.COMMITMENT).exists()


def test_the_walk_in_page_offers_it_only_where_allowed(client_a, window_a, licensing_item, certificate):
    form = licensing_item.materials.get(name="申请书")
    url = reverse("windows:walk_in_form", args=[window_a.pk, licensing_item.pk])
    page = client_a.get(url).content.decode()
    assert f'name="m{certificate.pk}_commit"' in page and f'name="m{form.pk}_commit"' not in page
    data = {
        "applicant_kind": "person",
        "applicant_name": "王五",
        "id_number": WALK_IN_ID,
        "f_applicant_name": "王五",
        "f_id_number": WALK_IN_ID,
        f"m{form.pk}_originals": "1",
        f"m{form.pk}_copies": "0",
        f"m{certificate.pk}_originals": "0",
        f"m{certificate.pk}_copies": "0",
        f"m{certificate.pk}_commit": "on",
        "delivery_method": "collect",
        "declaration": "on",
        "idempotency_key": "8f14e45fceea167a5a36dedd4bea2543",
    }
    refused = client_a.post(url, data)
    assert refused.status_code == 422 and "确认签署告知承诺书" in refused.content.decode()
    assert not Application.objects.exists()
    assert client_a.post(url, {**data, "commitment_signed": "on"}).status_code == 302
    assert Commitment.objects.get().application.status == S.SUBMITTED
