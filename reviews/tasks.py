"""Beat's 好差评 sweep: invitations, reminders, default ratings, and the rectifications' lights."""

import logging

from celery import shared_task

from reviews import evaluations, problems, rectifications

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def sweep_evaluations() -> dict[str, int]:
    """Each part claims its rows with ``skip_locked`` and keys its messages, so a rerun sends nothing twice."""
    done = evaluations.sweep_follow_ups()
    done["rectification_lights"] = rectifications.sweep_lights()
    done["problem_lights"] = problems.sweep_lights()
    return done
