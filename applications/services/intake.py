"""Intake at the window: 受理, receiving a walk-in, 不予受理."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from applications import deadlines
from applications.models import (
    Application,
    Document,
)
from applications.refusals import resolve_refusal
from applications.services.acceptance import accept_application
from applications.services.bundles import advance_after
from applications.services.core import _new_document, transition
from applications.transitions import Actor
from portal.clock import Clock, system_clock
from portal.stored_text import stored

# --- Intake at the window ---------------------------------------------------------------------

__all__ = ["accept_application", "receive_application", "refuse_application"]


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
