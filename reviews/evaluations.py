"""好差评: rating a service and the follow-ups that ask for it (DOMAIN.md "好差评").

Who rates: only the applicant, or whoever acted for them (applications.access.is_applicant), signed
in, or holding the case's receipt (number + 查询码, the QR code printed on it). Staff never rate on the
applicant's behalf: the hall's 一次一评 is given on the window's tablet (reviews.tablets). When: once the
case is concluded, or, where the region's rule says so, once it is accepted. One service, one
evaluation: a second one is refused (409), and nothing is half-written.

A rating of 不满意 or 非常不满意 opens a rectification for the department (reviews.rectifications).

Follow-ups run in beat's sweep (``sweep_follow_ups``): an invitation at conclusion, a reminder after
the region's delay, and only where the region's rule says so a default rating once the window closes,
stored as ``defaulted``. Each is claimed with ``skip_locked`` and its message is an outbox row with an
idempotency key, so a sweep run twice, concurrently, or after a worker died mid-way sends each once.
"""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from applications.access import is_applicant
from applications.models import Application, ReviewTask
from portal import outbox
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied, Throttled
from portal.models import AuditEvent, Role
from portal.services import record_audit
from portal.stored_text import StoredText, stored
from reviews.models import Evaluation, Indicator, Invitation, Level
from reviews.policies import policy_for
from reviews.rectifications import open_rectification

S = Application.Status
ACCEPTED = (S.IN_REVIEW, S.SUSPENDED, S.DECIDED)
COMMENT_MAX = 500
SWEEP_BATCH = 100
# Concluded cases older than this are not invited any more (a portal switched on late does not
# write to every applicant of the last years).
INVITE_HORIZON = dt.timedelta(days=30)
CODE_FAILURES_PER_HOUR = 10
CODE_FAILED = "evaluation.code_failed"
ONLINE_CHANNELS = (Evaluation.Channel.PC, Evaluation.Channel.MOBILE, Evaluation.Channel.QR, Evaluation.Channel.SMS)


# The services that ended with the applicant served: 办结, and 不予受理 (a written refusal is a service too,
# and the one applicants most often want to rate).
RATEABLE = (S.CONCLUDED, S.REFUSED)


def rating_state(application: Application) -> str:
    """'rated', 'open' (may be rated now), or 'not_yet'."""
    if Evaluation.objects.filter(application=application).exists():
        return "rated"
    if application.status in RATEABLE:
        return "open"
    if application.status in ACCEPTED and policy_for(application.department).rate_after_acceptance:
        return "open"
    return "not_yet"


def indicators_for(scope: str) -> dict[int, list[Indicator]]:
    """The options of each level for a scope, for the form."""
    options: dict[int, list[Indicator]] = {level: [] for level in Level.values}
    for indicator in Indicator.objects.filter(scope=scope, is_active=True):
        options[indicator.level].append(indicator)
    return options


def scope_of(channel: str) -> str:
    return Indicator.Scope.HALL if channel == Evaluation.Channel.TABLET else Indicator.Scope.ONLINE


@dataclass(frozen=True)
class Rating:
    """What a rater chose; checked by ``_checked`` before anything is written."""

    level: int
    indicator_ids: tuple[int, ...] = ()
    comment: str = ""
    is_anonymous: bool = False


def checked(rating: Rating, channel: str) -> list[Indicator]:
    if rating.level not in Level.values:
        raise DomainError(
            _("请选择评价等级（非常满意至非常不满意）。"), code="bad_level", detail={"level": rating.level}
        )
    comment = rating.comment.strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("评价意见不能超过 %(n)d 个字。") % {"n": COMMENT_MAX}, code="comment_too_long")
    ids = set(rating.indicator_ids)
    indicators = list(Indicator.objects.filter(pk__in=ids, is_active=True, level=rating.level, scope=scope_of(channel)))
    if len(indicators) != len(ids):
        raise DomainError(
            _("所选评价指标不属于所选的评价等级，请重新选择。"),
            code="bad_indicator",
            detail={"indicators": sorted(ids)},
        )
    if rating.level in (Level.DISSATISFIED, Level.VERY_DISSATISFIED) and not indicators and not comment:
        raise DomainError(_("请选择或填写不满意的原因，以便部门核实整改。"), code="reason_required")
    return indicators


