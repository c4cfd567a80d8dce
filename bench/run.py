"""`make bench SCALE=10k|100k|1m`: seed (or reuse) bench_<scale>, start gunicorn (gunicorn.conf.py, DEBUG
off), a Celery worker and beat against it and the bare DRF baseline beside it, drive both over HTTP,
time the sweeps with DUE_ROWS due, EXPLAIN the heavy reads, print one table and write
bench/results/<scale>.json.

    python -m bench.run --scale 100k [--clients 6] [--seconds 60] [--reseed] [--no-save]
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg2

from bench import driver
from bench.env import BASELINE_DB, ROOT, SCALES, VAR, database_url, free_port, portal_env

RESULTS = ROOT / "bench" / "results"
PY = sys.executable


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- Databases -------------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    conn = psycopg2.connect(database_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def _exists(name: str) -> bool:
    conn = psycopg2.connect(database_url("postgres"))
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare_portal_db(name: str, env: dict[str, str], scale: int, clients: int, reseed: bool) -> dict[str, Any]:
    """Migrate; seed unless bench_meta says this scale and schema are there already."""
    if reseed and _exists(name):
        _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    if not _exists(name):
        _admin(f'CREATE DATABASE "{name}"')
    _manage(env, "migrate", "--noinput")
    import django

    django.setup()
    from django.db import connection

    from bench import seed

    found = seed.seeded_scale()
    if found == (scale, seed.schema_version()):
        log(f"{name}: seeded already ({scale:,} cases, schema {found[1]}), reused")
        return {"reused": True}
    if found is not None:  # another schema or scale: start again from an empty database
        log(f"{name}: seeded for {found}, not {(scale, seed.schema_version())}: re-created")
        connection.close()
        _admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
        _manage(env, "migrate", "--noinput")
    log(f"{name}: seeding {scale:,} cases (COPY)…")
    report = seed.seed(scale, clients + 1)
    log(f"{name}: seeded in {report['world_s'] + report['copy_s'] + report['analyze_s']:.0f} s: {report}")
    return {"reused": False} | report


def prepare_baseline_db() -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.baseline.settings", "DATABASE_URL": database_url(BASELINE_DB)}
    if not _exists(BASELINE_DB):
        _admin(f'CREATE DATABASE "{BASELINE_DB}"')
    subprocess.run(
        [PY, "-m", "django", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return env


# --- Processes ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def processes(portal: dict[str, str], baseline: dict[str, str]):
    """gunicorn for the portal and for the baseline (same gunicorn.conf.py), a worker and one beat."""
    VAR.mkdir(parents=True, exist_ok=True)
    ports = {"portal": free_port(), "baseline": free_port()}
    web = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}
    commands = {
        "portal": (
            [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi:application"],
            portal | web | {"GUNICORN_BIND": f"127.0.0.1:{ports['portal']}"},
        ),
        "baseline": (
            [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bench.baseline.wsgi:application"],
            baseline | web | {"GUNICORN_BIND": f"127.0.0.1:{ports['baseline']}"},
        ),
        "worker": ([PY, "-m", "celery", "-A", "portal", "worker", "--loglevel=WARNING", "--concurrency=2"], portal),
        "beat": (
            [PY, "-m", "celery", "-A", "portal", "beat", "--loglevel=WARNING"]
            + ["--scheduler", "portal.beat:SingleBeatScheduler", f"--schedule={VAR / 'beat-schedule'}"],
            portal,
        ),
    }
    running = {}
    try:
        for name, (command, env) in commands.items():
            out = (VAR / f"{name}.log").open("wb")
            running[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        for name, path in (("portal", "/api/v1/items/?page_size=1"), ("baseline", "/notes/")):
            _wait(f"http://127.0.0.1:{ports[name]}{path}", running[name])
        yield {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    finally:
        for process in running.values():
            process.terminate()
        for process in running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait(url: str, process: subprocess.Popen) -> None:
    request = urllib.request.Request(url, headers=driver.HEADERS)
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited (see {VAR}/*.log)")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


# --- Personas, queries per lifecycle, sweeps, EXPLAIN (in this process, on the bench database) ---------------


def personas(clients: int) -> tuple[list[driver.Persona], list[tuple[str, str, str]], Any]:
    from applications.models import Application
    from bench import seed
    from portal.tokens import issue_api_token

    world = seed.load_world(clients + 1)
    key = {}

    def token(user: Any) -> str:
        if user.pk not in key:
            key[user.pk] = issue_api_token(user=user)[1]
        return key[user.pk]

    people = []
    for n in range(clients + 1):
        item = world.items[(n * 7) % len(world.items)]
        handler, checker, approver = world.reviewers[item.department_id]
        citizen, id_number = world.citizens[n]
        people.append(
            driver.Persona(
                citizen=token(citizen),
                name=citizen.real_name,
                id_number=id_number,
                clerk=token(world.clerks[item.region_id]),
                handler=token(handler),
                checker=token(checker),
                approver=token(approver),
                item_code=item.code,
                requirements=item.req_ids,
            )
        )
    first = world.items[0]
    in_review = (
        Application.objects.filter(department_id=first.department_id, status="in_review")
        .values_list("number", flat=True)
        .first()
    )
    handler = world.reviewers[first.department_id][0]
    reads = [
        ("reviewer queue", token(handler), "/api/v1/review/tasks/"),
        ("pre-review queue", token(world.clerks[first.region_id]), "/api/v1/hall/prereview/"),
        ("my applications", people[0].citizen, "/api/v1/applications/"),
        ("catalog search", people[0].citizen, "/api/v1/items/?q=%E5%9F%BA%E5%87%86"),
        ("case page", token(handler), f"/api/v1/applications/{in_review}/"),
        ("supervisor figures", token(world.supervisor), "/api/v1/supervision/figures/"),
    ]
    return people[:clients], reads, people[clients]


def queries_per_lifecycle(persona: driver.Persona) -> dict[str, int]:
    """One lifecycle in this process with DRF's test client, counting each request's SQL statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    counts: dict[str, int] = {}

    def client(key: str) -> APIClient:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_FORWARDED_PROTO="https")
        return c

    def step(label: str, key: str, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client(key), method)(path, **kw)
        assert response.status_code == expect, (label, response.status_code, response.content[:300])
        counts[label] = counts.get(label, 0) + len(captured)
        return response.json() if response.content else None

    p, api = persona, driver.API
    body = {"item": p.item_code, "acting_as": "self", "name": p.name, "id_number": p.id_number}
    draft = step("create", p.citizen, "post", api, 201, data=body, format="json")
    url = f"{api}drafts/{draft['id']}/"
    form = {"form_data": {"applicant_name": p.name, "id_number": p.id_number}}
    step("fill", p.citizen, "patch", url, data=form, format="json")
    from django.core.files.uploadedfile import SimpleUploadedFile

    for requirement in p.requirements[:2]:
        upload = {"requirement": requirement, "file": SimpleUploadedFile("材料.pdf", driver.PDF, "application/pdf")}
        step("upload", p.citizen, "post", f"{url}materials/", 201, data=upload, format="multipart")
    number = step("submit", p.citizen, "post", f"{url}submit/", data={"declaration": True}, format="json")["number"]
    case = f"{api}{number}/"
    step("accept", p.clerk, "post", f"{case}accept/")
    step("pass", p.handler, "post", f"{case}pass/", data={"opinion": "材料齐全"}, format="json")
    step("pass", p.checker, "post", f"{case}pass/", data={"opinion": "同意"}, format="json")
    grant = {
        "outcome": "granted",
        "reasons": "符合。",
        "certificate_number": f"XK-{number}",
        "valid_until": "2031-12-31",
    }
    step("decide", p.approver, "post", f"{case}decide/", data=grant, format="json")
    delivery = {"method": "collect", "recipient_name": p.name, "recipient_id_number": p.id_number}
    step("deliver", p.clerk, "post", f"{case}deliver/", data=delivery, format="json")
    step("read", p.citizen, "get", case)
    counts["lifecycle"] = sum(counts.values())
    return counts


