"""The back office of departments X and Y (STYLE.md rule 9: reviewer of department X vs Y).

Department X: reviewers Alice (handles), Bob, Carol (checks) and Dave (approves), the head Hannah and
the chief representative Chen. Department Y: reviewer Yves. A clerk and the citizen have no business
on the workbench. Cases are accepted on Monday 2026-03-02 (promised 10 working days → due 03-16).
The case fixtures (licensing_item, party, submitted) come from tests/applications/conftest.py.
"""

import datetime as dt
import importlib
import re

import pytest

from applications import services as cases
from applications.models import Application
from applications.transitions import Actor
from catalog.models import ProcessStep, ServiceItem
from portal.models import Role
from tests.applications.conftest import calendar_2026, clock_at, licensing_item, party, pdf, submitted  # noqa: F401
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, ServiceItemFactory, UserFactory, make_resident_id

MONDAY = dt.date(2026, 3, 2)


def restore_indicators() -> None:
    """The indicator options the data migration writes; a transactional test elsewhere flushes them
    (all of them: a test's own changes are rolled back), so one query tells whether they are there."""
    from django.apps import apps

    from reviews.models import Indicator

    if Indicator.objects.exists():
        return
    importlib.import_module("reviews.migrations.0002_indicators").add(apps, None)


@pytest.fixture(autouse=True)
def _indicators(db):
    restore_indicators()


def _staff(username: str, real_name: str, department, *roles: str):
    return UserFactory(username=username, real_name=real_name, department=department, roles=list(roles))


@pytest.fixture
def alice(department_x):
    return _staff("rev_alice", "审查员甲", department_x, Role.REVIEWER)


@pytest.fixture
def bob(department_x):
    return _staff("rev_bob", "审查员乙", department_x, Role.REVIEWER)


@pytest.fixture
def carol(department_x):
    return _staff("rev_carol", "审查员丙", department_x, Role.REVIEWER)


@pytest.fixture
def dave(department_x):
    return _staff("rev_dave", "审查员丁", department_x, Role.REVIEWER)


@pytest.fixture
def head_x(department_x):
    return _staff("head_x", "部门负责人", department_x, Role.DEPT_HEAD)


@pytest.fixture
def chief_x(department_x):
    return _staff("chief_x", "首席代表", department_x, Role.CHIEF_REP)


@pytest.fixture
def yves(department_y):
    return _staff("rev_yves", "秦淮审查员", department_y, Role.REVIEWER)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk_z", real_name="窗口人员", roles=[Role.CLERK])


def file_case(item: ServiceItem, party, citizen, *, day: dt.date = MONDAY) -> Application:  # noqa: F811
    """An online submission of `item` with its materials, made at 09:00 on `day`."""
    clock = clock_at(day, 9)
    application = cases.start_application(user=citizen, item=item, party=party, clock=clock)
    if item.form_definition:
        values = {f["name"]: make_resident_id() if f["type"] == "id_number" else "张三" for f in item.form_definition}
        cases.save_draft(application=application, form_data=values)
    for requirement in item.materials.all():
        cases.attach_material(application=application, requirement=requirement, file=pdf(), actor=citizen, clock=clock)
    return cases.submit_application(application=application, actor=citizen, declaration=True, clock=clock)


def accept(application: Application, clerk, *, on: dt.date = MONDAY, at: dt.date | None = None) -> Application:  # noqa: F811
    """受理 at a window on `on` (the clock's day may differ: `at`), opening the first review task."""
    cases.accept_application(
        application=application, actor=clerk, actor_role=Actor.CLERK, accepted_on=on, clock=clock_at(at or on, 11)
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def accepted(submitted, clerk):  # noqa: F811
    """The licensing item's case (handle → check → approve) accepted on Monday 2026-03-02."""
    return accept(submitted, clerk)


@pytest.fixture
def received(submitted, clerk):  # noqa: F811
    """The case received (收件) for the department by a receipt-only window on Monday."""
    cases.receive_application(application=submitted, actor=clerk, clock=clock_at(MONDAY, 11))
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def case_y(department_y, party, citizen, clerk, calendar_2026):  # noqa: F811
    item = ServiceItemFactory(department=department_y, special_procedures=["site_inspection"])
    for order, kind in enumerate([ProcessStep.Kind.HANDLE, ProcessStep.Kind.APPROVE], start=1):
        item.steps.create(kind=kind, order=order, limit_days=3)
    MaterialRequirementFactory(item=item, name="营业执照")
    return accept(file_case(item, party, citizen), clerk)


@pytest.fixture
def immediate_item(department_x, calendar_2026):  # noqa: F811
    """即办件: one approval step, which the chief representative may take on the spot."""
    item = ServiceItemFactory(department=department_x, is_immediate=True, promised_days=1, statutory_days=1)
    item.steps.create(kind=ProcessStep.Kind.APPROVE, order=1, limit_days=1)
    MaterialRequirementFactory(item=item, name="身份证明")
    return item


@pytest.fixture
def immediate_case(immediate_item, party, citizen, clerk):  # noqa: F811
    return accept(file_case(immediate_item, party, citizen), clerk)


def open_task(application: Application):
    return application.tasks.get(status="open")


def as_user(client, user):
    return login_verified(client, user)


def visible_text(html: str) -> str:
    """The page's words without its tags: a light's label is marked up in parts (a wrap point)."""
    return re.sub(r"<[^>]+>", "", html)


def conclude(application: Application, clerk, day: dt.date = MONDAY, *, done: dt.date | None = None) -> Application:  # noqa: F811
    """Accept on `day`, pass handle and check, grant (three staff), deliver by download on `done` (or `day`)."""
    clock = clock_at(done or day, 11)
    accept(application, clerk, on=day)
    cases.pass_step(application=application, actor=UserFactory(), opinion="材料齐全", clock=clock)
    cases.pass_step(application=application, actor=UserFactory(), opinion="同意", clock=clock)
    cases.decide_application(
        application=application, actor=UserFactory(), outcome="granted", reasons="符合法定条件。", clock=clock
    )
    cases.deliver_result(application=application, actor=None, actor_role=Actor.SYSTEM, method="download", clock=clock)
    application.refresh_from_db()
    return application


@pytest.fixture
def concluded(submitted, clerk):  # noqa: F811
    return conclude(submitted, clerk)
