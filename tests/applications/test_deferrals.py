"""容缺受理: the pledge at submission, the owed material and its date at acceptance, the grant that waits
for it, the reminder, and the item's rule when the date passes (suspend until supplied, or return)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.documents import render_document
from applications.models import Application, Document, ReviewTask, Suspension
from applications.transitions import Actor
from catalog.models import DeferralLapse, MaterialRequirement
from portal.exceptions import DomainError, InvalidTransition
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_documents import pdf_text
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, UserFactory, make_resident_id

S = Application.Status
MONDAY = dt.date(2026, 3, 2)
OWED_BY = dt.date(2026, 3, 9)  # five working days after Monday 2 March


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk_deferrals", real_name="窗口人员", roles=[Role.CLERK])


@pytest.fixture
def rules(licensing_item):
    """The item's 容缺后补 material: the hygiene rules may follow the acceptance."""
    return MaterialRequirementFactory(
        item=licensing_item, name="卫生管理制度", necessity=MaterialRequirement.Necessity.DEFERRABLE, order=9
    )


def draft(item, party, citizen):
    application = services.start_application(user=citizen, item=item, party=party, clock=clock_at(MONDAY, 9))
    application = services.save_draft(
        application=application, form_data={"applicant_name": "张三", "id_number": make_resident_id()}
    )
    services.attach_material(
        application=application, requirement=item.materials.get(name="申请书"), file=pdf(), actor=citizen
    )
    return application


@pytest.fixture
def pledged(licensing_item, rules, party, citizen):
    application = draft(licensing_item, party, citizen)
    return services.submit_application(
        application=application, actor=citizen, declaration=True, deferral_pledged=True, clock=clock_at(MONDAY, 9)
    )


@pytest.fixture
def accepted(pledged, clerk):
    services.accept_application(
        application=pledged, actor=clerk, actor_role=Actor.CLERK, accepted_on=MONDAY, clock=clock_at(MONDAY, 11)
    )
    pledged.refresh_from_db()
    return pledged


def test_leaving_out_a_deferrable_material_needs_the_pledge(licensing_item, rules, party, citizen):
    application = draft(licensing_item, party, citizen)
    with pytest.raises(ValidationError) as refused:
        services.submit_application(application=application, actor=citizen, declaration=True)
    assert "卫生管理制度" in refused.value.message_dict["deferral_pledged"][0]
    application.refresh_from_db()
    assert application.status == S.DRAFT and application.number is None


def test_no_pledge_is_recorded_when_nothing_is_left_out(licensing_item, rules, party, citizen):
    application = draft(licensing_item, party, citizen)
    services.attach_material(application=application, requirement=rules, file=pdf(), actor=citizen)
    submitted = services.submit_application(
        application=application, actor=citizen, declaration=True, deferral_pledged=True
    )
    assert submitted.deferral_pledged_at is None


def test_acceptance_owes_the_material_by_its_date_and_issues_the_pledge(accepted, tmp_path):
    assert accepted.deferral_pledged_at is not None and accepted.deferral_due_on == OWED_BY
    placeholder = accepted.materials.get(requirement__name="卫生管理制度")
    assert placeholder.deferred_until == OWED_BY and not placeholder.file
    receipt = accepted.documents.get(kind=Document.Kind.ACCEPTANCE_RECEIPT)
    assert {"name": "卫生管理制度", "deferred_until": "2026-03-09"}.items() <= receipt.context["materials"][-1].items()
    pledge = accepted.documents.get(kind=Document.Kind.DEFERRAL_PLEDGE)
    text = pdf_text(render_document(pledge), tmp_path)
    assert "容缺受理承诺书" in text and "卫生管理制度" in text and "2026年3月9日前" in text
    assert "暂停计算办理时限" in text


