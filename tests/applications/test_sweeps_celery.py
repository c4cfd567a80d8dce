"""The case clock in the background: the sweeps time-travelled with a FixedClock, a real Celery worker
and beat against Redis, and the outbox while Redis is stopped.

The worker, beat and Redis here are processes of the test's own: a redis-server on a spare port (never
the machine's shared one on 6379, which parallel runs of the suite share — their workers would take
our tasks), and Celery pointed at the test database. Every process is stopped in a ``finally``.
"""

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from applications import services
from applications import tasks as application_tasks
from applications.models import Application, Document
from applications.transitions import Actor
from catalog.models import ProcessStep
from portal import outbox
from portal.clock import FixedClock
from portal.models import Notification, OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.factories import MaterialRequirementFactory, ServiceItemFactory, UserFactory, make_resident_id

S = Application.Status
MONDAY = dt.date(2026, 3, 2)
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SHARED_REDIS_PORT = 6379
WAIT_SECONDS = 60  # an upper bound for the background to catch up; the tests never assert on time

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="worker and beat share the test database: PostgreSQL only"
)


# --- Time travel: the sweeps with a FixedClock --------------------------------------------------


def submit_and_accept(item, party, citizen, day: dt.date) -> Application:
    clock = clock_at(day, 9)
    application = services.start_application(user=citizen, item=item, party=party, clock=clock)
    for requirement in item.materials.all():
        services.attach_material(
            application=application, requirement=requirement, file=pdf(), actor=citizen, clock=clock
        )
    services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)
    services.accept_application(application=application, actor=None, actor_role=Actor.CLERK, clock=clock_at(day, 10))
    application.refresh_from_db()
    return application


@pytest.fixture
def five_day_item(department_x, calendar_2026):
    item = ServiceItemFactory(department=department_x, statutory_days=20, promised_days=5)
    item.steps.create(kind=ProcessStep.Kind.HANDLE, order=1, limit_days=3)
    MaterialRequirementFactory(item=item, name="申请书")
    return item


@pytest.mark.django_db
def test_lights_across_national_day_2026_follow_the_working_days(five_day_item, party, citizen):
    """Accepted Mon 2026-09-28, 5 working days promised: 9/29, 9/30, (10/1–10/7 off), 10/8, 10/9 and
    the working Saturday 10/10 (调休). Yellow two working days before, red after the due date."""
    application = submit_and_accept(five_day_item, party, citizen, dt.date(2026, 9, 28))
    assert application.due_on == dt.date(2026, 10, 10)
    assert application.warn_on == dt.date(2026, 10, 8)
    assert application.statutory_due_on == dt.date(2026, 10, 30)
    assert application.light == "green"

    expected = [
        (dt.date(2026, 9, 30), "green", 0),
        (dt.date(2026, 10, 5), "green", 0),  # in the holiday, the clock stands still
        (dt.date(2026, 10, 7), "green", 0),
        (dt.date(2026, 10, 8), "yellow", 1),
        (dt.date(2026, 10, 8), "yellow", 0),  # a second run the same day changes nothing
        (dt.date(2026, 10, 10), "yellow", 0),  # the working Saturday is the last day
        (dt.date(2026, 10, 11), "red", 1),
        (dt.date(2026, 10, 12), "red", 0),
    ]
    seen = []
    for day, _, _ in expected:
        changed = services.sweep_lights(clock=clock_at(day))
        seen.append((day, Application.objects.get(pk=application.pk).light, changed))
    assert seen == expected
    keys = OutboxMessage.objects.filter(idempotency_key__startswith=f"light:{application.pk}:")
    assert sorted(keys.values_list("idempotency_key", flat=True)) == [
        f"light:{application.pk}:red:2026-10-10",
        f"light:{application.pk}:yellow:2026-10-10",
    ]
    assert all(m.payload["department_id"] == five_day_item.department_id for m in keys)


