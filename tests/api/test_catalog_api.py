"""The catalog API over HTTP: the public guide, and the editors' and publishers' workflow."""

import datetime

import pytest
from axes.models import AccessFailureLog
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from catalog.models import ItemEvent, ServiceItem
from portal.models import ApiToken, Role
from tests.api.conftest import token_client
from tests.conftest import PASSWORD, login_verified
from tests.factories import BasicItemFactory, ServiceItemFactory, UserFactory

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/items/"
MANAGE = "/api/v1/manage/items/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every refusal has the same body: {"code", "message", "detail"} and a Chinese message."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["message"]
    if code is not None:
        assert body["code"] == code
    return body


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def valid_spec(**changes) -> dict:
    spec = {
        "service_objects": ["natural_person"],
        "statutory_days": 20,
        "promised_days": 10,
        "visits": 1,
        "visits_reason": "核验原件",
        "accepts_on_pc": True,
        "online_depth": 3,
        "consult_phone": "025-11111111",
        "complaint_phone": "12345",
        "materials": [{"name": "居民身份证", "originals": 1}, {"name": "结婚证", "is_situational": True}],
        "situations": [
            {"question": "是否已婚？", "options": [{"label": "已婚", "adds": ["结婚证"]}, {"label": "未婚"}]}
        ],
        "steps": [{"kind": "handle", "limit_days": 3}, {"kind": "approve", "limit_days": 2}],
        "faqs": [{"question": "需要本人到场吗？", "answer": "需要。"}],
    }
    return spec | changes


# --- Public reads ---------------------------------------------------------------------------


def test_anonymous_search_lists_published_items_and_never_drafts(api, marriage_item, business_item, draft_item):
    response = api.get(ITEMS)
    assert sorted(codes(response)) == sorted([marriage_item.code, business_item.code])
    assert response.json()["count"] == 2
    row = next(r for r in response.json()["results"] if r["code"] == marriage_item.code)
    assert row["name"] == "婚姻登记"
    assert row["department"]["name"] == "行政审批局"


def test_search_matches_common_names_and_departments(api, marriage_item, business_item):
    assert codes(api.get(ITEMS, {"q": "结婚证"})) == [marriage_item.code]
    assert codes(api.get(ITEMS, {"q": "市场监督"})) == [business_item.code]
    assert codes(api.get(ITEMS, {"q": "没有这个事项"})) == []


def test_search_filters_like_the_search_page(api, marriage_item, business_item, topic_birth):
    x, y = marriage_item.department, business_item.department
    assert codes(api.get(ITEMS, {"department": x.pk})) == [marriage_item.code]
    assert codes(api.get(ITEMS, {"service_object": "organisation"})) == [business_item.code]
    assert codes(api.get(ITEMS, {"service_object": "person"})) == [marriage_item.code]
    assert codes(api.get(ITEMS, {"region": y.region.code})) == [business_item.code]
    assert codes(api.get(ITEMS, {"online_depth": 4})) == [business_item.code]
    assert codes(api.get(ITEMS, {"topic": "birth"})) == [marriage_item.code]
    assert codes(api.get(ITEMS, {"item_type": "01", "department": y.pk})) == [business_item.code]
    assert codes(api.get(ITEMS, {"region": "999999999999"})) == []
    assert codes(api.get(ITEMS, {"topic": "no-such-topic"})) == []


@pytest.mark.parametrize(
    "params",
    [{"department": "x"}, {"item_type": "99"}, {"online_depth": "7"}, {"region": "3201"}, {"q": "长" * 101}],
)
def test_search_refuses_malformed_filters(api, params):
    body = assert_error(api.get(ITEMS, params), 400, "bad_input")
    assert set(body["detail"]) == set(params)


