"""Import and export of the implementation list: catalog editors only.

Upload → validation (inline for a small file, by the worker with a progress bar for a large one) →
per-row report → the editor confirms → one atomic write of drafts. A malformed file is refused at
upload with 400; a file whose rows break the rules gets its report with 422; confirming twice 409.
"""

import csv
import io
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import access, exports, imports, selectors
from catalog.models import Department, ImportJob
from catalog.views.editor import catalog_staff_view
from portal.exceptions import BadInput, NotFound, PermissionDenied
from portal.spreadsheets import csv_row

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
REPORT_ROWS_SHOWN = 500
RECENT_JOBS = 10
# A short file's changes are shown open; a longer one's rows are opened one by one.
PREVIEW_OPEN_ROWS = 20


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("导入文件"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV（.csv），请使用上方的模板。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv", "aria-describedby": "id_file-help"}),
    )


def _require_editor(request: HttpRequest) -> None:
    if not access.is_catalog_editor(request.user):
        raise PermissionDenied(gettext("只有事项编辑人员可以导入或导出实施清单。"))


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # An ASCII fallback name for old clients, the Chinese name for the rest (RFC 6266).
    fallback = filename.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f"attachment; filename=\"catalog.{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response


def _enqueue(task: Any, job_id: int) -> None:
    """Hand the job to the worker once the job row is committed.

    A broker that cannot be reached must not fail the request (DESIGN.md): the job is marked failed
    with a message asking the editor to try again later, so nothing waits forever.
    """

    def send() -> None:
        try:
            task.apply_async(args=[job_id], retry=False)
        except Exception:
            logger.exception("could not queue import job %s", job_id)
            ImportJob.objects.filter(
                pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.IMPORTING]
            ).update(
                status=ImportJob.Status.FAILED,
                error_message=gettext("后台任务服务暂时不可用，没有导入任何事项，请稍后重新上传。"),
            )

    transaction.on_commit(send)


def _job_page(request: HttpRequest, job: ImportJob, *, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "job": job,
        "problems": job.problems[:REPORT_ROWS_SHOWN],
        "problems_hidden": max(job.problem_count - REPORT_ROWS_SHOWN, 0),
        "problems_truncated": job.problem_count > len(job.problems),
        "imported_shown": job.imported_codes[:50],
    }
    if job.status == ImportJob.Status.VALID and job.preview:
        rows = job.preview.get("rows", [])
        counts = job.preview.get("counts", {})
        context |= {
            "preview_rows": rows,
            "preview_counts": counts,
            "preview_hidden": sum(counts.values()) > len(rows),
            "preview_open": len(rows) <= PREVIEW_OPEN_ROWS,
        }
    return render(request, "catalog/imports/job.html", context, status=status)


def _start_page(
    request: HttpRequest, form: ImportUploadForm, *, error: BadInput | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "jobs": ImportJob.objects.filter(created_by=request.user)[:RECENT_JOBS],
        "max_rows": imports.MAX_ROWS,
        "max_mb": settings.IMPORT_MAX_BYTES // 1048576,
    }
    return render(request, "catalog/imports/start.html", context, status=status)


@catalog_staff_view
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    """The upload form; a posted file is checked at once and validated inline or by the worker."""
    _require_editor(request)
    if request.method == "GET":
        return _start_page(request, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    try:
        job = imports.start_import(actor=request.user, upload=form.cleaned_data["file"])
    except BadInput as exc:
        return _start_page(request, ImportUploadForm(), error=exc, status=exc.status_code)
    if not imports.validates_inline(job):
        from catalog.tasks import validate_import_job

        _enqueue(validate_import_job, job.pk)
        return redirect("catalog:import_job", job_id=job.pk)
    job = imports.validate_import(job_id=job.pk)
    if job.status == ImportJob.Status.VALID:
        return redirect("catalog:import_job", job_id=job.pk)
    return _job_page(request, job, status=422)


@catalog_staff_view
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's page: progress while it runs, then the report, or the confirm button."""
    _require_editor(request)
    return _job_page(request, imports.get_import_job_for(request.user, job_id))


@catalog_staff_view
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """Polled by static/js/import.js while the job runs."""
    _require_editor(request)
    job = imports.get_import_job_for(request.user, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "processed": job.processed_rows,
            "total": job.total_rows,
            "percent": job.percent,
            "running": job.is_running,
        }
    )


