"""好差评 pages: the applicant's rating, the receipt's QR path, the department's rectification pages, the
supervisor's dashboard and export, and the public board; each as the wrong user too."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import Application
from portal.models import Role
from portal.workdays import workdays_between
from reviews import evaluations, rectifications, supervision
from reviews.evaluations import Rating
from reviews.models import Evaluation, EvaluationPolicy, Indicator, Level, Rectification
from tests.conftest import login_verified
from tests.factories import UserFactory
from tests.reviews.conftest import conclude

R = Rectification.Status


def url(application) -> str:
    return f"/ratings/{application.number}/"


def negative_option() -> Indicator:
    return Indicator.objects.filter(level=Level.VERY_DISSATISFIED, scope="online").first()


def test_the_applicant_rates_from_the_page_once(client, citizen, concluded):
    login_verified(client, citizen)
    page = client.get(url(concluded))
    assert page.status_code == 200 and 'name="level"' in page.content.decode()
    assert "评价本次服务" in client.get(f"/applications/{concluded.number}/").content.decode()
    response = client.post(url(concluded), {"level": "1"})
    assert response.status_code == 302
    assert Evaluation.objects.get(application=concluded).rated_by == citizen
    again = client.post(url(concluded), {"level": "5", "comment": "再评"})
    assert again.status_code == 409 and "只能评价一次" in again.content.decode()
    assert Evaluation.objects.get(application=concluded).level == 1


def test_the_rating_page_promises_the_regions_time_limit_for_a_bad_rating(client, citizen, concluded):
    """The reply within the region's working days (EvaluationPolicy), not a fixed 5 written in the page."""
    login_verified(client, citizen)
    assert "部门将在 5 个工作日内核实整改并答复您" in client.get(url(concluded)).content.decode()
    EvaluationPolicy.objects.create(region=concluded.department.region, rectification_workdays=7)
    assert "部门将在 7 个工作日内核实整改并答复您" in client.get(url(concluded)).content.decode()


