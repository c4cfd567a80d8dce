"""Crafted input on the HTML pages: a plain page in Chinese with a 4xx, never a 500.

UnsafeInputMiddleware 404s any path holding NUL or a lone surrogate (every ``<str:>`` converter
accepts them, and PostgreSQL refuses NUL in a query) and answers 400 to them in the query string or
a form body.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from portal.models import Role
from tests.conftest import login_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?\w+>")


def routes_with_text_parameters(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URLconf (through includes) with a parameter other than ``<int:>``, the
    parameters filled in: ``%00`` for text, 1 for numbers. Regex routes (the admin's) are skipped."""
    found: list[str] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(entry.pattern, RoutePattern):
            continue
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes_with_text_parameters(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            kinds = [m["kind"] or "str" for m in CONVERTER.finditer(route)]
            if any(kind != "int" for kind in kinds):
                found.append(CONVERTER.sub(lambda m: "1" if m["kind"] == "int" else "%00", route))
    return found


def test_the_walk_finds_the_text_routes():
    routes = routes_with_text_parameters()
    assert "items/%00/" in routes
    assert "verify/%00/" in routes
    assert "api/v1/applications/%00/documents/%00/" in routes
    assert len(routes) >= 50


@pytest.mark.parametrize("persona", ["anonymous", "citizen", "clerk"])
def test_no_route_answers_500_to_nul_in_a_segment(persona):
    client = Client(raise_request_exception=False)
    if persona == "citizen":
        client.force_login(UserFactory(roles=[Role.CITIZEN]))
    elif persona == "clerk":
        login_verified(client, UserFactory(roles=[Role.CLERK]))
    failures = []
    for route in routes_with_text_parameters():
        for method in (client.get, client.post):
            response = method("/" + route)
            if response.status_code >= 500 or (persona == "anonymous" and response.status_code != 404):
                failures.append((method.__name__, route, response.status_code))
    assert failures == []


def test_it_answers_404_to_nul_in_a_page_path():
    response = Client(raise_request_exception=False).get("/items/%00/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_it_answers_a_plain_400_page_in_chinese_to_nul_in_the_query_string():
    response = Client(raise_request_exception=False).get("/items/", {"q": "结婚\x00"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "请求中含有不允许的字符" in response.content.decode()


def test_it_answers_a_plain_400_page_to_a_form_post_in_another_charset():
    # Django reads form POSTs as UTF-8 only; UTF-7 would decode "+2AA-" to a lone surrogate.
    response = Client(raise_request_exception=False).post(
        "/accounts/login/",
        "username=+2AA-&password=x",
        content_type="application/x-www-form-urlencoded; charset=utf-7",
    )
    assert response.status_code == 400
    assert "提交的内容格式不正确" in response.content.decode()


def test_it_answers_400_to_nul_in_a_form_key():
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", "username=a&password=x&a%00=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "请求中含有不允许的字符" in response.content.decode()


def test_it_answers_413_to_an_oversized_form_post(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", "username=" + "x" * 2048, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()


def test_it_lets_ordinary_input_through():
    response = Client().get("/items/", {"q": "结婚登记"})
    assert response.status_code == 200
