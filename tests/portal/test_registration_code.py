"""Registration proves the phone number with a texted code (portal.phone_codes): ask, then register.

Alice registers with 13812345678; the demo SMS backend writes each text to SMS_LOG_PATH, where the
tests (and a developer running `make run`) read the code.
"""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal import phone_codes
from portal.clock import FixedClock
from portal.models import PhoneCode, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/accounts/register/"
REAL_NAME_URL = "/accounts/real-name/"
ALICE = "13812345678"
PASSWORD = "Qiang-Mima-2026"


def texts_to(phone: str) -> list[str]:
    path = Path(settings.SMS_LOG_PATH)
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line["text"] for line in lines if line["phone"] == phone]


def code_in(text: str) -> str:
    return re.search(r"验证码为 (\d{6})", text).group(1)


def texted_code(phone: str, *, clock=None, ip: str | None = None) -> str:
    """Ask for a registration code (through the service) and read it from the demo SMS log."""
    kwargs = {"clock": clock} if clock is not None else {}
    phone_codes.send_registration_code(phone=phone, ip=ip, **kwargs)
    return code_in(texts_to(phone)[-1])


def ask_for_code(client, phone: str = ALICE, **fields: str):
    return client.post(REGISTER_URL, {"action": "send_code", "phone": phone, **fields})


def register(client, code: str, phone: str = ALICE, **fields: str):
    data = {"action": "register", "phone": phone, "code": code, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(REGISTER_URL, {**data, **fields})


def code_errors(response) -> str:
    return " ".join(response.context["form"].errors.get("code", []))


# --- Asking for the code ------------------------------------------------------------------------


def test_asking_for_a_code_texts_six_digits_and_shows_the_form_again_with_what_was_typed(client):
    response = ask_for_code(client, email="alice@example.com")

    assert response.status_code == 200
    page = response.content.decode()
    assert "验证码已发送至 138****5678" in page
    assert f'value="{ALICE}"' in page and 'value="alice@example.com"' in page
    assert not User.objects.exists()
    [text] = texts_to(ALICE)
    code = code_in(text)
    assert "10 分钟内有效" in text
    row = PhoneCode.objects.get()
    assert row.code_digest == phone_codes._digest(ALICE, code) != code  # only a keyed digest is kept
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)


def test_a_malformed_phone_gets_no_code(client):
    response = ask_for_code(client, phone="1381234")

    assert response.status_code == 400 and response.context["form"].errors["phone"]
    assert not PhoneCode.objects.exists()


def test_a_registered_phone_gets_no_code(client):
    UserFactory(username=ALICE, phone=ALICE)

    response = ask_for_code(client)

    assert response.status_code == 422
    assert "该手机号码已注册，请直接登录" in response.context["form"].errors["phone"][0]
    assert texts_to(ALICE) == [] and not PhoneCode.objects.exists()


def test_a_second_code_within_a_minute_is_refused(client):
    assert ask_for_code(client).status_code == 200

    response = ask_for_code(client)

    assert response.status_code == 429
    assert "秒后再重新获取" in code_errors(response)
    assert len(texts_to(ALICE)) == 1


def test_a_phone_gets_five_codes_an_hour(client):
    start = timezone.now() - dt.timedelta(minutes=50)
    for minute in range(5):
        phone_codes.send_registration_code(phone=ALICE, clock=FixedClock(start + dt.timedelta(minutes=minute * 2)))

    response = ask_for_code(client)

    assert response.status_code == 429
    assert "一小时内获取验证码的次数已达上限" in code_errors(response)
    assert len(texts_to(ALICE)) == 5


def test_an_address_gets_five_codes_an_hour_whatever_the_numbers(client):
    start = timezone.now() - dt.timedelta(minutes=50)
    for n in range(5):
        at = FixedClock(start + dt.timedelta(minutes=n * 2))
        phone_codes.send_registration_code(phone=f"1391234567{n}", ip="127.0.0.1", clock=at)

    response = ask_for_code(client)  # the test client comes from 127.0.0.1

    assert response.status_code == 429
    assert "网络地址一小时内获取验证码的次数已达上限" in code_errors(response)
    assert texts_to(ALICE) == []


