"""/api/v1/: each app's API routes."""

from django.urls import include, path

from portal import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api_token"),
    path("", include("catalog.api_urls")),
    path("", include("applications.api_urls")),
]
