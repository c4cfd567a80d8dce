"""The demo's service hall (manage.py seed_demo_hall, after seed_demo): the window can be tried."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from applications.access import applications_visible_to
from applications.models import Application, TimelineEvent
from catalog.models import BundleMember
from portal.models import AuditEvent, OutboxMessage, User
from tests.conftest import login_verified
from windows import selectors
from windows.models import ClerkAssignment, ServiceHall, Window, WindowAuthorization

pytestmark = pytest.mark.django_db

S = Application.Status
DEMO_COMMANDS = ("seed_demo", "seed_demo_hall")


@pytest.fixture
def demo(seeded_demo, db):
    return seeded_demo["seed_demo_hall"]


def snapshot() -> dict[str, object]:
    return {
        "halls": sorted(ServiceHall.objects.values_list("region__code", "name")),
        "windows": sorted(Window.objects.values_list("hall__name", "number", "name")),
        "assignments": sorted(ClerkAssignment.objects.values_list("window__number", "clerk__username")),
        "authorizations": sorted(
            WindowAuthorization.objects.values_list("window__number", "item_code", "accepts_on_receipt")
        ),
        "cases": sorted(Application.objects.values_list("idempotency_key", "status", "number")),
        "timeline": TimelineEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def test_the_demo_clerk_sits_at_two_windows_of_the_jiangning_hall(demo):
    clerk = User.objects.get(username="demo_clerk")
    hall = ServiceHall.objects.get(windows__clerks=clerk, windows__number="1")
    assert (hall.region.name, hall.name) == ("江宁区", "江宁区政务服务中心")
    windows = list(selectors.windows_of(clerk))
    assert [w.number for w in windows] == ["1", "2"]
    on_receipt = {w.number: set(w.authorizations.values_list("accepts_on_receipt", flat=True)) for w in windows}
    assert on_receipt == {"1": {True}, "2": {False}}


def test_both_windows_are_authorised_for_every_intake_item_of_the_clerks_department(demo):
    from windows.demo import intake_items

    clerk = User.objects.get(username="demo_clerk")
    codes = set(intake_items(clerk.department).values_list("code", flat=True))
    assert codes
    # 一件事 (一窗受理): besides, the members of the region's bundles, for their own departments.
    members = set(
        BundleMember.objects.filter(
            bundle__status="published", item__department__region=clerk.department.region
        ).values_list("item__code", flat=True)
    )
    for window in selectors.windows_of(clerk):
        own = window.authorizations.filter(department=clerk.department_id)
        assert set(own.values_list("item_code", flat=True)) == codes
        others = window.authorizations.exclude(department=clerk.department_id)
        assert set(others.values_list("item_code", flat=True)) == members - codes


def test_the_demo_cases_stand_in_several_states(demo):
    clerk = User.objects.get(username="demo_clerk")
    statuses = sorted(
        Application.objects.filter(idempotency_key__startswith="demo-hall-").values_list("status", flat=True)
    )
    assert statuses == sorted([S.SUBMITTED, S.SUBMITTED, S.IN_REVIEW, S.DECIDED, S.CONCLUDED])
    assert selectors.prereview_queue(clerk).count() == 2
    # The hall's decided case, and (now that the window takes in 人社局's bundle members) the case
    # 玄武区 took in across regions for 人社局, which the home windows may hand over too.
    keys = sorted(a.idempotency_key.rsplit("-", 1)[0] for a in selectors.delivery_queue(clerk))
    assert keys == ["demo-cross-region", "demo-hall"]
    in_review = Application.objects.get(status=S.IN_REVIEW)
    assert in_review.current_step.order == in_review.item.steps.order_by("order").first().order


def test_a_second_region_takes_in_for_the_first_across_regions(demo):
    """跨域通办: 玄武区's window, authorised receive-only by 江宁区人社局, took in two cases of 张三."""
    clerk = User.objects.get(username="demo_clerk_xw")
    (window,) = selectors.windows_of(clerk)
    assert window.hall.region.name == "玄武区"
    authorizations = list(window.authorizations.select_related("department__region"))
    assert authorizations and all(a.is_cross_region and not a.accepts_on_receipt for a in authorizations)
    assert {a.department.region.name for a in authorizations} == {"江宁区"}
    cases = Application.objects.filter(idempotency_key__startswith="demo-cross-region-")
    assert sorted(cases.values_list("status", flat=True)) == [S.DECIDED, S.RECEIVED]
    assert all(case.intake.window == window and case.intake.is_cross_region for case in cases)
    assert list(selectors.delivery_queue(clerk)) == [cases.get(status=S.DECIDED)]
    reviewer = User.objects.get(username="demo_reviewer_rsj")
    assert set(applications_visible_to(reviewer).filter(pk__in=cases)) == set(cases)


def test_the_workbench_shows_the_queues_instead_of_no_window(demo, client):
    clerk = User.objects.get(username="demo_clerk")
    page = login_verified(client, clerk).get("/hall/").content.decode()
    assert "您尚未被安排到任何窗口" not in page
    assert "江宁区政务服务中心" in page


def test_seeding_the_hall_twice_changes_nothing(demo):
    before = snapshot()
    out = StringIO()
    call_command("seed_demo_hall", stdout=out)
    assert snapshot() == before
    assert "服务大厅 0，窗口 0，窗口人员 0，窗口授权 0，演示办件 0" in out.getvalue()


def test_the_hall_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    before = ServiceHall.objects.count()  # the module's demo, when an earlier test seeded it
    with pytest.raises(CommandError, match="不是开发模式"):
        call_command("seed_demo_hall", stdout=StringIO())
    assert ServiceHall.objects.count() == before


def test_the_demo_citizen_has_applied_for_the_newborn_bundle(demo):
    from applications.models import BundleApplication, BundlePart

    bundle_application = BundleApplication.objects.get(idempotency_key="demo-bundle-newborn")
    parts = {p.member.item.name: p for p in bundle_application.parts.select_related("member__item", "application")}
    assert len(parts) == 4
    first = [p for p in parts.values() if p.member.stage == 1]
    assert [p.application.status for p in first] == [S.SUBMITTED]
    assert {p.state for p in parts.values() if p.member.stage > 1} == {BundlePart.State.WAITING}
