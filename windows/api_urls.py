"""/api/v1/: the comprehensive window's routes (namespace applications_api, set in portal.api_urls)."""

from django.urls import path

from windows import api

urlpatterns = [
    # The intake decisions, fees and the handover on one case; the applicant's (or the window's) correction.
    path("applications/<str:number>/correction/", api.ApplicationCorrectionApi.as_view(), name="correction"),
    path("applications/<str:number>/accept/", api.ApplicationAcceptApi.as_view(), name="accept"),
    path("applications/<str:number>/receive/", api.ApplicationReceiveApi.as_view(), name="receive"),
    path(
        "applications/<str:number>/request-correction/",
        api.ApplicationRequestCorrectionApi.as_view(),
        name="request_correction",
    ),
    path("applications/<str:number>/refuse/", api.ApplicationRefuseApi.as_view(), name="refuse"),
    path("applications/<str:number>/deliver/", api.ApplicationDeliverApi.as_view(), name="deliver"),
    path("applications/<str:number>/fees/<int:fee_id>/settle/", api.FeeSettleApi.as_view(), name="fee_settle"),
    # The workbench's queues.
    path("hall/prereview/", api.PrereviewQueueApi.as_view(), name="prereview_queue"),
    path("hall/delivery/", api.DeliveryQueueApi.as_view(), name="delivery_queue"),
]
