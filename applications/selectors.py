"""Reads of cases with their rules, for the applicant's pages.

Visibility itself is decided in applications/access.py; these selectors only shape what a visible
case shows: the applicant's list, the timeline without internal opinions, and what is asked now.
"""

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext, gettext_lazy

from applications import deadlines
from applications.access import applications_listed_for_applicant
from applications.models import (
    Application,
    CorrectionNotice,
    CreditRecord,
    Document,
    FeeAssessment,
    ReviewTask,
    SubmittedMaterial,
    Suspension,
    TimelineEvent,
)
from applications.transitions import TRANSITIONS
from portal import stored_text
from portal.models import Role

S = Application.Status

# Actions that are not moves of the state table but still appear on the timeline.
EXTRA_ACTION_LABELS = {
    "start": gettext_lazy("创建草稿"),
    "licences_fetched": gettext_lazy("调取电子证照"),
    "licences_rechecked": gettext_lazy("复核电子证照"),
    "licence_delivered": gettext_lazy("交付证照"),
}


def my_applications(user: Any) -> QuerySet[Application]:
    """The user's cases, newest first, with what the list and "what is asked now" read."""
    return (
        applications_listed_for_applicant(user)
        .exclude(status=Application.Status.DRAFT, bundle_part__isnull=False)  # on the bundle's page
        .select_related("item", "department", "party")
        .prefetch_related(
            Prefetch("correction_notices", queryset=CorrectionNotice.objects.filter(resolved_at__isnull=True)),
            Prefetch("suspensions", queryset=Suspension.objects.filter(ended_on__isnull=True)),
            "fee_assessments",
        )
        .order_by("-created_at", "-id")
    )


def application_detail(application: Application) -> Application:
    """The same case with the relations its detail page shows, in a fixed number of queries.

    Every write of the API answers with this, so a relation the case cannot have yet is not asked
    for (an empty prefetch costs no query): notices are read only while a correction is asked, open
    suspensions and tasks begin with acceptance, fees with the decision (issue 12).
    """
    case = Application.objects.select_related(
        "item__department", "department", "party", "current_step", "delivery", "result"
    ).get(pk=application.pk)
    prefetch_related_objects([case], *_detail_prefetches(case))
    return case


def _detail_prefetches(case: Application) -> list[Prefetch]:
    def only_if(condition: bool, queryset: QuerySet) -> QuerySet:
        return queryset if condition else queryset.none()

    accepted = case.accepted_on is not None
    return [
        Prefetch(
            "correction_notices",
            queryset=only_if(
                case.status in (S.CORRECTION_REQUESTED, S.SUSPENDED),
                CorrectionNotice.objects.filter(resolved_at__isnull=True),
            ),
        ),
        Prefetch("suspensions", queryset=only_if(accepted, Suspension.objects.filter(ended_on__isnull=True))),
        Prefetch("fee_assessments", queryset=only_if(case.decided_at is not None, FeeAssessment.objects.all())),
        Prefetch(
            "materials",
            queryset=SubmittedMaterial.objects.filter(is_current=True).select_related("requirement"),
            to_attr="current_materials",
        ),
        Prefetch("documents", queryset=Document.objects.filter(revoked_at__isnull=True), to_attr="notices"),
        Prefetch(
            "tasks",
            queryset=only_if(accepted, ReviewTask.objects.filter(status=ReviewTask.Status.OPEN)),
            to_attr="open_tasks",
        ),
    ]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    label: str
    status_label: str
    note: str


def timeline_for_applicant(application: Application) -> list[TimelineEntry]:
    """The steps meant for the applicant; internal opinions (passed or returned steps) never appear."""
    status_labels = dict(S.choices)
    events = TimelineEvent.objects.filter(application=application, is_visible_to_applicant=True).order_by("at", "id")
    return [
        TimelineEntry(
            at=event.at,
            label=TRANSITIONS[event.action].label
            if event.action in TRANSITIONS
            else EXTRA_ACTION_LABELS.get(event.action, event.action),
            status_label=status_labels.get(event.to_status, ""),
            note=stored_text.shown(event.data.get("note_text"), event.note),
        )
        for event in events
    ]


@dataclass(frozen=True)
class Ask:
    """One thing the applicant has to do now."""

    kind: str  # complete_draft, correct_materials, attend_procedure, pay_fee, collect_result, download_result
    text: str
    due_on: dt.date | None = None


def _due_fees(application: Application) -> list[FeeAssessment]:
    return [fee for fee in application.fee_assessments.all() if fee.status == FeeAssessment.Status.DUE]


