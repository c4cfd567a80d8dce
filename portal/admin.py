"""Django admin of the portal app (system administrators only)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from portal import services
from portal.exceptions import DomainError
from portal.forms import AdminLoginForm
from portal.idnumbers import id_number_digest
from portal.models import (
    AuditEvent,
    CalendarDay,
    CalendarYear,
    DemoRegistryRecord,
    Organization,
    OrganizationAgent,
    User,
)
from portal.services import record_audit
from portal.validators import validate_resident_id, validate_uscc
from portal.workdays import provisional_holidays

# The admin's sign-in page checks passwords too: the same per-address cap as the portal's (portal.lockout).
admin.site.login_form = AdminLoginForm

# --- Working-day calendar (portal.workdays) -----------------------------------------------------
# When the State Council publishes next year's arrangement, an administrator enters the year's
# weekday holidays and worked weekends as calendar days, then adds the year: from then on the year
# follows the table instead of the provisional rule. Saving clears the workdays cache (signals in
# portal/workdays.py).

WEEKDAYS = gettext_lazy("一二三四五六日")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "holiday_count", "adjusted_weekend_count", "updated_at"]
    readonly_fields = ["updated_at", "provisional_rule"]
    fieldsets = [
        (
            None,
            {
                "fields": ["year", "source", "updated_at"],
                "description": (
                    gettext_lazy(
                        "先在“日历调整日”中录入该年所有放假的工作日和调休上班的周末，再添加年度；"
                        "添加后该年按日历表计算，不再按暂定规则。来源为 chinesecalendar 的年度会被 "
                        "load_calendar 命令按软件包数据重新同步，如需保留人工修改，请改写来源。"
                    )
                ),
            },
        ),
        (gettext_lazy("暂定规则（供核对）"), {"fields": ["provisional_rule"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, str]:
        return {"source": gettext("国务院办公厅关于部分节假日安排的通知")}

    @admin.display(description=gettext_lazy("放假的工作日"))
    def holiday_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, is_workday=False).count()

    @admin.display(description=gettext_lazy("调休上班的周末"))
    def adjusted_weekend_count(self, obj: CalendarYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year, is_workday=True).count()

    @admin.display(description=gettext_lazy("该年的暂定法定节假日"))
    def provisional_rule(self, obj: CalendarYear) -> str:
        if not obj.year:
            return "—"
        try:
            days = provisional_holidays(obj.year)
        except ValueError as exc:
            return str(exc)
        return "；".join(
            (
                gettext("%(day)s（周%(WEEKDAYS)s）%(name)s")
                % {"day": format(day, "%m-%d"), "WEEKDAYS": WEEKDAYS[day.weekday()], "name": name}
            )
            for day, name in sorted(days.items())
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=gettext_lazy("星期"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return gettext("周%(WEEKDAYS)s") % {"WEEKDAYS": WEEKDAYS[obj.date.weekday()]}


# --- End of the working-day calendar ---------------------------------------------------------------


# --- Accounts, organisations and the audit trail --------------------------------------------------


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """The full ID number is never stored, so only its mask is shown. Changes are audited."""

    list_display = ["username", "real_name", "phone", "email", "department", "is_demo", "is_active"]
    list_select_related = ["department__region"]  # a department's name carries its region's
    list_filter = ["groups", "is_active", "is_demo", "is_superuser"]
    search_fields = ["username", "real_name", "phone", "email"]
    readonly_fields = ["id_number_masked", "real_name_verified_at", "is_demo", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            gettext_lazy("身份"),
            {"fields": ["real_name", "id_number_masked", "real_name_verified_at", "phone", "email"]},
        ),
        (
            gettext_lazy("岗位与角色"),
            {"fields": ["department", "groups", "is_active", "is_staff", "is_superuser", "is_demo"]},
        ),
        (gettext_lazy("时间"), {"fields": ["last_login", "date_joined"]}),
    ]

    actions = ["issue_enrolment_codes"]

    @admin.action(description=gettext_lazy("签发动态验证码绑定码（新工作人员、手机丢失；旧设备解除）"))
    def issue_enrolment_codes(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse:
        """Shown on this page once, never stored in clear nor put in a message cookie."""
        issued: list[tuple[User, str]] = []
        refused: list[tuple[User, str]] = []
        for user in queryset.order_by("username"):
            try:
                code = services.issue_enrolment_code(
                    user=user,
                    actor=request.user,  # type: ignore[arg-type]
                    ip=request.META.get("REMOTE_ADDR"),
                )
            except DomainError as exc:
                refused.append((user, exc.message))
            else:
                issued.append((user, code))
        context = {
            **self.admin_site.each_context(request),
            "issued": issued,
            "refused": refused,
            "hours": int(services.ENROLMENT_CODE_VALIDITY.total_seconds() // 3600),
            "back_url": reverse("admin:portal_user_changelist"),
        }
        # Admin views are never_cache already: the page with the codes stays out of every cache.
        return TemplateResponse(request, "admin/portal/enrolment_codes_issued.html", context)

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_audit(
            actor=request.user,  # type: ignore[arg-type]
            action="account.changed_in_admin" if change else "account.created_in_admin",
            obj=obj,
            detail={"fields": sorted(form.changed_data)},
            ip=request.META.get("REMOTE_ADDR"),
        )


class OrganizationAgentInline(admin.TabularInline):
    model = OrganizationAgent
    extra = 0
    fields = ["user", "is_legal_representative", "created_at", "verified_at", "verified_via", "revoked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        # An agent registers themself with a letter (portal.services.register_organization_agent).
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """Written from the registry's answers (portal.registry) when someone registers as an agent."""

    list_display = ["name", "uscc", "legal_representative", "updated_at"]
    search_fields = ["name", "uscc"]
    readonly_fields = ["name", "uscc", "legal_representative", "legal_representative_id_digest", "created_at"]
    inlines = [OrganizationAgentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class DemoRegistryRecordForm(forms.ModelForm):
    legal_representative_id_number = forms.CharField(
        label=gettext_lazy("法定代表人身份证号码"), max_length=18, help_text=gettext_lazy("只保存不可逆的摘要。")
    )

    class Meta:
        model = DemoRegistryRecord
        fields = ["uscc", "name", "legal_representative"]

    def clean_uscc(self) -> str:
        return validate_uscc(self.cleaned_data["uscc"])

    def clean_legal_representative_id_number(self) -> str:
        return validate_resident_id(self.cleaned_data["legal_representative_id_number"])

    def save(self, commit: bool = True) -> DemoRegistryRecord:
        record = super().save(commit=False)
        record.legal_representative_id_digest = id_number_digest(self.cleaned_data["legal_representative_id_number"])
        if commit:
            record.save()
        return record


@admin.register(DemoRegistryRecord)
class DemoRegistryRecordAdmin(admin.ModelAdmin):
    """The demo registry's data (development only): stands in for the market regulator's registry."""

    form = DemoRegistryRecordForm
    list_display = ["name", "uscc", "legal_representative"]
    search_fields = ["name", "uscc"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody edits or deletes the audit trail, not even a system administrator."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor__username", "action"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


# --- End of accounts ---------------------------------------------------------------------------------
