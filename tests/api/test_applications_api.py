"""The applications API over HTTP: the applicant, the comprehensive window and the back office.

Alice (citizen) applies and Bob (other_citizen) must never see her cases; clerk A works at hall A
(window A1 收件即受理, window A2 receipt only), clerk B at hall B; Hannah heads department X, whose
reviewers Harry (handles), Chris (checks) and Abby (approves) review the case; Yves reviews for
department Y. Every refusal has the body {"code", "message", "detail"} with a Chinese message, and
an ID number never leaves the API unmasked.
"""

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications import services
from applications.models import (
    Application,
    Delivery,
    Extension,
    FeeAssessment,
    Party,
    SubmittedMaterial,
    TimelineEvent,
)
from catalog.models import Fee, MaterialRequirement
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import Organization, OrganizationAgent, Role
from tests.api.conftest import token_client
from tests.applications.conftest import PDF_BYTES, pdf
from tests.conftest import login_verified
from tests.factories import UserFactory, make_resident_id, next_uscc

pytestmark = pytest.mark.django_db

S = Application.Status
API = "/api/v1/applications/"
ALICE_ID = make_resident_id()  # the `party` fixture's number: the submitted case is Alice's own
BOB_ID = make_resident_id(area="320104", birth="19790101", seq="303")
PRINCIPAL_ID = make_resident_id(area="320105", birth="19500505", seq="404")


def verify(user, id_number: str) -> None:
    user.id_number_digest = id_number_digest(id_number)
    user.id_number_masked = mask_id_number(id_number)
    user.real_name_verified_at = timezone.now()
    user.save()


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every refusal has the same body and a message in Chinese."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    if code is not None:
        assert body["code"] == code, body
    return body


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def case_url(application_or_number, action: str = "") -> str:
    number = getattr(application_or_number, "number", application_or_number)
    return f"{API}{number}/" + (f"{action}/" if action else "")


def _staff(username: str, department, *roles: str):
    return UserFactory(username=username, real_name=username, department=department, roles=list(roles))


@pytest.fixture
def alice(citizen):
    verify(citizen, ALICE_ID)
    return token_client(citizen)


@pytest.fixture
def bob(other_citizen):
    verify(other_citizen, BOB_ID)
    return token_client(other_citizen)


@pytest.fixture
def harry(department_x):
    return _staff("harry", department_x, Role.REVIEWER)


@pytest.fixture
def chris(department_x):
    return _staff("chris", department_x, Role.REVIEWER)


@pytest.fixture
def abby(department_x):
    return _staff("abby", department_x, Role.REVIEWER)


@pytest.fixture
def hannah(department_x):
    return _staff("hannah", department_x, Role.DEPT_HEAD)


@pytest.fixture
def yves(department_y):
    return _staff("yves", department_y, Role.REVIEWER)


def start(client, item, *, key: str | None = None, **changes):
    body = {"item": item.code, "acting_as": "self", "name": "张三", "id_number": ALICE_ID} | changes
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(API, body, format="json", **headers)


def draft_url(draft_id: int, action: str = "") -> str:
    return f"{API}drafts/{draft_id}/" + (f"{action}/" if action else "")


def upload(client, draft_id: int, requirement_id: int, file):
    return client.post(
        draft_url(draft_id, "materials"), {"requirement": requirement_id, "file": file}, format="multipart"
    )


def complete_draft(client, item) -> int:
    draft = ok(start(client, item), 201)
    ok(
        client.patch(
            draft_url(draft["id"]), {"form_data": {"applicant_name": "张三", "id_number": ALICE_ID}}, format="json"
        )
    )
    ok(upload(client, draft["id"], item.materials.get().id, pdf()), 201)
    return draft["id"]


@pytest.fixture
def accepted(submitted, clerk_a):  # noqa: F811
    ok(token_client(clerk_a).post(case_url(submitted, "accept")))
    submitted.refresh_from_db()
    return submitted


# --- Starting: who applies, and the Idempotency-Key ----------------------------------------------


def test_a_citizen_starts_a_draft_for_herself(alice, citizen, licensing_item):
    response = start(alice, licensing_item)
    draft = ok(response, 201)
    application = Application.objects.get(pk=draft["id"])
    assert application.applicant_user == citizen and application.status == S.DRAFT
    assert application.party.id_number_digest == id_number_digest(ALICE_ID)
    assert draft["party"]["id_number"] == mask_id_number(ALICE_ID)
    assert draft["number"] is None and draft["acting_as"] == "self"
    assert [f["name"] for f in draft["form_definition"]] == ["applicant_name", "id_number"]
    assert [m["name"] for m in draft["materials"]] == ["申请书"]
    assert ALICE_ID not in response.content.decode()


