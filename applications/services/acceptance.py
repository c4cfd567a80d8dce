"""受理: the one action that starts a case's clock. Apart from intake.py so that the bundle services
(which accept a later part under the bundle's one acceptance) can use it without an import cycle:
intake.py hooks into the bundle after a refusal."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from applications import deadlines
from applications.licences import rechecking
from applications.models import Application, Document
from applications.services.commitments import start_checks
from applications.services.core import _new_document, _open_first_task, transition
from applications.services.deferrals import defer_missing
from applications.transitions import Actor
from portal import stored_text
from portal.clock import Clock, system_clock
from portal.stored_text import stored


@transaction.atomic
def accept_application(
    *,
    application: Application,
    actor: Any,
    actor_role: str,
    accepted_on: dt.date | None = None,
    bundled: bool = False,
    receipt: bool = True,
    clock: Clock = system_clock,
) -> Application:
    """受理: the clock starts the working day after; the first review task opens; a receipt is due.

    ``bundled``: a later part of a 一件事 started after the bundle's one acceptance (no clerk acts
    again). ``receipt``: false for the parts of a bundle, whose one receipt lists them all.
    """
    on = accepted_on or clock.today()
    due = deadlines.deadlines_from(application.item, on)
    action = "accept_bundled" if bundled else "auto_accept" if actor_role == Actor.SYSTEM else "accept"
    transition(
        application=application,
        action=action,
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
    rechecking.recheck_at_acceptance(application=application, clock=clock)  # 免证办: still valid?
    if receipt:
        _new_document(
            application,
            Document.Kind.ACCEPTANCE_RECEIPT,
            {"accepted_on": on.isoformat(), "due_on": due.due_on.isoformat()},
            clock,
        )
    return application
