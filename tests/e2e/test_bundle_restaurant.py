"""开办餐饮店“一件事” in a real Chromium, on the demo data a visitor of `make run` sees (seed_demo and
seed_demo_hall): 张三 answers the 开办企业 questionnaire, opens the recommended bundle, applies once as a
person (个体工商户's 经营者) with his ID card fetched from the e-licence library instead of uploaded;
the demo clerk accepts the whole bundle once and prints one receipt listing every part and its
department; the 行政审批局 and the 卫健委 decide (their review pages have e2e tests of their own, so
their steps go through the services here); the clerk hands everything over together (统一出件).
Screenshots in var/screenshots/bundle-*.png."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from applications.demo import granted_case
from applications.models import Application, BundleApplication, Document
from portal.clock import system_clock
from portal.models import User
from tests.conftest import PASSWORD
from tests.e2e.helpers import fetch_pdf, open_page, pdf_file, shoot, sign_in

pytestmark = [pytest.mark.e2e]

BUNDLE = "开办餐饮店“一件事”"
ZHANG_SAN_ID = "320115199003071230"  # catalog/demo/data/accounts.yaml


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo_hall", stdout=io.StringIO())
    people = {}
    for username in (
        "13900000001",
        "demo_clerk",
        "demo_reviewer",
        "demo_dept_head",
        "demo_reviewer_wjw",
        "demo_dept_head_wjw",
    ):
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save()
        people[username] = user
    return people


def _decide(part_name: str, bundle_application: BundleApplication, handler, approver) -> None:
    application = Application.objects.get(bundle_part__bundle_application=bundle_application, item__name=part_name)
    assert application.status == Application.Status.IN_REVIEW, (part_name, application.status)
    granted_case(application, handler=handler, approver=approver, clock=system_clock)


def test_a_citizen_opens_a_restaurant_with_one_application_one_acceptance_and_one_delivery(
    browser, live_server, demo, tmp_path
):
    citizen = open_page(browser, live_server.url)
    sign_in(citizen, demo["13900000001"], staff=False)

    # The life event's questionnaire recommends the bundle.
    citizen.goto("/")
    citizen.get_by_role("link", name="开办企业").first.click()
    citizen.get_by_label("餐馆、小吃店、奶茶店").check()
    citizen.get_by_role("button", name="查看推荐").click()
    recommendation = citizen.get_by_role("status")
    expect(recommendation).to_contain_text(BUNDLE)
    shoot(citizen, "bundle-1-questionnaire")
    recommendation.get_by_role("link", name=BUNDLE).click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text(BUNDLE)
    citizen.get_by_role("link", name="申请", exact=True).click()
    citizen.get_by_label("您的居民身份证号码").fill(ZHANG_SAN_ID)
    citizen.get_by_role("button", name="下一步：填写一件事申请").click()

    # One form, one set of materials; the ID card comes from the e-licence library.
    expect(citizen.locator(".licence-fetched").first).to_contain_text("已调取电子证照")
    expect(citizen.get_by_text("经营者居民身份证：已调取电子证照")).to_be_visible()
    assert citizen.locator("input[type=file]").count() == 8  # no ID card among them, no 营业执照 (part 1's result)
    citizen.get_by_label("经营场所").fill("南京市江宁区东山街道上元大街8号")
    citizen.get_by_label("经营范围").fill("餐饮服务；食品销售")
    citizen.get_by_label("个人经营").check()
    citizen.get_by_label("主体业态").select_option("餐饮服务经营者")
    citizen.get_by_label("热食类食品制售").check()
    for index, upload in enumerate(citizen.locator("input[type=file]").all()):
        upload.set_input_files(str(pdf_file(tmp_path, f"材料{index}.pdf")))
    citizen.get_by_label("本人承诺：所填信息和提交的材料真实、准确、有效，如有虚假，愿承担相应法律责任。").check()
    shoot(citizen, "bundle-2-one-form")
    citizen.get_by_role("button", name="提交一件事申请").click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(BUNDLE)
    expect(citizen.locator(".bundle-parts")).to_contain_text("等待前序事项")
    expect(citizen.get_by_text("待综合窗口统一受理")).to_be_visible()
    shoot(citizen, "bundle-3-submitted")
    bundle_application = BundleApplication.objects.get(applicant_user=demo["13900000001"], bundle__name=BUNDLE)

    # The comprehensive window accepts the whole bundle once and prints one receipt.
    clerk = open_page(browser, live_server.url)
    sign_in(clerk, demo["demo_clerk"], staff=True)
    clerk.goto("/hall/")
    clerk.get_by_role("link", name="一件事待受理").click()
    clerk.get_by_role("link", name=BUNDLE).first.click()
    expect(clerk.locator(".bundle-parts")).to_contain_text("南京市江宁区卫生健康委员会")
    shoot(clerk, "bundle-4-window-before-acceptance")
    clerk.get_by_role("button", name="一次受理并出具一件事受理凭证").click()
    expect(clerk.get_by_role("status").or_(clerk.locator(".messages"))).to_contain_text("一件事已受理")
    bundle_application.refresh_from_db()
    assert bundle_application.status == BundleApplication.Status.ACCEPTED
    expect(clerk.locator(".bundle-due")).to_have_text(f"{bundle_application.due_on:%Y-%m-%d}")
    shoot(clerk, "bundle-5-window-accepted")
    text = fetch_pdf(clerk, "一件事受理凭证", tmp_path, "bundle-6-receipt")
    flat = "".join(text.split())
    assert "开办餐饮店" in flat and "一次受理" in flat and "统一出件" in flat
    # The table's cells wrap across lines in pdftotext's layout: the parts are read from the snapshot.
    receipt = Document.objects.get(
        application__bundle_part__bundle_application=bundle_application, kind=Document.Kind.ACCEPTANCE_RECEIPT
    )
    assert [(p["name"], p["department"]) for p in receipt.context["bundle"]["parts"]] == [
        ("个体工商户设立登记", "南京市江宁区行政审批局"),
        ("食品经营许可", "南京市江宁区行政审批局"),
        ("公共场所卫生许可", "南京市江宁区卫生健康委员会"),
    ]

    # Two departments decide; the food licence starts after the business licence and needs no window.
    _decide("个体工商户设立登记", bundle_application, demo["demo_reviewer"], demo["demo_dept_head"])
    _decide("公共场所卫生许可", bundle_application, demo["demo_reviewer_wjw"], demo["demo_dept_head_wjw"])
    _decide("食品经营许可", bundle_application, demo["demo_reviewer"], demo["demo_dept_head"])
    citizen.reload()
    expect(citizen.locator(".bundle-delivery")).to_have_text("待统一出件")
    shoot(citizen, "bundle-7-all-decided")

    # 统一出件: one identity check, every result together.
    clerk.reload()
    clerk.get_by_label("领取人身份证件号码").fill(ZHANG_SAN_ID)
    clerk.get_by_role("button", name="核验身份并统一出件").click()
    expect(clerk.locator(".bundle-delivery")).to_have_text("已统一出件")
    shoot(clerk, "bundle-8-window-delivered")
    citizen.reload()
    expect(citizen.locator(".bundle-delivery")).to_have_text("已统一出件")
    shoot(citizen, "bundle-9-citizen-received")
    statuses = set(
        Application.objects.filter(bundle_part__bundle_application=bundle_application).values_list("status", flat=True)
    )
    assert statuses == {Application.Status.CONCLUDED}
