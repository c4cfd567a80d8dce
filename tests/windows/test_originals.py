"""Where a material list asks for originals, the window takes originals: a copy does not stand in for
one, at walk-in intake or when an online case is accepted or received after pre-review.

Clerk A works at window A1 (收件即受理) and clerk A2 at window A2 (receipt only) of hall A. The licensing
item lists one material, 申请书, with 1 original (paper and electronic unless a test says otherwise).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services as cases
from applications.models import Application, Document, ReviewTask, SubmittedMaterial
from catalog.models import MaterialRequirement
from portal.exceptions import DomainError
from tests.api.conftest import token_client
from tests.factories import MaterialRequirementFactory, make_resident_id
from tests.windows.conftest import MONDAY, clock_at, pdf
from windows import services
from windows.models import Intake

S = Application.Status
Form = MaterialRequirement.Form
WALK_IN_ID = make_resident_id(birth="19850612", seq="456")


def walk_in(clerk, window, item, received):
    party = cases.register_party(kind="person", name="王五", id_type="resident_id", id_number=WALK_IN_ID)
    return services.file_walk_in(
        clerk=clerk,
        window=window,
        item=item,
        party=party,
        form_data={"applicant_name": "王五", "id_number": WALK_IN_ID},
        situation_options=[],
        received=received,
        declaration_signed=True,
        clock=clock_at(MONDAY),
    )


def assert_nothing_written() -> None:
    assert not Application.objects.exists()
    assert not SubmittedMaterial.objects.exists() and not Intake.objects.exists()


def refusal(caught) -> str:
    return " ".join(caught.value.message_dict["materials"])


# --- Walk-in intake ----------------------------------------------------------------------------------------


def test_a_copy_where_the_original_is_listed_is_refused_and_nothing_is_written(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    with pytest.raises(ValidationError) as caught:
        walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (0, 2, None)})
    assert "“申请书”须收取原件 1 份（已收原件 0 份），复印件或电子件不能代替原件。" in refusal(caught)
    assert_nothing_written()


def test_a_scan_of_a_copy_does_not_stand_in_for_a_paper_original(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    with pytest.raises(ValidationError) as caught:
        walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (0, 1, pdf())})
    assert "“申请书”须收取原件" in refusal(caught)
    assert_nothing_written()


def test_fewer_originals_than_listed_are_refused(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    MaterialRequirement.objects.filter(pk=requirement.pk).update(originals=2)
    with pytest.raises(ValidationError) as caught:
        walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (1, 1, None)})
    assert "须收取原件 2 份（已收原件 1 份）" in refusal(caught)
    assert_nothing_written()


def test_the_originals_received_are_accepted(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    application = walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (1, 0, None)})
    services.take_in_application(clerk=clerk_a, application=application, clock=clock_at(MONDAY, 11))
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW


def test_an_electronic_material_is_taken_as_a_scan_but_not_as_a_copy(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    MaterialRequirement.objects.filter(pk=requirement.pk).update(form=Form.ELECTRONIC)
    with pytest.raises(ValidationError) as caught:
        walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (0, 1, None)})
    assert "“申请书”须收取原件 1 份或其电子件，复印件不能代替原件。" in refusal(caught)
    assert_nothing_written()
    application = walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (0, 0, pdf())})
    assert application.status == S.SUBMITTED


def test_a_deferrable_or_optional_material_is_not_held_to_its_originals_now(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    deferrable = MaterialRequirementFactory(
        item=licensing_item, name="场地证明", necessity=MaterialRequirement.Necessity.DEFERRABLE
    )
    optional = MaterialRequirementFactory(item=licensing_item, name="其他材料", necessity="optional")
    application = walk_in(
        clerk_a, window_a, licensing_item, {requirement.pk: (1, 0, None), deferrable.pk: (0, 1, None)}
    )
    assert application.status == S.SUBMITTED
    assert not application.materials.filter(requirement=optional).exists()


def test_the_walk_in_page_names_the_material_whose_original_is_missing(client_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    data = {
        "applicant_kind": "person",
        "applicant_name": "王五",
        "id_number": WALK_IN_ID,
        "f_applicant_name": "王五",
        "f_id_number": WALK_IN_ID,
        f"m{requirement.pk}_originals": "0",
        f"m{requirement.pk}_copies": "2",
        "delivery_method": "collect",
        "declaration": "on",
        "idempotency_key": "8f14e45fceea167a5a36dedd4bea2543",
    }
    url = reverse("windows:walk_in_form", args=[window_a.pk, licensing_item.pk])
    response = client_a.post(url, data)
    assert response.status_code == 422
    assert "“申请书”须收取原件 1 份（已收原件 0 份）" in response.content.decode()
    assert_nothing_written()

    data[f"m{requirement.pk}_originals"] = "1"
    assert client_a.post(url, data).status_code == 302
    assert Application.objects.get().status == S.SUBMITTED


# --- Online cases after pre-review -------------------------------------------------------------------------


@pytest.fixture
def paper_only(submitted):
    """The online case's material may be submitted on paper only: the uploaded file is not the original."""
    MaterialRequirement.objects.filter(item=submitted.item).update(form=Form.PAPER)
    return submitted


