"""What the citizen's case page and draft say in each state (issue 9, items 10 and 18).

Alice (citizen) follows her case: where it is on 申报 → 预审 → 受理 → 审查 → 决定 → 送达, how much time is
left, where to collect the result, that an ended case has ended (and how to apply again); her draft
links each material's blank form and sample and names the file she uploaded; a refused form leads her
to each problem.
"""

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from applications import services
from applications.deadlines import days_left
from applications.models import Application
from applications.transitions import Actor
from catalog.models import ServiceItem
from portal import workdays
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_views_applicant import (
    ALICE_ID,
    MONDAY,
    complete_form,
    decide,
    draft_of,
    start_as_self,
    verify,
)
from tests.factories import UserFactory
from windows.models import Intake, ServiceHall, Window

S = Application.Status


@pytest.fixture
def alice(client, citizen):
    verify(citizen, ALICE_ID)
    client.force_login(citizen)
    return citizen


def case_page(client, application: Application) -> str:
    response = client.get(f"/applications/{application.number}/")
    assert response.status_code == 200
    return response.content.decode()


def progress(html: str) -> str:
    """The progress line's text, tags removed."""
    found = re.search(r'<ol class="case-progress".*?</ol>', html, re.S)
    assert found, "no progress line"
    return re.sub(r"<[^>]+>", "", found.group(0))


def current_stage(html: str) -> str | None:
    found = re.search(r'aria-current="step">(?:<[^>]+>)*([^<]+)<', html)
    return found.group(1) if found else None


def accepted(application: Application) -> Application:
    services.accept_application(
        application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11)
    )
    application.refresh_from_db()
    return application


# --- Where the case is, and its time -------------------------------------------------------------


def test_a_submitted_case_waits_for_the_windows_prereview(client, alice, submitted):
    html = case_page(client, submitted)
    assert current_stage(html) == "预审"
    assert "✓申报" in progress(html)
    assert "受理后开始计算" in html and "请耐心等待" in html
    assert "办理时效" not in html and "再次申请" not in html


def test_a_case_in_review_shows_a_green_light_and_the_working_days_left(client, alice, submitted):
    today = timezone.localdate()
    application = accepted(submitted)
    Application.objects.filter(pk=application.pk).update(
        warn_on=workdays.add_workdays(today, 2), due_on=workdays.add_workdays(today, 5)
    )
    html = case_page(client, application)
    assert current_stage(html) == "审查"
    assert "✓受理" in progress(html) and "✓决定" not in progress(html)
    assert "绿灯：正常" in html and "剩余 5 个工作日" in html


def test_an_overdue_case_shows_a_red_light_and_how_late_it_is(client, alice, submitted):
    today = timezone.localdate()
    application = accepted(submitted)
    due_on = workdays.add_workdays(today, -3)
    Application.objects.filter(pk=application.pk).update(warn_on=workdays.add_workdays(today, -6), due_on=due_on)
    html = case_page(client, application)
    assert "红灯：已超期" in html
    assert f"已超期 {workdays.workdays_between(due_on, today)} 个工作日" in html


def test_a_suspended_case_says_its_clock_stands_still(client, alice, submitted):
    application = accepted(submitted)
    services.suspend_application(
        application=application, actor=UserFactory(), kind="site_inspection", reason="现场勘验", clock=clock_at(MONDAY)
    )
    html = case_page(client, application)
    assert current_stage(html) == "审查"
    assert "暂停计时" in html and "剩余" not in html


# --- The result: where to collect it --------------------------------------------------------------


def test_a_result_to_collect_names_the_hall_window_and_hours_of_the_cases_intake(client, alice, submitted):
    hall = ServiceHall.objects.create(
        region=submitted.department.region,
        kind=ServiceHall.Kind.CENTER,
        name="玄武区政务服务中心",
        address="玄武大道1号",
        office_hours="周一至周五 9:00—17:00",
    )
    window = Window.objects.create(hall=hall, number="3")
    Intake.objects.create(application=submitted, window=window, at=timezone.now())
    decide(submitted)
    html = case_page(client, submitted)
    assert current_stage(html) == "送达"
    assert "办理结果已出，请携带身份证件到窗口领取" in html
    assert "玄武区政务服务中心（玄武大道1号）" in html and "3号综合窗口" in html
    assert "周一至周五 9:00—17:00" in html


def test_without_an_intake_the_place_comes_from_the_guide(client, alice, submitted, licensing_item):
    ServiceItem.objects.filter(pk=licensing_item.pk).update(place="玄武区行政审批局二楼", office_hours="工作日上午")
    decide(submitted)
    html = case_page(client, submitted)
    assert "玄武区行政审批局二楼" in html and "工作日上午" in html


# --- Ended cases ----------------------------------------------------------------------------------


def test_a_concluded_case_says_so_and_offers_to_apply_again(client, alice, submitted, licensing_item):
    Application.objects.filter(pk=submitted.pk).update(delivery_method=Application.DeliveryMethod.DOWNLOAD)
    decide(submitted)
    services.deliver_result(application=submitted, actor=None, actor_role=Actor.SYSTEM, method="download")
    html = case_page(client, submitted)
    assert "本件已办结" in html and "请耐心等待" not in html
    assert current_stage(html) is None and "✓送达" in progress(html)
    assert f'href="/applications/new/{licensing_item.code}/"' in html and "再次申请本事项" in html


