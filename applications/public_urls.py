"""Public pages of applications at the site's root, outside the "applications" namespace."""

from django.urls import path

from applications import views_verify

urlpatterns = [
    # The page behind a document's QR code: public, no personal data.
    path("verify/<str:token>/", views_verify.verify_document, name="verify_document"),
]
