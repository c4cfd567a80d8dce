"""一次一评 at the window: the clerk opens one service on the window's rating tablet (评价器), the
applicant touches a level there, and the session closes after that one rating or when it times out.

The tablet is a device on the counter facing the applicant, signed in as nobody: it opens its window's
page at an address given to whoever installs it (``manage.py tablet_address``), never shown to the
clerk, who could open it on their own screen and rate themselves (``tablet_path``; its ``tablet_key`` is
an HMAC of the window id under the secret key, so nothing is stored and a guessed window id gives
nothing). Staff never rate: a tablet page submitted from a signed-in staff account is refused, and the
clerk can only open a session.
"""

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from applications.access import roles_in_case
from applications.models import Application
from applications.transitions import Actor
from portal.clock import Clock, system_clock
from portal.exceptions import InvalidTransition, NotFound, PermissionDenied
from portal.services import record_audit
from reviews import evaluations
from reviews.evaluations import Rating
from reviews.models import Evaluation, TabletSession

SESSION_LIFETIME = dt.timedelta(minutes=5)


def tablet_key(window_id: int) -> str:
    return salted_hmac("reviews.tablet", str(window_id)).hexdigest()[:32]


def tablet_path(window_id: int) -> str:
    """The tablet's page: the one place its address is built. It is given to whoever installs the
    device (``manage.py tablet_address``), never shown to the clerk, who could then rate themselves."""
    return f"/ratings/tablet/{window_id}/{tablet_key(window_id)}/"


def check_tablet_key(window_id: int, key: str) -> None:
    # Bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    if not secrets.compare_digest(tablet_key(window_id).encode(), (key or "").encode()):
        raise NotFound(_("未找到该窗口评价器。"))


def _window_of(clerk: Any, application: Application) -> int:
    """The window the clerk serves this case at: the one that took it in, if the clerk sits there,
    else the clerk's first window."""
    mine = list(clerk.windows.order_by("hall__name", "number").values_list("pk", flat=True))
    try:
        intake_window = application.intake.window_id
    except ObjectDoesNotExist:
        intake_window = None
    if intake_window in mine:
        return intake_window
    if not mine:
        raise PermissionDenied(_("您尚未被安排到任何窗口，不能发起窗口评价。"))
    return mine[0]


@transaction.atomic
def open_session(*, clerk: Any, application: Application, clock: Clock = system_clock) -> TabletSession:
    """请评价: the case goes to the clerk's window tablet; a session left open there is closed first."""
    if Actor.CLERK not in roles_in_case(clerk, application):
        raise PermissionDenied(_("只有办理该办件的窗口工作人员可以发起窗口评价。"))
    evaluations.check_may_rate(application)
    window_id = _window_of(clerk, application)
    now = clock.now()
    TabletSession.objects.filter(window_id=window_id, closed_at__isnull=True).update(closed_at=now)
    session = TabletSession.objects.create(
        window_id=window_id, application=application, clerk=clerk, opened_at=now, expires_at=now + SESSION_LIFETIME
    )
    record_audit(
        actor=clerk, action="evaluation.tablet_opened", obj=session, detail={"application": application.number}
    )
    return session


def current_session(window_id: int, *, clock: Clock = system_clock) -> TabletSession | None:
    return (
        TabletSession.objects.filter(window_id=window_id, closed_at__isnull=True, expires_at__gt=clock.now())
        .select_related("application__item")
        .first()
    )


def rate_on_tablet(
    *, window_id: int, session_id: int, rating: Rating, user: Any, clock: Clock = system_clock
) -> Evaluation:
    """The applicant's touch on the tablet: the open, unexpired session of this window, once."""
    if getattr(user, "is_authenticated", False) and user.is_portal_staff:
        raise PermissionDenied(_("工作人员不能代申请人评价。"))
    with transaction.atomic():
        session = (
            TabletSession.objects.select_for_update()
            .select_related("application")
            .filter(pk=session_id, window_id=window_id)
            .first()
        )
        if session is None:
            raise NotFound(_("未找到该评价。"))
        if session.closed_at is not None or session.expires_at <= clock.now():
            raise InvalidTransition(_("本次评价已结束或已超时，请让窗口工作人员重新发起。"), code="tablet_closed")
        evaluations.check_may_rate(session.application)
        indicators = evaluations.checked(rating, Evaluation.Channel.TABLET)
        evaluation = evaluations.write_rating(
            session.application,
            rating=rating,
            indicators=indicators,
            channel=Evaluation.Channel.TABLET,
            status=Evaluation.Status.GIVEN,
            at_window=(session.window_id, session.clerk_id),
            clock=clock,
        )
        session.closed_at = clock.now()
        session.save(update_fields=["closed_at"])
        record_audit(actor=None, action="evaluation.given", obj=evaluation, detail={"channel": "tablet"})
    return evaluation
