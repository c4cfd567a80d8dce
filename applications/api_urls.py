"""/api/v1/: the applicant's routes, one per operation (namespace applications_api, set in portal.api_urls).

The comprehensive window's routes are in windows.api_urls, the back office's in reviews.api_urls: the
same namespace, so a route's name does not depend on which app holds its view.
"""

from django.urls import path

from applications import api

urlpatterns = [
    # The applicant: start, fill and submit a draft (a draft has an id, a submitted case a number).
    path("applications/", api.ApplicationListApi.as_view(), name="list"),
    path("applications/drafts/<int:draft_id>/", api.DraftDetailApi.as_view(), name="draft"),
    path("applications/drafts/<int:draft_id>/materials/", api.DraftMaterialApi.as_view(), name="draft_material"),
    path("applications/drafts/<int:draft_id>/submit/", api.DraftSubmitApi.as_view(), name="draft_submit"),
    # One case and the operations on it.
    path("applications/<str:number>/", api.ApplicationDetailApi.as_view(), name="detail"),
    path("applications/<str:number>/withdraw/", api.ApplicationWithdrawApi.as_view(), name="withdraw"),
    path("applications/<str:number>/documents/<str:token>/", api.ApplicationDocumentApi.as_view(), name="document"),
    path(
        "applications/<str:number>/materials/<int:material_id>/", api.ApplicationMaterialApi.as_view(), name="material"
    ),
    path("applications/<str:number>/fees/<int:fee_id>/pay/", api.FeePayApi.as_view(), name="fee_pay"),
]