def open_correction(application: Application) -> CorrectionNotice | None:
    """The one-time notice the applicant has to answer now: before acceptance (待补正) or after it (a
    suspension for correction); None when nothing is asked. Reads the prefetched unresolved notices."""
    if application.status not in (S.CORRECTION_REQUESTED, S.SUSPENDED):
        return None
    notices = [n for n in application.correction_notices.all() if n.resolved_at is None]
    if application.status == S.SUSPENDED:
        notices = [n for n in notices if n.after_acceptance]
    return max(notices, key=lambda n: n.issued_at, default=None)


def what_is_asked(application: Application) -> list[Ask]:
    """What the applicant must do now: correct materials by a date, attend a special procedure, pay a
    fee, collect or download the result. Reads the unresolved notices and open suspensions prefetched
    by ``my_applications`` / ``application_detail`` (a plain instance works too, with more queries)."""
    status = application.status
    asks: list[Ask] = []
    if status == S.DRAFT:
        asks.append(Ask("complete_draft", gettext("填写申请表、上传材料并提交申请。")))
    elif notice := open_correction(application):
        names = "、".join(entry["name"] for entry in notice.entries)
        asks.append(Ask("correct_materials", gettext("请补正材料：%(names)s。") % {"names": names}, notice.due_on))
    elif status == S.SUSPENDED:
        for suspension in application.suspensions.all():
            if suspension.ended_on is None and suspension.kind not in Suspension.ENDED_BY_MATERIAL:
                asks.append(
                    Ask(
                        "attend_procedure",
                        gettext("请配合%(kind)s：%(reason)s")
                        % {"kind": suspension.get_kind_display(), "reason": suspension.reason},
                    )
                )
    elif status == S.DECIDED:
        due = _due_fees(application)
        if due:
            total = sum((fee.amount_yuan for fee in due), Decimal(0))
            asks.append(Ask("pay_fee", gettext("请缴纳费用共 %(total)s 元，缴费后方可领取结果。") % {"total": total}))
        elif application.delivery_method == Application.DeliveryMethod.COLLECT:
            asks.append(Ask("collect_result", gettext("办理结果已出，请携带身份证件到窗口领取。")))
    elif status == S.CONCLUDED and application.delivery_method == Application.DeliveryMethod.DOWNLOAD:
        asks.append(Ask("download_result", gettext("办理结果可在本页“文书”中下载。")))
    if application.deferral_due_on and status in (S.IN_REVIEW, S.SUSPENDED):
        asks.append(Ask("supply_deferred", gettext("请补交容缺后补的材料。"), application.deferral_due_on))
    return asks


# The stages of a case as the applicant sees them (受办分离: the window takes it in, the department
# decides, the window delivers), and how many of them a status has completed.
PROGRESS_STAGES = [
    gettext_lazy("申报"),
    gettext_lazy("预审"),
    gettext_lazy("受理"),
    gettext_lazy("审查"),
    gettext_lazy("决定"),
    gettext_lazy("送达"),
]
STAGES_DONE = {S.DRAFT: 0, S.SUBMITTED: 1, S.RECEIVED: 2, S.IN_REVIEW: 3, S.SUSPENDED: 3, S.DECIDED: 5, S.CONCLUDED: 6}
# The ends before a decision: the case stopped at the stage after the last one it completed.
ENDED = {S.REFUSED, S.WITHDRAWN, S.RETURNED}


@dataclass(frozen=True)
class ProgressStage:
    label: str
    state: str  # done, current (where the case is), todo, stopped (where an ended case stopped)


def case_progress(application: Application) -> list[ProgressStage]:
    """申报 → 预审 → 受理 → 审查 → 决定 → 送达, each done, current, to do, or where the case stopped."""
    status = application.status
    if status == S.CORRECTION_REQUESTED:  # back at the window (预审) or the department (受理)
        done = STAGES_DONE.get(application.status_before_correction, 1)
    elif status in ENDED:
        done = 3 if application.accepted_on else 2 if application.received_on else 1
    else:
        done = STAGES_DONE.get(status, 0)
    here = "stopped" if status in ENDED else "current"
    return [
        ProgressStage(str(label), "done" if i < done else here if i == done else "todo")
        for i, label in enumerate(PROGRESS_STAGES)
    ]


@dataclass(frozen=True)
class CaseClock:
    """The promised limit as the applicant sees it while it runs: the light, in words, and the days left."""

    light: str  # green, yellow, red; paused while suspended
    due_on: dt.date
    days_left: int  # negative: overdue by that many
    unit: str

    @property
    def label(self) -> str:
        if self.light == "paused":
            return gettext("暂停计时")
        if self.light == "red":
            return gettext("红灯：已超期")
        if self.light == "yellow":
            return gettext("黄灯：即将到期")
        return gettext("绿灯：正常")

    @property
    def remaining(self) -> str:
        workday = self.unit == "workday"
        if self.light == "paused":
            return gettext("特别程序或补正期间不计时，办结日期相应顺延")
        if self.days_left == 0:
            return gettext("今日到期")
        if self.days_left < 0:
            n = -self.days_left
            return gettext("已超期 %(n)d 个工作日") % {"n": n} if workday else gettext("已超期 %(n)d 日") % {"n": n}
        n = self.days_left
        return gettext("剩余 %(n)d 个工作日") % {"n": n} if workday else gettext("剩余 %(n)d 日") % {"n": n}


