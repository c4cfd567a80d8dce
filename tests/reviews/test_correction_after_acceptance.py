"""受理后补正 on the workbench: the case's reviewer issues the one-time notice and the clock stops.

Alice handles department X's accepted case; Bob is another reviewer of X; Yves reviews for department Y.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services as cases
from applications.models import Application, Document, Suspension
from applications.transitions import Actor
from tests.conftest import login_verified
from tests.reviews.conftest import as_user, open_task, pdf

S = Application.Status
# The due date must lie ahead of the real today (portal.validators bounds it): three weeks from now.
DUE = (timezone.localdate() + dt.timedelta(days=21)).isoformat()


def url(name: str, application: Application) -> str:
    return reverse(f"reviews:{name}", args=[application.number])


def notice_data(application: Application, reason: str = "签名与身份证不一致") -> dict:
    material = application.item.materials.get()
    return {f"pick_{material.pk}": "on", f"reason_{material.pk}": reason, "due_on": DUE}


def ask(client, application: Application, data: dict | None = None):
    return client.post(
        url("correction_after_acceptance", application), notice_data(application) if data is None else data
    )


def test_the_reviewer_lists_the_materials_and_the_case_stops(client, accepted, alice):
    as_user(client, alice)
    page = client.get(url("case", accepted)).content.decode()
    assert "受理后补正（暂停计时）" in page and url("correction_after_acceptance", accepted) in page
    assert ask(client, accepted).status_code == 302
    application = Application.objects.get(pk=accepted.pk)
    assert application.status == S.SUSPENDED and str(application.correction_due_on) == DUE
    notice = application.correction_notices.get()
    assert notice.after_acceptance and notice.issued_by == alice
    assert notice.entries == [
        {"requirement_id": accepted.item.materials.get().pk, "name": "申请书", "reason": "签名与身份证不一致"}
    ]
    assert application.suspensions.get().kind == Suspension.Kind.CORRECTION
    assert application.documents.filter(kind=Document.Kind.CORRECTION_NOTICE).count() == 1
    page = client.get(url("case", accepted)).content.decode()
    # The pause is the applicant's to end: no "resume" for the reviewer, and no second notice.
    assert "受理后补正进行中" in page and DUE in page
    assert url("resume", accepted) not in page and url("correction_after_acceptance", accepted) not in page


def test_a_notice_without_materials_or_reasons_is_422_and_writes_nothing(client, accepted, alice):
    as_user(client, alice)
    assert ask(client, accepted, {"due_on": DUE}).status_code == 422
    material = accepted.item.materials.get()
    response = ask(client, accepted, {f"pick_{material.pk}": "on", "due_on": DUE})
    assert response.status_code == 422 and "请写明“申请书”需要补正的内容" in response.content.decode()
    response = ask(client, accepted, {**notice_data(accepted), "due_on": "2020-01-01"})
    assert response.status_code == 422 and "补正期限须晚于今天" in response.content.decode()
    application = Application.objects.get(pk=accepted.pk)
    assert application.status == S.IN_REVIEW and not application.correction_notices.exists()


def test_a_reviewer_of_another_department_does_not_see_the_case(client, accepted, yves):
    as_user(client, yves)
    assert ask(client, accepted).status_code == 404
    assert Application.objects.get(pk=accepted.pk).status == S.IN_REVIEW


def test_a_task_claimed_by_someone_else_is_not_mine_to_suspend(client, accepted, alice, bob):
    from reviews import services

    services.claim_task(user=bob, task=open_task(accepted))
    as_user(client, alice)
    assert ask(client, accepted).status_code == 403
    assert Application.objects.get(pk=accepted.pk).status == S.IN_REVIEW


@pytest.mark.parametrize("persona", ["clerk", "citizen"])
def test_clerks_and_citizens_are_refused(client, accepted, persona, request):
    user = request.getfixturevalue(persona)
    login_verified(client, user) if user.is_portal_staff else client.force_login(user)
    assert ask(client, accepted).status_code == 403
    assert Application.objects.get(pk=accepted.pk).status == S.IN_REVIEW


def test_the_action_is_post_only(client, accepted, alice):
    as_user(client, alice)
    assert client.get(url("correction_after_acceptance", accepted)).status_code == 405


def test_a_double_click_and_a_second_notice_are_409(client, accepted, alice, citizen):
    as_user(client, alice)
    assert ask(client, accepted).status_code == 302
    assert ask(client, accepted).status_code == 409  # suspended already
    cases.resubmit_correction(
        application=accepted,
        actor=citizen,
        actor_role=Actor.APPLICANT,
        files={accepted.item.materials.get().pk: pdf()},
    )
    response = ask(client, accepted, notice_data(accepted, "还缺一页"))
    assert response.status_code == 409 and "只能一次性告知" in response.content.decode()
    assert Application.objects.get(pk=accepted.pk).correction_notices.count() == 1
    assert url("correction_after_acceptance", accepted) not in client.get(url("case", accepted)).content.decode()


def test_the_case_page_says_the_correction_came_back(client, accepted, alice, citizen):
    as_user(client, alice)
    ask(client, accepted)
    assert "提交补正材料，办件恢复计时" not in client.get(url("case", accepted)).content.decode()
    cases.resubmit_correction(
        application=accepted, actor=citizen, actor_role=Actor.APPLICANT, files={accepted.item.materials.get().pk: pdf()}
    )
    response = client.get(url("case", accepted))
    assert "提交补正材料，办件恢复计时，请继续审查" in response.content.decode()
