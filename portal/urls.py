from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views

portal_patterns = [
    path("", views.home, name="home"),
    path("preferences/<str:name>/", views.toggle_preference, name="toggle_preference"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("accounts/", include("portal.account_urls")),
    path("items/", include("catalog.urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
