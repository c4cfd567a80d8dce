"""/api/v1/: applications (the applicant, the comprehensive window, the back office), one route per operation."""

from django.urls import path

from applications import api

app_name = "applications_api"

urlpatterns = [
    # The applicant: start, fill and submit a draft (a draft has an id, a submitted case a number).
    path("applications/", api.ApplicationListApi.as_view(), name="list"),
    path("applications/drafts/<int:draft_id>/", api.DraftDetailApi.as_view(), name="draft"),
    path("applications/drafts/<int:draft_id>/materials/", api.DraftMaterialApi.as_view(), name="draft_material"),
    path("applications/drafts/<int:draft_id>/submit/", api.DraftSubmitApi.as_view(), name="draft_submit"),
    # One case and the operations on it.
    path("applications/<str:number>/", api.ApplicationDetailApi.as_view(), name="detail"),
    path("applications/<str:number>/withdraw/", api.ApplicationWithdrawApi.as_view(), name="withdraw"),
    path("applications/<str:number>/correction/", api.ApplicationCorrectionApi.as_view(), name="correction"),
    path("applications/<str:number>/documents/<str:token>/", api.ApplicationDocumentApi.as_view(), name="document"),
    path(
        "applications/<str:number>/materials/<int:material_id>/", api.ApplicationMaterialApi.as_view(), name="material"
    ),
    path("applications/<str:number>/fees/<int:fee_id>/pay/", api.FeePayApi.as_view(), name="fee_pay"),
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
    path("applications/<str:number>/pass/", api.ApplicationPassApi.as_view(), name="pass"),
    path("applications/<str:number>/return/", api.ApplicationReturnApi.as_view(), name="return"),
    path("applications/<str:number>/decide/", api.ApplicationDecideApi.as_view(), name="decide"),
    path("applications/<str:number>/suspend/", api.ApplicationSuspendApi.as_view(), name="suspend"),
    path(
        "applications/<str:number>/suspend-for-correction/",
        api.ApplicationSuspendForCorrectionApi.as_view(),
        name="suspend_for_correction",
    ),
    path("applications/<str:number>/resume/", api.ApplicationResumeApi.as_view(), name="resume"),
    path("applications/<str:number>/extension/", api.ApplicationExtensionApi.as_view(), name="extension"),
    path("extensions/<int:extension_id>/decide/", api.ExtensionDecideApi.as_view(), name="extension_decide"),
    # The workbenches' queues.
    path("hall/prereview/", api.PrereviewQueueApi.as_view(), name="prereview_queue"),
    path("hall/delivery/", api.DeliveryQueueApi.as_view(), name="delivery_queue"),
    path("review/tasks/", api.ReviewTaskListApi.as_view(), name="review_tasks"),
    path("review/tasks/<int:task_id>/claim/", api.ReviewTaskClaimApi.as_view(), name="review_task_claim"),
]
