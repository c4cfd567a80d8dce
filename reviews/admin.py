"""Django admin of 好差评's reference data, for system administrators only.

The rules per region and the indicator options of each level are data an administrator edits; the
evaluations and rectifications are records of what people did and are read-only here (their workflow
has its own pages with its own checks).
"""

from django.contrib import admin

from catalog.admin import ReadOnly, SysadminOnly
from reviews.models import Evaluation, EvaluationPolicy, Indicator, Rectification


@admin.register(EvaluationPolicy)
class EvaluationPolicyAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = [
        "region",
        "rate_after_acceptance",
        "remind_after_days",
        "default_after_days",
        "rectification_workdays",
    ]
    autocomplete_fields = ["region"]


@admin.register(Indicator)
class IndicatorAdmin(SysadminOnly, admin.ModelAdmin):
    list_display = ["label", "scope", "level", "order", "is_active"]
    list_filter = ["scope", "level", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["label"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["application", "level", "status", "channel", "department", "created_at"]
    list_filter = ["level", "status", "channel"]
    list_select_related = ["application", "department__region"]  # a department's name carries its region's
    exclude = ["rated_by", "clerk", "deciders"]  # who rated and who was rated stay out of sight here


@admin.register(Rectification)
class RectificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["evaluation", "department", "status", "due_on", "light"]
    list_filter = ["status", "light"]
    list_select_related = ["evaluation__application", "department__region"]
