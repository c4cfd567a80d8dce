"""Who takes an intake decision (受理, 补正告知, 不予受理): applications.access.intake_role, the one answer
the API, the back-office workbench and the window's services share.

Clerk A sits at window A1 (收件即受理), clerk A2 at window A2 (receive only), both in hall A; clerk B
at hall B. The reviewer of department X is its handler once a window has received the case.
"""

import pytest

from applications import services as cases
from applications.access import INTAKE_ACTIONS, intake_role
from applications.transitions import Actor
from portal.exceptions import InvalidTransition, PermissionDenied
from portal.models import Role
from tests.factories import UserFactory
from tests.windows.conftest import MONDAY, clock_at
from windows import services
from windows.models import WindowAuthorization

DECISIONS = [a for a in INTAKE_ACTIONS if a != "receive"]


@pytest.fixture
def received(submitted, clerk_a2):
    services.take_in_application(clerk=clerk_a2, application=submitted, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    return submitted


@pytest.mark.parametrize("action", DECISIONS)
def test_the_clerk_of_an_authorised_window_decides_a_submitted_case(submitted, clerk_a, action):
    assert intake_role(clerk_a, submitted, action) == Actor.CLERK


@pytest.mark.parametrize("action", DECISIONS)
def test_the_department_waits_for_a_window_then_decides_as_handler(submitted, reviewer_x, clerk_a2, action):
    with pytest.raises(InvalidTransition, match="部门不能受理"):
        intake_role(reviewer_x, submitted, action)
    services.take_in_application(clerk=clerk_a2, application=submitted, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    assert intake_role(reviewer_x, submitted, action) == Actor.HANDLER


@pytest.mark.parametrize("persona", ["citizen", "clerk_b"])
def test_the_applicant_and_a_clerk_of_another_hall_do_not_decide(submitted, persona, request):
    user = request.getfixturevalue(persona)
    for action in DECISIONS:
        with pytest.raises(PermissionDenied):
            intake_role(user, submitted, action)


def test_a_reviewer_of_another_department_does_not_decide(received, department_y):
    yves = UserFactory(username="yves_i", department=department_y, roles=[Role.REVIEWER])
    with pytest.raises(PermissionDenied):
        intake_role(yves, received, "accept")


def test_a_window_that_lost_its_authorisation_no_longer_decides(received, clerk_a2, sysadmin):
    # Clerk A2 still sees the case (hall A took it in), but the window may no longer take the item in.
    services.revoke_window_authorization(
        actor=sysadmin, authorization=WindowAuthorization.objects.get(window__number="2")
    )
    with pytest.raises(PermissionDenied, match="未获实施部门授权"):
        intake_role(clerk_a2, received, "refuse")
    with pytest.raises(PermissionDenied):
        services.refuse_at_window(clerk=clerk_a2, application=received, reason="不属于本机关职权", basis="第三十二条")
    received.refresh_from_db()
    assert received.status == "received"


def test_a_handler_who_also_sits_at_a_window_acts_as_the_window_until_the_case_is_received(
    submitted, window_a, sysadmin, department_x, clerk_a2
):
    both = UserFactory(username="both", department=department_x, roles=[Role.CLERK, Role.REVIEWER])
    services.assign_clerk(actor=sysadmin, window=window_a, clerk=both)
    assert intake_role(both, submitted, "request_correction") == Actor.CLERK
    services.take_in_application(clerk=clerk_a2, application=submitted, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    assert intake_role(both, submitted, "request_correction") == Actor.HANDLER
    # At the window the department's decision is not taken: the workbench is the place for it.
    with pytest.raises(PermissionDenied, match="审查工作台"):
        services.ask_for_correction(clerk=both, application=submitted, entries=[{"name": "x", "reason": "y"}])
    cases.request_correction(
        application=submitted,
        actor=both,
        actor_role=intake_role(both, submitted, "request_correction"),
        entries=[{"name": "情况说明", "reason": "请补充"}],
        clock=clock_at(MONDAY, 15),
    )
    submitted.refresh_from_db()
    assert submitted.status == "correction_requested"
