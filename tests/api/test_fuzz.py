"""Schemathesis against the in-process WSGI app: no API operation answers with a server error.

Every operation of the published schema is fuzzed with valid and invalid input, with its path
parameters sometimes pointing at real rows (so the guide, the material list and the workflow run
for real, not only their 404s), the staff operations with a token of an editor-publisher.
"""

from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from applications import services as cases
from applications.transitions import Actor
from catalog.models import Fee
from portal.idnumbers import id_number_digest
from portal.models import Role
from portal.tokens import issue_api_token
from portal.wsgi import application
from reviews import evaluations
from reviews.evaluations import Rating
from reviews.models import Level
from tests.applications.conftest import clock_at
from tests.factories import ServiceItemFactory, UserFactory, make_resident_id
from tests.reviews.conftest import MONDAY, conclude, file_case, restore_indicators

pytestmark = pytest.mark.django_db

EXAMPLES_PER_MODE = 10
# The catalog's 18 operations, the token endpoint, the applications' 29 and 好差评's 15.
MIN_OPERATIONS = 63
# The applications' operations change state as they are fuzzed: fewer examples keep the test short.
CASE_EXAMPLES_PER_MODE = 5


@pytest.fixture
def catalog_rows(marriage_item, business_item, draft_item, department_x):
    pending = ServiceItemFactory(pending=True, department=department_x)
    return {
        "code": [marriage_item.code, business_item.code, draft_item.code],
        "item_id": [marriage_item.pk, draft_item.pk, pending.pk, business_item.pk],
    }


@pytest.fixture
def case_rows(submitted, licensing_item, party, citizen, clerk_a, department_x, supervisor):
    """Cases in each state the operations act on: a draft, a submitted case, one in review (with a
    pending extension), one decided with a fee due and two concluded, one of them rated very
    dissatisfied (a rectification to verify); and the personas' tokens."""
    citizen.id_number_digest = id_number_digest(make_resident_id())  # the `party` fixture's number
    citizen.real_name_verified_at = clock_at(MONDAY).now()
    citizen.save()
    reviewer, checker, approver = (UserFactory(department=department_x, roles=[Role.REVIEWER]) for _ in range(3))
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    draft = cases.start_application(user=citizen, item=licensing_item, party=party, clock=clock_at(MONDAY))
    in_review, decided = file_case(licensing_item, party, citizen), file_case(licensing_item, party, citizen)
    for case in (in_review, decided):
        cases.accept_application(application=case, actor=clerk_a, actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11))
    # Concluded before the item has a fee (delivery waits for fees paid).
    restore_indicators()
    concluded, rated = (conclude(file_case(licensing_item, party, citizen), clerk_a) for _ in range(2))
    bad = Rating(level=Level.VERY_DISSATISFIED, comment="等了很久")
    rectification = evaluations.rate_application(application=rated, user=citizen, rating=bad).rectification
    Fee.objects.create(item=licensing_item, name="工本费", standard="每证10元", amount_yuan=10)
    cases.pass_step(application=decided, actor=reviewer, opinion="材料齐全", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=decided, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))
    cases.decide_application(
        application=decided, actor=approver, outcome="granted", reasons="符合法定条件。", clock=clock_at(MONDAY, 16)
    )
    extension = cases.request_extension(application=in_review, actor=reviewer, days=3, reason="需要论证")

    def token(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_api_token(user=user)[1]}"}

    return {
        "rows": {
            "number": [submitted.number, in_review.number, decided.number, concluded.number, rated.number],
            "draft_id": [draft.pk],
            "fee_id": [decided.fee_assessments.get().pk],
            "task_id": [in_review.tasks.get(status="open").pk],
            "extension_id": [extension.pk],
            "material_id": [submitted.materials.get().pk],
            "rectification_id": [rectification.pk],
        },
        "headers": {
            "citizen": token(citizen),
            "clerk": token(clerk_a),
            "reviewer": token(reviewer),
            "head": token(head),
            "supervisor": token(supervisor),
            "hotline": token(UserFactory(roles=[Role.HOTLINE])),
        },
    }


