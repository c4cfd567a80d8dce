"""The bench database at a scale: a small fixed world (regions, departments, items, halls, staff) made
through the portal's own services, then N applications with their parties, material rows, timelines,
tasks, results and deliveries bulk-loaded with COPY (psycopg2 ``copy_expert``).

Run inside Django (``python -m bench.run`` sets it up). Reused between runs: ``bench_meta`` holds the
scale and the schema version (the applied migrations and SEED_VERSION); a mismatch re-creates it.

Clock columns: the seeded cases are never due by the real clock (their dates lie after
SWEEP_DAY), so the live beat finds nothing during a run; DUE_ROWS cases per sweep are due on
SWEEP_DAY, the clock the sweeps are measured with, inside a transaction that is rolled back.
"""

import datetime as dt
import hashlib
import io
import json
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection, models, transaction
from django.utils import timezone

SEED_VERSION = "4"
SWEEP_DAY = dt.date(2027, 3, 2)  # the sweeps' clock; due rows lie before it, all others after it
DUE_ON = dt.date(2027, 2, 15)
LATER = dt.date(2027, 4, 1)  # not-due clock columns start here
DUE_ROWS = 50
REGIONS = 4
DEPARTMENTS_PER_REGION = 2
ITEMS_PER_DEPARTMENT = 5
CASES_PER_USER = 20
FORM = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
    {"name": "id_number", "label": "身份证号码", "type": "id_number", "required": True},
]
# The spread of states (per 100 cases) and how many review steps each has behind it.
STATES = (
    [("draft", 0)] * 5
    + [("submitted", 0)] * 8
    + [("correction_requested", 0)] * 3
    + [("in_review", 0)] * 6
    + [("in_review", 1)] * 5
    + [("in_review", 2)] * 4
    + [("suspended", 1)] * 2
    + [("decided", 3)] * 5
    + [("concluded", 3)] * 55
    + [("refused", 0)] * 3
    + [("withdrawn", 0)] * 4
)


@dataclass
class World:
    departments: list[Any]
    items: list[Any]  # with .req_ids and .step_ids
    windows: list[Any]
    clerks: dict[int, Any]  # region id → clerk
    reviewers: dict[int, list[Any]]  # department id → [handler, checker, approver]
    heads: dict[int, Any]
    supervisor: Any
    citizens: list[tuple[Any, str]]  # the driving citizens and their ID numbers


