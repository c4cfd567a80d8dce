"""好差评 routes probed as the wrong person and with crafted input (issue 10).

Alice (citizen) owns the concluded case; Bob (other citizen) holds no receipt; the clerks of halls A and
B, the reviewers and heads of departments X and Y and the supervisor are the personas of
tests/conftest.py, tests/reviews/conftest.py and tests/windows/conftest.py.
"""

# ruff: noqa: F811 (fixtures imported from other conftest modules)

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from applications import services as cases
from applications.access import applications_visible_to
from portal import services as accounts
from portal.idnumbers import mask_id_numbers_in_text
from portal.models import AuditEvent, Role
from reviews import evaluations, rectifications, supervision, tablets
from reviews.evaluations import Rating
from reviews.models import Evaluation, Indicator, Level, ProblemReport, Rectification, TabletSession
from tests.applications.test_party_identity import WANG_ID, walk_in  # noqa: F401
from tests.conftest import login_verified
from tests.factories import UserFactory
from tests.reviews.test_tablet import served  # noqa: F401
from tests.windows.conftest import (  # noqa: F401
    _clerk,
    clerk_a,
    clerk_b,
    decided,
    hall_a,
    hall_b,
    item_y,
    sysadmin,
    window_a,
    window_b,
)

NON_ASCII_CODE = "查询码ＡＢＣ"  # 6 characters: within the form's 12, not ASCII


# --- 1. A non-ASCII 查询码 or tablet key is a wrong one, not a 500 ----------------------------------------


def test_a_non_ascii_code_on_the_qr_path_is_a_wrong_code_and_counted(client, concluded):
    ascii_wrong = client.post(f"/ratings/{concluded.number}/", {"level": "1", "access_code": "WRONG123"})
    response = client.post(f"/ratings/{concluded.number}/", {"level": "1", "access_code": NON_ASCII_CODE})
    assert response.status_code == ascii_wrong.status_code == 404
    assert "办件编号或查询码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action=evaluations.CODE_FAILED).count() == 2
    assert not Evaluation.objects.exists()


def test_a_non_ascii_code_read_out_on_the_phone_is_a_wrong_code(client, concluded):
    operator = UserFactory(username="hotline_he", roles=[Role.HOTLINE])
    login_verified(client, operator)
    response = client.post("/ratings/phone/", {"number": concluded.number, "access_code": NON_ASCII_CODE, "level": "1"})
    assert response.status_code == 404 and "办件编号或查询码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action=evaluations.CODE_FAILED, actor=operator).count() == 1


def test_a_non_ascii_tablet_key_is_no_tablet(client, window_a):
    response = client.get(f"/ratings/tablet/{window_a.pk}/评价器密钥/")
    assert response.status_code == 404 and "未找到该窗口评价器" in response.content.decode()
    assert client.post(f"/ratings/tablet/{window_a.pk}/é/", {"session": "1", "level": "1"}).status_code == 404


def test_a_non_ascii_code_claiming_a_case_is_a_wrong_code_and_counted(client, walk_in, other_citizen):
    wang = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    client.force_login(wang)
    response = client.post("/applications/claim/", {"number": walk_in.number, "access_code": NON_ASCII_CODE})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="application.claim_failed", actor=wang).count() == 1
    assert not applications_visible_to(wang).filter(pk=walk_in.pk).exists()


def test_a_non_ascii_code_in_the_public_lookup_is_a_wrong_code_and_counted(client, submitted):
    wrong = client.post("/applications/lookup/", {"number": submitted.number, "access_code": "WRONG123"})
    response = client.post("/applications/lookup/", {"number": submitted.number, "access_code": NON_ASCII_CODE})
    assert response.status_code == wrong.status_code and response.context["error"] == wrong.context["error"]
    assert AuditEvent.objects.filter(action=cases.LOOKUP_FAILED).count() == 2


# --- 2. The clerk is never shown the tablet's address -------------------------------------------------


def test_the_clerk_sees_that_the_session_is_open_but_not_the_tablets_address(client, served, clerk_a, window_a):
    login_verified(client, clerk_a)
    opened = client.post(f"/ratings/tablet/open/{served.number}/")
    page = client.get(opened["Location"]).content.decode()
    assert "已推送到" in page and served.number in page
    assert tablets.tablet_key(window_a.pk) not in page and f"/ratings/tablet/{window_a.pk}/" not in page
    assert TabletSession.objects.filter(application=served, closed_at__isnull=True).count() == 1


