"""`make bench`: a 10,000-row implementation-list import (a county's whole list, five times over)."""

from tests.catalog.test_import import basic_item, client_x, run_large_import  # noqa: F401  (fixtures)


def test_a_10000_row_import(client_x, department_x):  # noqa: F811
    timings = run_large_import(client_x, department_x, 10_000)
    print(
        f"\n10,000-row import ({timings['megabytes']:.1f} MB CSV): upload {timings['upload']:.1f} s, "
        f"validation {timings['validate']:.1f} s, write {timings['write']:.1f} s"
    )
