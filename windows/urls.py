from django.urls import path

from windows import bundle_views, views

app_name = "windows"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("prereview/", views.prereview_list, name="prereview_queue"),
    path("delivery/", views.delivery_list, name="delivery_queue"),
    path("walk-in/", views.walk_in, name="walk_in"),
    path("bundles/", bundle_views.bundle_list, name="bundles"),
    path("bundles/walk-in/<int:window_id>/<str:code>/", bundle_views.bundle_walk_in, name="bundle_walk_in"),
    path("bundles/<int:pk>/", bundle_views.bundle_detail, name="bundle"),
    path("bundles/<int:pk>/take-in/", bundle_views.bundle_take_in, name="bundle_take_in"),
    path("bundles/<int:pk>/deliver/", bundle_views.bundle_deliver, name="bundle_deliver"),
    path("identity/", views.link_account, name="link_account"),
    path("walk-in/<int:window_id>/<int:item_id>/", views.walk_in_form, name="walk_in_form"),
    path("cases/<str:number>/", views.case_detail, name="case"),
    path("cases/<str:number>/reveal/", views.reveal_id_number, name="reveal"),
    path("cases/<str:number>/take-in/", views.take_in, name="take_in"),
    path("cases/<str:number>/correction/", views.request_correction, name="correction"),
    path("cases/<str:number>/correction-materials/", views.take_correction, name="take_correction"),
    path("cases/<str:number>/refuse/", views.refuse, name="refuse"),
    path("cases/<str:number>/deferred/<int:requirement_id>/", views.supply_deferred, name="supply_deferred"),
    path("cases/<str:number>/fees/", views.fees, name="fees"),
    path("cases/<str:number>/fees/<int:fee_id>/", views.settle_fee, name="settle_fee"),
    path("cases/<str:number>/deliver/", views.deliver, name="deliver"),
]
