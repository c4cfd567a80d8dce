"""A review step late while its case is in time, as a reviewer sees the queue in a real Chromium.

Two cases of the same item (promised 20 working days, 3 per step): one accepted fourteen calendar days ago,
whose handle step is past its limit while the case is still green; one accepted today, in time on
both counts. After beat's sweeps (run here with the system clock, as the web views use it) the queue
shows the first with the step's red light, saying it is the step's ("本环节已超期"), before the second.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from applications import services as cases
from applications.models import Application
from applications.transitions import Actor
from portal.clock import FixedClock, system_clock
from tests.e2e.helpers import PDF_BYTES, build_world, open_page, shoot, sign_in
from tests.factories import make_resident_id

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, department_x, citizen):
    return build_world(department_x, citizen, promised_days=20, statutory_days=30)


def accepted_on(world, clock) -> Application:
    party = cases.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=make_resident_id(), phone="13800138000"
    )
    application = cases.start_application(user=world.citizen, item=world.item, party=party, clock=clock)
    cases.save_draft(application=application, form_data={"premises": "南京市玄武区中山路1号"})
    for requirement in world.item.materials.all():
        file = SimpleUploadedFile("材料.pdf", PDF_BYTES, content_type="application/pdf")
        cases.attach_material(
            application=application, requirement=requirement, file=file, actor=world.citizen, clock=clock
        )
    cases.submit_application(application=application, actor=world.citizen, declaration=True, clock=clock)
    cases.accept_application(application=application, actor=world.clerk, actor_role=Actor.CLERK, clock=clock)
    application.refresh_from_db()
    return application


def test_the_queue_shows_a_late_step_of_a_green_case(world, browser, live_server):
    late = accepted_on(world, FixedClock(system_clock.now() - dt.timedelta(days=14)))
    fresh = accepted_on(world, system_clock)
    cases.sweep_lights()
    cases.sweep_overdue_steps()
    assert Application.objects.get(pk=late.pk).light == "green"
    assert late.tasks.get(status="open").light == "red"

    page = open_page(browser, live_server.url)
    sign_in(page, world.handler, staff=True)
    page.goto("/review/")
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(late.number)  # the earlier date: the late step's
    expect(rows.nth(0)).to_contain_text("红灯：本环节已超期")
    expect(rows.nth(1)).to_contain_text(fresh.number)
    expect(rows.nth(1)).to_contain_text("绿灯：正常")
    light = rows.nth(0).locator(".light")
    title = light.get_attribute("title") or ""
    assert f"办件承诺办结日期 {late.due_on:%Y-%m-%d}（绿灯）" in title and "（红灯）" in title
    shoot(page, "step_overdue_queue")

    rows.nth(0).get_by_role("link", name=late.number).click()
    expect(page.locator("dl.review-facts")).to_contain_text("绿灯：正常")
    expect(page.locator("dl.review-facts")).to_contain_text("红灯：本环节已超期")
    shoot(page, "step_overdue_case")