def _rated_with(application: Application) -> dict[str, Any]:
    """The window, the clerk and the deciders rated together with the case (for the statistics)."""
    try:
        intake = application.intake
    except ObjectDoesNotExist:
        intake = None
    deciders = set(
        ReviewTask.objects.filter(application=application, completed_by__isnull=False).values_list(
            "completed_by", flat=True
        )
    )
    return {
        "window_id": intake.window_id if intake else None,
        "clerk_id": intake.clerk_id if intake else None,
        "deciders": deciders,
    }


def write_rating(
    application: Application,
    *,
    rating: Rating,
    indicators: Iterable[Indicator],
    channel: str,
    status: str,
    rated_by: Any = None,
    clock: Clock,
    at_window: tuple[int, int] | None = None,
) -> Evaluation:
    """Lock the case, refuse a second rating, write the rating with what it rates, close the follow-ups.

    ``at_window`` (window id, clerk id): rated at a window's tablet, that window and clerk are rated."""
    locked = Application.objects.select_for_update().select_related("department", "item").get(pk=application.pk)
    if Evaluation.objects.filter(application=locked).exists():
        raise InvalidTransition(_("该办件已评价过，每次服务只能评价一次。"), code="already_rated")
    rated = _rated_with(locked)
    if at_window is not None:
        rated["window_id"], rated["clerk_id"] = at_window
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                application=locked,
                level=rating.level,
                comment=rating.comment.strip(),
                is_anonymous=rating.is_anonymous,
                channel=channel,
                status=status,
                rated_by=rated_by,
                department=locked.department,
                region_id=locked.department.region_id,
                item_code=locked.item.code,
                item_name=locked.item.name,
                window_id=rated["window_id"],
                clerk_id=rated["clerk_id"],
                created_at=clock.now(),
            )
    except IntegrityError as exc:  # a concurrent rating of the same case got there first
        raise InvalidTransition(_("该办件已评价过，每次服务只能评价一次。"), code="already_rated") from exc
    evaluation.indicators.set(list(indicators))
    evaluation.deciders.set(rated["deciders"])
    Invitation.objects.filter(application=locked, closed_at__isnull=True).update(closed_at=clock.now())
    if evaluation.is_negative and status == Evaluation.Status.GIVEN:
        open_rectification(evaluation=evaluation, clock=clock)
    return evaluation


def check_may_rate(application: Application) -> None:
    state = rating_state(application)
    if state == "rated":
        raise InvalidTransition(_("该办件已评价过，每次服务只能评价一次。"), code="already_rated")
    if state == "not_yet":
        raise InvalidTransition(
            _("办件办结后才能评价，当前状态为“%(status)s”。") % {"status": application.get_status_display()},
            code="not_ratable_yet",
        )


@transaction.atomic
def rate_application(
    *,
    application: Application,
    user: Any,
    rating: Rating,
    channel: str = Evaluation.Channel.PC,
    clock: Clock = system_clock,
) -> Evaluation:
    """一事一评 by the signed-in applicant (PC, mobile, or the receipt's QR code after sign-in)."""
    if channel not in ONLINE_CHANNELS:
        raise DomainError(_("评价渠道不正确。"), code="bad_channel")
    if not is_applicant(user, application):
        raise PermissionDenied(_("只有申请人本人或其经办人、代理人可以评价该办件，工作人员不能代为评价。"))
    check_may_rate(application)
    indicators = checked(rating, channel)
    evaluation = write_rating(
        application,
        rating=rating,
        indicators=indicators,
        channel=channel,
        rated_by=user,
        status=Evaluation.Status.GIVEN,
        clock=clock,
    )
    record_audit(actor=user, action="evaluation.given", obj=evaluation, detail={"application": application.number})
    return evaluation


