"""Text messages (短信): one small interface, the backend chosen by settings.SMS_BACKEND.

A backend is a class with ``send(*, phone, text, key)`` that raises on failure (the delivery task
then retries). ``key`` is the notification's idempotency key: a provider that accepts a client
message id (most Chinese SMS gateways do) should pass it on, so a retried send is not texted twice.
"""

import json
import logging
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str, key: str) -> None: ...


class LoggingSmsBackend:
    """Development: nothing leaves the machine. Each message goes to the log and, as one JSON line,
    to settings.SMS_LOG_PATH, where a developer (or a test in another process) can read it."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        path = Path(settings.SMS_LOG_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text, "key": key}, ensure_ascii=False
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, text: str, key: str) -> None:
    get_sms_backend().send(phone=phone, text=text, key=key)
