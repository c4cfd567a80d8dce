"""`make bench`: figures for the catalog on a county's real size. Prints; asserts only correctness.

Run with `make bench` (not part of `make test`).
"""

import statistics
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors

QUERIES = ["营业执照", "社保卡", "婚姻", "登记", "许可", "演示", "证明", "不存在的事项名称"]


def timed(fn, repeat: int = 20) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


@pytest.fixture
def county(db):
    start = time.perf_counter()
    call_command("seed_demo", "--no-accounts", verbosity=0)
    call_command("seed_bulk", "--count", "2000", verbosity=0)
    print(f"\nseed_demo + seed_bulk(2000): {time.perf_counter() - start:.1f} s")


def test_search_on_2000_items(county, client):
    print(f"{'query':<14}{'hits':>6}{'selector ms (median/max)':>28}{'page ms (median/max)':>26}{'SQL':>6}")
    for query in QUERIES:
        hits = selectors.search_published_items(query=query).count()
        selector_ms = timed(lambda q=query: list(selectors.search_published_items(query=q)[:20]))
        page_ms = timed(lambda q=query: client.get("/items/", {"q": q}), repeat=10)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/items/", {"q": query}).status_code == 200
        print(
            f"{query:<14}{hits:>6}{selector_ms[0]:>16.1f} / {selector_ms[1]:<9.1f}"
            f"{page_ms[0]:>14.1f} / {page_ms[1]:<9.1f}{len(queries):>6}"
        )


def test_guide_page_and_pdf(county, client):
    item = selectors.published_items().filter(name__contains="婚姻").first()
    page_ms = timed(lambda: client.get(item.get_absolute_url()), repeat=10)
    pdf_ms = timed(lambda: client.get(item.get_absolute_url() + "guide.pdf"), repeat=3)
    print(f"\nguide page: median {page_ms[0]:.1f} ms, max {page_ms[1]:.1f} ms")
    print(f"guide PDF:  median {pdf_ms[0]:.1f} ms, max {pdf_ms[1]:.1f} ms (first render includes font loading)")