@pytest.mark.django_db
def test_art_32_auto_acceptance_over_national_day_counts_working_days_only(five_day_item, party, citizen):
    """Received Wed 9/30: the 5 working days for a notice are 10/8, 10/9, 10/10, 10/12, 10/13."""
    clock = clock_at(dt.date(2026, 9, 30), 9)
    application = services.start_application(user=citizen, item=five_day_item, party=party, clock=clock)
    services.attach_material(
        application=application, requirement=five_day_item.materials.get(), file=pdf(), actor=citizen, clock=clock
    )
    services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)
    services.receive_application(application=application, actor=UserFactory(roles=[Role.CLERK]), clock=clock)

    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 10, 13))) == 0
    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 10, 14))) == 1
    assert services.sweep_auto_accept(clock=clock_at(dt.date(2026, 10, 14))) == 0
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and application.accepted_on == dt.date(2026, 9, 30)
    # Accepted on receipt, so the promised 5 working days ran from 9/30 too: already overdue.
    assert application.due_on == dt.date(2026, 10, 13)
    # Acceptance starts green; the light sweep finds it late and tells the department.
    assert services.sweep_lights(clock=clock_at(dt.date(2026, 10, 14))) == 1
    application.refresh_from_db()
    assert application.light == "red"


@pytest.mark.django_db
def test_the_beat_task_runs_every_sweep_and_is_safe_to_run_twice(submitted, licensing_item, party, citizen):
    """With the system clock: a case accepted and one received in March 2026 are long past their days."""
    services.accept_application(application=submitted, actor=None, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    received = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock_at(MONDAY))
    received = services.save_draft(
        application=received, form_data={"applicant_name": "张三", "id_number": make_resident_id()}
    )
    services.attach_material(
        application=received,
        requirement=licensing_item.materials.get(),
        file=pdf(),
        actor=citizen,
        clock=clock_at(MONDAY),
    )
    services.submit_application(application=received, actor=citizen, declaration=True, clock=clock_at(MONDAY))
    services.receive_application(application=received, actor=None, actor_role=Actor.CLERK, clock=clock_at(MONDAY))

    first = application_tasks.sweep_deadlines.apply().get()
    second = application_tasks.sweep_deadlines.apply().get()

    # Both cases turn red: the accepted one, and the one that counts as accepted on receipt (art. 32).
    # Only the first one's review step is late: the other's opened today, when it was accepted.
    # Neither is decided yet: no certificate is late.
    assert first == {
        "auto_accepted": 1,
        "returned": 0,
        "lights_changed": 2,
        "steps_changed": 1,
        "certificates_late": 0,
        "deferrals_reminded": 0,
        "deferrals_lapsed": 0,
        "commitment_checks_due": 0,
        "bundle_parts_started": 0,
    }
    assert set(second.values()) == {0}
    assert Application.objects.get(pk=submitted.pk).light == "red"
    assert Application.objects.get(pk=received.pk).status == S.IN_REVIEW


# --- Processes of the test's own ------------------------------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Poll until the condition holds or the bound passes; returns whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert port != SHARED_REDIS_PORT
    return port