def test_the_command_prints_the_tablets_address_for_installing_it(window_a, settings):
    settings.PORTAL_PUBLIC_URL = "https://zwfw.example.gov.cn/"
    out = io.StringIO()
    call_command("tablet_address", str(window_a.pk), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() == "https://zwfw.example.gov.cn" + tablets.tablet_path(window_a.pk)
    with pytest.raises(CommandError, match="未找到编号为"):
        call_command("tablet_address", str(window_a.pk + 1000), stdout=io.StringIO(), stderr=io.StringIO())


# --- 3. A department head filters by their own department's halls, windows and clerks -----------------


def test_a_heads_filter_choices_are_their_departments_windows_and_clerks(
    client, head_x, window_a, window_b, clerk_a, clerk_b, supervisor
):
    login_verified(client, head_x)
    page = client.get("/supervision/")
    windows = set(page.context["form"].fields["window"].queryset)
    assert window_a in windows and window_b not in windows
    html = page.content.decode()
    assert window_a.hall.name in html and window_b.hall.name not in html
    assert clerk_a.real_name in html and clerk_b.real_name not in html
    client.logout()
    login_verified(client, supervisor)
    html = client.get("/supervision/").content.decode()
    assert window_b.hall.name in html and clerk_b.real_name in html  # a supervisor still chooses any


def test_another_departments_window_hall_or_clerk_gives_a_head_no_data(client, head_x, window_b, clerk_b):
    login_verified(client, head_x)
    for query in (f"window={window_b.pk}", f"hall={window_b.hall_id}", f"clerk={clerk_b.pk}"):
        response = client.get(f"/supervision/?{query}")
        assert response.status_code == 400, query
        assert "选择一个有效的选项" in response.content.decode() and response.context.get("figures") is None
        assert client.get(f"/supervision/export.csv?{query}").status_code == 400, query


# --- 5, 6. The export's format and the period are checked, not a 500 --------------------------------


def test_an_unknown_export_format_is_404(client, supervisor):
    login_verified(client, supervisor)
    for fmt in ("pdf", "xlsx.exe", "CSV", "json"):
        assert client.get(f"/supervision/export.{fmt}").status_code == 404, fmt
    assert client.get("/supervision/export.csv").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "date_from=1999-12-31",
        "date_to=1999-12-31",
        "date_to=0001-01-01",
        "date_from=0001-01-01&date_to=0001-12-31",
        "date_to=9999-12-31",
        "date_from=9999-01-01&date_to=9999-12-31",
    ],
)
def test_dates_before_2000_or_in_absurd_years_are_refused_with_a_message(client, supervisor, query):
    login_verified(client, supervisor)
    response = client.get(f"/supervision/?{query}")
    assert response.status_code == 400 and "日期须在 2000-01-01 至" in response.content.decode()
    assert client.get(f"/supervision/export.xlsx?{query}").status_code == 400


def test_the_earliest_day_itself_is_a_valid_start(client, supervisor):
    login_verified(client, supervisor)
    assert dt.date(2000, 1, 1) == supervision.EARLIEST
    assert client.get("/supervision/?date_from=2000-01-01&date_to=2002-12-31").status_code == 200


# --- 4. The problem-desk clerk opens the report they recorded ---------------------------------------


@pytest.fixture
def desk_report(client, clerk_a, licensing_item):
    """办不成事 recorded by clerk A at the problem desk for a walk-in."""
    login_verified(client, clerk_a)
    data = {
        "item_code": licensing_item.code,
        "description": "营业执照变更办不成，窗口说缺材料",
        "reporter_name": "周六",
    }
    response = client.post("/ratings/problems/new/", data)
    assert response.status_code == 302, response.content.decode()
    client.logout()
    return ProblemReport.objects.get(recorded_by=clerk_a)


def test_the_desk_clerk_who_recorded_a_report_can_open_it(client, desk_report, clerk_a):
    login_verified(client, clerk_a)
    page = client.get(f"/ratings/problems/{desk_report.pk}/")
    assert page.status_code == 200 and "营业执照变更办不成" in page.content.decode()
    # Seeing it is not handling it: the answer is the department's.
    response = client.post(f"/ratings/problems/{desk_report.pk}/answer/", {"solved": "yes", "answer": "已处理"})
    assert response.status_code == 403
    desk_report.refresh_from_db()
    assert desk_report.status == ProblemReport.Status.OPEN


