"""The demo's 好差评, behind ``manage.py seed_demo_ratings`` (run after ``seed_demo`` and ``seed_demo_hall``).

张三's cases of the 行政审批局, concluded over the last months through the real services, rated at
every level and on several channels; the bad ones handled to every state of a rectification (one
waiting for verification, one answered and waiting for 张三's follow-up, one under appeal, one closed);
one defaulted rating; one concluded case not yet rated (张三's header shows 待评价); two 办不成事
reports. Enough history for the dashboard's trend. Idempotent: each case is found again by its idempotency key.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from applications import services as cases
from applications.demo import fits_the_demo, granted_case, submitted_case
from applications.models import Application
from applications.transitions import Actor
from catalog.demo import accounts, places
from catalog.models import Department
from catalog.selectors import published_items
from portal import workdays
from portal.clock import Clock, FixedClock, system_clock
from portal.exceptions import DomainError
from portal.models import User
from reviews import evaluations, problems, rectifications
from reviews.evaluations import Rating
from reviews.models import Evaluation, Indicator, Level, ProblemReport, Rectification

DEPARTMENT_KEY = "jn.xzsp"
CASE_KEY = "demo-rating-{}"


@dataclass(frozen=True)
class Scene:
    months_ago: int
    level: int | None  # None: concluded, not rated yet
    channel: str = Evaluation.Channel.PC
    comment: str = ""
    handled_to: str = ""  # the rectification's state for a negative rating
    defaulted: bool = False


C = Evaluation.Channel
SCENES = [
    Scene(5, Level.VERY_SATISFIED, C.PC, "网上申报很方便，一次就办好了。"),
    Scene(5, Level.SATISFIED, C.MOBILE),
    Scene(4, Level.VERY_SATISFIED, C.QR),
    Scene(4, Level.DISSATISFIED, C.PC, "窗口等候时间太长。", handled_to=Rectification.Status.CLOSED),
    Scene(3, Level.BASICALLY_SATISFIED, C.MOBILE),
    Scene(3, Level.SATISFIED, C.PC, defaulted=True),
    Scene(2, Level.VERY_SATISFIED, C.MOBILE, "工作人员耐心细致。"),
    Scene(2, Level.VERY_DISSATISFIED, C.QR, "态度恶劣！", handled_to=Rectification.Status.APPEALED),
    Scene(1, Level.SATISFIED, C.QR),
    Scene(1, Level.VERY_DISSATISFIED, C.PC, "要求提交指南上没有的材料。", handled_to=Rectification.Status.FOLLOW_UP),
    Scene(0, Level.DISSATISFIED, C.MOBILE, "办事指南与实际要求不一致。", handled_to=Rectification.Status.VERIFYING),
    Scene(0, None),
]


def _day(months_ago: int, today: dt.date) -> dt.date:
    """A working day around the 10th, `months_ago` months back (this month: a week ago)."""
    if months_ago == 0:
        day = today - dt.timedelta(days=7)
    else:
        year, month = today.year, today.month - months_ago
        while month < 1:
            year, month = year - 1, month + 12
        day = dt.date(year, month, 10)
    while not workdays.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _clock(day: dt.date, hour: int) -> Clock:
    return FixedClock(timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour)))


def _staff(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise DomainError(f"缺少演示账户 {username}：请先运行 python manage.py seed_demo。") from None


def _concluded(key: str, item, day: dt.date) -> Application:
    clerk, handler, approver = _staff("demo_clerk"), _staff("demo_reviewer"), _staff("demo_dept_head")
    morning, noon = _clock(day, 9), _clock(day, 11)
    application = submitted_case(item, key, morning)
    cases.accept_application(application=application, actor=clerk, actor_role=Actor.CLERK, clock=noon)
    application.refresh_from_db()
    application = granted_case(application, handler=handler, approver=approver, clock=noon)
    # Delivered two working days later, or on the promised day if that comes first (always in time).
    done = _clock(min(application.due_on or day, workdays.add_workdays(day, 2)), 15)
    cases.deliver_result(application=application, actor=clerk, method=Application.DeliveryMethod.DOWNLOAD, clock=done)
    application.refresh_from_db()
    return application


def _handle(rectification: Rectification, to: str, day: dt.date) -> None:
    reviewer, head = _staff("demo_reviewer"), _staff("demo_dept_head")
    citizen = User.objects.get(username=accounts.CITIZENS[0].phone)
    clock = _clock(workdays.add_workdays(day, 4), 10)  # the day after the rating
    if to == Rectification.Status.VERIFYING:
        return
    if to == Rectification.Status.APPEALED:
        rectifications.verify(
            rectification=rectification,
            actor=head,
            is_true=False,
            classification="malicious",
            note="调阅窗口录像，工作人员按规范服务，未见评价所述情形。",
            clock=clock,
        )
        rectifications.appeal(
            rectification=rectification,
            actor=head,
            reason="窗口录像显示服务规范，评价与事实不符。",
            evidence=None,
            clock=clock,
        )
        return
    rectifications.verify(
        rectification=rectification,
        actor=reviewer,
        is_true=True,
        classification="reasonable",
        note="经核实，反映情况属实。",
        clock=clock,
    )
    rectifications.reply(
        rectification=rectification,
        actor=reviewer,
        result="已更新办事指南并对窗口人员进行一次性告知培训。",
        text="感谢您的监督。经核实情况属实，我们已更新办事指南并加强一次性告知，今后不再要求提交指南以外的材料。",
        clock=clock,
    )
    if to == Rectification.Status.CLOSED:
        rectifications.follow_up(rectification=rectification, actor=citizen, level=Level.SATISFIED, clock=clock)


def seed_demo_ratings(*, clock: Clock = system_clock) -> int:
    if not settings.DEMO_MODE:
        raise DomainError("当前不是开发模式（DJANGO_DEBUG=0）：演示评价只用于演示。", code="not_demo_mode")
    department = Department.objects.get(uscc=next(d.uscc for d in places.DEPARTMENTS if d.key == DEPARTMENT_KEY))
    items = [item for item in published_items().filter(department=department) if fits_the_demo(item)]
    if not items:
        return 0
    citizen = User.objects.get(username=accounts.CITIZENS[0].phone)
    created = 0
    for n, scene in enumerate(SCENES, start=1):
        key = CASE_KEY.format(n)
        if Application.objects.filter(idempotency_key=key).exists():
            continue
        day = _day(scene.months_ago, clock.today())
        with transaction.atomic():
            application = _concluded(key, items[n % len(items)], day)
            rated_at = _clock(workdays.add_workdays(day, 3), 16)
            if scene.defaulted:
                evaluations.default_rating(application=application, clock=rated_at)
            elif scene.level is not None:
                options = Indicator.objects.filter(scope="online", level=scene.level)[:2]
                evaluations.rate_application(
                    application=application,
                    user=citizen,
                    rating=Rating(level=scene.level, indicator_ids=tuple(o.pk for o in options), comment=scene.comment),
                    channel=scene.channel,
                    clock=rated_at,
                )
                if scene.handled_to:
                    _handle(Rectification.objects.get(evaluation__application=application), scene.handled_to, day)
        created += 1
    _seed_problems(items, citizen, clock)
    return created


def _seed_problems(items: list, citizen: User, clock: Clock) -> None:
    """Two 办不成事 reports: 张三's online one waiting for an answer, and one a clerk recorded at the hall,
    answered and waiting for the follow-up."""
    if ProblemReport.objects.exists():
        return
    day = _day(0, clock.today())
    problems.report_problem(
        actor=citizen,
        description="网上申报时上传营业执照总提示格式错误，换了几种格式都不行，只能跑窗口。",
        item=items[0],
        clock=_clock(day, 10),
    )
    at_desk = problems.report_problem(
        actor=_staff("demo_clerk"),
        description="异地工作，要求本人到场签字，无法请假回来办理。",
        item=items[-1],
        reporter_name="王小明",
        reporter_phone="13900000009",
        clock=_clock(day, 11),
    )
    problems.answer_problem(
        report=at_desk,
        actor=_staff("demo_reviewer"),
        solved=True,
        answer="已为您开通“远程视频签字”，请按短信提示在线签字后继续办理。",
        clock=_clock(workdays.add_workdays(day, 1), 10),
    )
