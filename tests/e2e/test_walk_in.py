"""A walk-in at hall A's 综合窗口 1, in a real Chromium (issue 3, "Done when" 2).

王五 brings his papers to the window; the clerk identifies him by ID number, fills the item's form,
ticks the originals and copies received, records his signature of the declaration, files the intake and
accepts it on the spot (收件即受理). The acceptance receipt (受理凭证) is downloaded through the browser
session, checked as a PDF that says 受理 and the case number, and rendered to PNG for a person to look at.
"""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from applications.models import Application, Document
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import APPLICATION_FORM, FLOOR_PLAN, ITEM_NAME, build_world, open_page, pdf_file, shoot, sign_in
from tests.factories import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WALK_IN_ID = make_resident_id(area="320102", birth="19700301", seq="511")


@pytest.fixture
def world(transactional_db, department_x, citizen):
    return build_world(department_x, citizen)


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


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
    clerk.get_by_role("button", name="受理", exact=True).click()
    receipt_link = clerk.get_by_role("link", name="下载受理凭证（PDF）")
    expect(receipt_link).to_be_visible()
    shoot(clerk, "walk-in-4-accepted")
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert application.due_on is not None

    # The document view answers `inline` (the browser's PDF viewer would swallow a click), so the
    # clerk's own browser context fetches it: same cookies, same permission checks as a click.
    response = clerk.request.get(receipt_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    receipt = tmp_path / "受理凭证.pdf"
    receipt.write_bytes(body)
    text = run("pdftotext", "-layout", str(receipt), "-")
    assert "受理" in text
    assert number in re.sub(r"\s", "", text)
    assert "王五" in text
    assert f"{application.due_on:%Y}" in text
    assert Document.objects.filter(application=application, kind=Document.Kind.ACCEPTANCE_RECEIPT).count() == 1

    # A picture of the receipt for a person to look at (var/screenshots/walk-in-5-receipt-1.png).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(receipt), str(SCREENSHOTS / "walk-in-5-receipt"))
    assert list(SCREENSHOTS.glob("walk-in-5-receipt*.png"))