def test_a_bad_rating_comes_back_with_the_message_and_saves_nothing(client, citizen, concluded):
    login_verified(client, citizen)
    for data, message in [
        ({"level": "9"}, "有效的选项"),
        ({"level": "5"}, "请选择或填写不满意的原因"),
        ({"level": "1", "indicators": str(negative_option().pk)}, "不属于所选的评价等级"),
        ({"level": "1", "indicators": "x"}, "有效的选项"),
    ]:
        response = client.post(url(concluded), data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert not Evaluation.objects.exists()


def test_another_citizen_gets_the_code_form_and_a_wrong_code_saves_nothing(client, other_citizen, concluded):
    login_verified(client, other_citizen)
    page = client.get(url(concluded))
    assert page.status_code == 200 and 'name="access_code"' in page.content.decode()
    assert concluded.item.name not in page.content.decode()  # nothing about the case is shown
    response = client.post(url(concluded), {"level": "1", "access_code": "WRONGCODE"})
    assert response.status_code == 404 and not Evaluation.objects.exists()


def test_the_qr_path_without_an_account(client, concluded):
    response = client.post(
        url(concluded) + "?via=qr", {"level": "2", "access_code": concluded.access_code, "via": "qr"}
    )
    assert response.status_code == 200 and "感谢您" in response.content.decode()
    assert Evaluation.objects.get(application=concluded).channel == Evaluation.Channel.QR


def test_the_text_message_link_records_the_sms_channel(client, concluded):
    response = client.post(url(concluded) + "?via=sms", {"level": "2", "access_code": concluded.access_code})
    assert response.status_code == 200 and "感谢您" in response.content.decode()
    assert Evaluation.objects.get(application=concluded).channel == Evaluation.Channel.SMS


def test_a_crafted_channel_falls_back_to_the_qr_code(client, concluded):
    client.post(url(concluded) + "?via=tablet", {"level": "2", "access_code": concluded.access_code})
    assert Evaluation.objects.get(application=concluded).channel == Evaluation.Channel.QR


def test_signing_in_from_the_qr_page_comes_back_to_it_still_marked_qr(client, citizen, concluded):
    """The QR code's ?via=qr survives the sign-in link, so the rating is recorded as given by QR code."""
    page = client.get(url(concluded) + "?via=qr").content.decode()
    assert f'href="/accounts/login/?next=/ratings/{concluded.number}/%3Fvia%3Dqr"' in page
    login_verified(client, citizen)
    form = client.get(url(concluded) + "?via=qr").content.decode()
    assert '<input type="hidden" name="via" value="qr">' in form
    client.post(url(concluded) + "?via=qr", {"level": "1", "via": "qr"})
    assert Evaluation.objects.get(application=concluded).channel == Evaluation.Channel.QR


def test_staff_cannot_rate_for_the_applicant(client, clerk, concluded):
    login_verified(client, clerk)
    response = client.post(url(concluded), {"level": "1", "access_code": concluded.access_code})
    assert response.status_code == 403 and not Evaluation.objects.exists()


@pytest.fixture
def rectification(concluded, citizen):
    evaluations.rate_application(
        application=concluded,
        user=citizen,
        rating=Rating(level=Level.VERY_DISSATISFIED, indicator_ids=(negative_option().pk,), comment="等了很久"),
    )
    return Rectification.objects.get()


def test_verifying_needs_an_explicit_finding_and_class(client, rectification, department_x):
    """The form opens on 请选择, not on 属实 / 合理诉求; submitted so, it says what is missing and saves nothing."""
    login_verified(client, UserFactory(department=department_x, roles=[Role.REVIEWER]))
    page = f"/review/rectifications/{rectification.pk}/"
    form = client.get(page).content.decode()
    assert '<option value="" selected>请选择</option>' in form
    response = client.post(page + "verify/", {"is_true": "", "classification": "", "note": "已核实"})
    assert response.status_code == 422
    assert "请选择反映情况是否属实。" in response.content.decode() and "请选择诉求分类。" in response.content.decode()
    rectification.refresh_from_db()
    assert rectification.status == R.VERIFYING and rectification.verified_at is None


def test_the_department_verifies_and_replies_and_the_applicant_rates_the_handling(
    client, rectification, department_x, citizen
):
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    login_verified(client, staff)
    assert "差评整改" in client.get("/review/rectifications/").content.decode()
    page = f"/review/rectifications/{rectification.pk}/"
    assert client.get(page).status_code == 200
    bad = client.post(page + "verify/", {"is_true": "no", "classification": "reasonable", "note": "x"})
    assert bad.status_code == 422 and "不能认定为合理诉求" in bad.content.decode()
    assert (
        client.post(page + "verify/", {"is_true": "yes", "classification": "reasonable", "note": "属实"}).status_code
        == 302
    )
    assert (
        client.post(page + "verify/", {"is_true": "yes", "classification": "reasonable", "note": "属实"}).status_code
        == 409
    )
    assert client.post(page + "reply/", {"result": "增加窗口", "reply": "已整改，感谢监督"}).status_code == 302
    client.logout()
    login_verified(client, citizen)
    mine = client.get(url(rectification.evaluation.application)).content.decode()
    assert "已整改，感谢监督" in mine and "您对整改结果是否满意" in mine
    response = client.post(url(rectification.evaluation.application) + "follow-up/", {"level": "2"})
    assert response.status_code == 302
    rectification.refresh_from_db()
    assert rectification.status == R.CLOSED


def test_another_department_and_a_citizen_cannot_see_it(client, rectification, department_y, citizen):
    login_verified(client, UserFactory(department=department_y, roles=[Role.DEPT_HEAD]))
    assert client.get(f"/review/rectifications/{rectification.pk}/").status_code == 404
    assert client.post(f"/review/rectifications/{rectification.pk}/verify/", {"is_true": "yes"}).status_code == 404
    client.logout()
    login_verified(client, citizen)
    assert client.get("/review/rectifications/").status_code == 404
    assert client.get(f"/review/rectifications/{rectification.pk}/").status_code == 404


def test_a_fake_evidence_file_is_refused_on_the_form(client, rectification, department_x):
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    login_verified(client, head)
    page = f"/review/rectifications/{rectification.pk}/"
    client.post(page + "verify/", {"is_true": "no", "classification": "malicious", "note": "不实"})
    fake = io.BytesIO(b"not a pdf at all")
    fake.name = "录像截图.pdf"
    response = client.post(page + "appeal/", {"reason": "有录像", "evidence": fake})
    assert response.status_code == 422 and "文件内容不是允许的格式" in response.content.decode()
    rectification.refresh_from_db()
    assert rectification.status == R.RECTIFYING and not rectification.appeal_reason


# --- Figures --------------------------------------------------------------------------------------


def test_rates_on_a_known_fixture(concluded, citizen):
    """好评率 counts given ratings only: a defaulted one and an invalidated one are left out."""
    evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=Level.SATISFIED))
    base = Evaluation.objects.get()
    for level, status in [
        (Level.DISSATISFIED, "given"),
        (Level.SATISFIED, "defaulted"),
        (Level.VERY_DISSATISFIED, "invalidated"),
    ]:
        Evaluation.objects.create(
            application=_another_case(concluded),
            level=level,
            status=status,
            channel="pc",
            department=base.department,
            region=base.region,
            item_code=base.item_code,
            item_name=base.item_name,
            created_at=base.created_at,
        )
    # Local dates, as the figures count them (Asia/Shanghai): after 16:00 UTC the UTC date is a day behind.
    period = supervision.Filters(
        date_from=timezone.localdate(concluded.concluded_at), date_to=timezone.localdate(base.created_at)
    )
    figures = supervision.figures(period)
    assert (figures.given, figures.defaulted, figures.invalidated) == (2, 1, 1)
    assert figures.good_rate == 50.0 and figures.negative == 1
    assert figures.concluded == 1 and figures.on_time_rate == 100.0


