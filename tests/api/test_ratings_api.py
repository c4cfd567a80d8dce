"""好差评's API: the applicant rates a concluded service once and rates the handling of a bad rating;
the responsible department verifies, rectifies, replies and follows up; the head appeals and a
supervisor decides; the figures are the dashboard's. Each route also as another citizen, another
department, the wrong role and anonymous; bad input answers 4xx with a Chinese message and saves nothing.

Personas: the citizen (applicant of the concluded case) and another citizen (`me`, `bob`), reviewer Alice
and the head of department X (responsible), reviewer Yves and head Yolanda of department Y, the supervisor.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from applications import services as cases
from applications.transitions import Actor
from portal.models import AuditEvent, Role
from reviews import supervision
from reviews.models import Evaluation, Indicator, Level, Rectification
from tests.api.conftest import token_client as bearer_client
from tests.applications.conftest import pdf
from tests.factories import UserFactory
from tests.reviews.conftest import accept, restore_indicators

pytestmark = pytest.mark.django_db
R = Rectification.Status
API = "/api/v1"


@pytest.fixture(autouse=True)
def _indicators(db):
    restore_indicators()


def token_client(user) -> APIClient:
    """A client with the user's API key, sending JSON unless told otherwise (the appeal is multipart)."""
    client = bearer_client(user)
    client.default_format = "json"
    return client


def option(level: int, scope: str = "online") -> Indicator:
    return Indicator.objects.filter(level=level, scope=scope).first()


def rate_url(application) -> str:
    return f"{API}/ratings/{application.number}/"


@pytest.fixture
def me(citizen):
    return token_client(citizen)


@pytest.fixture
def bob(other_citizen):
    return token_client(other_citizen)


@pytest.fixture
def yolanda(department_y):
    return UserFactory(username="head_yolanda", department=department_y, roles=[Role.DEPT_HEAD])


def very_dissatisfied(client: APIClient, application) -> Rectification:
    body = {
        "level": Level.VERY_DISSATISFIED,
        "indicators": [option(Level.VERY_DISSATISFIED).pk],
        "comment": "等了很久",
    }
    assert client.post(rate_url(application), body, format="json").status_code == 201
    return Rectification.objects.get()


@pytest.fixture
def rectification(me, concluded):
    return very_dissatisfied(me, concluded)


def rect_url(rectification: Rectification, action: str = "") -> str:
    return f"{API}/rectifications/{rectification.pk}/" + (f"{action}/" if action else "")


def assert_error(response, status: int, text: str = "") -> dict:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    if text:
        assert text in body["message"] + str(body["detail"]), body
    return body


# --- My ratings and the options -------------------------------------------------------------------


