"""Staff sign in with a password and then a TOTP code; citizens with the password alone."""

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent, Role
from tests.conftest import PASSWORD, login_verified
from tests.factories import UserFactory

LOGIN_URL = "/accounts/login/"
OTP_URL = "/accounts/otp/"
PROFILE_URL = "/accounts/profile/"


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that is none of the ones the device accepts now (it tolerates one step either way)."""
    accepted = set()
    for offset in (-1, 0, 1):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
        accepted.add(f"{totp.token():06d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def sign_in(client, username: str):
    return client.post(LOGIN_URL, {"username": username, "password": PASSWORD, "next": PROFILE_URL})


def test_staff_are_sent_to_the_second_factor_after_the_password(client, editor_x):
    response = sign_in(client, "editor_x")

    assert response.status_code == 302
    assert response["Location"] == f"{OTP_URL}?next=%2Faccounts%2Fprofile%2F"


def test_first_sign_in_shows_the_setup_page_with_an_otpauth_uri_and_a_qr_code(client, editor_x):
    sign_in(client, "editor_x")

    response = client.get(OTP_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "设置动态验证码" in page
    assert "otpauth://totp/" in page and "issuer=" in page
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page  # a PNG
    device = TOTPDevice.objects.get(user=editor_x)
    assert not device.confirmed
    # Reloading the page keeps the same secret.
    client.get(OTP_URL)
    assert TOTPDevice.objects.filter(user=editor_x).count() == 1


def test_the_right_code_confirms_the_device_and_lets_staff_in(client, editor_x):
    sign_in(client, "editor_x")
    client.get(OTP_URL)
    device = TOTPDevice.objects.get(user=editor_x)

    response = client.post(OTP_URL, {"token": current_code(device), "next": PROFILE_URL})

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(PROFILE_URL).status_code == 200
    assert AuditEvent.objects.filter(action="account.otp_verified", actor=editor_x).exists()


def test_staff_with_a_device_get_the_code_page_without_the_secret(client, editor_x):
    TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")

    page = client.get(OTP_URL).content.decode()

    assert "输入动态验证码" in page
    assert "otpauth://" not in page


def test_a_wrong_code_is_refused_with_a_clear_message(client, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")

    response = client.post(OTP_URL, {"token": wrong_code(device)})

    assert response.status_code == 400
    assert "动态验证码不正确或已过期" in response.content.decode()
    assert client.get(PROFILE_URL)["Location"].startswith(OTP_URL)
    assert AuditEvent.objects.filter(action="account.otp_failed", actor=editor_x).exists()


def test_a_wrong_code_counts_towards_throttling_even_though_it_is_refused(client, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")
    client.post(OTP_URL, {"token": wrong_code(device)})

    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    response = client.post(OTP_URL, {"token": current_code(device)})

    assert response.status_code == 422
    assert "错误次数过多" in response.content.decode()
    assert client.get(PROFILE_URL)["Location"].startswith(OTP_URL)


def test_the_right_code_works_once_the_throttle_delay_has_passed(client, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")
    client.post(OTP_URL, {"token": wrong_code(device)})
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )

    response = client.post(OTP_URL, {"token": current_code(device)})

    assert response.status_code == 302


def test_a_code_is_accepted_only_once(client, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    code = current_code(device)
    sign_in(client, "editor_x")
    assert client.post(OTP_URL, {"token": code}).status_code == 302
    client.logout()

    sign_in(client, "editor_x")
    response = client.post(OTP_URL, {"token": code})

    assert response.status_code == 400


@pytest.mark.parametrize("token", ["12ab56", "12345", ""])
def test_a_malformed_code_is_refused(client, editor_x, token):
    TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")

    response = client.post(OTP_URL, {"token": token})

    assert response.status_code == 400
    assert response.context["form"].errors["token"]


def test_citizens_need_no_second_factor(client, citizen):
    response = sign_in(client, "alice")

    assert response["Location"] == PROFILE_URL
    assert client.get(PROFILE_URL).status_code == 200
    assert client.get(OTP_URL)["Location"] == "/"
    assert not TOTPDevice.objects.exists()


def test_unverified_staff_are_sent_to_the_code_page_from_every_page(client, editor_x):
    client.force_login(editor_x)

    for path in ["/", PROFILE_URL, "/items/", "/admin/", "/no-such-page/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{OTP_URL}?next="), path


def test_unverified_staff_get_a_403_from_the_api(client, editor_x):
    client.force_login(editor_x)

    response = client.get("/api/v1/")

    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


def test_unverified_staff_may_still_sign_out_and_reach_static_files(client, editor_x):
    client.force_login(editor_x)

    assert client.post("/accounts/logout/").status_code == 302
    client.force_login(editor_x)
    # Served by whitenoise in production; here it only must not be sent to the code page.
    assert client.get("/static/css/portal.css").status_code != 302


def test_a_superuser_needs_the_second_factor_too(client, db):
    UserFactory(username="root", is_superuser=True, is_staff=True)

    response = sign_in(client, "root")

    assert response["Location"].startswith(OTP_URL)


def test_verified_staff_reach_their_pages(client, editor_x):
    login_verified(client, editor_x)

    assert client.get(PROFILE_URL).status_code == 200
    assert client.get(OTP_URL).status_code == 302


def test_the_next_parameter_cannot_leave_the_site(client, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    sign_in(client, "editor_x")

    response = client.post(OTP_URL, {"token": current_code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_roles_other_than_citizen_and_enterprise_are_staff(db):
    for code in Role.values:
        user = UserFactory(roles=[code])
        assert user.is_portal_staff == (code not in {Role.CITIZEN, Role.ENTERPRISE}), code
