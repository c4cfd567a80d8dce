"""ID numbers typed into an item's form: encrypted at rest, shown back in full only to the draft's own
applicant, masked everywhere else, and a clerk's or reviewer's full view audited.

Alice (citizen) applies; clerk A works at window A1 of hall A; Rita reviews for department X and
Yves for department Y. "The raw row" is what PostgreSQL holds, read with SQL, past the model.
"""

import datetime as dt
import importlib
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.forms_runtime import decrypt_id_numbers
from applications.models import Application
from applications.transitions import Actor
from catalog.models import ServiceItem
from portal import crypto
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import AuditEvent, Role
from tests.api.conftest import token_client
from tests.applications.conftest import clock_at, pdf
from tests.conftest import login_verified
from tests.factories import ServiceItemFactory, UserFactory, make_resident_id
from tests.windows.conftest import clerk_a, hall_a, sysadmin, window_a  # noqa: F401
from windows import services as window_services

pytestmark = pytest.mark.django_db

S = Application.Status
ALICE_ID = make_resident_id(area="320102", birth="19850615", seq="201")
# Typed into the form for someone else (a family member), so it is not the party's own number.
FORM_ID = make_resident_id(area="320104", birth="20100101", seq="118")
WRONG_ID = FORM_ID[:-1] + ("0" if FORM_ID[-1] != "0" else "1")
MIGRATION = importlib.import_module("applications.migrations.0004_encrypt_form_id_numbers")


