"""The HTTP adapters of the outside providers, against a local stand-in (tests/portal/conftest.py).

Each request is a signed JSON POST; anything but a well-formed answer raises, so a payment is never
recorded without the provider's confirmation and an SMS that did not go out is retried.
"""

import hashlib
import hmac
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from applications.licences.registry import HttpLicenceRegistry
from applications.payments import HttpPaymentProvider
from portal.exceptions import BadInput, DomainError
from portal.idnumbers import id_number_digest
from portal.realname import Assurance, DemoRealNameVerifier, HttpRealNameVerifier
from portal.registry import HttpOrganizationRegistry
from portal.signed_http import ProviderError
from portal.sms import HttpSmsBackend
from tests.factories import make_resident_id

ALICE_ID = make_resident_id(area="320102", birth="19900307", seq="123")
SECRET = "s3cret-of-the-provider-0123456789abcdef"
PAID = {"status": "paid", "order_id": "fee-7", "reference": "NT2026030200017", "amount_yuan": "12.00"}


def configure(settings, prefix: str, url: str) -> None:
    setattr(settings, f"{prefix}_URL", url)
    setattr(settings, f"{prefix}_APP_ID", "portal-test")
    setattr(settings, f"{prefix}_SECRET", SECRET)


def verify_alice(proof=None):
    return HttpRealNameVerifier().verify("张三", ALICE_ID, proof=proof)


def pay_fee_7():
    return HttpPaymentProvider().pay(order_id="fee-7", amount_yuan=Decimal("12"), description="320102… 工本费")


def text_alice():
    HttpSmsBackend().send(phone="13800138000", text="【一网通办】办件已受理", key="notify:7:accept")


COMPANY_USCC = "91320100MA1XYQ0126"
REGISTERED = {
    "found": True,
    "name": "南京示例科技有限公司",
    "legal_representative": "张三",
    "legal_representative_id_number": ALICE_ID,
}


def look_up_company():
    return HttpOrganizationRegistry().lookup(COMPANY_USCC)


LICENCE = {
    "kind": "营业执照", "number": "JY2026000017", "holder_type": "organization", "holder_id_type": "uscc",
    "holder_id_masked": "913201********0126", "holder_name": "南京示例科技有限公司", "issuer": "玄武区市场监督管理局",
    "issued_on": "2026-01-05", "valid_until": None, "is_revoked": False,
}  # fmt: skip


def get_licence():
    return HttpLicenceRegistry().get(LICENCE["number"])


# Each adapter: its settings prefix, a call, and an answer that call takes as success.
ADAPTERS = {
    "real-name": ("REAL_NAME_VERIFIER", verify_alice, {"match": True, "assurance": "basic"}),
    "payment": ("PAYMENT_PROVIDER", pay_fee_7, PAID),
    "sms": ("SMS_GATEWAY", text_alice, {"status": "accepted"}),
    "registry": ("ORGANIZATION_REGISTRY", look_up_company, REGISTERED),
    "licences": ("PORTAL_LICENCE_REGISTRY", get_licence, {"found": True, "licence": LICENCE}),
}


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request, settings, stand_in):
    prefix, call, success = ADAPTERS[request.param]
    configure(settings, prefix, stand_in.url)
    stand_in.reply(success)
    return call


# --- What every adapter does ---------------------------------------------------------------


def test_each_adapter_signs_the_body_with_hmac_sha256_of_its_secret(adapter, stand_in):
    adapter()
    received = stand_in.last
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Signature"] == expected
    assert received.headers["X-App-Id"] == "portal-test"
    assert received.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("status", [400, 500, 503, 302])
def test_each_adapter_raises_on_a_non_2xx_answer(adapter, stand_in, status):
    stand_in.reply({"status": "paid", "match": True}, status=status)
    with pytest.raises(ProviderError, match=f"HTTP {status}"):
        adapter()


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"[]", b""])
def test_each_adapter_raises_on_an_answer_that_is_not_a_json_object(adapter, stand_in, body):
    stand_in.reply(body)
    with pytest.raises(ProviderError, match="JSON"):
        adapter()


def test_each_adapter_raises_when_the_provider_is_unreachable(adapter, settings, unreachable_url):
    for prefix, *_ in ADAPTERS.values():
        setattr(settings, f"{prefix}_URL", unreachable_url)
    with pytest.raises(ProviderError, match="unreachable"):
        adapter()