def test_a_withdrawn_case_says_so_and_offers_to_apply_again(client, alice, submitted, licensing_item):
    client.post(f"/applications/{submitted.number}/withdraw/", {"reason": "填错了"})
    html = case_page(client, submitted)
    assert "本件已撤回，办理已终止" in html
    assert "请耐心等待" not in html and "受理后开始计算" not in html
    assert f"预审{S.WITHDRAWN.label}" in progress(html) and current_stage(html) is None
    assert f'href="/applications/new/{licensing_item.code}/"' in html
    assert "确认撤回" not in html  # nothing left to withdraw


def test_a_refused_case_says_so_and_offers_to_apply_again(client, alice, submitted, licensing_item):
    services.refuse_application(
        application=submitted,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        reason="不属于本机关职权范围",
        basis="《中华人民共和国行政许可法》第三十二条",
        clock=clock_at(MONDAY, 11),
    )
    html = case_page(client, submitted)
    assert "本件不予受理" in html and "请耐心等待" not in html and "受理后开始计算" not in html
    assert f"预审{S.REFUSED.label}" in progress(html)
    assert f'href="/applications/new/{licensing_item.code}/"' in html


def test_an_ended_case_of_a_window_only_item_links_its_guide(client, alice, submitted, licensing_item):
    client.post(f"/applications/{submitted.number}/withdraw/")
    ServiceItem.objects.filter(pk=licensing_item.pk).update(accepts_on_pc=False, accepts_on_mobile=False)
    html = case_page(client, submitted)
    assert "/applications/new/" not in html
    assert f'href="/items/{licensing_item.code}/"' in html and "本事项须到窗口办理" in html


# --- The draft ------------------------------------------------------------------------------------


@pytest.fixture
def draft(client, alice, licensing_item):
    start_as_self(client, licensing_item)
    return draft_of(alice)


def test_the_draft_links_each_materials_blank_form_and_sample(client, draft, licensing_item):
    requirement = licensing_item.materials.get()
    requirement.blank_form.save("form.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    requirement.sample.save("sample.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    html = client.get(f"/applications/draft/{draft.pk}/").content.decode()
    blank = f"/items/{licensing_item.code}/materials/{requirement.id}/blank/"
    sample = f"/items/{licensing_item.code}/materials/{requirement.id}/sample/"
    assert f'href="{blank}"' in html and f'href="{sample}"' in html
    assert client.get(blank).status_code == 200


def test_the_draft_names_the_uploaded_file(client, draft, licensing_item):
    requirement = licensing_item.materials.get()
    client.post(f"/applications/draft/{draft.pk}/", {"action": "save", f"m{requirement.id}": pdf("我的申请书.pdf")})
    html = client.get(f"/applications/draft/{draft.pk}/").content.decode()
    assert "我的申请书.pdf" in html
    assert f'aria-describedby="id_m{requirement.id}_uploaded' in html


def test_a_refused_draft_lists_each_problem_with_a_link_and_takes_the_focus(client, draft, licensing_item):
    requirement = licensing_item.materials.get()
    data = complete_form(licensing_item, f_id_number="110105194912310029")
    data.pop(f"m{requirement.id}")
    data.pop("declaration")
    response = client.post(f"/applications/draft/{draft.pk}/", data)
    assert response.status_code == 422
    html = response.content.decode()
    summary = re.search(r'<div class="form-errors error-summary"[^>]*>.*?</div>', html, re.S)
    assert summary and 'tabindex="-1"' in summary.group(0) and "autofocus" in summary.group(0)
    assert re.search(r'<a href="#id_f_id_number">[^<]*身份证号码[^<]*校验码', summary.group(0))
    assert f'<a href="#id_m{requirement.id}">请上传：申请书</a>' in summary.group(0)
    assert '<a href="#id_declaration">请阅读并确认承诺声明' in summary.group(0)
    # the file input points to its own message
    assert f'id="id_m{requirement.id}_errors"' in html
    assert re.search(rf'id="id_m{requirement.id}"[^>]*aria-describedby="id_m{requirement.id}_errors', html)
    assert "js/application.js" in html


def test_a_refused_correction_points_its_file_inputs_to_the_errors(client, alice, submitted, licensing_item):
    requirement = licensing_item.materials.get()
    services.request_correction(
        application=submitted,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": requirement.id, "reason": "缺少签字"}],
        clock=clock_at(MONDAY, 11),
    )
    response = client.post(f"/applications/{submitted.number}/correction/", {})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="correction-errors" tabindex="-1" autofocus' in html
    assert f'<a href="#id_c{requirement.id}">请提交：申请书</a>' in html
    assert re.search(rf'id="id_c{requirement.id}"[^>]*aria-describedby="correction-errors"', html)


def test_days_left_counts_the_days_after_today_in_the_limits_unit(calendar_2026):
    monday = dt.date(2026, 3, 2)
    assert days_left(monday, dt.date(2026, 3, 9), "workday") == 5
    assert days_left(monday, monday, "workday") == 0
    assert days_left(dt.date(2026, 3, 9), monday, "workday") == -5
    assert days_left(monday, dt.date(2026, 3, 9), "calendar_day") == 7