class PrivateRedis:
    """A redis-server of this test's own on a spare port, without persistence; it may be stopped."""

    def __init__(self, workdir: Path) -> None:
        self.port = spare_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def is_up(self) -> bool:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            # Ours, by its pid: if another xdist worker's server took the spare port between the
            # probe and the start, ours exits and a plain ping would reach theirs.
            pid = client.info("server")["process_id"]
            return self.process is None or pid == self.process.pid
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        assert self.port != SHARED_REDIS_PORT
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        assert wait_for(self.is_up, 10), "the private redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM (a worker finishes its task), then SIGKILL. Only the process we started, by its id."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def database_url_for_processes() -> str:
    """The test database (not the configured one) for processes started by the test."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth = f"{auth}:{quote(db['PASSWORD'])}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def process_env(redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_processes(),
        "REDIS_URL": redis_url,
        "DJANGO_CONN_MAX_AGE": "0",  # no connection outlives a task: the test database is flushed after
        "SMS_LOG_PATH": str(tmp_path / "sms.log"),
        # Documents the worker signs (document_issued) land in the test's directory, not the checkout.
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        "DOCUMENT_SIGNING_DEMO_DIR": str(tmp_path / "signing"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def celery(*commands: tuple[str, list[str]], env: dict[str, str], logdir: Path) -> Iterator[None]:
    """Start `celery -A portal <args>` processes; stop them all on the way out, failure or not."""
    processes: list[subprocess.Popen] = []
    try:
        for name, args in commands:
            with (logdir / f"{name}.log").open("ab") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "celery", "-A", "portal", *args],
                        cwd=settings.BASE_DIR,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        yield
    finally:
        for process in processes:
            stop_process(process)


def worker_args(name: str) -> list[str]:
    return [
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--hostname",
        f"{name}-{os.getpid()}@%h",
    ]


BEAT_ARGS = ["beat", "--loglevel=INFO", "--scheduler", "portal.beat:SingleBeatScheduler"]


def logs(logdir: Path) -> str:
    """The tail of each process's log, for the failure message."""
    parts = []
    for path in sorted(logdir.glob("*.log")):
        parts.append(f"--- {path.name} ---\n" + path.read_text(errors="replace")[-3000:])
    return "\n".join(parts)