def case_clock(application: Application, today: dt.date) -> CaseClock | None:
    """The running (or paused) clock of an accepted case; None before acceptance and after the decision."""
    if application.status not in (S.IN_REVIEW, S.SUSPENDED) or application.due_on is None:
        return None
    unit = application.item.promised_unit
    if application.status == S.SUSPENDED:
        return CaseClock("paused", application.due_on, 0, unit)
    light = deadlines.light_for(today, warn_on=application.warn_on, due_on=application.due_on)
    return CaseClock(light, application.due_on, deadlines.days_left(today, application.due_on, unit), unit)


@dataclass(frozen=True)
class CollectionPlace:
    """Where a result is collected: the hall and window that took the case in, or the guide's place."""

    hall: str
    address: str
    window: str
    hours: str


def collection_place(application: Application) -> CollectionPlace:
    """The hall and window of the case's intake, else the item's 办理地点 and 办理时间 from its guide."""
    # windows depends on applications, not the reverse: the model is looked up by name.
    intake = (
        apps.get_model("windows", "Intake")
        .objects.filter(application=application)
        .select_related("window__hall")
        .first()
    )
    item = application.item
    if intake is None:
        return CollectionPlace(item.place or application.department.address, "", "", item.office_hours)
    window, hall = intake.window, intake.window.hall
    label = window.name or (
        gettext("%(number)s号%(kind)s") % {"number": window.number, "kind": window.get_kind_display()}
    )
    return CollectionPlace(hall.name, hall.address, label, hall.office_hours or item.office_hours)


@dataclass(frozen=True)
class PublicStep:
    """One step of the public lookup's timeline: what happened, when, and the status it led to."""

    at: dt.datetime
    label: str
    status_label: str


@dataclass(frozen=True)
class PublicProgress:
    """What 办件查询 shows to whoever holds the receipt: the case's progress, never who applied."""

    number: str
    status_label: str
    item_name: str
    department_name: str
    due_on: dt.date | None
    light: str
    light_label: str
    steps: list[PublicStep]
    is_ended: bool = False  # concluded, refused, withdrawn or returned: no deadline will come


def public_progress(number: str, access_code: str) -> PublicProgress | None:
    """办件查询: the progress of the case whose receipt carries this number and 查询码, or None.

    A wrong code and an unknown number both give None, after the same comparison, so the answer
    tells nothing about which numbers exist. The timeline carries no notes: they are free text
    typed by staff (refusal reasons, suspension reasons, what to correct) and may name the
    applicant; the signed-in case page shows them.
    """
    code = access_code.strip().upper()
    application = (
        Application.objects.filter(number=number.strip())
        .exclude(access_code="")
        .select_related("item", "department")
        .first()
    )
    # Compared even without a case, so an unknown number takes as long as a wrong code.
    expected = application.access_code if application is not None else "-" * len(code or "-")
    if not secrets.compare_digest(expected.encode(), code.encode()) or application is None:
        return None
    status_labels = dict(S.choices)
    events = TimelineEvent.objects.filter(application=application, is_visible_to_applicant=True).order_by("at", "id")
    return PublicProgress(
        number=application.number or "",
        status_label=application.get_status_display(),
        item_name=application.item.name,
        department_name=application.department.name,
        due_on=application.due_on,
        light=application.light,
        light_label=application.get_light_display(),
        is_ended=application.status in ENDED or application.status == S.CONCLUDED,
        steps=[
            PublicStep(
                at=event.at,
                label=TRANSITIONS[event.action].label
                if event.action in TRANSITIONS
                else EXTRA_ACTION_LABELS.get(event.action, event.action),
                status_label=status_labels.get(event.to_status, ""),
            )
            for event in events
        ],
    )


def credit_records_for(user: Any) -> QuerySet[CreditRecord]:
    """信用记录 of false commitments (告知承诺制): supervisors and auditors see all, a department head the
    department's; nobody else any."""
    records = CreditRecord.objects.select_related("application__item", "application__department", "recorded_by")
    if not getattr(user, "is_authenticated", False):
        return records.none()
    if user.is_superuser or user.has_role(Role.SUPERVISOR, Role.AUDITOR):
        return records
    if user.department_id and user.has_role(Role.DEPT_HEAD):
        return records.filter(application__department_id=user.department_id)
    return records.none()
