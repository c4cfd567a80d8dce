"""Staff sign in with a password and then a TOTP code; citizens with the password alone."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.exceptions import DomainError, InvalidTransition
from portal.models import AuditEvent, Role, StaffEnrolmentCode
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


def enter_enrolment_code(client, code: str):
    return client.post(OTP_URL, {"enrolment_code": code, "next": PROFILE_URL})


def start_enrolment(client, user) -> TOTPDevice:
    """Sign in with the password and the enrolment code an administrator issued; the device being set up."""
    code = services.issue_enrolment_code(user=user)
    sign_in(client, user.username)
    enter_enrolment_code(client, code)
    return TOTPDevice.objects.get(user=user, confirmed=False)


def test_it_refuses_enrolment_without_the_code(client, editor_x):
    services.issue_enrolment_code(user=editor_x)
    sign_in(client, "editor_x")

    response = client.get(OTP_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "绑定码" in page
    assert "otpauth://" not in page and "data:image/png" not in page
    assert not TOTPDevice.objects.filter(user=editor_x).exists()


def test_the_enrolment_code_opens_the_setup_page_with_an_otpauth_uri_and_a_qr_code(client, editor_x):
    code = services.issue_enrolment_code(user=editor_x)
    sign_in(client, "editor_x")

    response = enter_enrolment_code(client, code.lower().replace("-", " "))
    assert response.status_code == 302
    response = client.get(response["Location"])

    page = response.content.decode()
    assert response.status_code == 200
    assert "设置动态验证码" in page
    assert "otpauth://totp/" in page and "issuer=" in page
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page  # a PNG
    device = TOTPDevice.objects.get(user=editor_x)
    assert not device.confirmed
    # Reloading the page keeps the same secret.
    assert device.config_url in client.get(OTP_URL).content.decode().replace("&amp;", "&")
    assert TOTPDevice.objects.filter(user=editor_x).count() == 1


def test_another_session_with_the_password_does_not_see_the_secret(client, editor_x):
    start_enrolment(client, editor_x)
    intruder = Client()
    sign_in(intruder, "editor_x")

    page = intruder.get(OTP_URL).content.decode()

    assert "otpauth://" not in page
    assert "绑定码" in page


def test_a_wrong_enrolment_code_is_refused_counted_and_audited(client, editor_x):
    services.issue_enrolment_code(user=editor_x)
    sign_in(client, "editor_x")

    response = enter_enrolment_code(client, "AAAA-BBBB-CCCC-DDDD")

    assert response.status_code == 400
    assert "绑定码不正确" in response.content.decode()
    assert "otpauth://" not in response.content.decode()
    assert StaffEnrolmentCode.objects.get(user=editor_x).failed_attempts == 1
    assert AuditEvent.objects.filter(action="account.enrolment_code_failed", actor=editor_x).count() == 1
    assert not TOTPDevice.objects.filter(user=editor_x).exists()


def test_too_many_wrong_enrolment_codes_revoke_the_code(client, editor_x):
    code = services.issue_enrolment_code(user=editor_x)
    sign_in(client, "editor_x")
    for _ in range(services.ENROLMENT_CODE_MAX_FAILURES - 1):
        assert enter_enrolment_code(client, "AAAA-BBBB-CCCC-DDDD").status_code == 400

    response = enter_enrolment_code(client, "AAAA-BBBB-CCCC-DDDD")

    assert response.status_code == 422
    assert "已作废" in response.content.decode()
    # Even the right code is refused now: the administrator has to issue a new one.
    assert enter_enrolment_code(client, code).status_code == 422
    assert StaffEnrolmentCode.objects.get(user=editor_x).revoked_at is not None
    assert AuditEvent.objects.filter(action="account.enrolment_code_failed", actor=editor_x).count() == 6


def test_an_expired_enrolment_code_is_refused(client, editor_x):
    code = services.issue_enrolment_code(user=editor_x)
    StaffEnrolmentCode.objects.filter(user=editor_x).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    sign_in(client, "editor_x")

    response = enter_enrolment_code(client, code)

    assert response.status_code == 422
    assert "没有有效的绑定码" in response.content.decode()


def test_the_right_code_confirms_the_device_spends_the_enrolment_code_and_lets_staff_in(client, editor_x):
    device = start_enrolment(client, editor_x)

    response = client.post(OTP_URL, {"token": current_code(device), "next": PROFILE_URL})

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    device.refresh_from_db()
    assert device.confirmed
    assert StaffEnrolmentCode.objects.get(user=editor_x).spent_at is not None
    assert client.get(PROFILE_URL).status_code == 200
    assert AuditEvent.objects.filter(action="account.otp_verified", actor=editor_x).exists()


def test_a_spent_enrolment_code_cannot_set_up_another_device(editor_x):
    code = services.issue_enrolment_code(user=editor_x)
    device = services.accept_enrolment_code(user=editor_x, code=code).device
    services.verify_totp_token(user=editor_x, token=current_code(device))
    TOTPDevice.objects.filter(user=editor_x).delete()  # say the device was removed some other way

    with pytest.raises(DomainError) as refusal:
        services.accept_enrolment_code(user=editor_x, code=code)

    assert refusal.value.code == "enrolment_code_missing"


def test_a_device_set_up_without_an_enrolment_code_cannot_be_confirmed(editor_x):
    """Such as the unconfirmed devices that the setup page created for anyone before enrolment codes."""
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=False)

    with pytest.raises(InvalidTransition) as refusal:
        services.verify_totp_token(user=editor_x, token=current_code(device))

    assert refusal.value.code == "otp_not_set_up"
    device.refresh_from_db()
    assert not device.confirmed


def test_issuing_a_new_code_revokes_the_old_one_and_removes_the_devices(editor_x):
    old = services.issue_enrolment_code(user=editor_x)
    lost_phone = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)

    new = services.issue_enrolment_code(user=editor_x)

    assert not TOTPDevice.objects.filter(pk=lost_phone.pk).exists()
    with pytest.raises(DomainError):
        services.accept_enrolment_code(user=editor_x, code=old)
    assert services.accept_enrolment_code(user=editor_x, code=new).device is not None
    assert AuditEvent.objects.filter(action="account.enrolment_code_issued", object_id=str(editor_x.pk)).count() == 2


def test_only_the_digest_of_an_enrolment_code_is_stored(editor_x):
    code = services.issue_enrolment_code(user=editor_x)

    row = StaffEnrolmentCode.objects.get(user=editor_x)
    assert code.replace("-", "") not in row.code_digest
    assert len(code.replace("-", "")) == services.ENROLMENT_CODE_LENGTH
    assert abs(row.expires_at - row.created_at - services.ENROLMENT_CODE_VALIDITY) < dt.timedelta(seconds=5)


def test_citizens_get_no_enrolment_code(citizen):
    with pytest.raises(DomainError) as refusal:
        services.issue_enrolment_code(user=citizen)

    assert refusal.value.code == "not_staff"


def test_the_command_prints_a_new_enrolment_code_that_works(editor_x):
    TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    out = StringIO()

    call_command("issue_enrolment_code", "editor_x", stdout=out, stderr=StringIO())

    assert not TOTPDevice.objects.filter(user=editor_x).exists()
    assert services.accept_enrolment_code(user=editor_x, code=out.getvalue().strip()).device is not None


def test_the_command_refuses_unknown_users_and_citizens(citizen):
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("issue_enrolment_code", "nobody")
    with pytest.raises(CommandError, match="不是工作人员"):
        call_command("issue_enrolment_code", "alice")


def test_the_admin_action_shows_each_code_once_on_its_page(client, editor_x):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    login_verified(client, root)

    response = client.post(
        "/admin/portal/user/", {"action": "issue_enrolment_codes", "_selected_action": [editor_x.pk]}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    code = page.split("<code>")[1].split("</code>")[0]
    assert services.accept_enrolment_code(user=editor_x, code=code).device is not None
    issued = AuditEvent.objects.get(action="account.enrolment_code_issued")
    assert issued.actor == root and code not in str(issued.detail)


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


def test_a_new_enrolment_code_ends_the_api_keys_issued_on_the_old_device(editor_x):
    """After a lost phone, a key obtained with the old second factor must stop working at once."""
    from portal import tokens
    from portal.models import ApiToken

    token, key = tokens.issue_api_token(user=editor_x)
    assert tokens.active_token_for_key(key) is not None

    services.issue_enrolment_code(user=editor_x)

    assert tokens.active_token_for_key(key) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
