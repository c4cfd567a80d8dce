"""Settings read from the environment where a development machine differs from the default one."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def setting_in_a_fresh_process(name: str, **env: str) -> str:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DOCUMENT_SIGNING_"))}
    code = f"import portal.settings as settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_public_url_in_development_follows_the_address_the_portal_is_served_on():
    assert setting_in_a_fresh_process("PORTAL_PUBLIC_URL", PORTAL_ADDR="127.0.0.1:8123") == "http://127.0.0.1:8123"
    # Listening on every interface: the links name the loopback address, which a browser can open.
    assert setting_in_a_fresh_process("PORTAL_PUBLIC_URL", PORTAL_ADDR="0.0.0.0:9000") == "http://127.0.0.1:9000"
    assert setting_in_a_fresh_process("PORTAL_PUBLIC_URL") == "http://127.0.0.1:8000"


def test_an_explicit_public_url_wins_over_the_address():
    url = setting_in_a_fresh_process(
        "PORTAL_PUBLIC_URL", PORTAL_ADDR="127.0.0.1:8123", PORTAL_PUBLIC_URL="https://zwfw.example.gov.cn"
    )
    assert url == "https://zwfw.example.gov.cn"


def test_the_demo_signing_key_goes_where_the_settings_say(tmp_path):
    assert setting_in_a_fresh_process("DOCUMENT_SIGNING_DEMO_DIR", DOCUMENT_SIGNING_DEMO_DIR=str(tmp_path)) == str(
        tmp_path
    )


def test_the_tests_never_write_the_demo_signing_key_into_the_checkout(settings):
    assert BASE_DIR not in Path(settings.DOCUMENT_SIGNING_DEMO_DIR).resolve().parents
