"""Reads of the back-office workbench (受办分离): the department's queue, its overview, one case.

Visibility follows applications.access: the department's staff see the department's cases. Within
the department a task assigned to one reviewer (held with django-guardian) leaves the others'
queues; the head sees every task. Each list selects through an index: the cases' (status,
department, due_on), the tasks' task_department_queue.

Time has two lights here: the case's (Application.light, against the promised date) and the current
step's own (ReviewTask.light, against the step's limit). The queue sorts by the earlier of the two
dates and shows the worse of the two lights, saying which one it is (applications.deadlines.deadline_signal).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Least
from django.utils.translation import gettext, gettext_lazy

from applications.access import applications_visible_to_applicant
from applications.models import Application, Extension, ReviewTask, TimelineEvent
from applications.selectors import EXTRA_ACTION_LABELS
from applications.transitions import TRANSITIONS
from catalog.models import ProcessStep
from portal import stored_text
from portal.clock import Clock, system_clock
from portal.exceptions import NotFound
from portal.models import Role, User
from reviews.evaluations import RATEABLE

S = Application.Status
# A case with an open task is in review or suspended; a withdrawn one has its tasks cancelled.
RUNNING = (S.IN_REVIEW, S.SUSPENDED)
WORKBENCH_ROLES = (Role.REVIEWER, Role.DEPT_HEAD, Role.CHIEF_REP)


def is_workbench_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.department_id and user.has_role(*WORKBENCH_ROLES))


def queue_for(user: Any) -> QuerySet[ReviewTask]:
    """Open tasks of my department, earliest date first: the case's promised date, or the step's own
    due date where that comes earlier (a step late while the case is in time sorts by the step).

    A reviewer sees the unassigned tasks and those assigned to them; the head sees them all; a chief
    representative (首席代表) who is neither sees the immediate items (即办件) they may grant on the spot.
    """
    if not is_workbench_user(user):
        return ReviewTask.objects.none()
    # The task's own columns only, so that PostgreSQL reads the department's open tasks along
    # task_department_queue (the page) and task_department_holder (the count), not every open task
    # of the database joined to its case (issue 12). An open task's case is in review or suspended:
    # every move out of those closes or cancels it (decide, withdraw, correction_expired,
    # deferral_expired), so the case's status needs no join here.
    tasks = ReviewTask.objects.filter(status=ReviewTask.Status.OPEN, department_id=user.department_id)
    if not user.has_role(Role.DEPT_HEAD):
        rule = Q(pk__in=[])
        if user.has_role(Role.REVIEWER):
            rule |= Q(assignee__isnull=True) | Q(assignee=user)
        if user.has_role(Role.CHIEF_REP):
            rule |= Q(application__item__is_immediate=True)
        tasks = tasks.filter(rule)
    # PostgreSQL's LEAST ignores NULLs: a task without a date of its own sorts by the case's. Both
    # dates are the task's own columns (case_due_on copies the case's), in task_department_queue's
    # order, so a page reads its 20 rows of the index, not all the department's open tasks.
    return tasks.select_related(
        "application__item", "application__department", "application__party", "step", "assignee"
    ).order_by(Least(F("case_due_on"), F("due_on")).asc(nulls_last=True), "opened_at", "pk")


@dataclass(frozen=True)
class QueueFilters:
    """What the reviewer narrowed the queue to (all optional): an item, a step, who holds the task, a case."""

    item_code: str = ""
    step_kind: str = ""
    holder: str = ""  # "mine", "unassigned", "others" (the head's view of tasks claimed by colleagues)
    number: str = ""

    HOLDERS = {
        "mine": gettext_lazy("我承办的"),
        "unassigned": gettext_lazy("未认领"),
        "others": gettext_lazy("他人承办"),
    }

    @classmethod
    def from_query(cls, params: Any) -> "QueueFilters":
        """Read from a query string; unknown values are ignored, never an error."""
        step_kind = params.get("step", "")
        holder = params.get("holder", "")
        return cls(
            item_code=params.get("item", "").strip()[:40],
            step_kind=step_kind if step_kind in ProcessStep.Kind.values else "",
            holder=holder if holder in cls.HOLDERS else "",
            number=params.get("number", "").strip()[:40],
        )

    @property
    def is_active(self) -> bool:
        return bool(self.item_code or self.step_kind or self.holder or self.number)


def filter_queue(tasks: QuerySet[ReviewTask], filters: QueueFilters, user: Any) -> QuerySet[ReviewTask]:
    if filters.item_code:
        tasks = tasks.filter(application__item__code=filters.item_code)
    if filters.step_kind:
        tasks = tasks.filter(step__kind=filters.step_kind)
    if filters.holder == "mine":
        tasks = tasks.filter(assignee=user)
    elif filters.holder == "unassigned":
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.holder == "others":
        tasks = tasks.filter(assignee__isnull=False).exclude(assignee=user)
    if filters.number:
        tasks = tasks.filter(application__number__icontains=filters.number)
    return tasks


def queue_items(tasks: QuerySet[ReviewTask]) -> list[tuple[str, str]]:
    """The items of the tasks in a queue, (code, name), to filter by."""
    rows = tasks.order_by().values_list("application__item__code", "application__item__name").distinct()
    return sorted(set(rows), key=lambda row: row[1])


def received_for(user: Any) -> QuerySet[Application]:
    """Cases a receipt-only window passed on (收件): the department's handler accepts, asks for a
    correction or refuses them before art. 32's five working days run out (oldest deadline first)."""
    if not (is_workbench_user(user) and user.has_role(Role.REVIEWER, Role.DEPT_HEAD)):
        return Application.objects.none()
    return (
        Application.objects.filter(status=S.RECEIVED, department_id=user.department_id)
        .select_related("item", "party")
        .order_by(F("auto_accept_on").asc(nulls_last=True), "received_on", "pk")
    )