def test_a_grant_waits_for_the_owed_material(accepted, citizen):
    for opinion in ("材料齐全", "同意"):
        services.pass_step(application=accepted, actor=UserFactory(), opinion=opinion)
    with pytest.raises(DomainError) as waits:
        services.decide_application(
            application=accepted, actor=UserFactory(), outcome="granted", reasons="符合法定条件。"
        )
    assert waits.value.code == "deferred_materials_owed" and "卫生管理制度" in waits.value.message
    requirement = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    services.supply_deferred(
        application=accepted, requirement_id=requirement, actor=citizen, actor_role=Actor.APPLICANT, file=pdf()
    )
    accepted.refresh_from_db()
    assert accepted.deferral_due_on is None and accepted.status == S.IN_REVIEW
    assert accepted.timeline.filter(action="supply_deferred").exists()
    services.decide_application(application=accepted, actor=UserFactory(), outcome="granted", reasons="符合法定条件。")
    accepted.refresh_from_db()
    assert accepted.status == S.DECIDED


def test_one_reminder_two_working_days_before(accepted):
    assert services.sweep_deferral_reminders(clock=clock_at(dt.date(2026, 3, 4))) == 0  # not yet
    for _ in range(2):
        services.sweep_deferral_reminders(clock=clock_at(dt.date(2026, 3, 5)))
    reminders = OutboxMessage.objects.filter(idempotency_key__startswith="notify:deferral-remind:")
    assert reminders.count() == 1 and "2026-03-09" in reminders.get().payload["body"]


def test_past_its_date_the_clock_stops_until_the_material_comes(accepted, citizen):
    due_before = accepted.due_on
    assert services.sweep_lapsed_deferrals(clock=clock_at(OWED_BY)) == 0  # the last day still counts
    assert services.sweep_lapsed_deferrals(clock=clock_at(dt.date(2026, 3, 10))) == 1
    assert services.sweep_lapsed_deferrals(clock=clock_at(dt.date(2026, 3, 11))) == 0  # once
    accepted.refresh_from_db()
    pause = accepted.suspensions.get()
    assert accepted.status == S.SUSPENDED and pause.kind == Suspension.Kind.DEFERRAL
    with pytest.raises(InvalidTransition):  # a reviewer does not end it: the material does
        services.resume_application(application=accepted, actor=UserFactory(), result="已恢复")
    requirement = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    services.supply_deferred(
        application=accepted,
        requirement_id=requirement,
        actor=citizen,
        actor_role=Actor.APPLICANT,
        file=pdf(),
        clock=clock_at(dt.date(2026, 3, 12)),
    )
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and accepted.suspended_on is None
    assert accepted.due_on > due_before  # moved by the working days it stood still
    assert accepted.suspensions.get().ended_on == dt.date(2026, 3, 12)


def test_past_its_date_an_item_that_says_so_returns_the_case(accepted, tmp_path):
    accepted.item.deferral_lapse = DeferralLapse.RETURN
    accepted.item.save(update_fields=["deferral_lapse"])
    assert services.sweep_lapsed_deferrals(clock=clock_at(dt.date(2026, 3, 10))) == 1
    accepted.refresh_from_db()
    assert accepted.status == S.RETURNED and accepted.deferral_due_on is None
    assert not accepted.tasks.filter(status=ReviewTask.Status.OPEN).exists()
    notice = accepted.documents.get(kind=Document.Kind.RETURN_NOTICE)
    text = pdf_text(render_document(notice), tmp_path)
    assert "未补交的容缺材料" in text and "卫生管理制度" in text


