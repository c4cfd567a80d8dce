"""A special procedure (现场勘验) stops the clock and moves the deadline, in a real Chromium
(issue 3, "Done when" 3).

The case was accepted three weeks ago. 审查员甲 claims the handle task, starts a site inspection (the
case shows 暂停计时, the promised date unchanged), and when the inspection is done ends it with its
result: the promised date shown to him and to the citizen moves by the working days the clock stood
still (行政许可法 art. 45). Twice: in Chinese at 1280 px, in English (the switcher's cookie) at 390 px, where
no page may scroll sideways or show interface text in Han characters.

Time travel: the services take a clock, but the web views use the system clock, so both browser steps
happen "today". Between them the test sets the suspension's started_on back 14 calendar days in the
database — as if the inspection had lasted two weeks — rather than only asserting a move of zero days
(start and end on the same day move nothing). 14 calendar days always hold working days, even around
the Spring Festival or National Day. The expected move is computed independently of
applications.deadlines, straight from the chinesecalendar package (the calendar's source): the working
days d with started_on < d ≤ today, then that many working days added to the old promised date.
"""

import datetime as dt

import chinese_calendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from applications import services as cases
from applications.models import Application, Document, Suspension
from applications.transitions import Actor
from portal.clock import FixedClock, system_clock
from tests.e2e.helpers import PDF_BYTES, build_world, fetch_pdf, fits, open_page, sign_in, t
from tests.e2e.helpers import shoot as take
from tests.factories import make_resident_id
from tests.portal.test_english import interface_han

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

S = Application.Status
INSPECTION_DAYS = 14  # calendar days the inspection is made to have lasted
DATA = [
    "经现场勘验，经营场所布局和卫生设施符合要求。",
    "需现场核查经营场所布局与卫生设施。",
    "南京市玄武区中山路1号",
    "公共场所卫生许可申请书",
    "公共场所卫生许可",
    "经营场所平面图",
    "经营场所地址",
    "行政审批局",
    "审查员甲",
    "材料.pdf",
    "窗口小王",
    "张三",
]


@pytest.fixture(
    params=[("zh-hans", {"width": 1280, "height": 800}), ("en", {"width": 390, "height": 844})],
    ids=["zh-1280", "en-390"],
)
def setting(request):
    return request.param


@pytest.fixture
def world(transactional_db, department_x, citizen):
    # Promised 20 working days: a case accepted three weeks ago is still within its limit.
    return build_world(department_x, citizen, promised_days=20, statutory_days=30)


@pytest.fixture
def accepted(world):
    """Filed online and accepted at the window 21 calendar days before today."""
    today = system_clock.today()
    then = FixedClock(system_clock.now() - dt.timedelta(days=21))
    party = cases.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=make_resident_id(), phone="13800138000"
    )
    application = cases.start_application(user=world.citizen, item=world.item, party=party, clock=then)
    cases.save_draft(application=application, form_data={"premises": "南京市玄武区中山路1号"})
    for requirement in world.item.materials.all():
        file = SimpleUploadedFile("材料.pdf", PDF_BYTES, content_type="application/pdf")
        cases.attach_material(
            application=application, requirement=requirement, file=file, actor=world.citizen, clock=then
        )
    cases.submit_application(application=application, actor=world.citizen, declaration=True, clock=then)
    cases.accept_application(application=application, actor=world.clerk, actor_role=Actor.CLERK, clock=then)
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and application.due_on > today
    return application


def workdays_after(start: dt.date, end: dt.date) -> int:
    """The working days d with start < d ≤ end, by the official calendar."""
    return sum(chinese_calendar.is_workday(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1))


def add_workdays(day: dt.date, n: int) -> dt.date:
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def shown_due_date(page: Page, lang: str) -> str:
    return page.locator("dt", has_text=t("承诺办结日期", lang)).locator("xpath=following-sibling::dd[1]").inner_text()


