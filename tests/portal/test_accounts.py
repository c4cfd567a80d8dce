"""Registration, the real-name check, organisation agents (经办人), profile, sessions and demo accounts.

Alice (citizen) registers and acts for a company; Bob (other_citizen) must not see her letter.
"""

import datetime as dt
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.checks import Tags, run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.exceptions import BadInput, DomainError, InvalidTransition
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import AuditEvent, PhoneCode, Role, User
from portal.realname import VerificationResult
from tests.conftest import PASSWORD
from tests.factories import UserFactory, make_resident_id, make_uscc, registered_organization
from tests.portal.test_registration_code import texted_code

REGISTER_URL = "/accounts/register/"
REAL_NAME_URL = "/accounts/real-name/"
PROFILE_URL = "/accounts/profile/"
AGENT_URL = "/accounts/organizations/register/"
ALICE_ID = make_resident_id(area="320102", birth="19900307", seq="123")
BOB_ID = make_resident_id(area="320104", birth="19851111", seq="456")
USCC = make_uscc("91320100MA1XYQ012")
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def verified(user: User, name: str, id_number: str) -> User:
    return services.verify_real_name(user=user, real_name=name, id_number=id_number)


def pdf(name: str = "授权委托书.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def agent_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "南京示例科技有限公司",
        "uscc": USCC,
        "legal_representative": "王五",
        "authorization_letter": pdf(),
    }
    data.update(overrides)
    return data


# --- Registration ---------------------------------------------------------------------------


def test_it_registers_a_citizen_by_phone(db):
    user = services.register_user(
        phone="13812345678", phone_code=texted_code("13812345678"), password="Qiang-Mima-2026"
    )

    assert user.username == "13812345678"
    assert user.phone == "13812345678"
    assert user.has_role(Role.CITIZEN)
    assert user.check_password("Qiang-Mima-2026")
    assert AuditEvent.objects.filter(action="account.registered", object_id=str(user.pk)).exists()


def test_it_registers_by_email_in_lower_case(db):
    user = services.register_user(email=" Alice@Example.COM ", password="Qiang-Mima-2026")

    assert user.username == user.email == "alice@example.com"
    assert user.phone is None


def test_the_registration_page_signs_the_new_user_in_and_asks_for_the_real_name_check(client, db):
    code = texted_code("13812345678")
    response = client.post(
        REGISTER_URL,
        {"phone": "13812345678", "code": code, "password1": "Qiang-Mima-2026", "password2": "Qiang-Mima-2026"},
    )

    assert response.status_code == 302
    assert response["Location"] == REAL_NAME_URL
    assert client.get(PROFILE_URL).status_code == 200


def test_it_refuses_a_duplicate_phone(client, db):
    code = texted_code("13812345678")
    UserFactory(username="13812345678", phone="13812345678")  # registered meanwhile

    response = client.post(
        REGISTER_URL,
        {"phone": "13812345678", "code": code, "password1": "Lingyi-Mima-77", "password2": "Lingyi-Mima-77"},
    )

    assert response.status_code == 422
    assert "该手机号码已注册" in response.context["form"].errors["phone"][0]
    assert User.objects.count() == 1


def test_it_refuses_a_duplicate_email_whatever_its_case(client, db):
    services.register_user(email="alice@example.com", password="Qiang-Mima-2026")

    response = client.post(
        REGISTER_URL, {"email": "ALICE@example.com", "password1": "Lingyi-Mima-77", "password2": "Lingyi-Mima-77"}
    )

    assert response.status_code == 422
    assert "该电子邮箱已注册" in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["12345678", "password", "abc1"])
