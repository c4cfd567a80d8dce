"""Django admin of the catalog, for system administrators only (DESIGN.md, "Interfaces").

Reference data (regions, departments, the basic catalog, topics) is maintained here. Service items
and their history are read-only: editors and publishers change them through their own pages, where
every change goes through catalog.services and its rules, history and audit rows. A department's
"object permissions" page grants an editor the right to edit that department's items
(``catalog.edit_items``, see catalog.access).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from catalog import bundles, rules
from catalog.models import (
    FAQ,
    BasicItem,
    Bundle,
    BundleMember,
    Department,
    Fee,
    ItemEvent,
    MaterialRequirement,
    ProcessStep,
    Region,
    ServiceItem,
    Situation,
    Topic,
)
from portal.models import Role


def is_sysadmin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.SYSADMIN)))


class SysadminOnly:
    """Every permission of the admin page depends on being a system administrator."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_sysadmin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sysadmin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_sysadmin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sysadmin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_sysadmin(request)


class ReadOnly(SysadminOnly):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(SysadminOnly, GuardedModelAdmin):
    list_display = ["name", "region", "uscc", "phone"]
    search_fields = ["name", "uscc", "region__name"]
    raw_id_fields = ["region"]


class BasicItemForm(forms.ModelForm):
    class Meta:
        model = BasicItem
        fields = [
            "level",
            "region",
            "code",
            "name",
            "item_type",
            "basis",
            "competent_authority",
            "claims",
            "is_locally_established",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            # 四级四同: the same checks the import and the demo data run.
            candidate = BasicItem(**{k: v for k, v in cleaned.items() if k in {f.name for f in BasicItem._meta.fields}})
            rules.validate_basic_item(candidate)
        return cleaned


@admin.register(BasicItem)
class BasicItemAdmin(SysadminOnly, admin.ModelAdmin):
    form = BasicItemForm
    list_display = ["code", "name", "item_type", "level", "region", "is_locally_established"]
    list_filter = ["level", "item_type", "is_locally_established"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "claims"]


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["code", "name", "keywords", "audience", "order", "questionnaire"]

    def clean_questionnaire(self) -> Any:
        questionnaire = self.cleaned_data["questionnaire"]
        problems = bundles.questionnaire_problems(questionnaire)
        if problems:
            raise forms.ValidationError(problems)
        return questionnaire


@admin.register(Topic)
class TopicAdmin(SysadminOnly, admin.ModelAdmin):
    form = TopicForm
    list_display = ["code", "name", "audience", "order"]
    list_filter = ["audience"]


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class MaterialInline(ReadOnlyInline):
    model = MaterialRequirement
    fields = ["order", "name", "necessity", "form", "source", "originals", "copies", "is_situational"]


class SituationInline(ReadOnlyInline):
    model = Situation
    fields = ["order", "question"]


class StepInline(ReadOnlyInline):
    model = ProcessStep
    fields = ["order", "kind", "limit_days", "description"]


class FeeInline(ReadOnlyInline):
    model = Fee
    fields = ["order", "name", "standard", "amount_yuan", "is_waivable"]


class FAQInline(ReadOnlyInline):
    model = FAQ
    fields = ["order", "question"]


class EventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["at", "action", "actor", "comment"]
    readonly_fields = ["at"]


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: items change through the editors' pages (catalog.services), never here."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "code", "version", "status", "lifecycle", "department", "published_at"]
    list_filter = ["status", "lifecycle", "item_type"]
    search_fields = ["name", "code", "department__name"]
    list_select_related = ["department__region"]
    inlines = [MaterialInline, SituationInline, StepInline, FeeInline, FAQInline, EventInline]


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "item", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["item__code", "item__name", "actor__username"]
    list_select_related = ["item", "actor"]


class BundleMemberInline(ReadOnlyInline):
    model = BundleMember
    fields = ["stage", "item", "needs_results_of"]


@admin.register(Bundle)
class BundleAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: bundles change through the editors' pages (catalog.bundle_services), never here."""

    list_display = ["name", "code", "version", "status", "department", "published_at"]
    list_filter = ["status", "audience"]
    search_fields = ["name", "code", "department__name"]
    list_select_related = ["department__region"]
    inlines = [BundleMemberInline]
