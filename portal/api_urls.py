"""/api/v1/: each app's API routes."""

from django.urls import include, path

from portal import api

# The case API is one namespace (applications_api:accept…), whichever floor holds the view.
case_patterns = [
    path("", include("applications.api_urls")),
    path("", include("windows.api_urls")),
    path("", include("reviews.api_urls")),
]

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api_token"),
    path("", include("catalog.api_urls")),
    path("", include((case_patterns, "applications_api"))),
    path("", include(("reviews.rating_api_urls", "ratings_api"))),
]