def test_a_site_inspection_stops_the_clock_and_moves_the_promised_date(
    world, accepted, browser, live_server, tmp_path, setting
):
    lang, viewport = setting
    number, old_due = accepted.number, accepted.due_on
    today = system_clock.today()
    problems: list[str] = []

    def tr(text) -> str:
        return t(text, lang)

    def day(value: dt.date) -> str:
        with translation.override(lang):
            return date_format(value, "SHORT_DATE_FORMAT")

    def shoot(page: Page, name: str) -> None:
        take(page, f"{name}-{lang}")
        if lang == "en":
            if not fits(page):
                problems.append(f"{name}: scrolls sideways at {viewport['width']} px")
            if found := interface_han(page.content(), [number, *DATA]):
                problems.append(f"{name}: {found[:8]}")

    reviewer = open_page(browser, live_server.url, language=lang, viewport=viewport)
    sign_in(reviewer, world.handler, staff=True, language=lang)

    # --- 审查员甲 claims the handle task and starts a site inspection.
    reviewer.goto(f"/review/cases/{number}/")
    reviewer.get_by_role("button", name=tr("认领")).click()
    expect(reviewer.get_by_role("heading", name=tr("审查通过，转下一环节"))).to_be_visible()
    assert shown_due_date(reviewer, lang).startswith(day(old_due))
    reviewer.get_by_text(tr("启动特别程序（暂停计时）")).click()
    reviewer.get_by_label(tr("特别程序")).select_option(label=tr(Suspension.Kind.SITE_INSPECTION.label))
    reviewer.get_by_role("textbox", name=tr("启动原因")).fill("需现场核查经营场所布局与卫生设施。")
    reviewer.get_by_label(tr("预计所需时间（工作日）")).fill("10")
    shoot(reviewer, "special-1-start-inspection")
    reviewer.get_by_role("button", name=tr("启动特别程序")).click()
    expect(reviewer.get_by_text(tr(S.SUSPENDED.label)).first).to_be_visible()
    assert shown_due_date(reviewer, lang).startswith(day(old_due))
    shoot(reviewer, "special-2-suspended")

    # --- Time travel: the inspection started two weeks ago (see the module's docstring).
    suspension = Suspension.objects.get(application=accepted, ended_on__isnull=True)
    assert suspension.kind == Suspension.Kind.SITE_INSPECTION and suspension.started_on == today
    started_on = today - dt.timedelta(days=INSPECTION_DAYS)
    Suspension.objects.filter(pk=suspension.pk).update(started_on=started_on)
    moved = workdays_after(started_on, today)
    assert moved > 0
    new_due = add_workdays(old_due, moved)

    # --- The inspection's result is in: the clock runs again, the promised date has moved.
    reviewer.reload()
    reviewer.get_by_role("textbox", name=tr("特别程序结果")).fill("经现场勘验，经营场所布局和卫生设施符合要求。")
    reviewer.get_by_role("button", name=tr("记录结果并恢复计时")).click()
    expect(reviewer.get_by_text(tr(S.IN_REVIEW.label)).first).to_be_visible()
    assert shown_due_date(reviewer, lang).startswith(day(new_due))
    shoot(reviewer, "special-3-resumed")
    accepted.refresh_from_db()
    assert accepted.due_on == new_due and accepted.status == S.IN_REVIEW

    # --- The citizen sees the new date, and the notice in writing and the move on her timeline.
    citizen = open_page(browser, live_server.url, language=lang, viewport=viewport)
    sign_in(citizen, world.citizen, staff=False, language=lang)
    citizen.goto(f"/applications/{number}/")
    assert shown_due_date(citizen, lang).startswith(day(new_due))
    expect(citizen.get_by_text(day(new_due)).first).to_be_visible()
    shoot(citizen, "special-4-citizen-sees-new-date")
    # The written notice of the procedure (行政许可法 art. 45), as she downloads it.
    notice = fetch_pdf(
        citizen,
        tr(Document.Kind.SUSPENSION_NOTICE.label) + tr("（") + "PDF" + tr("）"),
        tmp_path,
        f"special-5-notice-{lang}",
    )
    assert "现场勘验" in notice
    assert not problems, "\n".join(problems)
