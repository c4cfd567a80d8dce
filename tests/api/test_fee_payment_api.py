"""网上缴费 over the API: the applicant pays a case's assessed fee through the payment provider (the demo
one here), once; nothing is delivered before the fee is paid or waived.

Alice (citizen) applied; Bob (other_citizen) must not see her case; clerk A (hall A) took it in and
sees it, clerk B (hall B) does not. The case was granted with a 100-yuan fee due (tests/windows/conftest.py).
"""

import pytest

from applications import services
from applications.models import Application, FeeAssessment
from catalog.models import ServiceItem
from portal.exceptions import InvalidTransition
from tests.api.conftest import token_client
from tests.factories import make_resident_id
from tests.portal.conftest import stand_in  # noqa: F401
from tests.windows.conftest import decided  # noqa: F401

pytestmark = pytest.mark.django_db

PARTY_ID = make_resident_id()  # the `party` fixture's number, for the identity check at delivery


def pay_url(application, fee_id: int) -> str:
    return f"/api/v1/applications/{application.number}/fees/{fee_id}/pay/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def payable(decided):  # noqa: F811
    """The granted case, its item allowing online payment."""
    ServiceItem.objects.filter(pk=decided.item_id).update(has_fee=True, supports_online_payment=True)
    return decided


@pytest.fixture
def fee(payable):
    return FeeAssessment.objects.get(application=payable)


@pytest.fixture
def alice(citizen):
    return token_client(citizen)


def test_the_applicant_pays_the_fee_once(alice, payable, fee):
    response = alice.post(pay_url(payable, fee.pk))
    assert response.status_code == 200, response.content
    paid = response.json()["fees"][0]
    assert paid["id"] == fee.pk and paid["status"] == "paid" and paid["payment_reference"].startswith("DEMO")
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.PAID and fee.payment_reference == paid["payment_reference"]
    settled_at = fee.settled_at

    body = assert_error(alice.post(pay_url(payable, fee.pk)), 409, "invalid_transition")
    assert "已缴费" in body["message"]
    fee.refresh_from_db()
    assert fee.settled_at == settled_at and fee.payment_reference == paid["payment_reference"]
    assert FeeAssessment.objects.filter(application=payable, status=FeeAssessment.Status.PAID).count() == 1


def test_a_second_payment_that_raced_past_the_check_does_not_settle_twice(payable, fee, citizen):
    stale = FeeAssessment.objects.get(pk=fee.pk)  # read by a second request before the first settled
    services.pay_fee_online(application=payable, fee=fee, actor=citizen)
    reference = FeeAssessment.objects.get(pk=fee.pk).payment_reference
    with pytest.raises(InvalidTransition):
        services.pay_fee_online(application=payable, fee=stale, actor=citizen)
    assert FeeAssessment.objects.get(pk=fee.pk).payment_reference == reference


def test_delivery_waits_for_the_payment(alice, payable, fee, clerk_a):
    clerk = token_client(clerk_a)
    delivery = {"method": "collect", "recipient_name": "张三", "recipient_id_number": PARTY_ID}
    deliver_url = f"/api/v1/applications/{payable.number}/deliver/"
    assert_error(clerk.post(deliver_url, delivery, format="json"), 422, "fee_due")
    assert Application.objects.get(pk=payable.pk).status == Application.Status.DECIDED

    assert alice.post(pay_url(payable, fee.pk)).status_code == 200
    response = clerk.post(deliver_url, delivery, format="json")
    assert response.status_code == 200 and response.json()["status"] == "concluded"


def test_a_waived_fee_is_not_paid(alice, payable, fee, clerk_a):
    services.settle_fee(fee=fee, actor=clerk_a, waiver_basis="低保户减免")
    body = assert_error(alice.post(pay_url(payable, fee.pk)), 409)
    assert "已减免" in body["message"]
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.WAIVED and fee.payment_reference is None


def test_others_cannot_pay_alices_fee(api, payable, fee, other_citizen, clerk_a, clerk_b):
    assert_error(token_client(other_citizen).post(pay_url(payable, fee.pk)), 404)
    assert_error(token_client(clerk_b).post(pay_url(payable, fee.pk)), 404)
    assert_error(token_client(clerk_a).post(pay_url(payable, fee.pk)), 403)  # sees the case, is not its applicant
    assert api.post(pay_url(payable, fee.pk)).status_code in (401, 403)
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.DUE


def test_an_unknown_fee_or_case_is_404(alice, payable, fee):
    assert_error(alice.post(pay_url(payable, fee.pk + 999)), 404)
    assert_error(alice.post(f"/api/v1/applications/NO-SUCH-CASE/fees/{fee.pk}/pay/"), 404)


def test_an_item_without_online_payment_is_paid_at_the_window(alice, payable, fee):
    ServiceItem.objects.filter(pk=payable.item_id).update(supports_online_payment=False)
    assert_error(alice.post(pay_url(payable, fee.pk)), 422, "no_online_payment")
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.DUE


@pytest.fixture
def payment_platform(settings, stand_in):  # noqa: F811
    settings.PAYMENT_PROVIDER = "applications.payments.HttpPaymentProvider"
    settings.PAYMENT_PROVIDER_URL = stand_in.url
    settings.PAYMENT_PROVIDER_APP_ID = "portal-test"
    settings.PAYMENT_PROVIDER_SECRET = "s3cret-of-the-provider-0123456789abcdef"
    return stand_in


def test_a_fee_the_payment_platform_confirmed_is_paid_with_its_reference(alice, payable, fee, payment_platform):
    payment_platform.reply({"status": "paid", "order_id": f"fee-{fee.pk}", "reference": "NT77", "amount_yuan": "100"})
    response = alice.post(pay_url(payable, fee.pk))
    assert response.status_code == 200, response.content
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.PAID and fee.payment_reference == "NT77"
    assert payment_platform.last.json["order_id"] == f"fee-{fee.pk}"


@pytest.mark.parametrize(
    "status, answer, code",
    [
        (200, {"status": "declined"}, "payment_declined"),
        (200, {"status": "pending"}, "payment_pending"),
        (500, {"status": "paid"}, "service_unavailable"),
    ],
)
def test_a_fee_stays_due_unless_the_payment_platform_confirmed_it(
    alice, payable, fee, payment_platform, status, answer, code
):
    payment_platform.reply(answer, status=status)
    assert_error(alice.post(pay_url(payable, fee.pk)), 503 if status == 500 else 422, code)
    fee.refresh_from_db()
    assert fee.status == FeeAssessment.Status.DUE and not fee.settled_at
