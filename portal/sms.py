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
from django.utils.translation import gettext

from portal.signed_http import ProviderError, post_signed_json, provider_settings

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str, key: str) -> None: ...


class LoggingSmsBackend:
    """Development: nothing leaves the machine. Each message goes to the log and, as one JSON line,
    to settings.SMS_LOG_PATH, where a developer (or a test in another process) can read it."""

    is_demo = True

    def send(self, *, phone: str, text: str, key: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        path = Path(settings.SMS_LOG_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text, "key": key}, ensure_ascii=False
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class HttpSmsBackend:
    """An SMS gateway over HTTP (portal/signed_http.py), from SMS_GATEWAY_URL/_APP_ID/_SECRET.

    Request: {"phone", "text", "client_message_id": key}. Answer: {"status": "accepted"} or, for a
    client message id the gateway has already sent, {"status": "duplicate"}; both mean delivered.
    Anything else raises, so the delivery task retries.
    """

    required_settings = ("SMS_GATEWAY_URL", "SMS_GATEWAY_APP_ID", "SMS_GATEWAY_SECRET")
    DELIVERED = ("accepted", "duplicate")

    def __init__(self) -> None:
        self.url, self.app_id, self.secret = provider_settings("SMS_GATEWAY")

    def send(self, *, phone: str, text: str, key: str) -> None:
        answer = post_signed_json(
            url=self.url,
            app_id=self.app_id,
            secret=self.secret,
            payload={"phone": phone, "text": text, "client_message_id": key},
            service="SMS gateway",
            failure_message=gettext("短信发送失败。"),
        )
        if answer.get("status") not in self.DELIVERED:
            raise ProviderError(
                gettext("短信发送失败。"), reason=f"SMS gateway: not accepted (status={answer.get('status')!r})"
            )


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, text: str, key: str) -> None:
    get_sms_backend().send(phone=phone, text=text, key=key)