def test_each_adapter_gives_up_after_the_timeout(adapter, settings, stand_in):
    settings.PROVIDER_TIMEOUT_SECONDS = 0.2
    stand_in.reply(stand_in.answer, delay=1.5)
    with pytest.raises(ProviderError, match="timed out"):
        adapter()


def test_a_provider_error_is_a_503_in_chinese_for_the_person(adapter, stand_in):
    stand_in.reply({}, status=500)
    with pytest.raises(ProviderError) as raised:
        adapter()
    assert raised.value.status_code == 503
    assert raised.value.code == "service_unavailable"
    assert "HTTP" not in raised.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in raised.value.message)


@pytest.mark.parametrize("prefix", ["REAL_NAME_VERIFIER", "PAYMENT_PROVIDER", "SMS_GATEWAY"])
def test_an_adapter_without_its_credentials_refuses_to_start(settings, prefix):
    configure(settings, prefix, "https://provider.example.cn/api")
    setattr(settings, f"{prefix}_SECRET", "")
    adapter_class = {
        "REAL_NAME_VERIFIER": HttpRealNameVerifier,
        "PAYMENT_PROVIDER": HttpPaymentProvider,
        "SMS_GATEWAY": HttpSmsBackend,
    }[prefix]
    with pytest.raises(ImproperlyConfigured, match=f"{prefix}_SECRET"):
        adapter_class()


# --- Real-name verification ----------------------------------------------------------------


@pytest.fixture
def identity_service(settings, stand_in):
    configure(settings, "REAL_NAME_VERIFIER", stand_in.url)
    return stand_in


def test_the_verifier_reports_a_match_with_basic_assurance(identity_service):
    identity_service.reply({"match": True, "assurance": "basic"})
    result = HttpRealNameVerifier().verify("张三", ALICE_ID)  # positionally, as portal.services calls it
    assert result.is_match and result.assurance == Assurance.BASIC == "basic"
    assert identity_service.last.json == {"name": "张三", "id_number": ALICE_ID}


def test_the_verifier_reports_strong_assurance_when_the_provider_confirmed_the_proof(identity_service):
    identity_service.reply({"match": True, "assurance": "strong"})
    result = verify_alice(proof={"mobile": "13800138000", "sms_code": "123456"})
    assert result.is_match and result.assurance == "strong"
    assert identity_service.last.json["proof"] == {"mobile": "13800138000", "sms_code": "123456"}


def test_the_verifier_passes_a_face_token_on(identity_service):
    identity_service.reply({"match": True, "assurance": "strong"})
    assert verify_alice(proof={"face_token": "ft-9f8e"}).assurance == "strong"
    assert identity_service.last.json["proof"] == {"face_token": "ft-9f8e"}


def test_the_verifier_never_reports_strong_assurance_without_a_proof(identity_service):
    identity_service.reply({"match": True, "assurance": "strong"})
    assert verify_alice().assurance == "basic"


def test_the_verifier_reports_a_mismatch_in_its_own_words(identity_service):
    identity_service.reply({"match": False, "reason": f"{ALICE_ID} belongs to 李四"})
    result = verify_alice()
    assert not result.is_match
    assert result.reason == "姓名与身份证件号码不一致，请核对后重新填写。"


@pytest.mark.parametrize(
    "answer", [{"match": "yes"}, {"assurance": "strong"}, {"match": True, "assurance": "gold"}, {"match": None}]
)
def test_the_verifier_raises_on_an_answer_it_cannot_read(identity_service, answer):
    identity_service.reply(answer)
    with pytest.raises(ProviderError, match="unexpected answer"):
        verify_alice()


@pytest.mark.parametrize("proof", [{"mobile": "13800138000"}, {"face_token": " "}, {"password": "x"}, {}])
def test_the_verifier_refuses_a_proof_of_an_unknown_shape_without_asking(identity_service, proof):
    with pytest.raises(BadInput):
        verify_alice(proof=proof)
    assert identity_service.received == []