def test_the_same_idempotency_key_returns_the_same_draft(alice, licensing_item):
    key = str(uuid.uuid4())
    first = ok(start(alice, licensing_item, key=key), 201)
    second = ok(start(alice, licensing_item, key=key), 200)
    assert first["id"] == second["id"]
    assert Application.objects.count() == 1


def test_another_users_idempotency_key_is_409(alice, bob, other_citizen, licensing_item):
    key = str(uuid.uuid4())
    ok(start(alice, licensing_item, key=key), 201)
    assert_error(start(bob, licensing_item, key=key, name="李四", id_number=BOB_ID), 409)
    assert not Application.objects.filter(applicant_user=other_citizen).exists()


def test_a_malformed_idempotency_key_is_400(alice, licensing_item):
    assert_error(start(alice, licensing_item, key="x y"), 400, "bad_idempotency_key")
    assert not Application.objects.exists()


def test_a_malformed_id_number_is_400_and_nothing_is_made(alice, licensing_item):
    body = assert_error(start(alice, licensing_item, id_number="32010219850615201"), 400, "bad_input")
    assert "应为18位" in body["detail"]["id_number"][0]
    assert not Party.objects.exists() and not Application.objects.exists()


def test_someone_elses_id_number_is_422_and_nothing_is_made(alice, licensing_item):
    body = assert_error(start(alice, licensing_item, id_number=BOB_ID), 422, "validation_error")
    assert "与您实名认证的身份证号码不一致" in body["detail"]["id_number"][0]
    assert not Party.objects.exists() and not Application.objects.exists()


def test_a_name_other_than_the_verified_one_is_422(alice, licensing_item):
    body = assert_error(start(alice, licensing_item, name="王五"), 422)
    assert "姓名" in body["detail"]["name"][0]
    assert not Application.objects.exists()


def test_an_unverified_user_may_not_apply_online(citizen, licensing_item):
    assert_error(start(token_client(citizen), licensing_item), 403, "real_name_required")


def test_an_anonymous_caller_is_refused(api, licensing_item):
    # The bearer key comes first in the settings: DRF answers 401 with its challenge.
    assert_error(start(api, licensing_item), 401, "not_authenticated")
    assert_error(api.get(API), 401, "not_authenticated")


def test_an_unknown_or_malformed_item_is_404_or_400(alice):
    assert_error(
        alice.post(
            API, {"item": "NO-SUCH-ITEM", "acting_as": "self", "name": "张三", "id_number": ALICE_ID}, format="json"
        ),
        404,
    )
    assert_error(alice.post(API, {"item": "bad code", "acting_as": "self"}, format="json"), 400)


