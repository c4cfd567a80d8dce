from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SERVICE_HOTLINE": settings.SERVICE_HOTLINE,
        "large_text": request.COOKIES.get("large_text") == "1",
        "high_contrast": request.COOKIES.get("high_contrast") == "1",
    }
