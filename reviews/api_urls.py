"""/api/v1/: the back office's routes (namespace applications_api, set in portal.api_urls)."""

from django.urls import path

from reviews import api

urlpatterns = [
    # The department's tasks.
    path("review/tasks/", api.ReviewTaskListApi.as_view(), name="review_tasks"),
    path("review/tasks/<int:task_id>/claim/", api.ReviewTaskClaimApi.as_view(), name="review_task_claim"),
    # The review operations on one case, and the head's decision on an extension.
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
    # 告知承诺制: the department's later check of a commitment.
    path("applications/<str:number>/commitments/", api.ApplicationCommitmentListApi.as_view(), name="commitments"),
    path(
        "applications/<str:number>/commitments/<int:commitment_id>/check/",
        api.CommitmentCheckApi.as_view(),
        name="commitment_check",
    ),
]