def test_the_applicant_lists_their_concluded_cases_to_rate_and_rated(me, bob, yves, concluded):
    response = me.get(f"{API}/ratings/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and "next" in body  # paginated
    row = body["results"][0]
    assert row["number"] == concluded.number and row["state"] == "open"
    assert row["evaluation"] is None and row["rectification"] is None
    assert bob.get(f"{API}/ratings/").json()["count"] == 0
    assert token_client(yves).get(f"{API}/ratings/").json()["count"] == 0  # staff have no ratings of their own


def test_my_ratings_need_a_sign_in(api, concluded):
    assert_error(api.get(f"{API}/ratings/"), 401)


def test_the_options_depend_on_level_and_scope(api):
    online = api.get(f"{API}/ratings/indicators/").json()
    hall = api.get(f"{API}/ratings/indicators/", {"scope": "hall"}).json()
    assert [row["level"] for row in online] == [1, 2, 3, 4, 5]
    assert [row["is_negative"] for row in online] == [False, False, False, True, True]
    online_ids = {i["id"] for row in online for i in row["indicators"]}
    hall_ids = {i["id"] for row in hall for i in row["indicators"]}
    assert online_ids and hall_ids and not online_ids & hall_ids
    assert {i["id"] for i in online[4]["indicators"]} == set(
        Indicator.objects.filter(scope="online", level=5, is_active=True).values_list("pk", flat=True)
    )
    assert_error(api.get(f"{API}/ratings/indicators/", {"scope": "kiosk"}), 400)


# --- Rating ---------------------------------------------------------------------------------------


def test_the_applicant_rates_once_and_a_second_rating_is_refused(me, concluded, django_assert_max_num_queries, citizen):
    good = option(Level.VERY_SATISFIED)
    with django_assert_max_num_queries(30):
        response = me.post(
            rate_url(concluded),
            {"level": 1, "indicators": [good.pk], "comment": "很快", "is_anonymous": True},
            format="json",
        )
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert body["state"] == "rated" and body["evaluation"]["level"] == 1
    assert body["evaluation"]["indicators"] == [{"id": good.pk, "label": good.label}]
    assert body["evaluation"]["channel"] == "mobile" and body["evaluation"]["status"] == "given"
    evaluation = Evaluation.objects.get()
    assert evaluation.rated_by == citizen and evaluation.is_anonymous and not Rectification.objects.exists()

    again = me.post(rate_url(concluded), {"level": 5, "comment": "再评一次"}, format="json")
    assert assert_error(again, 409, "只能评价一次")["code"] == "already_rated"
    assert Evaluation.objects.count() == 1 and Evaluation.objects.get().level == 1
    assert me.get(f"{API}/ratings/").json()["results"][0]["state"] == "rated"


def test_a_negative_rating_opens_a_rectification_the_applicant_can_follow(me, rectification, concluded):
    assert rectification.status == R.VERIFYING
    row = me.get(f"{API}/ratings/").json()["results"][0]
    assert row["rectification"]["status"] == "verifying" and row["rectification"]["reply"] == ""


def hall_option() -> int:
    return option(Level.SATISFIED, "hall").pk


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"level": 0}, 400, "level"),
        ({"level": 6}, 400, "level"),
        ({"level": "非常满意"}, 400, "level"),
        ({}, 400, "level"),
        ({"level": 2, "indicators": [999999]}, 422, "不属于所选的评价等级"),
        ({"level": 2, "indicators": ["one"]}, 400, "indicators"),
        ({"level": 2, "indicators": 5}, 400, "indicators"),
        ({"level": 2, "indicators": [0]}, 400, "indicators"),
        ({"level": 2, "indicators": [2**40]}, 400, "indicators"),
        ({"level": 1, "indicators": "other level"}, 422, "不属于所选的评价等级"),
        ({"level": 2, "indicators": "hall"}, 422, "不属于所选的评价等级"),
        ({"level": 2, "comment": "慢" * 501}, 400, "comment"),
        ({"level": 5}, 422, "请选择或填写不满意的原因"),
        ({"level": 4, "comment": "   "}, 422, "请选择或填写不满意的原因"),
        ({"level": 2, "channel": "tablet"}, 400, "channel"),
        ({"level": 2, "channel": "system"}, 400, "channel"),
        ({"level": 2, "is_anonymous": "maybe"}, 400, "is_anonymous"),
    ],
)
def test_bad_ratings_are_refused_with_a_message_and_nothing_is_saved(me, concluded, body, status, text):
    if body.get("indicators") == "other level":
        body = {**body, "indicators": [option(Level.VERY_DISSATISFIED).pk]}
    elif body.get("indicators") == "hall":
        body = {**body, "indicators": [hall_option()]}
    response = me.post(rate_url(concluded), body, format="json")
    error = assert_error(response, status, text)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error  # said in Chinese
    assert not Evaluation.objects.exists() and not Rectification.objects.exists()
    assert not AuditEvent.objects.filter(action="evaluation.given").exists()


def test_a_501_character_comment_is_refused_and_500_are_accepted(me, concluded):
    assert_error(me.post(rate_url(concluded), {"level": 2, "comment": "好" * 501}, format="json"), 400, "500")
    assert me.post(rate_url(concluded), {"level": 2, "comment": "好" * 500}, format="json").status_code == 201


def test_the_applicant_reads_one_case_and_others_do_not(me, bob, alice, concluded, api):
    row = me.get(rate_url(concluded)).json()
    assert row["number"] == concluded.number and row["state"] == "open" and row["evaluation"] is None
    for client in (bob, token_client(alice)):
        assert_error(client.get(rate_url(concluded)), 404)
    assert_error(api.get(rate_url(concluded)), 401)