def raw_form_data(application_or_pk) -> str:
    """The form_data column as PostgreSQL stores it."""
    pk = getattr(application_or_pk, "pk", application_or_pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT form_data::text FROM applications_application WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def assert_stored_encrypted(pk, number: str = FORM_ID) -> None:
    raw = raw_form_data(pk)
    values = Application.objects.filter(pk=pk).values_list("form_data", flat=True).get()
    assert number not in raw and number not in str(values)
    assert values["id_number"]["masked"] == mask_id_number(number) and values["id_number"]["enc"]
    assert decrypt_id_numbers(values)["id_number"] == number


@pytest.fixture
def alice(client, citizen):
    citizen.id_number_digest = id_number_digest(ALICE_ID)
    citizen.id_number_masked = mask_id_number(ALICE_ID)
    citizen.real_name_verified_at = timezone.now()
    citizen.save()
    client.force_login(citizen)
    return citizen


@pytest.fixture
def draft(client, alice, licensing_item):
    client.post(
        f"/applications/new/{licensing_item.code}/",
        {"applying_as": "self", "id_number": ALICE_ID, "idempotency_key": uuid.uuid4().hex},
    )
    return Application.objects.get(applicant_user=alice, status=S.DRAFT)


def page_form(item, action: str = "submit", **extra) -> dict:
    data = {
        "f_applicant_name": "张三",
        "f_id_number": FORM_ID,
        "delivery_method": "collect",
        "declaration": "on",
        "action": action,
        f"m{item.materials.get().id}": pdf(),
    }
    data.update(extra)
    return data


@pytest.fixture
def rita(department_x):
    return UserFactory(username="rita", real_name="审查员", department=department_x, roles=[Role.REVIEWER])


@pytest.fixture
def yves(department_y):
    return UserFactory(username="yves", real_name="秦淮审查员", department=department_y, roles=[Role.REVIEWER])


@pytest.fixture
def case(licensing_item, party, citizen):
    """Submitted online with FORM_ID typed into the form."""
    clock = clock_at(dt.date(2026, 3, 2), 9)
    application = services.start_application(user=citizen, item=licensing_item, party=party, clock=clock)
    services.save_draft(application=application, form_data={"applicant_name": "张三", "id_number": FORM_ID})
    services.attach_material(
        application=application, requirement=licensing_item.materials.get(), file=pdf(), actor=citizen, clock=clock
    )
    return services.submit_application(application=application, actor=citizen, declaration=True, clock=clock)


# --- At rest ------------------------------------------------------------------------------------------


def test_saving_a_draft_on_the_page_stores_the_number_encrypted(client, draft, licensing_item):
    response = client.post(f"/applications/draft/{draft.pk}/", page_form(licensing_item, action="save"))
    assert response.status_code == 302
    assert_stored_encrypted(draft.pk)


def test_the_draft_page_shows_its_applicant_the_number_typed(client, draft, licensing_item):
    client.post(f"/applications/draft/{draft.pk}/", page_form(licensing_item, action="save"))
    page = client.get(f"/applications/draft/{draft.pk}/")
    assert page.status_code == 200 and f'value="{FORM_ID}"' in page.content.decode()


def test_submitting_on_the_page_keeps_the_number_encrypted(client, draft, licensing_item):
    response = client.post(f"/applications/draft/{draft.pk}/", page_form(licensing_item))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.number
    assert_stored_encrypted(draft.pk)
    page = client.get(f"/applications/{draft.number}/").content.decode()
    assert FORM_ID not in page


def test_a_wrong_number_is_refused_with_the_checksum_message_and_shown_back(client, draft, licensing_item):
    response = client.post(f"/applications/draft/{draft.pk}/", page_form(licensing_item, f_id_number=WRONG_ID))
    assert response.status_code == 422
    html = response.content.decode()
    assert "校验码（第18位）不正确" in html and f'value="{WRONG_ID}"' in html
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and WRONG_ID not in raw_form_data(draft)


def test_over_the_api_a_draft_and_its_submission_keep_the_number_encrypted(citizen, licensing_item):
    citizen.id_number_digest = id_number_digest(ALICE_ID)
    citizen.real_name_verified_at = timezone.now()
    citizen.save()
    api = token_client(citizen)
    start = api.post(
        "/api/v1/applications/",
        {"item": licensing_item.code, "acting_as": "self", "name": "张三", "id_number": ALICE_ID},
        format="json",
    )
    draft_url = f"/api/v1/applications/drafts/{start.json()['id']}/"
    saved = api.patch(draft_url, {"form_data": {"applicant_name": "张三", "id_number": FORM_ID}}, format="json")
    assert saved.status_code == 200 and saved.json()["form_data"]["id_number"] == mask_id_number(FORM_ID)
    assert FORM_ID not in saved.content.decode()
    assert_stored_encrypted(start.json()["id"])

    # The API shows the draft masked: sending the masked value back keeps the number typed before.
    masked = {"applicant_name": "张三丰", "id_number": mask_id_number(FORM_ID)}
    assert api.patch(draft_url, {"form_data": masked}, format="json").status_code == 200
    assert_stored_encrypted(start.json()["id"])

    upload = {"requirement": licensing_item.materials.get().id, "file": pdf()}
    assert api.post(f"{draft_url}materials/", upload, format="multipart").status_code == 201
    submitted = api.post(f"{draft_url}submit/", {"declaration": True}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert FORM_ID not in submitted.content.decode()
    assert_stored_encrypted(start.json()["id"])


def test_over_the_api_a_wrong_number_is_refused_with_the_checksum_message(citizen, licensing_item):
    citizen.id_number_digest = id_number_digest(ALICE_ID)
    citizen.real_name_verified_at = timezone.now()
    citizen.save()
    api = token_client(citizen)
    start = api.post(
        "/api/v1/applications/",
        {"item": licensing_item.code, "acting_as": "self", "name": "张三", "id_number": ALICE_ID},
        format="json",
    )
    draft_url = f"/api/v1/applications/drafts/{start.json()['id']}/"
    api.patch(draft_url, {"form_data": {"applicant_name": "张三", "id_number": WRONG_ID}}, format="json")
    upload = {"requirement": licensing_item.materials.get().id, "file": pdf()}
    api.post(f"{draft_url}materials/", upload, format="multipart")
    refused = api.post(f"{draft_url}submit/", {"declaration": True}, format="json")
    assert refused.status_code == 422
    assert "校验码（第18位）不正确" in str(refused.json()["detail"]["id_number"])
    assert WRONG_ID not in raw_form_data(start.json()["id"])


def test_a_walk_in_stores_the_number_encrypted(clerk_a, window_a, licensing_item):  # noqa: F811
    party = services.register_party(kind="person", name="王五", id_type="resident_id", id_number=ALICE_ID)
    requirement = licensing_item.materials.get()
    application = window_services.file_walk_in(
        clerk=clerk_a,
        window=window_a,
        item=licensing_item,
        party=party,
        form_data={"applicant_name": "王五", "id_number": FORM_ID},
        situation_options=[],
        received={requirement.pk: (1, 0, None)},
        declaration_signed=True,
        clock=clock_at(dt.date(2026, 3, 2)),
    )
    assert application.status == S.SUBMITTED
    assert_stored_encrypted(application.pk)


def test_a_restarted_draft_carries_the_number_over_encrypted(draft, licensing_item, alice):
    services.save_draft(application=draft, form_data={"applicant_name": "张三", "id_number": FORM_ID})
    ServiceItem.objects.filter(pk=licensing_item.pk).update(status=ServiceItem.Status.RETIRED)
    ServiceItemFactory(
        code=licensing_item.code,
        version=2,
        department=licensing_item.department,
        form_definition=[{"name": "id_number", "label": "身份证号码", "type": "id_number", "required": True}],
    )
    fresh = services.restart_draft(application=draft, user=alice)
    assert fresh.pk != draft.pk
    assert_stored_encrypted(fresh.pk)


# --- Shown to others ---------------------------------------------------------------------------------


def test_the_api_shows_the_clerk_the_number_masked(case, clerk_a):  # noqa: F811
    response = token_client(clerk_a).get(f"/api/v1/applications/{case.number}/")
    assert response.status_code == 200
    assert response.json()["form_data"]["id_number"] == mask_id_number(FORM_ID)
    assert FORM_ID not in response.content.decode()


def test_the_window_shows_it_masked_and_a_reveal_is_audited(client, case, clerk_a):  # noqa: F811
    login_verified(client, clerk_a)
    url = reverse("windows:case", args=[case.number])
    page = client.get(url).content.decode()
    assert FORM_ID not in page and mask_id_number(FORM_ID) in page
    assert not AuditEvent.objects.filter(action="reveal_form_id_number").exists()

    response = client.post(reverse("windows:reveal", args=[case.number]))
    assert response.status_code == 200 and FORM_ID in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal_form_id_number", actor=clerk_a)
    assert (event.object_type, event.object_id) == ("applications.application", str(case.pk))
    assert event.detail["fields"] == ["id_number"] and event.detail["masked"] == [mask_id_number(FORM_ID)]
    assert FORM_ID not in str(event.detail)


def test_the_review_page_shows_it_masked_and_a_reveal_is_audited(client, case, rita):
    services.accept_application(
        application=case, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(dt.date(2026, 3, 2), 11)
    )
    login_verified(client, rita)
    page = client.get(reverse("reviews:case", args=[case.number])).content.decode()
    assert FORM_ID not in page and mask_id_number(FORM_ID) in page

    response = client.post(reverse("reviews:reveal", args=[case.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert FORM_ID in html and crypto.decrypt(case.party.id_number_encrypted) in html
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reveal_form_id_number", actor=rita)
    assert event.object_id == str(case.pk) and FORM_ID not in str(event.detail)
    assert AuditEvent.objects.filter(action="reveal_id_number", actor=rita, object_id=str(case.party.pk)).exists()


def test_another_departments_reviewer_and_the_applicant_cannot_reveal(client, case, yves, citizen):
    services.accept_application(
        application=case, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(dt.date(2026, 3, 2), 11)
    )
    login_verified(client, yves)
    assert client.post(reverse("reviews:reveal", args=[case.number])).status_code == 404
    client.logout()
    client.force_login(citizen)
    assert client.post(reverse("reviews:reveal", args=[case.number])).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal_form_id_number").exists()


# --- Rows written before encryption ------------------------------------------------------------------


def test_the_data_migration_encrypts_clear_numbers_and_reverses(case):
    Application.objects.filter(pk=case.pk).update(form_data={"applicant_name": "张三", "id_number": FORM_ID})
    assert FORM_ID in raw_form_data(case)

    MIGRATION.encrypt_clear_numbers(apps, None)
    assert_stored_encrypted(case.pk)
    before = raw_form_data(case)
    MIGRATION.encrypt_clear_numbers(apps, None)  # a second run leaves encrypted values alone
    assert raw_form_data(case) == before

    MIGRATION.decrypt_numbers(apps, None)
    assert Application.objects.get(pk=case.pk).form_data == {"applicant_name": "张三", "id_number": FORM_ID}
