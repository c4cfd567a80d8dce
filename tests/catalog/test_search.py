"""Public search (/items/), topic pages and the home page."""

from urllib.parse import unquote

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.models import ItemType, Region, ServiceItem, Topic
from tests.factories import DepartmentFactory, RegionFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [item.name for item in response.context["page"].object_list]


@pytest.fixture
def catalog(department_x, department_y):
    """Three everyday items with the aliases citizens actually type."""
    return {
        "business": ServiceItemFactory(
            name="个体工商户设立登记",
            common_names="营业执照，开店",
            keywords="个体户 登记",
            department=department_y,
            service_objects=["natural_person"],
            online_depth=ServiceItem.OnlineDepth.FULLY_ONLINE,
            visits=0,
            item_type=ItemType.LICENSING,
        ),
        "card": ServiceItemFactory(
            name="社会保障卡申领",
            common_names="社保卡",
            keywords="医保 就医",
            department=DepartmentFactory(name="人力资源和社会保障局", region=department_x.region),
            item_type=ItemType.PUBLIC_SERVICE,
            promised_days=3,
            visits=1,
        ),
        "marriage": ServiceItemFactory(
            name="内地居民婚姻登记",
            department=DepartmentFactory(name="民政局", region=department_x.region),
            item_type=ItemType.CONFIRMATION,
            is_immediate=True,
        ),
    }


def test_it_finds_an_item_by_part_of_its_name(client, catalog):
    assert names(client.get("/items/", {"q": "婚姻"})) == ["内地居民婚姻登记"]
    assert names(client.get("/items/", {"q": "保障卡"})) == ["社会保障卡申领"]


def test_it_finds_an_item_by_its_common_name(client, catalog):
    assert names(client.get("/items/", {"q": "营业执照"})) == ["个体工商户设立登记"]
    assert names(client.get("/items/", {"q": "社保卡"})) == ["社会保障卡申领"]


def test_it_finds_an_item_by_keyword(client, catalog):
    assert names(client.get("/items/", {"q": "医保"})) == ["社会保障卡申领"]


def test_it_finds_items_by_department_name(client, catalog):
    assert names(client.get("/items/", {"q": "民政"})) == ["内地居民婚姻登记"]
    assert names(client.get("/items/", {"q": "市场监督"})) == ["个体工商户设立登记"]


def test_it_ignores_case_of_latin_letters_and_surrounding_spaces(client, catalog):
    item = ServiceItemFactory(name="ICP备案", keywords="Internet")
    assert names(client.get("/items/", {"q": "  icp "})) == [item.name]
    assert names(client.get("/items/", {"q": "INTERNET"})) == [item.name]


def test_an_empty_query_lists_every_published_item_by_name(client, catalog):
    response = client.get("/items/")
    assert response.status_code == 200
    assert sorted(names(response)) == sorted(i.name for i in catalog.values())
    assert response.context["page"].paginator.count == 3


def test_it_never_lists_drafts_pending_or_retired_versions(client, catalog):
    ServiceItemFactory(name="婚姻登记草稿", draft=True)
    ServiceItemFactory(name="婚姻登记待审", pending=True)
    ServiceItemFactory(name="婚姻登记旧版", status=ServiceItem.Status.RETIRED)
    assert names(client.get("/items/", {"q": "婚姻"})) == ["内地居民婚姻登记"]


def test_results_show_department_region_type_depth_promised_days_and_visits(client, catalog):
    html = client.get("/items/", {"q": "社保卡"}).content.decode()
    assert "人力资源和社会保障局" in html
    assert "玄武区" in html
    assert "公共服务" in html
    assert "Ⅲ 在线预审" in html
    assert "3 工作日" in html
    assert "1 次" in html
    assert catalog["card"].get_absolute_url() in html


def test_an_immediate_item_shows_as_done_on_the_spot(client, catalog):
    html = client.get("/items/", {"q": "婚姻"}).content.decode()
    assert "即办" in html


def test_it_filters_by_department(client, catalog, department_y):
    response = client.get("/items/", {"department": department_y.id})
    assert names(response) == ["个体工商户设立登记"]


