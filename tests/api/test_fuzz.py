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
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from portal.models import Role
from portal.wsgi import application
from tests.factories import ServiceItemFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES_PER_MODE = 10
MIN_OPERATIONS = 19  # the catalog's 18 operations and the token endpoint


@pytest.fixture
def catalog_rows(marriage_item, business_item, draft_item, department_x):
    pending = ServiceItemFactory(pending=True, department=department_x)
    return {
        "code": [marriage_item.code, business_item.code, draft_item.code],
        "item_id": [marriage_item.pk, draft_item.pk, pending.pk, business_item.pk],
    }


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
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


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


def test_no_operation_answers_with_a_server_error(wsgi_app, catalog_rows, staff_headers):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= MIN_OPERATIONS

    statuses: dict[str, Counter] = {}
    for operation in operations:
        # Rate limits count per client, and this test is one client sending hundreds of requests.
        cache.clear()
        real_rows = {p.name for p in operation.path_parameters} & set(catalog_rows)
        statuses[operation.label] = fuzz_operation(
            operation,
            strategies_for(operation, catalog_rows),
            examples=EXAMPLES_PER_MODE * (2 + len(real_rows)),
            headers=staff_headers if operation.path.startswith("/api/v1/manage/") else None,
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
    ):
        assert label in answered_ok, (label, statuses[label])