def department_reviewers(department_id: int) -> QuerySet[User]:
    """Who a head may assign a task to: the department's reviewers."""
    return (
        User.objects.filter(department_id=department_id, groups__name=Role.REVIEWER, is_active=True)
        .distinct()
        .order_by("real_name", "username")
    )


@dataclass
class DepartmentOverview:
    lights: dict[str, int]
    overdue: list[Application]
    pending_extensions: list[Extension]
    suspended: int = 0
    unassigned: int = 0
    light_rows: list[tuple[str, str, int]] = field(default_factory=list)


def department_overview(head: Any, *, clock: Clock = system_clock) -> DepartmentOverview:
    """The head's view: cases per light, the overdue ones, and extensions waiting for approval."""
    today = clock.today()
    running = Application.objects.filter(department_id=head.department_id, status__in=RUNNING)
    counts = {row["light"]: row["n"] for row in running.values("light").annotate(n=Count("pk")).order_by()}
    lights = {value: counts.get(value, 0) for value in ("green", "yellow", "red")}
    overdue = list(
        running.filter(status=S.IN_REVIEW)
        .filter(Q(light="red") | Q(due_on__lt=today))
        .select_related("item", "party", "current_step")
        .order_by("due_on", "pk")[:100]
    )
    pending = list(
        Extension.objects.filter(status=Extension.Status.REQUESTED, application__department_id=head.department_id)
        .select_related("application__item", "requested_by")
        .order_by("requested_at", "pk")
    )
    labels = dict(Application.Light.choices)
    return DepartmentOverview(
        lights=lights,
        overdue=overdue,
        pending_extensions=pending,
        suspended=running.filter(status=S.SUSPENDED).count(),
        unassigned=ReviewTask.objects.filter(
            status=ReviewTask.Status.OPEN, assignee__isnull=True, application__in=running
        ).count(),
        light_rows=[(value, labels[value], n) for value, n in lights.items()],
    )


def task_for(user: Any, task_id: int) -> ReviewTask:
    """An open task of my department, or 404 (another department's task does not exist for me)."""
    task = (
        ReviewTask.objects.filter(pk=task_id, application__department_id=getattr(user, "department_id", None))
        .select_related("application__item", "application__department", "step", "assignee")
        .first()
    )
    if task is None or not is_workbench_user(user):
        raise NotFound(gettext("未找到该审查任务，或您无权查看。"))
    return task


@dataclass(frozen=True)
class StaffTimelineEntry:
    at: dt.datetime
    label: str
    status_label: str
    actor: Any
    note: str
    is_internal: bool


def timeline_for_staff(application: Application) -> list[StaffTimelineEntry]:
    """Every event of the case, the internal ones (steps passed or returned) included and marked."""
    statuses = dict(S.choices)
    events = TimelineEvent.objects.filter(application=application).select_related("actor").order_by("at", "id")
    return [
        StaffTimelineEntry(
            at=event.at,
            label=TRANSITIONS[event.action].label
            if event.action in TRANSITIONS
            else EXTRA_ACTION_LABELS.get(event.action, event.action),
            status_label=statuses.get(event.to_status, ""),
            actor=event.actor,
            note=stored_text.shown(event.data.get("note_text"), event.note),
            is_internal=not event.is_visible_to_applicant,
        )
        for event in events
    ]


def review_history(application: Application) -> QuerySet[ReviewTask]:
    """The review steps so far with their opinions (internal: never shown to the applicant)."""
    return application.tasks.select_related("step", "assignee", "completed_by").order_by("opened_at", "id")


def rateable_cases_of(user: Any) -> QuerySet[Application]:
    """好差评's 待评价 and 已评价: the concluded (and refused) cases of the parties the user acts for,
    latest first, with their rating, its options and its handling (the page /ratings/ and GET
    /api/v1/ratings/)."""
    return with_rating(applications_visible_to_applicant(user).filter(status__in=RATEABLE)).order_by(
        "-updated_at", "-pk"
    )


def with_rating(cases: QuerySet[Application]) -> QuerySet[Application]:
    """Cases with what their applicant sees of their rating: the rating, its options, its handling."""
    return cases.select_related("item", "department", "evaluation", "evaluation__rectification").prefetch_related(
        "evaluation__indicators"
    )