def test_a_proxy_needs_the_principals_letter_and_a_real_file(alice, citizen, licensing_item):
    body = {"item": licensing_item.code, "acting_as": "proxy", "name": "赵六", "id_number": PRINCIPAL_ID}
    assert "proxy_letter" in assert_error(alice.post(API, body, format="multipart"), 400)["detail"]
    fake = SimpleUploadedFile("委托书.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert_error(alice.post(API, body | {"proxy_letter": fake}, format="multipart"), 422)
    assert not Application.objects.exists() and not Party.objects.exists()

    draft = ok(alice.post(API, body | {"proxy_letter": pdf("委托书.pdf")}, format="multipart"), 201)
    assert draft["acting_as"] == "proxy" and draft["party"]["name"] == "赵六"
    assert draft["party"]["id_number"] == mask_id_number(PRINCIPAL_ID)


def test_an_agent_applies_for_the_organisation_and_no_other(alice, citizen, licensing_item):
    mine = Organization.objects.create(name="甲公司", uscc=next_uscc(), legal_representative="张三")
    other = Organization.objects.create(name="乙公司", uscc=next_uscc(), legal_representative="李四")
    OrganizationAgent.objects.create(organization=mine, user=citizen, verified_at=timezone.now())
    assert_error(start(alice, licensing_item, acting_as="agent", organization=other.pk), 403)
    draft = ok(start(alice, licensing_item, acting_as="agent", organization=mine.pk), 201)
    assert draft["party"]["kind"] == "organization" and draft["party"]["name"] == "甲公司"


# --- The draft -------------------------------------------------------------------------------------


def test_a_draft_is_saved_and_id_numbers_come_back_masked(alice, licensing_item):
    draft = ok(start(alice, licensing_item), 201)
    response = alice.patch(
        draft_url(draft["id"]),
        {
            "form_data": {"applicant_name": "张三", "id_number": ALICE_ID},
            "delivery_method": "post",
            "delivery_address": "南京市玄武区1号",
        },
        format="json",
    )
    saved = ok(response)
    assert saved["form_data"] == {"applicant_name": "张三", "id_number": mask_id_number(ALICE_ID)}
    assert saved["delivery_method"] == "post" and saved["delivery_address"] == "南京市玄武区1号"
    assert ALICE_ID not in response.content.decode()
    stored = Application.objects.filter(pk=draft["id"]).values_list("form_data", flat=True).get()
    assert ALICE_ID not in str(stored) and stored["id_number"]["masked"] == mask_id_number(ALICE_ID)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"form_data": {"no_such_field": "x"}}, "bad_input"),
        ({"form_data": {"applicant_name": {"nested": "object"}}}, "bad_input"),
        # Refused by the JSON parser (portal.parsers) before the serializer sees it.
        ({"form_data": {"applicant_name": "a\x00b"}}, "unsafe_characters"),
        ({"form_data": {"applicant_name": "长" * 2001}}, "bad_input"),
        ({"delivery_method": "teleport"}, "bad_input"),
        ({"situation_options": ["x"]}, "bad_input"),
    ],
)
def test_malformed_draft_input_is_400_and_changes_nothing(alice, licensing_item, body, code):
    draft = ok(start(alice, licensing_item), 201)
    prefilled = Application.objects.get(pk=draft["id"]).form_data
    assert_error(alice.patch(draft_url(draft["id"]), body, format="json"), 400, code)
    assert Application.objects.get(pk=draft["id"]).form_data == prefilled


def test_a_fake_file_is_422_and_nothing_is_stored(alice, licensing_item):
    draft = ok(start(alice, licensing_item), 201)
    requirement = licensing_item.materials.get()
    fake = SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00\x03 an executable", content_type="application/pdf")
    body = assert_error(upload(alice, draft["id"], requirement.id, fake), 422, "validation_error")
    assert "请上传真实的文件" in str(body["detail"])
    renamed = SimpleUploadedFile("申请书.png", PDF_BYTES, content_type="image/png")
    assert_error(upload(alice, draft["id"], requirement.id, renamed), 422)
    assert not SubmittedMaterial.objects.exists()


