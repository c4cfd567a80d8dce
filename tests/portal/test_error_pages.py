"""Error pages in production (DEBUG off): the portal's layout and language for pages, the API's JSON
body under /api/, and 503 "服务暂时不可用" while the database is down (issue 12)."""

import socket

import pytest
from django.db import connections
from django.test import Client, override_settings

pytestmark = pytest.mark.urls("tests.portal.error_urls")


@pytest.fixture
def client():
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False)


def page_text(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/no-such-page/", 404, "页面不存在"),
        ("/forbidden/", 403, "无权访问"),
        ("/suspicious/", 400, "请求有误"),
        ("/boom/", 500, "服务器出现错误"),
    ],
)
def test_error_pages_are_the_portals_own(client, path, status, heading):
    response = client.get(path)
    assert response.status_code == status
    text = page_text(response)
    assert f"<h1>{heading}</h1>" in text
    assert 'class="site-header"' in text  # base.html: the portal's layout
    assert "一网通办" in text
    assert "Server Error" not in text and "Not Found" not in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [("/api/v1/no-such-route/", 404, "not_found"), ("/api/v1/boom/", 500, "server_error")],
)
def test_api_errors_are_json(client, path, status, code):
    response = client.get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert body["message"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection pointed at a port nobody listens on, as if PostgreSQL were stopped;
    the shared server is left alone. No test transaction: the request's own connection fails."""
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.mark.parametrize(("path", "is_api"), [("/", False), ("/api/v1/items/", True)])
def test_database_down_answers_503_briefly_unavailable(client, database_down, path, is_api):
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"]
    if is_api:
        assert response.json()["code"] == "service_unavailable"
        assert response.json()["message"] == "服务暂时不可用，请稍后再试。"
    else:
        text = page_text(response)
        assert "<h1>服务暂时不可用</h1>" in text
        assert 'class="site-header"' in text