@catalog_staff_view
@require_GET
def import_report(request: HttpRequest, job_id: int) -> HttpResponse:
    """The per-row report as CSV (UTF-8 with BOM, for Excel)."""
    _require_editor(request)
    job = imports.get_import_job_for(request.user, job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([gettext("工作表"), gettext("行号"), gettext("事项名称"), gettext("字段"), gettext("问题")])
    for problem in job.problems:
        writer.writerow(
            csv_row([problem["sheet"], problem["row"] or "", problem["name"], problem["field"], problem["message"]])
        )
    return _download(
        buffer.getvalue().encode("utf-8-sig"), gettext("导入校验报告-%(pk)s.csv") % {"pk": job.pk}, CSV_TYPE
    )


@catalog_staff_view
@require_POST
def import_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    """Write a valid job as drafts, once; a second confirmation is refused with 409."""
    _require_editor(request)
    job = imports.confirm_import(actor=request.user, job_id=job_id)
    if not imports.validates_inline(job):
        from catalog.tasks import write_import_job

        _enqueue(write_import_job, job.pk)
        return redirect("catalog:import_job", job_id=job.pk)
    job = imports.write_import(job_id=job.pk)
    if job.status == ImportJob.Status.IMPORTED:
        messages.success(
            request, gettext("已导入 %(len)s 个事项草稿，请检查后提交审核。") % {"len": len(job.imported_codes)}
        )
        return redirect("catalog:import_job", job_id=job.pk)
    return _job_page(request, job, status=422)


@catalog_staff_view
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The blank layout with one example item, filled with the editor's own department."""
    _require_editor(request)
    department = access.editable_departments(request.user).select_related("region").order_by("pk").first()
    # The example row must import as it is: a basic item the department can implement.
    basic_item = selectors.claimable_basic_items(department).order_by("code", "pk").first()
    writers: dict[str, tuple[Callable[..., bytes], str]] = {
        "xlsx": (exports.template_xlsx, XLSX_TYPE),
        "csv": (exports.template_csv, CSV_TYPE),
    }
    if fmt not in writers:
        raise NotFound(gettext("没有这种格式的模板。"))
    writer, content_type = writers[fmt]
    return _download(writer(department, basic_item), gettext("实施清单导入模板.%(fmt)s") % {"fmt": fmt}, content_type)


@catalog_staff_view
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    departments = access.editable_departments(request.user).select_related("region").order_by("region__code", "name")
    return render(request, "catalog/imports/export.html", {"departments": departments})


@catalog_staff_view
@require_GET
def export_download(request: HttpRequest) -> HttpResponse:
    """The published items of one department (or all the editor's departments) in the import layout."""
    _require_editor(request)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise BadInput(gettext("导出格式只能是 xlsx 或 csv。"))
    department = None
    raw_department = request.GET.get("department", "").strip()
    if raw_department:
        if not raw_department.isdigit() or len(raw_department) > 18:
            raise NotFound(gettext("未找到该实施机关。"))
        department = Department.objects.filter(pk=int(raw_department)).first()
        if department is None:
            raise NotFound(gettext("未找到该实施机关。"))
        if not access.can_edit_department(request.user, department):
            raise PermissionDenied(gettext("您只能导出本部门（或经授权部门）的事项。"))
    items = exports.exportable_items(request.user, department)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = gettext("实施清单-%(value)s-%(stamp)s.%(fmt)s") % {
        "value": department.name if department else gettext("全部"),
        "stamp": stamp,
        "fmt": fmt,
    }
    if fmt == "csv":
        return _download(exports.export_items_csv(items), name, CSV_TYPE)
    return _download(exports.export_items_xlsx(items), name, XLSX_TYPE)
