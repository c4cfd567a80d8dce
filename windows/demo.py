"""The demo's service hall, behind ``manage.py seed_demo_hall`` (run after ``seed_demo``).

江宁区政务服务中心 gets window 1 (收件即受理) and window 2 (收件 only), demo_clerk on both, and both
windows authorised for every published item of the 行政审批局 that takes window intake. A few cases of
张三 are then driven through the real services into the states a clerk and a reviewer meet first:
submitted (待预审), in review at its first step, decided (待出件) and concluded; and one 一件事申请 of
张三 for 新生儿出生 (applications.demo.bundle_case).

跨域通办: 玄武区政务服务中心 gets a cross-region window (收件 only), demo_clerk_xw on it, authorised for
江宁区人社局's cross-region items whose scope covers 玄武区 (异地收件, 属地办理). 张三 walks in there twice:
one case waits for 江宁区人社局 to accept it (demo_reviewer_rsj), the other was decided there and waits
in the 玄武 window's delivery queue.

It lives here and not in catalog.demo: the catalog knows nothing of windows or cases (DESIGN.md "The
shape"). Idempotent: a hall, window or authorisation that exists is left alone, and each case is found
again by its idempotency key, so seeding twice writes nothing.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from applications import services as cases
from applications.demo import bundle_case, fits_the_demo, form_data_of, granted_case, submitted_case
from applications.licences.demo import seed_demo_licences
from applications.models import Application, BundleApplication, Party
from applications.transitions import Actor
from catalog.demo import accounts, places
from catalog.models import Bundle, BundleMember, Department, Region, ServiceItem
from catalog.selectors import published_items
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError
from portal.models import User
from windows import services
from windows.models import ServiceHall, Window, WindowAuthorization

NOT_DEMO_MODE = "当前不是开发模式（DJANGO_DEBUG=0）：演示大厅和演示办件只用于演示，不能在这里创建。"
DEPARTMENT_KEY = "jn.xzsp"  # the demo clerk's department (catalog.demo.accounts)
HALL_HOURS = "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）"
# (number, name, 收件即受理)


@dataclass(frozen=True)
class HallSeed:
    region_code: str
    name: str
    address: str
    phone: str
    windows: list[tuple[str, str, bool]]  # (number, name, 收件即受理)


HALL = HallSeed(
    places.JIANGNING,
    "江宁区政务服务中心",
    "南京市江宁区竹山路565号",
    "025-52128001",
    [("1", "综合受理窗口（收件即受理）", True), ("2", "综合收件窗口（收件后转部门受理）", False)],
)
CASE_KEY = "demo-hall-{}"
# 跨域通办: the second region's hall, its window, and the first region's department it takes in for.
CROSS_DEPARTMENT_KEY = "jn.rsj"
CROSS_HALL = HallSeed(
    places.XUANWU,
    "玄武区政务服务中心",
    "南京市玄武区北京东路41号",
    "025-84401234",
    [("1", "跨域通办窗口（异地收件，属地办理）", False)],  # a cross-region window only receives
)
CROSS_CASE_KEY = "demo-cross-region-{}"
BUNDLE_NAME, BUNDLE_KEY = "新生儿出生“一件事”", "demo-bundle-newborn"


@dataclass
class HallReport:
    created: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        labels = {"hall": "服务大厅", "window": "窗口", "assignment": "窗口人员", "authorization": "窗口授权"}
        parts = [f"{label} {self.created[key]}" for key, label in labels.items()]
        cases = f"，演示办件 {self.created['case']}，电子证照 {self.created['licence']}。"
        return "新建：" + "，".join(parts) + cases


def _staff(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise DomainError(f"缺少演示账户 {username}：请先运行 python manage.py seed_demo。") from None


def seed_demo_hall(*, clock: Clock = system_clock) -> HallReport:
    """The hall, its windows, clerk and authorisations, then the demo cases (see the module docstring)."""
    if not settings.DEMO_MODE:
        raise DomainError(NOT_DEMO_MODE, code="not_demo_mode")
    report = HallReport()
    clerk, sysadmin = _staff("demo_clerk"), _staff("demo_sysadmin")
    department = _department(DEPARTMENT_KEY)
    items = list(intake_items(department))
    with transaction.atomic():
        windows = _load_hall(HALL, department=department, items=items, clerk=clerk, sysadmin=sysadmin, report=report)
        _authorize_bundle_members(windows, sysadmin=sysadmin, report=report)
    # The demo citizens' and company's e-licences first: the cases fill in 张三's ID card from them (免证办).
    report.created["licence"] += seed_demo_licences()
    _load_cases(items=items, clerk=clerk, report=report, clock=clock)
    _load_cross_region(sysadmin=sysadmin, report=report, clock=clock)
    _load_bundle_case(report=report, clock=clock)
    return report


def _department(key: str) -> Department:
    return Department.objects.get(uscc=next(d.uscc for d in places.DEPARTMENTS if d.key == key))


def intake_items(department: Department) -> Any:
    """The department's published items that accept window intake."""
    return published_items().filter(department=department, accepts_at_window=True).order_by("code")


