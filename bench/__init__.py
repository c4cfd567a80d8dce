"""`make bench` (issue 12): seed a database at a scale, drive a production-like server, print one table.

Not part of `make test` and not an app: nothing in the portal imports it. See README ("Benchmarks").
"""
