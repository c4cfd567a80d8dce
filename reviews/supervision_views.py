"""效能监督's dashboard and export (supervisors: everything; a department head: their department), and
the public board of ratings and their handling (anyone, no personal data)."""

import csv
import datetime as dt
import io
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from openpyxl import Workbook

from applications.selectors import credit_records_for
from catalog.models import Department, Region
from portal.clock import system_clock
from portal.exceptions import NotFound, PermissionDenied, render_error
from portal.models import Role, User
from portal.spreadsheets import csv_row, xlsx_row
from reviews import supervision

MAX_PERIOD = dt.timedelta(days=3 * 366)
EXPORT_FORMATS = ("csv", "xlsx")


ALL = gettext_lazy("全部")


class FilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput({"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput({"type": "date"}))
    region = forms.ModelChoiceField(
        label=gettext_lazy("行政区划"), queryset=Region.objects.filter(level__lte=3), required=False, empty_label=ALL
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("部门"), queryset=Department.objects.all(), required=False, empty_label=ALL
    )
    item_code = forms.CharField(label=gettext_lazy("事项编码"), required=False, max_length=40)
    # The hall's models are looked up by name: reviews does not import windows (docs/architecture.md).
    hall = forms.ModelChoiceField(
        label=gettext_lazy("服务大厅"),
        queryset=apps.get_model("windows", "ServiceHall").objects.all(),
        required=False,
        empty_label=ALL,
    )
    window = forms.ModelChoiceField(
        label=gettext_lazy("窗口"),
        queryset=apps.get_model("windows", "Window").objects.select_related("hall"),
        required=False,
        empty_label=ALL,
    )
    clerk = forms.ModelChoiceField(
        label=gettext_lazy("窗口人员"),
        queryset=User.objects.filter(groups__name=Role.CLERK).order_by("real_name"),
        required=False,
        empty_label=ALL,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = system_clock.today()
        earliest, latest = supervision.EARLIEST, supervision.latest(today)
        for name in ("date_from", "date_to"):
            day = data.get(name)
            if day is not None and not earliest <= day <= latest:
                self.add_error(
                    name,
                    _("日期须在 %(earliest)s 至 %(latest)s 之间。")
                    % {"earliest": earliest.isoformat(), "latest": latest.isoformat()},
                )
        if self.errors:
            return data
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"].replace(day=1) - dt.timedelta(days=365)
        if data["date_from"] > data["date_to"]:
            self.add_error("date_from", _("起始日期不能晚于截止日期。"))
        elif data["date_to"] - data["date_from"] > MAX_PERIOD:
            self.add_error("date_from", _("统计期间不能超过三年。"))
        return data


def _filters(request: HttpRequest) -> tuple[FilterForm, supervision.Filters | None]:
    return parse_filters(request.user, request.GET)


def parse_filters(user: Any, params: Any) -> tuple[FilterForm, supervision.Filters | None]:
    """The dashboard's filters from a query string (the page, the export and the API): a department
    head's are limited to their department; None with the form's errors when they are not valid."""
    scope = supervision.scope_for(user)
    form = FilterForm(params)  # bound even when empty: every field is optional, clean() sets the period
    if scope is not None:
        # A head filters by their own department's halls, windows and clerks only: another one's id
        # is not a valid choice (400), so neither its name nor its figures show.
        form.fields["department"].queryset = Department.objects.filter(pk=scope.pk)
        form.fields["hall"].queryset = supervision.halls_of(scope)
        form.fields["window"].queryset = supervision.windows_of(scope).select_related("hall")
        form.fields["clerk"].queryset = supervision.clerks_of(scope).order_by("real_name")
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, supervision.Filters(
        date_from=data["date_from"],
        date_to=data["date_to"],
        region=data.get("region"),
        department=scope or data.get("department"),
        item_code=(data.get("item_code") or "").strip(),
        hall_id=data["hall"].pk if data.get("hall") else None,
        window_id=data["window"].pk if data.get("window") else None,
        clerk_id=data["clerk"].pk if data.get("clerk") else None,
    )


def _supervisor_only(request: HttpRequest) -> HttpResponse | None:
    if not supervision.may_supervise(request.user):
        return render_error(request, PermissionDenied(_("只有效能监督人员和部门负责人可以查看统计。")))
    return None


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    refused = _supervisor_only(request)
    if refused:
        return refused
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reviews/dashboard.html", {"form": form}, status=400)
    figures = supervision.figures(filters)
    departments = supervision.by_department(filters)
    trend = supervision.trend(filters)
    chart = {
        "trend": trend,
        "departments": departments,
        "ratings": [{"label": str(label), "n": n} for _, label, n in figures.rating_rows()],
        "labels": {
            "concluded": _("办结件数"),
            "given": _("评价数"),
            "good_rate": _("好评率（%）"),
            "negative": _("差评数"),
        },
    }
    context = {
        "form": form,
        "filters": filters,
        "figures": figures,
        "departments": departments,
        "trend": trend,
        "chart": chart,
        "query": request.GET.urlencode(),
    }
    return render(request, "reviews/dashboard.html", context)


@login_required
@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The table by department as CSV or XLSX (formula-safe cells, portal.spreadsheets)."""
    refused = _supervisor_only(request)
    if refused:
        return refused
    if fmt not in EXPORT_FORMATS:
        return render_error(request, NotFound(_("没有这种导出格式，请选择 CSV 或 Excel。")))
    form, filters = _filters(request)
    if filters is None:
        return render(request, "reviews/dashboard.html", {"form": form}, status=400)
    header = [str(h) for h in supervision.EXPORT_HEADER]
    rows = [
        [r["department"], r["concluded"], r["on_time_rate"], r["given"], r["negative"], r["good_rate"]]
        for r in supervision.by_department(filters)
    ]
    name = f"haochaping-{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}"
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("好差评统计"))
        sheet.append(xlsx_row(sheet, header))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(csv_row(row))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_safe
def public_board(request: HttpRequest) -> HttpResponse:
    since = system_clock.today() - dt.timedelta(days=365)
    context = {
        "rows": supervision.public_board(since=since),
        "replies": supervision.public_replies(since=since),
        "problems": supervision.public_problems(since=since),
        "since": since,
    }
    return render(request, "reviews/public_board.html", context)


@login_required
@require_safe
def credit_records(request: HttpRequest) -> HttpResponse:
    """信用记录: the false commitments the departments' checks found (告知承诺制), newest first."""
    refused = _supervisor_only(request)
    if refused:
        return refused
    page = Paginator(credit_records_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "reviews/credit_records.html", {"page": page})
