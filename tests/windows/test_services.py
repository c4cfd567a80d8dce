"""The window's services against the real database: authorisations, clerks, intake, outcomes, delivery."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from applications import services as cases
from applications.access import applications_visible_to
from applications.licences import issuing
from applications.models import Application, Document, SubmittedMaterial
from catalog.models import MaterialRequirement
from portal.exceptions import DomainError, InvalidTransition, PermissionDenied
from portal.models import AuditEvent, Role
from tests.factories import MaterialRequirementFactory, UserFactory, make_resident_id, next_uscc
from tests.windows.conftest import MONDAY, PARTY_ID_NUMBER, clock_at, pdf
from windows import selectors, services
from windows.models import ClerkAssignment, Intake, ServiceHall, Window, WindowAuthorization

S = Application.Status
WALK_IN_ID = make_resident_id(birth="19850612", seq="456")


def walk_in(clerk, window, item, **overrides):
    party = cases.register_party(kind="person", name="王五", id_type="resident_id", id_number=WALK_IN_ID)
    requirement = item.materials.get()
    arguments = {
        "clerk": clerk,
        "window": window,
        "item": item,
        "party": party,
        "form_data": {"applicant_name": "王五", "id_number": WALK_IN_ID},
        "situation_options": [],
        "received": {requirement.pk: (1, 1, None)},
        "declaration_signed": True,
        "clock": clock_at(MONDAY),
    }
    arguments.update(overrides)
    return services.file_walk_in(**arguments)


# --- Authorisations and clerks -----------------------------------------------------------------------


def test_the_department_head_authorises_a_window_and_it_is_audited(hall_a, licensing_item, department_x):
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    window = Window.objects.create(hall=hall_a, number="9")
    authorization = services.grant_window_authorization(
        actor=head, department=department_x, window=window, item_code=licensing_item.code, accepts_on_receipt=False
    )
    assert not authorization.accepts_on_receipt
    again = services.grant_window_authorization(
        actor=head, department=department_x, window=window, item_code=licensing_item.code
    )
    assert again.pk == authorization.pk and again.accepts_on_receipt
    actions = list(AuditEvent.objects.filter(object_id=str(authorization.pk)).values_list("action", flat=True))
    assert actions == ["window.authorization_granted", "window.authorization_changed"]


def test_only_the_items_department_may_authorise_a_window(hall_a, licensing_item, department_x, department_y):
    window = Window.objects.create(hall=hall_a, number="9")
    head_y = UserFactory(department=department_y, roles=[Role.DEPT_HEAD])
    clerk = UserFactory(roles=[Role.CLERK])
    for actor in (head_y, clerk):
        with pytest.raises(PermissionDenied):
            services.grant_window_authorization(
                actor=actor, department=department_x, window=window, item_code=licensing_item.code
            )
    with pytest.raises(ValidationError):
        services.grant_window_authorization(
            actor=head_y, department=department_y, window=window, item_code=licensing_item.code
        )
    assert not WindowAuthorization.objects.filter(window=window).exists()


def test_only_a_sysadmin_assigns_and_only_clerks_are_assigned(window_a, sysadmin):
    citizen = UserFactory(roles=[Role.CITIZEN])
    clerk = UserFactory(roles=[Role.CLERK])
    with pytest.raises(ValidationError):
        services.assign_clerk(actor=sysadmin, window=window_a, clerk=citizen)
    with pytest.raises(PermissionDenied):
        services.assign_clerk(actor=clerk, window=window_a, clerk=clerk)
    assignment = services.assign_clerk(actor=sysadmin, window=window_a, clerk=clerk)
    assert services.assign_clerk(actor=sysadmin, window=window_a, clerk=clerk).pk == assignment.pk
    services.remove_clerk(actor=sysadmin, assignment=assignment)
    assert not ClerkAssignment.objects.filter(clerk=clerk).exists()


def test_a_clerk_sees_the_windows_and_items_of_their_own_hall(clerk_a, window_a, window_b, licensing_item, item_y):
    assert list(selectors.windows_of(clerk_a)) == [window_a]
    assert list(selectors.authorized_items(clerk_a, window_a)) == [licensing_item]
    assert not selectors.authorized_items(clerk_a, window_b).exists()


# --- Walk-in intake ------------------------------------------------------------------------------------


def test_a_walk_in_is_a_window_case_with_the_paper_received_and_its_intake(clerk_a, window_a, licensing_item):
    application = walk_in(clerk_a, window_a, licensing_item)
    assert application.status == S.SUBMITTED and application.channel == Application.Channel.WINDOW
    assert application.number and application.applicant_user is None
    material = SubmittedMaterial.objects.get(application=application)
    assert (material.originals_received, material.copies_received) == (1, 1)
    intake = Intake.objects.get(application=application)
    assert (intake.window, intake.clerk) == (window_a, clerk_a)


def test_a_walk_in_missing_a_required_material_writes_nothing(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    with pytest.raises(ValidationError) as caught:
        walk_in(clerk_a, window_a, licensing_item, received={requirement.pk: (0, 0, None)})
    assert "materials" in caught.value.message_dict
    assert not Application.objects.exists() and not Intake.objects.exists()


def test_a_walk_in_refuses_counts_out_of_range_and_foreign_materials(clerk_a, window_a, licensing_item, item_y):
    requirement = licensing_item.materials.get()
    with pytest.raises(ValidationError):
        walk_in(clerk_a, window_a, licensing_item, received={requirement.pk: (500, 0, None)})
    with pytest.raises(ValidationError):
        walk_in(
            clerk_a,
            window_a,
            licensing_item,
            received={requirement.pk: (1, 0, None), item_y.materials.get().pk: (1, 0, None)},
        )
    assert not Application.objects.exists()


def test_a_walk_in_needs_a_staffed_and_authorised_window(clerk_a, clerk_b, window_a, window_b, licensing_item, item_y):
    with pytest.raises(PermissionDenied):
        walk_in(clerk_b, window_a, licensing_item)  # not my window
    with pytest.raises(PermissionDenied):
        walk_in(clerk_b, window_b, licensing_item)  # my window, not its item
    assert not Application.objects.exists()


def test_a_company_walk_in_needs_its_agent(clerk_a, window_a, licensing_item):
    company = cases.register_party(kind="organization", name="南京某某有限公司", id_type="uscc", id_number=next_uscc())
    with pytest.raises(ValidationError):
        walk_in(clerk_a, window_a, licensing_item, party=company)
    agent = cases.register_party(kind="person", name="王五", id_type="resident_id", id_number=WALK_IN_ID)
    application = walk_in(clerk_a, window_a, licensing_item, party=company, agent=agent)
    assert application.acting_as == Application.ActingAs.AGENT and application.intake.agent == agent


def test_the_same_idempotency_key_files_one_walk_in(clerk_a, window_a, licensing_item):
    first = walk_in(clerk_a, window_a, licensing_item, idempotency_key="k-window-1")
    again = walk_in(clerk_a, window_a, licensing_item, idempotency_key="k-window-1")
    assert again.pk == first.pk and Application.objects.count() == 1


def test_a_scan_is_stored_with_the_paper_counts(clerk_a, window_a, licensing_item):
    requirement = licensing_item.materials.get()
    application = walk_in(clerk_a, window_a, licensing_item, received={requirement.pk: (1, 0, pdf())})
    material = application.materials.get()
    assert material.file and material.sha256 and material.originals_received == 1


# --- Outcomes -----------------------------------------------------------------------------------------------


def test_taking_in_accepts_at_a_receipt_window_and_receives_elsewhere(
    submitted, clerk_a2, licensing_item, party, citizen, clerk_a
):
    services.take_in_application(clerk=clerk_a2, application=submitted, clock=clock_at(MONDAY))
    submitted.refresh_from_db()
    assert submitted.status == S.RECEIVED and submitted.received_on == MONDAY
    # The receive-only window's hall keeps the case; its other window, authorised to accept, now may.
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 15))
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW
    assert Document.objects.filter(application=submitted, kind=Document.Kind.ACCEPTANCE_RECEIPT).count() == 1
    assert Intake.objects.get(application=submitted).clerk == clerk_a2


def test_a_second_take_in_is_an_invalid_transition(submitted, clerk_a):
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY))
    with pytest.raises(InvalidTransition):
        services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY))


def test_a_clerk_without_an_authorisation_for_the_item_cannot_act(submitted, clerk_b):
    with pytest.raises(PermissionDenied):
        services.take_in_application(clerk=clerk_b, application=submitted)
    with pytest.raises(PermissionDenied):
        services.refuse_at_window(clerk=clerk_b, application=submitted, reason="x", basis="y")
    with pytest.raises(PermissionDenied):
        services.ask_for_correction(clerk=clerk_b, application=submitted, entries=[{"name": "x", "reason": "y"}])
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not Intake.objects.exists()


def test_once_hall_a_takes_a_case_in_hall_bs_clerk_of_the_same_item_no_longer_sees_it(
    submitted, clerk_a, licensing_item, sysadmin
):
    # Another hall of the department's own region (a window of another region takes walk-ins only).
    hall_b = ServiceHall.objects.create(
        region=licensing_item.department.region, kind=ServiceHall.Kind.TOWNSHIP, name="玄武门便民服务中心", address="x"
    )
    window = Window.objects.create(hall=hall_b, number="7")
    services.grant_window_authorization(
        actor=sysadmin, department=licensing_item.department, window=window, item_code=licensing_item.code
    )
    clerk_b7 = UserFactory(roles=[Role.CLERK])
    services.assign_clerk(actor=sysadmin, window=window, clerk=clerk_b7)
    assert applications_visible_to(clerk_b7).filter(pk=submitted.pk).exists()  # an online case waits for both
    services.ask_for_correction(
        clerk=clerk_a, application=submitted, entries=[{"name": "照片", "reason": "补充"}], clock=clock_at(MONDAY)
    )
    assert not applications_visible_to(clerk_b7).filter(pk=submitted.pk).exists()
    assert not selectors.prereview_queue(clerk_b7).exists()


def test_a_refusal_needs_reason_and_basis(submitted, clerk_a):
    with pytest.raises(ValidationError):
        services.refuse_at_window(clerk=clerk_a, application=submitted, reason="不属于本机关职权", basis=" ")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not Intake.objects.exists()


# --- Delivery ------------------------------------------------------------------------------------------------


def test_the_fee_is_checked_before_delivery(decided, clerk_a):
    with pytest.raises(DomainError) as caught:
        services.deliver_at_window(
            clerk=clerk_a,
            application=decided,
            method="collect",
            recipient_name="张三",
            recipient_id_number=PARTY_ID_NUMBER,
        )
    assert caught.value.code == "fee_due"


def test_only_the_applicant_or_a_proxy_with_a_letter_collects(decided, clerk_a):
    fee = decided.fee_assessments.get()
    cases.settle_fee(fee=fee, actor=clerk_a, waiver_basis="困难群众减免")
    stranger = make_resident_id(birth="19700101", seq="999")
    with pytest.raises(DomainError) as caught:
        services.deliver_at_window(
            clerk=clerk_a, application=decided, method="collect", recipient_name="路人", recipient_id_number=stranger
        )
    assert caught.value.code == "recipient_mismatch"
    with pytest.raises(ValidationError):
        services.deliver_at_window(
            clerk=clerk_a,
            application=decided,
            method="collect",
            recipient_name="路人",
            recipient_id_number=stranger,
            is_proxy=True,
        )
    delivery = services.deliver_at_window(
        clerk=clerk_a,
        application=decided,
        method="collect",
        recipient_name="路人",
        recipient_id_number=stranger,
        is_proxy=True,
        proxy_letter=pdf("委托书.pdf"),
        clock=clock_at(MONDAY, 17),
    )
    assert delivery.recipient_is_proxy and delivery.identity_check.is_proxy
    decided.refresh_from_db()
    assert decided.status == S.CONCLUDED


# --- 免证办 at the window ------------------------------------------------------------------------------


def _walk_in_with(clerk, window, item, received):
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


def _id_card_material(item):
    return MaterialRequirementFactory(
        item=item, name="申请人居民身份证", source=MaterialRequirement.Source.LICENSE, license_code="居民身份证"
    )


def test_a_walk_in_holding_a_valid_id_card_licence_hands_in_no_paper_for_it(clerk_a, window_a, licensing_item):
    form, card = licensing_item.materials.get(), _id_card_material(licensing_item)
    issuing.record_licence(
        kind="居民身份证",
        number="SFZ-WANG",
        holder_type="person",
        holder_id_type="resident_id",
        holder_id_number=WALK_IN_ID,
        holder_name="王五",
        issuer="南京市公安局玄武分局",
        issued_on=dt.date(2016, 3, 1),
    )
    application = _walk_in_with(clerk_a, window_a, licensing_item, {form.pk: (1, 1, None)})
    fetched = application.materials.get(requirement=card, is_current=True)
    assert fetched.licence_number == "SFZ-WANG" and not fetched.file


def test_a_walk_in_without_a_licence_hands_in_the_paper_which_the_clerk_records(clerk_a, window_a, licensing_item):
    form, card = licensing_item.materials.get(), _id_card_material(licensing_item)
    with pytest.raises(ValidationError) as caught:
        _walk_in_with(clerk_a, window_a, licensing_item, {form.pk: (1, 1, None)})
    assert f"未收取必要材料：{card.name}" in caught.value.message_dict["materials"]
    application = _walk_in_with(clerk_a, window_a, licensing_item, {form.pk: (1, 1, None), card.pk: (1, 0, None)})
    paper = application.materials.get(requirement=card, is_current=True)
    assert paper.originals_received == 1 and not paper.licence_number