def test_what_cannot_be_supplied(accepted, citizen, clerk):
    owed = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    other = accepted.materials.get(requirement__name="申请书").requirement_id
    with pytest.raises(InvalidTransition):  # not owed
        services.supply_deferred(
            application=accepted, requirement_id=other, actor=citizen, actor_role=Actor.APPLICANT, file=pdf()
        )
    with pytest.raises(ValidationError):  # the applicant sends a file
        services.supply_deferred(application=accepted, requirement_id=owed, actor=citizen, actor_role=Actor.APPLICANT)
    fake = SimpleUploadedFile("制度.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError):  # checked by content
        services.supply_deferred(
            application=accepted, requirement_id=owed, actor=citizen, actor_role=Actor.APPLICANT, file=fake
        )
    with pytest.raises(ValidationError):  # the clerk records what was received
        services.supply_deferred(application=accepted, requirement_id=owed, actor=clerk, actor_role=Actor.CLERK)
    accepted.refresh_from_db()
    assert accepted.deferral_due_on == OWED_BY and len(services.deferrals.owed(accepted)) == 1
    services.supply_deferred(
        application=accepted, requirement_id=owed, actor=clerk, actor_role=Actor.CLERK, originals=1
    )
    with pytest.raises(InvalidTransition):  # a double submit: already supplied
        services.supply_deferred(
            application=accepted, requirement_id=owed, actor=clerk, actor_role=Actor.CLERK, originals=1
        )
    assert accepted.materials.filter(requirement_id=owed, is_current=True).get().originals_received == 1


# --- The pages ------------------------------------------------------------------------------------


def test_the_draft_page_asks_for_the_pledge_and_keeps_what_was_typed(client, licensing_item, rules, party, citizen):
    application = draft(licensing_item, party, citizen)
    client.force_login(citizen)
    page = client.get(f"/applications/draft/{application.pk}/")
    assert "容缺受理承诺" in page.content.decode() and 'name="deferral_pledged"' in page.content.decode()
    form = {
        "f_applicant_name": "张三",
        "f_id_number": make_resident_id(),
        "delivery_method": "collect",
        "declaration": "on",
        "action": "submit",
    }
    refused = client.post(f"/applications/draft/{application.pk}/", form)
    assert refused.status_code == 422 and "可容缺后补" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == S.DRAFT
    done = client.post(f"/applications/draft/{application.pk}/", {**form, "deferral_pledged": "on"})
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.deferral_pledged_at is not None


def test_the_applicant_supplies_it_from_the_case_page(client, accepted, citizen, other_citizen, clerk):
    owed = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    url = f"/applications/{accepted.number}/deferred/{owed}/"
    client.force_login(other_citizen)
    assert client.post(url, {"file": pdf()}).status_code == 404
    login_verified(client, clerk)  # staff sign in with their second factor
    assert client.post(url, {"file": pdf()}).status_code in (403, 404)
    client.force_login(citizen)
    page = client.get(f"/applications/{accepted.number}/").content.decode()
    assert "待补交的容缺材料" in page and "2026-03-09" in page
    missing = client.post(url, {})
    assert missing.status_code == 422 and "请上传“卫生管理制度”" in missing.content.decode()
    assert len(services.owed_materials(accepted)) == 1
    assert client.post(url, {"file": pdf()}).status_code == 302
    assert services.owed_materials(accepted) == []
    again = client.post(url, {"file": pdf()})
    assert again.status_code == 409


def test_the_lapse_note_and_the_reminder_read_in_english(accepted):
    from django.utils import translation

    from applications.selectors import timeline_for_applicant
    from portal.notifications import create_notifications
    from tests.portal.test_english import HAN

    services.sweep_deferral_reminders(clock=clock_at(dt.date(2026, 3, 5)))
    services.sweep_lapsed_deferrals(clock=clock_at(dt.date(2026, 3, 10)))
    event = accepted.timeline.get(action="deferral_lapsed")
    assert "“卫生管理制度”逾期未补交" in event.note
    reminder = OutboxMessage.objects.get(idempotency_key__startswith="notify:deferral-remind:")
    (notification,) = create_notifications(message=reminder)
    with translation.override("en"):
        (entry,) = [e for e in timeline_for_applicant(accepted) if "卫生管理制度" in e.note]
        body = notification.shown_body
    assert not HAN.search(entry.note.replace("“卫生管理制度”", "")), entry.note
    assert "9 Mar 2026" in body and not HAN.search(body.replace("“卫生管理制度”", "")), body