def test_guide_shows_the_whole_published_version(api, marriage_item):
    response = api.get(f"{ITEMS}{marriage_item.code}/")
    assert response.status_code == 200
    guide = response.json()
    assert guide["name"] == "婚姻登记"
    assert [m["name"] for m in guide["materials"]] == ["居民身份证", "户口簿", "离婚证"]
    assert guide["situations"][0]["question"] == "是否曾经离婚？"
    divorce_id = marriage_item.materials_by_name["离婚证"].pk
    assert guide["situations"][0]["options"][0]["adds"] == [divorce_id]
    assert guide["steps"] == [{"order": 1, "kind": "handle", "limit_days": 3, "description": ""}]
    assert guide["fees"][0]["standard"] == "9 元/本"
    assert guide["faqs"][0]["question"] == "可以异地办理吗？"
    assert guide["topics"] == [{"code": "birth", "name": "出生", "audience": "person"}]
    assert guide["department"]["region"]["code"] == "320102000000"
    assert "search_text" not in guide and "review_comment" not in guide


@pytest.mark.parametrize("code", ["NO-SUCH-CODE", "bad code", "%00", "x" * 65])
def test_guide_of_an_unknown_code_is_404(api, code):
    assert_error(api.get(f"{ITEMS}{code}/"), 404, "not_found")


def test_guide_of_a_draft_or_pending_version_is_404(api, draft_item, department_x):
    pending = ServiceItemFactory(pending=True, department=department_x)
    assert_error(api.get(f"{ITEMS}{draft_item.code}/"), 404, "not_found")
    assert_error(api.get(f"{ITEMS}{pending.code}/"), 404, "not_found")
    assert_error(api.get(f"{ITEMS}{draft_item.code}/materials/"), 404, "not_found")


def test_material_list_follows_the_chosen_situation_options(api, marriage_item):
    url = f"{ITEMS}{marriage_item.code}/materials/"
    options = marriage_item.options

    def names(params=None):
        response = api.get(url, params or {})
        assert response.status_code == 200, response.content
        return [m["name"] for m in response.json()]

    assert names() == ["居民身份证", "户口簿"]
    assert names({"options": str(options["divorced"].pk)}) == ["居民身份证", "户口簿", "离婚证"]
    assert names({"options": f"{options['collective'].pk}"}) == ["居民身份证"]
    # Another item's option changes nothing.
    assert names({"options": "999999"}) == ["居民身份证", "户口簿"]


@pytest.mark.parametrize("options", ["a,b", "1;2", "-1", "1" * 10, ",".join(["1"] * 51)])
def test_material_list_refuses_malformed_option_ids(api, marriage_item, options):
    assert_error(api.get(f"{ITEMS}{marriage_item.code}/materials/", {"options": options}), 400, "bad_input")


def test_reference_lists_show_what_has_published_items(api, marriage_item, business_item, draft_item, topic_birth):
    topics = api.get("/api/v1/topics/").json()
    assert topics == [{"code": "birth", "name": "出生", "audience": "person", "item_count": 1}]
    departments = api.get("/api/v1/departments/").json()
    assert {d["name"] for d in departments["results"]} == {"行政审批局", "市场监督管理局"}
    only_x = api.get("/api/v1/departments/", {"region": "320102000000"}).json()
    assert [d["name"] for d in only_x["results"]] == ["行政审批局"]
    regions = api.get("/api/v1/regions/").json()
    assert {"320102000000", "320104000000"} <= {r["code"] for r in regions["results"]}
    assert_error(api.get("/api/v1/regions/", {"level": "9"}), 400, "bad_input")


# --- Signing in: tokens and sessions --------------------------------------------------------


def totp_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


@pytest.fixture
def editor_with_device(editor_x):
    TOTPDevice.objects.create(user=editor_x, name="default", confirmed=True)
    return editor_x


def test_a_citizen_gets_a_token_with_username_and_password(api, citizen):
    response = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    # A token identifies the client, but a citizen is no catalog editor.
    assert_error(client.get(MANAGE), 403, "permission_denied")


def test_staff_need_a_totp_code_for_a_token(api, editor_with_device):
    response = api.post("/api/v1/auth/token/", {"username": "editor_x", "password": PASSWORD}, format="json")
    assert "otp_token" in assert_error(response, 400, "otp_required")["detail"]
    assert not ApiToken.objects.filter(user=editor_with_device).exists()


def test_staff_with_a_wrong_totp_code_get_no_token(api, editor_with_device):
    code = "000001" if totp_code(editor_with_device) == "000000" else "000000"
    response = api.post(
        "/api/v1/auth/token/", {"username": "editor_x", "password": PASSWORD, "otp_token": code}, format="json"
    )
    assert_error(response, 400, "otp_invalid")
    assert not ApiToken.objects.filter(user=editor_with_device).exists()