def test_another_clerk_a_citizen_and_another_department_still_cannot_open_it(
    client, desk_report, clerk_b, other_citizen, yves
):
    for user in (clerk_b, other_citizen, yves):
        login_verified(client, user)
        assert client.get(f"/ratings/problems/{desk_report.pk}/").status_code == 404, user
        client.logout()
    assert client.get(f"/ratings/problems/{desk_report.pk}/").status_code == 302  # to the sign-in page


# --- 7. Every route as the wrong person, and with crafted bodies -------------------------------------

ID_IN_TEXT = "11010519491231002X"


@pytest.fixture
def bad_rating(concluded, citizen):
    """张三's 非常不满意 of the concluded case, whose comment carries an ID number typed by hand."""
    option = Indicator.objects.filter(level=Level.VERY_DISSATISFIED, scope="online").first()
    comment = f"等了很久，我的身份证号 {ID_IN_TEXT} 登记错了"
    evaluations.rate_application(
        application=concluded,
        user=citizen,
        rating=Rating(level=Level.VERY_DISSATISFIED, indicator_ids=(option.pk,), comment=comment),
    )
    return Rectification.objects.get()


def test_anonymous_is_sent_to_sign_in_on_every_private_route(client, bad_rating, desk_report):
    number = bad_rating.evaluation.application.number
    for url in (
        "/ratings/",
        "/ratings/phone/",
        "/ratings/problems/new/",
        f"/ratings/problems/{desk_report.pk}/",
        "/ratings/tablet/opened/1/",
        "/review/rectifications/",
        f"/review/rectifications/{bad_rating.pk}/",
        "/review/problems/",
        "/supervision/",
        "/supervision/export.csv",
    ):
        assert client.get(url).status_code == 302, url
    for url in (
        f"/ratings/problems/{desk_report.pk}/answer/",
        f"/ratings/tablet/open/{number}/",
        f"/ratings/{number}/follow-up/",
        f"/review/rectifications/{bad_rating.pk}/verify/",
    ):
        assert client.post(url, {"level": "2"}).status_code == 302, url
    assert client.get("/ratings/public/").status_code == 200
    assert not TabletSession.objects.exists() and bad_rating.status == Rectification.Status.VERIFYING


def test_another_citizen_a_clerk_and_another_department_get_nothing(
    client, bad_rating, other_citizen, clerk_a, yves, department_y
):
    head_y = UserFactory(username="head_y", department=department_y, roles=[Role.DEPT_HEAD])
    number = bad_rating.evaluation.application.number
    page = f"/review/rectifications/{bad_rating.pk}/"
    for user in (other_citizen, clerk_a, yves, head_y):
        login_verified(client, user)
        assert client.get(page).status_code == 404, user
        for action, body in (
            ("verify", {"is_true": "yes", "classification": "reasonable", "note": "属实"}),
            ("reply", {"result": "x", "reply": "y"}),
            ("appeal", {"reason": "恶意"}),
            ("decide_appeal", {"upheld": "yes", "decision": "成立"}),
            ("follow_up", {"level": "2", "note": "电话回访"}),
        ):
            assert client.post(page + action + "/", body).status_code == 404, (user, action)
        assert client.post(f"/ratings/{number}/follow-up/", {"level": "2"}).status_code == 404, user
        client.logout()
    for user in (other_citizen, clerk_a, yves):
        login_verified(client, user)
        assert client.get("/supervision/").status_code == 403, user
        assert client.get("/supervision/export.xlsx").status_code == 403, user
        if user == yves:  # his own department's lists, without department X's
            assert number not in client.get("/review/rectifications/").content.decode()
        else:
            assert client.get("/review/rectifications/").status_code == 404, user
            assert client.get("/review/problems/").status_code == 404, user
        client.logout()
    bad_rating.refresh_from_db()
    assert bad_rating.status == Rectification.Status.VERIFYING


def test_an_unknown_action_is_404_and_a_double_submit_is_409(client, bad_rating, alice):
    login_verified(client, alice)
    page = f"/review/rectifications/{bad_rating.pk}/"
    assert client.post(page + "delete/", {}).status_code == 404
    body = {"is_true": "yes", "classification": "reasonable", "note": "属实"}
    assert client.post(page + "verify/", body).status_code == 302
    assert client.post(page + "verify/", body).status_code == 409
    assert client.post(page + "decide_appeal/", {"upheld": "upheld", "decision": "成立"}).status_code == 409
    assert client.post(f"/review/rectifications/{bad_rating.pk + 999}/verify/", body).status_code == 404


