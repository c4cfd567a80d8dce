"""Crafted input on the API answers 4xx in the API's error body, never 500, never echoing the input.

The JSON parser (portal.parsers) caps nesting and refuses NUL and lone surrogates anywhere in keys
and values; the exception handler answers an oversized body with 413 and never repeats a refused
choice; UnsafeInputMiddleware refuses NUL in the query string and in Django-parsed form bodies.
"""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_error_body(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    if code is not None:
        assert body["code"] == code
    return body


def test_it_answers_400_to_deeply_nested_json(client):
    response = client.post(TOKEN_URL, "[" * 5000 + "]" * 5000, content_type="application/json")
    assert_error_body(response, 400, "json_too_deep")


def test_it_answers_400_to_json_nested_just_past_the_cap(client):
    body = '{"username": ' + "[" * 40 + "]" * 40 + ', "password": "x"}'
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert_error_body(response, 400, "json_too_deep")


def test_it_parses_json_nested_within_the_cap(client):
    body = '{"username": "alice", "password": "x", "extra": ' + "[" * 20 + "]" * 20 + "}"
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert_error_body(response, 400, "invalid_credentials")


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "alice", "password": "\\ud800"}',
        '{"username": "alice", "password": "x", "\\udfff": 1}',
        '{"username": "alice", "password": "x", "extra": [{"k": "a\\u0000b"}]}',
        '{"username": "alice", "password": "x", "a\\u0000": 1}',
    ],
    ids=["surrogate value", "surrogate key", "nul in nested value", "nul in key"],
)
def test_it_answers_400_to_nul_and_lone_surrogates_in_json(client, body):
    response = client.post(TOKEN_URL, body, content_type="application/json")
    body = assert_error_body(response, 400, "unsafe_characters")
    assert "\\ud800" not in response.content.decode()


def test_it_answers_400_to_a_form_post_in_another_charset(client):
    # Django reads form POSTs as UTF-8 only; UTF-7 would decode "+2AA-" to a lone surrogate.
    response = client.post(
        TOKEN_URL, "username=+2AA-&password=x", content_type="application/x-www-form-urlencoded; charset=utf-7"
    )
    assert_error_body(response, 400, "bad_input")


def test_it_answers_400_to_nul_in_a_form_key(client):
    response = client.post(TOKEN_URL, "username=a&password=x&a%00=1", content_type="application/x-www-form-urlencoded")
    assert_error_body(response, 400, "unsafe_characters")


@pytest.mark.parametrize("body", ["name=+2AA-", "+2AA-=1"], ids=["in a value", "in a key"])
def test_it_answers_400_to_a_lone_surrogate_in_a_form_encoded_put(client, body):
    # A PUT is parsed in the client's charset, and UTF-7 decodes "+2AA-" to U+D800.
    response = client.put(
        "/api/v1/manage/items/1/", body, content_type="application/x-www-form-urlencoded; charset=utf-7"
    )
    assert_error_body(response, 400, "unsafe_characters")


def test_it_answers_400_to_nul_in_the_query_string(client):
    response = client.get("/api/v1/items/", {"item_type": "\x00"})
    assert_error_body(response, 400, "unsafe_characters")


def test_it_does_not_echo_a_refused_choice(client):
    response = client.get("/api/v1/items/", {"item_type": "<b>injected</b>"})
    body = assert_error_body(response, 400, "bad_input")
    assert "injected" not in response.content.decode()
    assert body["detail"]["item_type"] == ["不是有效的选项。"]


def test_it_answers_413_in_the_error_body_to_an_oversized_json_body(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(TOKEN_URL, '{"username": "' + "x" * 2048 + '"}', content_type="application/json")
    assert_error_body(response, 413, "request_too_large")


def test_it_answers_413_in_the_error_body_to_an_oversized_form_body(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(TOKEN_URL, "username=" + "x" * 2048, content_type="application/x-www-form-urlencoded")
    assert_error_body(response, 413, "request_too_large")


def test_it_answers_404_in_the_error_body_to_nul_in_an_api_path(client):
    response = client.get("/api/v1/applications/%00/")
    assert_error_body(response, 404, "not_found")


def test_a_django_validation_error_does_not_echo_a_refused_choice():
    from django.core.exceptions import ValidationError

    from portal.exceptions import api_exception_handler

    refused = ValidationError("Value %(value)r is not a valid choice.", code="invalid_choice", params={"value": "<x>"})
    response = api_exception_handler(ValidationError({"kind": [refused, ValidationError("太长。")]}), {})
    assert response.status_code == 422
    assert response.data["detail"] == {"kind": ["不是有效的选项。", "太长。"]}
    response = api_exception_handler(ValidationError([refused]), {})
    assert response.data["detail"] == ["不是有效的选项。"]


def test_a_body_past_every_upload_the_portal_takes_is_refused_by_its_length(client, settings, db):
    settings.REQUEST_MAX_BYTES = 1024
    response = client.post(
        "/api/v1/applications/drafts/1/materials/", data=b"x" * 2048, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
