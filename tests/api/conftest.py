"""Fixtures of the API tests: API clients signed in with a token, and a small published catalog."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import FAQ, Fee, MaterialRequirement, ProcessStep, ServiceItem, Situation, SituationOption, Topic
from portal.tokens import issue_api_token
from tests.applications.conftest import calendar_2026, licensing_item, party, submitted  # noqa: F401
from tests.factories import BasicItemFactory, ServiceItemFactory
from tests.reviews.conftest import alice, clerk, concluded, head_x, yves  # noqa: F401  (好差评's case and staff)
from tests.windows.conftest import (  # noqa: F401  (the cases, halls and clerks of the applications API tests)
    clerk_a,
    clerk_a2,
    clerk_b,
    hall_a,
    hall_b,
    item_y,
    sysadmin,
    window_a,
    window_a2,
    window_b,
)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # The API's rate limits count in the (process-wide) cache: start every test from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def token_client(user) -> APIClient:
    """A client as an API consumer: an Authorization: Bearer header (staff got it after TOTP)."""
    _, key = issue_api_token(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def topic_birth(db):
    return Topic.objects.create(code="birth", name="出生", audience=Topic.Audience.PERSON)


@pytest.fixture
def marriage_item(department_x, topic_birth):
    """A published item of department X with materials, a situation, steps, a fee and an FAQ."""
    item = ServiceItemFactory(
        department=department_x,
        basic_item=BasicItemFactory(name="婚姻登记", code="0001299001"),
        common_names="结婚证",
        has_fee=True,
        online_depth=ServiceItem.OnlineDepth.ONLINE_PREREVIEW,
    )
    item.topics.add(topic_birth)
    identity = MaterialRequirement.objects.create(item=item, order=1, name="居民身份证", originals=1)
    household = MaterialRequirement.objects.create(item=item, order=2, name="户口簿", originals=1)
    divorce = MaterialRequirement.objects.create(item=item, order=3, name="离婚证", is_situational=True)
    situation = Situation.objects.create(item=item, order=1, question="是否曾经离婚？")
    divorced = SituationOption.objects.create(situation=situation, order=1, label="曾经离婚")
    divorced.adds.add(divorce)
    collective = SituationOption.objects.create(situation=situation, order=2, label="集体户口")
    collective.drops.add(household)
    ProcessStep.objects.create(item=item, order=1, kind=ProcessStep.Kind.HANDLE, limit_days=3)
    Fee.objects.create(item=item, order=1, name="工本费", standard="9 元/本", amount_yuan="9.00")
    FAQ.objects.create(item=item, order=1, question="可以异地办理吗？", answer="可以在户籍地或居住地办理。")
    item.refresh_from_db()
    item.materials_by_name = {"居民身份证": identity, "户口簿": household, "离婚证": divorce}
    item.options = {"divorced": divorced, "collective": collective}
    return item


@pytest.fixture
def business_item(department_y):
    """A published, fully online item of department Y for enterprises."""
    return ServiceItemFactory(
        department=department_y,
        basic_item=BasicItemFactory(name="食品经营许可", code="0001299002"),
        service_objects=["enterprise"],
        online_depth=ServiceItem.OnlineDepth.FULLY_ONLINE,
        visits=0,
        visits_reason="",
    )


@pytest.fixture
def draft_item(department_x):
    """Version 1 of an item of department X that is still a draft."""
    return ServiceItemFactory(draft=True, department=department_x, basic_item=BasicItemFactory(name="草稿事项"))