def test_a_refused_case_is_listed_and_rated_like_a_concluded_one(me, submitted, clerk):
    cases.refuse_application(
        application=submitted,
        actor=clerk,
        actor_role=Actor.CLERK,
        reason="申请事项依法不需要取得行政许可。",
        basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项",
    )
    rows = me.get(f"{API}/ratings/").json()["results"]
    assert [(row["number"], row["state"]) for row in rows] == [(submitted.number, "open")]
    assert me.post(rate_url(submitted), {"level": 2}).status_code == 201
    assert me.get(rate_url(submitted)).json()["state"] == "rated"


def test_an_unconcluded_case_cannot_be_rated(me, submitted, clerk):
    accepted = accept(submitted, clerk)
    assert me.get(rate_url(accepted)).json()["state"] == "not_yet"
    body = assert_error(me.post(rate_url(accepted), {"level": 1}, format="json"), 409, "办结后才能评价")
    assert body["code"] == "not_ratable_yet" and not Evaluation.objects.exists()


def test_nobody_but_the_applicant_rates(bob, concluded, alice, yves, supervisor, api):
    assert_error(bob.post(rate_url(concluded), {"level": 1}, format="json"), 404)
    # Staff of the responsible department see the case, and still may not rate it for the applicant.
    refused = token_client(alice).post(rate_url(concluded), {"level": 1})
    assert_error(refused, 403, "工作人员不能代为评价")
    assert_error(token_client(yves).post(rate_url(concluded), {"level": 1}, format="json"), 404)
    assert_error(api.post(rate_url(concluded), {"level": 1}, format="json"), 401)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("number", ["NO-SUCH-CASE", "A" * 41, "x y", "1'OR'1'='1"])
def test_crafted_case_numbers_are_not_found(me, concluded, number):
    assert_error(me.post(f"{API}/ratings/{number}/", {"level": 1}, format="json"), 404)
    assert_error(me.post(f"{API}/ratings/{number}/follow-up/", {"level": 2}, format="json"), 404)
    assert not Evaluation.objects.exists()


# --- The applicant rates the handling -------------------------------------------------------------


def test_the_applicant_rates_the_handling_after_the_reply(
    me, bob, rectification, concluded, alice, django_assert_max_num_queries
):
    follow_up = rate_url(concluded) + "follow-up/"
    assert_error(me.post(follow_up, {"level": 2}, format="json"), 409, "待核实")  # not answered yet
    staff = token_client(alice)
    staff.post(rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "属实"})
    staff.post(rect_url(rectification, "reply"), {"result": "增开窗口", "reply": "已整改，感谢监督"})
    assert me.get(f"{API}/ratings/").json()["results"][0]["rectification"]["reply"] == "已整改，感谢监督"

    assert_error(bob.post(follow_up, {"level": 2}, format="json"), 404)
    assert_error(me.post(follow_up, {"level": 1}, format="json"), 400, "level")  # not a follow-up level
    assert_error(me.post(follow_up, {"level": 2, "note": "x" * 2001}, format="json"), 400, "note")
    rectification.refresh_from_db()
    assert rectification.status == R.FOLLOW_UP

    with django_assert_max_num_queries(18):
        response = me.post(follow_up, {"level": 2}, format="json")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["rectification"]["status"] == "closed"
    rectification.refresh_from_db()
    assert rectification.status == R.CLOSED and rectification.follow_up_level == Level.SATISFIED
    assert_error(me.post(follow_up, {"level": 3}, format="json"), 409)


def test_a_good_rating_has_no_handling_to_rate(me, concluded):
    me.post(rate_url(concluded), {"level": 1}, format="json")
    assert_error(me.post(rate_url(concluded) + "follow-up/", {"level": 2}, format="json"), 404, "整改")


# --- The department's rectifications -------------------------------------------------------------


