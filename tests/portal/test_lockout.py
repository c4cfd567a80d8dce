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


# --- The per-IP cap on failures across usernames (password spraying) ---------------------------


def spray(usernames: int, ip: str = IP_A, failures_each: int = 1, ago: dt.timedelta = dt.timedelta(0)) -> None:
    """Failed sign-ins as django-axes logs them (written directly: each real attempt hashes a password)."""
    rows = [
        AccessFailureLog(username=f"sprayed{n}", ip_address=ip, user_agent="", http_accept="", path_info=LOGIN_URL)
        for n in range(usernames)
        for _ in range(failures_each)
    ]
    AccessFailureLog.objects.bulk_create(rows)
    if ago:
        AccessFailureLog.objects.filter(ip_address=ip).update(attempt_time=timezone.now() - ago)


def test_thirty_failures_across_many_usernames_refuse_every_sign_in_from_that_ip(client, users):
    spray(29)
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302
    assert attempt(client, "sprayed29", "Summer2026!", IP_A).status_code == 400

    response = attempt(client, "v", PASSWORD, IP_A)

    page = response.content.decode()
    assert response.status_code == 429
    assert "该网络地址登录失败次数过多，请 15 分钟后再试" in page
    assert "_auth_user_id" not in client.session


def test_the_ip_cap_leaves_other_addresses_alone(client, users):
    spray(30)

    assert attempt(client, "u", PASSWORD, IP_B).status_code == 302


def test_a_hall_behind_one_address_making_typos_is_not_capped(client, users):
    """40 failures of 9 clerks: each stays under the username + IP lockout, and too few names fail
    for it to look like spraying."""
    spray(9, failures_each=4)
    spray(4)

    assert AccessFailureLog.objects.filter(ip_address=IP_A).count() == 40
    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302


def test_refused_attempts_are_not_counted_as_failures(client, users):
    spray(30)

    assert attempt(client, "new-name", "Summer2026!", IP_A).status_code == 429

    assert AccessFailureLog.objects.filter(ip_address=IP_A).count() == 30


def test_the_ip_cap_ends_when_the_failures_leave_the_window(client, users, settings):
    spray(30)
    window = dt.timedelta(minutes=settings.SIGNIN_IP_WINDOW_MINUTES)
    oldest = AccessFailureLog.objects.filter(ip_address=IP_A).order_by("attempt_time").first()
    AccessFailureLog.objects.filter(pk=oldest.pk).update(attempt_time=timezone.now() - window - dt.timedelta(seconds=1))

    assert attempt(client, "u", PASSWORD, IP_A).status_code == 302


def test_the_message_counts_the_minutes_until_the_cap_lifts(client, users):
    spray(30, ago=dt.timedelta(minutes=10))

    response = attempt(client, "u", PASSWORD, IP_A)

    assert response.status_code == 429
    assert "请 5 分钟后再试" in response.content.decode()


def test_the_admin_sign_in_page_is_capped_too(client, users):
    spray(30)

    response = client.post("/admin/login/", {"username": "u", "password": PASSWORD}, REMOTE_ADDR=IP_A)

    assert "该网络地址登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
