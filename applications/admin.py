"""Django admin of the e-licence tables, for system administrators only.

Licence kinds (years valid, number prefix) are reference data. Licences are records: read-only here;
revocation goes through ``applications.licences.issuing.revoke_licence`` (an admin action), which
keeps the row and its PDF.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from applications.licences import issuing
from applications.licences.models import LicenceKind, License
from catalog.admin import ReadOnly, SysadminOnly


@admin.register(LicenceKind)
class LicenceKindAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["name", "valid_years", "number_prefix"]
    search_fields = ["name"]


@admin.register(License)
class LicenseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "holder_name",
        "holder_id_masked",
        "issuer",
        "issued_on",
        "valid_until",
        "revoked_at",
    ]
    list_filter = ["kind"]
    search_fields = ["number", "holder_name"]
    exclude = ["holder_id_digest"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("注销（吊销）所选电子证照"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[License]) -> None:
        for licence in queryset:
            issuing.revoke_licence(licence=licence, reason=gettext("系统管理员注销"))
        messages.success(request, gettext("已注销 %(count)s 件电子证照。") % {"count": queryset.count()})