def test_department_x_sees_its_rectification_and_department_y_does_not(
    rectification, alice, head_x, yves, yolanda, supervisor, me, api
):
    listed = token_client(alice).get(f"{API}/rectifications/").json()
    assert [row["id"] for row in listed["results"]] == [rectification.pk]
    detail = token_client(head_x).get(rect_url(rectification)).json()
    assert detail["status"] == "verifying" and detail["evaluation"]["comment"] == "等了很久"
    assert detail["evaluation"]["rater_name"] == rectification.evaluation.application.applicant_name
    assert token_client(supervisor).get(rect_url(rectification)).status_code == 200
    for other in (yves, yolanda):
        assert token_client(other).get(f"{API}/rectifications/").json()["count"] == 0
        assert_error(token_client(other).get(rect_url(rectification)), 404)
        assert_error(
            token_client(other).post(
                rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "x"}
            ),
            404,
        )
    assert_error(me.get(f"{API}/rectifications/"), 403)
    assert_error(me.get(rect_url(rectification)), 403)
    assert_error(api.get(rect_url(rectification)), 401)
    assert_error(token_client(UserFactory(roles=[Role.CLERK])).get(f"{API}/rectifications/"), 403, "差评整改")
    rectification.refresh_from_db()
    assert rectification.status == R.VERIFYING


ACTIONS = {
    "verify": {"is_true": True, "classification": "reasonable", "note": "属实"},
    "reply": {"result": "增开窗口", "reply": "已整改"},
    "follow-up": {"level": 2, "note": "电话回访"},
    "appeal": {"reason": "有录像"},
    "appeal/decide": {"upheld": True, "decision": "成立"},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["citizen", "another_department", "anonymous"])
def test_no_step_is_taken_by_the_applicant_another_department_or_anonymous(rectification, yves, me, api, action, who):
    clients = {"citizen": (me, 403), "another_department": (token_client(yves), 404), "anonymous": (api, 401)}
    client, status = clients[who]
    fmt = "multipart" if action == "appeal" else "json"
    assert_error(client.post(rect_url(rectification, action), ACTIONS[action], format=fmt), status)
    rectification.refresh_from_db()
    assert rectification.status == R.VERIFYING and rectification.verified_at is None


def test_the_applicants_follow_up_is_theirs_alone(rectification, concluded, bob, yves, alice, api):
    follow_up = rate_url(concluded) + "follow-up/"
    for client in (bob, token_client(yves), token_client(alice)):
        assert_error(client.post(follow_up, {"level": 2}, format="json"), 404)
    assert_error(api.post(follow_up, {"level": 2}, format="json"), 401)
    assert not Rectification.objects.filter(follow_up_level__isnull=False).exists()


def test_the_list_shows_open_ones_unless_a_status_is_asked(rectification, alice):
    staff = token_client(alice)
    assert staff.get(f"{API}/rectifications/", {"status": "closed"}).json()["count"] == 0
    assert staff.get(f"{API}/rectifications/", {"status": "verifying"}).json()["count"] == 1
    assert_error(staff.get(f"{API}/rectifications/", {"status": "done"}), 400)


@pytest.mark.parametrize("pk", ["0", "999999", str(2**40)])
def test_crafted_rectification_ids_are_not_found(rectification, alice, pk):
    staff = token_client(alice)
    assert_error(staff.get(f"{API}/rectifications/{pk}/"), 404)
    body = {"is_true": True, "classification": "reasonable", "note": "属实"}
    assert_error(staff.post(f"{API}/rectifications/{pk}/verify/", body), 404)


def test_verify_reply_and_follow_up_by_phone(rectification, alice, django_assert_max_num_queries):
    staff = token_client(alice)
    bad = staff.post(rect_url(rectification, "verify"), {"is_true": False, "classification": "reasonable", "note": "x"})
    assert_error(bad, 422, "不能认定为合理诉求")
    assert_error(
        staff.post(rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": " "}),
        422,
        "请填写核实情况",
    )
    assert_error(staff.post(rect_url(rectification, "verify"), {"is_true": True, "classification": "nice"}), 400)
    rectification.refresh_from_db()
    assert rectification.status == R.VERIFYING and rectification.verified_by is None

    assert_error(staff.post(rect_url(rectification, "reply"), {"result": "x", "reply": "y"}), 409, "待核实")
    with django_assert_max_num_queries(15):
        verified = staff.post(
            rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "属实"}
        )
    assert verified.status_code == 200 and verified.json()["status"] == "rectifying"
    again = staff.post(
        rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "x"}
    )
    assert_error(again, 409, "整改中")

    assert_error(staff.post(rect_url(rectification, "reply"), {"result": "增开窗口", "reply": ""}), 422, "答复")
    with django_assert_max_num_queries(15):
        replied = staff.post(rect_url(rectification, "reply"), {"result": "增开窗口", "reply": "已整改"})
    assert replied.json()["status"] == "follow_up" and replied.json()["reply"] == "已整改"

    assert_error(staff.post(rect_url(rectification, "follow-up"), {"level": 2, "note": ""}), 422, "回访情况")
    with django_assert_max_num_queries(15):
        closed = staff.post(rect_url(rectification, "follow-up"), {"level": 2, "note": "电话回访，申请人满意"})
    assert closed.json()["status"] == "closed" and closed.json()["follow_up_note"] == "电话回访，申请人满意"


