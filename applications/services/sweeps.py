"""Sweeps (beat): each selects through an index only the rows whose time has come."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, Q
from django.utils.translation import gettext, gettext_noop

from applications import deadlines
from applications.bundles import held_for_joined_delivery
from applications.models import (
    Application,
    Document,
    ReviewTask,
    Suspension,
)
from applications.services.core import _case_link, _new_document, transition
from applications.services.intake import accept_application
from applications.transitions import Actor
from portal import outbox, stored_text
from portal.clock import Clock, system_clock
from portal.stored_text import StoredText, label, stored

S = Application.Status


# --- Sweeps (beat): each selects through an index only the rows whose time has come --------------


def _claim(queryset: Any, batch: int, by: str) -> Iterable[Application]:
    # Ordered by the column of the sweep's (partial) index: ORDER BY pk with a LIMIT makes PostgreSQL
    # walk the primary key over every case instead of the few due rows of the index (issue 12).
    return queryset.select_for_update(skip_locked=True).order_by(by, "pk")[:batch]


def _light_body(application: Application, light: str) -> StoredText:
    due = stored_text.day(application.due_on) if application.due_on else "—"
    if light == Application.Light.RED:
        return stored(
            gettext_noop("办件 %(number)s（%(name)s）已超过承诺办结日期 %(due)s，已同时告知效能监督。"),
            number=application.number,
            name=application.item.name,
            due=due,
        )
    return stored(
        gettext_noop("办件 %(number)s（%(name)s）承诺办结日期为 %(due)s，即将到期，请抓紧办理。"),
        number=application.number,
        name=application.item.name,
        due=due,
    )


def sweep_auto_accept(*, clock: Clock = system_clock, batch: int = 20, most: int = 500) -> int:
    """行政许可法 art. 32: no notice within 5 working days of receipt → accepted on the day of receipt.

    In batches of ``batch`` cases, each committed on its own: a clerk opening one of them waits for
    one small batch, not for the row locks of hundreds (skip_locked leaves a case a clerk holds now
    to the next run). At most ``most`` cases a run.
    """
    done = 0
    due = Application.objects.filter(status__in=[S.SUBMITTED, S.RECEIVED], auto_accept_on__lt=clock.today())
    while done < most:
        with transaction.atomic():
            claimed = list(_claim(due, min(batch, most - done), "auto_accept_on"))
            for application in claimed:
                accept_application(
                    application=application,
                    actor=None,
                    actor_role=Actor.SYSTEM,
                    accepted_on=application.received_on,
                    clock=clock,
                )
        done += len(claimed)
        if len(claimed) < batch:
            break
    return done


def sweep_expired_corrections(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """A correction not supplied by its deadline returns the case (退件)."""
    done = 0
    with transaction.atomic():
        for application in _claim(
            Application.objects.filter(
                status__in=[S.CORRECTION_REQUESTED, S.SUSPENDED], correction_due_on__lt=clock.today()
            ),
            batch,
            "correction_due_on",
        ):
            if application.status == S.SUSPENDED:
                # 受理后补正: the pause ends with the case, and its review step with it.
                ended = application.suspensions.filter(ended_on__isnull=True, kind=Suspension.Kind.CORRECTION).update(
                    ended_on=clock.today(), result=gettext("逾期未补正，退件。")
                )
                if not ended:
                    continue
                application.tasks.filter(status=ReviewTask.Status.OPEN).update(status=ReviewTask.Status.CANCELLED)
            transition(
                application=application,
                action="correction_expired",
                actor_role=Actor.SYSTEM,
                note=stored(gettext_noop("补正期限已过，未收到补正材料，予以退件。")),
                changes={"light": "", "suspended_on": None},
                clock=clock,
            )
            _new_document(application, Document.Kind.RETURN_NOTICE, {}, clock)
            done += 1
    return done


def sweep_lights(*, clock: Clock = system_clock, batch: int = 2000) -> int:
    """Turn lights yellow and red; one notice per change (the light column is the memory)."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        due = Application.objects.filter(status=S.IN_REVIEW, warn_on__lte=today).exclude(light="red")
        for application in _claim(due, batch, "warn_on"):
            light = deadlines.light_for(today, warn_on=application.warn_on, due_on=application.due_on)
            if light == application.light:
                continue
            Application.objects.filter(pk=application.pk).update(light=light)
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"light:{application.pk}:{light}:{application.due_on}",
                payload={
                    "department_id": application.department_id,
                    "application_id": application.pk,
                    "light": light,
                    **stored_text.payload(
                        title=stored(
                            gettext_noop("办件 %(number)s 即将到期")
                            if light == "yellow"
                            else gettext_noop("办件 %(number)s 已超期"),
                            number=application.number,
                        ),
                        body=_light_body(application, light),
                    ),
                    "link": _case_link(application),
                },
            )
            changed += 1
    return changed


