"""/api/v1/: the catalog (the public guide, and the editors' and publishers' workflow)."""

from django.urls import path

from catalog import api

app_name = "catalog_api"

urlpatterns = [
    path("items/", api.ItemListApi.as_view(), name="item_list"),
    path("items/<str:code>/", api.ItemDetailApi.as_view(), name="item_detail"),
    path("items/<str:code>/materials/", api.ItemMaterialsApi.as_view(), name="item_materials"),
    path("topics/", api.TopicListApi.as_view(), name="topic_list"),
    path("departments/", api.DepartmentListApi.as_view(), name="department_list"),
    path("regions/", api.RegionListApi.as_view(), name="region_list"),
    path("manage/items/", api.ManagedItemListApi.as_view(), name="managed_item_list"),
    path("manage/items/<int:item_id>/", api.ManagedItemDetailApi.as_view(), name="managed_item_detail"),
    path("manage/items/<int:item_id>/new-version/", api.ItemNewVersionApi.as_view(), name="item_new_version"),
    path("manage/items/<int:item_id>/submit/", api.ItemSubmitApi.as_view(), name="item_submit"),
    path("manage/items/<int:item_id>/publish/", api.ItemPublishApi.as_view(), name="item_publish"),
    path("manage/items/<int:item_id>/return/", api.ItemReturnApi.as_view(), name="item_return"),
    path("manage/items/<int:item_id>/lifecycle/", api.ItemLifecycleApi.as_view(), name="item_lifecycle"),
    path("manage/items/<int:item_id>/diff/", api.ItemDiffApi.as_view(), name="item_diff"),
    path("manage/items/<int:item_id>/history/", api.ItemHistoryApi.as_view(), name="item_history"),
]