def case_for_code(
    *, number: str, access_code: str, ip: str | None, actor: Any = None, clock: Clock = system_clock
) -> Application:
    """The case a receipt's QR code names, for whoever holds its 查询码 (no sign-in). A wrong code and an
    unknown number get the same answer; failures are counted per address, or per staff member typing
    codes for callers (audit rows, no Redis)."""
    number, code = number.strip()[:40], access_code.strip().upper()[:12]
    since = clock.now() - dt.timedelta(hours=1)
    failures = AuditEvent.objects.filter(action=CODE_FAILED, at__gte=since)
    failures = failures.filter(actor=actor) if actor is not None else failures.filter(ip_address=ip) if ip else None
    if failures is not None and failures.count() >= CODE_FAILURES_PER_HOUR:
        raise Throttled(_("查询码错误次数过多，请一小时后再试，或登录后评价。"))
    application = Application.objects.filter(number=number).exclude(access_code="").select_related("department").first()
    # Bytes, not str: compare_digest raises TypeError on a str with non-ASCII characters (a 500),
    # and such a code is only one more wrong code, refused and counted like the others.
    if application is None or not code or not secrets.compare_digest(application.access_code.encode(), code.encode()):
        record_audit(actor=actor, action=CODE_FAILED, detail={"number": number}, ip=ip)
        raise NotFound(_("办件编号或查询码不正确，请核对受理凭证或办结通知上的查询码。"), code="code_refused")
    return application


CODE_CHANNELS = (Evaluation.Channel.QR, Evaluation.Channel.SMS)


def rate_with_code(
    *,
    number: str,
    access_code: str,
    rating: Rating,
    ip: str | None,
    channel: str = Evaluation.Channel.QR,
    clock: Clock = system_clock,
) -> Evaluation:
    """Rating without signing in, from the receipt's QR code or the invitation's text message: the
    查询码 proves the case is the rater's."""
    application = case_for_code(number=number, access_code=access_code, ip=ip, clock=clock)
    with transaction.atomic():  # not around the code check: a refusal's audit row must survive it
        return _rate_by_code(application, rating=rating, ip=ip, channel=channel, clock=clock)


def _rate_by_code(
    application: Application, *, rating: Rating, ip: str | None, channel: str, clock: Clock
) -> Evaluation:
    check_may_rate(application)
    channel = channel if channel in CODE_CHANNELS else Evaluation.Channel.QR  # no sign-in: a link was followed
    evaluation = write_rating(
        application,
        rating=rating,
        indicators=checked(rating, channel),
        channel=channel,
        rated_by=None,
        status=Evaluation.Status.GIVEN,
        clock=clock,
    )
    record_audit(
        actor=None, action="evaluation.given", obj=evaluation, detail={"application": application.number}, ip=ip
    )
    return evaluation


def rate_by_phone(
    *, operator: Any, number: str, access_code: str, rating: Rating, clock: Clock = system_clock
) -> Evaluation:
    """12345: the hotline operator types the rating the applicant gives on the line (channel phone). The
    applicant reads out the receipt's 查询码, which proves the case is theirs; the operator is recorded
    and is not the rater. Wrong codes count against the operator's desk like any other guess."""
    if not operator.has_role(Role.HOTLINE):
        raise PermissionDenied(_("只有 12345 热线坐席可以录入电话评价。"))
    application = case_for_code(number=number, access_code=access_code, ip=None, actor=operator, clock=clock)
    with transaction.atomic():
        check_may_rate(application)
        indicators = checked(rating, Evaluation.Channel.PHONE)
        evaluation = write_rating(
            application,
            rating=rating,
            indicators=indicators,
            channel=Evaluation.Channel.PHONE,
            status=Evaluation.Status.GIVEN,
            clock=clock,
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(operator=operator)
        evaluation.operator = operator
        record_audit(actor=operator, action="evaluation.phone_entered", obj=evaluation, detail={"application": number})
    return evaluation


# --- Follow-ups (beat) ----------------------------------------------------------------------------


def _ask(application: Application, *, key: str, title: StoredText, body: StoredText) -> None:
    outbox.notify_person(
        key=key,
        user_id=application.applicant_user_id,
        phone=application.contact_phone,
        title=title,
        body=body,
        link=f"/ratings/{application.number}/",
    )


def _invite(clock: Clock) -> int:
    now = clock.now()
    with transaction.atomic():
        due = list(
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(status=S.CONCLUDED, concluded_at__gte=now - INVITE_HORIZON)
                # A refused case never moves again: its last change is the refusal.
                | Q(status=S.REFUSED, updated_at__gte=now - INVITE_HORIZON),
                evaluation_invitation__isnull=True,
                evaluation__isnull=True,
            )
            .select_related("department__region", "item")
            .order_by("updated_at")[:SWEEP_BATCH]
        )
        for application in due:
            policy = policy_for(application.department)
            concluded = timezone.localdate(application.concluded_at or application.updated_at)
            Invitation.objects.create(
                application=application,
                invited_at=now,
                remind_on=concluded + dt.timedelta(days=policy.remind_after_days),
                default_on=(
                    concluded + dt.timedelta(days=policy.default_after_days)
                    if policy.default_after_days is not None
                    else None
                ),
            )
            title, body = _invitation(application)
            _ask(application, key=f"evaluation-invite:{application.number}", title=title, body=body)
    return len(due)


