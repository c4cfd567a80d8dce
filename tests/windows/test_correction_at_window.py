"""补正 handed in at the window: the clerk takes exactly the listed materials for a walk-in applicant,
before acceptance (the case goes back to pre-review) and after it (the clock runs again).

Clerk A works at hall A, which took the case in; clerk B at hall B never sees it.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services as cases
from applications.models import Application
from portal.exceptions import InvalidTransition, PermissionDenied
from tests.conftest import login_verified
from tests.windows.conftest import MONDAY, clock_at, pdf
from windows import services

S = Application.Status


def url(name: str, application: Application) -> str:
    return reverse(f"windows:{name}", args=[application.number])


def scans(application: Application, *, fake: bool = False, extra: int | None = None) -> dict:
    requirement = application.item.materials.get(name="申请书")
    body = SimpleUploadedFile("申请书.pdf", b"not a pdf", content_type="application/pdf") if fake else pdf()
    files = {f"c{requirement.pk}": body}
    if extra is not None:
        files[f"c{extra}"] = pdf()
    return files


@pytest.fixture
def asked_before_acceptance(submitted, clerk_a):
    requirement = submitted.item.materials.get()
    services.ask_for_correction(
        clerk=clerk_a, application=submitted, entries=[{"requirement_id": requirement.pk, "reason": "签名缺失"}]
    )
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def asked_after_acceptance(submitted, clerk_a, reviewer_x):
    services.take_in_application(clerk=clerk_a, application=submitted, clock=clock_at(MONDAY, 11))
    requirement = submitted.item.materials.get()
    cases.suspend_for_correction(
        application=submitted, actor=reviewer_x, entries=[{"requirement_id": requirement.pk, "reason": "签名缺失"}]
    )
    submitted.refresh_from_db()
    return submitted


def test_the_clerk_takes_a_correction_before_acceptance_and_the_case_is_pre_reviewed_again(
    client_a, asked_before_acceptance, clerk_a
):
    case = asked_before_acceptance
    page = client_a.get(url("case", case)).content.decode()
    assert url("take_correction", case) in page
    form = client_a.get(url("take_correction", case))
    assert form.status_code == 200 and f'name="c{case.item.materials.get().pk}"' in form.content.decode()
    assert client_a.post(url("take_correction", case), scans(case)).status_code == 302
    case.refresh_from_db()
    assert case.status == S.SUBMITTED and case.correction_due_on is None
    assert case.materials.get(is_current=True).uploaded_by == clerk_a
    assert case.intake.window.hall.name == "玄武区政务服务中心"


def test_the_clerk_takes_a_correction_after_acceptance_and_the_clock_runs_again(
    client_a, asked_after_acceptance, clerk_a
):
    case = asked_after_acceptance
    due_before = case.due_on
    assert url("take_correction", case) in client_a.get(url("case", case)).content.decode()
    page = client_a.get(url("take_correction", case)).content.decode()
    assert "受理后补正" in page and "签名缺失" in page and "收取补正材料</button>" in page
    response = client_a.post(url("take_correction", case), scans(case))
    assert response.status_code == 302
    assert "恢复计时" in client_a.get(response["Location"]).content.decode()
    case.refresh_from_db()
    assert case.status == S.IN_REVIEW and case.suspended_on is None and case.due_on >= due_before
    event = case.timeline.order_by("-at", "-id").first()
    assert (event.action, event.actor) == ("resubmit", clerk_a)


def test_a_clerk_of_another_hall_does_not_see_the_case(client, asked_after_acceptance, clerk_b):
    login_verified(client, clerk_b)
    assert client.get(url("take_correction", asked_after_acceptance)).status_code == 404
    assert client.post(url("take_correction", asked_after_acceptance), scans(asked_after_acceptance)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.take_correction(clerk=clerk_b, application=asked_after_acceptance, files={})
    asked_after_acceptance.refresh_from_db()
    assert asked_after_acceptance.status == S.SUSPENDED


def test_a_fake_scan_or_an_unlisted_material_is_422_and_nothing_is_stored(client_a, asked_after_acceptance):
    case = asked_after_acceptance
    response = client_a.post(url("take_correction", case), scans(case, fake=True))
    assert response.status_code == 422 and "“申请书”" in response.content.decode()
    other = case.item.materials.create(name="场地证明", order=9)
    response = client_a.post(url("take_correction", case), scans(case, extra=other.pk))
    assert response.status_code == 422 and "只能提交补正告知书中列明的材料" in response.content.decode()
    case.refresh_from_db()
    assert case.status == S.SUSPENDED and case.materials.count() == 1


def test_a_second_hand_in_and_one_nobody_asked_for_are_409(client_a, asked_after_acceptance):
    case = asked_after_acceptance
    assert client_a.post(url("take_correction", case), scans(case)).status_code == 302
    assert client_a.post(url("take_correction", case), scans(case)).status_code == 409
    assert client_a.get(url("take_correction", case)).status_code == 409
    with pytest.raises(InvalidTransition):
        services.take_correction(clerk=case.intake.clerk, application=case, files={})
    assert case.materials.filter(is_current=False).count() == 1
