"""好差评's API without an account and at 12345: whoever holds the receipt rates with its 查询码
(POST /api/v1/ratings/<number>/with-code/), and the hotline operator types the rating a caller gives
(POST /api/v1/ratings/phone/). The rules are the pages' (reviews.evaluations): a wrong number and a
wrong code are one 404, ten failures an hour from one address (or one operator's desk) are 429, each
failure is an audit row, and bad input saves nothing.

Personas: the applicant and another citizen, reviewer Alice of the responsible department X, Yves of
department Y, a clerk, the supervisor, operator He of 12345, and anonymous.
"""

import pytest

from portal.models import AuditEvent, Role
from reviews import evaluations
from reviews.models import Evaluation, Level, Rectification
from tests.api.test_ratings_api import assert_error, option, token_client
from tests.factories import UserFactory
from tests.reviews.conftest import accept, file_case, restore_indicators

pytestmark = pytest.mark.django_db
API = "/api/v1"
PHONE = f"{API}/ratings/phone/"


def code_url(number: str) -> str:
    return f"{API}/ratings/{number}/with-code/"


@pytest.fixture(autouse=True)
def _indicators(db):
    restore_indicators()  # a transactional test elsewhere flushes the data migration's options


@pytest.fixture
def operator(db):
    return UserFactory(username="hotline_he", roles=[Role.HOTLINE])


@pytest.fixture
def he(operator):
    return token_client(operator)


def failures(**filters) -> int:
    return AuditEvent.objects.filter(action=evaluations.CODE_FAILED, **filters).count()


# --- With the receipt's 查询码 ----------------------------------------------------------------------


def test_anyone_holding_the_receipt_rates_with_its_code(api, concluded, django_assert_max_num_queries):
    good = option(Level.VERY_SATISFIED)
    body = {"access_code": concluded.access_code.lower(), "level": 1, "indicators": [good.pk], "comment": "很快"}
    with django_assert_max_num_queries(20):
        response = api.post(code_url(concluded.number), body, format="json", REMOTE_ADDR="10.1.0.1")
    assert response.status_code == 201, response.content.decode()
    answer = response.json()
    assert answer["number"] == concluded.number and answer["level"] == 1 and answer["channel"] == "qr"
    assert answer["indicators"] == [{"id": good.pk, "label": good.label}] and answer["status"] == "given"
    assert "applicant_name" not in answer and "item_name" not in answer  # the case's data is not handed out
    evaluation = Evaluation.objects.get()
    assert evaluation.rated_by is None and evaluation.channel == Evaluation.Channel.QR
    audit = AuditEvent.objects.get(action="evaluation.given")
    assert audit.actor is None and audit.ip_address == "10.1.0.1"


def test_the_text_messages_link_is_recorded_as_sms(api, concluded):
    body = {"access_code": concluded.access_code, "level": 2, "channel": "sms"}
    assert api.post(code_url(concluded.number), body, format="json").json()["channel"] == "sms"


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer_and_are_counted(api, concluded, other_citizen):
    wrong_code = api.post(code_url(concluded.number), {"access_code": "WRONG1", "level": 1}, format="json")
    unknown = api.post(code_url("NO-SUCH-CASE"), {"access_code": concluded.access_code, "level": 1}, format="json")
    bob = token_client(other_citizen).post(code_url(concluded.number), {"access_code": "X", "level": 1}, format="json")
    for response in (wrong_code, unknown, bob):
        assert_error(response, 404, "办件编号或查询码不正确")
    assert wrong_code.json() == unknown.json() == bob.json()
    assert failures() == 3 and not Evaluation.objects.exists()


@pytest.mark.parametrize("code", ["查询码错误", "ÄBC123", "'OR'1'='1"])
def test_a_non_ascii_or_crafted_code_is_one_more_wrong_code(api, concluded, code):
    assert_error(api.post(code_url(concluded.number), {"access_code": code, "level": 1}, format="json"), 404)
    assert failures() == 1 and not Evaluation.objects.exists()


