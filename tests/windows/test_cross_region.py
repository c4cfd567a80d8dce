"""跨域通办 (异地收件, 属地办理): a window of another region takes in an item of department X (玄武区).

Hall B (秦淮区, the same city) gets a cross-region window authorised by X for its licensing item once the
item is marked 全市通办; a walk-in there is received for X, whose reviewers accept and decide it; the
result comes back to hall B for delivery (or to X's own window A). A clerk of 苏州 sees nothing.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services as cases
from applications.access import applications_visible_to, intake_role, roles_in_case
from applications.models import Application, Document, Party
from applications.transitions import Actor
from catalog.models import Region, ServiceItem
from portal.exceptions import PermissionDenied
from portal.models import Role
from tests.applications.conftest import clock_at
from tests.conftest import login_verified
from tests.factories import ServiceItemFactory, UserFactory, make_resident_id
from tests.windows.conftest import MONDAY
from windows import selectors, services
from windows.models import DeliveryCheck, Intake, ServiceHall, Window, WindowAuthorization

S = Application.Status
CR = ServiceItem.CrossRegion
APPLICANT_ID = make_resident_id(birth="19880808", seq="321")
OPINION = "经查，营业场所面积与申报不一致，请承办人核实。"


def _hall(code: str, name: str) -> ServiceHall:
    region = Region.objects.create(code=code, name=name, level=Region.Level.COUNTY)
    return ServiceHall.objects.create(
        region=region, kind=ServiceHall.Kind.CENTER, name=f"{name}政务服务中心", address="x"
    )


def _clerk_at(window: Window, username: str, sysadmin) -> object:
    clerk = UserFactory(username=username, roles=[Role.CLERK])
    services.assign_clerk(actor=sysadmin, window=window, clerk=clerk)
    return clerk


@pytest.fixture
def city_wide(licensing_item):
    ServiceItem.objects.filter(pk=licensing_item.pk).update(cross_region=CR.CITY)
    licensing_item.refresh_from_db()
    return licensing_item


@pytest.fixture
def cross_window(hall_b, city_wide, sysadmin):
    """Hall B's window, authorised by X (玄武区) to receive its item: a cross-region authorisation."""
    window = Window.objects.create(hall=hall_b, number="8", name="跨域通办窗口")
    services.grant_window_authorization(
        actor=sysadmin,
        department=city_wide.department,
        window=window,
        item_code=city_wide.code,
        accepts_on_receipt=False,
    )
    return window


@pytest.fixture
def taking_clerk(cross_window, sysadmin):
    return _clerk_at(cross_window, "clerk_qh", sysadmin)


@pytest.fixture
def third_clerk(sysadmin):
    """A clerk of 苏州 (another city), at a window authorised for an item of their own region."""
    hall = _hall("320505000000", "虎丘区")
    window = Window.objects.create(hall=hall, number="1")
    item = ServiceItemFactory(department__region=hall.region)
    services.grant_window_authorization(actor=sysadmin, department=item.department, window=window, item_code=item.code)
    return _clerk_at(window, "clerk_sz", sysadmin)


def _walk_in(clerk, window, item, **overrides) -> Application:
    party = cases.register_party(
        kind=Party.Kind.PERSON, name="王五", id_type=Party.IdType.RESIDENT_ID, id_number=APPLICANT_ID, in_person=True
    )
    arguments = {
        "clerk": clerk,
        "window": window,
        "item": item,
        "party": party,
        "form_data": {"applicant_name": "王五", "id_number": APPLICANT_ID},
        "situation_options": [],
        "received": {item.materials.get().pk: (1, 1, None)},
        "declaration_signed": True,
        "applicant_name": "王五",
        "clock": clock_at(MONDAY, 10),
    }
    return services.file_walk_in(**{**arguments, **overrides})


@pytest.fixture
def taken(taking_clerk, cross_window, city_wide):
    return _walk_in(taking_clerk, cross_window, city_wide)