class _Rollback(Exception):
    pass


def sweeps(repeat: int = 3) -> dict[str, Any]:
    """Each sweep with DUE_ROWS due (clock SWEEP_DAY) and with nothing due (clock: a day before anything
    is), each run in a transaction rolled back, so every run and every scale sees the same rows."""
    from django.db import transaction
    from django.utils import timezone

    from applications import services
    from bench.seed import SWEEP_DAY
    from portal.clock import FixedClock
    from reviews import evaluations

    names = {
        "auto-accept": services.sweep_auto_accept,
        "corrections": services.sweep_expired_corrections,
        "lights": services.sweep_lights,
        "steps": services.sweep_overdue_steps,
        "certificates": services.sweep_late_certificates,
        "follow-ups": evaluations.sweep_follow_ups,
    }
    due_clock = FixedClock(timezone.make_aware(dt.datetime.combine(SWEEP_DAY, dt.time(10))))
    idle_clock = FixedClock(timezone.make_aware(dt.datetime(2026, 12, 1, 10)))
    result: dict[str, Any] = {}
    for name, sweep in names.items():
        for label, clock in (("due", due_clock), ("idle", idle_clock)):
            samples, done = [], None
            for _ in range(repeat):
                start = time.perf_counter()
                try:
                    with transaction.atomic():
                        done = sweep(clock=clock)
                        samples.append((time.perf_counter() - start) * 1000)
                        raise _Rollback
                except _Rollback:
                    pass
            result.setdefault(name, {})[label] = {"ms": round(statistics.median(samples), 1), "done": done}
    return result