CLERK_ACTIONS = ("accept", "receive", "request-correction", "refuse", "deliver", "fees")
REVIEWER_ACTIONS = ("pass", "return", "decide", "suspend", "suspend-for-correction", "resume", "extension")


def case_persona(path: str) -> str | None:
    """Who calls an applications operation in the fuzzing: the persona whose work it is."""
    parts = path.removeprefix("/api/v1/").strip("/").split("/")
    if parts[:2] == ["ratings", "phone"]:
        return "hotline"
    if parts[0] == "ratings":
        return "citizen"
    if parts[0] == "rectifications":
        return "supervisor" if parts[-1] == "decide" else "head"
    if parts[0] == "supervision":
        return "supervisor"
    if parts[0] == "hall":
        return "clerk"
    if parts[0] == "review":
        return "reviewer"
    if parts[0] == "extensions":
        return "head"
    if parts[0] != "applications":
        return None
    action = parts[2] if len(parts) > 2 and parts[1] == "{number}" else ""
    if action in CLERK_ACTIONS:
        return "clerk"
    if action in REVIEWER_ACTIONS:
        return "reviewer"
    return "citizen"


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept from closing the test's database connection after each
    request (Django's own test client does the same): the test's transaction must survive."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_headers(department_x):
    user = UserFactory(
        username="fuzz_staff", department=department_x, roles=[Role.CATALOG_EDITOR, Role.CATALOG_PUBLISHER]
    )
    return {"Authorization": f"Bearer {issue_api_token(user=user)[1]}"}


def strategies_for(operation, rows: dict[str, list]) -> st.SearchStrategy:
    """Generated input in both modes; for operations with a path parameter, also real rows."""
    variants = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    names = {p.name for p in operation.path_parameters}
    for name in names & set(rows):
        for value in rows[name]:
            variants.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value}))
    return st.one_of(variants)


def fuzz_operation(operation, strategy: st.SearchStrategy, *, examples: int, headers: dict | None) -> Counter:
    """Send ``examples`` generated cases; return how often each status came back."""
    seen: Counter = Counter()

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def fuzz(case):
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
    return seen


def test_no_operation_answers_with_a_server_error(wsgi_app, catalog_rows, staff_headers, case_rows):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= MIN_OPERATIONS

    statuses: dict[str, Counter] = {}
    for operation in operations:
        # Rate limits count per client, and this test is one client sending hundreds of requests.
        cache.clear()
        rows, per_mode, headers = catalog_rows, EXAMPLES_PER_MODE, None
        if operation.path.startswith("/api/v1/manage/"):
            headers = staff_headers
        persona = case_persona(operation.path)
        if persona is not None:
            rows, per_mode, headers = case_rows["rows"], CASE_EXAMPLES_PER_MODE, case_rows["headers"][persona]
            if operation.method.upper() == "DELETE":
                rows = {}  # deleting the one draft would leave the other draft operations only their 404s
        real_rows = {p.name for p in operation.path_parameters} & set(rows)
        statuses[operation.label] = fuzz_operation(
            operation, strategies_for(operation, rows), examples=per_mode * (2 + len(real_rows)), headers=headers
        )

    # The fuzzing reached the operations, not only their refusals.
    answered_ok = {label for label, counter in statuses.items() if any(200 <= code < 300 for code in counter)}
    for label in (
        "GET /api/v1/items/",
        "GET /api/v1/items/{code}/",
        "GET /api/v1/items/{code}/materials/",
        "GET /api/v1/topics/",
        "GET /api/v1/manage/items/",
        "GET /api/v1/manage/items/{item_id}/",
        "GET /api/v1/manage/items/{item_id}/history/",
        "GET /api/v1/applications/",
        "GET /api/v1/applications/{number}/",
        "GET /api/v1/applications/drafts/{draft_id}/",
        "GET /api/v1/hall/prereview/",
        "GET /api/v1/review/tasks/",
        "GET /api/v1/ratings/",
        "GET /api/v1/ratings/indicators/",
        "GET /api/v1/rectifications/",
        "GET /api/v1/rectifications/{rectification_id}/",
        "GET /api/v1/supervision/figures/",
    ):
        assert label in answered_ok, (label, statuses[label])
