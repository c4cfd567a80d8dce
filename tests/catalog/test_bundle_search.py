"""一件事 in search and lists: found by its name, keywords and its members' names and aliases, ranked like
items, and offered only where every member serves the visitor's region (办事地区)."""

import pytest
from django.urls import reverse

from catalog import bundle_services, selectors
from catalog.models import Topic
from catalog.services import build_search_text
from catalog.views.public import REGION_COOKIE
from tests.catalog.test_bundles import CLOCK, members, spec_for  # noqa: F401 (fixture)
from tests.factories import DepartmentFactory, RegionFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def beauty_shop(editor_x, publisher, department_x, members):  # noqa: F811
    first, _ = members
    first.common_names = "营业执照，开店"
    first.search_text = build_search_text(first)
    first.save()
    topic = Topic.objects.create(code="open-shop", name="开店", audience=Topic.Audience.BUSINESS)
    spec = spec_for(*members, keywords="美容美发,开美容院", summary="开一家美容店要办的事，一次办好。")
    draft = bundle_services.create_bundle(actor=editor_x, department=department_x, spec=spec)
    draft.topics.add(topic)
    bundle_services.submit_bundle(actor=editor_x, bundle=draft, clock=CLOCK)
    return bundle_services.publish_bundle(actor=publisher, bundle=draft, clock=CLOCK)


def found(client, **params) -> list[str]:
    return [b.name for b in client.get(reverse("catalog:search"), params).context["bundles"]]


def test_a_search_finds_the_bundle_by_its_name_keywords_summary_and_its_members(client, beauty_shop):
    for query in ("美容店", "开美容院", "一次办好", "公共场所卫生", "营业执照", "美容 卫生许可"):
        assert found(client, q=query) == [beauty_shop.name], query
    assert found(client, q="不存在的东西") == []
    page = client.get(reverse("catalog:search"), {"q": "美容"}).content.decode()
    assert "高效办成一件事" in page and beauty_shop.get_absolute_url() in page


def test_bundles_rank_like_items_the_exact_name_first(client, beauty_shop, editor_x, publisher, department_x):
    first, second = beauty_shop.members.order_by("stage")[0].item, beauty_shop.members.order_by("stage")[1].item
    other = bundle_services.create_bundle(
        actor=editor_x,
        department=department_x,
        spec=spec_for(first, second, name="美容店注销一件事", keywords="美容店"),
    )
    bundle_services.submit_bundle(actor=editor_x, bundle=other, clock=CLOCK)
    bundle_services.publish_bundle(actor=publisher, bundle=other, clock=CLOCK)
    # "美容店" is a keyword of the second (rank 1) and only inside the first's name (rank 3).
    assert found(client, q="美容店") == ["美容店注销一件事", "开办美容店一件事"]
    assert found(client, q="开办美容店一件事") == ["开办美容店一件事"]


def test_only_filters_that_mean_something_for_a_bundle_apply(client, beauty_shop, department_y):
    assert found(client, q="美容", type="01") == []  # an item type: bundles have none
    assert found(client, q="美容", depth="4") == []
    assert found(client, q="美容", object="person") == []  # a business bundle
    assert found(client, q="美容", object="organisation") == [beauty_shop.name]
    assert found(client, q="美容", department=str(department_y.pk)) == []
    assert found(client, q="美容", topic="open-shop") == [beauty_shop.name]
    assert found(client) == []  # the bare list of items: the bundles have a list of their own


def test_bundles_are_listed_only_where_every_member_serves_the_chosen_region(client, beauty_shop, department_y):
    elsewhere = department_y.region
    everywhere = [
        (reverse("portal:home"), "bundles"),
        (reverse("catalog:bundle_list"), "business_bundles"),
        (reverse("catalog:topic", args=["open-shop"]), "bundles"),
    ]
    for url, key in everywhere:
        assert [b.name for b in client.get(url).context[key]] == [beauty_shop.name], url
    assert found(client, q="美容") == [beauty_shop.name]
    client.cookies[REGION_COOKIE] = elsewhere.code
    for url, key in everywhere:
        assert list(client.get(url).context[key]) == [], url
    assert found(client, q="美容") == []
    # A region picked in the filters replaces the visitor's own one, as for items.
    assert found(client, q="美容", region=beauty_shop.region.code) == [beauty_shop.name]
    client.cookies[REGION_COOKIE] = beauty_shop.region.code
    assert found(client, q="美容") == [beauty_shop.name]
    # A garbage cookie is no region at all.
    client.cookies[REGION_COOKIE] = "x" * 40
    assert found(client, q="美容") == [beauty_shop.name]


def test_a_member_of_the_level_above_serves_the_district_one_of_another_district_does_not(
    beauty_shop, department_x, department_y
):
    district = department_x.region
    city = RegionFactory(code="320100000000", name="南京市")
    district.parent = city
    district.save()
    assert list(selectors.published_bundles(serving=district)) == [beauty_shop]
    member = beauty_shop.members.order_by("stage").last()
    member.item = ServiceItemFactory(department=DepartmentFactory(region=city))
    member.save()
    assert list(selectors.published_bundles(serving=district)) == [beauty_shop]
    member.item = ServiceItemFactory(department=DepartmentFactory(region=department_y.region))
    member.save()
    assert list(selectors.published_bundles(serving=district)) == []
    assert list(selectors.published_bundles()) == [beauty_shop]