def test_an_oversized_file_is_422(alice, licensing_item, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    draft = ok(start(alice, licensing_item), 201)
    big = SimpleUploadedFile("申请书.pdf", PDF_BYTES + b"0" * 2048, content_type="application/pdf")
    body = assert_error(upload(alice, draft["id"], licensing_item.materials.get().id, big), 422)
    assert "文件过大" in str(body["detail"])
    assert not SubmittedMaterial.objects.exists()


def test_a_missing_file_or_a_material_not_on_the_list_is_refused(alice, licensing_item, item_y):
    draft = ok(start(alice, licensing_item), 201)
    assert_error(alice.post(draft_url(draft["id"], "materials"), {"requirement": 1}, format="multipart"), 400)
    foreign = item_y.materials.get()
    assert_error(upload(alice, draft["id"], foreign.id, pdf()), 422, "material_not_listed")
    assert not SubmittedMaterial.objects.exists()


def test_submitting_without_the_declaration_or_materials_is_422_and_keeps_the_draft(alice, licensing_item):
    draft = ok(start(alice, licensing_item), 201)
    body = assert_error(alice.post(draft_url(draft["id"], "submit"), {"declaration": False}, format="json"), 422)
    assert {"declaration", "materials", "id_number"} <= set(body["detail"])
    application = Application.objects.get(pk=draft["id"])
    assert application.status == S.DRAFT and application.number is None


def test_a_double_submit_makes_one_case(alice, citizen, licensing_item):
    draft_id = complete_draft(alice, licensing_item)
    first = ok(alice.post(draft_url(draft_id, "submit"), {"declaration": True}, format="json"))
    second = ok(alice.post(draft_url(draft_id, "submit"), {"declaration": True}, format="json"))
    assert first["number"] and first["number"] == second["number"]
    assert first["status"] == "submitted"
    assert Application.objects.filter(applicant_user=citizen).count() == 1
    assert TimelineEvent.objects.filter(action="submit").count() == 1


def test_a_draft_can_be_deleted(alice, licensing_item):
    draft = ok(start(alice, licensing_item), 201)
    assert alice.delete(draft_url(draft["id"])).status_code == 204
    assert not Application.objects.exists()
    assert_error(alice.get(draft_url(draft["id"])), 404)


# --- Citizen A vs citizen B ------------------------------------------------------------------------


def test_bob_sees_nothing_of_alices_drafts_and_cases(alice, bob, licensing_item, submitted):  # noqa: F811
    draft = ok(start(alice, licensing_item), 201)
    assert_error(bob.get(draft_url(draft["id"])), 404)
    assert_error(bob.patch(draft_url(draft["id"]), {"delivery_method": "post"}, format="json"), 404)
    assert_error(upload(bob, draft["id"], licensing_item.materials.get().id, pdf()), 404)
    assert_error(bob.post(draft_url(draft["id"], "submit"), {"declaration": True}, format="json"), 404)
    assert_error(bob.delete(draft_url(draft["id"])), 404)
    assert_error(bob.get(case_url(submitted)), 404)
    assert_error(bob.post(case_url(submitted, "withdraw"), {}, format="json"), 404)
    material = submitted.materials.get()
    assert_error(bob.get(f"{case_url(submitted)}materials/{material.pk}/"), 404)
    assert ok(bob.get(API))["count"] == 0
    assert Application.objects.get(pk=draft["id"]).delivery_method == "collect"


def test_my_applications_are_listed_with_what_is_asked(alice, licensing_item, submitted):  # noqa: F811
    ok(start(alice, licensing_item), 201)
    page = ok(alice.get(API))
    assert page["count"] == 2
    rows = {row["status"]: row for row in page["results"]}
    assert rows["draft"]["asks"][0]["kind"] == "complete_draft"
    assert rows["submitted"]["number"] == submitted.number
    assert rows["submitted"]["party"]["id_number"] == mask_id_number(ALICE_ID)


def test_a_number_with_odd_characters_is_404(alice):
    assert_error(alice.get(f"{API}%00abc/"), 404)
    assert_error(alice.get(f"{API}{'9' * 41}/"), 404)
    assert_error(alice.get(draft_url(10**30)), 404)
    assert_error(alice.post(f"/api/v1/extensions/{10**30}/decide/", {"approve": True}, format="json"), 404)


# --- The window: clerk of hall A vs hall B -----------------------------------------------------------


def test_the_prereview_queue_holds_hall_as_items_only(submitted, clerk_a, clerk_b):  # noqa: F811
    assert [row["number"] for row in ok(token_client(clerk_a).get("/api/v1/hall/prereview/"))["results"]] == [
        submitted.number
    ]
    assert ok(token_client(clerk_b).get("/api/v1/hall/prereview/"))["count"] == 0


def test_a_citizen_or_a_reviewer_gets_no_window_queue(alice, harry):
    assert_error(alice.get("/api/v1/hall/prereview/"), 403)
    assert_error(token_client(harry).get("/api/v1/hall/prereview/"), 403)


def test_a_clerk_of_hall_b_cannot_see_or_act_on_hall_as_case(submitted, clerk_b):  # noqa: F811
    clerk = token_client(clerk_b)
    assert_error(clerk.get(case_url(submitted)), 404)
    for action in ("accept", "receive"):
        assert_error(clerk.post(case_url(submitted, action)), 404)
    assert_error(clerk.post(case_url(submitted, "refuse"), {"reason": "r", "basis": "b"}, format="json"), 404)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_accepting_starts_the_clock_and_accepting_twice_is_409(submitted, clerk_a, alice):  # noqa: F811
    clerk = token_client(clerk_a)
    case = ok(clerk.post(case_url(submitted, "accept")))
    assert case["status"] == "in_review" and case["due_on"] and case["accepted_on"]
    assert [d["kind"] for d in case["documents"]] == ["acceptance_receipt"]
    body = assert_error(clerk.post(case_url(submitted, "accept")), 409, "invalid_transition")
    assert "不能受理" in body["message"]
    assert TimelineEvent.objects.filter(application=submitted, action="accept").count() == 1


def test_a_staff_session_without_the_second_factor_is_refused(client, submitted, clerk_a):  # noqa: F811
    client.force_login(clerk_a)
    assert client.post(case_url(submitted, "accept")).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    login_verified(client, clerk_a)
    assert client.post(case_url(submitted, "accept")).status_code == 200


def test_a_receipt_only_window_receives_and_the_department_accepts(submitted, clerk_a2, harry):  # noqa: F811
    clerk = token_client(clerk_a2)
    assert "仅获授权收件" in assert_error(clerk.post(case_url(submitted, "accept")), 403)["message"]
    assert ok(clerk.post(case_url(submitted, "receive")))["status"] == "received"
    case = ok(token_client(harry).post(case_url(submitted, "accept")))
    assert case["status"] == "in_review"


def test_a_window_authorised_to_accept_may_not_merely_receive(submitted, clerk_a):  # noqa: F811
    assert_error(token_client(clerk_a).post(case_url(submitted, "receive")), 403)


def test_the_department_does_not_act_before_a_window_received_the_case(submitted, harry):  # noqa: F811
    assert_error(token_client(harry).post(case_url(submitted, "accept")), 409)


def test_the_applicant_calling_accept_gets_403_and_another_citizen_404(alice, bob, submitted):  # noqa: F811
    # Alice sees her own case, so a forbidden action on it is 403 (STYLE.md rule 4); Bob may not see
    # it at all, and to him it does not exist: 404, the same as a number nobody ever had.
    assert_error(alice.post(case_url(submitted, "accept")), 403, "permission_denied")
    assert_error(bob.post(case_url(submitted, "accept")), 404, "not_found")
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_correction_notice_and_the_applicants_resubmission(alice, submitted, clerk_a):  # noqa: F811
    clerk = token_client(clerk_a)
    requirement = submitted.item.materials.get()
    entries = [{"requirement_id": requirement.id, "reason": "签名不清晰"}, {"name": "户口簿", "reason": "请补充首页"}]
    case = ok(clerk.post(case_url(submitted, "request-correction"), {"entries": entries}, format="json"))
    assert case["status"] == "correction_requested"
    assert [e["name"] for e in case["correction"]["entries"]] == ["申请书", "户口簿"]
    assert ok(alice.get(case_url(submitted)))["asks"][0]["kind"] == "correct_materials"

    url = case_url(submitted, "correction")
    assert_error(alice.post(url, {"requirements": [requirement.id], "files": []}, format="multipart"), 400)
    fake = SimpleUploadedFile("申请书.pdf", b"not a pdf at all", content_type="application/pdf")
    assert_error(alice.post(url, {"requirements": [requirement.id], "files": [fake]}, format="multipart"), 422)
    assert_error(alice.post(url, {"requirements": [requirement.id + 999], "files": [pdf()]}, format="multipart"), 422)
    case = ok(alice.post(url, {"requirements": [requirement.id], "files": [pdf()]}, format="multipart"))
    assert case["status"] == "submitted" and case["correction"] is None


def test_a_correction_needs_a_reason_for_every_entry(submitted, clerk_a):  # noqa: F811
    clerk = token_client(clerk_a)
    assert_error(clerk.post(case_url(submitted, "request-correction"), {"entries": []}, format="json"), 400)
    assert_error(
        clerk.post(
            case_url(submitted, "request-correction"), {"entries": [{"name": "x", "reason": ""}]}, format="json"
        ),
        400,
    )
    assert_error(
        clerk.post(case_url(submitted, "request-correction"), {"entries": [{"reason": "缺少名称"}]}, format="json"), 422
    )
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_refusal_states_reason_and_basis(submitted, clerk_a, alice):  # noqa: F811
    clerk = token_client(clerk_a)
    assert_error(clerk.post(case_url(submitted, "refuse"), {"reason": "不属于本机关职权"}, format="json"), 400)
    body = {"reason": "不属于本机关职权", "basis": "行政许可法第三十二条", "competent_agency": "市场监督管理局"}
    case = ok(clerk.post(case_url(submitted, "refuse"), body, format="json"))
    assert case["status"] == "refused" and [d["kind"] for d in case["documents"]] == ["refusal_notice"]
    assert_error(alice.post(case_url(submitted, "withdraw"), {}, format="json"), 409)


def test_a_refusal_may_pick_a_common_reason(submitted, clerk_a):  # noqa: F811
    clerk = token_client(clerk_a)
    assert_error(clerk.post(case_url(submitted, "refuse"), {"reason_code": "not_competent"}, format="json"), 400)
    body = {"reason_code": "not_competent", "competent_agency": "南京市市场监督管理局"}
    case = ok(clerk.post(case_url(submitted, "refuse"), body, format="json"))
    assert case["status"] == "refused"
    context = submitted.documents.get(kind="refusal_notice").context
    assert context["reason_code"] == "not_competent" and "第（二）项" in context["basis"]


def test_the_applicant_withdraws_once(alice, submitted):  # noqa: F811
    case = ok(alice.post(case_url(submitted, "withdraw"), {"reason": "不再需要"}, format="json"))
    assert case["status"] == "withdrawn"
    assert_error(alice.post(case_url(submitted, "withdraw"), {}, format="json"), 409)


# --- The back office: reviewer of department X vs Y --------------------------------------------------


def test_a_reviewer_of_department_y_sees_nothing_of_department_xs_case(accepted, yves, harry):
    other = token_client(yves)
    assert_error(other.get(case_url(accepted)), 404)
    assert_error(other.post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"), 404)
    assert ok(other.get("/api/v1/review/tasks/"))["count"] == 0
    task = accepted.tasks.get(status="open")
    assert_error(other.post(f"/api/v1/review/tasks/{task.pk}/claim/"), 404)
    assert [row["id"] for row in ok(token_client(harry).get("/api/v1/review/tasks/"))["results"]] == [task.pk]


def test_a_claimed_task_is_closed_to_the_rest_of_the_department(accepted, harry, chris):
    task = accepted.tasks.get(status="open")
    claimed = ok(token_client(harry).post(f"/api/v1/review/tasks/{task.pk}/claim/"))
    assert claimed["assignee"] == "harry"
    assert_error(token_client(chris).post(f"/api/v1/review/tasks/{task.pk}/claim/"), 409)
    assert_error(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"), 403)


def test_the_handler_may_not_claim_the_approval_step_of_the_case_he_handled(accepted, harry, chris):
    """审批分离 is told at the claim, before any decision form is filled in."""
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    task = accepted.tasks.get(status="open")
    assert task.step.kind == "approve"
    body = assert_error(token_client(harry).post(f"/api/v1/review/tasks/{task.pk}/claim/"), 403)
    assert body["message"] == "您已承办本件，按审批分离不能再审批。"
    task.refresh_from_db()
    assert task.assignee is None


def test_the_handler_may_not_decide_the_case_he_handled(accepted, harry, chris):
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    body = assert_error(
        token_client(harry).post(case_url(accepted, "decide"), {"outcome": "granted"}, format="json"), 403
    )
    assert "承办人不能批准" in body["message"]
    accepted.refresh_from_db()
    assert accepted.status == S.IN_REVIEW and not accepted.outcome


def test_a_decision_before_the_last_step_is_403_and_a_denial_needs_reasons(accepted, harry, chris, abby):
    # At the handling step Abby is a reviewer, not the approver: deciding is not her action yet.
    assert_error(token_client(abby).post(case_url(accepted, "decide"), {"outcome": "granted"}, format="json"), 403)
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    assert_error(token_client(abby).post(case_url(accepted, "decide"), {"outcome": "denied"}, format="json"), 422)
    assert_error(token_client(abby).post(case_url(accepted, "decide"), {"outcome": "maybe"}, format="json"), 400)


def test_a_step_sent_back_and_internal_opinions_stay_internal(accepted, harry, chris, alice):
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "内部意见：材料齐全"}, format="json"))
    assert_error(token_client(chris).post(case_url(accepted, "return"), {"opinion": ""}, format="json"), 400)
    ok(token_client(chris).post(case_url(accepted, "return"), {"opinion": "内部意见：请复核"}, format="json"))
    response = alice.get(case_url(accepted))
    labels = [entry["label"] for entry in ok(response)["timeline"]]
    assert "受理" in labels and "审查通过，转下一环节" not in labels and "退回上一环节" not in labels
    assert "内部意见" not in response.content.decode()


