"""Probing today's 好差评 API as an attacker would: ID numbers typed into free text must come back masked,
as the pages show them (portal.idnumbers.mask_id_numbers_in_text), to the department and the applicant."""

# ruff: noqa: F811 (the rating fixtures are imported from tests/api/test_ratings_api.py)

from reviews.models import Level
from tests.api.test_ratings_api import _indicators, me, option, rate_url, token_client  # noqa: F401

API = "/api/v1"
ID_IN_TEXT = "11010519491231002X"
MASKED = "110105********002X"


def test_id_numbers_in_free_text_come_back_masked(me, concluded, alice):
    body = {
        "level": Level.VERY_DISSATISFIED,
        "indicators": [option(Level.VERY_DISSATISFIED).pk],
        "comment": f"我的身份证 {ID_IN_TEXT} 被登记错了",
    }
    assert me.post(rate_url(concluded), body, format="json").status_code == 201
    staff = token_client(alice)
    listed = staff.get(f"{API}/rectifications/").json()
    rectification_id = listed["results"][0]["id"]
    assert ID_IN_TEXT not in str(listed) and MASKED in listed["results"][0]["evaluation"]["comment"]
    steps = [
        ("verify", {"is_true": True, "classification": "reasonable", "note": f"核实 {ID_IN_TEXT} 登记有误"}),
        ("reply", {"result": f"已更正 {ID_IN_TEXT} 的登记", "reply": f"已为 {ID_IN_TEXT} 更正"}),
    ]
    for action, data in steps:
        response = staff.post(f"{API}/rectifications/{rectification_id}/{action}/", data)
        assert response.status_code == 200, response.json()
        assert ID_IN_TEXT not in str(response.json()) and MASKED in str(response.json())
    shown = me.get(rate_url(concluded)).json()
    assert ID_IN_TEXT not in str(shown), shown
    assert MASKED in shown["evaluation"]["comment"] and MASKED in shown["rectification"]["reply"]
    assert ID_IN_TEXT not in str(me.get(f"{API}/ratings/").json())
