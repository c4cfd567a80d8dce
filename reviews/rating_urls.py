"""好差评 for applicants (/ratings/), and the public board of ratings and their handling."""

from django.urls import path

from reviews import rating_views, supervision_views

app_name = "ratings"

urlpatterns = [
    path("", rating_views.my_ratings, name="mine"),
    path("public/", supervision_views.public_board, name="public"),
    path("<str:number>/", rating_views.rate, name="rate"),
    path("<str:number>/follow-up/", rating_views.follow_up, name="follow_up"),
]
