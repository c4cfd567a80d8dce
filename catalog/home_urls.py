"""The front door at the site's root. Included by portal/urls.py inside its "portal" namespace, so
the page keeps its name ``portal:home``; the catalog's own pages are under items/ (catalog/urls.py)."""

from django.urls import path

from catalog.views import public

urlpatterns = [
    path("", public.home, name="home"),
]
