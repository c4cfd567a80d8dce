"""A walk-in at hall A's 综合窗口 1, in a real Chromium (issue 3, "Done when" 2).

王五 brings his papers to the window; the clerk identifies him by ID number, fills the item's form,
ticks the originals and copies received, records his signature of the declaration, files the intake and
accepts it on the spot (收件即受理). The acceptance receipt (受理凭证) is downloaded through the browser
session, checked as a PDF that says 受理 and the case number, and rendered to PNG for a person to look at.
"""

import re

import pytest
from playwright.sync_api import expect

from applications.models import Application, Document
from tests.e2e.helpers import (
    APPLICATION_FORM,
    FLOOR_PLAN,
    ITEM_NAME,
    build_world,
    fetch_pdf,
    open_page,
    pdf_file,
    shoot,
    sign_in,
)
from tests.factories import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WALK_IN_ID = make_resident_id(area="320102", birth="19700301", seq="511")


@pytest.fixture
def world(transactional_db, department_x, citizen):
    return build_world(department_x, citizen)


def test_a_clerk_takes_in_a_walk_in_and_hands_over_the_acceptance_receipt(world, browser, live_server, tmp_path):
    clerk = open_page(browser, live_server.url)
    sign_in(clerk, world.clerk, staff=True)

    # --- Window and item: only the items this window is authorised for are offered.
    clerk.goto("/hall/walk-in/")
    shoot(clerk, "walk-in-1-choose-item")
    clerk.get_by_role("link", name=ITEM_NAME).click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text(f"窗口收件：{ITEM_NAME}")

    # --- Who applies, the item's form, the checklist (originals/copies/scan), the signature.
    clerk.get_by_label("申请人姓名或单位名称").fill("王五")
    clerk.get_by_label("公民身份号码或统一社会信用代码").fill(WALK_IN_ID)
    clerk.get_by_label("联系电话（手机）").fill("13900139000")
    clerk.get_by_label("经营场所地址").fill("南京市玄武区珠江路88号")
    clerk.get_by_label(f"{APPLICATION_FORM}：收取原件（份）").fill("1")
    clerk.get_by_label(f"{FLOOR_PLAN}：收取复印件（份）").fill("1")
    clerk.get_by_label(f"{FLOOR_PLAN}：扫描件（可选）").set_input_files(pdf_file(tmp_path, "平面图扫描件.pdf"))
    clerk.get_by_label("结果送达方式").select_option(label="窗口领取")
    clerk.get_by_role("checkbox", name="申请人已签字确认").check()
    shoot(clerk, "walk-in-2-intake-form")
    clerk.get_by_role("button", name="提交收件").click()

    expect(clerk.get_by_text("已收件登记").first).to_be_visible()
    application = Application.objects.get(party__name="王五")
    assert application.status == Application.Status.SUBMITTED
    number = application.number
    expect(clerk.get_by_text(number).first).to_be_visible()
    shoot(clerk, "walk-in-3-case-filed")

    # --- 收件即受理: one click, and the receipt is there to download.
    clerk.get_by_role("link", name="受理", exact=True).click()
    # 受理 starts the clock: the clerk sees the dates it sets and confirms.
    expect(clerk.get_by_text("承诺办结日期")).to_be_visible()
    clerk.get_by_role("button", name="确认受理并出具受理凭证").click()
    expect(clerk.get_by_role("link", name="下载受理凭证（PDF）")).to_be_visible()
    shoot(clerk, "walk-in-4-accepted")
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.due_on is not None

    text = fetch_pdf(clerk, "下载受理凭证（PDF）", tmp_path, "walk-in-5-receipt")
    assert "受理" in text
    assert number in re.sub(r"\s", "", text)
    assert "王五" in text
    assert f"{application.due_on:%Y}年{application.due_on.month}月{application.due_on.day}日" in text
    assert Document.objects.filter(application=application, kind=Document.Kind.ACCEPTANCE_RECEIPT).count() == 1