def explain(reads: list[tuple[str, str, str]], out: Path) -> dict[str, Any]:
    """Every statement of each heavy read (in-process request), EXPLAIN ANALYZEd; the slowest per read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    summary, text = {}, []
    for label, key, path in reads:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_FORWARDED_PROTO="https")
        c.get(path)  # warm
        with CaptureQueriesContext(connection) as captured:
            assert c.get(path).status_code == 200, path
        plans = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                ms = float(plan.rsplit("Execution Time: ", 1)[1].split(" ")[0])
                plans.append((ms, sql, plan))
        plans.sort(reverse=True)
        summary[label] = {
            "statements": len(captured),
            "sql_ms_total": round(sum(p[0] for p in plans), 2),
            "slowest_ms": round(plans[0][0], 2) if plans else 0,
            "seq_scans": sorted(
                {
                    line.split("Seq Scan on ")[1].split(" ")[0]
                    for _, _, plan in plans
                    for line in plan.splitlines()
                    if "Seq Scan on " in line
                }
            ),
        }
        text.append(f"### {label}: {path} ({len(captured)} statements)\n")
        for ms, sql, plan in plans[:3]:
            text.append(f"-- {ms:.2f} ms\n{sql}\n{plan}\n")
    out.write_text("\n".join(text))
    return summary


# --- The table ---------------------------------------------------------------------------------------------------


def table(result: dict[str, Any]) -> str:
    life, reads, base = result["lifecycles"], result["reads"], result["baseline"]
    lines = [
        f"issue 12 bench · {result['scale']:,} cases · {result['cores']} cores · {result['clients']} clients · "
        f"load {result['load_before'][0]:.2f} → {result['load_after'][0]:.2f}",
        f"{'':34}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'SQL':>6}",
    ]

    def row(label: str, s: dict[str, Any], sql: Any = "") -> str:
        if not s.get("n"):
            return f"{label:34}{0:>7}"
        return f"{label:34}{s['n']:>7}{s['p50']:>9.1f}{s['p95']:>9.1f}{s['p99']:>9.1f}{s['errors']:>8}{sql!s:>6}"

    lines.append(
        f"portal lifecycles/s {life['per_second']:.2f}, requests/s {life['requests_per_second']:.1f}"
        f" ({life['count']} lifecycles in {life['seconds']:.0f} s;"
        f" SQL a lifecycle {result['queries'].get('lifecycle')})"
    )
    for label, s in life["endpoints"].items():
        lines.append(row(f"  {label}", s, result["queries"].get(label, "")))
    lines.append(f"heavy reads, requests/s {reads['requests_per_second']:.1f}")
    for label, s in reads["endpoints"].items():
        lines.append(row(f"  {label}", s, result.get("explain", {}).get(label, {}).get("statements", "")))
    lines.append(
        f"bare DRF baseline requests/s {base['requests_per_second']:.1f}"
        f" (portal/baseline {life['requests_per_second'] / max(base['requests_per_second'], 0.01):.2f})"
    )
    for label, s in base["endpoints"].items():
        lines.append(row(f"  {label}", s))
    lines.append(f"sweeps (ms, rows done) with {result['due_rows']} due · with nothing due")
    for name, s in result["sweeps"].items():
        lines.append(f"  {name:32}{s['due']['ms']:>9.1f} {s['due']['done']!s:>12}   {s['idle']['ms']:>9.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="10k", choices=sorted(SCALES))
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=60, help="the lifecycle phase; reads and baseline half")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-save", action="store_true", help="print only, write no JSON")
    parser.add_argument("--seed-only", action="store_true")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    # BENCH_DB: a database of one's own (several sessions on one machine), else bench_<scale>.
    name = os.environ.get("BENCH_DB") or f"bench_{args.scale}"
    env = portal_env(name)
    env["DJANGO_ALLOWED_HOSTS"] += ",testserver"
    os.environ.update(env)
    seeding = prepare_portal_db(name, env, scale, args.clients, args.reseed)
    if args.seed_only:
        return
    _manage(env, "setup_schedule")
    baseline_env = prepare_baseline_db()
    people, reads, spare = personas(args.clients)
    queries = queries_per_lifecycle(spare)
    log(f"SQL statements: {queries}")
    swept = sweeps()
    log("sweeps timed")
    explained = explain(reads, RESULTS / f"explain_{args.scale}.txt")
    from django.db import connection

    connection.close()  # the clients below speak HTTP only
    result: dict[str, Any] = {
        "scale": scale,
        "cores": os.cpu_count(),
        "machine": platform.platform(),
        "clients": args.clients,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "gunicorn": "gthread, 2 workers × 4 threads (gunicorn.conf.py); worker --concurrency=2; one beat",
        "load_before": os.getloadavg(),
        "seeding": seeding,
        "queries": queries,
        "sweeps": swept,
        "due_rows": 50,
        "explain": explained,
    }
    with processes(env, baseline_env) as urls:
        log(f"servers up: {urls}; lifecycles for {args.seconds:.0f} s…")
        stats, seconds = asyncio.run(driver.lifecycles(urls["portal"], people, args.seconds))
        result["lifecycles"] = {
            "count": stats.lifecycles,
            "seconds": round(seconds, 1),
            "per_second": round(stats.lifecycles / seconds, 2),
            "requests_per_second": round(stats.requests / seconds, 1),
            "endpoints": stats.summary(),
            "error_examples": stats.error_examples,
        }
        log("heavy reads…")
        stats, seconds = asyncio.run(driver.reads(urls["portal"], reads, args.clients, args.seconds / 2))
        result["reads"] = {
            "requests_per_second": round(stats.requests / seconds, 1),
            "endpoints": stats.summary(),
            "error_examples": stats.error_examples,
        }
        log("bare DRF baseline…")
        stats, seconds = asyncio.run(driver.baseline(urls["baseline"], args.clients, args.seconds / 2))
        result["baseline"] = {
            "requests_per_second": round(stats.requests / seconds, 1),
            "endpoints": stats.summary(),
            "error_examples": stats.error_examples,
        }
    result["load_after"] = os.getloadavg()
    print(table(result))
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{args.scale}.json"
        path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n")
        log(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
