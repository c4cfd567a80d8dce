"""效能监督: the figures a supervisor (and a department head, for their department) reads.

Every figure is one aggregate query over indexed columns (Application: status/department/dates;
Evaluation: department/region + created_at), filtered the same way: region (and the regions under
it), department, hall, window, clerk, item and period. Rates exclude invalidated ratings; defaulted
ones are counted apart and never as given (DOMAIN.md "好差评").
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from catalog.models import Department, Region
from portal.clock import Clock, system_clock
from portal.models import Role
from reviews.models import NEGATIVE_LEVELS, Evaluation, Level, ProblemReport, Rectification

S = Application.Status
E = Evaluation.Status
RUNNING = (S.IN_REVIEW, S.SUSPENDED)


@dataclass(frozen=True)
class Filters:
    date_from: dt.date
    date_to: dt.date
    region: Region | None = None
    department: Department | None = None
    item_code: str = ""
    hall_id: int | None = None
    window_id: int | None = None
    clerk_id: int | None = None


def scope_for(user: Any) -> Department | None:
    """A department head sees their own department; a supervisor everything (None)."""
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.AUDITOR):
        return None
    if user.department_id and user.has_role(Role.DEPT_HEAD):
        return user.department
    raise PermissionError


def may_supervise(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_superuser
        or user.has_role(Role.SUPERVISOR, Role.AUDITOR)
        or (user.department_id and user.has_role(Role.DEPT_HEAD))
    )


def _regions(region: Region) -> list[int]:
    ids, frontier = [region.pk], [region.pk]
    while frontier:
        frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


@dataclass(frozen=True)
class _Paths:
    """Where each filter's value lies, seen from one table."""

    department: str
    region: str
    item: str
    hall: str
    window: str
    clerk: str


CASE_PATHS = _Paths(
    "department",
    "department__region_id",
    "item__code",
    "intake__window__hall_id",
    "intake__window_id",
    "intake__clerk_id",
)
RATING_PATHS = _Paths("department", "region_id", "item_code", "window__hall_id", "window_id", "clerk_id")
# A report about a case counts for the window and clerk that took it; one without a case for none.
PROBLEM_PATHS = _Paths(
    "department",
    "department__region_id",
    "item_code",
    "application__intake__window__hall_id",
    "application__intake__window_id",
    "application__intake__clerk_id",
)


def _where(f: Filters, paths: _Paths) -> Q:
    q = Q()
    if f.department is not None:
        q &= Q(**{paths.department: f.department})
    if f.region is not None:
        q &= Q(**{f"{paths.region}__in": _regions(f.region)})
    if f.item_code:
        q &= Q(**{paths.item: f.item_code})
    for path, value in ((paths.hall, f.hall_id), (paths.window, f.window_id), (paths.clerk, f.clerk_id)):
        if value:
            q &= Q(**{path: value})
    return q


def _in_period(f: Filters) -> Q:
    return Q(created_at__date__gte=f.date_from, created_at__date__lte=f.date_to)


def _cases(f: Filters) -> QuerySet[Application]:
    return Application.objects.filter(_where(f, CASE_PATHS)).exclude(status=S.DRAFT)


def _ratings(f: Filters) -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(_in_period(f), _where(f, RATING_PATHS))


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Figures:
    received: int = 0
    accepted: int = 0
    concluded: int = 0
    on_time: int = 0
    overdue_now: int = 0
    online: int = 0
    fully_online: int = 0
    avg_days_used: float | None = None
    avg_days_promised: float | None = None
    ratings: dict[int, int] = field(default_factory=dict)
    given: int = 0
    defaulted: int = 0
    invalidated: int = 0
    negative: int = 0
    verified: int = 0
    rectified: int = 0
    followed_up: int = 0
    problems: int = 0
    problems_answered: int = 0
    problems_overdue: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.concluded)

    @property
    def online_rate(self) -> float | None:
        return _rate(self.online, self.received)

    @property
    def fully_online_rate(self) -> float | None:
        return _rate(self.fully_online, self.received)

    @property
    def good_rate(self) -> float | None:
        """好评率: 非常满意, 满意 and 基本满意 among the ratings given (not defaulted, not invalidated)."""
        good = sum(n for level, n in self.ratings.items() if level not in NEGATIVE_LEVELS)
        return _rate(good, self.given)

    @property
    def handling_rates(self) -> tuple[float | None, float | None, float | None]:
        return (
            _rate(self.verified, self.negative),
            _rate(self.rectified, self.negative),
            _rate(self.followed_up, self.negative),
        )

    def rating_rows(self) -> list[tuple[int, str, int]]:
        return [(level.value, level.label, self.ratings.get(level.value, 0)) for level in Level]