def test_staff_with_password_and_totp_code_get_a_working_token(api, editor_with_device):
    good = {"username": "editor_x", "password": PASSWORD, "otp_token": totp_code(editor_with_device)}
    response = api.post("/api/v1/auth/token/", good, format="json")
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert client.get(MANAGE).status_code == 200


def test_wrong_passwords_lock_the_account_out_and_the_right_one_then_fails_too(api, citizen, settings):
    url = "/api/v1/auth/token/"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_error(
            api.post(url, {"username": "alice", "password": "wrong"}, format="json"), 400, "invalid_credentials"
        )
    assert_error(api.post(url, {"username": "alice", "password": "wrong"}, format="json"), 429, "locked_out")
    assert_error(api.post(url, {"username": "alice", "password": PASSWORD}, format="json"), 429, "locked_out")


def test_token_request_refuses_malformed_input(api):
    assert_error(api.post("/api/v1/auth/token/", {"username": "alice"}, format="json"), 400, "bad_input")
    response = api.post("/api/v1/auth/token/", data="{not json", content_type="application/json")
    assert_error(response, 400)


def test_manage_api_refuses_anonymous_users(api):
    assert_error(api.get(MANAGE), 401, "not_authenticated")


def test_staff_session_without_the_second_factor_is_refused(client, editor_x):
    client.force_login(editor_x)
    assert_error(client.get(MANAGE), 403, "otp_required")


def test_staff_without_the_second_factor_are_refused_even_past_the_middleware(editor_x):
    client = APIClient()
    client.force_authenticate(editor_x)  # no token, no verified session
    assert_error(client.get(MANAGE), 403, "permission_denied")


def test_verified_staff_session_works(client, editor_x, draft_item):
    login_verified(client, editor_x)
    response = client.get(MANAGE)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [draft_item.pk]


# --- The workflow ---------------------------------------------------------------------------


