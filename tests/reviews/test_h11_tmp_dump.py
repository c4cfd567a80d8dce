import datetime as dt
from django.urls import reverse
from tests.reviews.conftest import as_user, clock_at, MONDAY
from tests.reviews.test_workbench import pass_as, post, url
from applications import services as cases


def test_dump(client, accepted, alice, carol, dave, head_x, immediate_case, chief_x):
    cases.sweep_lights(clock=clock_at(dt.date(2026, 3, 20)))
    as_user(client, alice)
    open("/tmp/h11_case_alice.html", "w").write(client.get(url("case", accepted)).content.decode())
    open("/tmp/h11_suspend_422.html", "w").write(post(client, "suspend", accepted, {"kind": "hearing", "reason": "", "expected_days": 0}).content.decode())
    cases.request_extension(application=accepted, actor=alice, days=3, reason="需补充调查", clock=clock_at(MONDAY, 15))
    client.logout(); as_user(client, head_x)
    open("/tmp/h11_queue_head.html", "w").write(client.get(reverse("reviews:queue")).content.decode())
    pass_as(client, alice, accepted); pass_as(client, carol, accepted)
    client.logout(); as_user(client, dave)
    open("/tmp/h11_decide_422.html", "w").write(post(client, "decide", accepted, {"outcome": "denied"}).content.decode())
    client.logout(); as_user(client, alice)
    open("/tmp/h11_403.html", "w").write(post(client, "decide", accepted, {"outcome": "granted"}).content.decode())
