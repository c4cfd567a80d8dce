"""Alice registers in a real Chromium with JavaScript switched off: 获取验证码 brings the form back
with what she typed, she reads the code (the demo SMS log), and Enter in the last field registers."""

import pytest
from playwright.sync_api import expect

from portal.models import User
from tests.e2e.conftest import SCREENSHOTS
from tests.portal.test_registration_code import ALICE, PASSWORD, code_in, texts_to

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_alice_registers_with_the_texted_code_without_javascript(page_without_js, transactional_db):
    page = page_without_js
    page.goto("/accounts/register/")
    page.get_by_label("手机号码").fill(ALICE)
    page.get_by_label("电子邮箱").fill("alice@example.com")
    page.get_by_role("button", name="获取验证码").click()

    expect(page.get_by_role("status")).to_contain_text("验证码已发送至 138****5678")
    expect(page.get_by_label("手机号码")).to_have_value(ALICE)
    expect(page.get_by_label("电子邮箱")).to_have_value("alice@example.com")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "register-code-sent.png"), full_page=True)
    page.get_by_label("短信验证码").fill(code_in(texts_to(ALICE)[-1]))
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("再次输入密码").press("Enter")  # the form's default button registers

    expect(page).to_have_url("/accounts/real-name/")
    assert len(texts_to(ALICE)) == 1
    assert User.objects.get(phone=ALICE).phone_verified_at is not None