def test_a_special_procedure_stops_the_clock_and_an_extension_needs_the_head(accepted, harry, hannah, alice):
    reviewer = token_client(harry)
    body = {"kind": "site_inspection", "reason": "现场核查经营场所", "expected_days": 5}
    assert_error(reviewer.post(case_url(accepted, "suspend"), body | {"kind": "hearing"}, format="json"), 422)
    assert_error(alice.post(case_url(accepted, "suspend"), body, format="json"), 403)
    suspension = ok(reviewer.post(case_url(accepted, "suspend"), body, format="json"))
    assert suspension["kind"] == "site_inspection"
    assert ok(alice.get(case_url(accepted)))["asks"][0]["kind"] == "attend_procedure"
    assert_error(reviewer.post(case_url(accepted, "resume"), {"result": ""}, format="json"), 400)
    assert (
        ok(reviewer.post(case_url(accepted, "resume"), {"result": "场所符合要求"}, format="json"))["status"]
        == "in_review"
    )

    assert_error(reviewer.post(case_url(accepted, "extension"), {"days": 99, "reason": "复杂"}, format="json"), 422)
    extension = ok(
        reviewer.post(case_url(accepted, "extension"), {"days": 5, "reason": "需要专家论证"}, format="json"), 201
    )
    assert_error(reviewer.post(case_url(accepted, "extension"), {"days": 5, "reason": "再次"}, format="json"), 409)
    url = f"/api/v1/extensions/{extension['id']}/decide/"
    assert_error(reviewer.post(url, {"approve": True}, format="json"), 403)
    assert_error(alice.post(url, {"approve": True}, format="json"), 403)
    due_before = Application.objects.get(pk=accepted.pk).due_on
    assert ok(token_client(hannah).post(url, {"approve": True}, format="json"))["status"] == "approved"
    assert Application.objects.get(pk=accepted.pk).due_on > due_before
    assert_error(token_client(hannah).post(url, {"approve": False}, format="json"), 409)
    assert Extension.objects.get().status == Extension.Status.APPROVED


