"""受理后补正 over the API: the reviewer's notice (suspend-for-correction), the applicant's or the window's
answer (correction), and everyone who may not.

The personas are those of test_applications_api: Alice applies, Bob must never see her case, clerk A
took it in at hall A, Harry reviews for department X, Yves for department Y.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.models import Application, Document, TimelineEvent
from tests.api.conftest import token_client
from tests.api.test_applications_api import (  # noqa: F401  (fixtures and helpers of the applications API tests)
    accepted,
    alice,
    assert_error,
    bob,
    case_url,
    harry,
    ok,
    yves,
)
from tests.applications.conftest import pdf

pytestmark = pytest.mark.django_db

S = Application.Status

# The due date must lie ahead of the real today (portal.validators bounds it): three weeks from now.
DUE = (timezone.localdate() + dt.timedelta(days=21)).isoformat()


def notice_body(application: Application) -> dict:
    requirement = application.item.materials.get()
    return {
        "entries": [
            {"requirement_id": requirement.id, "reason": "签名与身份证不一致"},
            {"name": "情况说明", "reason": "请说明经营场所变更情况"},
        ],
        "due_on": DUE,
    }


def answer(client, application: Application, requirement_id: int | None = None, file=None):
    requirement_id = requirement_id or application.item.materials.get(name="申请书").id
    body = {"requirements": [requirement_id], "files": [file or pdf()]}
    return client.post(case_url(application, "correction"), body, format="multipart")


@pytest.fixture
def asked(accepted, harry):  # noqa: F811
    ok(token_client(harry).post(case_url(accepted, "suspend-for-correction"), notice_body(accepted), format="json"))
    accepted.refresh_from_db()
    return accepted


def test_the_whole_path_notice_answer_and_the_clock_running_again(accepted, harry, alice):  # noqa: F811
    reviewer = token_client(harry)
    case = ok(reviewer.post(case_url(accepted, "suspend-for-correction"), notice_body(accepted), format="json"))
    assert case["status"] == "suspended" and case["correction_due_on"] == DUE
    assert case["correction"]["after_acceptance"] is True
    assert [e["name"] for e in case["correction"]["entries"]] == ["申请书", "情况说明"]
    assert case["suspension"]["kind"] == "correction"
    assert "correction_notice" in [d["kind"] for d in case["documents"]]

    seen = ok(alice.get(case_url(accepted)))
    assert [(a["kind"], a["due_on"]) for a in seen["asks"]] == [("correct_materials", DUE)]
    assert seen["correction"]["entries"][0]["reason"] == "签名与身份证不一致"

    case = ok(answer(alice, accepted))
    assert case["status"] == "in_review" and case["correction"] is None and case["suspension"] is None
    assert case["asks"] == [] and case["correction_due_on"] is None
    assert case["timeline"][-1]["label"] == "补正材料" and "恢复计时" in case["timeline"][-1]["note"]


def test_the_window_hands_in_the_materials_for_a_walk_in(asked, clerk_a):  # noqa: F811
    case = ok(answer(token_client(clerk_a), asked))
    assert case["status"] == "in_review"
    event = TimelineEvent.objects.filter(application=asked, action="resubmit").get()
    assert event.actor == clerk_a and event.from_status == S.SUSPENDED


def test_only_the_cases_reviewer_issues_the_notice(accepted, alice, bob, yves, clerk_a, clerk_b):  # noqa: F811
    url = case_url(accepted, "suspend-for-correction")
    body = notice_body(accepted)
    assert_error(bob.post(url, body, format="json"), 404, "not_found")
    assert_error(token_client(yves).post(url, body, format="json"), 404, "not_found")
    assert_error(token_client(clerk_b).post(url, body, format="json"), 404, "not_found")
    assert_error(alice.post(url, body, format="json"), 403, "permission_denied")
    assert_error(token_client(clerk_a).post(url, body, format="json"), 403, "permission_denied")
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and not accepted.correction_notices.exists()


def test_a_notice_needs_entries_with_reasons(accepted, harry):  # noqa: F811
    reviewer, url = token_client(harry), case_url(accepted, "suspend-for-correction")
    assert_error(reviewer.post(url, {"entries": []}, format="json"), 400)
    assert_error(reviewer.post(url, {"entries": [{"reason": "缺少名称"}]}, format="json"), 422)
    assert_error(reviewer.post(url, {**notice_body(accepted), "due_on": "2020-01-01"}, format="json"), 422)
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW


def test_a_second_notice_is_409(asked, harry, alice):  # noqa: F811
    url = case_url(asked, "suspend-for-correction")
    assert_error(token_client(harry).post(url, notice_body(asked), format="json"), 409, "invalid_transition")
    ok(answer(alice, asked))
    body = assert_error(token_client(harry).post(url, notice_body(asked), format="json"), 409)
    assert "只能一次性告知" in body["message"]
    assert asked.documents.filter(kind=Document.Kind.CORRECTION_NOTICE).count() == 1


def test_the_reviewer_cannot_resume_a_correction_without_the_materials(asked, harry):  # noqa: F811
    response = token_client(harry).post(case_url(asked, "resume"), {"result": "已电话沟通"}, format="json")
    assert_error(response, 409, "invalid_transition")
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED


def test_others_cannot_answer_alices_notice(asked, bob, yves, harry, clerk_b):  # noqa: F811
    assert_error(answer(bob, asked), 404, "not_found")
    assert_error(answer(token_client(yves), asked), 404, "not_found")
    assert_error(answer(token_client(clerk_b), asked), 404, "not_found")
    assert_error(answer(token_client(harry), asked), 403, "permission_denied")
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED and asked.materials.count() == 1


def test_an_unlisted_material_a_fake_file_and_a_double_submit(asked, alice, licensing_item):  # noqa: F811
    other = licensing_item.materials.create(name="场地证明", order=9)
    assert_error(answer(alice, asked, other.id), 422)
    fake = SimpleUploadedFile("申请书.pdf", b"not a pdf at all", content_type="application/pdf")
    body = assert_error(answer(alice, asked, file=fake), 422)
    assert "申请书" in str(body["detail"])
    asked.refresh_from_db()
    assert asked.status == S.SUSPENDED and asked.materials.count() == 1
    ok(answer(alice, asked))
    assert_error(answer(alice, asked), 409, "invalid_transition")
    assert asked.materials.filter(is_current=False).count() == 1


def test_answering_when_nothing_is_asked_is_409(accepted, alice):  # noqa: F811
    body = assert_error(answer(alice, accepted), 409, "invalid_transition")
    assert "不能补正材料" in body["message"]