def _resident_id(n: int) -> str:
    """The n-th generated GB 11643 number: distinct for n < 1,500,000."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n % 15000)
    body = f"320102{birth:%Y%m%d}{n // 15000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


# --- Reuse -------------------------------------------------------------------------------------------


def schema_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        applied = ";".join(f"{a}.{n}" for a, n in cursor.fetchall())
    return hashlib.sha256(f"{SEED_VERSION}|{applied}".encode()).hexdigest()[:16]


def seeded_scale() -> tuple[int, str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT scale, version FROM bench_meta")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def mark_seeded(scale: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (scale integer, version text, seeded_at timestamptz)")
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta VALUES (%s, %s, now())", [scale, schema_version()])


# --- The world -----------------------------------------------------------------------------------------


def build_world(clients: int) -> None:
    """Regions, departments, items with two materials and three steps, halls with two windows each
    authorised 收件即受理 for the region's items, and the staff, through the portal's services."""
    from catalog.models import ProcessStep
    from portal.models import Role
    from portal.workdays import load_official_calendar
    from tests.factories import (
        DepartmentFactory,
        MaterialRequirementFactory,
        RegionFactory,
        ServiceItemFactory,
        UserFactory,
    )
    from windows import services as window_services
    from windows.models import ServiceHall, Window

    load_official_calendar(years=[2025, 2026])
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    sysadmin = UserFactory(username="bench_sysadmin", roles=[Role.SYSADMIN])
    UserFactory(username="bench_supervisor", real_name="监督员", roles=[Role.SUPERVISOR])
    for r in range(REGIONS):
        region = RegionFactory(code=f"3201{r + 11:02d}000000", name=f"基准{r + 1}区")
        hall = ServiceHall.objects.create(
            region=region, kind=ServiceHall.Kind.CENTER, name=f"基准{r + 1}区政务服务中心", address="政务大道1号"
        )
        windows = [Window.objects.create(hall=hall, number=str(n + 1)) for n in range(2)]
        for w, window in enumerate(windows):
            clerk = UserFactory(username=f"bench_clerk_{r}_{w}", real_name=f"窗口{r}{w}", roles=[Role.CLERK])
            window_services.assign_clerk(actor=sysadmin, window=window, clerk=clerk)
        for d in range(DEPARTMENTS_PER_REGION):
            department = DepartmentFactory(region=region, name=f"基准{r + 1}区第{d + 1}局")
            for k, name in enumerate(["handler", "checker", "approver"]):
                UserFactory(
                    username=f"bench_{name}_{department.pk}",
                    real_name=f"审查{department.pk}{k}",
                    department=department,
                    roles=[Role.REVIEWER],
                )
            UserFactory(
                username=f"bench_head_{department.pk}",
                real_name="负责人",
                department=department,
                roles=[Role.DEPT_HEAD],
            )
            for i in range(ITEMS_PER_DEPARTMENT):
                item = ServiceItemFactory(
                    department=department,
                    statutory_days=20,
                    promised_days=10,
                    service_objects=["natural_person", "enterprise"],
                    keywords=f"基准 许可{i}",
                )
                for order, kind in enumerate(
                    [ProcessStep.Kind.HANDLE, ProcessStep.Kind.CHECK, ProcessStep.Kind.APPROVE], start=1
                ):
                    item.steps.create(kind=kind, order=order, limit_days=3)
                MaterialRequirementFactory(item=item, name="申请书", order=1)
                MaterialRequirementFactory(item=item, name="身份证明", order=2)
                item.form_definition = FORM
                item.save()
                for window in windows:
                    window_services.grant_window_authorization(
                        actor=sysadmin, department=department, window=window, item_code=item.code
                    )


def load_world(clients: int) -> World:
    from catalog.models import Department, ServiceItem
    from portal.models import User
    from windows.models import Window

    departments = list(Department.objects.filter(name__startswith="基准").order_by("pk"))
    items = list(ServiceItem.objects.filter(department__in=departments).select_related("region").order_by("pk"))
    for item in items:
        item.req_ids = list(item.materials.order_by("order").values_list("pk", flat=True))
        item.step_ids = list(item.steps.order_by("order").values_list("pk", flat=True))
    windows = list(Window.objects.filter(hall__name__startswith="基准").select_related("hall").order_by("pk"))
    users = {u.username: u for u in User.objects.filter(username__startswith="bench_")}
    clerks = {w.hall.region_id: users[f"bench_clerk_{n // 2}_0"] for n, w in enumerate(windows)}
    reviewers = {d.pk: [users[f"bench_{k}_{d.pk}"] for k in ("handler", "checker", "approver")] for d in departments}
    heads = {d.pk: users[f"bench_head_{d.pk}"] for d in departments}
    citizens = [(users[f"bench_citizen_{n}"], _resident_id(n)) for n in range(clients)]
    return World(departments, items, windows, clerks, reviewers, heads, users["bench_supervisor"], citizens)


# --- COPY ----------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copier:
    """COPY rows (dicts of attnames) into a model's table; missing columns take the field's default."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {}
        for f in self.fields:
            default = f.get_default() if f.has_default() else (None if f.null else "")
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                default = None
            self.defaults[f.attname] = default
        self.columns = ", ".join(f'"{f.column}"' for f in self.fields)
        self.count = 0

    def copy(self, rows: Iterable[dict[str, Any]], chunk: int = 20_000) -> None:
        buffer, n = io.StringIO(), 0
        for row in rows:
            buffer.write("\t".join(_text(row.get(f.attname, self.defaults[f.attname])) for f in self.fields))
            buffer.write("\n")
            n += 1
            if n % chunk == 0:
                self._flush(buffer)
                buffer = io.StringIO()
        self._flush(buffer)
        self.count += n

    def _flush(self, buffer: io.StringIO) -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f'COPY "{self.model._meta.db_table}" ({self.columns}) FROM STDIN', buffer)