def _invitation(application: Application) -> tuple[StoredText, StoredText]:
    if application.status == S.REFUSED:
        return (
            stored(gettext_noop("办件 %(number)s 未予受理，欢迎评价本次服务"), number=application.number),
            stored(
                gettext_noop(
                    "您申请的“%(item)s”未予受理，理由见不予受理通知书。欢迎评价本次服务（好差评），您的意见将用于改进政务服务。"
                ),
                item=application.item.name,
            ),
        )
    return (
        stored(gettext_noop("办件 %(number)s 已办结，请对本次服务作出评价"), number=application.number),
        stored(
            gettext_noop("您申请的“%(item)s”已办结。请在“我的办件”中或扫描办结通知上的二维码评价本次服务（好差评）。"),
            item=application.item.name,
        ),
    )


def _remind(clock: Clock) -> int:
    now, today = clock.now(), clock.today()
    with transaction.atomic():
        due = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(remind_on__lte=today, reminded_at__isnull=True, closed_at__isnull=True)
            .select_related("application__item")
            .order_by("remind_on")[:SWEEP_BATCH]
        )
        for invitation in due:
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at"])
            application = invitation.application
            _ask(
                application,
                key=f"evaluation-remind:{application.number}",
                title=stored(gettext_noop("办件 %(number)s 尚未评价"), number=application.number),
                body=stored(
                    gettext_noop("您对“%(item)s”的办理还满意吗？欢迎评价，您的意见将用于改进政务服务。"),
                    item=application.item.name,
                ),
            )
    return len(due)


def _default(clock: Clock) -> int:
    today = clock.today()
    with transaction.atomic():
        due = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(default_on__lte=today, closed_at__isnull=True)
            .select_related("application__department")
            .order_by("default_on")[:SWEEP_BATCH]
        )
        for invitation in due:
            application = invitation.application
            if Evaluation.objects.filter(application=application).exists():
                invitation.closed_at = clock.now()
                invitation.save(update_fields=["closed_at"])
                continue
            default_rating(application=application, clock=clock)
    return len(due)


def default_rating(*, application: Application, clock: Clock = system_clock) -> Evaluation:
    """The region's default rating once the window closed unrated: stored as defaulted, never as given."""
    policy = policy_for(application.department)
    return write_rating(
        application,
        rating=Rating(level=policy.default_level),
        indicators=[],
        channel=Evaluation.Channel.SYSTEM,
        rated_by=None,
        status=Evaluation.Status.DEFAULTED,
        clock=clock,
    )


def sweep_follow_ups(*, clock: Clock = system_clock) -> dict[str, int]:
    """Invitations, reminders and (where the rule says so) default ratings; each batch its own transaction."""
    return {"invited": _invite(clock), "reminded": _remind(clock), "defaulted": _default(clock)}