@pytest.mark.parametrize("number", ["x y", "A" * 41, "1'OR'1'='1", "%E6%9F%A5"])
def test_a_crafted_number_is_a_wrong_number_and_counted(api, concluded, number):
    response = api.post(code_url(number), {"access_code": concluded.access_code, "level": 1}, format="json")
    assert_error(response, 404, "办件编号或查询码不正确")
    assert failures() == 1 and not Evaluation.objects.exists()


def test_a_nul_in_the_number_is_not_a_route(api, concluded):
    response = api.post(code_url("%00"), {"access_code": concluded.access_code, "level": 1}, format="json")
    assert_error(response, 404)
    assert not Evaluation.objects.exists()


def test_ten_wrong_codes_an_hour_from_one_address_are_429_even_for_the_right_code(api, concluded):
    for _ in range(evaluations.CODE_FAILURES_PER_HOUR):
        response = api.post(
            code_url(concluded.number), {"access_code": "BAD", "level": 1}, "json", REMOTE_ADDR="10.9.9.9"
        )
        assert response.status_code == 404
    right = {"access_code": concluded.access_code, "level": 1}
    assert_error(api.post(code_url(concluded.number), right, format="json", REMOTE_ADDR="10.9.9.9"), 429, "次数过多")
    assert not Evaluation.objects.exists()
    # Another address is not held up by these guesses.
    assert api.post(code_url(concluded.number), right, format="json", REMOTE_ADDR="10.9.9.8").status_code == 201


def test_the_code_path_keeps_the_rating_rules(api, concluded, licensing_item, party, citizen, clerk):
    code = concluded.access_code
    assert api.post(code_url(concluded.number), {"access_code": code, "level": 2}, format="json").status_code == 201
    again = api.post(code_url(concluded.number), {"access_code": code, "level": 5, "comment": "再评"}, format="json")
    assert assert_error(again, 409, "只能评价一次")["code"] == "already_rated"
    accepted = accept(file_case(licensing_item, party, citizen), clerk)
    early = api.post(code_url(accepted.number), {"access_code": accepted.access_code, "level": 1}, format="json")
    assert assert_error(early, 409, "办结后才能评价")["code"] == "not_ratable_yet"
    assert Evaluation.objects.count() == 1 and failures() == 0


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"level": 1}, 400, "access_code"),
        ({"access_code": "A" * 13, "level": 1}, 400, "access_code"),
        ({"access_code": "CODE", "level": 9}, 400, "level"),
        ({"access_code": "CODE", "level": 1, "channel": "phone"}, 400, "channel"),
        ({"access_code": "CODE", "level": 1, "channel": "pc"}, 400, "channel"),
        ({"access_code": "CODE", "level": 5}, 422, "请选择或填写不满意的原因"),
        ({"access_code": "CODE", "level": 1, "indicators": "other level"}, 422, "不属于所选的评价等级"),
        ({"access_code": "CODE", "level": 1, "comment": "慢" * 501}, 400, "comment"),
    ],
)
def test_bad_input_on_the_code_path_is_refused_and_nothing_is_saved(api, concluded, body, status, text):
    body = {**body, "access_code": concluded.access_code} if body.get("access_code") == "CODE" else body
    if body.get("indicators") == "other level":
        body["indicators"] = [option(Level.VERY_DISSATISFIED).pk]
    assert_error(api.post(code_url(concluded.number), body, format="json"), status, text)
    assert not Evaluation.objects.exists() and not Rectification.objects.exists()
    assert not AuditEvent.objects.filter(action="evaluation.given").exists()


def test_a_very_dissatisfied_rating_with_the_code_opens_a_rectification(api, concluded):
    body = {"access_code": concluded.access_code, "level": 5, "comment": "等了很久"}
    assert api.post(code_url(concluded.number), body, format="json").status_code == 201
    assert Rectification.objects.get().evaluation.application == concluded


def test_staff_never_rate_with_the_applicants_code(concluded, alice, yves, clerk, operator):
    body = {"access_code": concluded.access_code, "level": 1}
    for user in (alice, yves, clerk, operator):
        assert_error(token_client(user).post(code_url(concluded.number), body, format="json"), 403, "工作人员不能代")
    assert not Evaluation.objects.exists() and failures() == 0


