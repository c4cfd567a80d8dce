"""好差评 for applicants (/ratings/), and the public board of ratings and their handling."""

from django.urls import path

from reviews import problem_views, rating_views, supervision_views, tablet_views

app_name = "ratings"

urlpatterns = [
    path("", rating_views.my_ratings, name="mine"),
    path("public/", supervision_views.public_board, name="public"),
    path("phone/", rating_views.rate_by_phone, name="phone"),
    path("problems/new/", problem_views.report, name="problem_new"),
    path("problems/<int:pk>/", problem_views.detail, name="problem"),
    path("problems/<int:pk>/<str:action>/", problem_views.act, name="problem_act"),
    path("tablet/open/<str:number>/", tablet_views.open_session, name="tablet_open"),
    path("tablet/opened/<int:pk>/", tablet_views.opened, name="tablet_opened"),
    path("tablet/<int:window_id>/<str:key>/", tablet_views.tablet, name="tablet"),
    path("<str:number>/", rating_views.rate, name="rate"),
    path("<str:number>/follow-up/", rating_views.follow_up, name="follow_up"),
]
