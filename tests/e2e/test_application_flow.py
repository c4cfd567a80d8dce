"""One case from the citizen's screen to the result in her hands, in a real Chromium (issue 3, "Done when" 1).

张三 applies online but forgets her floor plan is outdated; the clerk at hall A's window 1 asks for it
once (一次性告知); she uploads a new one; the clerk accepts (收件即受理); 审查员甲 handles, 乙 checks,
丙 approves; the clerk hands the licence over at the window; 张三 sees her case 已办结.
Four people, four browser contexts, each signed in through the login form (staff with TOTP).
Twice, sharing one browser: in Chinese at a 1280 px desktop, and in English (chosen with the
header's switcher: its cookie) at a 390 px phone, where no page may scroll sideways or show interface
text in Han characters (the data — item, materials, names, opinions — stays as written).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from applications.models import Application, Document
from tests.e2e.helpers import (
    ALICE_ID,
    APPLICATION_FORM,
    FLOOR_PLAN,
    ITEM_NAME,
    build_world,
    fetch_pdf,
    fits,
    open_page,
    pdf_file,
    sign_in,
    t,
)
from tests.e2e.helpers import shoot as take
from tests.portal.test_english import interface_han

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

S = Application.Status
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What people and the catalog wrote, shown as written in every language.
DATA = [
    "材料齐全，符合法定形式，经审查符合卫生要求。",
    "平面图未标注功能分区和面积，请重新绘制并标注。",
    "经审查，申请符合公共场所卫生许可条件。",
    "南京市玄武区中山路1号",
    "玄武区政务服务中心",
    "平面图（修改）.pdf",
    "同意承办人意见。",
    APPLICATION_FORM,
    "行政审批局",
    "经营场所地址",
    "卫生管理制度",
    "审查员甲",
    "审查员乙",
    "审查员丙",
    "窗口小王",
    "申请书.pdf",
    "平面图.pdf",
    "玄武大道1号",
    FLOOR_PLAN,
    ITEM_NAME,
    "玄武区",
    "张三",
]


@pytest.fixture(params=[("zh-hans", DESKTOP), ("en", PHONE)], ids=["zh-1280", "en-390"])
def setting(request):
    return request.param


@pytest.fixture
def world(transactional_db, department_x, citizen):
    return build_world(department_x, citizen)


def status_of(page: Page):
    return page.locator(".status").first


def review_step(page: Page, number: str, opinion: str, name: str, lang: str, shoot) -> None:
    """A reviewer opens the case from the queue, claims the task and passes it on with an opinion."""
    page.goto("/review/")
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name=re.compile(re.escape(t("认领", lang)))).click()
    page.get_by_role("textbox", name=t("审查意见", lang)).fill(opinion)
    shoot(page, name)
    page.get_by_role("button", name=t("提交意见并转下一环节", lang)).click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_be_visible()


def test_a_citizen_applies_corrects_and_collects_her_licence(world, browser, live_server, tmp_path, setting):
    lang, viewport = setting
    problems: list[str] = []

    def shoot(page: Page, name: str) -> None:
        """The screenshot, and in English what a reader would notice: sideways scrolling, Han text."""
        take(page, f"{name}-{lang}")
        if lang == "en":
            if not fits(page):
                problems.append(f"{name}: scrolls sideways at {viewport['width']} px")
            if found := interface_han(page.content(), [number_of(), *DATA]):
                problems.append(f"{name}: {found[:8]}")

    def number_of() -> str:
        return Application.objects.filter(applicant_user=world.citizen).values_list("number", flat=True).first() or "-"

    def tr(text) -> str:
        return t(text, lang)

    def person(**options):
        return open_page(browser, live_server.url, language=lang, viewport=viewport, **options)

    citizen = person()
    clerk = person()
    reviewer_pages = {}

    # --- The citizen: guide → 在线办理 → who applies → the form, materials, declaration → submit.
    sign_in(citizen, world.citizen, staff=False, language=lang)
    citizen.goto(world.item.get_absolute_url())
    citizen.get_by_role("link", name=tr("在线办理")).click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text(ITEM_NAME)
    citizen.get_by_label(tr("您的居民身份证号码")).fill(ALICE_ID)
    shoot(citizen, "flow-01-citizen-start")
    citizen.get_by_role("button", name=tr("下一步：填写申请")).click()
    expect(citizen.get_by_role("heading", level=1)).to_have_text(ITEM_NAME)
    citizen.get_by_label(tr("经营场所地址")).fill("南京市玄武区中山路1号")
    citizen.get_by_label(APPLICATION_FORM).set_input_files(pdf_file(tmp_path, "申请书.pdf"))
    citizen.get_by_label(FLOOR_PLAN).set_input_files(pdf_file(tmp_path, "平面图.pdf"))
    citizen.get_by_role("radio", name=tr("窗口领取")).check()
    citizen.get_by_role(
        "checkbox", name=tr("本人承诺：所填信息和提交的材料真实、准确、有效，如有虚假，愿承担相应法律责任。")
    ).check()
    shoot(citizen, "flow-02-citizen-draft")
    citizen.get_by_role("button", name=tr("提交申请")).click()
    expect(status_of(citizen)).to_have_text(tr(S.SUBMITTED.label))
    number = Application.objects.get(applicant_user=world.citizen).number
    expect(citizen.get_by_text(number).first).to_be_visible()
    shoot(citizen, "flow-03-citizen-submitted")

    # --- The clerk: the pre-review queue → the case → one-time correction notice for the floor plan.
    sign_in(clerk, world.clerk, staff=True, language=lang)
    clerk.goto("/hall/prereview/")
    shoot(clerk, "flow-04-clerk-prereview-queue")
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("link", name=tr("一次性告知补正")).click()
    clerk.get_by_role("checkbox", name=FLOOR_PLAN).check()
    clerk.get_by_label(tr("“%(name)s”需补正的内容") % {"name": FLOOR_PLAN}).fill(
        "平面图未标注功能分区和面积，请重新绘制并标注。"
    )
    shoot(clerk, "flow-05-clerk-correction")
    clerk.get_by_role("button", name=tr("出具一次性告知书")).click()
    expect(
        clerk.get_by_role(
            "link",
            name=re.compile(re.escape(tr("下载%(kind)s（PDF）") % {"kind": tr(Document.Kind.CORRECTION_NOTICE.label)})),
        )
    ).to_be_visible()
    assert Application.objects.get(number=number).status == S.CORRECTION_REQUESTED

    # --- The citizen sees what is asked of her and replaces exactly that material.
    citizen.reload()
    expect(status_of(citizen)).to_have_text(tr(S.CORRECTION_REQUESTED.label))
    expect(citizen.get_by_role("heading", name=tr("补正材料"))).to_be_visible()
    expect(citizen.get_by_text("平面图未标注功能分区和面积").first).to_be_visible()
    shoot(citizen, "flow-06-citizen-correction-asked")
    citizen.get_by_label(FLOOR_PLAN).set_input_files(pdf_file(tmp_path, "平面图（修改）.pdf"))
    citizen.get_by_role("button", name=tr("提交补正材料")).click()
    expect(status_of(citizen)).to_have_text(tr(S.SUBMITTED.label))

    # --- The clerk accepts (收件即受理): the clock starts, the handle task opens.
    clerk.goto(f"/hall/cases/{number}/")
    clerk.get_by_role("link", name=tr("受理"), exact=True).click()
    # 受理 starts the clock: the clerk sees the dates it sets and confirms.
    expect(clerk.get_by_text(tr("承诺办结日期")).first).to_be_visible()
    clerk.get_by_role("button", name=tr("确认受理并出具受理凭证")).click()
    expect(
        clerk.get_by_role(
            "link",
            name=re.compile(
                re.escape(tr("下载%(kind)s（PDF）") % {"kind": tr(Document.Kind.ACCEPTANCE_RECEIPT.label)})
            ),
        )
    ).to_be_visible()
    shoot(clerk, "flow-07-clerk-accepted")
    assert Application.objects.get(number=number).status == S.IN_REVIEW

    # --- 受办分离: handle, check, approve — three reviewers of department X.
    for user, opinion, name in [
        (world.handler, "材料齐全，符合法定形式，经审查符合卫生要求。", "08-handler"),
        (world.checker, "同意承办人意见。", "09-checker"),
    ]:
        page = reviewer_pages[user.pk] = person()
        sign_in(page, user, staff=True, language=lang)
        review_step(page, number, opinion, name, lang, shoot)
    approver = person()
    sign_in(approver, world.approver, staff=True, language=lang)
    approver.goto("/review/")
    approver.get_by_role("link", name=number).click()
    approver.get_by_role("button", name=re.compile(re.escape(tr("认领")))).click()
    approver.get_by_role("radio", name=tr("准予")).check()
    approver.get_by_role("textbox", name=tr("理由")).fill("经审查，申请符合公共场所卫生许可条件。")
    shoot(approver, "flow-10-approver-decide")
    approver.get_by_role("button", name=tr("提交决定")).click()
    expect(approver.get_by_text(tr(S.DECIDED.label)).first).to_be_visible()
    assert Application.objects.get(number=number).status == S.DECIDED

    # --- The clerk hands the licence over at the window after checking her ID.
    clerk.goto("/hall/delivery/")
    shoot(clerk, "flow-11-clerk-delivery-queue")
    clerk.get_by_role("link", name=number).click()
    clerk.get_by_role("link", name=tr("出件"), exact=True).click()
    clerk.get_by_role("radio", name=tr("窗口领取")).check()
    clerk.get_by_label(tr("领取人姓名")).fill("张三")
    clerk.get_by_label(tr("领取人身份证件号码")).fill(ALICE_ID)
    shoot(clerk, "flow-12-clerk-deliver")
    clerk.get_by_role("button", name=tr("确认出件")).click()
    expect(clerk.get_by_text(tr(S.CONCLUDED.label)).first).to_be_visible()

    # --- The citizen: her case is concluded, granted, with the steps meant for her on the timeline.
    citizen.goto("/applications/")
    shoot(citizen, "flow-13-citizen-list")
    row = citizen.get_by_role("row").filter(has_text=number)
    expect(row.get_by_text(tr(S.CONCLUDED.label))).to_be_visible()
    row.get_by_role("link", name=number).click()
    expect(status_of(citizen)).to_have_text(tr(S.CONCLUDED.label))
    expect(citizen.get_by_text(tr("（") + tr(Application.Outcome.GRANTED.label) + tr("）"))).to_be_visible()
    shoot(citizen, "flow-14-citizen-concluded")
    # Internal opinions stay internal (DOMAIN: the applicant's timeline).
    expect(citizen.get_by_text("同意承办人意见")).to_have_count(0)
    assert Application.objects.get(number=number).status == S.CONCLUDED
    assert not problems, "\n".join(problems)

    # --- Her notices, as the PDFs she can download: the correction notice and the licence decision.
    notice = fetch_pdf(
        citizen,
        tr(Document.Kind.CORRECTION_NOTICE.label) + tr("（") + "PDF" + tr("）"),
        tmp_path,
        f"flow-{lang}-15-correction-notice",
    )
    assert FLOOR_PLAN in notice and "补正" in notice
    decision = fetch_pdf(
        citizen,
        tr(Document.Kind.GRANT_DECISION.label) + tr("（") + "PDF" + tr("）"),
        tmp_path,
        f"flow-{lang}-16-decision",
    )
    assert "准予" in decision and number in re.sub(r"\s", "", decision)

    # --- She checks the decision letter on the verify page its QR code leads to (no sign-in needed).
    document = Document.objects.get(application__number=number, kind=Document.Kind.GRANT_DECISION)
    visitor = person()
    visitor.goto(f"/verify/{document.token}/")
    expect(visitor.get_by_role("main")).to_contain_text(number)
    expect(visitor.get_by_role("main")).to_contain_text(ITEM_NAME)
    shoot(visitor, "flow-17-verify")
    assert not problems, "\n".join(problems)
