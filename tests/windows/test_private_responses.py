"""Pages and files with a case's personal data are never kept by a cache (Cache-Control: private, no-store).

The citizen (applicant), the clerk of hall A and a reviewer of department X each walk the routes
they may see; every response carries the header, whatever view or download produced it.
"""

import pytest
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.urls import reverse

from applications import services as cases
from portal.middleware import PrivateResponseMiddleware
from tests.applications.conftest import PDF_BYTES, pdf
from tests.conftest import login_verified
from windows import services as windows_services

pytestmark = pytest.mark.django_db


def assert_private(response, url):
    assert response.status_code == 200, (url, response.status_code)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, (url, response["Cache-Control"])


def test_the_applicants_case_pages_materials_letters_and_documents_are_private(client, decided, citizen):
    decided.proxy_letter.save("letter.pdf", ContentFile(PDF_BYTES))
    draft = cases.start_application(user=citizen, item=decided.item, party=decided.party)
    draft_material = cases.attach_material(
        application=draft, requirement=draft.item.materials.get(), file=pdf(), actor=citizen
    )
    document = decided.documents.first()
    login_verified(client, citizen)
    urls = [
        reverse("applications:list"),
        reverse("applications:draft", args=[draft.pk]),
        reverse("applications:draft_material", args=[draft.pk, draft_material.pk]),
        reverse("applications:detail", args=[decided.number]),
        reverse("applications:material_file", args=[decided.number, decided.materials.first().pk]),
        reverse("applications:proxy_letter", args=[decided.number]),
        reverse("applications:document", args=[decided.number, document.token]),
        f"/api/v1/applications/{decided.number}/",
        reverse("portal:notifications"),
    ]
    for url in urls:
        assert_private(client.get(url), url)


def test_the_clerks_workbench_and_case_page_are_private(client_a, decided):
    for url in [
        reverse("windows:workbench"),
        reverse("windows:delivery_queue"),
        reverse("windows:case", args=[decided.number]),
        reverse("applications:material_file", args=[decided.number, decided.materials.first().pk]),
    ]:
        assert_private(client_a.get(url), url)


def test_the_reviewers_queue_and_case_page_are_private(client, submitted, clerk_a, reviewer_x):
    windows_services.take_in_application(clerk=clerk_a, application=submitted)
    login_verified(client, reviewer_x)
    for url in [reverse("reviews:queue"), reverse("reviews:case", args=[submitted.number])]:
        assert_private(client.get(url), url)


def test_a_refused_request_for_a_case_is_private_too(client, submitted, other_citizen):
    client.force_login(other_citizen)

    response = client.get(reverse("applications:detail", args=[submitted.number]))

    assert "no-store" in response["Cache-Control"]


def test_the_public_catalog_is_not_marked_private(client, licensing_item):
    response = client.get("/items/")

    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path", ["/accounts/agents/7/letter/", "/accounts/profile/", "/api/v1/hall/prereview/", "/api/v1/review/tasks/"]
)
def test_the_agents_letters_profile_and_staff_apis_are_under_the_private_rule(rf, path):
    middleware = PrivateResponseMiddleware(lambda request: HttpResponse("个人信息"))

    response = middleware(rf.get(path))

    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
