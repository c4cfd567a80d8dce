"""The live re-check of the e-licences a case was filled in from (issue 11): revoked or expired since the
submission → at acceptance the material counts as missing and both sides are told; a grant is refused;
the HTTP registry adapter against a local stand-in (tests/portal/conftest.py)."""

import base64
import datetime as dt
import json

import pytest

from applications import services
from applications.licences import issuing
from applications.licences.registry import HttpLicenceRegistry
from applications.models import Application
from applications.transitions import Actor
from portal.exceptions import DomainError
from portal.models import OutboxMessage
from portal.signed_http import ProviderError
from tests.applications.conftest import clock_at
from tests.applications.test_licences import (  # noqa: F401 (fixtures)
    ALICE_ID,
    MONDAY,
    _draft,
    _id_card,
    _id_card_requirement,
    _submit,
    alice,
    alice_card,
    permit_item,
)
from tests.factories import UserFactory
from tests.portal.conftest import stand_in  # noqa: F401 (fixture)
from tests.portal.test_provider_adapters import LICENCE, configure

S = Application.Status


@pytest.fixture
def submitted(permit_item, alice, alice_card):  # noqa: F811
    return _submit(_draft(alice, permit_item), alice)


def _accept(application, day=MONDAY):
    services.accept_application(
        application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(day, 11)
    )
    application.refresh_from_db()
    return application


def _grant(application, day=dt.date(2026, 3, 6)):
    for opinion in ("材料齐全", "同意"):
        services.pass_step(application=application, actor=UserFactory(), opinion=opinion, clock=clock_at(day))
    services.decide_application(
        application=application, actor=UserFactory(), outcome="granted", reasons="符合法定条件。", clock=clock_at(day)
    )


def test_a_licence_revoked_since_submission_counts_as_missing_at_acceptance(submitted, alice_card, permit_item):  # noqa: F811
    issuing.revoke_licence(licence=alice_card, reason="证件挂失补领。", clock=clock_at(MONDAY, 10))
    case = _accept(submitted)
    assert case.status == S.IN_REVIEW  # the acceptance stands
    card = _id_card_requirement(permit_item)
    assert not case.materials.filter(requirement=card, is_current=True).exists()
    assert card in services.missing_materials(case)  # a correction can ask for it
    event = case.timeline.get(action="licences_rechecked")
    assert event.is_visible_to_applicant and "SFZ-ALICE" in event.note and "已注销" in event.note
    told = OutboxMessage.objects.filter(idempotency_key__contains="licence-recheck")
    assert {
        ("user_id" in m.payload and m.payload["user_id"] is not None, "department_id" in m.payload) for m in told
    } == {
        (True, False),
        (False, True),
    }
    with pytest.raises(DomainError) as refused:
        _grant(case)
    assert refused.value.code == "licence_no_longer_valid" and "申请人居民身份证" in refused.value.message
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW and case.outcome == ""


def test_a_licence_expiring_between_acceptance_and_decision_bars_the_grant(permit_item, alice):  # noqa: F811
    short = _id_card(ALICE_ID, "张三", number="SFZ-SHORT", valid_until=dt.date(2026, 3, 3))
    case = _accept(_submit(_draft(alice, permit_item), alice))
    assert case.materials.filter(licence_number=short.number, is_current=True).exists()  # valid on Monday
    with pytest.raises(DomainError) as refused:
        _grant(case, day=dt.date(2026, 3, 6))
    assert "已于 2026-03-03 过期" in refused.value.message


def test_a_valid_licence_passes_both_checks(submitted):
    case = _accept(submitted)
    assert not case.timeline.filter(action="licences_rechecked").exists()
    _grant(case)
    case.refresh_from_db()
    assert case.status == S.DECIDED


def test_a_registry_that_does_not_answer_never_stops_the_window_but_stops_the_grant(
    submitted,
    settings,
    stand_in,  # noqa: F811
):
    settings.PORTAL_LICENCE_REGISTRY = "applications.licences.registry.HttpLicenceRegistry"
    configure(settings, "PORTAL_LICENCE_REGISTRY", stand_in.url)
    stand_in.status, stand_in.answer = 500, {"error": "down"}
    case = _accept(submitted)
    assert case.status == S.IN_REVIEW
    assert case.timeline.get(action="licences_rechecked").is_visible_to_applicant is False
    with pytest.raises(ProviderError):
        _grant(case)


# --- The HTTP adapter, beyond what every adapter does (tests/portal/test_provider_adapters.py) -----


@pytest.fixture
def registry(settings, stand_in):  # noqa: F811
    configure(settings, "PORTAL_LICENCE_REGISTRY", stand_in.url)
    return HttpLicenceRegistry()


def test_it_asks_for_a_holders_licences_and_reads_the_records(registry, stand_in):  # noqa: F811
    stand_in.reply(
        {"licences": [LICENCE, {**LICENCE, "number": "JY2", "valid_until": "2030-01-04", "is_revoked": True}]}
    )
    found = registry.licences_of(id_type="uscc", id_number="91320100MA1XYQ0126", kinds={"营业执照"})
    assert [(r.number, r.valid_until, r.is_revoked) for r in found] == [
        ("JY2026000017", None, False),
        ("JY2", dt.date(2030, 1, 4), True),
    ]
    sent = json.loads(stand_in.received[-1].body)
    assert sent == {"op": "licences_of", "id_type": "uscc", "id_number": "91320100MA1XYQ0126", "kinds": ["营业执照"]}
    assert stand_in.received[-1].headers["X-App-Id"] == "portal-test"  # signed as every adapter's request


@pytest.mark.parametrize(
    "answer",
    [
        {"licences": "no"},
        {"licences": [{**LICENCE, "issued_on": "2026-13-01"}]},
        {"licences": [{**LICENCE, "is_revoked": "no"}]},
        {"licences": [{**LICENCE, "number": ""}]},
        {"licences": [{k: v for k, v in LICENCE.items() if k != "issuer"}]},
    ],
)
def test_a_malformed_answer_raises(registry, stand_in, answer):  # noqa: F811
    stand_in.reply(answer)
    with pytest.raises(ProviderError):
        registry.licences_of(id_type="uscc", id_number="x")


def test_get_pdf_and_publish(registry, stand_in):  # noqa: F811
    stand_in.reply({"found": False})
    assert registry.get("JY404") is None
    stand_in.reply({"found": True, "licence": {**LICENCE, "number": "JY-OTHER"}})
    with pytest.raises(ProviderError):
        registry.get("JY2026000017")  # not the one asked for
    stand_in.reply({"found": "maybe"})
    with pytest.raises(ProviderError):
        registry.get("JY2026000017")
    stand_in.reply({"pdf_base64": base64.b64encode(b"%PDF-1.7 signed").decode()})
    assert registry.pdf("JY2026000017") == b"%PDF-1.7 signed"
    for bad in ("not base64!", base64.b64encode(b"<html>").decode(), None):
        stand_in.reply({"pdf_base64": bad})
        with pytest.raises(ProviderError):
            registry.pdf("JY2026000017")
    stand_in.reply({"published": True})
    registry.publish("JY2026000017", b"%PDF-1.7")
    stand_in.reply({"published": False})
    with pytest.raises(ProviderError):
        registry.publish("JY2026000017", b"%PDF-1.7")
