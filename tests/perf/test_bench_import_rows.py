"""`make bench`: the implementation-list import in rows per second and SQL queries per row.

A file of IMPORT_BENCH_ROWS rows (default 10,000): nine in ten new items, one in ten a new version of
a published item (3 materials, a situation and 2 steps each), through the worker's two passes
(validation, then the one write after 确认导入). Prints rows/s and queries per row of each pass.

    PORTAL_DB_NAME=… bash scripts/test.sh --bench -k import_rows         # 10,000 rows
    IMPORT_BENCH_ROWS=1000 bash scripts/test.sh --bench -k import_rows   # a quicker look

Reference, 300 rows (30 new versions), on 2 cores shared with other helpers' test runs, same run:
before the in-memory check and bulk write (catalog/imports/bulk.py): validation 153.7 s (2 rows/s,
41.8 queries/row), write 62.1 s (5 rows/s, 39.4 queries/row); after: validation 1.0 s (309 rows/s,
1.5 queries/row), write 2.2 s (134 rows/s, 1.5 queries/row). 10,000 rows not yet measured after.
"""

import os
import time

from django.db import connection

from catalog.models import ImportJob, MaterialRequirement, ServiceItem
from catalog.tasks import validate_import_job, write_import_job
from tests.catalog.test_import import client_x, confirm, csv_bytes, item_row, latest_job, upload  # noqa: F401
from tests.factories import BasicItemFactory, ServiceItemFactory

ROWS = int(os.environ.get("IMPORT_BENCH_ROWS", "10000"))


def _timed(job_id: int, task) -> tuple[float, int]:
    count = 0

    def counted(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        task(job_id)
        elapsed = time.perf_counter() - started
    return elapsed, count


def test_import_rows_per_second(client_x, department_x):  # noqa: F811
    basic_count = max(ROWS // 50, 1)
    basic_items = [BasicItemFactory(code=f"0001{n:08d}") for n in range(basic_count)]
    updates = ROWS // 10
    published = [
        ServiceItemFactory(
            department=department_x,
            basic_item=basic_items[n % basic_count],
            code=f"{department_x.uscc}U{n:08d}",
            status=ServiceItem.Status.PUBLISHED,
        )
        for n in range(1, updates + 1)
    ]
    rows = [
        item_row(i, department_x, basic_items[i % basic_count], 实施编码=published[i - 1].code if i <= updates else "")
        for i in range(1, ROWS + 1)
    ]
    content = csv_bytes(rows)
    assert upload(client_x, "批量事项.csv", content).status_code == 302
    job = latest_job()

    validate_seconds, validate_queries = _timed(job.pk, validate_import_job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALID, job.problems[:5]
    assert job.preview["counts"]["new"] == ROWS - updates
    assert confirm(client_x, job).status_code == 302
    write_seconds, write_queries = _timed(job.pk, write_import_job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTED, job.problems[:5]
    assert ServiceItem.objects.filter(status=ServiceItem.Status.DRAFT).count() == ROWS
    assert MaterialRequirement.objects.filter(item__status=ServiceItem.Status.DRAFT).count() == 3 * ROWS

    print(f"\nimport of {ROWS:,} rows ({len(content) / 1048576:.1f} MB CSV, {updates:,} of them new versions):")
    for name, seconds, queries in (
        ("validation", validate_seconds, validate_queries),
        ("write", write_seconds, write_queries),
    ):
        print(f"  {name:<10} {seconds:7.1f} s  {ROWS / seconds:7.0f} rows/s  {queries / ROWS:6.1f} queries/row")
    total = validate_seconds + write_seconds
    print(f"  both       {total:7.1f} s  {ROWS / total:7.0f} rows/s")
