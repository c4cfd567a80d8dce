"""Every change of a case. Each public function is one action of the state table
(applications/transitions.py), goes through ``transition`` and writes the timeline and outbox rows
in the same transaction. Who may call which function is decided by applications/access.py; the
``actor_role`` passed in is what that helper established.

The actions live in modules by capability; this package re-exports them, so callers write
``from applications import services`` and ``services.accept_application``.
"""

from applications.services.bundles import sweep_bundles
from applications.services.commitments import commitment_problems, record_commitment_check, sweep_commitment_checks
from applications.services.core import _locked_for, _new_document, _notify_applicant, transition
from applications.services.corrections import request_correction, resubmit_correction, suspend_for_correction
from applications.services.decisions import decide_application
from applications.services.deferrals import owed as owed_materials
from applications.services.deferrals import supply_deferred, sweep_deferral_reminders, sweep_lapsed_deferrals
from applications.services.delivery import deliver_result, withdraw_application
from applications.services.drafts import (
    ACCESS_CODE_ALPHABET,
    ID_MISMATCH,
    attach_material,
    check_own_id_number,
    deferrable_missing,
    missing_materials,
    new_access_code,
    next_number,
    pledge_problems,
    required_materials,
    restart_draft,
    save_draft,
    start_application,
    start_online_application,
    submit_application,
)
from applications.services.fees import amount_due, pay_fee_online, settle_fee
from applications.services.intake import accept_application, receive_application, refuse_application
from applications.services.parties import (
    CLAIM_ATTEMPTS_PER_HOUR,
    ID_VALIDATORS,
    LOOKUP_FAILED,
    LOOKUP_FAILURES_PER_IP_PER_HOUR,
    LOOKUP_FAILURES_PER_NUMBER_PER_HOUR,
    LOOKUP_THROTTLED,
    claim_application,
    handle_identity_bound,
    link_party_to_account,
    look_up_progress,
    register_party,
    reveal_form_id_numbers,
    reveal_id_number,
)
from applications.services.procedures import (
    decide_extension,
    request_extension,
    resume_application,
    suspend_application,
)
from applications.services.steps import pass_step, return_step
from applications.services.sweeps import (
    sweep_auto_accept,
    sweep_expired_corrections,
    sweep_late_certificates,
    sweep_lights,
    sweep_overdue_steps,
)

__all__ = [
    "transition",
    "_locked_for",
    "_new_document",
    "_notify_applicant",
    "ID_VALIDATORS",
    "register_party",
    "CLAIM_ATTEMPTS_PER_HOUR",
    "claim_application",
    "LOOKUP_FAILURES_PER_IP_PER_HOUR",
    "LOOKUP_FAILURES_PER_NUMBER_PER_HOUR",
    "LOOKUP_FAILED",
    "LOOKUP_THROTTLED",
    "look_up_progress",
    "link_party_to_account",
    "handle_identity_bound",
    "reveal_id_number",
    "reveal_form_id_numbers",
    "start_application",
    "ID_MISMATCH",
    "check_own_id_number",
    "start_online_application",
    "save_draft",
    "restart_draft",
    "required_materials",
    "attach_material",
    "missing_materials",
    "next_number",
    "ACCESS_CODE_ALPHABET",
    "new_access_code",
    "submit_application",
    "accept_application",
    "receive_application",
    "refuse_application",
    "request_correction",
    "suspend_for_correction",
    "resubmit_correction",
    "suspend_application",
    "resume_application",
    "request_extension",
    "decide_extension",
    "pass_step",
    "return_step",
    "decide_application",
    "settle_fee",
    "amount_due",
    "pay_fee_online",
    "deliver_result",
    "withdraw_application",
    "sweep_auto_accept",
    "sweep_expired_corrections",
    "sweep_lights",
    "sweep_late_certificates",
    "sweep_overdue_steps",
    "supply_deferred",
    "pledge_problems",
    "deferrable_missing",
    "owed_materials",
    "sweep_deferral_reminders",
    "sweep_lapsed_deferrals",
    "commitment_problems",
    "record_commitment_check",
    "sweep_commitment_checks",
    "sweep_bundles",
]
