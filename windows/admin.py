"""Django admin of the service halls, for system administrators only (DESIGN.md, "Interfaces").

Halls and windows are reference data. Putting a clerk on a window and authorising a window for an
item go through windows.services, which check who may do it and write the audit row; intakes and
delivery checks are records of what happened and are read-only.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from catalog.admin import ReadOnly, SysadminOnly
from windows import services
from windows.models import ClerkAssignment, DeliveryCheck, Intake, ServiceHall, Window, WindowAuthorization


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    fields = ["number", "kind", "name"]


@admin.register(ServiceHall)
class ServiceHallAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "region", "phone"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name", "region__code"]
    raw_id_fields = ["region"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["__str__", "hall", "number", "kind"]
    list_filter = ["kind", "hall"]
    search_fields = ["hall__name", "number", "name"]


@admin.register(ClerkAssignment)
class ClerkAssignmentAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["clerk", "window", "since"]
    list_filter = ["window__hall"]
    search_fields = ["clerk__username", "clerk__real_name", "window__hall__name"]
    raw_id_fields = ["clerk"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # remove and assign again: an assignment has no fields to edit

    def save_model(self, request: HttpRequest, obj: ClerkAssignment, form: ModelForm, change: bool) -> None:
        saved = services.assign_clerk(actor=request.user, window=obj.window, clerk=obj.clerk)
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: ClerkAssignment) -> None:
        services.remove_clerk(actor=request.user, assignment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClerkAssignment]) -> None:
        for assignment in queryset:
            services.remove_clerk(actor=request.user, assignment=assignment)


@admin.register(WindowAuthorization)
class WindowAuthorizationAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["window", "item_code", "department", "accepts_on_receipt", "granted_at"]
    list_filter = ["accepts_on_receipt", "window__hall"]
    search_fields = ["item_code", "department__name", "window__hall__name"]

    def save_model(self, request: HttpRequest, obj: WindowAuthorization, form: ModelForm, change: bool) -> None:
        if change and {"window", "item_code"} & set(form.changed_data):
            # Another window or item is another authorisation: the old one ends.
            services.revoke_window_authorization(
                actor=request.user, authorization=WindowAuthorization.objects.get(pk=obj.pk)
            )
        saved = services.grant_window_authorization(
            actor=request.user,
            department=obj.department,
            window=obj.window,
            item_code=obj.item_code,
            accepts_on_receipt=obj.accepts_on_receipt,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: WindowAuthorization) -> None:
        services.revoke_window_authorization(actor=request.user, authorization=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WindowAuthorization]) -> None:
        for authorization in queryset:
            services.revoke_window_authorization(actor=request.user, authorization=authorization)


@admin.register(Intake)
class IntakeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["application", "window", "clerk", "at"]
    list_filter = ["window__hall"]
    search_fields = ["application__number"]


@admin.register(DeliveryCheck)
class DeliveryCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["delivery", "window", "clerk", "recipient_id_masked", "is_proxy", "checked_at"]
    exclude = ["recipient_id_digest"]
