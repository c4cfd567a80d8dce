from django.urls import path

from catalog.views import editor, public

app_name = "catalog"

urlpatterns = [
    path("", public.search, name="search"),
    path("manage/", editor.editor_list, name="editor_list"),
]
