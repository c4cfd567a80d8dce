"""/api/v1/: 好差评 (namespace ratings_api, set in portal.api_urls)."""

from django.urls import path

from reviews import rating_api

urlpatterns = [
    # The applicant.
    path("ratings/", rating_api.RatingListApi.as_view(), name="mine"),
    path("ratings/indicators/", rating_api.IndicatorListApi.as_view(), name="indicators"),
    # Before ratings/<number>/: no case number is "phone".
    path("ratings/phone/", rating_api.PhoneRatingApi.as_view(), name="phone"),
    path("ratings/<str:number>/", rating_api.RateApi.as_view(), name="rate"),
    path("ratings/<str:number>/with-code/", rating_api.RateWithCodeApi.as_view(), name="with_code"),
    path("ratings/<str:number>/follow-up/", rating_api.RatingFollowUpApi.as_view(), name="follow_up"),
    # The department's rectifications (差评整改), a supervisor's decision on an appeal.
    path("rectifications/", rating_api.RectificationListApi.as_view(), name="rectifications"),
    path(
        "rectifications/<int:rectification_id>/",
        rating_api.RectificationDetailApi.as_view(),
        name="rectification",
    ),
    path(
        "rectifications/<int:rectification_id>/verify/",
        rating_api.RectificationVerifyApi.as_view(),
        name="rectification_verify",
    ),
    path(
        "rectifications/<int:rectification_id>/reply/",
        rating_api.RectificationReplyApi.as_view(),
        name="rectification_reply",
    ),
    path(
        "rectifications/<int:rectification_id>/follow-up/",
        rating_api.RectificationFollowUpApi.as_view(),
        name="rectification_follow_up",
    ),
    path(
        "rectifications/<int:rectification_id>/appeal/",
        rating_api.RectificationAppealApi.as_view(),
        name="rectification_appeal",
    ),
    path(
        "rectifications/<int:rectification_id>/appeal/evidence/",
        rating_api.RectificationEvidenceApi.as_view(),
        name="rectification_appeal_evidence",
    ),
    path(
        "rectifications/<int:rectification_id>/appeal/decide/",
        rating_api.RectificationAppealDecisionApi.as_view(),
        name="rectification_appeal_decide",
    ),
    # 效能监督.
    path("supervision/figures/", rating_api.SupervisionFiguresApi.as_view(), name="figures"),
]
