"""12345: the hotline operator types the rating a caller gives (channel phone, operator recorded)."""

import pytest

from portal.exceptions import PermissionDenied
from portal.models import Role
from reviews import evaluations
from reviews.evaluations import Rating
from reviews.models import Evaluation
from tests.conftest import login_verified
from tests.factories import UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(username="hotline_he", roles=[Role.HOTLINE])


def test_the_operator_enters_a_callers_rating(client, operator, concluded):
    login_verified(client, operator)
    assert "电话评价录入" in client.get("/ratings/phone/").content.decode()
    response = client.post(
        "/ratings/phone/", {"number": concluded.number, "access_code": concluded.access_code, "level": "3"}
    )
    assert response.status_code == 200 and "已录入办件" in response.content.decode()
    evaluation = Evaluation.objects.get(application=concluded)
    assert (evaluation.channel, evaluation.operator, evaluation.rated_by) == ("phone", operator, None)


def test_wrong_codes_count_against_the_operator_and_save_nothing(client, operator, concluded):
    login_verified(client, operator)
    for _ in range(evaluations.CODE_FAILURES_PER_HOUR):
        response = client.post("/ratings/phone/", {"number": concluded.number, "access_code": "BAD", "level": "1"})
        assert response.status_code == 404
    response = client.post(
        "/ratings/phone/", {"number": concluded.number, "access_code": concluded.access_code, "level": "1"}
    )
    assert response.status_code == 429 and not Evaluation.objects.exists()
    assert client.post("/ratings/phone/", {"number": "", "access_code": "", "level": "1"}).status_code == 400


def test_only_the_hotline_enters_phone_ratings(client, concluded, clerk, supervisor):
    for user in (clerk, supervisor):
        with pytest.raises(PermissionDenied):
            evaluations.rate_by_phone(
                operator=user, number=concluded.number, access_code=concluded.access_code, rating=Rating(level=1)
            )
    login_verified(client, clerk)
    assert client.get("/ratings/phone/").status_code == 403
    assert not Evaluation.objects.exists()