def test_editor_creates_updates_and_submits_a_draft(editor_x, department_x):
    basic = BasicItemFactory(name="出生医学证明", code="0001299010")
    editor = token_client(editor_x)
    response = editor.post(
        MANAGE, {"basic_item": basic.pk, "department": department_x.pk, **valid_spec()}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "draft" and created["version"] == 1
    assert created["code"].startswith(department_x.uscc + basic.code)
    assert created["spec"]["situations"][0]["options"][0]["adds"] == ["结婚证"]
    url = f"{MANAGE}{created['id']}/"

    response = editor.put(url, {"promised_days": 8, "keywords": "出生证"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["spec"]["promised_days"] == 8
    assert [m["name"] for m in response.json()["spec"]["materials"]] == ["居民身份证", "结婚证"]

    response = editor.post(f"{url}submit/", {"comment": "请审核"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_approval"
    assert_error(editor.post(f"{url}submit/", {}, format="json"), 409, "invalid_transition")
    # Not yet published: the public never sees it.
    assert_error(APIClient().get(f"{ITEMS}{created['code']}/"), 404)


def test_a_rule_violation_is_422_per_field_and_changes_nothing(editor_x, draft_item):
    editor = token_client(editor_x)
    events_before = ItemEvent.objects.filter(item=draft_item).count()
    response = editor.put(f"{MANAGE}{draft_item.pk}/", {"promised_days": 30, "name": "改过的名称"}, format="json")
    body = assert_error(response, 422, "validation_error")
    assert "promised_days" in body["detail"]
    draft_item.refresh_from_db()
    assert (draft_item.promised_days, draft_item.name) == (10, "草稿事项")
    assert ItemEvent.objects.filter(item=draft_item).count() == events_before


def test_creating_with_a_rule_violation_writes_nothing(editor_x, department_x):
    basic = BasicItemFactory()
    spec = valid_spec(statutory_days=5, promised_days=10)
    response = token_client(editor_x).post(
        MANAGE, {"basic_item": basic.pk, "department": department_x.pk, **spec}, format="json"
    )
    assert "promised_days" in assert_error(response, 422, "validation_error")["detail"]
    assert not ServiceItem.objects.filter(basic_item=basic).exists()


@pytest.mark.parametrize(
    "change",
    [
        {"name": "长" * 201},
        {"statutory_days": -1},
        {"handling": "invented"},
        {"service_objects": ["martians"]},
        {"steps": [{"kind": "dance", "limit_days": 1}]},
        {"materials": [{"name": "同名"}, {"name": "同名"}]},
        {"form_definition": [{"name": "id", "label": "证件", "type": "nonsense"}]},
        {"materials": "not a list"},
    ],
)
def test_malformed_spec_is_400_and_changes_nothing(editor_x, draft_item, change):
    response = token_client(editor_x).put(f"{MANAGE}{draft_item.pk}/", change, format="json")
    body = assert_error(response, 400, "bad_input")
    assert set(body["detail"]) == set(change)
    draft_item.refresh_from_db()
    assert draft_item.name == "草稿事项"


def test_malformed_json_is_400(editor_x, draft_item):
    response = token_client(editor_x).generic(
        "PUT", f"{MANAGE}{draft_item.pk}/", '{"name": ', content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


def test_unknown_basic_item_or_department_is_400(editor_x, department_x):
    response = token_client(editor_x).post(
        MANAGE, {"basic_item": 2**40, "department": department_x.pk, **valid_spec()}, format="json"
    )
    assert "basic_item" in assert_error(response, 400, "bad_input")["detail"]


def test_editor_cannot_create_items_for_another_department(editor_y, department_x):
    basic = BasicItemFactory()
    response = token_client(editor_y).post(
        MANAGE, {"basic_item": basic.pk, "department": department_x.pk, **valid_spec()}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert not ServiceItem.objects.filter(basic_item=basic).exists()


def test_publisher_publishes_and_the_guide_shows_the_new_version(editor_x, publisher, marriage_item):
    editor, checker = token_client(editor_x), token_client(publisher)
    response = editor.post(f"{MANAGE}{marriage_item.pk}/new-version/")
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["version"] == 2 and draft["status"] == "draft"
    url = f"{MANAGE}{draft['id']}/"
    assert editor.put(url, {"place": "市民中心 3 楼"}, format="json").status_code == 200
    assert editor.post(f"{url}submit/").status_code == 200
    assert_error(editor.post(f"{url}publish/"), 403, "permission_denied")

    response = checker.post(f"{url}publish/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert_error(checker.post(f"{url}publish/"), 409, "invalid_transition")
    guide = APIClient().get(f"{ITEMS}{marriage_item.code}/").json()
    assert (guide["version"], guide["place"]) == (2, "市民中心 3 楼")
    marriage_item.refresh_from_db()
    assert marriage_item.status == ServiceItem.Status.RETIRED

    diff = checker.get(f"{url}diff/").json()
    assert diff["against"]["version"] == 1
    assert [c["field"] for c in diff["changes"]] == ["place"]
    history = checker.get(f"{url}history/").json()
    assert {e["action"] for e in history["results"]} >= {"created", "edited", "submitted", "published", "retired"}


def test_publisher_returns_a_version_with_comments(editor_x, publisher, department_x):
    pending = ServiceItemFactory(pending=True, department=department_x)
    checker = token_client(publisher)
    assert_error(checker.post(f"{MANAGE}{pending.pk}/return/", {}, format="json"), 400, "bad_input")
    response = checker.post(f"{MANAGE}{pending.pk}/return/", {"comment": "材料清单不全"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["review_comment"]) == ("draft", "材料清单不全")


def test_second_new_version_while_a_draft_is_open_is_409(editor_x, marriage_item):
    editor = token_client(editor_x)
    assert editor.post(f"{MANAGE}{marriage_item.pk}/new-version/").status_code == 201
    assert_error(editor.post(f"{MANAGE}{marriage_item.pk}/new-version/"), 409, "open_draft_exists")
    assert ServiceItem.objects.filter(code=marriage_item.code).count() == 2


def test_editor_of_another_department_gets_404_on_a_draft_and_403_on_a_published_item(
    editor_y, draft_item, marriage_item
):
    other = token_client(editor_y)
    assert_error(other.get(f"{MANAGE}{draft_item.pk}/"), 404, "not_found")
    assert_error(other.put(f"{MANAGE}{draft_item.pk}/", {"place": "别处"}, format="json"), 404, "not_found")
    assert_error(other.post(f"{MANAGE}{draft_item.pk}/submit/"), 404, "not_found")
    assert_error(other.delete(f"{MANAGE}{draft_item.pk}/"), 404, "not_found")
    assert_error(other.get(f"{MANAGE}{draft_item.pk}/history/"), 404, "not_found")
    assert other.get(f"{MANAGE}{marriage_item.pk}/").status_code == 200
    assert_error(other.post(f"{MANAGE}{marriage_item.pk}/new-version/"), 403, "permission_denied")
    assert not ServiceItem.objects.filter(code=marriage_item.code, version=2).exists()
    assert [row["id"] for row in other.get(MANAGE).json()["results"]] == []


def test_publisher_of_another_region_cannot_publish(department_y, department_x):
    pending = ServiceItemFactory(pending=True, department=department_x)
    outsider = UserFactory(username="publisher_y", department=department_y, roles=[Role.CATALOG_PUBLISHER])
    assert_error(token_client(outsider).post(f"{MANAGE}{pending.pk}/publish/"), 404, "not_found")
    pending.refresh_from_db()
    assert pending.status == ServiceItem.Status.PENDING_APPROVAL


def test_editor_discards_a_draft_but_not_a_published_version(editor_x, draft_item, marriage_item):
    editor = token_client(editor_x)
    assert editor.delete(f"{MANAGE}{draft_item.pk}/").status_code == 204
    assert not ServiceItem.objects.filter(pk=draft_item.pk).exists()
    assert_error(editor.delete(f"{MANAGE}{draft_item.pk}/"), 404)
    assert_error(editor.delete(f"{MANAGE}{marriage_item.pk}/"), 409, "not_a_draft")


def test_publisher_suspends_a_published_item_from_a_date(publisher, marriage_item):
    checker = token_client(publisher)
    url = f"{MANAGE}{marriage_item.pk}/lifecycle/"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    past = {"lifecycle": "suspended", "effective_on": yesterday.isoformat(), "reason": "系统升级"}
    assert "effective_on" in assert_error(checker.post(url, past, format="json"), 422)["detail"]
    assert_error(checker.post(url, {"lifecycle": "paused", "effective_on": "2026-13-01"}, format="json"), 400)
    good = {"lifecycle": "suspended", "effective_on": tomorrow.isoformat(), "reason": "系统升级"}
    response = checker.post(url, good, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["lifecycle"] == "suspended"
    assert APIClient().get(f"{ITEMS}{marriage_item.code}/").json()["lifecycle_effective_on"] == tomorrow.isoformat()


def test_diff_against_another_items_version_is_refused(editor_x, marriage_item, draft_item):
    editor = token_client(editor_x)
    response = editor.get(f"{MANAGE}{draft_item.pk}/diff/", {"against": marriage_item.pk})
    assert_error(response, 400, "different_items")
    assert_error(editor.get(f"{MANAGE}{draft_item.pk}/diff/", {"against": "x"}), 400, "bad_input")
    first = editor.get(f"{MANAGE}{draft_item.pk}/diff/").json()
    assert (first["against"], first["changes"]) == (None, [])


def test_the_token_endpoint_refuses_an_address_that_sprays_passwords(api, citizen):
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(username=f"sprayed{n}", ip_address="127.0.0.1", user_agent="", http_accept="", path_info="/")
        for n in range(30)
    )

    response = api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")

    assert "该网络地址登录失败次数过多" in assert_error(response, 429, "ip_throttled")["message"]
    assert not ApiToken.objects.filter(user=citizen).exists()


def test_staff_cannot_set_up_a_device_through_the_token_endpoint_without_the_enrolment_code(api, editor_x):
    device = TOTPDevice.objects.create(user=editor_x, name="default", confirmed=False)
    code = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)

    response = api.post(
        "/api/v1/auth/token/", {"username": "editor_x", "password": PASSWORD, "otp_token": code}, format="json"
    )

    assert_error(response, 409, "otp_not_set_up")
    device.refresh_from_db()
    assert not device.confirmed
    assert not ApiToken.objects.filter(user=editor_x).exists()
