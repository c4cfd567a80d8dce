"""Signed JSON requests to the outside providers (real-name check, payment, SMS gateway).

One small protocol for all three: a POST of a JSON object, the body signed with HMAC-SHA256 under the
provider's secret (``X-Signature``, lowercase hex, next to ``X-App-Id``), a timeout, and a JSON object
back. Anything else (unreachable, a timeout, a non-2xx status, a redirect, a body that is not a JSON
object) raises ``ProviderError``: a 503 for a person, a retry for a Celery task.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.exceptions import ServiceUnavailable

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
APP_ID_HEADER = "X-App-Id"
# A provider's answer is a few fields; a bigger body is not an answer.
MAX_RESPONSE_BYTES = 1024 * 1024


class ProviderError(ServiceUnavailable):
    """The provider gave no usable answer. ``message`` is for the person, ``reason`` for the log."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.message} ({self.reason})"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 302 of a POST as a GET without the body; a provider that redirects is
    # misconfigured, so the 3xx surfaces as an HTTPError instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def sign(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the request body under the provider's secret, lowercase hex."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def provider_settings(prefix: str) -> tuple[str, str, str]:
    """URL, app id and secret of a provider from ``<prefix>_URL``, ``_APP_ID`` and ``_SECRET``."""
    names = (f"{prefix}_URL", f"{prefix}_APP_ID", f"{prefix}_SECRET")
    values = tuple(getattr(settings, name, "") for name in names)
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ImproperlyConfigured(f"{', '.join(missing)} must be set to use the HTTP adapter.")
    return values  # type: ignore[return-value]


def post_signed_json(
    *, url: str, app_id: str, secret: str, payload: dict[str, Any], service: str, failure_message: str
) -> dict[str, Any]:
    """POST ``payload`` signed, return the provider's JSON object; raise ProviderError otherwise.

    ``service`` names the provider in the log; ``failure_message`` is what the person is told.
    Payloads may carry personal data (ID numbers, phones): they are never logged.
    """
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            APP_ID_HEADER: app_id,
            SIGNATURE_HEADER: sign(body, secret),
        },
    )

    def fail(reason: str) -> ProviderError:
        log.warning("%s at %s failed: %s", service, url, reason)
        return ProviderError(failure_message, reason=f"{service}: {reason}")

    try:
        with _opener.open(request, timeout=settings.PROVIDER_TIMEOUT_SECONDS) as response:
            status = response.status
            raw = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise fail(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        # A connect timeout comes wrapped in a URLError, a read timeout bare.
        if isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise fail(f"timed out after {settings.PROVIDER_TIMEOUT_SECONDS}s") from exc
        raise fail(f"unreachable ({exc})") from exc
    if not 200 <= status < 300:
        raise fail(f"HTTP {status}")
    if len(raw) > MAX_RESPONSE_BYTES:
        raise fail("response larger than 1 MiB")
    try:
        answer = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail("response is not JSON") from exc
    if not isinstance(answer, dict):
        raise fail("response is not a JSON object")
    return answer
