"""The citizen's and the back office's lists on a phone (390 px) and the head's queue at 1280 px (issue 9).

张三 has cases in several states; 审查员甲 sees the department's queue on his phone; the department head
(部门负责人), whose rows carry the assign form, works at a 1280 px desktop. No page may scroll
sideways: the tables turn into cards on a phone, the header wraps.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, Page, expect

from applications import services as cases
from applications.models import Application
from applications.transitions import Actor
from portal.models import Role
from tests.e2e.helpers import FLOOR_PLAN, PDF_BYTES, build_world, sign_in
from tests.factories import UserFactory, make_resident_id
from windows import services as window_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def world(transactional_db, department_x, citizen):
    return build_world(department_x, citizen)


def draft_case(world) -> Application:
    party = cases.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=make_resident_id(), phone="13800138000"
    )
    return cases.start_application(user=world.citizen, item=world.item, party=party)


def submitted_case(world) -> Application:
    application = draft_case(world)
    cases.save_draft(application=application, form_data={"premises": "南京市玄武区中山路1号"})
    for requirement in world.item.materials.all():
        file = SimpleUploadedFile("材料.pdf", PDF_BYTES, content_type="application/pdf")
        cases.attach_material(application=application, requirement=requirement, file=file, actor=world.citizen)
    return cases.submit_application(application=application, actor=world.citizen, declaration=True)


def accepted_case(world) -> Application:
    application = window_services.take_in_application(clerk=world.clerk, application=submitted_case(world))
    application.refresh_from_db()
    return application


def open_at(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def assert_no_sideways_scroll(page: Page, picture: str) -> None:
    page.screenshot(path=f"/tmp/h2ui-{picture}.png", full_page=True)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


def test_lists_and_the_case_page_fit_a_phone_and_the_heads_queue_fits_a_desktop(world, browser, live_server):
    in_review = accepted_case(world)
    accepted_case(world)
    submitted_case(world)
    corrected = submitted_case(world)
    cases.request_correction(
        application=corrected,
        actor=world.clerk,
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": world.item.materials.get(name=FLOOR_PLAN).id, "reason": "平面图须标明面积"}],
    )
    head = UserFactory(
        username="head_zhao", real_name="赵处长", department=world.item.department, roles=[Role.DEPT_HEAD]
    )

    citizen = open_at(browser, live_server.url, PHONE)
    sign_in(citizen, world.citizen, staff=False)
    citizen.goto("/applications/")
    ask = citizen.get_by_text("请补正材料：经营场所平面图")
    expect(ask).to_be_visible()
    assert_no_sideways_scroll(citizen, "390-my-applications")
    box = ask.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    citizen.goto(f"/applications/{in_review.number}/")
    expect(citizen.locator(".case-progress [aria-current=step]")).to_have_text("审查（当前环节）")
    assert_no_sideways_scroll(citizen, "390-case")

    # A refused draft: the error summary takes the focus; its links lead into the fields.
    draft = draft_case(world)
    citizen.goto(f"/applications/draft/{draft.pk}/")
    citizen.get_by_role("button", name="提交申请").click()
    summary = citizen.locator("#draft-errors")
    expect(summary).to_be_focused()
    assert_no_sideways_scroll(citizen, "390-draft-errors")
    summary.get_by_role("link", name=f"请上传：{FLOOR_PLAN}").click()
    expect(citizen.get_by_label(FLOOR_PLAN)).to_be_focused()

    citizen.goto("/items/")
    summary = citizen.locator("details.filter-toggle > summary")
    expect(summary).to_be_visible()
    expect(citizen.get_by_label("实施机关")).to_be_hidden()
    assert_no_sideways_scroll(citizen, "390-search")
    summary.click()
    expect(citizen.get_by_label("实施机关")).to_be_visible()

    reviewer = open_at(browser, live_server.url, PHONE)
    sign_in(reviewer, world.handler, staff=True)
    reviewer.goto("/review/")
    expect(reviewer.get_by_role("link", name=in_review.number)).to_be_visible()
    assert_no_sideways_scroll(reviewer, "390-review-queue")

    desk = open_at(browser, live_server.url, DESKTOP)
    sign_in(desk, head, staff=True)
    desk.goto("/review/")
    expect(desk.get_by_role("button", name="分配").first).to_be_visible()
    assert_no_sideways_scroll(desk, "1280-head-queue")
    # The same queue in English: longer words, still no sideways scroll.
    desk.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    desk.goto("/review/")
    expect(desk.get_by_role("button", name="Assign").first).to_be_visible()
    desk.screenshot(path="var/screenshots/1280-head-queue-en.png", full_page=True)
    assert_no_sideways_scroll(desk, "1280-head-queue-en")
    desk.context.clear_cookies(name="django_language")
    desk.goto("/items/")
    expect(desk.get_by_label("实施机关")).to_be_visible()
    expect(desk.locator("details.filter-toggle > summary")).to_be_hidden()
    assert_no_sideways_scroll(desk, "1280-search")

    # The head's header on a phone, in 大字版 and in English: the longest it gets; it wraps.
    desk.set_viewport_size(PHONE)
    desk.goto("/review/")
    desk.get_by_role("button", name="大字版").click()
    desk.get_by_role("button", name="English").click()
    expect(desk.locator("html")).to_have_attribute("lang", "en")
    assert_no_sideways_scroll(desk, "390-head-queue-large-en")
