"""好差评 routes probed as the wrong person and with crafted input (issue 10).

Alice (citizen) owns the concluded case; Bob (other citizen) holds no receipt; the clerks of halls A and
B, the reviewers and heads of departments X and Y and the supervisor are the personas of
tests/conftest.py, tests/reviews/conftest.py and tests/windows/conftest.py.
"""

# ruff: noqa: F811 (fixtures imported from other conftest modules)

import io

import pytest
from django.core.management import CommandError, call_command

from applications import services as cases
from applications.access import applications_visible_to
from portal import services as accounts
from portal.models import AuditEvent, Role
from reviews import evaluations, tablets
from reviews.models import Evaluation, TabletSession
from tests.applications.test_party_identity import WANG_ID, walk_in  # noqa: F401
from tests.conftest import login_verified
from tests.factories import UserFactory
from tests.reviews.test_tablet import served  # noqa: F401
from tests.windows.conftest import (  # noqa: F401
    _clerk,
    clerk_a,
    clerk_b,
    decided,
    hall_a,
    hall_b,
    item_y,
    sysadmin,
    window_a,
    window_b,
)

NON_ASCII_CODE = "查询码ＡＢＣ"  # 6 characters: within the form's 12, not ASCII


# --- 1. A non-ASCII 查询码 or tablet key is a wrong one, not a 500 ----------------------------------------


def test_a_non_ascii_code_on_the_qr_path_is_a_wrong_code_and_counted(client, concluded):
    ascii_wrong = client.post(f"/ratings/{concluded.number}/", {"level": "1", "access_code": "WRONG123"})
    response = client.post(f"/ratings/{concluded.number}/", {"level": "1", "access_code": NON_ASCII_CODE})
    assert response.status_code == ascii_wrong.status_code == 404
    assert "办件编号或查询码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action=evaluations.CODE_FAILED).count() == 2
    assert not Evaluation.objects.exists()


def test_a_non_ascii_code_read_out_on_the_phone_is_a_wrong_code(client, concluded):
    operator = UserFactory(username="hotline_he", roles=[Role.HOTLINE])
    login_verified(client, operator)
    response = client.post("/ratings/phone/", {"number": concluded.number, "access_code": NON_ASCII_CODE, "level": "1"})
    assert response.status_code == 404 and "办件编号或查询码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action=evaluations.CODE_FAILED, actor=operator).count() == 1


def test_a_non_ascii_tablet_key_is_no_tablet(client, window_a):
    response = client.get(f"/ratings/tablet/{window_a.pk}/评价器密钥/")
    assert response.status_code == 404 and "未找到该窗口评价器" in response.content.decode()
    assert client.post(f"/ratings/tablet/{window_a.pk}/é/", {"session": "1", "level": "1"}).status_code == 404


def test_a_non_ascii_code_claiming_a_case_is_a_wrong_code_and_counted(client, walk_in, other_citizen):
    wang = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    client.force_login(wang)
    response = client.post("/applications/claim/", {"number": walk_in.number, "access_code": NON_ASCII_CODE})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="application.claim_failed", actor=wang).count() == 1
    assert not applications_visible_to(wang).filter(pk=walk_in.pk).exists()


def test_a_non_ascii_code_in_the_public_lookup_is_a_wrong_code_and_counted(client, submitted):
    wrong = client.post("/applications/lookup/", {"number": submitted.number, "access_code": "WRONG123"})
    response = client.post("/applications/lookup/", {"number": submitted.number, "access_code": NON_ASCII_CODE})
    assert response.status_code == wrong.status_code and response.context["error"] == wrong.context["error"]
    assert AuditEvent.objects.filter(action=cases.LOOKUP_FAILED).count() == 2


# --- 2. The clerk is never shown the tablet's address -------------------------------------------------


def test_the_clerk_sees_that_the_session_is_open_but_not_the_tablets_address(client, served, clerk_a, window_a):
    login_verified(client, clerk_a)
    opened = client.post(f"/ratings/tablet/open/{served.number}/")
    page = client.get(opened["Location"]).content.decode()
    assert "已推送到" in page and served.number in page
    assert tablets.tablet_key(window_a.pk) not in page and f"/ratings/tablet/{window_a.pk}/" not in page
    assert TabletSession.objects.filter(application=served, closed_at__isnull=True).count() == 1


def test_the_command_prints_the_tablets_address_for_installing_it(window_a, settings):
    settings.PORTAL_PUBLIC_URL = "https://zwfw.example.gov.cn/"
    out = io.StringIO()
    call_command("tablet_address", str(window_a.pk), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "https://zwfw.example.gov.cn" + tablets.tablet_path(window_a.pk)
    with pytest.raises(CommandError, match="未找到编号为"):
        call_command("tablet_address", str(window_a.pk + 1000), stdout=io.StringIO(), stderr=io.StringIO())
