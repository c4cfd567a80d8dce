"""Where a material list asks for originals, the window takes originals: a copy does not stand in for
one at walk-in intake; an online case is accepted on its uploads and its paper originals are seen when
the result is handed over (the product owner's decision on issue 9).

Clerk A works at window A1 (收件即受理) and clerk A2 at window A2 (receipt only) of hall A. The licensing
item lists one material, 申请书, with 1 original (paper and electronic unless a test says otherwise).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from applications import services as cases
from applications.models import Application, Delivery, SubmittedMaterial
from applications.transitions import Actor
from catalog.models import MaterialRequirement
from portal.exceptions import DomainError
from portal.models import Role
from tests.factories import MaterialRequirementFactory, UserFactory, make_resident_id
from tests.windows.conftest import MONDAY, PARTY_ID_NUMBER, clock_at, pdf
from windows import services
from windows.forms import DeliveryForm
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


# --- Online cases: accepted, the originals seen when the result is handed over ------------------------------


@pytest.fixture
def paper_only(submitted):
    """The online case's material may be submitted on paper only: the uploaded file is not the original."""
    MaterialRequirement.objects.filter(item=submitted.item).update(form=Form.PAPER)
    return submitted


def decide(application, clerk, department):
    services.take_in_application(clerk=clerk, application=application, clock=clock_at(MONDAY, 11))
    handler, checker, approver = (UserFactory(department=department, roles=[Role.REVIEWER]) for _ in range(3))
    cases.pass_step(application=application, actor=handler, opinion="材料齐全", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=application, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))
    cases.decide_application(
        application=application,
        actor=approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="材料齐全，符合法定条件。",
        clock=clock_at(MONDAY, 16),
    )
    application.refresh_from_db()
    return application


def collect(clerk, application, **extra):
    return services.deliver_at_window(
        clerk=clerk,
        application=application,
        method="collect",
        recipient_name="张三",
        recipient_id_number=PARTY_ID_NUMBER,
        clock=clock_at(MONDAY, 17),
        **extra,
    )


def test_an_online_case_whose_original_is_paper_only_is_accepted(paper_only, clerk_a):
    services.take_in_application(clerk=clerk_a, application=paper_only, clock=clock_at(MONDAY, 11))
    paper_only.refresh_from_db()
    assert paper_only.status == S.IN_REVIEW
    assert [r.name for r in services.originals_to_check_at_delivery(paper_only)] == ["申请书"]


def test_an_online_upload_stands_in_where_the_material_may_be_electronic(submitted, clerk_a):
    assert submitted.item.materials.get().form == Form.BOTH
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW
    assert services.originals_to_check_at_delivery(submitted) == []


def test_the_handover_stops_while_an_original_is_not_seen_and_nothing_is_written(paper_only, clerk_a, department_x):
    decided = decide(paper_only, clerk_a, department_x)
    with pytest.raises(ValidationError) as caught:
        collect(clerk_a, decided)
    assert "“申请书”的原件 1 份未核验，核验原件后方可出件。" in caught.value.message_dict["originals"]
    decided.refresh_from_db()
    assert decided.status == S.DECIDED and not Delivery.objects.filter(application=decided).exists()


def test_the_handover_records_each_original_seen(paper_only, clerk_a, department_x):
    decided = decide(paper_only, clerk_a, department_x)
    requirement = decided.item.materials.get()
    delivery = collect(clerk_a, decided, originals_checked=[requirement.pk])
    assert delivery.application.status == S.CONCLUDED
    assert delivery.identity_check.originals_checked == [
        {"requirement_id": requirement.pk, "name": "申请书", "originals": 1}
    ]


def test_a_result_whose_originals_must_be_seen_is_not_posted(paper_only, clerk_a, department_x):
    decided = decide(paper_only, clerk_a, department_x)
    with pytest.raises(DomainError) as caught:
        services.deliver_at_window(
            clerk=clerk_a,
            application=decided,
            method="post",
            tracking_number="SF1234567890",
            clock=clock_at(MONDAY, 17),
        )
    assert caught.value.code == "originals_at_collection" and "到窗口领取" in caught.value.message
    assert not Delivery.objects.filter(application=decided).exists()


def test_the_delivery_page_lists_the_originals_to_check(client_a, paper_only, clerk_a, department_x):
    decided = decide(paper_only, clerk_a, department_x)
    url = reverse("windows:deliver", args=[decided.number])
    assert "已核验“申请书”原件 1 份" in client_a.get(url).content.decode()
    data = {"method": "collect", "recipient_name": "张三", "recipient_id_number": PARTY_ID_NUMBER}
    refused = client_a.post(url, data)
    assert refused.status_code == 422 and "核验原件后方可出件" in refused.content.decode()
    requirement = decided.item.materials.get()
    assert client_a.post(url, {**data, f"original_{requirement.pk}": "on"}).status_code == 302
    decided.refresh_from_db()
    assert decided.status == S.CONCLUDED


def test_a_walk_in_has_no_originals_left_to_check_at_delivery(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    MaterialRequirement.objects.filter(pk=requirement.pk).update(form=Form.PAPER)
    application = walk_in(clerk_a, window_a, licensing_item, {requirement.pk: (1, 0, None)})
    assert services.originals_to_check_at_delivery(application) == []


@pytest.mark.parametrize(
    ("originals", "label"), [(1, "Checked 1 original of “申请书”"), (2, "Checked 2 originals of “申请书”")]
)
def test_the_delivery_form_counts_the_originals_in_english(originals, label):
    with translation.override("en"):
        form = DeliveryForm(originals=[MaterialRequirement(pk=7, name="申请书", originals=originals)])
    assert form.fields["original_7"].label == label
