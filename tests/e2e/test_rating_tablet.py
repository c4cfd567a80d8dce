"""一次一评 in a real Chromium: the clerk pushes a concluded case to window 1's tablet, the applicant rates
it on the tablet (a second browser, signed in as nobody), and the tablet goes back to waiting."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from reviews.models import Evaluation
from tests.e2e.helpers import build_world, open_page, served_case, shoot, sign_in
from tests.reviews.conftest import restore_indicators

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, department_x, citizen):
    restore_indicators()
    return build_world(department_x, citizen)


def test_the_applicant_rates_at_the_window_tablet(world, browser, live_server):
    application = served_case(world)
    clerk = open_page(browser, live_server.url)
    sign_in(clerk, world.clerk, staff=True)
    clerk.goto(f"/hall/cases/{application.number}/")
    clerk.get_by_role("button", name="请申请人评价").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("已发起窗口评价（一次一评）")
    expect(clerk.get_by_role("status")).to_contain_text("已推送到")
    shoot(clerk, "tablet-1-clerk-opened")
    # The clerk is never shown the tablet's address: whoever installs the device prints it.
    printed = io.StringIO()
    call_command("tablet_address", str(world.window.pk), base_url=live_server.url, stdout=printed, stderr=io.StringIO())
    address = printed.getvalue().strip()

    tablet = open_page(browser, live_server.url)
    tablet.set_viewport_size({"width": 1024, "height": 768})
    tablet.goto(address)
    expect(tablet.get_by_role("heading", level=1)).to_have_text("请对本次窗口服务作出评价")
    tablet.get_by_label("非常满意").check()
    visible = tablet.locator(".rating-option-group:not([hidden])")
    expect(visible).to_have_count(1)
    visible.get_by_label("服务态度好").check()
    shoot(tablet, "tablet-2-rating")
    tablet.get_by_role("button", name="提交评价").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("感谢您的评价！")
    shoot(tablet, "tablet-3-thanks")

    evaluation = Evaluation.objects.get(application=application)
    assert (evaluation.channel, evaluation.level, evaluation.window_id, evaluation.rated_by) == (
        "tablet",
        1,
        world.window.pk,
        None,
    )
    assert list(evaluation.indicators.values_list("label", flat=True)) == ["服务态度好"]
    clerk.reload()
    expect(clerk.get_by_role("status")).to_contain_text("申请人已完成评价")
