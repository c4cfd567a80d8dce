"""Free text that goes into a message (a rectification's reply, a 办不成事 answer, anything typed
that an outbox row carries) reaches the inbox and the text message with its ID numbers masked, as
the pages show it: the 18-character numbers and the old 15-digit ones. Phone numbers, case numbers and
查询码 in the same text stay as they were typed.
"""

import json

import pytest

from portal import notifications, outbox
from portal.idnumbers import mask_id_numbers_in_text
from portal.models import Notification, OutboxMessage
from portal.stored_text import stored
from reviews import evaluations, problems, rectifications
from reviews.evaluations import Rating
from reviews.models import Level

ID_18 = "11010519900307002X"
ID_15 = "110105710101123"
PHONE = "13800138000"
CASE = "3201022026030200100001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"证件 {ID_15} 号", "证件 110105*****1123 号"),
        ("110105 710101 123", "110105*****1123"),  # grouped as people copy it
        ("１１０１０５７１０１０１１２３", "110105*****1123"),  # full-width digits
        (f"{ID_15}，{ID_18}", "110105*****1123，110105********002X"),
        (f"电话{PHONE}", f"电话{PHONE}"),  # 11 digits
        (f"办件{CASE}", f"办件{CASE}"),  # 22 digits
        ("查询码 AB23CD45 或 23456789", "查询码 AB23CD45 或 23456789"),
        ("1101057101011234", "1101057101011234"),  # 16 digits: an account, not an ID
        ("11010571010112", "11010571010112"),  # 14 digits
        (f"{ID_15}X", f"{ID_15}X"),  # a letter after it: part of something else
        (f"A{ID_15}", f"A{ID_15}"),
        ("110105991301123", "110105991301123"),  # month 13: no birth date
        ("110105710132123", "110105710132123"),  # day 32
        ("110105710100123", "110105710100123"),  # day 0
        (f"({ID_15})", "(110105*****1123)"),
        ("025-83123456", "025-83123456"),  # a landline
    ],
)
def test_the_old_15_digit_numbers_are_masked_and_nothing_else(text, expected):
    assert mask_id_numbers_in_text(text) == expected


@pytest.mark.django_db
def test_an_outbox_message_keeps_no_id_number_in_its_texts():
    message = outbox.enqueue(
        kind="notification",
        key="masked:1",
        payload={
            "user_id": None,
            "phone": PHONE,
            "title": f"办件 {CASE}",
            "body": stored("答复：%(reply)s", reply=f"已核对 {ID_18} 和 {ID_15}，请致电 {PHONE}"),
        },
    )
    row = json.dumps(OutboxMessage.objects.get(pk=message.pk).payload, ensure_ascii=False)
    assert ID_18 not in row and ID_15 not in row and ID_18.lower() not in row
    assert "110105********002X" in row and "110105*****1123" in row and PHONE in row and CASE in row


@pytest.fixture
def sms_log(settings, tmp_path):
    settings.SMS_BACKEND = "portal.sms.LoggingSmsBackend"
    settings.SMS_LOG_PATH = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def delivered(key: str, sms_log) -> str:
    """Deliver the outbox row of ``key``: the inbox notice and the text message, as one string."""
    message = OutboxMessage.objects.get(idempotency_key=key)
    notifications.deliver_message(message_id=message.pk)
    shown = " ".join(f"{n.title} {n.body}" for n in Notification.objects.filter(idempotency_key__startswith=key))
    return shown + " " + (sms_log.read_text(encoding="utf-8") if sms_log.exists() else "")


@pytest.mark.django_db
def test_a_rectification_reply_reaches_the_applicant_masked(concluded, citizen, alice, sms_log):
    rating = Rating(level=Level.VERY_DISSATISFIED, comment="等了很久")
    rectification = evaluations.rate_application(application=concluded, user=citizen, rating=rating).rectification
    rectifications.verify(
        rectification=rectification, actor=alice, is_true=True, classification="reasonable", note="属实"
    )
    reply = f"已为证件 {ID_18.lower()}（旧证 {ID_15}）更正登记，如有疑问请致电 {PHONE}"
    rectifications.reply(rectification=rectification, actor=alice, result="已更正", text=reply)
    key = OutboxMessage.objects.filter(idempotency_key__startswith=f"rectification:{rectification.pk}:").latest("pk")
    text = delivered(key.idempotency_key, sms_log)
    assert ID_18 not in text.upper() and ID_15 not in text
    assert "110105********002X" in text and "110105*****1123" in text and PHONE in text
    assert sms_log.exists() and "110105*****1123" in sms_log.read_text(encoding="utf-8")  # the text message too
    rectification.refresh_from_db()
    assert rectification.reply == reply  # the record keeps what was written; only what is sent is masked


@pytest.mark.django_db
def test_a_problem_answer_reaches_the_reporter_masked(citizen, alice, concluded, sms_log):
    report = problems.report_problem(
        actor=citizen, description="窗口说材料不全无法办理", application=concluded, reporter_phone=PHONE
    )
    problems.answer_problem(report=report, actor=alice, solved=True, answer=f"已核对 {ID_15}，可以办理")
    text = delivered(f"problem:{report.pk}:answered", sms_log)
    assert ID_15 not in text and "110105*****1123" in text
