"""The asyncio HTTP driver of `make bench`: concurrent clients through the real REST API (aiohttp).

No Django here: the clients know only URLs, bearer keys and what the API answers. Each client is one
citizen with the staff of one item: the window's clerk and the department's three reviewers.
"""

import asyncio
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

API = "/api/v1/applications/"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
# What nginx adds in front of gunicorn in production (SECURE_PROXY_SSL_HEADER): no redirect to https.
HEADERS = {"X-Forwarded-Proto": "https"}


@dataclass
class Persona:
    citizen: str  # bearer keys
    name: str
    id_number: str
    clerk: str
    handler: str
    checker: str
    approver: str
    item_code: str
    requirements: list[int]


@dataclass
class Reads:
    """Who reads what in the reads phase: (label, key, path)."""

    calls: list[tuple[str, str, str]]


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: dict[str, str] = field(default_factory=dict)
    lifecycles: int = 0
    requests: int = 0

    def record(self, label: str, ms: float, ok: bool, detail: str = "") -> None:
        self.samples[label].append(ms)
        self.requests += 1
        if not ok:
            self.errors[label] += 1
            self.error_examples.setdefault(label, detail[:300])

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            label: percentiles(values) | {"errors": self.errors.get(label, 0)} for label, values in self.samples.items()
        }


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1), "p95": at(0.95), "p99": at(0.99)}


class Failed(Exception):
    pass


async def call(
    session: aiohttp.ClientSession, stats: Stats, label: str, method: str, path: str, key: str, expect: int = 200, **kw
) -> Any:
    start = time.perf_counter()
    try:
        async with session.request(method, path, headers=HEADERS | {"Authorization": f"Bearer {key}"}, **kw) as r:
            body = await r.read()
            ms = (time.perf_counter() - start) * 1000
            ok = r.status == expect
            stats.record(label, ms, ok, f"{r.status} {body[:300]!r}")
            if not ok:
                raise Failed(label)
            return await r.json(content_type=None) if body else None
    except (TimeoutError, aiohttp.ClientError) as exc:
        stats.record(label, (time.perf_counter() - start) * 1000, False, repr(exc))
        raise Failed(label) from exc


async def lifecycle(session: aiohttp.ClientSession, stats: Stats, p: Persona, n: int) -> None:
    """create, fill, 2 uploads, submit, accept, 2 passes, decide, deliver, read: 11 requests."""
    start = {"item": p.item_code, "acting_as": "self", "name": p.name, "id_number": p.id_number}
    draft = await call(session, stats, "create", "POST", API, p.citizen, 201, json=start)
    url = f"{API}drafts/{draft['id']}/"
    form = {"form_data": {"applicant_name": p.name, "id_number": p.id_number}}
    await call(session, stats, "fill", "PATCH", url, p.citizen, json=form)
    for requirement in p.requirements[:2]:
        data = aiohttp.FormData()
        data.add_field("requirement", str(requirement))
        data.add_field("file", PDF, filename="材料.pdf", content_type="application/pdf")
        await call(session, stats, "upload", "POST", f"{url}materials/", p.citizen, 201, data=data)
    case = await call(session, stats, "submit", "POST", f"{url}submit/", p.citizen, json={"declaration": True})
    number = case["number"]
    case_url = f"{API}{number}/"
    await call(session, stats, "accept", "POST", f"{case_url}accept/", p.clerk)
    await call(session, stats, "pass", "POST", f"{case_url}pass/", p.handler, json={"opinion": "材料齐全"})
    await call(session, stats, "pass", "POST", f"{case_url}pass/", p.checker, json={"opinion": "同意"})
    grant = {
        "outcome": "granted",
        "reasons": "符合。",
        "certificate_number": f"XK-{number}",
        "valid_until": "2031-12-31",
    }
    await call(session, stats, "decide", "POST", f"{case_url}decide/", p.approver, json=grant)
    delivery = {"method": "collect", "recipient_name": p.name, "recipient_id_number": p.id_number}
    await call(session, stats, "deliver", "POST", f"{case_url}deliver/", p.clerk, json=delivery)
    read = await call(session, stats, "read", "GET", case_url, p.citizen)
    if read["status"] != "concluded":
        stats.record("read", 0, False, f"status {read['status']}")
        raise Failed("read")
    stats.lifecycles += 1


async def _until(deadline: float, work) -> None:
    n = 0
    while time.perf_counter() < deadline:
        try:
            await work(n)
        except Failed:
            await asyncio.sleep(0.05)
        n += 1


def _session(base: str, clients: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=base,
        connector=aiohttp.TCPConnector(limit=clients * 2),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def lifecycles(base: str, personas: list[Persona], seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    async with _session(base, len(personas)) as session:
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(_until(deadline, lambda n, p=p: lifecycle(session, stats, p, n)) for p in personas))
        return stats, time.perf_counter() - start


async def reads(base: str, calls: list[tuple[str, str, str]], clients: int, seconds: float) -> tuple[Stats, float]:
    """Each client walks the list of heavy reads round and round, starting at its own place."""
    stats = Stats()

    async def one(offset: int, n: int) -> None:
        label, key, path = calls[(offset + n) % len(calls)]
        await call(session, stats, label, "GET", path, key)

    async with _session(base, clients) as session:
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(_until(deadline, lambda n, c=c: one(c, n)) for c in range(clients)))
        return stats, time.perf_counter() - start


async def baseline(base: str, clients: int, seconds: float) -> tuple[Stats, float]:
    """The bare DRF app: create a note, list the owner's page, over and over."""
    stats = Stats()

    async def one(owner: int, n: int) -> None:
        for label, method, kw, expect in (
            ("create", "POST", {"json": {"title": f"记录{n}", "body": "内容", "owner": owner}}, 201),
            ("list", "GET", {"params": {"owner": str(owner)}}, 200),
        ):
            start = time.perf_counter()
            try:
                async with session.request(method, "/notes/", **kw) as r:
                    await r.read()
                    stats.record(label, (time.perf_counter() - start) * 1000, r.status == expect, str(r.status))
            except aiohttp.ClientError as exc:
                stats.record(label, (time.perf_counter() - start) * 1000, False, repr(exc))

    async with _session(base, clients) as session:
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(_until(deadline, lambda n, c=c: one(c, n)) for c in range(clients)))
        return stats, time.perf_counter() - start