def test_time_used_and_promised_are_averaged_in_working_days(submitted, clerk):
    friday, tuesday = dt.date(2026, 3, 6), dt.date(2026, 3, 10)
    case = conclude(submitted, clerk, friday, done=tuesday)
    assert case.workdays_used == 2  # Monday and Tuesday; the weekend does not count
    assert case.workdays_promised == workdays_between(friday, case.due_on) > 0
    figures = supervision.figures(supervision.Filters(date_from=friday, date_to=tuesday))
    assert (figures.avg_days_used, figures.avg_days_promised) == (2.0, float(case.workdays_promised))


def _another_case(template):
    return Application.objects.create(
        item=template.item, department=template.department, party=template.party, status="concluded"
    )


def test_the_dashboard_filters_and_exports(client, supervisor, concluded, citizen):
    evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=Level.VERY_SATISFIED))
    login_verified(client, supervisor)
    page = client.get("/supervision/")
    html = page.content.decode()
    assert page.status_code == 200 and "好评率" in html and 'id="chart-data"' in html
    assert concluded.department.name in html
    assert client.get("/supervision/?date_from=2026-05-01&date_to=2026-01-01").status_code == 400
    exported = client.get("/supervision/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0][0] == "部门" and rows[1][0] == concluded.department.name
    book = load_workbook(io.BytesIO(client.get("/supervision/export.xlsx").content))
    assert book.active["A2"].value == concluded.department.name


def test_a_head_sees_their_department_and_a_citizen_nothing(client, concluded, department_y, citizen):
    head_y = UserFactory(department=department_y, roles=[Role.DEPT_HEAD])
    evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=Level.VERY_SATISFIED))
    login_verified(client, head_y)
    html = client.get("/supervision/").content.decode()
    assert concluded.department.name not in html
    client.logout()
    login_verified(client, citizen)
    assert client.get("/supervision/").status_code == 403
    assert client.get("/supervision/export.csv").status_code == 403


def test_the_public_board_shows_no_personal_data(client, rectification, department_x):
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    rectifications.verify(rectification=rectification, actor=staff, is_true=True, classification="reasonable", note="x")
    rectifications.reply(rectification=rectification, actor=staff, result="增设引导岗", text="张三您好")
    html = client.get("/ratings/public/").content.decode()
    assert "增设引导岗" in html and department_x.name in html
    application = rectification.evaluation.application
    assert application.applicant_name not in html or not application.applicant_name
    assert "张三您好" not in html and "等了很久" not in html and application.number not in html
