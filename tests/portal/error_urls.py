"""The portal's urls with views that fail on purpose (tests/portal/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("crafted")


urlpatterns = [
    path("boom/", boom),
    path("forbidden/", forbidden),
    path("suspicious/", suspicious),
    path("api/v1/boom/", boom),
    *portal_urlpatterns,
]


__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
