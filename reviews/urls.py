from django.urls import path

from reviews import problem_views, rectification_views, views

app_name = "reviews"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("tasks/<int:task_id>/assign/", views.assign, name="assign"),
    path("tasks/<int:task_id>/release/", views.release, name="release"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reveal/", views.reveal_id_number, name="reveal"),
    path("cases/<str:number>/pass/", views.pass_on, name="pass"),
    path("cases/<str:number>/return/", views.send_back, name="return"),
    path("cases/<str:number>/decide/", views.decide, name="decide"),
    path("cases/<str:number>/grant-on-the-spot/", views.grant_on_the_spot, name="grant_on_the_spot"),
    path("cases/<str:number>/accept/", views.accept, name="accept"),
    path("cases/<str:number>/correction/", views.request_correction, name="correction"),
    path("cases/<str:number>/refuse/", views.refuse, name="refuse"),
    path("cases/<str:number>/suspend/", views.suspend, name="suspend"),
    path(
        "cases/<str:number>/correction-after-acceptance/",
        views.correction_after_acceptance,
        name="correction_after_acceptance",
    ),
    path("cases/<str:number>/resume/", views.resume, name="resume"),
    path("cases/<str:number>/commitments/<int:commitment_id>/check/", views.check_commitment, name="check_commitment"),
    path("cases/<str:number>/extension/", views.request_extension, name="extension"),
    path("cases/<str:number>/extensions/<int:extension_id>/", views.decide_extension, name="decide_extension"),
    path("rectifications/", rectification_views.rectification_list, name="rectifications"),
    path("problems/", problem_views.department_list, name="problems"),
    path("rectifications/<int:pk>/", rectification_views.rectification_detail, name="rectification"),
    # Before the actions' route, which would take "evidence" for an action (POST only).
    path("rectifications/<int:pk>/evidence/", rectification_views.appeal_evidence, name="appeal_evidence"),
    path("rectifications/<int:pk>/<str:action>/", rectification_views.act, name="rectification_act"),
]
