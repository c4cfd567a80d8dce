"""API tokens: expiring, stored as a digest, revocable; anonymous calls get 401 with a challenge;
a CSRF failure says so."""

import datetime as dt
import hashlib

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from portal.models import ApiToken, AuditEvent
from portal.tokens import issue_api_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
MY_APPLICATIONS = "/api/v1/applications/"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def sign_in(username: str = "alice", password: str = PASSWORD):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_it_answers_401_with_a_challenge_to_an_anonymous_call(db):
    response = APIClient().get(MY_APPLICATIONS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_it_answers_401_to_an_unknown_key(db):
    response = bearer("not-a-key-at-all").get(MY_APPLICATIONS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_issues_an_expiring_key_and_stores_only_its_digest(citizen, settings):
    settings.API_TOKEN_TTL_HOURS = 12
    before = timezone.now()
    response = sign_in()
    assert response.status_code == 200, response.content
    body = response.json()
    key = body["token"]
    assert body["token_type"] == "Bearer"
    token = ApiToken.objects.get(user=citizen)
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.prefix, token.digest}
    assert before + dt.timedelta(hours=12) <= token.expires_at <= timezone.now() + dt.timedelta(hours=12)
    assert AuditEvent.objects.filter(action="account.api_token_issued").exists()
    assert bearer(key).get(MY_APPLICATIONS).status_code == 200


def test_each_sign_in_gets_its_own_key(citizen):
    assert sign_in().json()["token"] != sign_in().json()["token"]
    assert ApiToken.objects.filter(user=citizen).count() == 2


def test_an_expired_key_is_refused(citizen):
    token, key = issue_api_token(user=citizen)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(key).get(MY_APPLICATIONS).status_code == 401


def test_the_old_token_keyword_is_refused(citizen):
    _, key = issue_api_token(user=citizen)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(MY_APPLICATIONS).status_code == 401


def test_a_key_of_an_inactive_user_is_refused(citizen):
    _, key = issue_api_token(user=citizen)
    citizen.is_active = False
    citizen.save()
    assert bearer(key).get(MY_APPLICATIONS).status_code == 401


def test_using_a_key_records_when(citizen):
    token, key = issue_api_token(user=citizen)
    bearer(key).get(MY_APPLICATIONS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_delete_revokes_the_key_in_use_and_only_it(citizen):
    _, key = issue_api_token(user=citizen)
    _, other_key = issue_api_token(user=citizen)
    client = bearer(key)
    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get(MY_APPLICATIONS).status_code == 401
    assert bearer(other_key).get(MY_APPLICATIONS).status_code == 200
    assert AuditEvent.objects.filter(action="account.api_token_revoked").exists()


def test_delete_with_all_revokes_every_key_of_the_user(citizen, other_citizen):
    _, key = issue_api_token(user=citizen)
    _, other_key = issue_api_token(user=citizen)
    _, bobs_key = issue_api_token(user=other_citizen)
    assert bearer(key).delete(TOKEN_URL + "?all=true").status_code == 204
    assert bearer(other_key).get(MY_APPLICATIONS).status_code == 401
    assert bearer(bobs_key).get(MY_APPLICATIONS).status_code == 200


def test_delete_without_a_key_is_401(db):
    assert APIClient().delete(TOKEN_URL).status_code == 401


def test_a_stale_key_does_not_stand_in_the_way_of_signing_in(citizen):
    response = bearer("stale").post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_a_session_call_without_the_csrf_token_says_so(citizen):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = client.post("/api/v1/applications/", {}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "csrf_failed"
    assert "刷新页面" in body["message"]