def sweep_late_certificates(*, clock: Clock = system_clock, batch: int = 500) -> int:
    """行政许可法 art. 44: the decision's certificate is due within 10 working days. A decided case not
    delivered by then turns red and the department (and the supervisors) hear of it, once.

    A part of a 一件事 whose result waits for the others (统一出件) is not late: it may not go out yet,
    and its ten days start again when the last part is done (services.bundles._open_joined_delivery)."""
    today = clock.today()
    changed = 0
    with transaction.atomic():
        late = Application.objects.filter(status=S.DECIDED, light="", certificate_due_on__lt=today).exclude(
            Exists(held_for_joined_delivery())
        )
        for application in _claim(late, batch, "certificate_due_on"):
            Application.objects.filter(pk=application.pk).update(light=Application.Light.RED)
            outbox.enqueue(
                kind="notification",
                clock=clock,
                key=f"certificate-late:{application.pk}",
                payload={
                    "department_id": application.department_id,
                    "application_id": application.pk,
                    "light": Application.Light.RED,
                    **stored_text.payload(
                        title=stored(gettext_noop("办件 %(number)s 逾期未送达许可证件"), number=application.number),
                        body=stored(
                            gettext_noop(
                                "办件 %(number)s 已于 %(decided)s 作出决定，许可证件应于 %(due)s 前颁发、送达"
                                "（行政许可法第四十四条），至今未送达，已同时告知效能监督。"
                            ),
                            number=application.number,
                            decided=f"{application.decided_at:%Y-%m-%d}",
                            due=stored_text.day(application.certificate_due_on),
                        ),
                    ),
                    "link": _case_link(application),
                },
            )
            changed += 1
    return changed


def sweep_overdue_steps(*, clock: Clock = system_clock, batch: int = 500, most: int = 2000) -> int:
    """A review step's own light: yellow on its last day, red once past it (ProcessStep.limit_days),
    while the case's light may still be green. Turning red tells the assignee (an unassigned task: the
    department's reviewers) and the department head, once: the light column is the memory.

    The due tasks are found along task_step_clock alone, ``batch`` at a time in (due_on, pk) order,
    and each batch is claimed (skip_locked) and committed on its own. Joined to the case in the same
    statement, PostgreSQL misjudged how many open tasks are due (the closed tasks' old dates fill the
    column's statistics) and read every open task of the database, due or not. EXPLAIN ANALYZE at
    100 k cases, 17,044 open tasks: before, 18.0 ms with 50 due and 8.5 ms with none (all 17,044
    open tasks along one_open_task_per_case and the 15,038 cases in review); after, finding them
    0.10 ms / 0.02 ms (the 50 or 0 rows of task_step_clock), claiming the 50 by pk 1.3 ms."""
    today = clock.today()
    changed = 0
    due = ReviewTask.objects.filter(
        status=ReviewTask.Status.OPEN, light__in=[Application.Light.GREEN, Application.Light.YELLOW], due_on__lte=today
    )
    after: tuple[dt.date, int] | None = None
    seen = 0
    while seen < most:
        window = due if after is None else due.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], pk__gt=after[1]))
        wanted = min(batch, most - seen)
        found = list(window.order_by("due_on", "pk").values_list("due_on", "pk")[:wanted])
        if found:
            after, seen = found[-1], seen + len(found)
            with transaction.atomic():
                changed += _overdue_steps(due.filter(pk__in=[pk for _, pk in found]), today, clock)
        if len(found) < wanted:
            break
    return changed


def _overdue_steps(found: Any, today: dt.date, clock: Clock) -> int:
    """One batch of sweep_overdue_steps, in the caller's transaction; how many lights changed."""
    changed = 0
    due = (
        # A suspended case's clock stands still; resume_application moves the open task's date.
        found.filter(application__status=S.IN_REVIEW)
        # Lock the task rows only: the joined case may be in a reviewer's transaction right now.
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("application__item", "step")
        .order_by("due_on", "pk")
    )
    for task in due:
        light = deadlines.light_for(today, warn_on=task.due_on, due_on=task.due_on)
        if light == task.light:
            continue
        ReviewTask.objects.filter(pk=task.pk).update(light=light)
        changed += 1
        if light != Application.Light.RED:
            continue
        application = task.application
        step_due = stored_text.day(task.due_on) if task.due_on else "—"
        case_due = stored_text.day(application.due_on) if application.due_on else "—"
        outbox.enqueue(
            kind="notification",
            clock=clock,
            key=f"step-overdue:{task.pk}",
            payload={
                "task_id": task.pk,
                "application_id": application.pk,
                # Who is told, read when the step turned red: its assignee, or else the reviewers
                # of the department; and the department's head.
                "department_id": application.department_id,
                "assignee_id": task.assignee_id,
                **stored_text.payload(
                    title=stored(
                        gettext_noop("办件 %(number)s %(step)s环节已超期"),
                        number=application.number,
                        step=label(task.step, "kind"),
                    ),
                    body=stored(
                        gettext_noop(
                            "办件 %(number)s（%(item)s）的%(step)s环节办理期限为 %(due)s，已超期，请抓紧办理。"
                            "办件承诺办结日期为 %(case_due)s。"
                        ),
                        number=application.number,
                        item=application.item.name,
                        step=label(task.step, "kind"),
                        due=step_due,
                        case_due=case_due,
                    ),
                ),
                "link": _case_link(application),
            },
        )
    return changed
