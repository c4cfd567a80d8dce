from django.urls import path

app_name = "catalog_api"

urlpatterns: list = []