def test_an_extension_of_another_department_is_404(accepted, harry, yves):
    extension = services.request_extension(application=accepted, actor=harry, days=3, reason="复杂")
    head_y = UserFactory(department=yves.department, roles=[Role.DEPT_HEAD])
    assert_error(
        token_client(head_y).post(f"/api/v1/extensions/{extension.pk}/decide/", {"approve": True}, format="json"), 404
    )


# --- Fees and delivery ---------------------------------------------------------------------------------


def test_nothing_is_delivered_before_the_fee_is_settled(accepted, clerk_a, clerk_b, harry, chris, abby, alice):
    Fee.objects.create(item=accepted.item, name="工本费", standard="每证10元", amount_yuan=10)
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    granted = {"outcome": "granted", "reasons": "符合。"}
    ok(token_client(abby).post(case_url(accepted, "decide"), granted, format="json"))
    clerk = token_client(clerk_a)
    delivery = {"method": "collect", "recipient_name": "张三", "recipient_id_number": ALICE_ID}
    assert_error(clerk.post(case_url(accepted, "deliver"), delivery, format="json"), 422, "fee_due")

    fee = FeeAssessment.objects.get(application=accepted)
    url = f"{case_url(accepted)}fees/{fee.pk}/settle/"
    assert_error(alice.post(url, {"paid_reference": "X1"}, format="json"), 403)
    assert_error(token_client(clerk_b).post(url, {"paid_reference": "X1"}, format="json"), 404)
    assert_error(clerk.post(url, {}, format="json"), 400)
    assert_error(
        clerk.post(f"{case_url(accepted)}fees/{fee.pk + 999}/settle/", {"paid_reference": "X1"}, format="json"), 404
    )
    assert ok(clerk.post(url, {"paid_reference": "WX20260301"}, format="json"))["fees"][0]["status"] == "paid"
    assert_error(clerk.post(url, {"paid_reference": "WX20260302"}, format="json"), 409)

    wrong = delivery | {"recipient_id_number": BOB_ID}
    assert_error(clerk.post(case_url(accepted, "deliver"), wrong, format="json"), 422, "recipient_mismatch")
    response = clerk.post(case_url(accepted, "deliver"), delivery, format="json")
    assert ok(response)["status"] == "concluded"
    assert ALICE_ID not in response.content.decode()


