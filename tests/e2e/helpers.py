"""The world of the applications e2e tests, and how its people sign in to a real Chromium.

Department X (行政审批局, 玄武区) publishes an item with handle → check → approve and one material;
hall A's 综合窗口 1 may accept it on receipt (收件即受理); clerk 窗口小王 sits there; 审查员甲/乙/丙
handle, check and approve; the citizen 张三 (alice) has a verified real name.
Every person gets a browser context of their own, so the sessions never mix.
"""

import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chinese_calendar
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from applications import services as cases
from applications.models import Application
from applications.transitions import Actor
from catalog.models import ProcessStep, ServiceItem
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import Role
from portal.workdays import load_official_calendar
from tests.conftest import PASSWORD
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import (
    BasicItemFactory,
    MaterialRequirementFactory,
    ServiceItemFactory,
    UserFactory,
    make_resident_id,
)
from windows import services as window_services
from windows.models import ServiceHall, Window

ITEM_NAME = "公共场所卫生许可"
APPLICATION_FORM = "公共场所卫生许可申请书"
FLOOR_PLAN = "经营场所平面图"
ALICE_ID = make_resident_id(area="320102", birth="19850615", seq="201")
PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@dataclass
class World:
    item: ServiceItem
    window: Window
    clerk: Any
    handler: Any
    checker: Any
    approver: Any
    citizen: Any


def build_world(department, citizen, *, promised_days: int = 10, statutory_days: int = 20) -> World:
    # The web views use the system clock: the calendar must cover the real today (and, where the
    # chinesecalendar package knows it already, the next year a deadline may reach).
    year = dt.date.today().year
    known = max(chinese_calendar.holidays).year
    load_official_calendar(years=[y for y in (year - 1, year, year + 1) if y <= known])
    item = ServiceItemFactory(
        department=department,
        basic_item=BasicItemFactory(name=ITEM_NAME),
        statutory_days=statutory_days,
        promised_days=promised_days,
        special_procedures=["site_inspection"],
        form_definition=[{"name": "premises", "label": "经营场所地址", "type": "text", "required": True}],
    )
    for order, kind in enumerate([ProcessStep.Kind.HANDLE, ProcessStep.Kind.CHECK, ProcessStep.Kind.APPROVE], 1):
        item.steps.create(kind=kind, order=order, limit_days=3)
    MaterialRequirementFactory(item=item, name=APPLICATION_FORM, order=1)
    # A copy material: the window takes 1 copy (and may scan it); only the application form is an original.
    MaterialRequirementFactory(item=item, name=FLOOR_PLAN, order=2, originals=0, copies=1)

    sysadmin = UserFactory(username="sysadmin", roles=[Role.SYSADMIN])
    hall = ServiceHall.objects.create(
        region=department.region, kind=ServiceHall.Kind.CENTER, name="玄武区政务服务中心", address="玄武大道1号"
    )
    window = Window.objects.create(hall=hall, number="1")
    window_services.grant_window_authorization(
        actor=sysadmin, department=department, window=window, item_code=item.code, accepts_on_receipt=True
    )
    clerk = UserFactory(username="clerk_wang", real_name="窗口小王", roles=[Role.CLERK])
    window_services.assign_clerk(actor=sysadmin, window=window, clerk=clerk)

    def reviewer(username: str, name: str):
        return UserFactory(username=username, real_name=name, department=department, roles=[Role.REVIEWER])

    citizen.id_number_digest = id_number_digest(ALICE_ID)
    citizen.id_number_masked = mask_id_number(ALICE_ID)
    citizen.real_name_verified_at = timezone.now()
    citizen.save()
    return World(
        item=item,
        window=window,
        clerk=clerk,
        handler=reviewer("rev_jia", "审查员甲"),
        checker=reviewer("rev_yi", "审查员乙"),
        approver=reviewer("rev_bing", "审查员丙"),
        citizen=citizen,
    )


def pdf_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(PDF_BYTES)
    return path


def current_totp(user) -> str:
    """What the user's authenticator app shows now (the device is confirmed, as after set-up)."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="default", defaults={"confirmed": True})
    token = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    return f"{token:0{device.digits}d}"


def t(text: Any, language: str = "zh-hans") -> str:
    """What the interface says for ``text`` (a msgid or a lazy label) in ``language``."""
    with translation.override(language):
        return gettext(text) if isinstance(text, str) else str(text)


def fits(page: Page) -> bool:
    """Nothing makes the page scroll sideways."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def open_page(browser: Browser, base_url: str, *, language: str = "", **options: Any) -> Page:
    """A person's own browser context; options go to new_context (viewport, user_agent, reduced_motion…).
    ``language``: the language this person chose with the header's switcher (its cookie)."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", accept_downloads=True, **options)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Page, user, *, staff: bool, language: str = "zh-hans") -> None:
    """Through the login form; staff then type the current code of their TOTP device."""
    code = current_totp(user) if staff else ""
    page.goto("/accounts/login/")
    page.get_by_label(t("手机号码 / 电子邮箱 / 用户名", language)).fill(user.username)
    page.get_by_label(t("密码", language)).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=t("登录", language)).click()
    if staff:
        expect(page.get_by_role("heading", level=1)).to_have_text(t("输入动态验证码", language))
        page.get_by_role("textbox", name=t("动态验证码", language)).fill(code)
        page.get_by_role("button", name=t("验证", language)).click()
    expect(page.get_by_role("banner").get_by_role("button", name=t("退出", language))).to_be_visible()


def shoot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def fetch_pdf(page: Page, link_name: str, tmp_path: Path, picture: str) -> str:
    """The document behind a link, fetched with the page's own session (the view answers `inline`, which
    the browser's PDF viewer would swallow on a click); checked as a PDF, rendered at 50 dpi to
    var/screenshots/<picture>-1.png for a person to look at; its text is returned."""
    link = page.get_by_role("link", name=link_name)
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    path = tmp_path / f"{picture}.pdf"
    path.write_bytes(body)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(SCREENSHOTS / picture))
    assert (SCREENSHOTS / f"{picture}-1.png").exists()
    return run("pdftotext", "-layout", str(path), "-")


def served_case(world) -> Application:
    """张三's online case, taken in at window 1, reviewed, granted and handed over there today."""
    party = cases.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=ALICE_ID, phone="13800138000"
    )
    application = cases.start_application(user=world.citizen, item=world.item, party=party)
    cases.save_draft(application=application, form_data={"premises": "玄武大道2号"})
    for requirement in world.item.materials.all():
        upload = SimpleUploadedFile(f"{requirement.name}.pdf", PDF_BYTES, content_type="application/pdf")
        cases.attach_material(application=application, requirement=requirement, file=upload, actor=world.citizen)
    cases.submit_application(application=application, actor=world.citizen, declaration=True)
    window_services.take_in_application(clerk=world.clerk, application=application)
    cases.pass_step(application=application, actor=world.handler, opinion="材料齐全")
    cases.pass_step(application=application, actor=world.checker, opinion="同意")
    cases.decide_application(
        application=application,
        actor=world.approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="符合条件。",
    )
    window_services.deliver_at_window(
        clerk=world.clerk,
        application=application,
        method="collect",
        recipient_name="张三",
        recipient_id_number=ALICE_ID,
    )
    application.refresh_from_db()
    return application