def test_the_code_path_is_post_only(api, concluded):
    assert api.get(code_url(concluded.number), {"access_code": concluded.access_code}).status_code == 405


# --- 12345 -----------------------------------------------------------------------------------------


def test_the_operator_enters_the_callers_rating(he, operator, concluded, django_assert_max_num_queries):
    body = {"number": concluded.number, "access_code": concluded.access_code, "level": 3, "comment": "一般"}
    with django_assert_max_num_queries(22):
        response = he.post(PHONE, body, format="json")
    assert response.status_code == 201, response.content.decode()
    answer = response.json()
    assert (answer["number"], answer["channel"], answer["operator"]) == (concluded.number, "phone", "hotline_he")
    evaluation = Evaluation.objects.get()
    assert (evaluation.channel, evaluation.operator, evaluation.rated_by) == ("phone", operator, None)
    assert AuditEvent.objects.get(action="evaluation.phone_entered").actor == operator
    again = he.post(PHONE, {**body, "level": 1}, format="json")
    assert assert_error(again, 409, "只能评价一次")["code"] == "already_rated"


def test_wrong_codes_count_against_the_operators_desk(he, operator, concluded):
    for number, code in [(concluded.number, "BAD")] * 9 + [("NO-SUCH", concluded.access_code)]:
        assert_error(he.post(PHONE, {"number": number, "access_code": code, "level": 1}, format="json"), 404)
    assert failures(actor=operator) == evaluations.CODE_FAILURES_PER_HOUR
    right = {"number": concluded.number, "access_code": concluded.access_code, "level": 1}
    assert_error(he.post(PHONE, right, format="json"), 429, "次数过多")
    assert not Evaluation.objects.exists()
    # Another operator's desk is not held up by these guesses.
    colleague = token_client(UserFactory(username="hotline_li", roles=[Role.HOTLINE]))
    assert colleague.post(PHONE, right, format="json").status_code == 201


def test_only_the_hotline_enters_phone_ratings(concluded, citizen, other_citizen, alice, yves, clerk, supervisor, api):
    body = {"number": concluded.number, "access_code": concluded.access_code, "level": 1}
    for user in (citizen, other_citizen):  # the applicant rates on their own pages, not as an operator
        assert_error(token_client(user).post(PHONE, body, format="json"), 403)
    for user in (alice, yves, clerk, supervisor):
        assert_error(token_client(user).post(PHONE, body, format="json"), 403, "12345")
    assert_error(api.post(PHONE, body, format="json"), 401)
    assert not Evaluation.objects.exists() and failures() == 0


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"access_code": "CODE", "level": 1}, 400, "number"),
        ({"number": "N" * 41, "access_code": "CODE", "level": 1}, 400, "number"),
        ({"number": "NUMBER", "level": 1}, 400, "access_code"),
        ({"number": "NUMBER", "access_code": "CODE"}, 400, "level"),
        ({"number": "NUMBER", "access_code": "CODE", "level": 4}, 422, "请选择或填写不满意的原因"),
        ({"number": "NUMBER", "access_code": "CODE", "level": 2, "indicators": "hall"}, 422, "不属于所选的评价等级"),
    ],
)
def test_bad_phone_input_is_refused_and_nothing_is_saved(he, concluded, body, status, text):
    body = {
        **body,
        **({"number": concluded.number} if body.get("number") == "NUMBER" else {}),
        **({"access_code": concluded.access_code} if body.get("access_code") == "CODE" else {}),
    }
    if body.get("indicators") == "hall":
        body["indicators"] = [option(Level.SATISFIED, "hall").pk]
    assert_error(he.post(PHONE, body, format="json"), status, text)
    assert not Evaluation.objects.exists() and not Rectification.objects.exists()
    assert failures() == 0


def test_the_schema_lists_both_ways_of_rating_without_the_applicants_account(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert set(paths["/api/v1/ratings/{number}/with-code/"]) == {"post"}
    assert set(paths["/api/v1/ratings/phone/"]) == {"post"}
    assert "429" in paths["/api/v1/ratings/{number}/with-code/"]["post"]["responses"]
