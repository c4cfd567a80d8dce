"""Django admin of the service halls, for system administrators only (DESIGN.md, "Interfaces").

Halls and windows are reference data. Putting a clerk on a window and authorising a window for an
item go through windows.services, which check who may do it and write the audit row; intakes and
delivery checks are records of what happened and are read-only. The forms ask the same services'
checks in ``clean()``, so a refusal is shown on the form instead of escaping from ``save_model``
(after a valid form the admin has no way back to it). Items and clerks are chosen by name.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.admin import ReadOnly, SysadminOnly
from catalog.models import ServiceItem
from portal.exceptions import DomainError
from portal.models import Role
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


class ClerkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext("%(value)s（%(username)s）") % {"value": obj.real_name or obj.username, "username": obj.username}


def _refusal_on(form: forms.Form, exc: ValidationError | DomainError) -> None:
    """A service's refusal as the form's error: a field's message by the field, the others on top."""
    if isinstance(exc, DomainError):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
        form.add_error(None, exc)
    else:
        form.add_error(None, exc.messages)


class ClerkAssignmentForm(forms.ModelForm):
    clerk = ClerkChoiceField(
        label=_("窗口工作人员"),
        queryset=get_user_model().objects.filter(groups__name=Role.CLERK, is_active=True).order_by("real_name"),
    )

    class Meta:
        model = ClerkAssignment
        fields = ["window", "clerk"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("clerk") is not None:
            try:
                services.check_clerk_assignment(actor=self.actor, clerk=cleaned["clerk"])
            except (ValidationError, DomainError) as exc:
                _refusal_on(self, exc)
        return cleaned


@admin.register(ClerkAssignment)
class ClerkAssignmentAdmin(SysadminOnly, admin.ModelAdmin):
    form = ClerkAssignmentForm
    list_display = ["clerk", "window", "since"]
    list_filter = ["window__hall"]
    search_fields = ["clerk__username", "clerk__real_name", "window__hall__name"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

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


def item_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every item code by its department and latest name (a version's name may change, its code not)."""
    latest: dict[str, tuple[str, str]] = {}
    for code, name, department in ServiceItem.objects.order_by("code", "version").values_list(
        "code", "name", "department__name"
    ):
        latest[code] = (name, department)
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, (name, department) in sorted(latest.items(), key=lambda kv: (kv[1][1], kv[1][0], kv[0])):
        groups.setdefault(department, []).append((code, gettext("%(name)s（%(code)s）") % {"name": name, "code": code}))
    return [("", "---------"), *groups.items()]  # type: ignore[list-item]


class WindowAuthorizationForm(forms.ModelForm):
    class Meta:
        model = WindowAuthorization
        fields = ["window", "department", "item_code", "accepts_on_receipt"]
        # A select of names, not a typed 33-character code; a code posted from elsewhere still goes
        # through the service's check, which names the problem.
        widgets = {"item_code": forms.Select(choices=item_choices)}
        labels = {"item_code": _("事项")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("department") is not None and cleaned.get("item_code"):
            try:
                cleaned["item_code"] = services.check_window_authorization(
                    actor=self.actor, department=cleaned["department"], item_code=cleaned["item_code"]
                )
            except (ValidationError, DomainError) as exc:
                _refusal_on(self, exc)
        return cleaned


@admin.register(WindowAuthorization)
class WindowAuthorizationAdmin(SysadminOnly, admin.ModelAdmin):
    form = WindowAuthorizationForm
    list_display = ["window", "item_code", "department", "accepts_on_receipt", "granted_at"]
    list_filter = ["accepts_on_receipt", "window__hall"]
    search_fields = ["item_code", "department__name", "window__hall__name"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

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
    list_select_related = ["application", "window__hall", "clerk"]  # a window's name carries its hall's
    list_filter = ["window__hall"]
    search_fields = ["application__number"]


@admin.register(DeliveryCheck)
class DeliveryCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["delivery", "window", "clerk", "recipient_id_masked", "is_proxy", "checked_at"]
    # The window and the clerk may be empty (SET_NULL): without a list, Django's select_related()
    # would skip them and read each row's window, hall and clerk on its own.
    list_select_related = ["delivery__application", "window__hall", "clerk"]
    exclude = ["recipient_id_digest"]