def test_it_filters_by_item_type(client, catalog):
    assert names(client.get("/items/", {"type": ItemType.CONFIRMATION})) == ["内地居民婚姻登记"]


def test_it_filters_natural_persons_from_organisations(client, catalog):
    company = ServiceItemFactory(name="企业名称登记", service_objects=["enterprise", "other"])
    ServiceItemFactory(name="社团年检", service_objects=["social_org"])
    both = ServiceItemFactory(name="档案查询", service_objects=["natural_person", "institution"])
    persons = names(client.get("/items/", {"object": "person"}))
    organisations = names(client.get("/items/", {"object": "organisation"}))
    assert company.name not in persons and both.name in persons
    assert "社会保障卡申领" in persons
    assert sorted(organisations) == sorted([company.name, "社团年检", both.name])


def test_it_filters_by_region_including_subregions(client, department_x, department_y):
    nanjing = RegionFactory(code="320100000000", name="南京市", level=Region.Level.CITY)
    suzhou = RegionFactory(code="320500000000", name="苏州市", level=Region.Level.CITY)
    township = RegionFactory(code="320102001000", name="梅园新村街道", level=Region.Level.TOWNSHIP)
    in_county = ServiceItemFactory(name="县级事项", department=department_x)
    in_township = ServiceItemFactory(name="街道事项", department=DepartmentFactory(region=township))
    in_suzhou = ServiceItemFactory(name="苏州事项", department=DepartmentFactory(region=suzhou))
    ServiceItemFactory(name="秦淮事项", department=department_y)

    county = department_x.region
    assert sorted(names(client.get("/items/", {"region": county.code}))) == sorted([in_county.name, in_township.name])
    assert len(names(client.get("/items/", {"region": nanjing.code}))) == 3
    assert names(client.get("/items/", {"region": suzhou.code})) == [in_suzhou.name]
    assert names(client.get("/items/", {"region": township.code})) == [in_township.name]


def test_the_region_filter_offers_regions_with_items_and_those_above_them(client, department_x):
    RegionFactory(code="320100000000", name="南京市", level=Region.Level.CITY)
    RegionFactory(code="320500000000", name="苏州市", level=Region.Level.CITY)
    ServiceItemFactory(department=department_x)
    codes = [code for code, _ in client.get("/items/").context["regions"]]
    assert codes == ["320100000000", department_x.region.code]


def test_it_filters_by_minimum_online_depth(client, catalog):
    assert names(client.get("/items/", {"depth": 4})) == ["个体工商户设立登记"]
    assert len(names(client.get("/items/", {"depth": 3}))) == 3


def test_it_filters_by_topic(client, catalog):
    birth = Topic.objects.create(code="birth", name="出生")
    catalog["card"].topics.add(birth)
    assert names(client.get("/items/", {"topic": "birth"})) == ["社会保障卡申领"]


def test_filters_combine_with_the_query(client, catalog, department_x):
    assert names(client.get("/items/", {"q": "登记", "type": ItemType.LICENSING})) == ["个体工商户设立登记"]
    assert names(client.get("/items/", {"q": "登记", "department": department_x.id})) == []


def test_it_paginates_twenty_items_a_page(client, department_x):
    for n in range(45):
        ServiceItemFactory(name=f"分页事项{n:02d}", department=department_x)
    first = client.get("/items/", {"q": "分页"})
    third = client.get("/items/", {"q": "分页", "page": 3})
    assert len(names(first)) == 20
    assert names(third) == [f"分页事项{n}" for n in range(40, 45)]
    assert "page=2" in first.content.decode() and "q=%E5%88%86%E9%A1%B5" in first.content.decode()


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999", "1e9", "99999999999999999999999"])
def test_a_malformed_or_out_of_range_page_shows_a_page_instead_of_failing(client, catalog, page):
    response = client.get("/items/", {"page": page})
    assert response.status_code == 200
    assert len(names(response)) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"department": "abc"},
        {"department": "99999999999999999999999"},
        {"department": "-5"},
        {"type": "zz"},
        {"object": "robot"},
        {"region": "not-a-region"},
        {"region": "999999999999"},
        {"depth": "9"},
        {"depth": "١"},  # an Arabic-Indic digit: isdigit() but not ASCII
        {"topic": "../../etc"},
        {"topic": "nope"},
        {"q": "%' OR 1=1 --"},
        {"q": "婚" * 5000},
    ],
)
def test_garbage_parameters_are_ignored_without_an_error(client, catalog, params):
    response = client.get("/items/", params)
    assert response.status_code == 200