def test_it_refuses_a_weak_password(client, db, password):
    code = texted_code("13812345678")
    response = client.post(
        REGISTER_URL, {"phone": "13812345678", "code": code, "password1": password, "password2": password}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()
    assert PhoneCode.objects.get().used_at is None  # the code still serves a better password


def test_it_refuses_a_password_that_resembles_the_email(client, db):
    response = client.post(
        REGISTER_URL,
        {"email": "zhangsan2026@example.com", "password1": "zhangsan2026", "password2": "zhangsan2026"},
    )

    assert response.status_code == 400
    assert not User.objects.exists()


def test_it_refuses_mismatched_passwords(client, db):
    response = client.post(
        REGISTER_URL, {"phone": "13812345678", "password1": "Qiang-Mima-2026", "password2": "Qiang-Mima-2027"}
    )

    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()


def test_it_refuses_a_malformed_phone_number(client, db):
    response = client.post(
        REGISTER_URL, {"phone": "1381234", "password1": "Qiang-Mima-2026", "password2": "Qiang-Mima-2026"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["phone"]
    assert not User.objects.exists()


def test_it_asks_for_a_phone_or_an_email(client, db):
    response = client.post(REGISTER_URL, {"password1": "Qiang-Mima-2026", "password2": "Qiang-Mima-2026"})

    assert response.status_code == 400
    assert "请填写手机号码或电子邮箱" in response.content.decode()


def test_a_double_submitted_registration_creates_one_account(client, db):
    code = texted_code("13812345678")
    data = {"phone": "13812345678", "code": code, "password1": "Qiang-Mima-2026", "password2": "Qiang-Mima-2026"}
    first = client.post(REGISTER_URL, data)
    client.logout()  # the second submit carries the session cookie from before the first one
    second = client.post(REGISTER_URL, data)

    assert first.status_code == 302
    assert second.status_code == 422
    assert User.objects.count() == 1
    assert AuditEvent.objects.filter(action="account.registered").count() == 1


# --- Real-name check ------------------------------------------------------------------------


def test_it_verifies_a_real_name_and_keeps_only_the_digest_and_the_mask(citizen):
    verified(citizen, "张三", ALICE_ID)

    citizen.refresh_from_db()
    assert citizen.is_real_name_verified
    assert citizen.real_name == "张三"
    assert citizen.id_number_masked == mask_id_number(ALICE_ID) == ALICE_ID[:6] + "********" + ALICE_ID[-4:]
    assert citizen.id_number_digest == id_number_digest(ALICE_ID)
    stored = [str(value) for value in User.objects.filter(pk=citizen.pk).values().get().values()]
    assert not any(ALICE_ID in value for value in stored)
    audit = AuditEvent.objects.get(action="account.real_name_verified")
    assert ALICE_ID not in str(audit.detail)
    assert audit.detail["id_number"] == citizen.id_number_masked


def test_it_accepts_a_lower_case_check_character_and_stores_it_as_x(citizen):
    number = make_resident_id(area="110105", birth="19491231", seq="002")
    assert number == "11010519491231002X"

    verified(citizen, "张三", number.lower())

    assert citizen.id_number_masked.endswith("002X")
    assert citizen.id_number_digest == id_number_digest(number)


def test_the_real_name_page_verifies_the_signed_in_user(client, citizen):
    client.force_login(citizen)

    response = client.post(REAL_NAME_URL, {"real_name": "张三", "id_number": ALICE_ID, "consent": "on"})

    assert response.status_code == 302
    assert response["Location"] == PROFILE_URL
    citizen.refresh_from_db()
    assert citizen.is_real_name_verified


@pytest.mark.parametrize(
    "id_number",
    [
        ALICE_ID[:-1] + ("0" if ALICE_ID[-1] != "0" else "1"),  # wrong check character
        make_resident_id(birth="19900230"),  # 30 February
        make_resident_id(birth="20991231"),  # born in the future
        make_resident_id(area="990102"),  # no such province
        ALICE_ID[:17],  # too short
        "32010219900307123A",  # letter other than X
    ],
)
def test_it_refuses_a_wrong_id_number(client, citizen, id_number):
    client.force_login(citizen)

    response = client.post(REAL_NAME_URL, {"real_name": "张三", "id_number": id_number, "consent": "on"})

    assert response.status_code == 400
    assert response.context["form"].errors["id_number"]
    citizen.refresh_from_db()
    assert not citizen.is_real_name_verified
    assert citizen.id_number_digest == ""


def test_the_real_name_check_needs_consent(client, citizen):
    client.force_login(citizen)

    response = client.post(REAL_NAME_URL, {"real_name": "张三", "id_number": ALICE_ID})

    assert response.status_code == 400
    assert "请阅读并同意" in response.content.decode()


def test_it_refuses_a_second_account_with_the_same_id_number(client, citizen, other_citizen):
    verified(citizen, "张三", ALICE_ID)
    client.force_login(other_citizen)

    response = client.post(REAL_NAME_URL, {"real_name": "张三", "id_number": ALICE_ID, "consent": "on"})

    assert response.status_code == 422
    assert "该身份证件号码已绑定其他账户" in response.content.decode()
    other_citizen.refresh_from_db()
    assert not other_citizen.is_real_name_verified
    refusal = AuditEvent.objects.get(action="account.real_name_refused")
    assert refusal.actor == other_citizen
    assert refusal.detail == {"id_number": mask_id_number(ALICE_ID), "code": "duplicate_identity"}


def test_the_unique_index_refuses_a_concurrent_verification_of_the_same_number(citizen, other_citizen):
    class BobVerifiesMeanwhile:
        """While Alice's check is at the verifier, Bob's account binds the same number."""

        def verify(self, name: str, id_number: str) -> VerificationResult:
            User.objects.filter(pk=other_citizen.pk).update(
                id_number_digest=id_number_digest(id_number), real_name_verified_at=timezone.now()
            )
            return VerificationResult(is_match=True)

    with pytest.raises(DomainError) as refusal:
        services.verify_real_name(user=citizen, real_name="张三", id_number=ALICE_ID, verifier=BobVerifiesMeanwhile())

    assert refusal.value.code == "duplicate_identity"
    citizen.refresh_from_db()
    assert not citizen.is_real_name_verified


def test_it_refuses_a_name_the_verifier_does_not_match(client, citizen):
    client.force_login(citizen)

    response = client.post(REAL_NAME_URL, {"real_name": "张假三", "id_number": ALICE_ID, "consent": "on"})

    assert response.status_code == 422
    assert "姓名与身份证件号码不一致" in response.content.decode()
    citizen.refresh_from_db()
    assert not citizen.is_real_name_verified
    assert AuditEvent.objects.get(action="account.real_name_refused").detail["code"] == "real_name_mismatch"


def test_it_refuses_a_second_real_name_check(client, citizen):
    verified(citizen, "张三", ALICE_ID)

    with pytest.raises(InvalidTransition):
        services.verify_real_name(user=citizen, real_name="李四", id_number=BOB_ID)

    client.force_login(citizen)
    assert client.get(REAL_NAME_URL)["Location"] == PROFILE_URL
    citizen.refresh_from_db()
    assert citizen.real_name == "张三"


# --- Profile --------------------------------------------------------------------------------


def test_the_profile_shows_the_masked_id_number_roles_and_organizations(client, citizen):
    verified(citizen, "张三", ALICE_ID)
    registered_organization(uscc=USCC, name="南京示例科技有限公司", legal_representative="张三", id_number=ALICE_ID)
    services.register_organization_agent(user=citizen, uscc=USCC, is_legal_representative=True)
    client.force_login(citizen)

    page = client.get(PROFILE_URL).content.decode()

    assert mask_id_number(ALICE_ID) in page
    assert ALICE_ID not in page
    assert "个人用户" in page and "法人用户" in page
    assert "南京示例科技有限公司" in page and USCC in page


def test_the_profile_needs_sign_in(client, db):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Sessions -------------------------------------------------------------------------------


def test_an_idle_session_expires(client, citizen, settings):
    client.force_login(citizen)
    assert client.get(PROFILE_URL).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_every_request_pushes_the_idle_expiry_forward(client, citizen, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST
    client.force_login(citizen)
    key = client.session.session_key
    soon = timezone.now() + dt.timedelta(seconds=60)
    Session.objects.filter(session_key=key).update(expire_date=soon)

    assert client.get(PROFILE_URL).status_code == 200

    refreshed = Session.objects.get(session_key=key).expire_date
    assert refreshed - soon > dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)


# --- Staff and demo accounts ----------------------------------------------------------------


def test_it_creates_a_staff_user_with_staff_roles(db, department_x):
    clerk = services.create_staff_user(
        username="clerk_a",
        password="Chuangkou-2026",
        real_name="周六",
        roles=[Role.CLERK],
        department_id=department_x.pk,
    ).user

    assert clerk.is_portal_staff
    assert clerk.department == department_x
    assert AuditEvent.objects.filter(action="account.staff_created", object_id=str(clerk.pk)).exists()


def test_a_new_staff_account_comes_with_an_enrolment_code_and_no_device(db):
    account = services.create_staff_user(
        username="clerk_a", password="Chuangkou-2026", real_name="周六", roles=[Role.CLERK]
    )

    assert not TOTPDevice.objects.filter(user=account.user).exists()
    assert account.enrolment_code
    enrolment = services.accept_enrolment_code(user=account.user, code=account.enrolment_code)
    assert enrolment.device is not None and not enrolment.device.confirmed


def test_it_refuses_a_staff_user_without_a_staff_role(db):
    with pytest.raises(BadInput):
        services.create_staff_user(username="x", password="Chuangkou-2026", real_name="周六", roles=[Role.CITIZEN])
    assert not User.objects.exists()


def test_demo_accounts_are_refused_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False

    with pytest.raises(DomainError, match="演示账户只能在开发模式"):
        services.create_staff_user(
            username="demo_clerk", password=services.DEMO_PASSWORD, real_name="周六", roles=[Role.CLERK], is_demo=True
        )
    with pytest.raises(DomainError):
        services.create_demo_citizen(phone="13900000001", real_name="张三", id_number=ALICE_ID)
    with pytest.raises(DomainError):
        services.register_user(phone="13900000001", password=services.DEMO_PASSWORD, is_demo=True)
    assert not User.objects.exists()


def test_demo_accounts_are_created_in_demo_mode(db, settings):
    settings.DEMO_MODE = True

    citizen = services.create_demo_citizen(phone="13900000001", real_name="张三", id_number=ALICE_ID)

    assert citizen.is_demo and citizen.is_real_name_verified
    assert citizen.check_password(services.DEMO_PASSWORD)


def demo_account_errors() -> list:
    return [m for m in run_checks(tags=[Tags.database], databases=["default"]) if m.id == "portal.E001"]


def test_the_system_check_refuses_demo_accounts_outside_demo_mode(db, settings):
    UserFactory(username="demo_clerk", is_demo=True, roles=[Role.CLERK])
    settings.DEMO_MODE = False

    errors = demo_account_errors()

    assert len(errors) == 1
    assert "1 个演示账户" in errors[0].msg


def test_the_system_check_passes_without_demo_accounts_or_in_demo_mode(db, settings):
    settings.DEMO_MODE = False
    UserFactory(username="real_clerk", roles=[Role.CLERK])
    assert demo_account_errors() == []

    UserFactory(username="demo_clerk", is_demo=True, roles=[Role.CLERK])
    settings.DEMO_MODE = True
    assert demo_account_errors() == []


def test_demo_accounts_command_lists_the_accounts_and_how_to_get_a_totp_code(db, settings):
    settings.DEMO_MODE = True
    services.create_staff_user(
        username="demo_clerk", password=services.DEMO_PASSWORD, real_name="周六", roles=[Role.CLERK], is_demo=True
    )
    services.create_demo_citizen(phone="13900000001", real_name="张三", id_number=ALICE_ID)
    UserFactory(username="not_demo")
    out = StringIO()

    call_command("demo_accounts", stdout=out)

    lines = out.getvalue().splitlines()
    clerk_line = next(line for line in lines if "demo_clerk" in line)
    citizen_line = next(line for line in lines if "13900000001" in line)
    assert services.DEMO_PASSWORD in clerk_line and "窗口工作人员" in clerk_line
    assert "python manage.py demo_totp demo_clerk" in clerk_line
    assert "个人用户" in citizen_line and "demo_totp" not in citizen_line
    assert "not_demo" not in out.getvalue()


def test_demo_totp_prints_a_code_the_portal_accepts(db, settings):
    settings.DEMO_MODE = True
    account = services.create_staff_user(
        username="demo_clerk", password=services.DEMO_PASSWORD, real_name="周六", roles=[Role.CLERK], is_demo=True
    )
    out = StringIO()

    call_command("demo_totp", "demo_clerk", stdout=out, stderr=StringIO())

    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    device = services.verify_totp_token(user=account.user, token=code)
    assert device.confirmed


def test_demo_staff_skip_the_enrolment_code_and_go_straight_to_the_code_page(client, db, settings):
    settings.DEMO_MODE = True
    account = services.create_staff_user(
        username="demo_clerk", password=services.DEMO_PASSWORD, real_name="周六", roles=[Role.CLERK], is_demo=True
    )
    client.post("/accounts/login/", {"username": "demo_clerk", "password": services.DEMO_PASSWORD})

    page = client.get("/accounts/otp/").content.decode()

    assert account.enrolment_code is None
    assert TOTPDevice.objects.get(user=account.user).confirmed
    assert "输入动态验证码" in page and "绑定码" not in page and "otpauth://" not in page


def test_demo_totp_refuses_outside_demo_mode_and_for_other_accounts(db, settings, citizen):
    settings.DEMO_MODE = True
    UserFactory(username="real_clerk", roles=[Role.CLERK])
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("demo_totp", "real_clerk")

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="开发模式"):
        call_command("demo_totp", "real_clerk")
    assert not TOTPDevice.objects.exists()


def test_login_page_and_password_login_for_citizens(client, citizen):
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(PROFILE_URL).status_code == 200


def test_a_wrong_password_is_refused_in_chinese(client, citizen):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong-password"})

    assert response.status_code == 400
    assert "账号或密码不正确" in response.content.decode()
