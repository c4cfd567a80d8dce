"""Notifications: one inbox row per recipient and event, e-mail and SMS sent once, the inbox page."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from portal import notifications, outbox, sms, tasks
from portal.exceptions import NotFound
from portal.models import Notification, OutboxMessage, Role
from tests.conftest import login_verified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class BrokenSmsBackend:
    """An SMS gateway that is down."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        raise ConnectionError("短信网关无响应")


@pytest.fixture
def sms_log(settings, tmp_path):
    settings.SMS_BACKEND = "portal.sms.LoggingSmsBackend"
    settings.SMS_LOG_PATH = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def texts(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def alice(citizen):
    citizen.email = "alice@example.cn"
    citizen.save(update_fields=["email"])
    return citizen


def applicant_message(user, key: str = "notify:7:accept:2026-03-02T10:00:00+08:00") -> OutboxMessage:
    return outbox.enqueue(
        kind="notification",
        key=key,
        payload={
            "user_id": user.pk if user else None,
            "phone": "13800138000",
            "title": "办件 3201022026030200100001 受理：审查中",
            "body": "已受理，承诺办结日期 2026-03-16。",
            "link": "/applications/3201022026030200100001/",
        },
    )


@pytest.fixture
def staff(department_x, department_y, supervisor):
    return {
        "reviewer_x": UserFactory(
            username="reviewer_x", department=department_x, roles=[Role.REVIEWER], phone="13900000001"
        ),
        "head_x": UserFactory(
            username="head_x", department=department_x, roles=[Role.DEPT_HEAD], email="head@x.gov.cn"
        ),
        "clerk_x": UserFactory(username="clerk_x", department=department_x, roles=[Role.CLERK]),
        "reviewer_y": UserFactory(username="reviewer_y", department=department_y, roles=[Role.REVIEWER]),
        "former_x": UserFactory(username="former_x", department=department_x, roles=[Role.REVIEWER], is_active=False),
        "supervisor": supervisor,
    }


def light_message(department, light: str) -> OutboxMessage:
    return outbox.enqueue(
        kind="notification",
        key=f"light:99:{light}:2026-03-16",
        payload={"department_id": department.pk, "application_id": 99, "light": light, "title": f"办件 N {light}"},
    )


# --- Delivery ---------------------------------------------------------------------------------


def test_it_delivers_to_the_inbox_by_email_and_by_sms_and_marks_the_row_done(alice, sms_log):
    message = applicant_message(alice)

    assert tasks.deliver_notification.apply(args=[message.pk]).get() == 1

    notification = Notification.objects.get()
    assert (notification.recipient, notification.phone, notification.read_at) == (alice, "13800138000", None)
    assert notification.title == "办件 3201022026030200100001 受理：审查中"
    assert notification.emailed_at is not None and notification.texted_at is not None
    assert [m.to for m in mail.outbox] == [["alice@example.cn"]]
    assert mail.outbox[0].subject == notification.title
    assert "/applications/3201022026030200100001/" in mail.outbox[0].body
    [text] = texts(sms_log)
    assert text["phone"] == "13800138000" and text["key"] == message.idempotency_key
    assert "受理" in text["text"]
    message.refresh_from_db()
    assert message.done_at is not None


def test_the_text_message_reads_as_sentences_and_says_where_to_act(settings):
    from portal.notifications import SMS_MAX_CHARS, sms_text

    settings.PORTAL_PUBLIC_URL = "https://zwfw.example.gov.cn"
    text = sms_text("办件 3201022026030200100001 受理：审查中", "已受理，承诺办结日期 2026-03-16", "/applications/1/")
    assert text == (
        f"【{settings.PORTAL_NAME}】办件 3201022026030200100001 受理：审查中。已受理，承诺办结日期 2026-03-16。"
        "详情及办理请访问 https://zwfw.example.gov.cn/applications/1/?via=sms。"
    )
    assert sms_text("身份证件绑定提醒", "", "").endswith(f"如有疑问请致电 {settings.SERVICE_HOTLINE}。")
    long = sms_text("补正告知", "缺" * 1000, "/applications/1/")
    assert len(long) <= SMS_MAX_CHARS and long.endswith("https://zwfw.example.gov.cn/applications/1/?via=sms。")


def test_delivering_twice_creates_one_notification_and_sends_once(alice, sms_log):
    message = applicant_message(alice)
    tasks.deliver_notification.apply(args=[message.pk]).get()
    assert tasks.deliver_notification.apply(args=[message.pk]).get() == 0  # already done

    # The relay handed it over again before the first run had marked it done.
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=None)
    assert tasks.deliver_notification.apply(args=[message.pk]).get() == 1

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert len(texts(sms_log)) == 1


