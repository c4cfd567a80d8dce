"""Dates typed into notices and decisions are checked against bounds that make sense (422, field named).

Clerk A sends a one-time notice; Harry handles, Chris checks and Abby approves for department X;
a publisher changes an item's lifecycle. A correction due 9999-12-31 or a licence valid until
0001-01-01 is a typo that must never reach a signed document.
"""

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Application, CorrectionNotice, Result
from tests.api.conftest import marriage_item, token_client  # noqa: F401
from tests.api.test_applications_api import abby, accepted, assert_error, case_url, chris, harry, ok  # noqa: F401
from tests.windows.conftest import clerk_a, hall_a, submitted, sysadmin, window_a  # noqa: F401

pytestmark = pytest.mark.django_db


def correction(submitted, due_on):  # noqa: F811
    requirement = submitted.item.materials.get()
    return {"entries": [{"requirement_id": requirement.id, "reason": "签名不清晰"}], "due_on": due_on}


@pytest.mark.parametrize("due_on", ["9999-12-31", "0001-01-01"])
def test_a_correction_due_on_an_implausible_date_is_422(submitted, clerk_a, due_on):  # noqa: F811
    response = token_client(clerk_a).post(
        case_url(submitted, "request-correction"), correction(submitted, due_on), format="json"
    )

    body = assert_error(response, 422)
    assert "补正截止日期" in str(body["detail"]["due_on"]) or "晚于今天" in str(body["detail"]["due_on"])
    assert not CorrectionNotice.objects.exists()


def test_a_correction_due_more_than_60_days_ahead_is_422_and_within_them_it_is_sent(submitted, clerk_a):  # noqa: F811
    clerk = token_client(clerk_a)
    today = timezone.localdate()
    late = (today + dt.timedelta(days=61)).isoformat()

    body = assert_error(
        clerk.post(case_url(submitted, "request-correction"), correction(submitted, late), format="json"), 422
    )
    assert "不能晚于" in str(body["detail"]["due_on"])

    fine = (today + dt.timedelta(days=60)).isoformat()
    case = ok(clerk.post(case_url(submitted, "request-correction"), correction(submitted, fine), format="json"))
    assert case["status"] == "correction_requested"


def decide(accepted, harry, chris, abby, **body):  # noqa: F811
    ok(token_client(harry).post(case_url(accepted, "pass"), {"opinion": "材料齐全"}, format="json"))
    ok(token_client(chris).post(case_url(accepted, "pass"), {"opinion": "同意"}, format="json"))
    return token_client(abby).post(
        case_url(accepted, "decide"), {"outcome": "granted", "reasons": "符合。", **body}, format="json"
    )


@pytest.mark.parametrize("valid_until", ["0001-01-01", "9999-12-31"])
def test_a_licence_valid_until_an_implausible_date_is_422(accepted, harry, chris, abby, valid_until):  # noqa: F811
    body = assert_error(decide(accepted, harry, chris, abby, valid_until=valid_until), 422)

    assert f"有效期至“{valid_until}”不在合理范围内" in str(body["detail"]["valid_until"])
    accepted.refresh_from_db()
    assert accepted.status == Application.Status.IN_REVIEW and not Result.objects.exists()


def test_a_licence_valid_for_five_years_is_granted(accepted, harry, chris, abby):  # noqa: F811
    valid_until = timezone.localdate().replace(day=1) + dt.timedelta(days=5 * 365)

    ok(decide(accepted, harry, chris, abby, valid_until=valid_until.isoformat()))

    assert Result.objects.get().valid_until == valid_until


def test_a_lifecycle_change_effective_in_the_year_9999_is_422(publisher, marriage_item):  # noqa: F811
    url = f"/api/v1/manage/items/{marriage_item.pk}/lifecycle/"
    body = {"lifecycle": "suspended", "effective_on": "9999-12-31", "reason": "系统升级"}

    detail = assert_error(token_client(publisher).post(url, body, format="json"), 422)["detail"]

    assert "生效日期“9999-12-31”不在合理范围内" in str(detail["effective_on"])
