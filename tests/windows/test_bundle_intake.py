# ruff: noqa: F811  (the bundle fixtures are imported from tests/applications/test_bundle_applications.py)
"""一件事 at the comprehensive window (issue 11): one acceptance and one receipt for every part, the
bundle's own deadline counted in working days across holidays, later parts accepted under the
bundle's acceptance, fan-out and join (统一出件) with one part denied and another corrected, walk-ins,
and bad input: double clicks, a clerk of another hall, a receipt-only window, a part taken in alone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from applications import bundles, services
from applications.models import Application, BundleApplication, BundlePart, Document
from applications.services import bundle_intake
from applications.services import bundles as bundle_services
from applications.transitions import Actor
from catalog.models import ServiceItem
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Role
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_bundle_applications import (  # noqa: F401
    CLOCK,
    ID_NUMBER,
    _filled,
    _parts,
    applicant,
    bundle,
    items,
    submitted,
)
from tests.factories import UserFactory
from windows import bundles as window_bundles
from windows import services as window_services
from windows.models import Intake, ServiceHall, Window

S = Application.Status
B = BundleApplication.Status


def _window(region, number, items, sysadmin, *, name="玄武区政务服务中心", accepts_on_receipt=True):
    hall = ServiceHall.objects.filter(name=name).first() or ServiceHall.objects.create(
        region=region, kind=ServiceHall.Kind.CENTER, name=name, address="中山路1号", phone="025-12345678"
    )
    window = Window.objects.create(hall=hall, number=number)
    for item in items:
        window_services.grant_window_authorization(
            actor=sysadmin, department=item.department, window=window, item_code=item.code,
            accepts_on_receipt=accepts_on_receipt,
        )  # fmt: skip
    return window


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", roles=[Role.SYSADMIN])


@pytest.fixture
def clerk_a(items, sysadmin):
    clerk = UserFactory(username="clerk_a", roles=[Role.CLERK])
    _window(items[0].department.region, "1", items, sysadmin).clerks.add(clerk)
    return clerk


@pytest.fixture
def clerk_other_hall(items, sysadmin):
    """A clerk of another hall of the same region, authorised for the same items."""
    clerk = UserFactory(username="clerk_c", roles=[Role.CLERK])
    _window(items[0].department.region, "1", items, sysadmin, name="玄武区便民服务中心").clerks.add(clerk)
    return clerk


@pytest.fixture
def accepted(submitted, clerk_a):  # noqa: F811
    return window_bundles.take_in_bundle(clerk=clerk_a, bundle_application=submitted, clock=CLOCK)


def _decide(application, outcome, clock=CLOCK):
    services.decide_application(
        application=application, actor=UserFactory(), outcome=outcome, reasons="依法审查。", clock=clock
    )
    application.refresh_from_db()


def _receipts(bundle_application):
    return Document.objects.filter(
        application__bundle_part__bundle_application=bundle_application, kind=Document.Kind.ACCEPTANCE_RECEIPT
    )


# --- One acceptance, one receipt -------------------------------------------------------------------


def test_the_online_bundle_waits_in_the_bundle_queue_not_as_separate_cases(submitted, clerk_a):  # noqa: F811
    from windows import selectors

    assert list(selectors.bundle_prereview_queue(clerk_a)) == [submitted]
    parts = {p.application.pk for p in submitted.parts.all()}
    assert not parts & set(selectors.prereview_queue(clerk_a).values_list("pk", flat=True))


def test_one_acceptance_takes_in_every_waiting_part_and_issues_one_receipt(accepted, clerk_a):
    parts = _parts(accepted)
    assert accepted.status == B.ACCEPTED and accepted.accepted_by == clerk_a
    assert parts["个体工商户设立登记"].application.status == S.IN_REVIEW
    assert parts["公共场所卫生许可"].application.status == S.IN_REVIEW
    assert parts["食品经营许可"].state == BundlePart.State.WAITING  # needs the business licence first
    assert Intake.objects.filter(application__bundle_part__bundle_application=accepted).count() == 2
    receipts = _receipts(accepted)
    assert receipts.count() == 1
    facts = receipts.get().context["bundle"]
    assert [(p["name"], p["department"]) for p in facts["parts"]] == [
        ("个体工商户设立登记", parts["个体工商户设立登记"].member.item.department.name),
        ("公共场所卫生许可", "卫生健康委员会"),
        ("食品经营许可", parts["食品经营许可"].member.item.department.name),
    ]
    assert facts["bundle_due_on"] == accepted.due_on.isoformat()


def test_the_one_receipt_renders_as_a_pdf_listing_the_parts(accepted):
    from applications import documents

    receipt = _receipts(accepted).get()
    text = documents.render_document(receipt).decode("latin-1")
    assert text.startswith("%PDF")
    context = documents.build_context(receipt)
    assert context["bundle"]["parts"][1]["department"] == "卫生健康委员会"


def test_a_later_part_is_accepted_by_the_bundles_acceptance_without_a_receipt_of_its_own(accepted):
    parts = _parts(accepted)
    _decide(parts["个体工商户设立登记"].application, Application.Outcome.GRANTED)
    _decide(parts["公共场所卫生许可"].application, Application.Outcome.GRANTED)
    food = BundlePart.objects.get(pk=parts["食品经营许可"].pk)
    assert food.state == BundlePart.State.STARTED
    assert food.application.status == S.IN_REVIEW
    assert food.application.timeline.filter(action="accept_bundled").exists()
    assert _receipts(accepted).count() == 1


# --- The bundle's deadline ---------------------------------------------------------------------------


def test_the_bundle_deadline_counts_working_days_from_the_one_acceptance_across_national_day(
    submitted,
    clerk_a,  # noqa: F811
):
    # Accepted Wed 2026-09-30; 10/1–10/7 off, Sat 10/10 a working day: 10/8, 9, 10, 12–16, 19, 20.
    accepted = window_bundles.take_in_bundle(
        clerk=clerk_a, bundle_application=submitted, clock=clock_at(dt.date(2026, 9, 30))
    )
    assert accepted.bundle.promised_days == 10
    assert accepted.accepted_on == dt.date(2026, 9, 30)
    assert accepted.due_on == dt.date(2026, 10, 20)
    assert not accepted.is_provisional_deadline
    # Fri 2026-02-13: Sat 2/14 works (调休), 2/15–2/23 off, Sat 2/28 works: 2/14, 24–28, 3/2–3/5.
    assert bundle_intake.bundle_deadline(accepted.bundle, dt.date(2026, 2, 13)) == (dt.date(2026, 3, 5), False)


# --- Fan-out and join --------------------------------------------------------------------------------


def test_fan_out_and_join_with_one_part_denied_and_another_corrected(accepted, clerk_a):
    parts = _parts(accepted)
    licence, hygiene = parts["个体工商户设立登记"].application, parts["公共场所卫生许可"].application
    requirement = licence.item.materials.get(name="经营者身份证明")
    services.suspend_for_correction(
        application=licence, actor=UserFactory(), clock=CLOCK,
        entries=[{"requirement_id": requirement.pk, "reason": "复印件不清晰"}],
    )  # fmt: skip
    _decide(hygiene, Application.Outcome.DENIED)
    view = {p.name: p for p in bundles.overview(accepted)["parts"]}
    assert "需要补正" in view["个体工商户设立登记"].meaning and "食品经营许可" in view["个体工商户设立登记"].meaning
    assert "未获准予" in view["公共场所卫生许可"].meaning and "统一出件" in view["公共场所卫生许可"].meaning
    # The denied part's decision waits for the others: not delivered, not flagged late by the sweep.
    with pytest.raises(DomainError) as held:
        window_bundles.deliver_bundle_at_window(
            clerk=clerk_a, bundle_application=accepted, method="collect", recipient_name="张三",
            recipient_id_number=ID_NUMBER, clock=CLOCK,
        )  # fmt: skip
    assert held.value.code == "bundle_delivery_held"
    hygiene.refresh_from_db()
    assert hygiene.status == S.DECIDED
    late_day = clock_at(dt.date(2026, 4, 1))
    assert services.sweep_late_certificates(clock=late_day) == 0

    services.resubmit_correction(
        application=licence, actor=accepted.applicant_user, actor_role=Actor.APPLICANT, files={requirement.pk: pdf()},
        clock=late_day,
    )  # fmt: skip
    _decide(licence, Application.Outcome.GRANTED, clock=late_day)
    food = BundlePart.objects.get(pk=parts["食品经营许可"].pk).application
    assert food.status == S.IN_REVIEW  # started and accepted under the bundle's acceptance
    _decide(food, Application.Outcome.GRANTED, clock=late_day)
    # All done: the held decisions get their ten days from now, and go out together.
    hygiene.refresh_from_db()
    assert hygiene.certificate_due_on > dt.date(2026, 4, 1)
    assert services.sweep_late_certificates(clock=late_day) == 0
    deliveries = window_bundles.deliver_bundle_at_window(
        clerk=clerk_a, bundle_application=accepted, method="collect", recipient_name="张三",
        recipient_id_number=ID_NUMBER, clock=late_day,
    )  # fmt: skip
    assert len(deliveries) == 3
    cases = Application.objects.filter(bundle_part__bundle_application=accepted)
    assert set(cases.values_list("status", flat=True)) == {S.CONCLUDED}
    assert bundles.overview(accepted)["delivery"] == "已统一出件"


def test_a_part_waiting_only_for_joined_delivery_is_not_flagged_late_but_a_lone_case_is(accepted):
    parts = _parts(accepted)
    _decide(parts["公共场所卫生许可"].application, Application.Outcome.GRANTED)
    assert services.sweep_late_certificates(clock=clock_at(dt.date(2026, 5, 4))) == 0
    hygiene = parts["公共场所卫生许可"].application
    hygiene.refresh_from_db()
    assert hygiene.light == ""


# --- Walk-in ------------------------------------------------------------------------------------------


def _walk_in_party():
    return services.register_party(
        kind="person", name="王五", id_type="resident_id", id_number=ID_NUMBER, phone="13900000009", in_person=True
    )


def _paper(bundle):  # noqa: F811
    return {bundle_services.key_of(m): (1, 1) for m in bundle_services.asked_materials(bundle)}


def test_a_walk_in_bundle_is_filed_and_accepted_in_one_go_and_a_double_click_makes_one(bundle, clerk_a):  # noqa: F811
    window = Window.objects.get(clerks=clerk_a)
    kwargs = {
        "clerk": clerk_a, "window": window, "bundle": bundle, "party": _walk_in_party(),
        "form_data": {"applicant_name": "王五", "premises": "玄武区中山路2号", "seats": "12"},
        "paper": _paper(bundle), "declaration_signed": True, "idempotency_key": "walk-1", "clock": CLOCK,
    }  # fmt: skip
    first = window_bundles.file_bundle_walk_in(**kwargs)
    again = window_bundles.file_bundle_walk_in(**kwargs)
    assert first.pk == again.pk and first.status == B.ACCEPTED and first.channel == "window"
    assert first.applicant_user is None
    licence = _parts(first)["个体工商户设立登记"].application
    assert licence.channel == Application.Channel.WINDOW and licence.status == S.IN_REVIEW
    assert licence.materials.get(requirement__name="经营者身份证明").originals_received == 1
    assert _receipts(first).count() == 1


def test_a_walk_in_without_the_paper_or_signature_is_refused_and_nothing_is_written(bundle, clerk_a):  # noqa: F811
    window = Window.objects.get(clerks=clerk_a)
    with pytest.raises(ValidationError) as refused:
        window_bundles.file_bundle_walk_in(
            clerk=clerk_a, window=window, bundle=bundle, party=_walk_in_party(), form_data={}, paper={},
            declaration_signed=False, clock=CLOCK,
        )  # fmt: skip
    assert {"declaration", "materials"} <= set(refused.value.message_dict)
    assert not BundleApplication.objects.exists() and not Application.objects.exists()


def test_a_walk_in_for_a_bundle_with_a_retired_member_is_refused(bundle, items, clerk_a):  # noqa: F811
    ServiceItem.objects.filter(pk=items[2].pk).update(status=ServiceItem.Status.RETIRED)
    window = Window.objects.get(clerks=clerk_a)
    with pytest.raises(DomainError) as refused:
        window_bundles.file_bundle_walk_in(
            clerk=clerk_a, window=window, bundle=bundle, party=_walk_in_party(), form_data={},
            paper=_paper(bundle), declaration_signed=True, clock=CLOCK,
        )  # fmt: skip
    assert "公共场所卫生许可" in refused.value.message
    assert not BundleApplication.objects.exists()


def test_an_organisation_may_not_apply_for_a_bundle_whose_member_serves_persons_only(bundle, items, clerk_a):  # noqa: F811
    ServiceItem.objects.filter(pk=items[0].pk).update(service_objects=["natural_person"])
    company = services.register_party(
        kind="organization", name="某餐饮有限公司", id_type="uscc", id_number="91320115MA0000015G", in_person=True,
        legal_representative="赵六",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        window_bundles.file_bundle_walk_in(
            clerk=clerk_a, window=Window.objects.get(clerks=clerk_a), bundle=bundle, party=company,
            form_data={}, paper=_paper(bundle), declaration_signed=True, clock=CLOCK,
        )  # fmt: skip
    assert "个体工商户设立登记" in refused.value.messages[0]


# --- Bad input -------------------------------------------------------------------------------------------


def test_a_second_acceptance_is_409_and_changes_nothing(accepted, clerk_a):
    with pytest.raises(InvalidTransition):
        window_bundles.take_in_bundle(clerk=clerk_a, bundle_application=accepted, clock=CLOCK)
    assert _receipts(accepted).count() == 1


def test_a_part_cannot_be_taken_in_alone_while_its_bundle_waits(submitted, clerk_a):  # noqa: F811
    licence = _parts(submitted)["个体工商户设立登记"].application
    with pytest.raises(InvalidTransition):
        window_services.take_in_application(clerk=clerk_a, application=licence, clock=CLOCK)
    licence.refresh_from_db()
    assert licence.status == S.SUBMITTED


def test_a_clerk_of_another_hall_sees_the_waiting_bundle_but_not_once_hall_a_took_it_in(
    submitted,
    clerk_a,
    clerk_other_hall,  # noqa: F811
):
    assert window_bundles.get_bundle_application_at_window(clerk_other_hall, submitted.pk) == submitted
    window_bundles.take_in_bundle(clerk=clerk_a, bundle_application=submitted, clock=CLOCK)
    with pytest.raises(NotFound):
        window_bundles.get_bundle_application_at_window(clerk_other_hall, submitted.pk)
    with pytest.raises(NotFound):
        window_bundles.take_in_bundle(clerk=clerk_other_hall, bundle_application=submitted, clock=CLOCK)


def test_a_clerk_without_authorisation_gets_404_and_a_receipt_only_window_403(submitted, items, sysadmin):  # noqa: F811
    stranger = UserFactory(username="clerk_far", roles=[Role.CLERK])
    with pytest.raises(NotFound):
        window_bundles.take_in_bundle(clerk=stranger, bundle_application=submitted, clock=CLOCK)
    receiver = UserFactory(username="clerk_rx", roles=[Role.CLERK])
    _window(items[0].department.region, "9", items, sysadmin, accepts_on_receipt=False).clerks.add(receiver)
    with pytest.raises(PermissionDenied) as refused:
        window_bundles.take_in_bundle(clerk=receiver, bundle_application=submitted, clock=CLOCK)
    assert "仅有收件授权" in refused.value.message
    assert all(p.application.status == S.SUBMITTED for p in _parts(submitted).values() if p.state == "started")


# --- Over HTTP ----------------------------------------------------------------------------------------------


def test_the_clerk_accepts_the_bundle_once_over_http_and_the_applicant_sees_its_deadline(
    client, submitted, clerk_a, clerk_other_hall, applicant
):
    from django.urls import reverse

    from tests.conftest import login_verified

    login_verified(client, clerk_a)
    listing = client.get(reverse("windows:bundles")).content.decode()
    assert "开办餐饮店一件事" in listing
    page = client.get(reverse("windows:bundle", args=[submitted.pk])).content.decode()
    assert "卫生健康委员会" in page and "一次受理并出具一件事受理凭证" in page
    url = reverse("windows:bundle_take_in", args=[submitted.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 409  # a double click: the first acceptance stands
    submitted.refresh_from_db()
    assert _receipts(submitted).count() == 1
    client.logout()
    login_verified(client, clerk_other_hall)
    assert client.get(reverse("windows:bundle", args=[submitted.pk])).status_code == 404
    assert client.post(url).status_code == 404
    client.logout()
    client.force_login(applicant)
    assert client.post(url).status_code == 403  # not a clerk
    own = client.get(reverse("applications:bundle", args=[submitted.pk])).content.decode()
    assert f"{submitted.due_on:%Y-%m-%d}" in own and "一件事受理凭证" in own


def test_joined_delivery_over_http_is_refused_while_a_part_is_open(client, accepted, clerk_a):
    from django.urls import reverse

    from tests.conftest import login_verified

    _decide(_parts(accepted)["公共场所卫生许可"].application, Application.Outcome.GRANTED)
    login_verified(client, clerk_a)
    response = client.post(
        reverse("windows:bundle_deliver", args=[accepted.pk]),
        {"recipient_name": "张三", "recipient_id_number": ID_NUMBER},
    )
    assert response.status_code == 422 and "统一出件" in response.content.decode()
    assert not Application.objects.filter(status=S.CONCLUDED).exists()


def test_a_walk_in_bundle_over_http_is_filed_and_accepted_and_a_missing_signature_is_422(client, bundle, clerk_a):
    from django.urls import reverse

    from applications.forms import FORM_FIELD_PREFIX
    from tests.conftest import login_verified

    login_verified(client, clerk_a)
    window = Window.objects.get(clerks=clerk_a)
    url = reverse("windows:bundle_walk_in", args=[window.pk, bundle.code])
    assert "开办餐饮店一件事" in client.get(url).content.decode()
    data = {
        "applicant_name": "王五", "id_number": ID_NUMBER, "phone": "13900000009",
        f"{FORM_FIELD_PREFIX}premises": "玄武区中山路2号", f"{FORM_FIELD_PREFIX}seats": "12",
        "idempotency_key": "walk-http", **{f"originals_{i}": "1" for i in range(2)},
    }  # fmt: skip
    refused = client.post(url, data)
    assert refused.status_code == 422 and "承诺声明" in refused.content.decode()
    assert not BundleApplication.objects.exists()
    response = client.post(url, {**data, "declaration": "on"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    filed = BundleApplication.objects.get()
    assert filed.status == B.ACCEPTED and filed.channel == "window" and _receipts(filed).count() == 1
    far = UserFactory(username="clerk_far2", roles=[Role.CLERK])
    client.logout()
    login_verified(client, far)
    assert client.get(url).status_code == 404