def test_garbage_filters_are_dropped_so_everything_is_listed(client, catalog):
    response = client.get("/items/", {"department": "abc", "type": "zz", "depth": "9", "region": "x"})
    assert response.context["page"].paginator.count == 3


def test_the_query_is_capped_and_cleaned():
    assert selectors.clean_query("  ABC\x00d ") == "ABCd"
    assert len(selectors.clean_query("婚" * 500)) == selectors.SEARCH_QUERY_MAX_CHARS


def test_the_search_box_keeps_the_query_as_typed(client, catalog):
    response = client.get("/items/", {"q": " ICP备案 "})
    assert response.context["query"] == "ICP备案"
    assert 'value="ICP备案"' in response.content.decode()


def test_a_nul_byte_in_the_query_is_refused_in_plain_words(client, catalog):
    """No person types NUL; the one input rule (portal.middleware.UnsafeInputMiddleware) answers 400."""
    response = client.get("/items/", {"q": "婚\x00姻"})
    assert response.status_code == 400
    assert "不允许的字符" in response.content.decode()


def test_search_only_accepts_safe_methods(client, db):
    assert client.post("/items/", {"q": "x"}).status_code == 405


def test_the_selector_takes_a_bounded_number_of_queries(django_assert_max_num_queries, department_x):
    """Listing a page costs a count and one page query, however many items match (no N+1)."""
    for n in range(30):
        ServiceItemFactory(name=f"事项{n}", department=department_x)
    from django.core.paginator import Paginator

    with django_assert_max_num_queries(2):
        page = Paginator(selectors.search_published_items(query="事项"), 20).get_page(1)
        [(i.department.name, i.region.name) for i in page.object_list]


def test_a_topic_page_lists_its_published_items(client, catalog):
    work = Topic.objects.create(code="employment", name="就业", audience=Topic.Audience.PERSON)
    catalog["card"].topics.add(work)
    draft = ServiceItemFactory(name="就业登记草稿", draft=True)
    draft.topics.add(work)
    response = client.get("/items/topics/employment/")
    assert response.status_code == 200
    assert names(response) == ["社会保障卡申领"]
    assert "<h1>就业" in response.content.decode()


def test_an_unknown_topic_is_not_found(client, db):
    response = client.get("/items/topics/no-such-topic/")
    assert response.status_code == 404
    assert "未找到该主题" in response.content.decode()


def test_the_home_page_shows_topics_search_popular_items_and_departments(client, catalog):
    birth = Topic.objects.create(code="birth", name="出生", audience=Topic.Audience.PERSON, order=1)
    Topic.objects.create(code="start-business", name="开办企业", audience=Topic.Audience.BUSINESS)
    catalog["card"].topics.add(birth)
    html = client.get("/").content.decode()
    assert 'action="/items/"' in html and 'name="q"' in html
    assert "/items/topics/birth/" in html and "出生" in html
    assert "/items/topics/start-business/" in html and "开办企业" in html
    assert catalog["card"].get_absolute_url() in html
    assert f"/items/?department={catalog['marriage'].department_id}" in html
    assert "民政局" in html


def test_popular_items_favour_items_serving_more_life_events(catalog):
    for code in ("birth", "school", "work"):
        catalog["marriage"].topics.add(Topic.objects.create(code=code, name=code))
    catalog["card"].topics.add(Topic.objects.get(code="birth"))
    assert [i.name for i in selectors.popular_items(limit=2)] == ["内地居民婚姻登记", "社会保障卡申领"]


def test_popular_items_leave_out_suspended_and_cancelled_items(catalog):
    catalog["card"].lifecycle = ServiceItem.Lifecycle.SUSPENDED
    catalog["card"].save()
    assert catalog["card"] not in selectors.popular_items()
    assert catalog["marriage"] in selectors.popular_items()


# --- Relevance, several words, topic words, an empty result ---------------------------------------------


