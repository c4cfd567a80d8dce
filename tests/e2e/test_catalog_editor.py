"""Department X's catalog editor and the region's publisher in a real Chromium.

Both sign in as staff really do: password, then the current TOTP code of their device. The editor
starts version 2 of a published item, trips the rule "promised ≤ statutory", fixes it, changes a
material and submits; the publisher reads the diff in the queue and publishes; the public guide
then shows version 2.
"""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from catalog.models import ServiceItem
from tests.conftest import PASSWORD
from tests.factories import BasicItemFactory, MaterialRequirementFactory, ServiceItemFactory

pytestmark = [pytest.mark.e2e]

ITEM_NAME = "食品经营许可"
NEW_MATERIAL = "食品安全管理制度文本"


@pytest.fixture
def published_item(transactional_db, department_x):
    item = ServiceItemFactory(
        department=department_x,
        basic_item=BasicItemFactory(name=ITEM_NAME),
        statutory_days=20,
        promised_days=10,
    )
    MaterialRequirementFactory(item=item, name="营业执照", originals=1, copies=0, order=1)
    MaterialRequirementFactory(item=item, name="食品经营许可申请书", originals=1, copies=0, order=2)
    return item


def current_totp(user) -> str:
    """What the user's authenticator app shows now (the device is made confirmed, as after set-up)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    return f"{token:0{device.digits}d}"


def sign_in(page: Page, user) -> None:
    """Through the header's 登录 link, the password form and the second-factor page."""
    code = current_totp(user)
    page.goto("/")
    page.get_by_role("banner").get_by_role("link", name="登录").click()
    page.get_by_label("手机号码 / 电子邮箱 / 用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("输入动态验证码")
    page.get_by_role("textbox", name="动态验证码").fill(code)
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("banner").get_by_role("link", name="事项管理")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="退出").click()
    expect(page.get_by_role("banner").get_by_role("link", name="登录")).to_be_visible()


def test_an_editor_changes_an_item_and_a_publisher_publishes_version_2(
    published_item, editor_x, publisher, page, screenshot
):
    # --- The editor: a new version, a refused value, the fix, a material, submission.
    sign_in(page, editor_x)
    page.get_by_role("banner").get_by_role("link", name="事项管理").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("事项管理")
    page.get_by_role("link", name=ITEM_NAME, exact=True).click()
    page.get_by_role("button", name="创建新版本进行修改").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"编辑草稿：{ITEM_NAME}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 2 版")

    promised = page.get_by_role("spinbutton", name="承诺办结时限")
    expect(promised).to_have_value("10")
    promised.fill("25")
    licence = page.get_by_role("group", name="材料 1：营业执照")
    licence.get_by_label("复印件份数").fill("1")
    new_material = page.get_by_role("group", name="新增材料").first
    new_material.get_by_label("材料名称").fill(NEW_MATERIAL)
    new_material.get_by_label("原件份数").fill("1")
    page.get_by_role("button", name="保存草稿").click()

    summary = page.get_by_role("alert").filter(has_text="草稿未保存")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("承诺办结时限（25）不得超过法定办结时限（20）。")
    expect(summary).not_to_contain_text("承诺办结时限：承诺办结时限")  # the label is not repeated
    # The message also sits next to the field, and what was typed is still there.
    expect(page.locator(".form-row", has=promised)).to_contain_text("不得超过法定办结时限（20）")
    expect(promised).to_have_value("25")
    expect(page.get_by_role("group", name="新增材料").first.get_by_label("材料名称")).to_have_value(NEW_MATERIAL)
    screenshot("catalog-editor-1-edit-error-summary", full_page=False)
    # The summary links to the field, as GOV.UK-style error summaries do.
    summary.get_by_role("link").first.click()
    expect(promised).to_be_in_viewport()
    expect(page.locator(".form-row", has=promised).locator(".errorlist")).to_be_in_viewport()
    screenshot("catalog-editor-1-edit-error-field", full_page=False)
    draft = ServiceItem.objects.get(code=published_item.code, version=2)
    assert draft.promised_days == 10  # nothing half-written

    promised.fill("5")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_contain_text("草稿已保存。")
    expect(page.get_by_role("spinbutton", name="承诺办结时限")).to_have_value("5")
    expect(page.get_by_role("group", name=f"材料 3：{NEW_MATERIAL}")).to_be_visible()

    page.get_by_role("link", name="返回事项概况（提交审核）").click()
    page.get_by_label("提交说明（可选）").fill("承诺时限压缩至 5 个工作日，增加管理制度文本。")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已提交审核")
    expect(page.locator("main .badge").first).to_have_text("待审核")
    sign_out(page)

    # --- The publisher: the queue, the diff, publication.
    sign_in(page, publisher)
    page.get_by_role("banner").get_by_role("link", name="事项管理").click()
    page.get_by_role("navigation", name="事项管理导航").get_by_role("link", name="待审核发布").click()
    row = page.get_by_role("row").filter(has_text=ITEM_NAME)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("2")
    screenshot("catalog-editor-2-publisher-queue")

    row.get_by_role("link", name="查看变更").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"版本对比：{ITEM_NAME}")
    diff = page.locator("table.diff")
    expect(diff.locator("caption")).to_have_text("第 1 版与第 2 版之间有 3 处不同")
    promised_row = diff.get_by_role("row").filter(has_text="承诺办结时限")
    expect(promised_row.locator("del")).to_have_text(re.compile(r"^10\b"))
    expect(promised_row.locator("ins")).to_have_text(re.compile(r"^5\b"))
    expect(diff.get_by_role("row").filter(has_text=NEW_MATERIAL)).to_contain_text("新增")
    expect(diff.get_by_role("row").filter(has_text="营业执照")).to_contain_text("复印件份数")
    screenshot("catalog-editor-3-diff")

    page.get_by_role("link", name="返回事项概况").click()
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_role("status")).to_contain_text("已发布第 2 版。")

    # --- Anyone: the guide is version 2 now.
    sign_out(page)
    page.goto(published_item.get_absolute_url())
    expect(page.locator(".guide-meta")).to_contain_text("第 2 版")
    limits = page.locator("#limits")
    expect(limits.locator("div", has_text="承诺办结时限").locator("dd")).to_have_text(re.compile(r"^5\s"))
    expect(page.locator("#material-list .material-name", has_text=NEW_MATERIAL)).to_be_visible()
    screenshot("catalog-editor-4-guide-version-2")
    published_item.refresh_from_db()
    assert published_item.status == ServiceItem.Status.RETIRED
