"""Slow clients: gunicorn with the portal's settings (gunicorn.conf.py, gthread) keeps a worker whose
request body trickles in past `timeout`, and answers pages meanwhile. A sync worker is killed at
`timeout` mid-body and serves nothing else while it reads (issue 12). In production nginx buffers the
bodies as well (deploy/nginx.conf). Takes about 5 s: the body is sent slowly on purpose."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.applications.test_sweeps_celery import database_url_for_processes, needs_postgres
from tests.portal.test_error_pages import closed_port

TIMEOUT_SECONDS = 2  # gunicorn's, shortened so the trickle outlasts it quickly
TRICKLE_SECONDS = 4


@pytest.fixture
def gunicorn(tmp_path: Path):
    port = closed_port()  # free: nobody listens on it yet
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_processes(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "GUNICORN_TIMEOUT": str(TIMEOUT_SECONDS),
    }
    with (tmp_path / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):  # until it listens, then one page: the worker has booted Django
            try:
                assert page(port, timeout=30) == 200
                break
            except ConnectionRefusedError:
                time.sleep(0.05)
        yield port, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=30)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0


def trickled_post(port: int) -> bytes:
    """A form POST whose body arrives a byte at a time over TRICKLE_SECONDS (a very slow uplink)."""
    body = b"username=alice&password=x&next=%2F"
    step = TRICKLE_SECONDS / len(body)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for byte in body:
            sock.sendall(bytes([byte]))
            time.sleep(step)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def page(port: int, timeout: float = TRICKLE_SECONDS) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = sock.recv(65536)
    return status_of(answer)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_a_slow_upload_completes_and_pages_stay_reachable_meanwhile(gunicorn):
    port, log = gunicorn
    results: list[bytes] = []
    upload = threading.Thread(target=lambda: results.append(trickled_post(port)))
    upload.start()
    time.sleep(TIMEOUT_SECONDS / 2)
    # While the body trickles in (3 s more), the same worker answers a page at once; a sync worker
    # would answer it only after the upload.
    assert page(port, timeout=1.5) == 200
    upload.join(timeout=60)

    text = log.read_text(errors="replace")
    assert "WORKER TIMEOUT" not in text, text
    assert results and status_of(results[0]) in (200, 302, 403), results  # a real answer (CSRF: 403)
