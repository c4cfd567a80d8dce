"""The demo's 好差评 (manage.py seed_demo_ratings): every part can be tried from `make run`."""

from io import StringIO

import pytest
from django.core.management import call_command

from applications.models import Application
from portal.models import User
from reviews.models import Evaluation, ProblemReport, Rectification
from tests.conftest import login_verified

pytestmark = pytest.mark.django_db
R = Rectification.Status


@pytest.fixture
def demo(seeded_demo, db):
    return seeded_demo["seed_demo_ratings"]


def test_the_demo_has_ratings_of_every_level_and_rectifications_in_every_state(demo, client):
    assert "新建演示评价办件 12 件" in demo
    assert set(Evaluation.objects.values_list("level", flat=True)) == {1, 2, 3, 4, 5}
    assert set(Evaluation.objects.values_list("status", flat=True)) == {"given", "defaulted"}
    assert set(Rectification.objects.values_list("status", flat=True)) == {
        R.VERIFYING,
        R.FOLLOW_UP,
        R.APPEALED,
        R.CLOSED,
    }
    assert set(ProblemReport.objects.values_list("status", flat=True)) == {"open", "follow_up"}
    months = {e.created_at.strftime("%Y-%m") for e in Evaluation.objects.all()}
    assert len(months) >= 5  # the dashboard's trend has history
    # Seeding again writes nothing.
    out = StringIO()
    call_command("seed_demo_ratings", stdout=out)
    assert "新建演示评价办件 0 件" in out.getvalue()

    zhang = User.objects.get(real_name="张三", username__startswith="139")
    login_verified(client, zhang)
    header = client.get("/").content.decode()
    assert "待评价" in header
    follow_up = Rectification.objects.get(status=R.FOLLOW_UP).evaluation.application
    assert "您对整改结果是否满意" in client.get(f"/ratings/{follow_up.number}/").content.decode()

    client.logout()
    login_verified(client, User.objects.get(username="demo_dept_head"))
    page = client.get("/review/rectifications/").content.decode()
    assert "差评整改" in page and Application.objects.filter(number__isnull=False).exists()
    client.logout()
    login_verified(client, User.objects.get(username="demo_supervisor"))
    dashboard = client.get("/supervision/").content.decode()
    assert "效能监督" in dashboard and "好评率" in dashboard
