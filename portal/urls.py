from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import views, views_notifications

# The kernel imports no app: apps' pages are included by dotted path.
portal_patterns = [
    # The home page is the catalog's (catalog/home_urls.py); it keeps the name portal:home.
    path("", include("catalog.home_urls")),
    path("preferences/<str:name>/", views.toggle_preference, name="toggle_preference"),
    path("notifications/", views_notifications.inbox, name="notifications"),
    path("notifications/read-all/", views_notifications.read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views_notifications.read, name="notification_read"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("accounts/", include("portal.account_urls")),
    path("items/", include("catalog.urls")),
    path("applications/", include("applications.urls")),
    path("", include("applications.public_urls")),  # verify/<token>/: verify_document
    path("hall/", include("windows.urls")),
    path("review/", include("reviews.urls")),
    path("ratings/", include("reviews.rating_urls")),
    path("supervision/", include("reviews.supervision_urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the CSP forbids inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Error pages in the portal's layout; JSON under /api/; 503 while the database is down.
handler400 = "portal.views_errors.bad_request"
handler403 = "portal.views_errors.permission_denied"
handler404 = "portal.views_errors.page_not_found"
handler500 = "portal.views_errors.server_error"