def assert_untouched(application) -> None:
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.accepted_on is None
    assert not Intake.objects.filter(application=application).exists()
    assert not Document.objects.filter(application=application).exists()
    assert not ReviewTask.objects.filter(application=application).exists()


def test_an_online_case_missing_a_paper_original_is_not_accepted(paper_only, clerk_a):
    with pytest.raises(DomainError) as caught:
        services.take_in_application(clerk=clerk_a, application=paper_only, clock=clock_at(MONDAY, 11))
    assert caught.value.status_code == 422 and caught.value.code == "originals_missing"
    assert "不能受理" in caught.value.message and "“申请书”须收取原件 1 份" in caught.value.message
    assert_untouched(paper_only)


def test_an_online_case_missing_a_paper_original_is_not_received_either(paper_only, clerk_a2):
    with pytest.raises(DomainError) as caught:
        services.take_in_application(clerk=clerk_a2, application=paper_only, clock=clock_at(MONDAY, 11))
    assert "不能收件" in caught.value.message
    assert_untouched(paper_only)


def test_an_online_case_is_accepted_once_the_paper_original_is_received(paper_only, clerk_a):
    SubmittedMaterial.objects.filter(application=paper_only).update(originals_received=1)
    services.take_in_application(clerk=clerk_a, application=paper_only, clock=clock_at(MONDAY, 11))
    paper_only.refresh_from_db()
    assert paper_only.status == S.IN_REVIEW


def test_an_online_upload_stands_in_where_the_material_may_be_electronic(submitted, clerk_a):
    assert submitted.item.materials.get().form == Form.BOTH
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW


def test_the_take_in_button_refuses_with_the_material_named(client_a, paper_only):
    response = client_a.post(reverse("windows:take_in", args=[paper_only.number]))
    assert response.status_code == 422
    assert "“申请书”须收取原件 1 份" in response.content.decode()
    assert_untouched(paper_only)


def test_the_api_accept_and_receive_refuse_with_the_material_named(paper_only, clerk_a, clerk_a2):
    for clerk, action in ((clerk_a, "accept"), (clerk_a2, "receive")):
        response = token_client(clerk).post(f"/api/v1/applications/{paper_only.number}/{action}/")
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["code"] == "originals_missing" and "“申请书”须收取原件 1 份" in body["message"]
        assert body["detail"]["materials"] and "申请书" in body["detail"]["materials"][0]
    assert_untouched(paper_only)


def test_an_accepted_case_taken_in_again_is_still_409(submitted, clerk_a):
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 11))
    MaterialRequirement.objects.filter(item=submitted.item).update(form=Form.PAPER)
    response = token_client(clerk_a).post(f"/api/v1/applications/{submitted.number}/accept/")
    assert response.status_code == 409
