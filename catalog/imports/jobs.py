"""Import jobs: upload, the validation pass (checks in memory), confirmation and the one write."""

import datetime as dt
import io
import json
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from catalog import access
from catalog.imports import bulk, reading
from catalog.imports.layout import CHUNK_ROWS, CODE, INLINE_MAX_ROWS, MAX_PROBLEMS_KEPT
from catalog.imports.planning import plan_rows
from catalog.imports.preview import Preview, base_moved
from catalog.imports.reading import ParsedFile, Problem, check_import_upload, file_error
from catalog.models import (
    ImportJob,
)
from portal.exceptions import BadInput, InvalidTransition, NotFound, PermissionDenied

logger = logging.getLogger(__name__)

# A confirmed job still 正在导入 this long after its confirmation (or its last restart), with no
# worker writing it, lost its task (a broker message lost with Redis, a killed worker): sent again.
STALLED_AFTER = dt.timedelta(minutes=10)


# --- Writing -----------------------------------------------------------------------------------
def _stored_problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [asdict(p) for p in problems[:MAX_PROBLEMS_KEPT]]


def _job_file(job: ImportJob) -> tuple[ParsedFile, str]:
    with job.file.open("rb") as stored:
        return reading.read_import_file(io.BytesIO(stored.read()), file_format=job.file_format)


def start_import(*, actor: Any, upload: UploadedFile) -> ImportJob:
    """Check an uploaded file and keep it as a queued job; BadInput (400) if the file is malformed."""
    if not access.is_catalog_editor(actor):
        raise PermissionDenied(gettext("只有事项编辑人员可以导入实施清单。"))
    file_format, encoding, parsed = check_import_upload(upload)
    if parsed is not None and not parsed.rows:
        raise file_error(gettext("文件中没有事项行，请按模板填写后重新上传。"))
    upload.seek(0)
    return ImportJob.objects.create(
        created_by=actor,
        file=upload,
        file_name=(upload.name or "")[-200:],
        file_format=file_format,
        encoding=encoding,
        # 0 until the worker has read a file too large to read within the request.
        total_rows=len(parsed.rows) if parsed is not None else 0,
    )


def validates_inline(job: ImportJob) -> bool:
    """Whether the request itself validates (and writes) the job: a file read at upload, of few rows."""
    return 0 < job.total_rows <= INLINE_MAX_ROWS


def validate_import(*, job_id: int) -> ImportJob:
    """The validation pass: every row read and checked in memory (catalog.imports.bulk); the report
    and the preview stored on the job. Writes nothing but the job; the progress counter is committed
    between chunks so the editor's page can show it. Safe to run again (a redelivered task starts over).
    """
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.VALIDATING]
    ).update(status=ImportJob.Status.VALIDATING, processed_rows=0)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job
    try:
        parsed, _ = _job_file(job)
        if not parsed.rows:  # a large XLSX is read here for the first time
            raise file_error(gettext("文件中没有事项行，请按模板填写后重新上传。"))
        plans, problems = plan_rows(parsed, job.created_by)
        total, done = len(parsed.rows), len(parsed.rows) - len(plans)
        ImportJob.objects.filter(pk=job.pk).update(total_rows=total, processed_rows=done)
        preview = Preview()
        # Checked in chunks so the editor's page shows the progress (committed between chunks).
        for start in range(0, len(plans), CHUNK_ROWS):
            chunk = plans[start : start + CHUNK_ROWS]
            drafts, chunk_problems = bulk.check_plans(chunk, actor=job.created_by, sheet=parsed.sheet)
            problems += chunk_problems
            for draft in drafts:
                preview.add_changes(
                    row=draft.plan.row, name=draft.item.name, existing=draft.plan.existing, changes=draft.changes
                )
            done += len(chunk)
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)
    except BadInput as exc:
        return _finish(job, ImportJob.Status.FAILED, error_message=exc.message)
    except Exception:
        _finish(
            job,
            ImportJob.Status.FAILED,
            error_message=gettext("校验过程中出现系统错误，请稍后重新上传；如仍失败请联系管理员。"),
        )
        raise
    problems.sort(key=lambda p: (p.sheet != parsed.sheet, p.sheet, p.row or 0))
    status = ImportJob.Status.INVALID if problems else ImportJob.Status.VALID
    return _finish(
        job,
        status,
        problems=problems,
        processed_rows=total,
        validated_at=timezone.now(),
        preview=preview.as_json() if status == ImportJob.Status.VALID else {},
    )


def _finish(job: ImportJob, status: str, *, problems: list[Problem] | None = None, **fields: Any) -> ImportJob:
    fields["status"] = status
    if problems is not None:
        fields["problems"] = _stored_problems(problems)
        fields["problem_count"] = len(problems)
    # Labels in the preview and problems may be lazy texts (verbose names, choices): stored as text.
    fields = {
        k: json.loads(json.dumps(v, cls=DjangoJSONEncoder)) if isinstance(v, list | dict) else v
        for k, v in fields.items()
    }
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def get_import_job_for(user: Any, job_id: int) -> ImportJob:
    """A job is seen by the editor who uploaded it; to anyone else it does not exist (404)."""
    job = ImportJob.objects.filter(pk=job_id, created_by_id=getattr(user, "pk", None)).first()
    if job is None:
        raise NotFound(gettext("未找到该导入任务，或您无权查看。"))
    return job