def test_the_window_hands_over_an_online_case_once_each_paper_original_is_seen(accepted, clerk_a, harry, chris, abby):
    MaterialRequirement.objects.filter(item=accepted.item).update(form=MaterialRequirement.Form.PAPER)
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    ok(
        token_client(abby).post(
            case_url(accepted, "decide"), {"outcome": "granted", "reasons": "符合。"}, format="json"
        )
    )
    clerk = token_client(clerk_a)
    delivery = {"method": "collect", "recipient_name": "张三", "recipient_id_number": ALICE_ID}
    body = assert_error(clerk.post(case_url(accepted, "deliver"), delivery, format="json"), 422)
    assert "“申请书”的原件 1 份未核验" in body["detail"]["originals"][0]
    assert_error(clerk.post(case_url(accepted, "deliver"), delivery | {"originals_checked": ["x"]}, format="json"), 400)

    requirement = accepted.item.materials.get()
    case = ok(
        clerk.post(case_url(accepted, "deliver"), delivery | {"originals_checked": [requirement.pk]}, format="json")
    )
    assert case["status"] == "concluded"
    assert Delivery.objects.get(application=accepted).identity_check.originals_checked == [
        {"requirement_id": requirement.pk, "name": "申请书", "originals": 1}
    ]


# --- The whole way over the API ----------------------------------------------------------------------------


