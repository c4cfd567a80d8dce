"""Intake at the window: 受理, receiving a walk-in, 不予受理."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from applications import deadlines
from applications.models import (
    Application,
    Document,
)
from applications.refusals import resolve_refusal
from applications.services.bundles import advance_after
from applications.services.commitments import start_checks
from applications.services.core import _new_document, _open_first_task, transition
from applications.services.deferrals import defer_missing
from applications.transitions import Actor
from portal import stored_text
from portal.clock import Clock, system_clock
from portal.stored_text import stored

# --- Intake at the window ---------------------------------------------------------------------


@transaction.atomic
def accept_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    accepted_on: dt.date | None = None,
    clock: Clock = system_clock,
) -> Application:
    """受理: the clock starts the working day after; the first review task opens; a receipt is due."""
    on = accepted_on or clock.today()
    due = deadlines.deadlines_from(application.item, on)
    transition(
        application=application,
        action="auto_accept" if actor_role == Actor.SYSTEM else "accept",
        actor_role=actor_role,
        actor=actor,
        changes={
            "accepted_on": on,
            "due_on": due.due_on,
            "statutory_due_on": due.statutory_due_on,
            "warn_on": due.warn_on,
            "is_provisional_deadline": due.is_provisional,
            # Green to start with: the sweep turns it yellow or red and tells the department, also for
            # a case that counts as accepted on an earlier day (art. 32) and is already late.
            "light": Application.Light.GREEN,
            "auto_accept_on": None,
        },
        note=stored(
            gettext_noop("已受理，承诺办结日期 %(due_on)s。%(provisional)s"),
            due_on=stored_text.day(due.due_on),
            provisional=stored(gettext_noop("（依据临时工作日历，发布后重新计算）")) if due.is_provisional else "",
        ),
        clock=clock,
    )
    _open_first_task(application, clock)
    # 容缺受理: what the applicant pledged to bring later is owed from now (before the receipt lists it).
    if owed := defer_missing(application, accepted_on=on, clock=clock):
        Application.objects.filter(pk=application.pk).update(**owed)
        application.deferral_due_on = owed["deferral_due_on"]
    start_checks(application, accepted_on=on)  # 告知承诺: the department checks them from now
    _new_document(
        application,
        Document.Kind.ACCEPTANCE_RECEIPT,
        {"accepted_on": on.isoformat(), "due_on": due.due_on.isoformat()},
        clock,
    )
    return application


@transaction.atomic
def receive_application(
    *, application: Application, actor: Any, actor_role: str = Actor.CLERK, clock: Clock = system_clock
) -> Application:
    """收件 for the department: art. 32's five working days start."""
    today = clock.today()
    return transition(
        application=application,
        action="receive",
        actor_role=actor_role,
        actor=actor,
        changes={"received_on": today, "auto_accept_on": deadlines.auto_accept_date(today)},
        note=stored(gettext_noop("窗口已收件，转部门受理。")),
        clock=clock,
    )


@transaction.atomic
def refuse_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    reason: str,
    basis: str,
    competent_agency: str = "",
    reason_code: str = "",
    clock: Clock = system_clock,
) -> Application:
    """不予受理, in writing: reasons, legal basis, the competent agency, the right to review or sue.

    ``reason_code`` picks one of applications.refusals.REFUSAL_REASONS; without it both reason and
    basis are written out.
    """
    refs = resolve_refusal(reason_code=reason_code, reason=reason, basis=basis, competent_agency=competent_agency)
    transition(
        application=application, action="refuse", actor_role=actor_role, actor=actor, note=refs["reason"], clock=clock
    )
    _new_document(application, Document.Kind.REFUSAL_NOTICE, refs, clock)
    advance_after(application, clock=clock)  # 一件事: a part that needed this one is not started
    return application
