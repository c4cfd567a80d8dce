"""The state table of DOMAIN.md ("The application lifecycle"), as data.

``TRANSITIONS[action]`` names the states the action may start from, the state it leads to (``None``
when the state is kept, as for an extension or a step passed on) and the actors who may take it.
``applications.services.transition`` is the only code that reads it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from applications.models import Application

S = Application.Status


class Actor:
    """Who takes an action: a role in the case, not a group (a reviewer acts on a task)."""

    APPLICANT = "applicant"
    CLERK = "clerk"
    HANDLER = "handler"  # the department's back office accepting or refusing a received case
    REVIEWER = "reviewer"
    APPROVER = "approver"
    CHIEF_REP = "chief_rep"
    DEPT_HEAD = "dept_head"
    SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str]
    label: str


def _move(sources: set[str], target: str | None, actors: set[str], label: str) -> Move:
    return Move(frozenset(sources), target, frozenset(actors), label)


OPEN_BEFORE_DECISION = {S.DRAFT, S.SUBMITTED, S.RECEIVED, S.CORRECTION_REQUESTED, S.IN_REVIEW, S.SUSPENDED}

TRANSITIONS: dict[str, Move] = {
    "submit": _move({S.DRAFT}, S.SUBMITTED, {Actor.APPLICANT, Actor.CLERK}, gettext_lazy("申报")),
    "accept": _move({S.SUBMITTED, S.RECEIVED}, S.IN_REVIEW, {Actor.CLERK, Actor.HANDLER}, gettext_lazy("受理")),
    # 一件事: a later part, started when its turn comes, stands accepted by the bundle's one acceptance.
    "accept_bundled": _move({S.SUBMITTED}, S.IN_REVIEW, {Actor.SYSTEM}, gettext_lazy("随一件事受理")),
    "receive": _move({S.SUBMITTED}, S.RECEIVED, {Actor.CLERK}, gettext_lazy("收件")),
    "request_correction": _move(
        {S.SUBMITTED, S.RECEIVED}, S.CORRECTION_REQUESTED, {Actor.CLERK, Actor.HANDLER}, gettext_lazy("一次性告知补正")
    ),
    "refuse": _move({S.SUBMITTED, S.RECEIVED}, S.REFUSED, {Actor.CLERK, Actor.HANDLER}, gettext_lazy("不予受理")),
    "auto_accept": _move({S.SUBMITTED, S.RECEIVED}, S.IN_REVIEW, {Actor.SYSTEM}, gettext_lazy("逾期未告知，视为受理")),
    # resubmit returns to the state recorded when the correction was asked (status_before_correction);
    # after acceptance (a suspension of kind correction) it ends the pause and the case is in review again
    "resubmit": _move(
        {S.CORRECTION_REQUESTED, S.SUSPENDED}, None, {Actor.APPLICANT, Actor.CLERK}, gettext_lazy("补正材料")
    ),
    "correction_expired": _move(
        {S.CORRECTION_REQUESTED, S.SUSPENDED}, S.RETURNED, {Actor.SYSTEM}, gettext_lazy("逾期未补正，退件")
    ),
    "pass_step": _move({S.IN_REVIEW}, S.IN_REVIEW, {Actor.REVIEWER}, gettext_lazy("审查通过，转下一环节")),
    "return_step": _move({S.IN_REVIEW}, S.IN_REVIEW, {Actor.REVIEWER, Actor.APPROVER}, gettext_lazy("退回上一环节")),
    "grant": _move({S.IN_REVIEW}, S.DECIDED, {Actor.APPROVER, Actor.CHIEF_REP}, gettext_lazy("准予")),
    "deny": _move({S.IN_REVIEW}, S.DECIDED, {Actor.APPROVER}, gettext_lazy("不予许可")),
    "suspend": _move(
        {S.IN_REVIEW}, S.SUSPENDED, {Actor.REVIEWER, Actor.APPROVER}, gettext_lazy("暂停计时（特别程序/补正）")
    ),
    # a correction after acceptance ends with the applicant's "resubmit", not with "resume"
    "resume": _move({S.SUSPENDED}, S.IN_REVIEW, {Actor.REVIEWER, Actor.APPROVER}, gettext_lazy("恢复计时")),
    # 容缺受理 (applications.services.deferrals): the owed material comes, or its date passes.
    "supply_deferred": _move(
        {S.IN_REVIEW, S.SUSPENDED}, None, {Actor.APPLICANT, Actor.CLERK}, gettext_lazy("补交容缺材料")
    ),
    "deferral_lapsed": _move({S.IN_REVIEW}, S.SUSPENDED, {Actor.SYSTEM}, gettext_lazy("容缺材料逾期未补，暂停计时")),
    "deferral_expired": _move({S.IN_REVIEW}, S.RETURNED, {Actor.SYSTEM}, gettext_lazy("容缺材料逾期未补，退件")),
    # 告知承诺制 (applications.services.commitments): the department's later check, before or after the decision.
    "check_commitment": _move(
        {S.IN_REVIEW, S.SUSPENDED, S.DECIDED, S.CONCLUDED}, None, {Actor.HANDLER}, gettext_lazy("告知承诺核查")
    ),
    "extend": _move({S.IN_REVIEW, S.SUSPENDED}, None, {Actor.DEPT_HEAD}, gettext_lazy("延长办理时限")),
    "withdraw": _move(OPEN_BEFORE_DECISION, S.WITHDRAWN, {Actor.APPLICANT}, gettext_lazy("撤回申请")),
    "deliver": _move({S.DECIDED}, S.CONCLUDED, {Actor.CLERK, Actor.SYSTEM}, gettext_lazy("送达办结")),
}


def allowed_actions(status: str, actor: str) -> list[str]:
    """The actions an actor may take on a case in this state (for buttons and the property test)."""
    return [name for name, move in TRANSITIONS.items() if status in move.sources and actor in move.actors]