def test_a_gateway_that_refuses_the_text_is_told_and_the_code_revoked(client, settings, stand_in):
    settings.SMS_BACKEND = "portal.sms.HttpSmsBackend"
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_APP_ID, settings.SMS_GATEWAY_SECRET = stand_in.url, "t", "s" * 32
    stand_in.reply({"status": "rejected"})

    response = ask_for_code(client)

    assert response.status_code == 503
    assert "短信发送失败" in code_errors(response)
    assert stand_in.received and PhoneCode.objects.get().revoked_at is not None


# --- Registering with the code ------------------------------------------------------------------


def test_the_texted_code_registers_the_account_with_its_phone_verified(client):
    ask_for_code(client)
    code = code_in(texts_to(ALICE)[-1])

    response = register(client, code)

    assert response.status_code == 302 and response["Location"] == REAL_NAME_URL
    user = User.objects.get()
    assert user.phone == user.username == ALICE and user.phone_verified_at is not None
    assert PhoneCode.objects.get().used_at is not None


def test_a_wrong_code_creates_nothing_and_counts(client):
    code = texted_code(ALICE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = register(client, wrong)

    assert response.status_code == 400
    assert "验证码不正确" in code_errors(response) and "还可再试 4 次" in code_errors(response)
    assert not User.objects.exists() and PhoneCode.objects.get().failed_attempts == 1
    assert register(client, code).status_code == 302  # the right one still works


def test_five_wrong_codes_revoke_it(client):
    code = texted_code(ALICE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        last = register(client, wrong)
    assert "输错次数过多，已失效" in code_errors(last)

    response = register(client, code)

    assert response.status_code == 400 and "已失效" in code_errors(response)
    assert not User.objects.exists()


def test_an_expired_code_creates_nothing(client):
    code = texted_code(ALICE, clock=FixedClock(timezone.now() - dt.timedelta(minutes=11)))

    response = register(client, code)

    assert response.status_code == 400 and "验证码已过期，请重新获取" in code_errors(response)
    assert not User.objects.exists()


def test_a_used_code_does_not_register_again(client):
    code = texted_code(ALICE)
    assert register(client, code).status_code == 302
    client.logout()
    User.objects.all().delete()  # the account was removed; its code must not open another one

    response = register(client, code)

    assert response.status_code == 400 and "该验证码已使用过" in code_errors(response)
    assert not User.objects.exists()


def test_a_new_code_replaces_the_earlier_one(client):
    first = texted_code(ALICE, clock=FixedClock(timezone.now() - dt.timedelta(minutes=2)))
    second = texted_code(ALICE)

    refused = register(client, first)
    accepted = register(client, second)

    assert refused.status_code == 400 and "已被新发送的验证码取代" in code_errors(refused)
    assert PhoneCode.objects.latest("created_at").failed_attempts == 0
    assert accepted.status_code == 302


def test_a_phone_without_a_code_is_asked_for_one(client):
    response = client.post(REGISTER_URL, {"phone": ALICE, "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 400 and "请填写短信验证码" in code_errors(response)
    assert not User.objects.exists()


def test_a_code_for_another_phone_does_not_register_this_one(client):
    code = texted_code("13912345678")

    response = register(client, code)

    assert response.status_code == 400 and "请先获取短信验证码" in code_errors(response)


def test_the_phone_registered_between_code_and_registration_is_refused(client):
    code = texted_code(ALICE)
    UserFactory(username="bob", phone=ALICE)

    response = register(client, code)

    assert response.status_code == 422 and "该手机号码已注册" in response.context["form"].errors["phone"][0]
    assert User.objects.count() == 1


def test_an_email_registration_needs_no_code(client):
    response = client.post(REGISTER_URL, {"email": "alice@example.com", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    assert User.objects.get().phone_verified_at is None


# --- Language and the demo ----------------------------------------------------------------------


def test_a_wrong_code_is_told_in_english_when_english_is_chosen(client):
    code = texted_code(ALICE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = register(client, f"{(int(code) + 1) % 1_000_000:06d}")

    assert "The verification code is wrong" in code_errors(response)
    assert "Get code" in response.content.decode()


def test_the_page_says_where_the_demo_code_is_in_debug_only(client, settings):
    settings.DEBUG = True
    assert settings.SMS_LOG_PATH in client.get(REGISTER_URL).content.decode()

    settings.DEBUG = False
    assert settings.SMS_LOG_PATH not in client.get(REGISTER_URL).content.decode()
