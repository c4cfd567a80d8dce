"""Personas and shared fixtures (STYLE.md rule 9).

Alice and Bob are citizens; department X and Y are two agencies in two counties; each has an
editor, and one publisher works for the region's catalog office.
"""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from portal.models import Role
from tests.factories import DepartmentFactory, RegionFactory, UserFactory

PASSWORD = "Correct-Horse-9"


# The production hasher (PBKDF2, a million rounds) takes 0.5–3 s per password; the personas alone set
# dozens. No test is about the hasher's strength, only about which password is accepted.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture(scope="session")
def _demo_signing_dir(tmp_path_factory):
    # One demo signing key per xdist worker, made once, outside the checkout.
    return tmp_path_factory.mktemp("signing")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path, _demo_signing_dir):
    # Per test, hence per xdist worker: uploads, documents and the SMS log never land in the shared var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_LOG_PATH = str(tmp_path / "sms.log")
    settings.DOCUMENT_SIGNING_DEMO_DIR = _demo_signing_dir


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a test that reads a page in English leaves the thread's
    language active, and a later service test on the same worker would read its messages in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


DEMO_COMMANDS = ("seed_demo", "seed_demo_hall", "seed_demo_ratings")


@pytest.fixture(scope="module")
def seeded_demo(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo a visitor of `make run` sees, seeded once for the whole module inside a transaction
    that is rolled back after it (each test's `db` is a savepoint within). A module may name fewer
    commands in its own DEMO_COMMANDS. Returns each command's output by name."""
    commands = getattr(request.module, "DEMO_COMMANDS", DEMO_COMMANDS)
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(DEMO_MODE=True, MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        outputs = {}
        for command in commands:
            out = StringIO()
            call_command(command, stdout=out)
            outputs[command] = out.getvalue()
        yield outputs
        transaction.set_rollback(True)


@pytest.fixture
def roles(db):
    return {code: Group.objects.get_or_create(name=code)[0] for code in Role.values}


@pytest.fixture(autouse=True)
def _fresh_work_calendar():
    """Each test reads the calendar table of its own transaction, not a snapshot left by another."""
    from portal.workdays import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def work_calendar(db):
    """The official 2024–2026 working-day calendar (国务院办公厅 notices, via chinesecalendar)."""
    from portal.workdays import load_official_calendar

    return load_official_calendar(years=range(2024, 2027))


@pytest.fixture
def department_x(db):
    return DepartmentFactory(name="行政审批局", region=RegionFactory(code="320102000000", name="玄武区"))


@pytest.fixture
def department_y(db):
    return DepartmentFactory(name="市场监督管理局", region=RegionFactory(code="320104000000", name="秦淮区"))


@pytest.fixture
def citizen(db):
    return UserFactory(username="alice", real_name="张三", roles=[Role.CITIZEN])


@pytest.fixture
def other_citizen(db):
    return UserFactory(username="bob", real_name="李四", roles=[Role.CITIZEN])


@pytest.fixture
def editor_x(department_x):
    return UserFactory(username="editor_x", department=department_x, roles=[Role.CATALOG_EDITOR])


@pytest.fixture
def editor_y(department_y):
    return UserFactory(username="editor_y", department=department_y, roles=[Role.CATALOG_EDITOR])


@pytest.fixture
def publisher(department_x):
    return UserFactory(username="publisher", department=department_x, roles=[Role.CATALOG_PUBLISHER])


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", roles=[Role.SUPERVISOR])


def login_verified(client, user):
    """Sign a staff user in with the second factor already passed (TOTP is tested in test_otp)."""
    client.force_login(user)
    session = client.session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