def test_oversized_text_is_refused_with_a_message_and_saves_nothing(client, bad_rating, alice, citizen, concluded):
    login_verified(client, alice)
    page = f"/review/rectifications/{bad_rating.pk}/"
    response = client.post(page + "verify/", {"is_true": "yes", "classification": "reasonable", "note": "长" * 2001})
    assert response.status_code == 422 and "2000" in response.content.decode()
    bad_rating.refresh_from_db()
    assert bad_rating.status == Rectification.Status.VERIFYING and not bad_rating.verification_note
    client.logout()
    login_verified(client, citizen)
    response = client.post("/ratings/problems/new/", {"item_code": concluded.item.code, "description": "长" * 2001})
    assert response.status_code == 422 and not ProblemReport.objects.exists()


def test_a_crafted_tablet_session_id_is_refused_on_the_form(client, served, clerk_a, window_a, window_b):
    login_verified(client, clerk_a)
    client.post(f"/ratings/tablet/open/{served.number}/")
    client.logout()
    session = TabletSession.objects.get()
    for crafted in ("abc", "99999999999999999999999", "-1", str(session.pk + 1)):
        response = client.post(tablets.tablet_path(window_a.pk), {"session": crafted, "level": "1"})
        assert 400 <= response.status_code < 500, crafted
    # Window B's tablet cannot rate window A's open service.
    response = client.post(tablets.tablet_path(window_b.pk), {"session": session.pk, "level": "1"})
    assert response.status_code == 404
    assert not Evaluation.objects.exists()


def test_id_numbers_typed_into_free_text_are_masked_on_the_pages(client, bad_rating, alice, supervisor, citizen):
    masked = "110105********002X"
    login_verified(client, alice)
    page = client.get(f"/review/rectifications/{bad_rating.pk}/").content.decode()
    assert ID_IN_TEXT not in page and masked in page
    client.logout()
    login_verified(client, citizen)
    response = client.post(
        "/ratings/problems/new/",
        {"item_code": bad_rating.evaluation.item_code, "description": f"证件号 {ID_IN_TEXT.lower()} 无法办理"},
    )
    assert response.status_code == 302
    report = ProblemReport.objects.get()
    for user in (citizen, supervisor):
        login_verified(client, user)
        page = client.get(f"/ratings/problems/{report.pk}/").content.decode()
        assert ID_IN_TEXT.lower() not in page and ID_IN_TEXT not in page and masked in page, user
        client.logout()


def test_the_public_board_masks_an_id_number_in_the_published_result(client, bad_rating, alice):
    rectifications.verify(rectification=bad_rating, actor=alice, is_true=True, classification="reasonable", note="属实")
    rectifications.reply(rectification=bad_rating, actor=alice, result=f"已更正 {ID_IN_TEXT} 的登记", text="已更正")
    html = client.get("/ratings/public/").content.decode()
    assert "已更正" in html and ID_IN_TEXT not in html and "110105********002X" in html


def test_masking_free_text_leaves_case_numbers_and_phones_alone():
    text = f"办件 3201022026030200100001，电话 13800138000，证件 {ID_IN_TEXT.lower()}。"
    assert mask_id_numbers_in_text(text) == "办件 3201022026030200100001，电话 13800138000，证件 110105********002X。"


@pytest.mark.parametrize(
    "query",
    [
        "hall=abc",
        "window=99999999999999999999",
        "clerk=-1",
        "region=1e5",
        "department=%E9%83%A8",
        "date_from=2026-13-01",
    ],
)
def test_crafted_dashboard_filters_are_400_not_500(client, supervisor, query):
    login_verified(client, supervisor)
    assert client.get(f"/supervision/?{query}").status_code == 400
    assert client.get(f"/supervision/export.csv?{query}").status_code == 400


def test_crafted_list_filters_are_ignored(client, alice, bad_rating):
    login_verified(client, alice)
    for url in ("/review/rectifications/?status=%27%20OR%201%3D1", "/review/problems/?status=x"):
        assert client.get(url).status_code == 200, url
