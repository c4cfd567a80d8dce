"""The evidence a department head attaches to an appeal (申诉) is read by the appealing department and
by the supervisors and auditors who decide and check it, on the page and in the API, always as an
attachment that no cache keeps, with an audit row per download. Citizens, another department and other
staff get 404 (the rectification is not theirs to see), as does a rectification without evidence.

Personas: head X (appealed) and reviewer Alice of department X, the supervisor, an auditor; the
applicant, another citizen, Yves and head Yolanda of department Y, a clerk; anonymous.
"""

import pytest
from rest_framework.test import APIClient

from portal.models import AuditEvent, Role
from reviews import evaluations, rectifications
from reviews.evaluations import Rating
from reviews.models import Level
from tests.api.conftest import token_client
from tests.applications.conftest import PDF_BYTES, pdf
from tests.conftest import login_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DOWNLOADED = "rectification.evidence_downloaded"


@pytest.fixture
def negative(concluded, citizen):
    rating = Rating(level=Level.VERY_DISSATISFIED, comment="窗口人员态度差")
    return evaluations.rate_application(application=concluded, user=citizen, rating=rating).rectification


@pytest.fixture
def appealed(negative, head_x):
    rectifications.verify(
        rectification=negative, actor=head_x, is_true=False, classification="malicious", note="录像显示不实"
    )
    return rectifications.appeal(rectification=negative, actor=head_x, reason="有录像", evidence=pdf("录像截图.pdf"))


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor_an", roles=[Role.AUDITOR])


@pytest.fixture
def yolanda(department_y):
    return UserFactory(username="head_yolanda", department=department_y, roles=[Role.DEPT_HEAD])


def page_url(rectification) -> str:
    return f"/review/rectifications/{rectification.pk}/evidence/"


def api_url(rectification) -> str:
    return f"/api/v1/rectifications/{rectification.pk}/appeal/evidence/"


def assert_attachment(response) -> None:
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment;")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("who", ["head_x", "alice", "supervisor", "auditor"])
def test_the_department_and_its_supervisors_download_the_evidence(
    client, appealed, who, request, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    login_verified(client, user)
    with django_assert_max_num_queries(12):
        response = client.get(page_url(appealed))
    assert_attachment(response)
    assert ".pdf" in response["Content-Disposition"]
    audit = AuditEvent.objects.get(action=DOWNLOADED)
    assert audit.actor == user and audit.detail["application"] == appealed.evaluation.application.number
    assert_attachment(token_client(user).get(api_url(appealed)))
    assert AuditEvent.objects.filter(action=DOWNLOADED, actor=user).count() == 2


@pytest.mark.parametrize("who", ["citizen", "other_citizen", "yves", "yolanda", "clerk"])
def test_nobody_else_learns_that_the_evidence_exists(client, appealed, who, request):
    user = request.getfixturevalue(who)
    login_verified(client, user)
    assert client.get(page_url(appealed)).status_code == 404
    response = token_client(user).get(api_url(appealed))
    assert response.status_code in (403, 404)  # the API refuses a citizen's key before looking (403)
    if user.is_portal_staff:
        assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=DOWNLOADED).exists()


def test_anonymous_is_sent_to_sign_in(client, appealed):
    response = client.get(page_url(appealed))
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert APIClient().get(api_url(appealed)).status_code == 401
    assert not AuditEvent.objects.filter(action=DOWNLOADED).exists()


def test_no_evidence_or_a_file_gone_from_storage_is_404(client, negative, appealed, head_x, supervisor):
    login_verified(client, supervisor)
    appealed.appeal_evidence.storage.delete(appealed.appeal_evidence.name)
    assert client.get(page_url(appealed)).status_code == 404
    assert token_client(head_x).get(api_url(appealed)).status_code == 404
    for pk in (0, 999999):
        assert client.get(f"/review/rectifications/{pk}/evidence/").status_code == 404
    assert not AuditEvent.objects.filter(action=DOWNLOADED).exists()


def test_an_appeal_without_evidence_has_nothing_to_download(client, negative, head_x, supervisor):
    rectifications.verify(rectification=negative, actor=head_x, is_true=False, classification="malicious", note="不实")
    rectifications.appeal(rectification=negative, actor=head_x, reason="有录像", evidence=None)
    login_verified(client, supervisor)
    assert "下载申诉证据" not in client.get(f"/review/rectifications/{negative.pk}/").content.decode()
    assert client.get(page_url(negative)).status_code == 404
    assert not AuditEvent.objects.filter(action=DOWNLOADED).exists()


def test_the_appeal_and_decision_page_links_the_evidence(client, appealed, supervisor, head_x):
    for user in (supervisor, head_x):
        login_verified(client, user)
        page = client.get(f"/review/rectifications/{appealed.pk}/").content.decode()
        assert page_url(appealed) in page and "下载申诉证据" in page


def test_the_download_is_get_only(client, appealed, supervisor):
    login_verified(client, supervisor)
    assert client.post(page_url(appealed)).status_code == 405