def _decide(application: Application, department) -> Application:
    """X's back office: accept (受理), the three steps (the checker sends it back once, an internal
    opinion in the timeline), grant."""
    handler, checker, approver = (UserFactory(department=department, roles=[Role.REVIEWER]) for _ in range(3))
    cases.accept_application(
        application=application, actor=handler, actor_role=Actor.HANDLER, clock=clock_at(MONDAY, 11)
    )
    cases.pass_step(application=application, actor=handler, opinion="材料齐全", clock=clock_at(MONDAY, 12))
    cases.return_step(application=application, actor=checker, opinion=OPINION, clock=clock_at(MONDAY, 13))
    cases.pass_step(application=application, actor=handler, opinion="已核实", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=application, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))
    cases.decide_application(
        application=application,
        actor=approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="符合法定条件。",
        clock=clock_at(MONDAY, 16),
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def decided_across(taken, department_x):
    return _decide(taken, department_x)


# --- Authorisations ------------------------------------------------------------------------------------


def test_a_cross_region_authorisation_needs_the_items_scope_and_is_receive_only(hall_b, licensing_item, sysadmin):
    window = Window.objects.create(hall=hall_b, number="8")
    grant = {"actor": sysadmin, "department": licensing_item.department, "window": window}
    with pytest.raises(ValidationError, match="不是跨域通办事项"):
        services.grant_window_authorization(**grant, item_code=licensing_item.code, accepts_on_receipt=False)
    ServiceItem.objects.filter(pk=licensing_item.pk).update(cross_region=CR.CITY)
    with pytest.raises(ValidationError) as refused:
        services.grant_window_authorization(**grant, item_code=licensing_item.code, accepts_on_receipt=True)
    assert "只收件" in refused.value.message_dict["accepts_on_receipt"][0]
    assert not WindowAuthorization.objects.filter(window=window).exists()
    authorization = services.grant_window_authorization(
        **grant, item_code=licensing_item.code, accepts_on_receipt=False
    )
    assert authorization.is_cross_region and not authorization.accepts_on_receipt


def test_a_window_outside_the_items_scope_is_not_authorised(licensing_item, sysadmin):
    ServiceItem.objects.filter(pk=licensing_item.pk).update(cross_region=CR.CITY)
    window = Window.objects.create(hall=_hall("330102000000", "上城区"), number="1")  # 杭州: another province
    with pytest.raises(ValidationError, match="全市通办.*不在其通办范围内"):
        services.grant_window_authorization(
            actor=sysadmin,
            department=licensing_item.department,
            window=window,
            item_code=licensing_item.code,
            accepts_on_receipt=False,
        )
    assert not WindowAuthorization.objects.exists()


def test_the_departments_own_windows_are_not_cross_region(window_a):
    assert not window_a.authorizations.get().is_cross_region


# --- Intake and routing -----------------------------------------------------------------------------------


def test_the_walk_in_is_received_for_the_home_department_and_records_the_taking_window(
    taken, taking_clerk, cross_window, department_x
):
    assert taken.status == S.RECEIVED and taken.department == department_x
    intake = Intake.objects.get(application=taken)
    assert (intake.window, intake.clerk, intake.is_cross_region) == (cross_window, taking_clerk, True)
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    assert intake_role(reviewer, taken, "accept") == Actor.HANDLER  # the home department accepts
    for action in ("accept", "refuse", "request_correction"):
        with pytest.raises(PermissionDenied, match="跨域通办事项由属地实施部门受理"):
            intake_role(taking_clerk, taken, action)


def test_the_walk_in_page_says_where_the_case_is_handled(client, taking_clerk, cross_window, city_wide):
    c = login_verified(client, taking_clerk)
    url = reverse("windows:walk_in_form", args=[cross_window.pk, city_wide.pk])
    data = {
        "applicant_kind": "person",
        "applicant_name": "王五",
        "id_number": APPLICANT_ID,
        "phone": "13900139000",
        "f_applicant_name": "王五",
        "f_id_number": APPLICANT_ID,
        f"m{city_wide.materials.get().pk}_originals": "1",
        f"m{city_wide.materials.get().pk}_copies": "1",
        "delivery_method": "collect",
        "declaration": "on",
        "idempotency_key": "0cc175b9c0f1b6a831c399e269772661",
    }
    assert "跨域通办（全市通办）：本窗口异地收件" in c.get(url).content.decode()
    response = c.post(url, data, follow=True)
    application = Application.objects.get()
    assert application.status == S.RECEIVED
    page = response.content.decode()
    assert "跨域通办，已转行政审批局受理办理" in page and "异地收件，属地办理" in page


def test_an_online_case_waits_for_the_home_windows_not_the_other_regions(submitted, window_a, taking_clerk):
    assert not selectors.prereview_queue(taking_clerk).exists()
    assert not applications_visible_to(taking_clerk).filter(pk=submitted.pk).exists()


def test_the_home_reviewer_sees_it_and_the_receipt_names_both_places(client, taken, department_x, cross_window):
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    assert taken.number in login_verified(client, reviewer).get(reverse("reviews:queue")).content.decode()
    decided = _decide(taken, department_x)
    receipt = decided.documents.get(kind=Document.Kind.ACCEPTANCE_RECEIPT).context
    assert receipt["cross_region"] == {"taken_at": str(cross_window), "handled_by": "行政审批局（玄武区）"}
    assert receipt["window"] == ""  # the taking window received; it did not accept


# --- Who sees what ----------------------------------------------------------------------------------------


def test_the_taking_clerk_sees_intake_status_and_delivery_but_no_internal_opinion(client, decided_across, taking_clerk):
    page = login_verified(client, taking_clerk).get(reverse("windows:case", args=[decided_across.number]))
    assert page.status_code == 200
    text = page.content.decode()
    assert decided_across.get_status_display() in text and str(decided_across.intake.window) in text
    assert "异地收件，属地办理" in text
    assert reverse("windows:deliver", args=[decided_across.number]) in text
    assert OPINION not in text


def test_the_home_reviewer_sees_the_whole_case(client, decided_across, department_x):
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    page = login_verified(client, reviewer).get(reverse("reviews:case", args=[decided_across.number]))
    assert page.status_code == 200 and OPINION in page.content.decode()


def test_a_clerk_of_a_third_region_and_a_stranger_see_nothing(client, decided_across, third_clerk, citizen):
    assert (
        login_verified(client, third_clerk).get(reverse("windows:case", args=[decided_across.number])).status_code
        == 404
    )
    assert not selectors.delivery_queue(third_clerk).exists()
    client.force_login(citizen)
    assert client.get(reverse("applications:detail", args=[decided_across.number])).status_code == 404


def test_the_taking_clerk_cannot_refuse_what_the_home_department_received(client, taken, taking_clerk):
    c = login_verified(client, taking_clerk)
    data = {"reason": "不属于本机关职权", "basis": "行政许可法第三十二条"}
    assert c.post(reverse("windows:refuse", args=[taken.number]), data).status_code == 403
    taken.refresh_from_db()
    assert taken.status == S.RECEIVED


# --- Delivery ---------------------------------------------------------------------------------------------


def test_the_result_comes_back_to_the_taking_window_for_collection(decided_across, taking_clerk, cross_window):
    assert list(selectors.delivery_queue(taking_clerk)) == [decided_across]
    delivery = services.deliver_at_window(
        clerk=taking_clerk,
        application=decided_across,
        method=Application.DeliveryMethod.COLLECT,
        recipient_name="王五",
        recipient_id_number=APPLICANT_ID,
        clock=clock_at(MONDAY, 17),
    )
    decided_across.refresh_from_db()
    assert decided_across.status == S.CONCLUDED
    assert DeliveryCheck.objects.get(delivery=delivery).window == cross_window


def test_the_home_regions_window_can_post_it(decided_across, clerk_a):
    assert list(selectors.delivery_queue(clerk_a)) == [decided_across]
    assert Actor.CLERK in roles_in_case(clerk_a, decided_across)
    services.deliver_at_window(
        clerk=clerk_a,
        application=decided_across,
        method=Application.DeliveryMethod.POST,
        tracking_number="SF1234567890",
        clock=clock_at(MONDAY, 17),
    )
    decided_across.refresh_from_db()
    assert decided_across.status == S.CONCLUDED
    assert applications_visible_to(clerk_a).filter(pk=decided_across.pk).exists()


def test_the_home_window_does_not_see_it_before_the_decision(taken, clerk_a):
    assert not applications_visible_to(clerk_a).filter(pk=taken.pk).exists()


# --- Bad input --------------------------------------------------------------------------------------------


def test_an_item_not_marked_cross_region_is_refused_at_the_other_regions_window(
    client, clerk_b, window_b, licensing_item
):
    c = login_verified(client, clerk_b)
    response = c.get(reverse("windows:walk_in_form", args=[window_b.pk, licensing_item.pk]))
    assert response.status_code == 404
    assert "不是跨域通办事项，须到玄武区的窗口办理" in response.content.decode()
    with pytest.raises(PermissionDenied, match="不是跨域通办事项"):
        _walk_in(clerk_b, window_b, licensing_item)
    assert not Application.objects.exists()


def test_an_authorisation_whose_item_left_cross_region_takes_nothing(taking_clerk, cross_window, city_wide):
    ServiceItem.objects.filter(pk=city_wide.pk).update(cross_region=CR.NONE)
    city_wide.refresh_from_db()
    with pytest.raises(PermissionDenied, match="不是跨域通办事项"):
        _walk_in(taking_clerk, cross_window, city_wide)
    assert not Application.objects.exists()


def test_a_crafted_authorisation_outside_the_scope_takes_nothing(city_wide, sysadmin):
    window = Window.objects.create(hall=_hall("330102000000", "上城区"), number="1")
    WindowAuthorization.objects.create(  # written around the service's check
        window=window, department=city_wide.department, item_code=city_wide.code, is_cross_region=True
    )
    clerk = _clerk_at(window, "clerk_hz", sysadmin)
    with pytest.raises(PermissionDenied, match="不在其通办范围内"):
        _walk_in(clerk, window, city_wide)
    assert not Application.objects.exists()


def test_a_crafted_window_id_is_404_and_files_nothing(client, taking_clerk, window_a, cross_window, city_wide):
    c = login_verified(client, taking_clerk)
    for window_id in (window_a.pk, 999999):  # another clerk's window; no window at all
        url = reverse("windows:walk_in_form", args=[window_id, city_wide.pk])
        assert c.get(url).status_code == 404
        assert c.post(url, {"applicant_name": "王五", "declaration": "on"}).status_code == 404
    assert not Application.objects.exists()