def _load_hall(
    seed: HallSeed,
    *,
    department: Department,
    items: list[ServiceItem],
    clerk: User,
    sysadmin: User,
    report: HallReport,
) -> list[Window]:
    hall, created = ServiceHall.objects.get_or_create(
        region=Region.objects.get(code=seed.region_code),
        name=seed.name,
        defaults={
            "kind": ServiceHall.Kind.CENTER,
            "address": seed.address,
            "office_hours": HALL_HOURS,
            "phone": seed.phone,
        },
    )
    report.created["hall"] += created
    windows = []
    for number, name, accepts_on_receipt in seed.windows:
        window, created = Window.objects.get_or_create(hall=hall, number=number, defaults={"name": name})
        report.created["window"] += created
        if not window.clerks.filter(pk=clerk.pk).exists():
            services.assign_clerk(actor=sysadmin, window=window, clerk=clerk)
            report.created["assignment"] += 1
        known = set(WindowAuthorization.objects.filter(window=window).values_list("item_code", flat=True))
        for item in items:
            if item.code in known:
                continue  # left as an administrator may have changed it
            services.grant_window_authorization(
                actor=sysadmin,
                department=department,
                window=window,
                item_code=item.code,
                accepts_on_receipt=accepts_on_receipt,
            )
            report.created["authorization"] += 1
        windows.append(window)
    return windows


def _authorize_bundle_members(windows: list[Window], *, sysadmin: User, report: HallReport) -> None:
    """一件事 (一窗受理): the comprehensive window takes in every member of the region's published bundles,
    also those of other departments (the 卫健委's 公共场所卫生许可 in 开办餐饮店), as their departments
    authorise it; the receive-only window gets them as receive-only."""
    region = windows[0].hall.region if windows else None
    if region is None:
        return
    members = BundleMember.objects.filter(bundle__status=Bundle.Status.PUBLISHED).select_related("item__department")
    for window in windows:
        accepts = next(w[2] for w in HALL.windows if w[0] == window.number)
        known = set(WindowAuthorization.objects.filter(window=window).values_list("item_code", flat=True))
        for member in members:
            item = member.item
            if item.code in known or not region.contains(item.department.region):
                continue
            services.grant_window_authorization(
                actor=sysadmin,
                department=item.department,
                window=window,
                item_code=item.code,
                accepts_on_receipt=accepts,
            )
            known.add(item.code)
            report.created["authorization"] += 1


# --- Cases ------------------------------------------------------------------------------------------


def _in_review(item: ServiceItem, key: str, clerk: User, clock: Clock) -> Application:
    application = submitted_case(item, key, clock)
    services.take_in_application(clerk=clerk, application=application, clock=clock)
    application.refresh_from_db()
    return application


def _decided(item: ServiceItem, key: str, clerk: User, clock: Clock) -> Application:
    application = _in_review(item, key, clerk, clock)
    return granted_case(application, handler=_staff("demo_reviewer"), approver=_staff("demo_dept_head"), clock=clock)


def _concluded(item: ServiceItem, key: str, clerk: User, clock: Clock) -> Application:
    application = _decided(item, key, clerk, clock)
    citizen = accounts.CITIZENS[0]
    services.deliver_at_window(
        clerk=clerk,
        application=application,
        method=Application.DeliveryMethod.COLLECT,
        recipient_name=citizen.real_name,
        recipient_id_number=citizen.id_number,
        clock=clock,
    )
    application.refresh_from_db()
    return application


