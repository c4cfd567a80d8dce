"""`make bench`: the 效能监督 dashboard's figures on a year of cases. Prints; asserts only correctness.

BENCH_SUPERVISION_CASES (default 100,000) applications over 12 months of 8 departments, half of the
concluded ones rated (every level, a few defaulted and invalidated), bulk-loaded with bulk_create.
"""

import datetime as dt
import os
import random
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Application
from catalog.models import Department
from reviews import supervision
from reviews.models import Evaluation
from tests.applications.conftest import party  # noqa: F401
from tests.factories import ServiceItemFactory

CASES = int(os.environ.get("BENCH_SUPERVISION_CASES", "100000"))
BATCH = 5000


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


@pytest.fixture
def year_of_cases(db, department_x, party):  # noqa: F811
    rng = random.Random(7)
    departments = [department_x] + [
        Department.objects.create(region=department_x.region, name=f"部门{n}", uscc=f"11320115MB{n:07d}X"[:18])
        for n in range(7)
    ]
    items = [ServiceItemFactory(department=d) for d in departments]
    today = timezone.localdate()
    start = time.perf_counter()
    statuses = ["concluded"] * 6 + ["in_review", "submitted", "refused", "withdrawn"]
    for offset in range(0, CASES, BATCH):
        rows = []
        for n in range(offset, min(offset + BATCH, CASES)):
            k = rng.randrange(len(items))
            submitted = today - dt.timedelta(days=rng.randrange(365))
            accepted = submitted + dt.timedelta(days=1)
            status = rng.choice(statuses)
            concluded = accepted + dt.timedelta(days=rng.randrange(1, 15)) if status == "concluded" else None
            at = timezone.make_aware(dt.datetime.combine(submitted, dt.time(10)))
            rows.append(
                Application(
                    number=f"B{n:012d}",
                    item=items[k],
                    department=departments[k],
                    party=party,
                    status=status,
                    channel=rng.choice(["online", "online", "window"]),
                    delivery_method=rng.choice(["collect", "download"]),
                    submitted_at=at,
                    accepted_on=accepted if status != "submitted" else None,
                    due_on=accepted + dt.timedelta(days=10),
                    concluded_at=timezone.make_aware(dt.datetime.combine(concluded, dt.time(15)))
                    if concluded
                    else None,
                    workdays_used=(concluded - accepted).days * 5 // 7 if concluded else None,
                    workdays_promised=7 if concluded else None,
                )
            )
        Application.objects.bulk_create(rows)
    loaded = time.perf_counter() - start
    concluded = Application.objects.filter(status="concluded").values_list("pk", "department_id", "concluded_at")
    ratings = []
    for pk, department_id, concluded_at in concluded.iterator():
        if rng.random() < 0.5:
            ratings.append(
                Evaluation(
                    application_id=pk,
                    level=rng.choice([1, 1, 1, 2, 2, 3, 4, 5]),
                    status=rng.choice(["given"] * 18 + ["defaulted", "invalidated"]),
                    channel="pc",
                    department_id=department_id,
                    region_id=department_x.region_id,
                    item_code="x",
                    item_name="x",
                    created_at=concluded_at,
                )
            )
    Evaluation.objects.bulk_create(ratings, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application; ANALYZE reviews_evaluation")
    print(
        f"\nloaded {CASES} cases and {len(ratings)} ratings in {time.perf_counter() - start:.1f} s"
        f" (cases {loaded:.1f} s)"
    )
    return departments


def test_dashboard_figures_on_a_year(year_of_cases, client, supervisor):
    today = timezone.localdate()
    year = supervision.Filters(date_from=today - dt.timedelta(days=365), date_to=today)
    one = supervision.Filters(date_from=today - dt.timedelta(days=365), date_to=today, department=year_of_cases[0])
    print(f"{'figure':<34}{'ms (median/max)':>18}{'SQL':>6}")
    for name, fn in [
        ("figures, all departments", lambda: supervision.figures(year)),
        ("figures, one department", lambda: supervision.figures(one)),
        ("by department", lambda: supervision.by_department(year)),
        ("trend by month", lambda: supervision.trend(year)),
    ]:
        with CaptureQueriesContext(connection) as queries:
            fn()
        median, worst = timed(fn)
        print(f"{name:<34}{median:>9.0f} /{worst:>6.0f}{len(queries):>6}")
    from tests.conftest import login_verified

    login_verified(client, supervisor)
    median, worst = timed(lambda: client.get("/supervision/"), repeat=3)
    print(f"{'dashboard page':<34}{median:>9.0f} /{worst:>6.0f}")
    figures = supervision.figures(year)
    assert figures.concluded > 0 and figures.given > 0 and 0 < figures.good_rate <= 100
