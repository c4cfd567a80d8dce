"""The case's life through its services, against the real database."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services
from applications.models import Application, Document, ReviewTask, TimelineEvent
from applications.transitions import Actor
from portal import crypto
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.models import OutboxMessage
from tests.applications.conftest import clock_at, pdf
from tests.factories import UserFactory, make_resident_id

S = Application.Status
MONDAY = dt.date(2026, 3, 2)


def test_submitting_gives_a_readable_number_and_a_visible_event(submitted):
    assert submitted.status == S.SUBMITTED
    assert submitted.number.startswith("320102" + "20260302")
    assert TimelineEvent.objects.filter(application=submitted, action="submit", is_visible_to_applicant=True).exists()
    assert OutboxMessage.objects.filter(kind="notification").exists()


def test_numbers_are_never_reused(licensing_item, party, citizen):
    clock = clock_at(MONDAY)
    numbers = set()
    for _ in range(3):
        application = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock)
        numbers.add(services.next_number(application, on=MONDAY))
    assert len(numbers) == 3


def test_it_refuses_to_submit_without_required_materials(licensing_item, party, citizen):
    application = services.start_application(user=citizen, item=licensing_item, party=party)
    application = services.save_draft(
        application=application, form_data={"applicant_name": "张三", "id_number": "110105194912310021"}
    )
    with pytest.raises(ValidationError) as caught:
        services.submit_application(application=application, actor=citizen, declaration=True)
    problems = caught.value.message_dict
    assert "materials" in problems and "id_number" in problems
    application.refresh_from_db()
    assert application.status == S.DRAFT and application.number is None


def test_a_double_submit_makes_one_case(submitted, citizen):
    again = services.submit_application(application=submitted, actor=citizen, declaration=True)
    assert again.number == submitted.number
    assert TimelineEvent.objects.filter(application=submitted, action="submit").count() == 1


def test_the_same_idempotency_key_starts_one_draft(licensing_item, party, citizen):
    first = services.start_application(user=citizen, item=licensing_item, party=party, idempotency_key="k-1")
    second = services.start_application(user=citizen, item=licensing_item, party=party, idempotency_key="k-1")
    assert first.pk == second.pk


def test_acceptance_starts_the_clock_in_working_days(submitted):
    clerk = UserFactory()
    services.accept_application(application=submitted, actor=clerk, actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW
    assert submitted.due_on == dt.date(2026, 3, 16)  # DOMAIN.md's example: Mon 03-02 + 10 → Mon 03-16
    assert submitted.statutory_due_on == dt.date(2026, 3, 30)
    assert submitted.light == "green"
    assert ReviewTask.objects.get(application=submitted).step.kind == "handle"
    assert Document.objects.filter(application=submitted, kind="acceptance_receipt").exists()


def test_accepting_twice_is_refused_and_changes_nothing(submitted):
    clerk = UserFactory()
    services.accept_application(application=submitted, actor=clerk, actor_role=Actor.CLERK)
    with pytest.raises(InvalidTransition):
        services.accept_application(application=submitted, actor=clerk, actor_role=Actor.CLERK)
    assert ReviewTask.objects.filter(application=submitted).count() == 1


def test_a_citizen_cannot_accept(submitted, citizen):
    with pytest.raises(PermissionDenied):
        services.accept_application(application=submitted, actor=citizen, actor_role=Actor.APPLICANT)


def test_suspension_moves_both_deadlines_by_the_paused_working_days(submitted):
    reviewer = UserFactory()
    services.accept_application(application=submitted, actor=reviewer, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    services.suspend_application(
        application=submitted,
        actor=reviewer,
        kind="site_inspection",
        reason="现场勘验",
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    services.resume_application(
        application=submitted, actor=reviewer, result="勘验合格", clock=clock_at(dt.date(2026, 3, 9))
    )
    submitted.refresh_from_db()
    assert submitted.due_on == dt.date(2026, 3, 19)  # Thu, Fri, Mon paused: 3 working days
    assert submitted.statutory_due_on == dt.date(2026, 4, 2)


def test_one_extension_approved_by_the_head(submitted):
    reviewer, head = UserFactory(), UserFactory()
    services.accept_application(application=submitted, actor=reviewer, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    extension = services.request_extension(application=submitted, actor=reviewer, days=10, reason="需征求相关部门意见")
    services.decide_extension(extension=extension, actor=head, approve=True)
    submitted.refresh_from_db()
    assert submitted.is_extended and submitted.due_on == dt.date(2026, 3, 30)
    with pytest.raises(InvalidTransition):
        services.request_extension(application=submitted, actor=reviewer, days=5, reason="再次延长")


def test_review_steps_then_decision_by_someone_other_than_the_handler(submitted):
    handler, checker, approver = UserFactory(), UserFactory(), UserFactory()
    services.accept_application(application=submitted, actor=handler, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    services.pass_step(application=submitted, actor=handler, opinion="材料齐全，符合条件")
    services.pass_step(application=submitted, actor=checker, opinion="同意")
    with pytest.raises(PermissionDenied):
        services.decide_application(application=submitted, actor=handler, outcome="granted", reasons="符合法定条件。")
    result = services.decide_application(
        application=submitted, actor=approver, outcome="granted", reasons="符合法定条件。"
    )
    submitted.refresh_from_db()
    assert submitted.status == S.DECIDED and result.certificate_number
    assert submitted.certificate_due_on is not None
    services.deliver_result(application=submitted, actor=UserFactory(), method="collect", recipient_name="张三")
    submitted.refresh_from_db()
    assert submitted.status == S.CONCLUDED


def test_internal_opinions_stay_internal(submitted):
    handler = UserFactory()
    services.accept_application(application=submitted, actor=handler, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    services.pass_step(application=submitted, actor=handler, opinion="内部意见")
    assert not TimelineEvent.objects.filter(
        application=submitted, action="pass_step", is_visible_to_applicant=True
    ).exists()


def test_correction_then_exactly_the_listed_materials(submitted, citizen):
    clerk = UserFactory()
    requirement = submitted.item.materials.get()
    services.request_correction(
        application=submitted,
        actor=clerk,
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": requirement.pk, "reason": "签名缺失"}],
        clock=clock_at(MONDAY),
    )
    submitted.refresh_from_db()
    assert submitted.status == S.CORRECTION_REQUESTED and submitted.correction_due_on == dt.date(2026, 3, 16)
    with pytest.raises(ValidationError):
        services.resubmit_correction(application=submitted, actor=citizen, actor_role=Actor.APPLICANT, files={})
    services.resubmit_correction(
        application=submitted, actor=citizen, actor_role=Actor.APPLICANT, files={requirement.pk: pdf("补正.pdf")}
    )
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_an_unanswered_correction_returns_the_case(submitted):
    clerk = UserFactory()
    requirement = submitted.item.materials.get()
    services.request_correction(
        application=submitted,
        actor=clerk,
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": requirement.pk, "reason": "不清晰"}],
        clock=clock_at(MONDAY),
    )
    assert services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 16))) == 0
    assert services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 17))) == 1
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED


def test_art_32_a_received_case_without_notice_counts_as_accepted_on_receipt(submitted):
    services.receive_application(application=submitted, actor=UserFactory(), clock=clock_at(MONDAY))
    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 3, 9))) == 0  # 5th working day: still time
    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 3, 10))) == 1
    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 3, 10))) == 0  # safe to run twice
    submitted.refresh_from_db()
    assert submitted.status == S.IN_REVIEW and submitted.accepted_on == MONDAY


def test_auto_acceptance_runs_in_small_batches_up_to_a_limit(licensing_item, citizen):
    for n in range(3):
        party_id = make_resident_id(seq=f"{n + 1:03}")
        party = services.register_party(kind="person", name="张三", id_type="resident_id", id_number=party_id)
        clock = clock_at(MONDAY, 9)
        application = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock)
        services.save_draft(application=application, form_data={"applicant_name": "张三", "id_number": party_id})
        services.attach_material(
            application=application, requirement=licensing_item.materials.get(), file=pdf(), actor=citizen, clock=clock
        )
        application = services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)
        services.receive_application(application=application, actor=UserFactory(), clock=clock_at(MONDAY))
    late = clock_at(dt.date(2026, 3, 10))
    assert services.sweep_auto_accept(clock=late, batch=2, most=2) == 2  # one batch, then the limit
    assert services.sweep_auto_accept(clock=late, batch=2) == 1  # what is left, in the next run
    assert services.sweep_auto_accept(clock=late, batch=2) == 0
    assert set(Application.objects.values_list("status", flat=True)) == {S.IN_REVIEW}


def test_lights_turn_yellow_then_red_once_each(submitted):
    services.accept_application(
        application=submitted, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(MONDAY)
    )
    assert services.sweep_lights(clock=clock_at(dt.date(2026, 3, 12))) == 1  # two working days before 03-16
    assert services.sweep_lights(clock=clock_at(dt.date(2026, 3, 12))) == 0
    assert services.sweep_lights(clock=clock_at(dt.date(2026, 3, 17))) == 1
    submitted.refresh_from_db()
    assert submitted.light == "red"
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"light:{submitted.pk}:").count() == 2
    red = OutboxMessage.objects.get(idempotency_key__startswith=f"light:{submitted.pk}:red")
    # The notice carries its own text and link: the portal's notifications read no case.
    assert "已超过承诺办结日期 2026-03-16" in red.payload["body"] and submitted.item.name in red.payload["body"]
    assert red.payload["link"] == reverse("reviews:case", args=[submitted.number])


def test_withdrawing_a_draft_deletes_it(licensing_item, party, citizen):
    application = services.start_application(user=citizen, item=licensing_item, party=party)
    assert services.withdraw_application(application=application, actor=citizen) is None
    assert not Application.objects.filter(pk=application.pk).exists()


def test_the_id_number_is_encrypted_masked_and_found_again(party):
    assert party.id_number_masked.startswith("320102") and "*" in party.id_number_masked
    assert "19900307" not in party.id_number_encrypted
    same = services.register_party(
        kind="person",
        name="张三",
        id_type="resident_id",
        id_number=party.id_number_masked[:0] + crypto.decrypt(party.id_number_encrypted),
    )
    assert same.pk == party.pk


def test_a_wrong_id_number_is_refused(db):
    with pytest.raises(ValidationError):
        services.register_party(kind="person", name="张三", id_type="resident_id", id_number="110105194912310022")


def test_a_case_accepted_late_by_art_32_still_warns_the_department(submitted):
    services.receive_application(application=submitted, actor=UserFactory(), clock=clock_at(MONDAY))
    late = dt.date(2026, 3, 20)  # past the 5 working days and past the promised date counted from receipt
    services.sweep_auto_accept(clock=clock_at(late))
    assert services.sweep_lights(clock=clock_at(late)) == 1
    submitted.refresh_from_db()
    assert submitted.light == "red"
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"light:{submitted.pk}:red").exists()


def test_the_holder_of_the_last_step_decides_even_when_it_is_not_called_approve(submitted, department_x):
    from applications import access
    from portal.models import Role

    submitted.item.steps.filter(kind="approve").delete()
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    services.accept_application(application=submitted, actor=None, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    services.pass_step(application=submitted, actor=UserFactory(), opinion="同意")
    assert Actor.APPROVER in access.roles_in_case(reviewer, submitted)


def _granted(submitted, on):
    handler, checker, approver = UserFactory(), UserFactory(), UserFactory()
    services.accept_application(application=submitted, actor=handler, actor_role=Actor.CLERK, clock=clock_at(on))
    services.pass_step(application=submitted, actor=handler, opinion="符合条件", clock=clock_at(on))
    services.pass_step(application=submitted, actor=checker, opinion="同意", clock=clock_at(on))
    services.decide_application(
        application=submitted, actor=approver, outcome="granted", reasons="符合法定条件。", clock=clock_at(on)
    )
    submitted.refresh_from_db()
    return submitted


def test_a_certificate_not_delivered_within_ten_working_days_turns_the_case_red_once(submitted):
    granted = _granted(submitted, MONDAY)
    assert granted.certificate_due_on == dt.date(2026, 3, 16)  # art. 44: 10 working days after 03-02
    assert services.sweep_late_certificates(clock=clock_at(dt.date(2026, 3, 16))) == 0
    assert services.sweep_late_certificates(clock=clock_at(dt.date(2026, 3, 17))) == 1
    assert services.sweep_late_certificates(clock=clock_at(dt.date(2026, 3, 18))) == 0
    granted.refresh_from_db()
    assert granted.light == "red"
    message = OutboxMessage.objects.get(idempotency_key=f"certificate-late:{granted.pk}")
    assert message.payload["light"] == "red" and "许可证件" in message.payload["title"]


def test_a_certificate_delivered_in_time_raises_nothing(submitted):
    granted = _granted(submitted, MONDAY)
    services.deliver_result(application=granted, actor=UserFactory(), method="collect", recipient_name="张三")
    assert services.sweep_late_certificates(clock=clock_at(dt.date(2026, 4, 30))) == 0


def test_resuming_from_a_stale_copy_keeps_an_extension_approved_meanwhile(submitted):
    reviewer, head = UserFactory(), UserFactory()
    services.accept_application(application=submitted, actor=reviewer, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    services.suspend_application(
        application=submitted, actor=reviewer, kind="site_inspection", reason="现场核查", clock=clock_at(MONDAY)
    )
    stale = Application.objects.get(pk=submitted.pk)
    extension = services.request_extension(application=submitted, actor=reviewer, days=10, reason="情况复杂")
    services.decide_extension(extension=extension, actor=head, approve=True, clock=clock_at(MONDAY))
    extended = Application.objects.get(pk=submitted.pk).due_on
    services.resume_application(
        application=stale, actor=reviewer, result="核查通过", clock=clock_at(dt.date(2026, 3, 3))
    )
    submitted.refresh_from_db()
    assert submitted.due_on == dt.date(2026, 3, 31) and submitted.due_on > extended  # one paused day on top
