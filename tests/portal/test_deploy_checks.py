"""Deployment checks: outside demo mode the portal refuses demo services and weak keys."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from portal.checks import check_keys_are_strong_outside_demo_mode, check_real_services_outside_demo_mode

BASE_DIR = Path(__file__).resolve().parents[2]
REAL_SERVICES = {
    "REAL_NAME_VERIFIER": "portal.realname.HttpRealNameVerifier",
    "PAYMENT_PROVIDER": "applications.payments.HttpPaymentProvider",
    "SMS_BACKEND": "portal.sms.HttpSmsBackend",
    "ORGANIZATION_REGISTRY": "portal.registry.HttpOrganizationRegistry",
    "PORTAL_LICENCE_REGISTRY": "applications.licences.registry.HttpLicenceRegistry",
}
ADAPTER_CONFIG = {
    f"{prefix}_{suffix}": value
    for prefix, host in (
        ("REAL_NAME_VERIFIER", "rnv"),
        ("PAYMENT_PROVIDER", "pay"),
        ("SMS_GATEWAY", "sms"),
        ("ORGANIZATION_REGISTRY", "registry"),
        ("PORTAL_LICENCE_REGISTRY", "licences"),
    )
    for suffix, value in (("URL", f"https://{host}.example.gov.cn/api"), ("APP_ID", "portal"), ("SECRET", "s3cret"))
}


@pytest.fixture
def production(settings):
    """Real services and strong keys, outside demo mode: no check complains."""
    settings.DEMO_MODE = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.ID_NUMBER_HASH_KEY = secrets.token_urlsafe(32)
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    for name, value in {**REAL_SERVICES, **ADAPTER_CONFIG}.items():
        setattr(settings, name, value)
    return settings


def ids(messages) -> list[str]:
    return [message.id for message in messages]


def run_both() -> list[str]:
    return ids(check_real_services_outside_demo_mode(None) + check_keys_are_strong_outside_demo_mode(None))


def test_it_passes_real_services_with_strong_keys(production):
    assert run_both() == []


@pytest.mark.parametrize(
    "setting, demo, check_id",
    [
        ("REAL_NAME_VERIFIER", "portal.realname.DemoRealNameVerifier", "portal.E010"),
        ("PAYMENT_PROVIDER", "applications.payments.DemoPaymentProvider", "portal.E011"),
        ("SMS_BACKEND", "portal.sms.LoggingSmsBackend", "portal.E012"),
        ("ORGANIZATION_REGISTRY", "portal.registry.DemoOrganizationRegistry", "portal.E017"),
        ("PORTAL_LICENCE_REGISTRY", "applications.licences.registry.DatabaseLicenceRegistry", "portal.E024"),
    ],
)
def test_it_refuses_a_demo_service_outside_demo_mode(production, setting, demo, check_id):
    setattr(production, setting, demo)
    messages = check_real_services_outside_demo_mode(None)
    assert ids(messages) == [check_id]
    assert messages[0].is_serious() and "演示" in messages[0].msg and messages[0].hint


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "",
    ],
)
def test_it_refuses_a_development_email_backend_outside_demo_mode(production, backend):
    production.EMAIL_BACKEND = backend
    assert ids(check_real_services_outside_demo_mode(None)) == ["portal.E013"]


def test_it_refuses_a_service_class_that_does_not_exist(production):
    production.PAYMENT_PROVIDER = "applications.payments.NoSuchProvider"
    assert ids(check_real_services_outside_demo_mode(None)) == ["portal.E014"]


@pytest.mark.parametrize("name", sorted(n for n in ADAPTER_CONFIG))
def test_it_refuses_an_http_adapter_without_its_url_or_credentials(production, name):
    setattr(production, name, "")
    messages = check_real_services_outside_demo_mode(None)
    assert ids(messages) == ["portal.E015"] and name in messages[0].msg


@pytest.mark.parametrize("name", ["REAL_NAME_VERIFIER_URL", "PAYMENT_PROVIDER_URL", "SMS_GATEWAY_URL"])
def test_it_refuses_a_provider_address_without_tls(production, name):
    setattr(production, name, "http://provider.example.gov.cn/api")
    assert ids(check_real_services_outside_demo_mode(None)) == ["portal.E016"]


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "short-but-not-32-bytes",
        "a" * 64,
        "ab" * 32,
        "0123456789abcdef" * 4,  # hex of 32 bytes, but a pattern
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # base64 of 32 zero bytes
        # 16 random bytes; a fixed id, as xdist's workers must collect the same names.
        pytest.param(secrets.token_urlsafe(16), id="random-16-bytes"),
        "",
    ],
)
def test_it_refuses_a_weak_id_number_hash_key(production, key):
    production.ID_NUMBER_HASH_KEY = key
    assert ids(check_keys_are_strong_outside_demo_mode(None)) == ["portal.E020"]


@pytest.mark.parametrize(
    "key",
    [secrets.token_hex(32), secrets.token_urlsafe(32), Fernet.generate_key().decode(), "$" + secrets.token_urlsafe(40)],
    ids=["hex", "urlsafe", "fernet", "prefixed-urlsafe"],  # fixed names for xdist's workers
)
def test_it_accepts_an_id_number_hash_key_of_32_random_bytes(production, key):
    production.ID_NUMBER_HASH_KEY = key
    assert run_both() == []


@pytest.mark.parametrize(
    "key",
    [
        "x",
        # not a Fernet key: crypto.py would silently stretch it
        pytest.param(secrets.token_urlsafe(32) + "x", id="urlsafe-plus-x"),
        pytest.param(secrets.token_hex(32), id="hex"),
        "A" * 43 + "=",  # a valid Fernet key of 32 zero bytes
        "",
    ],
)
def test_it_refuses_a_field_encryption_key_that_is_not_a_random_fernet_key(production, key):
    production.FIELD_ENCRYPTION_KEY = key
    assert ids(check_keys_are_strong_outside_demo_mode(None)) == ["portal.E021"]


@pytest.mark.parametrize("name", ["ID_NUMBER_HASH_KEY", "FIELD_ENCRYPTION_KEY"])
def test_it_refuses_a_key_equal_to_the_secret_key(production, name):
    production.SECRET_KEY = getattr(production, name)
    assert ids(check_keys_are_strong_outside_demo_mode(None)) == ["portal.E022"]


def test_it_refuses_one_key_for_both_purposes(production):
    production.ID_NUMBER_HASH_KEY = production.FIELD_ENCRYPTION_KEY
    assert ids(check_keys_are_strong_outside_demo_mode(None)) == ["portal.E023"]


def test_demo_mode_keeps_the_demo_services_and_the_derived_keys(production):
    production.DEMO_MODE = True
    production.REAL_NAME_VERIFIER = "portal.realname.DemoRealNameVerifier"
    production.SMS_BACKEND = "portal.sms.LoggingSmsBackend"
    production.ID_NUMBER_HASH_KEY = production.FIELD_ENCRYPTION_KEY = production.SECRET_KEY = "dev-only-insecure-key"
    assert run_both() == []


# --- The whole `manage.py check --deploy`, once each way ---------------------------------------


def check_deploy(extra: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            (
                "DJANGO_",
                "REAL_NAME_",
                "PAYMENT_",
                "SMS_",
                "ORGANIZATION_",
                "PORTAL_LICENCE_",
                "EMAIL_",
                "ID_NUMBER_",
                "FIELD_",
            )
        )
    }
    env = {
        **inherited,
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "zwfw.example.gov.cn",
        "ID_NUMBER_HASH_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_fails_on_the_demo_services_and_passes_on_real_ones():
    demo = check_deploy({})
    assert demo.returncode != 0
    for check_id in ("portal.E010", "portal.E011", "portal.E012", "portal.E017", "portal.E024"):
        assert check_id in demo.stderr, demo.stderr

    real = check_deploy({**REAL_SERVICES, **ADAPTER_CONFIG})
    assert real.returncode == 0, real.stderr
    assert "portal.E0" not in real.stdout + real.stderr