def figures(f: Filters, *, clock: Clock = system_clock) -> Figures:
    cases = _cases(f)
    received = cases.filter(submitted_at__date__gte=f.date_from, submitted_at__date__lte=f.date_to).aggregate(
        n=Count("pk"),
        online=Count("pk", filter=Q(channel=Application.Channel.ONLINE)),
        fully_online=Count(
            "pk", filter=Q(channel=Application.Channel.ONLINE, delivery_method=Application.DeliveryMethod.DOWNLOAD)
        ),
    )
    concluded = cases.filter(
        status=S.CONCLUDED, concluded_at__date__gte=f.date_from, concluded_at__date__lte=f.date_to
    ).aggregate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(due_on__isnull=True) | Q(concluded_at__date__lte=F("due_on"))),
        used=Avg("workdays_used"),
        promised=Avg("workdays_promised"),
    )
    ratings = _ratings(f)
    by_status = dict(ratings.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    given = ratings.filter(status=E.GIVEN)
    handled = Rectification.objects.filter(evaluation__in=given.filter(level__in=NEGATIVE_LEVELS)).aggregate(
        verified=Count("pk", filter=Q(verified_at__isnull=False)),
        rectified=Count("pk", filter=Q(replied_at__isnull=False)),
        followed_up=Count("pk", filter=Q(status=Rectification.Status.CLOSED)),
    )
    return Figures(
        received=received["n"],
        online=received["online"],
        fully_online=received["fully_online"],
        accepted=cases.filter(accepted_on__gte=f.date_from, accepted_on__lte=f.date_to).count(),
        concluded=concluded["n"],
        on_time=concluded["on_time"],
        avg_days_used=_one_place(concluded["used"]),
        avg_days_promised=_one_place(concluded["promised"]),
        overdue_now=cases.filter(status__in=RUNNING, due_on__lt=clock.today()).count(),
        ratings=dict(given.values_list("level").annotate(n=Count("pk")).values_list("level", "n")),
        given=by_status.get(E.GIVEN, 0),
        defaulted=by_status.get(E.DEFAULTED, 0),
        invalidated=by_status.get(E.INVALIDATED, 0),
        negative=given.filter(level__in=NEGATIVE_LEVELS).count(),
        **handled,
        **_problems(f),
    )


def _problems(f: Filters) -> dict[str, int]:
    q = _in_period(f) & _where(f, PROBLEM_PATHS)
    counts = ProblemReport.objects.filter(q).aggregate(
        problems=Count("pk"),
        problems_answered=Count("pk", filter=Q(answered_at__isnull=False)),
        problems_overdue=Count("pk", filter=Q(light="red")),
    )
    return counts


def _one_place(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def by_department(f: Filters) -> list[dict[str, Any]]:
    """One row per department with ratings or cases in the period (the bars and the table)."""
    cases = (
        _cases(f)
        .filter(concluded_at__date__gte=f.date_from, concluded_at__date__lte=f.date_to, status=S.CONCLUDED)
        .values("department")
        .annotate(
            concluded=Count("pk"),
            on_time=Count("pk", filter=Q(due_on__isnull=True) | Q(concluded_at__date__lte=F("due_on"))),
        )
    )
    ratings = (
        _ratings(f)
        .filter(status=E.GIVEN)
        .values("department")
        .annotate(given=Count("pk"), negative=Count("pk", filter=Q(level__in=NEGATIVE_LEVELS)))
    )
    rows: dict[int, dict[str, Any]] = {}
    for row in cases:
        rows.setdefault(row["department"], {}).update(concluded=row["concluded"], on_time=row["on_time"])
    for row in ratings:
        rows.setdefault(row["department"], {}).update(given=row["given"], negative=row["negative"])
    names = dict(Department.objects.filter(pk__in=rows).values_list("pk", "name"))
    result = []
    for pk, row in rows.items():
        given, negative = row.get("given", 0), row.get("negative", 0)
        result.append(
            {
                "department": names.get(pk, ""),
                "concluded": row.get("concluded", 0),
                "on_time_rate": _rate(row.get("on_time", 0), row.get("concluded", 0)),
                "given": given,
                "negative": negative,
                "good_rate": _rate(given - negative, given),
            }
        )
    return sorted(result, key=lambda r: r["department"])


def trend(f: Filters) -> list[dict[str, Any]]:
    """Month by month: concluded cases, ratings given and 好评率."""
    months: dict[dt.date, dict[str, Any]] = {}
    concluded = (
        _cases(f)
        .filter(status=S.CONCLUDED, concluded_at__date__gte=f.date_from, concluded_at__date__lte=f.date_to)
        .annotate(month=TruncMonth("concluded_at"))
        .values("month")
        .annotate(n=Count("pk"))
    )
    for row in concluded:
        months.setdefault(row["month"].date() if hasattr(row["month"], "date") else row["month"], {})["concluded"] = (
            row["n"]
        )
    ratings = (
        _ratings(f)
        .filter(status=E.GIVEN)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"), negative=Count("pk", filter=Q(level__in=NEGATIVE_LEVELS)))
    )
    for row in ratings:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        months.setdefault(month, {}).update(given=row["n"], good_rate=_rate(row["n"] - row["negative"], row["n"]))
    return [
        {
            "month": month.strftime("%Y-%m"),
            "concluded": v.get("concluded", 0),
            "given": v.get("given", 0),
            "good_rate": v.get("good_rate"),
        }
        for month, v in sorted(months.items())
    ]


EXPORT_HEADER = [_("部门"), _("办结件数"), _("按时办结率（%）"), _("评价数"), _("差评数"), _("好评率（%）")]


def public_board(*, since: dt.date) -> list[dict[str, Any]]:
    """公开: per department, ratings and the handling of the bad ones; no personal data, no clerk names."""
    rows = (
        Evaluation.objects.filter(status=E.GIVEN, created_at__date__gte=since)
        .values("department__name")
        .annotate(
            given=Count("pk"),
            negative=Count("pk", filter=Q(level__in=NEGATIVE_LEVELS)),
            rectified=Count("pk", filter=Q(rectification__replied_at__isnull=False)),
            closed=Count("pk", filter=Q(rectification__status=Rectification.Status.CLOSED)),
        )
        .order_by("department__name")
    )
    return [
        {
            "department": row["department__name"],
            "given": row["given"],
            "negative": row["negative"],
            "good_rate": _rate(row["given"] - row["negative"], row["given"]),
            "rectified_rate": _rate(row["rectified"], row["negative"]),
            "closed_rate": _rate(row["closed"], row["negative"]),
        }
        for row in rows
    ]


def public_problems(*, since: dt.date) -> list[dict[str, Any]]:
    """办不成事 per department: reported, answered, solved; no names, no descriptions."""
    rows = (
        ProblemReport.objects.filter(created_at__date__gte=since)
        .values("department__name")
        .annotate(
            reported=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            solved=Count("pk", filter=Q(solved=True)),
        )
        .order_by("department__name")
    )
    return [
        {
            "department": r["department__name"],
            "reported": r["reported"],
            "answered_rate": _rate(r["answered"], r["reported"]),
            "solved": r["solved"],
        }
        for r in rows
    ]


def public_replies(*, since: dt.date, limit: int = 20) -> QuerySet[Rectification]:
    """The latest answered bad ratings: the item, the department, the comment and the reply only."""
    return (
        Rectification.objects.filter(replied_at__isnull=False, replied_at__date__gte=since, evaluation__status=E.GIVEN)
        .select_related("evaluation", "department")
        .order_by("-replied_at")[:limit]
    )
