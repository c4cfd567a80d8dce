"""Lockout keys on username + IP with a cool-off (django-axes): nobody can lock a clerk out from
elsewhere, and one office IP behind NAT never locks a whole hall."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN_URL = "/accounts/login/"
IP_A = "10.1.1.1"
IP_B = "10.2.2.2"


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    assert settings.AXES_ENABLED
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.fixture
def users(db):
    return UserFactory(username="u"), UserFactory(username="v")


def attempt(client, username: str, password: str, ip: str):
    client.logout()
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_five_times(client, username: str = "u", ip: str = IP_A) -> list[int]:
    return [attempt(client, username, "wrong-password", ip).status_code for _ in range(5)]


def test_five_failures_lock_the_username_at_that_ip_only(client, users):
    statuses = fail_five_times(client)

    assert statuses == [400, 400, 400, 400, 429]
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 429
    # The same user from another IP, and another user from the same IP, still sign in.
    assert attempt(client, "u", PASSWORD, IP_B).status_code == 302
    assert attempt(client, "v", PASSWORD, IP_A).status_code == 302


def test_the_locked_out_page_is_in_chinese_with_status_429(client, users):
    fail_five_times(client)

    response = attempt(client, "u", PASSWORD, IP_A)

    page = response.content.decode()
    assert response.status_code == 429
    assert "登录已暂时锁定" in page
    assert "请在 15 分钟后再试" in page
    assert '<html lang="zh-hans"' in page


def test_a_locked_user_does_not_get_a_session(client, users):
    fail_five_times(client)
    attempt(client, "u", PASSWORD, IP_A)

    assert client.get("/accounts/profile/", REMOTE_ADDR=IP_A).status_code == 302


def test_the_lock_ends_after_the_cool_off(client, users, settings):
    fail_five_times(client)
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 429
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)

    AccessAttempt.objects.filter(username="u").update(attempt_time=timezone.now() - cool_off - dt.timedelta(seconds=1))

    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302


def test_the_lock_holds_until_the_cool_off_has_passed(client, users, settings):
    fail_five_times(client)
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)

    AccessAttempt.objects.filter(username="u").update(attempt_time=timezone.now() - cool_off + dt.timedelta(minutes=1))

    assert attempt(client, "u", PASSWORD, IP_A).status_code == 429


def test_failures_are_recorded_with_username_and_ip(client, users):
    attempt(client, "u", "wrong-password", IP_A)

    record = AccessAttempt.objects.get(username="u", ip_address=IP_A)
    assert record.failures_since_start == 1
    assert AccessFailureLog.objects.filter(username="u", ip_address=IP_A).count() == 1


def test_a_successful_sign_in_resets_the_count(client, users):
    for _ in range(4):
        attempt(client, "u", "wrong-password", IP_A)
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302

    statuses = [attempt(client, "u", "wrong-password", IP_A).status_code for _ in range(4)]

    assert statuses == [400] * 4
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302


def test_failures_for_an_unknown_username_lock_only_that_name(client, users):
    fail_five_times(client, username="nobody")

    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302
