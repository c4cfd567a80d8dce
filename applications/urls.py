from django.urls import path

from applications.views import applicant, bundles, documents, licences, public

app_name = "applications"

urlpatterns = [
    path("", applicant.application_list, name="list"),
    path("new/<str:code>/", applicant.start, name="start"),
    path("claim/", applicant.claim, name="claim"),
    path("bundles/new/<str:code>/", bundles.start, name="bundle_start"),
    path("bundles/<int:pk>/", bundles.page, name="bundle"),
    # Before <str:number>/: "lookup" would otherwise be read as a case number.
    path("lookup/", public.lookup, name="lookup"),
    path("licences/", licences.my_licences, name="licences"),
    path("licences/<str:number>.pdf", licences.licence_pdf, name="licence_pdf"),
    path("draft/<int:pk>/", applicant.draft, name="draft"),
    path("draft/<int:pk>/delete/", applicant.draft_delete, name="draft_delete"),
    path("draft/<int:pk>/restart/", applicant.draft_restart, name="draft_restart"),
    path("draft/<int:pk>/materials/<int:material_id>/", applicant.draft_material, name="draft_material"),
    path("<str:number>/", applicant.detail, name="detail"),
    path("<str:number>/withdraw/", applicant.withdraw, name="withdraw"),
    path("<str:number>/correction/", applicant.correct, name="correct"),
    path("<str:number>/deferred/<int:requirement_id>/", applicant.supply_deferred, name="supply_deferred"),
    path("<str:number>/fees/<int:fee_id>/pay/", applicant.pay_fee, name="pay_fee"),
    path("<str:number>/materials/<int:material_id>/", applicant.material_file, name="material_file"),
    path("<str:number>/proxy-letter/", applicant.proxy_letter, name="proxy_letter"),
    path("<str:number>/documents/<str:token>.pdf", documents.document_pdf, name="document"),
]
