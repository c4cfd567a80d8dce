"""Celery beat's scheduler: exactly one beat, and one log line per failed send.

``SingleBeatScheduler`` is django_celery_beat's database scheduler with two changes:

- On start it takes a PostgreSQL advisory lock on a connection of its own, held for the beat's life
  (the server drops it with the connection, so a killed beat frees it at once). A second beat finds it
  taken, says so in the log and exits. Each tick checks the connection; a beat that lost it (the
  database restarted) takes the lock again, or exits when another beat got there first. With
  PgBouncer, point the beat at PostgreSQL directly (a session lock needs a session).
- While the broker (Redis) is down, a due task that cannot be sent is one warning line, not
  celery's traceback with the whole stack.
"""

import contextlib
import logging
import time
from typing import Any

from django.db import connections
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

# pg_try_advisory_lock(key): one number for "the portal's beat" in this database.
BEAT_LOCK_KEY = 0x7A667762  # "zfwb"
LOCK_CHECK_SECONDS = 30


class BeatLock:
    """The beat's advisory lock, on a connection outside Django's (which beat closes and reopens)."""

    def __init__(self, alias: str = "default") -> None:
        self.wrapper = connections[alias]
        self.connection: Any = None

    def acquire(self) -> bool:
        """Take the lock; False if another holder has it."""
        self.release()
        self.connection = self.wrapper.get_new_connection(self.wrapper.get_connection_params())
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
            held = bool(cursor.fetchone()[0])
        if not held:
            self.release()
        return held

    def is_alive(self) -> bool:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except Exception:  # the connection (and with it the lock) is gone
            return False

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # the server frees a session's advisory locks with it
                self.connection.close()
            self.connection = None


def refuse_second_beat() -> None:
    log.error(
        "another celery beat is running (PostgreSQL advisory lock %s is held): this beat refuses to start",
        BEAT_LOCK_KEY,
    )
    raise SystemExit(1)


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.beat_lock = BeatLock()
        self.lock_checked_at = time.monotonic()
        super().__init__(*args, **kwargs)

    def setup_schedule(self) -> None:
        # Not in __init__: celery also builds a lazy scheduler (the start-up banner), which must not
        # hold the lock; only the scheduler that runs sets up its schedule.
        if connections["default"].vendor == "postgresql":
            if not self.beat_lock.acquire():
                refuse_second_beat()
            log.info("this beat holds the beat lock (PostgreSQL advisory lock %s)", BEAT_LOCK_KEY)
        super().setup_schedule()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if self.beat_lock.connection is not None and time.monotonic() - self.lock_checked_at > LOCK_CHECK_SECONDS:
            self.lock_checked_at = time.monotonic()
            if not self.beat_lock.is_alive():
                try:
                    held = self.beat_lock.acquire()
                except Exception as exc:  # the database is still away: keep trying each check
                    log.warning("beat lock: database unreachable, will retry: %s", exc)
                    held = True
                if not held:
                    refuse_second_beat()
        return super().tick(*args, **kwargs)

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        log.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:  # the broker is down: one line; the next tick tries again
            log.warning("beat could not send %s: %s: %s", entry.task, type(exc).__name__, exc)

    def close(self) -> None:
        super().close()
        self.beat_lock.release()
