"""An unauthenticated form-encoded PUT is answered, in the error body, and leaves a keep-alive
connection usable: over the test client and over a real HTTP server (Django's, as runserver)."""

import http.client
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test import Client

from portal.wsgi import application

URL = "/api/v1/manage/items/0/"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    httpd.set_app(application)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_the_test_client_gets_401_in_the_error_body():
    response = Client().put(URL, "a=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("body", [b"a=b", b"a=" + b"b" * 200_000], ids=["small", "200 kB"])
def test_a_real_server_answers_and_keeps_the_connection_usable(server, body):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("PUT", URL, body=body, headers=headers)
    response = connection.getresponse()
    assert response.status == 401
    assert response.getheader("WWW-Authenticate") == 'Bearer realm="api"'
    assert b'"not_authenticated"' in response.read()
    # The same connection serves the next request: the body of the first was read, not left behind.
    connection.request("GET", "/api/v1/auth/token/")
    follow_up = connection.getresponse()
    assert follow_up.status == 405
    follow_up.read()
    connection.close()
