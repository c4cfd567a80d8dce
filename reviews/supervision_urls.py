"""效能监督 (/supervision/): the dashboard and its export."""

from django.urls import path

from reviews import supervision_views

app_name = "supervision"

urlpatterns = [
    path("", supervision_views.dashboard, name="dashboard"),
    path("export.<str:fmt>", supervision_views.export, name="export"),
    path("credit-records/", supervision_views.credit_records, name="credit_records"),
]