def _next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


def _reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), coalesce(max(id), 1)) FROM \"{table}\""
            )


# --- The cases -----------------------------------------------------------------------------------------


def seed_people(users: int) -> None:
    """``users`` verified citizens (bulk_create), each with one party of their own (COPY)."""
    from applications.models import Party
    from portal import crypto
    from portal.idnumbers import id_number_digest, mask_id_number
    from portal.models import Role, User

    now = timezone.now()
    group = Group.objects.get(name=Role.CITIZEN)
    start = _next_id(User)
    ids = [_resident_id(n) for n in range(users)]
    digests = [id_number_digest(number) for number in ids]
    User.objects.bulk_create(
        [
            User(
                id=start + n,
                username=f"bench_citizen_{n}",
                password="!bench",
                real_name=f"市民{n}",
                id_number_digest=digests[n],
                id_number_masked=mask_id_number(ids[n]),
                real_name_verified_at=now,
                date_joined=now,
            )
            for n in range(users)
        ],
        batch_size=5000,
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=start + n, group_id=group.pk) for n in range(users)], batch_size=5000
    )
    cipher = crypto.encrypt(ids[0])  # one ciphertext for the generated parties but the drivers' own
    party = _next_id(Party)
    Copier(Party).copy(
        {
            "id": party + n,
            "kind": "person",
            "name": f"市民{n}",
            "id_type": "resident_id",
            "id_number_encrypted": crypto.encrypt(ids[n]) if n < 64 else cipher,
            "id_number_digest": digests[n],
            "id_number_masked": mask_id_number(ids[n]),
            "created_at": now,
        }
        for n in range(users)
    )
    _reset_sequences(User._meta.db_table, Party._meta.db_table)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed_cases(world: World, scale: int, users: int) -> dict[str, int]:
    """``scale`` cases spread over a year, the items, the states; then DUE_ROWS due for each sweep."""
    from applications.models import Application, Delivery, Party, Result, ReviewTask, SubmittedMaterial, TimelineEvent
    from portal.models import User

    rng = random.Random(12)
    from reviews.models import Invitation

    models_ = (Application, SubmittedMaterial, TimelineEvent, ReviewTask, Result, Delivery, Invitation)
    copiers = {m: Copier(m) for m in models_}
    first_user = User.objects.filter(username="bench_citizen_0").values_list("pk", flat=True).get()
    first_party = Party.objects.filter(name="市民0").values_list("pk", flat=True).get()
    app_id, material_id = _next_id(Application), _next_id(SubmittedMaterial)
    event_id, task_id = _next_id(TimelineEvent), _next_id(ReviewTask)
    ids = {"result": _next_id(Result), "delivery": _next_id(Delivery), "invitation": _next_id(Invitation)}
    rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in copiers}
    year_start = dt.date(2025, 12, 1)
    staff_by_dept = world.reviewers
    clerk_by_region = world.clerks

    def flush() -> None:
        for model, batch in rows.items():
            copiers[model].copy(batch)
            batch.clear()

    def case(n: int, status: str, steps: int, **clock: Any) -> None:
        nonlocal material_id, event_id, task_id
        item = world.items[rng.randrange(len(world.items))]
        who = n % users
        created = year_start + dt.timedelta(days=rng.randrange(364))
        hour = 8 + rng.randrange(9)
        clerk = clerk_by_region[item.region_id].pk
        staff = [u.pk for u in staff_by_dept[item.department_id]]
        pk = app_id + n
        filed = status != "draft"
        accepted = status in ("in_review", "suspended", "decided", "concluded")
        app = {
            "id": pk,
            "number": f"{item.region.code[:6]}{created:%Y%m%d}B{n:08d}" if filed else None,
            "item_id": item.pk,
            "department_id": item.department_id,
            "party_id": first_party + who,
            "applicant_user_id": first_user + who,
            "applicant_name": f"市民{who}",
            "contact_phone": "13800138000",
            "access_code": "BENCH2345" if filed else "",
            "status": status,
            "form_data": {"applicant_name": f"市民{who}", "id_number": "enc"},
            "declaration_signed_at": _at(created, hour) if filed else None,
            "created_at": _at(created, hour),
            "updated_at": _at(created, hour),
            "submitted_at": _at(created, hour) if filed else None,
            "received_on": created if filed else None,
            "auto_accept_on": LATER + dt.timedelta(days=rng.randrange(60)) if status == "submitted" else None,
            "correction_due_on": LATER + dt.timedelta(days=rng.randrange(60))
            if status == "correction_requested"
            else None,
            "status_before_correction": "submitted" if status == "correction_requested" else "",
        }
        if accepted:
            app |= {
                "accepted_on": created,
                "due_on": LATER + dt.timedelta(days=10 + rng.randrange(60)),
                "statutory_due_on": LATER + dt.timedelta(days=80),
                "warn_on": LATER + dt.timedelta(days=rng.randrange(60)),
                "light": "green",
            }
            if status in ("in_review", "suspended"):
                app["current_step_id"] = item.step_ids[steps]
            if status == "suspended":
                app["suspended_on"] = created + dt.timedelta(days=2)
        if status in ("decided", "concluded"):
            decided = created + dt.timedelta(days=3 + rng.randrange(8))
            app |= {"outcome": "granted", "decided_at": _at(decided, 15), "light": ""}
            if status == "decided":
                app["certificate_due_on"] = LATER + dt.timedelta(days=rng.randrange(60))
            rows[Result].append(
                {
                    "id": ids["result"],
                    "application_id": pk,
                    "outcome": "granted",
                    "reasons": "符合条件。",
                    "certificate_number": f"XK-B{n:08d}",
                    "decided_by_id": staff[2],
                    "decided_at": _at(decided, 15),
                }
            )
            ids["result"] += 1
            if status == "concluded":
                done = decided + dt.timedelta(days=1 + rng.randrange(5))
                app |= {"concluded_at": _at(done, 11), "workdays_used": (done - created).days * 5 // 7}
                app["workdays_promised"] = 10
                rows[Delivery].append(
                    {
                        "id": ids["delivery"],
                        "application_id": pk,
                        "method": "collect",
                        "recipient_name": f"市民{who}",
                        "delivered_at": _at(done, 11),
                        "delivered_by_id": clerk,
                    }
                )
                ids["delivery"] += 1
                # 好差评: invited at delivery, reminded, the window closed; the due ones wait for a reminder.
                waiting = clock.pop("_remind_on", None)
                rows[Invitation].append(
                    {
                        "id": ids["invitation"],
                        "application_id": pk,
                        "invited_at": _at(done, 11),
                        "remind_on": waiting or done + dt.timedelta(days=3),
                        "reminded_at": None if waiting else _at(done + dt.timedelta(days=3), 9),
                        "closed_at": None if waiting else _at(done + dt.timedelta(days=15), 9),
                    }
                )
                ids["invitation"] += 1
        app |= clock
        rows[Application].append(app)
        for order, req in enumerate(item.req_ids[: (2 if filed else rng.randrange(3))]):
            rows[SubmittedMaterial].append(
                {
                    "id": material_id,
                    "application_id": pk,
                    "requirement_id": req,
                    "file": f"applications/2026/01/bench{order}.pdf",
                    "original_name": "材料.pdf",
                    "content_type": "application/pdf",
                    "sha256": "0" * 64,
                    "uploaded_by_id": first_user + who,
                    "uploaded_at": _at(created, hour),
                }
            )
            material_id += 1
        events = []
        if filed:
            events.append(("submit", "draft", "submitted", first_user + who))
        if status == "correction_requested":
            events.append(("request_correction", "submitted", "correction_requested", clerk))
        if status in ("refused", "withdrawn"):
            events.append(("refuse" if status == "refused" else "withdraw", "submitted", status, clerk))
        if accepted:
            events.append(("accept", "submitted", "in_review", clerk))
        for step in range(min(steps, 2)):
            events.append(("pass_step", "in_review", "in_review", staff[step]))
        if status == "suspended":
            events.append(("suspend", "in_review", "suspended", staff[0]))
        if status in ("decided", "concluded"):
            events.append(("decide", "in_review", "decided", staff[2]))
        if status == "concluded":
            events.append(("deliver", "decided", "concluded", clerk))
        for k, (action, before, after, actor) in enumerate(events):
            rows[TimelineEvent].append(
                {
                    "id": event_id,
                    "application_id": pk,
                    "at": _at(created, hour) + dt.timedelta(hours=k),
                    "actor_id": actor,
                    "action": action,
                    "from_status": before,
                    "to_status": after,
                    "is_visible_to_applicant": action != "pass_step",
                    "data": {},
                }
            )
            event_id += 1
        if accepted:
            for step in range(steps + (1 if status in ("in_review", "suspended") else 0)):
                is_open = step == steps
                rows[ReviewTask].append(
                    {
                        "id": task_id,
                        "application_id": pk,
                        "department_id": item.department_id,
                        "case_due_on": app.get("due_on"),
                        "step_id": item.step_ids[step],
                        "status": "open" if is_open else "done",
                        "opened_at": _at(created, hour),
                        "due_on": clock.pop("_task_due", None) or (LATER + dt.timedelta(days=rng.randrange(60)))
                        if is_open
                        else created + dt.timedelta(days=3),
                        "completed_at": None if is_open else _at(created, hour + 1),
                        "completed_by_id": None if is_open else staff[step],
                        "opinion": "" if is_open else "同意",
                        "light": "green",
                    }
                )
                task_id += 1
        if len(rows[Application]) >= 20_000:
            flush()

    for n in range(scale):
        status, steps = STATES[rng.randrange(len(STATES))]
        case(n, status, steps)
    n = scale
    due = {
        "auto_accept": ("submitted", 0, {"auto_accept_on": DUE_ON}),
        "corrections": ("correction_requested", 0, {"correction_due_on": DUE_ON}),
        "lights": ("in_review", 0, {"warn_on": DUE_ON, "due_on": DUE_ON + dt.timedelta(days=5)}),
        "certificates": ("decided", 3, {"certificate_due_on": DUE_ON}),
        "steps": ("in_review", 1, {"_task_due": DUE_ON}),
        "follow_ups": ("concluded", 3, {"_remind_on": DUE_ON}),
    }
    for status, steps, clock in due.values():
        for _ in range(DUE_ROWS):
            case(n, status, steps, **dict(clock))
            n += 1
    flush()
    _reset_sequences(*(m._meta.db_table for m in copiers))
    return {m._meta.model_name: c.count for m, c in copiers.items()}


def seed(scale: int, clients: int) -> dict[str, Any]:
    """Everything, in one transaction: a failed seed leaves no half database to be reused."""
    started = time.perf_counter()
    users = max(200, scale // CASES_PER_USER, clients)
    with transaction.atomic():
        build_world(clients)
        world_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            # The generated rows reference only rows made here: no per-row foreign-key triggers
            # (Django's constraints are deferred, so PostgreSQL would queue one check per row).
            cursor.execute("SET LOCAL session_replication_role = replica")
        seed_people(users)
        world = load_world(clients)
        counts = seed_cases(world, scale, users)
        mark_seeded(scale)
    copied = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "users": users,
        "rows": counts,
        "world_s": round(world_s, 1),
        "copy_s": round(copied - world_s, 1),
        "analyze_s": round(time.perf_counter() - started - copied, 1),
    }
