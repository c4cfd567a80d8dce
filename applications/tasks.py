"""Beat's deadline sweeps (applications/services/sweeps.py), run with the system clock.

Each sweep claims its rows with ``skip_locked``, so a run that overlaps the previous one, or a second
beat by mistake, does no harm. One failing sweep does not keep the others from running.
"""

import logging

from celery import shared_task

from applications import documents, services
from applications.licences import issuing

log = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def sweep_deadlines() -> dict[str, int]:
    """行政许可法 art. 32 auto-acceptance, expired corrections (退件), the case lights, the review steps' lights,
    certificates not delivered in time (art. 44), 容缺后补 materials owed (reminder, then the item's rule),
    告知承诺 checks due, 一件事 parts whose turn has come."""
    sweeps = {
        "auto_accepted": services.sweep_auto_accept,
        "returned": services.sweep_expired_corrections,
        "lights_changed": services.sweep_lights,
        "steps_changed": services.sweep_overdue_steps,
        "certificates_late": services.sweep_late_certificates,
        "deferrals_reminded": services.sweep_deferral_reminders,
        "deferrals_lapsed": services.sweep_lapsed_deferrals,
        "commitment_checks_due": services.sweep_commitment_checks,
        "bundle_parts_started": services.sweep_bundles,
    }
    done: dict[str, int] = {}
    failure: Exception | None = None
    for name, sweep in sweeps.items():
        try:
            done[name] = sweep()
        except Exception as exc:
            log.exception("deadline sweep %s failed", name)
            failure = failure or exc
    if failure is not None:
        raise failure
    return done


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=10)
def handle_identity_bound(message_id: int) -> int:
    """An account bound an ID number: tell the phones on file (applications.services.handle_identity_bound)."""
    return services.handle_identity_bound(message_id=message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=10)
def render_issued_document(message_id: int) -> bool:
    """A document was issued: render and sign it now (applications.documents.render_issued_document)."""
    return documents.render_issued_document(message_id=message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=10)
def render_issued_licence(message_id: int) -> bool:
    """A grant issued a licence: render, sign and publish it (applications.licences.issuing.render_issued_licence)."""
    return issuing.render_issued_licence(message_id=message_id)