def _load_cases(*, items: list[ServiceItem], clerk: User, report: HallReport, clock: Clock) -> None:
    fitting = [item for item in items if fits_the_demo(item)]
    if not fitting:
        return
    makers: list[Callable[[ServiceItem, str], Application]] = [
        lambda item, key: submitted_case(item, key, clock),
        lambda item, key: submitted_case(item, key, clock),
        lambda item, key: _in_review(item, key, clerk, clock),
        lambda item, key: _decided(item, key, clerk, clock),
        lambda item, key: _concluded(item, key, clerk, clock),
    ]
    for n, make in enumerate(makers, start=1):
        key = CASE_KEY.format(n)
        if Application.objects.filter(idempotency_key=key).exists():
            continue
        # One transaction per case: a case that cannot be made leaves nothing half-done behind.
        with transaction.atomic():
            make(fitting[(n - 1) % len(fitting)], key)
        report.created["case"] += 1


# --- 跨域通办 --------------------------------------------------------------------------------------------


def cross_region_items(department: Department, region: Region) -> list[ServiceItem]:
    """The department's window-intake items whose cross-region scope covers ``region``."""
    items = intake_items(department).exclude(cross_region=ServiceItem.CrossRegion.NONE)
    return [item for item in items.select_related("department__region") if item.cross_region_covers(region)]


def _load_cross_region(*, sysadmin: User, report: HallReport, clock: Clock) -> None:
    clerk = _staff("demo_clerk_xw")
    department = _department(CROSS_DEPARTMENT_KEY)
    items = cross_region_items(department, Region.objects.get(code=CROSS_HALL.region_code))
    with transaction.atomic():
        (window,) = _load_hall(
            CROSS_HALL, department=department, items=items, clerk=clerk, sysadmin=sysadmin, report=report
        )
    fitting = [item for item in items if fits_the_demo(item)]
    if not fitting:
        return
    handler, approver = _staff("demo_reviewer_rsj"), _staff("demo_dept_head_rsj")
    for n in (1, 2):
        key = CROSS_CASE_KEY.format(n)
        if Application.objects.filter(idempotency_key=key).exists():
            continue
        with transaction.atomic():
            application = _walk_in(fitting[(n - 1) % len(fitting)], key, clerk, window, clock)
            if n == 2:  # accepted and decided at home; back at the 玄武 window for delivery
                cases.accept_application(application=application, actor=handler, actor_role=Actor.HANDLER, clock=clock)
                application.refresh_from_db()
                granted_case(application, handler=handler, approver=approver, clock=clock)
        report.created["case"] += 1


def _walk_in(item: ServiceItem, key: str, clerk: User, window: Window, clock: Clock) -> Application:
    """张三 at the window with every listed material (originals as asked, a copy at least)."""
    citizen = accounts.CITIZENS[0]
    party = cases.register_party(
        kind=Party.Kind.PERSON,
        name=citizen.real_name,
        id_type=Party.IdType.RESIDENT_ID,
        id_number=citizen.id_number,
        phone=citizen.phone,
        in_person=True,
    )
    materials = cases.required_materials(Application(item=item, situation_options=[]))
    return services.file_walk_in(
        clerk=clerk,
        window=window,
        item=item,
        party=party,
        form_data=form_data_of(item, citizen),
        situation_options=[],
        received={m.pk: (m.originals, max(m.copies, 1), None) for m in materials},
        declaration_signed=True,
        idempotency_key=key,
        applicant_name=citizen.real_name,
        contact_phone=citizen.phone,
        clock=clock,
    )


def _load_bundle_case(*, report: HallReport, clock: Clock) -> None:
    bundle = Bundle.objects.filter(name=BUNDLE_NAME, status=Bundle.Status.PUBLISHED).first()
    if bundle is None or BundleApplication.objects.filter(idempotency_key=BUNDLE_KEY).exists():
        return
    with transaction.atomic():
        bundle_case(bundle, BUNDLE_KEY, clock)
    report.created["case"] += 1