def test_a_supervisor_cannot_do_the_departments_work(rectification, supervisor):
    response = token_client(supervisor).post(
        rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "属实"}
    )
    assert_error(response, 403, "责任部门")
    rectification.refresh_from_db()
    assert rectification.status == R.VERIFYING


# --- Appeals --------------------------------------------------------------------------------------


@pytest.fixture
def malicious(rectification, head_x):
    token_client(head_x).post(
        rect_url(rectification, "verify"), {"is_true": False, "classification": "malicious", "note": "录像显示不实"}
    )
    rectification.refresh_from_db()
    return rectification


def test_only_the_head_appeals_and_fake_evidence_is_refused(malicious, alice, head_x):
    assert_error(
        token_client(alice).post(rect_url(malicious, "appeal"), {"reason": "有录像"}, format="multipart"),
        403,
        "责任部门",
    )
    fake = SimpleUploadedFile("录像截图.pdf", b"not a pdf at all", content_type="application/pdf")
    response = token_client(head_x).post(
        rect_url(malicious, "appeal"), {"reason": "有录像", "evidence": fake}, format="multipart"
    )
    assert_error(response, 422, "文件内容不是允许的格式")
    assert_error(
        token_client(head_x).post(rect_url(malicious, "appeal"), {"reason": " "}, format="multipart"), 422, "申诉理由"
    )
    assert_error(token_client(head_x).post(rect_url(malicious, "appeal"), {"reason": "x"}, format="json"), 415)
    malicious.refresh_from_db()
    assert malicious.status == R.RECTIFYING and not malicious.appeal_reason and not malicious.appeal_evidence


def test_a_reasonable_rating_cannot_be_appealed(rectification, head_x):
    token_client(head_x).post(
        rect_url(rectification, "verify"), {"is_true": True, "classification": "reasonable", "note": "属实"}
    )
    assert_error(
        token_client(head_x).post(rect_url(rectification, "appeal"), {"reason": "不服"}, format="multipart"),
        422,
        "才能申诉",
    )


def test_an_upheld_appeal_invalidates_the_rating(
    malicious, head_x, alice, supervisor, yolanda, me, django_assert_max_num_queries
):
    with django_assert_max_num_queries(22):
        appealed = token_client(head_x).post(
            rect_url(malicious, "appeal"), {"reason": "有录像", "evidence": pdf()}, format="multipart"
        )
    assert appealed.status_code == 200, appealed.content.decode()
    assert appealed.json()["status"] == "appealed" and appealed.json()["has_appeal_evidence"]

    decision = {"upheld": True, "decision": "录像证明评价不实"}
    for staff in (head_x, alice):
        assert_error(token_client(staff).post(rect_url(malicious, "appeal/decide"), decision), 403, "效能监督")
    assert_error(token_client(yolanda).post(rect_url(malicious, "appeal/decide"), decision), 404)
    assert_error(
        token_client(supervisor).post(rect_url(malicious, "appeal/decide"), {"upheld": True, "decision": ""}),
        422,
        "审核意见",
    )
    malicious.refresh_from_db()
    assert malicious.status == R.APPEALED

    with django_assert_max_num_queries(20):
        decided = token_client(supervisor).post(rect_url(malicious, "appeal/decide"), decision)
    assert decided.status_code == 200 and decided.json()["status"] == "invalidated"
    assert decided.json()["evaluation"]["status"] == "invalidated"
    evaluation = me.get(f"{API}/ratings/").json()["results"][0]["evaluation"]
    assert evaluation["status"] == "invalidated" and evaluation["invalidated_reason"] == "录像证明评价不实"
    assert_error(token_client(supervisor).post(rect_url(malicious, "appeal/decide"), decision), 409)