@transaction.atomic
def confirm_import(*, actor: Any, job_id: int) -> ImportJob:
    """The editor confirms a valid job; only the first confirmation counts (409 after that)."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id, created_by_id=actor.pk).first()
    if job is None:
        raise NotFound(gettext("未找到该导入任务，或您无权查看。"))
    if job.status != ImportJob.Status.VALID:
        if job.status in (ImportJob.Status.IMPORTING, ImportJob.Status.IMPORTED):
            raise InvalidTransition(gettext("该文件已确认导入，不会重复写入。"))
        raise InvalidTransition(
            gettext("该导入任务当前为“%(status)s”，只有校验通过的文件才能确认导入。")
            % {"status": job.get_status_display()}
        )
    job.status = ImportJob.Status.IMPORTING
    job.confirmed_at = timezone.now()
    job.save(update_fields=["status", "confirmed_at"])
    return job


class _ImportAborted(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def write_import(*, job_id: int) -> ImportJob:
    """Write every row of a confirmed job as drafts in ONE transaction; nothing at all if any row fails.

    Safe to run twice: the job row is locked and only a job still marked 正在导入 is written.
    """
    try:
        # durable: this must be the outermost transaction, so "nothing at all" really holds.
        with transaction.atomic(durable=True):
            job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
            if job.status != ImportJob.Status.IMPORTING:
                return job
            parsed, _ = _job_file(job)
            # Planned, locked as the services lock, then planned again: what was read before the
            # locks may have changed (a draft opened, a version published) while they were awaited.
            plans, _ = plan_rows(parsed, job.created_by)
            bulk.lock_for_write(plans)
            plans, problems = plan_rows(parsed, job.created_by)
            moved = {plan.row for plan in plans if base_moved(job.preview, row=plan.row, existing=plan.existing)}
            problems += [
                Problem(
                    parsed.sheet,
                    plan.row,
                    plan.name,
                    CODE,
                    gettext("校验后该事项已发布了新版本，确认前看到的变更已不准确，请重新上传以查看新的变更。"),
                )
                for plan in plans
                if plan.row in moved
            ]
            drafts, row_problems = bulk.check_plans(
                [p for p in plans if p.row not in moved], actor=job.created_by, sheet=parsed.sheet
            )
            problems += row_problems
            if not problems:
                try:
                    codes = bulk.write_drafts(drafts, actor=job.created_by, file_name=job.file_name)
                except (IntegrityError, DataError) as exc:
                    logger.info("import job %s hit a database constraint: %s", job.pk, exc)
                    problems.append(
                        Problem(
                            parsed.sheet,
                            None,
                            "",
                            "",
                            gettext("该行数据与目录中已有数据冲突或不符合数据约束，请核对实施编码、时限等内容。"),
                        )
                    )
            if problems:
                raise _ImportAborted(problems)
            job.status = ImportJob.Status.IMPORTED
            job.imported_codes = codes
            job.processed_rows = job.total_rows = len(parsed.rows)
            job.imported_at = timezone.now()
            job.save(update_fields=["status", "imported_codes", "processed_rows", "total_rows", "imported_at"])
            return job
    except _ImportAborted as aborted:
        job = ImportJob.objects.get(pk=job_id)
        return _finish(
            job,
            ImportJob.Status.FAILED,
            problems=aborted.problems,
            error_message=gettext(
                "写入时发现问题（目录在校验后可能已有变化），没有导入任何事项。请根据问题清单修改后重新上传。"
            ),
        )
    except Exception:
        _finish(
            ImportJob.objects.get(pk=job_id),
            ImportJob.Status.FAILED,
            error_message=gettext("导入过程中出现系统错误，没有导入任何事项。"),
        )
        raise


def restart_stalled_imports(*, send: Callable[[int], Any], now: dt.datetime | None = None) -> list[int]:
    """Hand a stalled write over again, once per STALLED_AFTER: the sweep's part of the import.

    A job being written is locked by its write (``write_import`` holds the row for its one
    transaction), so ``skip_locked`` passes it by: only a job nobody is writing is restarted.
    ``restarted_at`` is set in the same transaction, so a second sweep does not send it again.
    """
    now = now or timezone.now()
    stalled_since = now - STALLED_AFTER
    with transaction.atomic():
        job_ids = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(status=ImportJob.Status.IMPORTING)
            .filter(Q(restarted_at__lt=stalled_since) | Q(restarted_at__isnull=True, confirmed_at__lt=stalled_since))
            .order_by("pk")
            .values_list("pk", flat=True)[:100]
        )
        ImportJob.objects.filter(pk__in=job_ids).update(restarted_at=now)
    for job_id in job_ids:
        logger.warning("import job %s stalled while importing; its write is sent again", job_id)
        try:
            send(job_id)
        except Exception as exc:  # the broker is down: the next sweep after STALLED_AFTER tries again
            logger.warning("could not restart import job %s: %s: %s", job_id, type(exc).__name__, exc)
    return job_ids