def test_the_happy_path_from_start_to_delivery(alice, citizen, licensing_item, clerk_a, harry, chris, abby):
    seen: list[str] = []

    def call(response, status: int = 200) -> dict:
        seen.append(response.content.decode())
        return ok(response, status)

    draft = call(start(alice, licensing_item, key=str(uuid.uuid4())), 201)
    call(
        alice.patch(
            draft_url(draft["id"]), {"form_data": {"applicant_name": "张三", "id_number": ALICE_ID}}, format="json"
        )
    )
    call(upload(alice, draft["id"], licensing_item.materials.get().id, pdf()), 201)
    case = call(alice.post(draft_url(draft["id"], "submit"), {"declaration": True}, format="json"))
    number = case["number"]
    assert case["status"] == "submitted" and number

    clerk = token_client(clerk_a)
    assert number in [row["number"] for row in call(clerk.get("/api/v1/hall/prereview/"))["results"]]
    case = call(clerk.post(case_url(number, "accept")))
    assert case["status"] == "in_review" and case["current_step"] == "承办"

    handler = token_client(harry)
    task = call(handler.get("/api/v1/review/tasks/"))["results"][0]
    assert task["application"]["number"] == number and task["step"] == "handle"
    call(handler.post(f"/api/v1/review/tasks/{task['id']}/claim/"))
    call(handler.post(case_url(number, "pass"), {"opinion": "材料齐全，符合条件"}, format="json"))
    case = call(token_client(chris).post(case_url(number, "pass"), {"opinion": "同意"}, format="json"))
    assert case["current_step"] == "批准"
    decision = {
        "outcome": "granted",
        "reasons": "符合。",
        "certificate_number": "XK-2026-0001",
        "valid_until": "2031-12-31",
    }
    case = call(token_client(abby).post(case_url(number, "decide"), decision, format="json"))
    assert case["status"] == "decided" and case["result"]["certificate_number"] == "XK-2026-0001"
    assert number in [row["number"] for row in call(clerk.get("/api/v1/hall/delivery/"))["results"]]
    delivery = {"method": "collect", "recipient_name": "张三", "recipient_id_number": ALICE_ID}
    case = call(clerk.post(case_url(number, "deliver"), delivery, format="json"))
    assert case["status"] == "concluded" and case["delivery"]["method"] == "collect"

    mine = call(alice.get(case_url(number)))
    assert mine["status"] == "concluded" and mine["result"]["valid_until"] == "2031-12-31"
    assert {"受理", "准予", "送达办结"} <= {entry["label"] for entry in mine["timeline"]}
    assert "材料齐全，符合条件" not in seen[-1]
    kinds = [d["kind"] for d in mine["documents"]]
    assert kinds == ["acceptance_receipt", "grant_decision", "service_receipt"]
    material = mine["materials"][0]
    file = alice.get(material["download_url"])
    assert file.status_code == 200 and b"".join(file.streaming_content).startswith(b"%PDF")
    assert not any(ALICE_ID in body for body in seen)
    application = Application.objects.get(number=number)
    assert application.applicant_user == citizen and application.concluded_at is not None


def test_a_document_downloads_as_pdf_for_the_applicant_and_no_one_else(accepted, alice, bob):
    document = ok(alice.get(case_url(accepted)))["documents"][0]
    response = alice.get(document["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert_error(bob.get(document["download_url"]), 404)
    assert_error(alice.get(f"{case_url(accepted)}documents/not-a-token/"), 404)
    assert_error(alice.get(f"{case_url(accepted)}documents/%00/"), 404)


def test_a_due_date_comes_from_the_working_day_clock(accepted):
    assert accepted.due_on > accepted.accepted_on
    assert accepted.due_on - accepted.accepted_on >= dt.timedelta(days=10)
