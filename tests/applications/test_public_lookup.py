"""办件查询 over HTTP: anyone with the receipt's number and 查询码 sees the progress, never who applied.

Alice (citizen) filed the case; the lookup is anonymous. A wrong code and an unknown number get the
same answer; failures are throttled per address and per number, in the database.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import TimelineEvent
from portal.models import AuditEvent
from tests.factories import ServiceItemFactory, make_resident_id

URL = "/applications/lookup/"
ALICE_ID = make_resident_id(area="320102", birth="19850615", seq="201")
ALICE_PHONE = "13912345678"
IP_A, IP_B = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def party(db):
    return services.register_party(
        kind="person", name="王小明", id_type="resident_id", id_number=ALICE_ID, phone=ALICE_PHONE
    )


def look_up(client, number, code, ip=IP_A):
    return client.post(URL, {"number": number, "access_code": code}, REMOTE_ADDR=ip)


def test_the_lookup_url_is_not_read_as_a_case_number():
    assert reverse("applications:lookup") == URL


def test_it_shows_the_form_to_anyone(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="access_code"' in response.content.decode()


def test_the_right_code_shows_status_item_department_and_timeline(client, submitted):
    TimelineEvent.objects.create(
        application=submitted,
        at=submitted.submitted_at,
        action="submit",
        note="内部意见",
        is_visible_to_applicant=False,
    )
    response = look_up(client, submitted.number, submitted.access_code)
    html = response.content.decode()
    assert response.status_code == 200
    assert submitted.get_status_display() in html
    assert submitted.item.name in html
    assert submitted.department.name in html
    assert "提交申请" in html or "申报" in html
    assert "内部意见" not in html
    assert "no-store" in response["Cache-Control"]


def test_the_answer_holds_no_personal_data(client, submitted, party, citizen):
    html = look_up(client, submitted.number, submitted.access_code).content.decode()
    for secret in ("王小明", "张三", ALICE_ID, party.id_number_masked, ALICE_PHONE, submitted.access_code):
        assert secret not in html
    assert citizen.username not in html
    assert "申请人已提交申请" not in html  # notes are staff free text: never on the public page


def test_a_lower_case_code_with_spaces_is_accepted(client, submitted):
    response = look_up(client, f"  {submitted.number} ", f" {submitted.access_code.lower()} ")
    assert response.status_code == 200
    assert submitted.item.name in response.content.decode()


def _page(response, number):
    """The page without the typed number (echoed back) and the CSRF tokens (masked anew each time)."""
    html = response.content.decode().replace(number, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(client, submitted):
    wrong = look_up(client, submitted.number, "AAAAAAAA")
    unknown = look_up(client, "NO-SUCH-NUMBER-1", "AAAAAAAA")
    assert wrong.status_code == unknown.status_code == 404
    assert [t.name for t in wrong.templates] == [t.name for t in unknown.templates]
    assert _page(wrong, submitted.number) == _page(unknown, "NO-SUCH-NUMBER-1")
    assert submitted.item.name not in wrong.content.decode()


def test_every_failure_is_audited_with_number_and_address_only(client, submitted):
    look_up(client, submitted.number, "AAAAAAAA")
    event = AuditEvent.objects.get(action="application.lookup_failed")
    assert event.detail == {"number": submitted.number}
    assert event.ip_address == IP_A
    assert event.actor is None


def test_ten_failures_from_one_address_throttle_it(client, submitted):
    for n in range(10):
        assert look_up(client, f"NO-SUCH-{n}", "AAAAAAAA").status_code == 404
    response = look_up(client, submitted.number, submitted.access_code)
    assert response.status_code == 429
    assert "次数过多" in response.content.decode()
    assert submitted.item.name not in response.content.decode()
    # Another address is not affected.
    assert look_up(client, submitted.number, submitted.access_code, ip=IP_B).status_code == 200


def test_five_failures_on_one_number_throttle_it_from_every_address(client, submitted):
    for n in range(5):
        assert look_up(client, submitted.number, "AAAAAAAA", ip=f"192.0.2.{n + 1}").status_code == 404
    response = look_up(client, submitted.number, submitted.access_code, ip=IP_B)
    assert response.status_code == 429
    assert "次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="application.lookup_throttled").count() == 1


def test_a_refusals_audit_row_survives_the_request(submitted):
    from portal.exceptions import NotFound

    with pytest.raises(NotFound):
        services.look_up_progress(number=submitted.number, access_code="AAAAAAAA", ip=IP_A)
    assert AuditEvent.objects.filter(action="application.lookup_failed").exists()


def test_it_requires_the_csrf_token(submitted):
    client = Client(enforce_csrf_checks=True)
    assert look_up(client, submitted.number, submitted.access_code).status_code == 403


def test_an_empty_code_is_refused_without_a_lookup(client, submitted):
    assert look_up(client, submitted.number, "").status_code == 400


@pytest.mark.parametrize(
    "number,code",
    [("A" * 41, "AAAAAAAA"), ("2026", "A" * 13), ("2026\x00", "AAAAAAAA"), ("2026", "AAAA\x00AAA")],
)
def test_nul_and_oversized_input_are_refused(client, db, number, code):
    response = look_up(client, number, code)
    assert 400 <= response.status_code < 500
    assert not AuditEvent.objects.filter(action="application.lookup_failed").exists()


def test_home_header_and_footer_link_to_the_lookup(client, db):
    html = client.get("/").content.decode()
    assert html.count(f'href="{URL}"') >= 3


def test_an_item_handled_only_on_site_says_so_instead_of_online_apply(client, department_x):
    item = ServiceItemFactory(department=department_x, accepts_on_pc=False, accepts_on_mobile=False)
    html = client.get(reverse("catalog:guide", args=[item.code])).content.decode()
    assert "在线办理</a>" not in html
    assert "不支持网上申请" in html


def test_a_withdrawn_case_does_not_promise_a_deadline_after_acceptance(client, submitted, citizen):
    services.withdraw_application(application=submitted, actor=citizen)
    html = look_up(client, submitted.number, submitted.access_code).content.decode()
    assert "已撤件" in html and "受理后开始计算" not in html