def test_a_failed_sms_is_retried_without_repeating_the_email(alice, sms_log, settings):
    message = applicant_message(alice)
    settings.SMS_BACKEND = "tests.portal.test_notifications.BrokenSmsBackend"

    with pytest.raises(ConnectionError):
        notifications.deliver_message(message_id=message.pk)
    result = tasks.deliver_notification.apply(args=[message.pk])  # the task raises too: Celery retries it
    assert result.failed()

    message.refresh_from_db()
    assert message.done_at is None  # so the relay hands it over again later
    notification = Notification.objects.get()
    assert notification.emailed_at is not None and notification.texted_at is None

    settings.SMS_BACKEND = "portal.sms.LoggingSmsBackend"
    assert tasks.deliver_notification.apply(args=[message.pk]).get() == 1
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert len(texts(sms_log)) == 1
    message.refresh_from_db()
    assert message.done_at is not None


def test_an_applicant_without_an_account_gets_an_sms_only(sms_log):
    message = applicant_message(None)
    notifications.deliver_message(message_id=message.pk)
    notification = Notification.objects.get()
    assert notification.recipient is None and notification.texted_at is not None
    assert mail.outbox == []
    assert len(texts(sms_log)) == 1


def test_a_message_that_no_longer_exists_is_nothing_to_deliver(sms_log):
    assert tasks.deliver_notification.apply(args=[987654]).get() == 0
    assert Notification.objects.count() == 0


def test_a_yellow_light_tells_the_departments_reviewers_and_head(staff, department_x, sms_log):
    message = light_message(department_x, "yellow")
    assert notifications.deliver_message(message_id=message.pk) == 2
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"reviewer_x", "head_x"}
    assert [m.to for m in mail.outbox] == [["head@x.gov.cn"]]
    assert [t["phone"] for t in texts(sms_log)] == ["13900000001"]


def test_a_red_light_escalates_to_the_supervisors(staff, department_x, sms_log):
    message = light_message(department_x, "red")
    notifications.deliver_message(message_id=message.pk)
    notifications.deliver_message(message_id=message.pk)
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "head_x",
        "reviewer_x",
        "supervisor",
    ]


def test_department_recipients_are_the_active_reviewers_and_head_of_that_department(staff, department_x):
    names = {u.username for u in notifications.department_recipients(department_x.pk, escalate=False)}
    assert names == {"reviewer_x", "head_x"}


# --- SMS backend ----------------------------------------------------------------------------


def test_a_staff_notice_says_what_its_payload_says_and_reads_no_case(staff, department_x, sms_log):
    message = light_message(department_x, "yellow")
    OutboxMessage.objects.filter(pk=message.pk).update(
        payload={**message.payload, "body": "办件 N 即将到期，请抓紧办理。", "link": "/review/N/"}
    )
    notifications.deliver_message(message_id=message.pk)
    assert set(Notification.objects.values_list("body", "link")) == {("办件 N 即将到期，请抓紧办理。", "/review/N/")}


def test_a_step_notice_goes_to_the_assignee_named_in_its_payload_and_the_head(staff, department_x, sms_log):
    message = outbox.enqueue(
        kind="notification",
        key="step-overdue:1",
        payload={"task_id": 1, "department_id": department_x.pk, "assignee_id": staff["reviewer_x"].pk, "title": "T"},
    )
    notifications.deliver_message(message_id=message.pk)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"reviewer_x", "head_x"}


def test_a_step_notice_written_before_it_named_a_department_tells_nobody_and_is_done(staff, sms_log):
    message = outbox.enqueue(kind="notification", key="step-overdue:2", payload={"task_id": 2, "title": "T"})
    assert notifications.deliver_message(message_id=message.pk) == 0
    message.refresh_from_db()
    assert message.done_at is not None and Notification.objects.count() == 0


