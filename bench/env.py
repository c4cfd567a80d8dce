"""The environment every bench process shares: one database per scale, fixed keys, production settings.

The keys are fixed so that the seeder (which writes digests and ciphertexts) and the server agree; they
protect only generated people. DEBUG is off everywhere, as in production.
"""

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
BASELINE_DB = "bench_baseline"


def database_url(name: str) -> str:
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/{name}"


def portal_env(db_name: str) -> dict[str, str]:
    """What the seeder, the server, the worker and beat read (portal/settings.py)."""
    redis_db = os.environ.get("PORTAL_REDIS_DB", "7")
    (VAR / "static").mkdir(parents=True, exist_ok=True)  # API only: no collectstatic, but whitenoise looks
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "ID_NUMBER_HASH_KEY": "bench-id-number-hash-key-0123456789abcdef0123",
        "FIELD_ENCRYPTION_KEY": "YmVuY2gtZmllbGQta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(db_name),
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DJANGO_MEDIA_ROOT": str(VAR / "media"),
        "DJANGO_STATIC_ROOT": str(VAR / "static"),
        "SMS_LOG_PATH": str(VAR / "sms.log"),
        "DOCUMENT_SIGNING_DEMO_DIR": str(VAR / "signing"),
        "PORTAL_PUBLIC_URL": "https://zwfw.example.gov.cn",
        # The clients are a handful of users doing a day's work in a minute: the per-user limit would
        # answer 429 (the limit's own cost, a cache read and write a request, stays in).
        "API_USER_RATE": "1000000/minute",
        "API_ANON_RATE": "1000000/minute",
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
