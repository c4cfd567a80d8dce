"""告知承诺制 in a real Chromium (issue 11): 张三 signs a commitment instead of her floor plan; the clerk
accepts; 审查员甲 records the check as false; her case page shows the grant's check and the documents."""

import re

import pytest
from playwright.sync_api import expect

from applications import services as cases
from applications.models import Application, Commitment
from applications.transitions import Actor
from tests.e2e.helpers import ALICE_ID, APPLICATION_FORM, build_world, fetch_pdf, open_page, pdf_file, shoot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, department_x, citizen):
    world = build_world(department_x, citizen)
    world.item.materials.filter(name="经营场所平面图").update(
        allows_commitment=True, commitment_text="本人承诺经营场所布局与实际一致。"
    )
    return world


def test_a_citizen_signs_a_commitment_and_the_department_checks_it(world, browser, live_server, tmp_path):
    citizen = open_page(browser, live_server.url)
    sign_in(citizen, world.citizen, staff=False)
    citizen.goto(world.item.get_absolute_url())
    citizen.get_by_role("link", name="在线办理").click()
    citizen.get_by_label("您的居民身份证号码").fill(ALICE_ID)
    citizen.get_by_role("button", name="下一步：填写申请").click()
    citizen.get_by_label("经营场所地址").fill("南京市玄武区中山路1号")
    citizen.get_by_label(APPLICATION_FORM).set_input_files(pdf_file(tmp_path, "申请书.pdf"))
    citizen.get_by_role("checkbox", name=re.compile("告知承诺：不提交该材料")).check()
    citizen.get_by_role("checkbox", name=re.compile("本人承诺：所填信息")).check()
    citizen.get_by_role("button", name="提交申请").click()
    expect(citizen.get_by_text("确认签署告知承诺书")).to_be_visible()  # not signed yet
    citizen.get_by_role("checkbox", name=re.compile("本人已阅读上述法律后果")).check()
    citizen.get_by_role("checkbox", name=re.compile("本人承诺：所填信息")).check()
    shoot(citizen, "commitment-01-citizen-draft")
    citizen.get_by_role("button", name="提交申请").click()
    expect(citizen.locator(".status").first).to_have_text(str(Application.Status.SUBMITTED.label))
    text = fetch_pdf(citizen, re.compile("告知承诺书"), tmp_path, "commitment-02-pdf")
    assert "经营场所平面图" in text and "第六十九条" in text

    case = Application.objects.get(applicant_user=world.citizen)
    # The clerk's acceptance is not what this test looks at: taken directly.
    cases.accept_application(application=case, actor=world.clerk, actor_role=Actor.CLERK)
    reviewer = open_page(browser, live_server.url)
    sign_in(reviewer, world.handler, staff=True)
    reviewer.goto(f"/review/cases/{case.number}/")
    section = reviewer.get_by_role("region", name="告知承诺核查")
    section.get_by_role("radio", name="承诺不实").check()
    section.get_by_role("textbox", name="核查情况").fill("经现场核查，经营场所布局与承诺不符。")
    shoot(reviewer, "commitment-03-reviewer-check")
    section.get_by_role("button", name=re.compile("登记核查结果")).click()
    expect(reviewer.get_by_text("已登记告知承诺核查结果")).to_be_visible()
    assert Commitment.objects.get().outcome == Commitment.Outcome.FAILED
    citizen.goto(f"/applications/{case.number}/")
    expect(citizen.get_by_role("region", name="告知承诺")).to_contain_text("核查不实")
    shoot(citizen, "commitment-04-citizen-case")