def test_results_come_in_relevance_order_not_code_point_order(client, department_x):
    contains = ServiceItemFactory(name="养老保险关联社保卡查询", department=department_x)
    prefix = ServiceItemFactory(name="社保卡密码修改", department=department_x)
    alias = ServiceItemFactory(name="社会保障卡申领", common_names="社保卡，社会保障卡", department=department_x)
    exact = ServiceItemFactory(name="社保卡", department=department_x)
    assert names(client.get("/items/", {"q": "社保卡"})) == [exact.name, alias.name, prefix.name, contains.name]


def test_several_words_must_all_match(client, catalog):
    assert names(client.get("/items/", {"q": "社保 卡"})) == ["社会保障卡申领"]
    assert names(client.get("/items/", {"q": "社保 婚姻"})) == []


def test_a_topic_word_finds_the_items_of_its_topic(client, catalog):
    birth = Topic.objects.create(code="birth", name="出生", keywords="生孩子 生育 新生儿")
    catalog["card"].topics.add(birth)
    assert names(client.get("/items/", {"q": "生孩子"})) == ["社会保障卡申领"]
    assert names(client.get("/items/", {"q": "出生"})) == ["社会保障卡申领"]


def test_an_empty_result_suggests_topics_and_the_hotline(client, catalog):
    Topic.objects.create(code="birth", name="出生")
    page = client.get("/items/", {"q": "不存在的事项"}).content.decode()
    assert "没有找到相关事项" in page and "/topics/birth/" in page and "12345" in page


# --- The visitor's own region ------------------------------------------------------------------------------


@pytest.fixture
def two_districts(db):
    province = RegionFactory(code="320000000000", name="江苏省", level=Region.Level.PROVINCE)
    city = RegionFactory(code="320100000000", name="南京市", level=Region.Level.CITY, parent=province)
    xuanwu = RegionFactory(code="320102000000", name="玄武区", level=Region.Level.COUNTY, parent=city)
    qinhuai = RegionFactory(code="320104000000", name="秦淮区", level=Region.Level.COUNTY, parent=city)
    for region in (xuanwu, qinhuai):
        ServiceItemFactory(name="公共场所卫生许可", department=DepartmentFactory(region=region))
    ServiceItemFactory(name="省级事项", department=DepartmentFactory(region=province))
    return xuanwu, qinhuai


def test_a_chosen_region_is_remembered_and_lists_only_what_serves_it(client, two_districts):
    xuanwu, _ = two_districts
    assert len(names(client.get("/items/", {"q": "卫生许可"}))) == 2  # one per district: which is mine?
    response = client.post(reverse("catalog:choose_region"), {"region": xuanwu.code, "next": "/items/?q=许可"})
    assert response.status_code == 302 and unquote(response["Location"]) == "/items/?q=许可"
    found = client.get("/items/", {"q": "许可"})
    assert [i.region.name for i in found.context["page"].object_list] == ["玄武区"]
    assert "办事地区：玄武区" in found.content.decode()
    # The levels above serve the district too.
    assert names(client.get("/items/", {"q": "省级"})) == ["省级事项"]
    # A region picked in the filters wins; "不限地区" forgets the choice.
    assert len(names(client.get("/items/", {"q": "卫生许可", "region": ""}))) == 2
    client.post(reverse("catalog:choose_region"), {"region": ""})
    assert len(names(client.get("/items/", {"q": "卫生许可"}))) == 2


def test_choosing_a_region_refuses_another_site_as_the_way_back_and_ignores_garbage(client, two_districts):
    response = client.post(reverse("catalog:choose_region"), {"region": "x" * 99, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("catalog:search")
    assert client.get(reverse("catalog:choose_region")).status_code == 405


def test_the_filters_fold_behind_one_button_open_while_a_filter_is_used(client, catalog):
    """On a phone the filters sit in a <details> (portal.css shows them on a wide screen)."""
    closed = client.get("/items/?q=社保").content.decode()
    assert '<details class="filter-toggle">' in closed and "筛选条件</summary>" in closed
    used = client.get(f"/items/?type={ItemType.LICENSING}").content.decode()
    assert '<details class="filter-toggle" open>' in used and "（已筛选）" in used