def test_the_demo_verifier_gives_basic_assurance_even_with_a_proof():
    demo = DemoRealNameVerifier()
    assert demo.verify("张三", ALICE_ID, proof={"face_token": "ft"}).assurance == "basic"
    assert demo.verify("张三", ALICE_ID).is_match
    assert not demo.verify("张假三", ALICE_ID).is_match


# --- Payment --------------------------------------------------------------------------------


@pytest.fixture
def payment_platform(settings, stand_in):
    configure(settings, "PAYMENT_PROVIDER", stand_in.url)
    return stand_in


def test_a_confirmed_payment_gives_the_provider_s_receipt(payment_platform):
    payment_platform.reply(PAID)
    receipt = pay_fee_7()
    assert receipt.reference == "NT2026030200017" and receipt.amount_yuan == Decimal("12.00")


def test_the_order_id_is_the_idempotency_key_sent_to_the_provider(payment_platform):
    payment_platform.reply(PAID)
    pay_fee_7()
    assert payment_platform.last.json == {
        "order_id": "fee-7",
        "amount_yuan": "12.00",
        "currency": "CNY",
        "description": "320102… 工本费",
    }


@pytest.mark.parametrize("status, code", [("declined", "payment_declined"), ("pending", "payment_pending")])
def test_a_payment_the_provider_did_not_confirm_raises(payment_platform, status, code):
    payment_platform.reply({"status": status, "order_id": "fee-7"})
    with pytest.raises(DomainError) as raised:
        pay_fee_7()
    assert raised.value.code == code and "待缴" in raised.value.message


@pytest.mark.parametrize(
    "answer",
    [
        {**PAID, "order_id": "fee-8"},
        {**PAID, "reference": ""},
        {k: v for k, v in PAID.items() if k != "reference"},
        {**PAID, "amount_yuan": 12.0},
        {**PAID, "amount_yuan": "twelve"},
        {k: v for k, v in PAID.items() if k != "amount_yuan"},
        {**PAID, "status": "PAID"},
        {"reference": "NT1"},
    ],
)
def test_an_answer_short_of_a_confirmation_is_no_receipt(payment_platform, answer):
    payment_platform.reply(answer)
    with pytest.raises(ProviderError):
        pay_fee_7()


# --- SMS ------------------------------------------------------------------------------------


@pytest.fixture
def sms_gateway(settings, stand_in):
    configure(settings, "SMS_GATEWAY", stand_in.url)
    return stand_in


def test_the_gateway_receives_the_idempotency_key_as_the_client_message_id(sms_gateway):
    sms_gateway.reply({"status": "accepted", "message_id": "m-1"})
    text_alice()
    assert sms_gateway.last.json == {
        "phone": "13800138000",
        "text": "【一网通办】办件已受理",
        "client_message_id": "notify:7:accept",
    }


def test_a_message_the_gateway_already_sent_counts_as_sent(sms_gateway):
    sms_gateway.reply({"status": "duplicate"})
    text_alice()


@pytest.mark.parametrize("answer", [{"status": "rejected"}, {"status": "throttled"}, {}])
def test_a_message_the_gateway_did_not_accept_raises_so_the_task_retries(sms_gateway, answer):
    sms_gateway.reply(answer)
    with pytest.raises(ProviderError, match="not accepted"):
        text_alice()


# --- The organisation registry ---------------------------------------------------------------------


@pytest.fixture
def registry(settings, stand_in):
    configure(settings, "ORGANIZATION_REGISTRY", stand_in.url)
    return stand_in


def test_the_registry_gives_the_company_and_only_the_digest_of_its_legal_representatives_number(registry):
    registry.reply(REGISTERED)

    record = look_up_company()

    assert registry.last.json == {"uscc": COMPANY_USCC}
    assert record.name == "南京示例科技有限公司" and record.legal_representative == "张三"
    assert record.legal_representative_id_digest == id_number_digest(ALICE_ID)
    assert ALICE_ID not in repr(record)


def test_the_registry_says_when_a_code_is_not_registered(registry):
    registry.reply({"found": False})

    assert look_up_company() is None


@pytest.mark.parametrize("answer", [{}, {"found": True, "name": "甲"}, {"found": "yes"}])
def test_an_incomplete_registry_answer_is_a_failure_not_a_company(registry, answer):
    registry.reply(answer)

    with pytest.raises(ProviderError):
        look_up_company()
