"""Probing today's 容缺受理 as an attacker would: other people, crafted ids, double submits, wrong files,
and the owed material arriving by another door (a correction) before its date."""

# ruff: noqa: F811 (the deferral fixtures are imported from tests/applications/test_deferrals.py)

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Application, Document, SubmittedMaterial
from applications.selectors import what_is_asked
from applications.transitions import Actor
from catalog.models import DeferralLapse
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_deferrals import OWED_BY, accepted, clerk, pledged, rules  # noqa: F401
from tests.conftest import login_verified
from tests.factories import UserFactory

S = Application.Status
AFTER = dt.date(2026, 3, 10)  # the first working day after the owed date


def _supplied_through_a_correction(application, citizen):
    """The reviewer's 受理后补正 lists the owed material and the applicant sends it there."""
    owed = application.materials.get(requirement__name="卫生管理制度").requirement_id
    services.suspend_for_correction(
        application=application,
        actor=UserFactory(),
        entries=[{"requirement_id": owed, "reason": "请一并提交卫生管理制度"}],
        clock=clock_at(dt.date(2026, 3, 3)),
    )
    services.resubmit_correction(
        application=application,
        actor=citizen,
        actor_role=Actor.APPLICANT,
        files={owed: pdf()},
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and services.owed_materials(application) == []
    # Not asked for any more, from the correction on (not only once a sweep has run).
    assert application.deferral_due_on is None
    assert "supply_deferred" not in [ask.kind for ask in what_is_asked(application)]


@pytest.mark.parametrize("lapse", [DeferralLapse.SUSPEND, DeferralLapse.RETURN])
def test_a_material_that_came_with_a_correction_is_not_treated_as_lapsed(accepted, citizen, lapse):
    accepted.item.deferral_lapse = lapse
    accepted.item.save(update_fields=["deferral_lapse"])
    _supplied_through_a_correction(accepted, citizen)
    services.sweep_deferral_reminders(clock=clock_at(dt.date(2026, 3, 5)))
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="notify:deferral-remind:").exists()
    services.sweep_lapsed_deferrals(clock=clock_at(AFTER))
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW, accepted.timeline.order_by("-at").first().note
    assert accepted.deferral_due_on is None and not accepted.suspensions.filter(kind="deferral").exists()
    assert not accepted.documents.filter(kind=Document.Kind.RETURN_NOTICE).exists()


def test_the_sweeps_go_by_what_is_still_owed_not_by_a_stale_date(accepted, citizen):
    """However the material came (a door that does not reset the date), nobody is reminded of it or
    returned for it."""
    owed = accepted.materials.get(requirement__name="卫生管理制度")
    SubmittedMaterial.objects.filter(pk=owed.pk).update(is_current=False)
    SubmittedMaterial.objects.create(application=accepted, requirement=owed.requirement, originals_received=1)
    accepted.item.deferral_lapse = DeferralLapse.RETURN
    accepted.item.save(update_fields=["deferral_lapse"])
    assert services.sweep_deferral_reminders(clock=clock_at(dt.date(2026, 3, 5))) == 0
    assert services.sweep_lapsed_deferrals(clock=clock_at(AFTER)) == 0
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and accepted.deferral_due_on is None


# --- What held (kept as tests so it keeps holding) --------------------------------------------------


def test_another_departments_reviewer_and_anonymous_cannot_supply(client, accepted, citizen):
    owed = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    url = f"/applications/{accepted.number}/deferred/{owed}/"
    assert client.post(url, {"file": pdf()}).status_code == 302  # to sign in
    login_verified(client, UserFactory(roles=[Role.REVIEWER]))  # a reviewer of no department of this case
    assert client.post(url, {"file": pdf()}).status_code == 404
    assert len(services.owed_materials(accepted)) == 1


def test_a_crafted_requirement_id_is_409_and_stores_nothing(client, accepted, citizen):
    before = SubmittedMaterial.objects.count()
    client.force_login(citizen)
    for requirement_id in (0, 999999, accepted.materials.get(requirement__name="申请书").requirement_id):
        response = client.post(f"/applications/{accepted.number}/deferred/{requirement_id}/", {"file": pdf()})
        assert response.status_code == 409 and "不是本办件待补交的容缺材料" in response.content.decode()
    assert SubmittedMaterial.objects.count() == before


def test_a_wrong_file_type_is_422_with_a_message_and_stores_nothing(client, accepted, citizen):
    owed = accepted.materials.get(requirement__name="卫生管理制度").requirement_id
    client.force_login(citizen)
    before = SubmittedMaterial.objects.count()
    fake = SimpleUploadedFile("制度.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = client.post(f"/applications/{accepted.number}/deferred/{owed}/", {"file": fake})
    assert response.status_code == 422 and "<script>alert(1)" not in response.content.decode()
    assert SubmittedMaterial.objects.count() == before and len(services.owed_materials(accepted)) == 1


def test_the_pledge_document_is_the_applicants_alone(client, accepted, citizen, other_citizen):
    pledge = accepted.documents.get(kind=Document.Kind.DEFERRAL_PLEDGE)
    url = f"/applications/{accepted.number}/documents/{pledge.token}.pdf"
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
