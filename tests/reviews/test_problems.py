"""办不成事: reported online or at the problem desk, answered under the deadline, followed up, counted."""

import datetime as dt

import pytest

from portal.models import OutboxMessage, Role
from reviews import problems, supervision
from reviews.models import ProblemReport
from tests.conftest import login_verified
from tests.factories import UserFactory
from tests.reviews.conftest import clock_at

P = ProblemReport.Status
NEW = "/ratings/problems/new/"


@pytest.fixture
def item(licensing_item):
    licensing_item.status = "published"
    licensing_item.save()
    return licensing_item


def report_online(client, citizen, item, text="窗口说必须本人到场，但我在外地，办不了。"):
    login_verified(client, citizen)
    return client.post(NEW, {"description": text, "item_code": item.code})


def test_a_citizen_reports_from_the_guide_and_the_department_hears_of_it(client, citizen, item):
    guide = client.get(f"/items/{item.code}/").content.decode()
    assert f'href="/ratings/problems/new/?item={item.code}"' in guide
    response = report_online(client, citizen, item)
    assert response.status_code == 302
    report = ProblemReport.objects.get()
    assert (report.channel, report.reporter, report.department_id, report.status) == (
        "online",
        citizen,
        item.department_id,
        P.OPEN,
    )
    assert OutboxMessage.objects.filter(idempotency_key=f"problem:{report.pk}:opened").exists()
    assert client.get(response["Location"]).status_code == 200
    # A double submit is the same report.
    client.post(NEW, {"description": "窗口说必须本人到场，但我在外地，办不了。", "item_code": item.code})
    assert ProblemReport.objects.count() == 1


def test_bad_reports_are_refused_and_nothing_is_saved(client, citizen, other_citizen, item, submitted):
    login_verified(client, other_citizen)
    for data, message in [
        ({"description": "办不了", "item_code": item.code}, "至少 5 个字"),
        ({"description": "很长的描述内容", "item_code": "NO-SUCH"}, "未找到该事项"),
        ({"description": "很长的描述内容"}, "请选择要反映的事项"),
        ({"description": "很长的描述内容", "case_number": submitted.number}, "未找到该办件"),  # not theirs
        ({"description": "很" * 2001, "item_code": item.code}, "2000"),
    ]:
        response = client.post(NEW, data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert not ProblemReport.objects.exists()


def test_a_clerk_records_it_at_the_problem_desk(client, item, department_x):
    clerk = UserFactory(roles=[Role.CLERK])
    login_verified(client, clerk)
    bad = client.post(
        NEW,
        {"description": "材料被要求反复提交", "item_code": item.code, "reporter_name": "王五", "reporter_phone": "12"},
    )
    assert bad.status_code == 422 and not ProblemReport.objects.exists()
    ok = client.post(
        NEW,
        {
            "description": "材料被要求反复提交",
            "item_code": item.code,
            "reporter_name": "王五",
            "reporter_phone": "13912345678",
        },
    )
    assert ok.status_code == 302
    report = ProblemReport.objects.get()
    assert (report.channel, report.recorded_by, report.reporter, report.reporter_phone) == (
        "window",
        clerk,
        None,
        "13912345678",
    )


def test_answered_followed_up_and_kept_from_others(client, citizen, other_citizen, item, department_x, department_y):
    report_online(client, citizen, item)
    report = ProblemReport.objects.get()
    page = f"/ratings/problems/{report.pk}/"
    for outsider in (other_citizen, UserFactory(department=department_y, roles=[Role.REVIEWER])):
        client.logout()
        login_verified(client, outsider)
        assert client.get(page).status_code == 404
        assert client.post(page + "answer/", {"solved": "yes", "answer": "x"}).status_code == 404
    client.logout()
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    login_verified(client, staff)
    assert "办不成事反映" in client.get("/review/problems/").content.decode()
    assert client.post(page + "answer/", {"solved": "yes", "answer": "  "}).status_code == 422
    assert client.post(page + "answer/", {"solved": "yes", "answer": "已开通异地代办"}).status_code == 302
    assert client.post(page + "answer/", {"solved": "yes", "answer": "再答"}).status_code == 409
    client.logout()
    login_verified(client, citizen)
    assert "已开通异地代办" in client.get(page).content.decode()
    assert client.post(page + "follow_up/", {"level": "2"}).status_code == 302
    report.refresh_from_db()
    assert report.status == P.CLOSED and report.follow_up_level == 2


def test_lights_and_figures(citizen, item):
    report = problems.report_problem(
        actor=citizen, description="线上系统一直报错", item=item, clock=clock_at(dt.date(2026, 3, 2), 9)
    )
    assert problems.sweep_lights(clock=clock_at(dt.date(2026, 3, 6), 8)) == 1
    assert problems.sweep_lights(clock=clock_at(dt.date(2026, 3, 10), 8)) == 1
    assert problems.sweep_lights(clock=clock_at(dt.date(2026, 3, 11), 8)) == 0
    report.refresh_from_db()
    assert report.light == "red"
    assert OutboxMessage.objects.get(idempotency_key=f"problem:{report.pk}:overdue").payload["light"] == "red"
    figures = supervision.figures(supervision.Filters(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)))
    assert (figures.problems, figures.problems_answered, figures.problems_overdue) == (1, 0, 1)
    board = supervision.public_problems(since=dt.date(2026, 1, 1))
    assert board == [{"department": item.department.name, "reported": 1, "answered_rate": 0.0, "solved": 0}]