def test_a_rejected_appeal_goes_back_to_rectification_and_cannot_be_repeated(malicious, head_x, supervisor):
    token_client(head_x).post(rect_url(malicious, "appeal"), {"reason": "有录像"}, format="multipart")
    rejected = token_client(supervisor).post(
        rect_url(malicious, "appeal/decide"), {"upheld": False, "decision": "证据不足"}
    )
    assert rejected.json()["status"] == "rectifying" and rejected.json()["appeal_outcome"] == "rejected"
    assert_error(
        token_client(head_x).post(rect_url(malicious, "appeal"), {"reason": "再申诉"}, format="multipart"),
        409,
        "申诉过一次",
    )


# --- Figures --------------------------------------------------------------------------------------


FIGURES = f"{API}/supervision/figures/"


def period(body: dict) -> supervision.Filters:
    """The filters of a figures answer: the period it reports (the defaults: about a year to today)."""
    return supervision.Filters(
        date_from=dt.date.fromisoformat(body["date_from"]), date_to=dt.date.fromisoformat(body["date_to"])
    )


def test_the_figures_are_the_dashboards(rectification, supervisor, department_x, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        response = token_client(supervisor).get(FIGURES)
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    figures = supervision.figures(period(body))
    assert body["department"] is None
    assert body["figures"]["concluded"] == figures.concluded == 1
    assert body["figures"]["given"] == figures.given == 1 and body["figures"]["negative"] == 1
    assert body["figures"]["good_rate"] == figures.good_rate == 0.0
    assert [row["count"] for row in body["figures"]["ratings"]] == [0, 0, 0, 0, 1]
    assert body["figures"]["verified_rate"] == figures.handling_rates[0] == 0.0
    assert body["departments"] == supervision.by_department(period(body))
    narrowed = token_client(supervisor).get(FIGURES, {"department": department_x.pk, "item_code": "NONE"}).json()
    assert narrowed["figures"]["concluded"] == 0 and narrowed["figures"]["given"] == 0


@pytest.mark.parametrize("name", ["region", "hall", "window", "clerk", "item_code"])
def test_each_dashboard_filter_narrows_the_figures_as_the_dashboard_does(
    rectification, supervisor, clerk, concluded, department_x, department_y, window_a, name
):
    value, filters = {
        "region": (department_y.region.pk, {"region": department_y.region}),
        "hall": (window_a.hall_id, {"hall_id": window_a.hall_id}),
        "window": (window_a.pk, {"window_id": window_a.pk}),
        "clerk": (clerk.pk, {"clerk_id": clerk.pk}),
        "item_code": (concluded.item.code, {"item_code": concluded.item.code}),
    }[name]
    body = token_client(supervisor).get(FIGURES, {name: value}).json()
    service = supervision.figures(
        supervision.Filters(date_from=period(body).date_from, date_to=period(body).date_to, **filters)
    )
    assert body["figures"]["concluded"] == service.concluded
    assert body["figures"]["received"] == service.received and body["figures"]["given"] == service.given
    # The rated case is department X's and was not taken at a window of hall A.
    if name != "clerk":
        assert service.given == (1 if name == "item_code" else 0)


def test_a_head_sees_only_their_department(rectification, head_x, yolanda, department_x):
    own = token_client(head_x).get(FIGURES).json()
    assert own["department"] == department_x.pk and own["figures"]["given"] == 1
    other = token_client(yolanda).get(FIGURES).json()
    assert other["figures"]["given"] == 0 and other["figures"]["concluded"] == 0
    refused = token_client(yolanda).get(FIGURES, {"department": department_x.pk})
    assert "department" in assert_error(refused, 400, "统计条件不正确")["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-02-30"},
        {"date_from": "2026-06-01", "date_to": "2026-01-01"},
        {"date_from": "2020-01-01", "date_to": "2026-01-01"},
        {"region": "abc"},
        {"hall": str(2**40)},
        {"item_code": "x" * 41},
    ],
)
def test_bad_filters_are_refused(supervisor, query):
    assert_error(token_client(supervisor).get(FIGURES, query), 400, "统计条件不正确")


def test_the_figures_are_for_supervisors_and_heads_only(me, alice, api):
    assert_error(me.get(FIGURES), 403)
    assert_error(token_client(alice).get(FIGURES), 403, "效能监督")
    assert_error(api.get(FIGURES), 401)
