"""告知承诺核查 over the API (issue 11): the deciding department records the check; a failed one revokes
the grant and writes the credit record; another department, the applicant and a clerk cannot; bad
input changes nothing; a second check is 409."""

import pytest
from django.urls import reverse

from applications.models import Commitment, CreditRecord
from portal.models import Role
from tests.api.conftest import token_client
from tests.applications.test_commitments import accepted, certificate, clerk, committed, grant, reviewer  # noqa: F401
from tests.factories import UserFactory

O = Commitment.Outcome  # noqa: E741


def _url(application, commitment_id=None):
    commitment_id = commitment_id or application.commitments.get().pk
    return reverse("applications_api:commitment_check", args=[application.number, commitment_id])


def test_the_department_records_a_failed_check_with_its_consequences(accepted, reviewer):  # noqa: F811
    grant(accepted)
    api = token_client(reviewer)
    listed = api.get(reverse("applications_api:commitments", args=[accepted.number]))
    assert listed.status_code == 200
    assert [(c["material"], c["outcome"]) for c in listed.json()] == [("无犯罪记录证明", O.PENDING)]
    response = api.post(_url(accepted), {"outcome": "failed", "note": "经查有犯罪记录。"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == O.FAILED and body["check_note"] == "经查有犯罪记录。"
    assert body["credit_recorded"] is True and body["result_revoked"] is True
    assert CreditRecord.objects.filter(application=accepted).count() == 1
    again = api.post(_url(accepted), {"outcome": "passed"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_checked"
    assert CreditRecord.objects.filter(application=accepted).count() == 1


def test_a_passed_check(accepted, reviewer):  # noqa: F811
    response = token_client(reviewer).post(_url(accepted), {"outcome": "passed"}, format="json")
    assert response.status_code == 200
    assert response.json()["outcome"] == O.PASSED and response.json()["credit_recorded"] is False


def test_another_department_the_applicant_and_a_clerk_may_not(accepted, citizen, clerk, department_y):  # noqa: F811
    outsider = UserFactory(username="reviewer_y_api", department=department_y, roles=[Role.REVIEWER])
    assert token_client(outsider).post(_url(accepted), {"outcome": "passed"}, format="json").status_code == 404
    listed = token_client(outsider).get(reverse("applications_api:commitments", args=[accepted.number]))
    assert listed.status_code == 404
    assert token_client(citizen).post(_url(accepted), {"outcome": "passed"}, format="json").status_code == 403
    assert token_client(citizen).get(reverse("applications_api:commitments", args=[accepted.number])).status_code == 403
    clerk_status = token_client(clerk).post(_url(accepted), {"outcome": "passed"}, format="json").status_code
    assert clerk_status in (403, 404)
    assert accepted.commitments.get().outcome == O.PENDING


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"outcome": "maybe"},
        {"outcome": "failed"},
        {"outcome": "failed", "note": "  "},
        {"outcome": "failed", "note": "x" * 2001},
    ],
)
def test_bad_input_changes_nothing(accepted, reviewer, body):  # noqa: F811
    response = token_client(reviewer).post(_url(accepted), body, format="json")
    assert response.status_code in (400, 422), response.content
    assert accepted.commitments.get().outcome == O.PENDING
    assert not CreditRecord.objects.exists()


def test_unknown_commitments_and_cases_are_404(accepted, reviewer, committed):  # noqa: F811
    api = token_client(reviewer)
    for commitment_id in (999999, 2**63):
        assert api.post(_url(accepted, commitment_id), {"outcome": "passed"}, format="json").status_code == 404
    url = reverse("applications_api:commitment_check", args=["32011520260302001X0001", 1])
    assert api.post(url, {"outcome": "passed"}, format="json").status_code == 404