def succeeded(logdir: Path, task_name: str) -> int:
    """How many runs of a task the worker has finished (beat syncs its own run count only every few minutes)."""
    log = (logdir / "worker.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if f"Task {task_name}[" in line and " succeeded " in line)


def sms_lines(tmp_path: Path) -> list[str]:
    path = tmp_path / "sms.log"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# --- A real worker and beat -------------------------------------------------------------------------


@needs_postgres
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_and_a_worker_turn_an_overdue_light_red_and_tell_the_department(
    submitted, department_x, department_y, supervisor, private_redis, tmp_path
):
    reviewer = UserFactory(username="reviewer_x", department=department_x, roles=[Role.REVIEWER])
    head = UserFactory(username="head_x", department=department_x, roles=[Role.DEPT_HEAD])
    reviewer_y = UserFactory(username="reviewer_y", department=department_y, roles=[Role.REVIEWER])
    services.accept_application(application=submitted, actor=None, actor_role=Actor.CLERK, clock=clock_at(MONDAY))
    submitted.refresh_from_db()
    assert submitted.light == "green" and submitted.due_on < timezone.localdate()

    private_redis.start()
    env = process_env(private_redis.url, tmp_path, SWEEP_INTERVAL_SECONDS="1")
    schedule = subprocess.run(
        [sys.executable, "manage.py", "setup_schedule"], cwd=settings.BASE_DIR, env=env, capture_output=True, timeout=60
    )
    assert schedule.returncode == 0, schedule.stderr.decode(errors="replace")
    assert PeriodicTask.objects.get(name="portal.sweep_deadlines").interval.every == 1
    assert PeriodicTask.objects.get(name="portal.relay_outbox").expire_seconds == 1

    def caught_up() -> bool:
        return (
            Application.objects.get(pk=submitted.pk).light == "red"
            and Notification.objects.filter(recipient=reviewer).exists()
            and not OutboxMessage.objects.filter(done_at__isnull=True).exists()
        )

    with celery(("worker", worker_args("sweeps")), ("beat", BEAT_ARGS), env=env, logdir=tmp_path):
        assert wait_for(caught_up), logs(tmp_path)
        # Beat keeps sweeping every second: a few more runs must not notify again.
        runs = succeeded(tmp_path, "applications.tasks.sweep_deadlines")
        assert wait_for(lambda: succeeded(tmp_path, "applications.tasks.sweep_deadlines") >= runs + 3), logs(tmp_path)

    light_notices = Notification.objects.filter(idempotency_key__startswith=f"light:{submitted.pk}:red:")
    assert sorted(light_notices.values_list("recipient__username", flat=True)) == sorted(
        [reviewer.username, head.username, supervisor.username]
    )
    assert not Notification.objects.filter(recipient=reviewer_y).exists()
    # The applicant heard of the submission and the acceptance, each once.
    assert Notification.objects.filter(recipient=submitted.applicant_user).count() == 2
    assert len(sms_lines(tmp_path)) == 2


# --- The outbox while Redis is stopped ----------------------------------------------------------------


@needs_postgres
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_cases_go_on_and_the_notices_follow_once_it_is_back(
    licensing_item, party, citizen, private_redis, tmp_path
):
    private_redis.start()
    private_redis.stop()
    assert not private_redis.is_up()

    # Submission and acceptance do not touch the broker: they succeed; their notices and the receipt's
    # signing wait in the outbox.
    clock = clock_at(MONDAY, 9)
    application = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock)
    services.save_draft(application=application, form_data={"applicant_name": "张三", "id_number": make_resident_id()})
    services.attach_material(
        application=application, requirement=licensing_item.materials.get(), file=pdf(), actor=citizen, clock=clock
    )
    services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)
    services.accept_application(application=application, actor=None, actor_role=Actor.CLERK, clock=clock_at(MONDAY, 10))
    assert Application.objects.get(pk=application.pk).status == S.IN_REVIEW
    pending = OutboxMessage.objects.filter(done_at__isnull=True)
    assert sorted(pending.values_list("kind", flat=True)) == ["document_issued", "notification", "notification"]

    broker = Celery("relay-under-test", broker=private_redis.url, set_as_current=False)
    try:
        t0 = timezone.now()
        # Each relay stops at its first failure; the rows stay, each backing off a minute.
        for _ in range(3):
            assert outbox.relay_due(send=broker.send_task, clock=FixedClock(t0)) == 0
        rows = list(pending.order_by("pk"))
        assert [row.attempts for row in rows] == [1, 1, 1]
        assert all(row.available_at == t0 + dt.timedelta(minutes=1) and row.last_error for row in rows)
        assert all(row.relayed_at is None for row in rows)
        assert Notification.objects.count() == 0

        private_redis.start()
        later = t0 + dt.timedelta(minutes=2)
        assert outbox.relay_due(send=broker.send_task, clock=FixedClock(later)) == 3
        # Relayed again as if the first tasks were lost: the worker gets each task twice.
        assert outbox.relay_due(send=broker.send_task, clock=FixedClock(later + outbox.REDELIVER_AFTER)) == 3
    finally:
        broker.close()

    def delivered() -> bool:
        return not pending.exists() and Notification.objects.count() == 2

    with celery(("worker", worker_args("outbox")), env=process_env(private_redis.url, tmp_path), logdir=tmp_path):
        assert wait_for(delivered), logs(tmp_path)
        # Let the worker finish the duplicate tasks too before counting what went out.
        assert wait_for(lambda: tasks_in_broker(private_redis) == 0), logs(tmp_path)

    assert Notification.objects.filter(recipient=citizen).count() == 2
    number = Application.objects.get(pk=application.pk).number
    assert sorted(Notification.objects.values_list("title", flat=True)) == sorted(
        [f"办件 {number} 申报：{S.SUBMITTED.label}", f"办件 {number} 受理：{S.IN_REVIEW.label}"]
    )
    texts = sms_lines(tmp_path)
    assert len(texts) == 2, texts
    # The worker signed the acceptance receipt once, without anyone downloading it.
    receipt = Document.objects.get(application=application, kind=Document.Kind.ACCEPTANCE_RECEIPT)
    assert receipt.rendered_at is not None and receipt.sha256
    assert outbox.relay_due(send=broker.send_task, clock=FixedClock(later + dt.timedelta(hours=1))) == 0


def tasks_in_broker(server: PrivateRedis) -> int:
    """Tasks waiting in the default queue plus those a worker holds unacknowledged (acks_late)."""
    client = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        return int(client.llen("celery")) + int(client.hlen("unacked"))
    finally:
        with suppress(redis.RedisError):
            client.close()