def test_the_logging_sms_backend_writes_one_json_line_per_message(sms_log):
    sms.send_sms(phone="13800138000", text="【政务服务网】您的办件已受理", key="k1")
    sms.send_sms(phone="13800138001", text="第二条", key="k2")
    assert [(t["phone"], t["text"], t["key"]) for t in texts(sms_log)] == [
        ("13800138000", "【政务服务网】您的办件已受理", "k1"),
        ("13800138001", "第二条", "k2"),
    ]


def test_the_sms_backend_is_the_one_in_the_settings(settings):
    settings.SMS_BACKEND = "tests.portal.test_notifications.BrokenSmsBackend"
    with pytest.raises(ConnectionError):
        sms.send_sms(phone="13800138000", text="x", key="k")


# --- Marking read ---------------------------------------------------------------------------


def notification_for(user, n: int = 1, link: str = "") -> Notification:
    return Notification.objects.create(
        recipient=user, title=f"消息{n}", body="内容", link=link, idempotency_key=f"t:{user.pk}:{n}"
    )


def test_mark_read_marks_once_and_refuses_another_users_notification(citizen, other_citizen):
    mine = notification_for(citizen)
    first = notifications.mark_read(user=citizen, notification_id=mine.pk).read_at
    assert first is not None
    assert notifications.mark_read(user=citizen, notification_id=mine.pk).read_at == first
    with pytest.raises(NotFound):
        notifications.mark_read(user=other_citizen, notification_id=mine.pk)


def test_mark_all_read_touches_only_the_users_own(citizen, other_citizen):
    notification_for(citizen, 1)
    notification_for(citizen, 2)
    notification_for(other_citizen, 3)
    assert notifications.mark_all_read(user=citizen) == 2
    assert notifications.unread_count(citizen) == 0
    assert notifications.unread_count(other_citizen) == 1


# --- The inbox page -------------------------------------------------------------------------


def test_the_inbox_shows_only_my_notifications_and_the_unread_count(client, citizen, other_citizen):
    notification_for(citizen, 1)
    notification_for(citizen, 2)
    notification_for(other_citizen, 3)
    client.force_login(citizen)
    response = client.get(reverse("portal:notifications"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "消息1" in page and "消息2" in page and "消息3" not in page
    assert "（2 条未读）" in page


def test_the_inbox_needs_sign_in(client):
    response = client.get(reverse("portal:notifications"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, citizen):
    notification = notification_for(citizen, link="/applications/3201022026030200100001/")
    client.force_login(citizen)
    response = client.post(reverse("portal:notification_read", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == "/applications/3201022026030200100001/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_off_the_portal_is_not_followed(client, citizen):
    notification = notification_for(citizen, link="https://evil.example.com/")
    client.force_login(citizen)
    response = client.post(reverse("portal:notification_read", args=[notification.pk]))
    assert response["Location"] == reverse("portal:notifications")


def test_another_users_notification_is_not_found(client, citizen, other_citizen):
    notification = notification_for(citizen)
    client.force_login(other_citizen)
    response = client.post(reverse("portal:notification_read", args=[notification.pk]))
    assert response.status_code == 404
    assert "未找到该消息" in response.content.decode()
    notification.refresh_from_db()
    assert notification.read_at is None


def test_reading_needs_a_post_and_a_real_id(client, citizen):
    notification = notification_for(citizen)
    client.force_login(citizen)
    assert client.get(reverse("portal:notification_read", args=[notification.pk])).status_code == 405
    assert client.post(f"/notifications/{notification.pk}x/read/").status_code == 404
    assert client.post(reverse("portal:notification_read", args=[2**62])).status_code == 404


def test_read_all_marks_mine_and_a_second_click_does_no_harm(client, citizen, other_citizen):
    notification_for(citizen, 1)
    notification_for(other_citizen, 2)
    client.force_login(citizen)
    for _ in range(2):
        assert client.post(reverse("portal:notifications_read_all")).status_code == 302
    assert notifications.unread_count(citizen) == 0
    assert notifications.unread_count(other_citizen) == 1
    assert client.get(reverse("portal:notifications_read_all")).status_code == 405


def test_a_reviewer_sees_the_deadline_notice_in_the_inbox(client, staff, department_x, sms_log):
    notifications.deliver_message(message_id=light_message(department_x, "red").pk)
    login_verified(client, staff["reviewer_x"])
    page = client.get(reverse("portal:notifications")).content.decode()
    assert "办件 N red" in page and "（1 条未读）" in page
