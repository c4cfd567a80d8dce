from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

# The default name, translated; a name configured otherwise (PORTAL_NAME) is shown as configured.
DEFAULT_PORTAL_NAME = gettext_noop("一网通办 · 政务服务网")


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "PORTAL_NAME": gettext(settings.PORTAL_NAME),
        "SERVICE_HOTLINE": settings.SERVICE_HOTLINE,
        "large_text": request.COOKIES.get("large_text") == "1",
        "high_contrast": request.COOKIES.get("high_contrast") == "1",
    }
