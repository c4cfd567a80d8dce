"""一次一评 at the window: the clerk opens the service on the window's tablet, the applicant rates it there once."""

# ruff: noqa: F811 (the hall's fixtures are imported from tests/windows/conftest.py)

import datetime as dt

import pytest
from django.utils import timezone

from applications import services as cases
from applications.models import Application
from reviews import problems, supervision, tablets
from reviews.evaluations import Rating
from reviews.models import Evaluation, Indicator, Level, TabletSession
from tests.conftest import login_verified
from tests.factories import make_resident_id
from tests.reviews.conftest import MONDAY, clock_at
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
from windows import services as window_services


@pytest.fixture
def served(decided, clerk_a, party):  # noqa: F811
    """The case taken in at window A1, granted, its fee paid and the result handed over there."""
    for fee in decided.fee_assessments.all():
        cases.settle_fee(fee=fee, actor=clerk_a, paid_reference="POS-1")
    window_services.deliver_at_window(
        clerk=clerk_a,
        application=decided,
        method=Application.DeliveryMethod.COLLECT,
        recipient_name="张三",
        recipient_id_number=make_resident_id(),
        clock=clock_at(MONDAY, 17),
    )
    decided.refresh_from_db()
    return decided


def hall_option(level: int) -> Indicator:
    return Indicator.objects.filter(scope="hall", level=level).first()


def tablet_url(window) -> str:
    return f"/ratings/tablet/{window.pk}/{tablets.tablet_key(window.pk)}/"


def test_the_clerk_opens_it_and_the_applicant_rates_on_the_tablet_once(client, served, clerk_a, window_a):
    login_verified(client, clerk_a)
    assert "请申请人评价" in client.get(f"/hall/cases/{served.number}/").content.decode()
    opened = client.post(f"/ratings/tablet/open/{served.number}/")
    assert opened.status_code == 302
    page = client.get(opened["Location"]).content.decode()
    assert tablet_url(window_a) in page
    client.logout()

    tablet = client.get(tablet_url(window_a)).content.decode()
    assert "请对本次窗口服务作出评价" in tablet and hall_option(Level.VERY_SATISFIED).label in tablet
    session = TabletSession.objects.get()
    response = client.post(
        tablet_url(window_a),
        {"session": session.pk, "level": "1", "indicators": str(hall_option(Level.VERY_SATISFIED).pk)},
    )
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    evaluation = Evaluation.objects.get(application=served)
    assert (evaluation.channel, evaluation.window_id, evaluation.clerk_id, evaluation.rated_by) == (
        "tablet",
        window_a.pk,
        clerk_a.pk,
        None,
    )
    again = client.post(tablet_url(window_a), {"session": session.pk, "level": "5", "comment": "再评"})
    assert again.status_code == 409 and Evaluation.objects.count() == 1
    assert "欢迎评价" in client.get(tablet_url(window_a)).content.decode()  # waiting for the next service


def test_a_wrong_key_shows_nothing(client, window_a):
    assert client.get(f"/ratings/tablet/{window_a.pk}/{'0' * 32}/").status_code == 404
    assert client.get(f"/ratings/tablet/{window_a.pk + 1}/{tablets.tablet_key(window_a.pk)}/").status_code == 404


def test_staff_cannot_rate_on_the_tablet(client, served, clerk_a, window_a):
    session = tablets.open_session(clerk=clerk_a, application=served)
    login_verified(client, clerk_a)
    response = client.post(tablet_url(window_a), {"session": session.pk, "level": "1"})
    assert response.status_code == 403 and not Evaluation.objects.exists()


def test_an_expired_session_and_online_options_are_refused(client, served, clerk_a, window_a):
    session = tablets.open_session(clerk=clerk_a, application=served)
    online = Indicator.objects.filter(scope="online", level=1).first()
    response = client.post(tablet_url(window_a), {"session": session.pk, "level": "1", "indicators": str(online.pk)})
    assert response.status_code == 422 and "有效的选项" in response.content.decode()  # not a hall option
    TabletSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(tablet_url(window_a), {"session": session.pk, "level": "1"})
    assert response.status_code == 409 and not Evaluation.objects.exists()
    with pytest.raises(Exception, match="已结束或已超时"):
        tablets.rate_on_tablet(window_id=window_a.pk, session_id=session.pk, rating=Rating(level=1), user=None)


def test_only_the_cases_clerk_opens_it_and_only_when_concluded(client, served, decided, clerk_b, clerk_a):  # noqa: F811
    login_verified(client, clerk_b)
    assert client.post(f"/ratings/tablet/open/{served.number}/").status_code == 404
    assert not TabletSession.objects.exists()


def test_an_unconcluded_case_cannot_be_opened(decided, clerk_a):  # noqa: F811
    with pytest.raises(Exception, match="办结后才能评价"):
        tablets.open_session(clerk=clerk_a, application=decided)


def test_the_dashboard_filters_by_hall_window_and_clerk(client, served, clerk_a, window_a, window_b, supervisor):
    session = tablets.open_session(clerk=clerk_a, application=served)
    tablets.rate_on_tablet(window_id=window_a.pk, session_id=session.pk, rating=Rating(level=2), user=None)
    login_verified(client, supervisor)
    period = "date_from=2026-01-01&date_to=2026-12-31"
    for query, given in [
        (f"window={window_a.pk}", 1),
        (f"window={window_b.pk}", 0),
        (f"hall={window_a.hall_id}", 1),
        (f"clerk={clerk_a.pk}", 1),
    ]:
        response = client.get(f"/supervision/?{period}&{query}")
        assert response.status_code == 200, query
        assert response.context["figures"].given == given, query
    assert client.get(f"/supervision/?{period}&window=999999").status_code == 400


def test_the_problem_figures_follow_the_hall_window_and_clerk_filters(served, clerk_a, window_a, window_b):
    problems.report_problem(actor=clerk_a, application=served, description="材料反复提交仍办不成", reporter_name="张三")
    problems.report_problem(actor=clerk_a, item=served.item, description="不知道去哪里办理", reporter_name="李四")
    period = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 12, 31)}
    for filters, reports in [
        ({}, 2),
        ({"window_id": window_a.pk}, 1),  # the report about the case that window took
        ({"window_id": window_b.pk}, 0),
        ({"hall_id": window_a.hall_id}, 1),
        ({"clerk_id": clerk_a.pk}, 1),
    ]:
        assert supervision.figures(supervision.Filters(**period, **filters)).problems == reports, filters
