"""Issue 9's "Done when" walk, in a real Chromium, on the demo a visitor of `make run` sees (seed_demo
and seed_demo_hall).

李四 (13900000002) is the legal representative and agent of record of 南京江宁示范餐饮有限公司
(catalog/demo/data/accounts.yaml). He applies online for the company's 食品经营许可 at 江宁区行政审批局:
the company's name and USCC come pre-filled, its 营业执照 is fetched from the e-licence library. The
demo hall's clerk (demo_clerk, 刘洋) pre-reviews and asks for one correction; 李四 replaces the file;
the clerk accepts on the confirm page. The reviewer (demo_reviewer, 赵敏) claims the handle step, runs a
site inspection (现场勘验: the clock stops, then runs again with its result), asks for an extension and
passes the step; the head (demo_dept_head, 钱伟) approves the extension, passes the check step and
grants. The clerk hands the licence over to 李四 at the window after ticking the legal
representative's ID card as seen in the original (an online case's paper original, checked at
collection). 李四 downloads the decision and checks it on the verify page its QR code leads to.

Twice, on one seeded demo: in Chinese at a 1280 px desktop, and in English (the switcher's cookie) at a
390 px phone, where no page may scroll sideways or show interface text in Han characters (the demo's
data and what the walk types stay as written: tests/portal/test_english.py). Screenshots in
var/screenshots/done-when-*.png.

The demo is seeded once for the module (10–19 s on the shared 2-core machine, by its load) and
committed, since the live server reads it over its own connection; the module flushes the database at
its end as pytest-django's transactional_db does after each test. A walk takes 45–65 s, mostly the
browser and its full-page screenshots (over 2 s: it is the whole acceptance walk). Each variant applies
anew, so the second walk also meets the first one's case in the queues, as a clerk would.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation
from django.utils.translation import ngettext
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from applications.models import Application, Document, Extension, Suspension
from catalog.models import ServiceItem
from portal.models import Organization, User
from tests.conftest import PASSWORD
from tests.e2e.helpers import fetch_pdf, fits, open_page, pdf_file, sign_in, t
from tests.e2e.helpers import shoot as take
from tests.portal.test_english import _data_values, interface_han

pytestmark = [pytest.mark.e2e]

S = Application.Status
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ITEM = "食品经营许可"
AGENT = "13900000002"  # 李四, the demo company's legal representative (accounts.yaml)
AGENT_NAME, AGENT_ID = "李四", "32010219850715456X"
PEOPLE = (AGENT, "demo_clerk", "demo_reviewer", "demo_dept_head")
LAYOUT = "与食品经营相适应的主要设备设施、经营布局、操作流程等文件"
ID_CARD = "法定代表人（负责人）居民身份证"
# What the walk types: shown as written in every language.
TYPED = [
    "布局图未标明各功能区域和设备设施位置，请重新绘制并标注。",
    "需现场核查经营场所布局和设备设施。",
    "经现场勘验，经营场所布局和设备设施与申请材料一致。",
    "现场勘验后需补充核查冷链设施，申请延长办理时限。",
    "材料齐全，经现场勘验符合食品经营许可条件。",
    "同意承办人意见。",
    "经审查，申请符合食品经营许可条件，准予许可。",
    "南京市江宁区东山街道上元大街8号",
    "布局图（修改）.pdf",
    *(f"材料{index}.pdf" for index in range(10)),
]


@dataclass
class Demo:
    url: str
    people: dict[str, User]
    item: ServiceItem
    data: list[str]  # every text value the demo stored: data, not interface


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory, _demo_signing_dir) -> Iterator[Demo]:
    media = tmp_path_factory.mktemp("done-when-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEMO_MODE=True,
            MEDIA_ROOT=media,
            SMS_LOG_PATH=str(media / "sms.log"),
            DOCUMENT_SIGNING_DEMO_DIR=_demo_signing_dir,
        ),
    ):
        try:
            call_command("seed_demo", stdout=StringIO())
            call_command("seed_demo_hall", stdout=StringIO())
            people = {}
            for username in PEOPLE:
                user = User.objects.get(username=username)
                user.set_password(PASSWORD)
                user.save()
                people[username] = user
            item = ServiceItem.objects.get(name=ITEM, department__name="南京市江宁区行政审批局")
            data = _data_values()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            try:
                yield Demo(url=server.url, people=people, item=item, data=data)
            finally:
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def _media_root():
    """The module's demo keeps its files in the module's media folder (tests/conftest.py's fixture of
    this name gives each test a folder of its own, where the seeded files would be missing)."""


@pytest.fixture(params=[("zh-hans", DESKTOP), ("en", PHONE)], ids=["zh-1280", "en-390"])
def setting(request):
    return request.param


def status_of(page: Page):
    return page.locator(".status").first


def test_done_when(demo, browser, tmp_path, setting):
    lang, viewport = setting
    problems: list[str] = []
    numbers: list[str] = []

    def tr(text) -> str:
        return t(text, lang)

    def shoot(page: Page, name: str) -> None:
        """The screenshot, and in English what a reader would notice: sideways scrolling, Han text."""
        take(page, f"done-when-{lang}-{name}")
        if lang == "en":
            if not fits(page):
                problems.append(f"{name}: scrolls sideways at {viewport['width']} px")
            if found := interface_han(page.content(), [*numbers, *TYPED, *demo.data]):
                problems.append(f"{name}: {found[:8]}")

    def person(username: str) -> Page:
        page = open_page(browser, demo.url, language=lang, viewport=viewport)
        sign_in(page, demo.people[username], staff=username != AGENT, language=lang)
        return page

    def message(page: Page):
        return page.get_by_role("alert").or_(page.get_by_role("status")).first

    # --- 李四 applies for the company he acts for: its name and USCC are filled in, its licence fetched.
    agent = person(AGENT)
    agent.goto(demo.item.get_absolute_url())
    agent.get_by_role("link", name=tr("在线办理")).click()
    agent.get_by_role("radio", name=tr("为本单位申请（经办人）")).check()
    company = Organization.objects.get(agents__user=demo.people[AGENT])
    agent.get_by_label(tr("申请单位")).select_option(label=company.name)
    shoot(agent, "01-agent-start")
    agent.get_by_role("button", name=tr("下一步：填写申请")).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(ITEM)
    expect(agent.locator("[name=f_organization_name]")).to_have_value(company.name)
    expect(agent.locator("[name=f_organization_uscc]")).to_have_value(company.uscc)
    shoot(agent, "02-agent-draft-prefilled")
    # The form's personal fields (this item's applicant is usually a 个体工商户's operator) are not
    # filled in for a company's case: the agent types them (see the report of issue 9's walk).
    agent.locator("[name=f_applicant_name]").fill(AGENT_NAME)
    agent.locator("[name=f_applicant_id_number]").fill(AGENT_ID)
    agent.locator("[name=f_applicant_phone]").fill(AGENT)
    agent.locator("[name=f_operator_type]").select_option("餐饮服务经营者")
    agent.get_by_label("热食类食品制售").check()
    agent.locator("[name=f_premises]").fill("南京市江宁区东山街道上元大街8号")
    for index, upload in enumerate(agent.locator("input[type=file]").all()):
        upload.set_input_files(str(pdf_file(tmp_path, f"材料{index}.pdf")))
    agent.get_by_role("radio", name=tr("窗口领取")).check()
    agent.get_by_role(
        "checkbox", name=tr("本人承诺：所填信息和提交的材料真实、准确、有效，如有虚假，愿承担相应法律责任。")
    ).check()
    shoot(agent, "03-agent-draft-filled")
    agent.get_by_role("button", name=tr("提交申请")).click()
    expect(status_of(agent)).to_have_text(tr(S.SUBMITTED.label))
    case = Application.objects.filter(applicant_user=demo.people[AGENT], item=demo.item).latest("pk")
    number = case.number
    numbers.append(number)
    assert case.party.name == company.name and case.acting_as == Application.ActingAs.AGENT
    shoot(agent, "04-agent-submitted")

    # --- The demo hall's clerk pre-reviews and asks for one correction (一次性告知).
    clerk = person("demo_clerk")
    clerk.goto("/hall/prereview/")
    shoot(clerk, "05-clerk-prereview-queue")
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("link", name=tr("一次性告知补正")).click()
    clerk.get_by_role("checkbox", name=LAYOUT).check()
    clerk.get_by_label(tr("“%(name)s”需补正的内容") % {"name": LAYOUT}).fill(TYPED[0])
    shoot(clerk, "06-clerk-correction")
    clerk.get_by_role("button", name=tr("出具一次性告知书")).click()
    expect(message(clerk)).to_be_visible()
    assert Application.objects.get(number=number).status == S.CORRECTION_REQUESTED

    # --- 李四 replaces exactly that file.
    agent.reload()
    expect(status_of(agent)).to_have_text(tr(S.CORRECTION_REQUESTED.label))
    expect(agent.get_by_text(TYPED[0]).first).to_be_visible()
    shoot(agent, "07-agent-correction-asked")
    agent.get_by_label(LAYOUT).set_input_files(pdf_file(tmp_path, "布局图（修改）.pdf"))
    agent.get_by_role("button", name=tr("提交补正材料")).click()
    expect(status_of(agent)).to_have_text(tr(S.SUBMITTED.label))

    # --- The clerk accepts on the confirm page (收件即受理 at window 1): the clock starts.
    clerk.goto(f"/hall/cases/{number}/")
    clerk.get_by_role("link", name=tr("受理"), exact=True).click()
    expect(clerk.get_by_text(tr("承诺办结日期")).first).to_be_visible()
    shoot(clerk, "08-clerk-confirm-acceptance")
    clerk.get_by_role("button", name=tr("确认受理并出具受理凭证")).click()
    expect(message(clerk)).to_be_visible()
    assert Application.objects.get(number=number).status == S.IN_REVIEW

    # --- The reviewer claims the handle step, runs a site inspection, asks for an extension, passes.
    reviewer = person("demo_reviewer")
    reviewer.goto("/review/")
    shoot(reviewer, "09-reviewer-queue")
    reviewer.get_by_role("link", name=number).click()
    reviewer.get_by_role("button", name=re.compile(re.escape(tr("认领")))).click()
    reviewer.get_by_text(tr("启动特别程序（暂停计时）")).click()
    reviewer.get_by_label(tr("特别程序")).select_option(label=tr(Suspension.Kind.SITE_INSPECTION.label))
    reviewer.get_by_role("textbox", name=tr("启动原因")).fill(TYPED[1])
    reviewer.get_by_label(tr("预计所需时间（工作日）")).fill("3")
    shoot(reviewer, "10-reviewer-site-inspection")
    reviewer.get_by_role("button", name=tr("启动特别程序")).click()
    expect(reviewer.get_by_text(tr(S.SUSPENDED.label)).first).to_be_visible()
    reviewer.get_by_role("textbox", name=tr("特别程序结果")).fill(TYPED[2])
    reviewer.get_by_role("button", name=tr("记录结果并恢复计时")).click()
    expect(reviewer.get_by_text(tr(S.IN_REVIEW.label)).first).to_be_visible()
    reviewer.get_by_text(tr("申请延长办理时限")).click()
    reviewer.get_by_label(tr("延长工作日")).fill("5")
    reviewer.get_by_role("textbox", name=tr("延长理由")).fill(TYPED[3])
    shoot(reviewer, "11-reviewer-extension")
    reviewer.get_by_role("button", name=tr("提交延长申请")).click()
    expect(message(reviewer)).to_be_visible()
    reviewer.get_by_role("textbox", name=tr("审查意见")).fill(TYPED[4])
    reviewer.get_by_role("button", name=tr("提交意见并转下一环节")).click()
    expect(message(reviewer)).to_be_visible()

    # --- The head approves the extension, passes the check step and grants.
    head = person("demo_dept_head")
    head.goto(f"/review/cases/{number}/")
    head.get_by_label(tr("审批意见")).select_option("approve")
    shoot(head, "12-head-extension")
    head.get_by_role("button", name=tr("提交审批意见")).click()
    expect(message(head)).to_be_visible()
    assert Extension.objects.get(application__number=number).status == Extension.Status.APPROVED
    head.get_by_role("button", name=re.compile(re.escape(tr("认领")))).click()
    head.get_by_role("textbox", name=tr("审查意见")).fill(TYPED[5])
    head.get_by_role("button", name=tr("提交意见并转下一环节")).click()
    expect(message(head)).to_be_visible()
    head.get_by_role("button", name=re.compile(re.escape(tr("认领")))).click()
    head.get_by_role("radio", name=tr("准予")).check()
    head.get_by_role("textbox", name=tr("理由")).fill(TYPED[6])
    shoot(head, "13-head-decide")
    head.get_by_role("button", name=tr("提交决定")).click()
    expect(head.get_by_text(tr(S.DECIDED.label)).first).to_be_visible()
    assert Application.objects.get(number=number).status == S.DECIDED

    # --- The clerk hands the licence over to the company's agent, the ID card's original seen.
    clerk.goto("/hall/delivery/")
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("link", name=tr("出件"), exact=True).click()
    clerk.get_by_role("radio", name=tr("窗口领取")).check()
    clerk.get_by_label(tr("领取人姓名")).fill(AGENT_NAME)
    clerk.get_by_label(tr("领取人身份证件号码")).fill(AGENT_ID)
    with translation.override(lang):
        original = ngettext("已核验“%(name)s”原件 %(originals)s 份", "已核验“%(name)s”原件 %(originals)s 份", 1)
    original %= {"name": ID_CARD, "originals": 1}
    clerk.get_by_role("checkbox", name=original).check()
    shoot(clerk, "14-clerk-deliver")
    clerk.get_by_role("button", name=tr("确认出件")).click()
    expect(clerk.get_by_text(tr(S.CONCLUDED.label)).first).to_be_visible()
    shoot(clerk, "15-clerk-delivered")

    # --- 李四 sees the case concluded and checks the decision on the verify page.
    agent.goto(f"/applications/{number}/")
    expect(status_of(agent)).to_have_text(tr(S.CONCLUDED.label))
    shoot(agent, "16-agent-concluded")
    text = fetch_pdf(
        agent,
        tr(Document.Kind.GRANT_DECISION.label) + tr("（") + "PDF" + tr("）"),
        tmp_path,
        f"done-when-{lang}-17-decision",
    )
    # The address printed under the QR code (PORTAL_PUBLIC_URL's host, wrapped over lines in the layout).
    document = Document.objects.get(application__number=number, kind=Document.Kind.GRANT_DECISION)
    assert f"/verify/{document.token[:20]}" in re.sub(r"\s", "", text)
    agent.goto(f"/verify/{document.token}/")
    expect(agent.get_by_role("main")).to_contain_text(ITEM)
    agent.locator("#verify-file").set_input_files(str(Path(tmp_path) / f"done-when-{lang}-17-decision.pdf"))
    expect(agent.locator("#verify-result")).to_have_text(tr("一致：该文件与出具机关留存的文书相同。"))
    shoot(agent, "18-agent-verified")
    assert not problems, "\n".join(problems)
