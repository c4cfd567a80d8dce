from django.urls import path

from catalog.views import bundle_editor, editor, imports, public

app_name = "catalog"

urlpatterns = [
    path("", public.search, name="search"),
    path("manage/", editor.editor_list, name="editor_list"),
    path("manage/new/", editor.editor_create, name="editor_create"),
    path("manage/queue/", editor.editor_queue, name="editor_queue"),
    path("manage/import/", imports.import_start, name="import_start"),
    path("manage/import/template/<slug:fmt>/", imports.import_template, name="import_template"),
    path("manage/import/<int:job_id>/", imports.import_job, name="import_job"),
    path("manage/import/<int:job_id>/progress/", imports.import_progress, name="import_progress"),
    path("manage/import/<int:job_id>/report.csv", imports.import_report, name="import_report"),
    path("manage/import/<int:job_id>/confirm/", imports.import_confirm, name="import_confirm"),
    path("manage/export/", imports.export_page, name="export_page"),
    path("manage/export/download/", imports.export_download, name="export_download"),
    path("manage/<int:pk>/", editor.editor_detail, name="editor_detail"),
    path("manage/<int:pk>/edit/", editor.editor_edit, name="editor_edit"),
    path("manage/<int:pk>/submit/", editor.editor_submit, name="editor_submit"),
    path("manage/<int:pk>/discard/", editor.editor_discard, name="editor_discard"),
    path("manage/<int:pk>/new-version/", editor.editor_new_version, name="editor_new_version"),
    path("manage/<int:pk>/publish/", editor.editor_publish, name="editor_publish"),
    path("manage/<int:pk>/return/", editor.editor_return, name="editor_return"),
    path("manage/<int:pk>/lifecycle/", editor.editor_lifecycle, name="editor_lifecycle"),
    path("manage/<int:pk>/diff/", editor.editor_diff, name="editor_diff"),
    path("manage/<int:pk>/history/", editor.editor_history, name="editor_history"),
    path("manage/<int:pk>/files/<slug:field>/", editor.editor_file, name="editor_file"),
    path("manage/<int:pk>/materials/<int:material_pk>/<slug:field>/", editor.editor_file, name="editor_material_file"),
    path("manage/bundles/", bundle_editor.bundle_editor_list, name="bundle_editor_list"),
    path("manage/bundles/new/", bundle_editor.bundle_editor_create, name="bundle_editor_create"),
    path("manage/bundles/<int:pk>/", bundle_editor.bundle_editor_detail, name="bundle_editor_detail"),
    path("manage/bundles/<int:pk>/edit/", bundle_editor.bundle_editor_edit, name="bundle_editor_edit"),
    path("manage/bundles/<int:pk>/submit/", bundle_editor.bundle_editor_submit, name="bundle_editor_submit"),
    path("manage/bundles/<int:pk>/publish/", bundle_editor.bundle_editor_publish, name="bundle_editor_publish"),
    path("manage/bundles/<int:pk>/return/", bundle_editor.bundle_editor_return, name="bundle_editor_return"),
    path(
        "manage/bundles/<int:pk>/new-version/",
        bundle_editor.bundle_editor_new_version,
        name="bundle_editor_new_version",
    ),
    path("manage/bundles/<int:pk>/discard/", bundle_editor.bundle_editor_discard, name="bundle_editor_discard"),
    path("bundles/", public.bundle_list, name="bundle_list"),
    path("bundles/<str:code>/", public.bundle_guide, name="bundle_guide"),
    path("topics/<slug:code>/", public.topic, name="topic"),
    path("my-region/", public.choose_region, name="choose_region"),
    # Item routes last: a one-segment path (``items/<anything>/``) is read as an item code.
    path("<str:code>/", public.guide, name="guide"),
    path("<str:code>/guide.pdf", public.guide_pdf, name="guide_pdf"),
    path("<str:code>/result-sample/", public.result_sample, name="result_sample"),
    path("<str:code>/materials/<int:material_id>/<slug:kind>/", public.material_file, name="material_file"),
]
