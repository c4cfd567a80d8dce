"""好差评: who may rate, when, with what; one per service; the follow-ups; a negative rating's handling."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import services as cases
from applications.transitions import Actor
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import AuditEvent, OutboxMessage, Role
from reviews import evaluations, rectifications
from reviews.evaluations import Rating
from reviews.models import Evaluation, EvaluationPolicy, Indicator, Invitation, Level, Rectification
from tests.applications.conftest import clock_at
from tests.factories import UserFactory
from tests.reviews.conftest import MONDAY, accept

R = Rectification.Status
FRIDAY = dt.date(2026, 3, 6)


def indicator(level: int, scope: str = "online") -> Indicator:
    return Indicator.objects.filter(level=level, scope=scope).first()


# --- Rating ---------------------------------------------------------------------------------------


def test_the_applicant_rates_a_concluded_service_with_what_it_rates(concluded, citizen):
    option = indicator(Level.VERY_SATISFIED)
    evaluation = evaluations.rate_application(
        application=concluded, user=citizen, rating=Rating(level=Level.VERY_SATISFIED, indicator_ids=(option.pk,))
    )
    assert evaluation.status == Evaluation.Status.GIVEN and evaluation.channel == "pc"
    assert evaluation.department_id == concluded.department_id and evaluation.item_code == concluded.item.code
    assert list(evaluation.indicators.all()) == [option]
    assert evaluation.deciders.count() == 3  # whoever completed a step: handled, checked, approved
    assert not Rectification.objects.exists()  # a good rating needs no handling


def test_one_service_one_evaluation(concluded, citizen):
    evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=Level.SATISFIED))
    with pytest.raises(InvalidTransition, match="只能评价一次"):
        evaluations.rate_application(
            application=concluded, user=citizen, rating=Rating(level=Level.DISSATISFIED, comment="x")
        )
    assert Evaluation.objects.count() == 1 and not Rectification.objects.exists()


def test_an_unconcluded_case_cannot_be_rated_unless_the_region_allows_it_after_acceptance(submitted, clerk, citizen):
    accepted = accept(submitted, clerk)
    with pytest.raises(InvalidTransition, match="办结后才能评价"):
        evaluations.rate_application(application=accepted, user=citizen, rating=Rating(level=Level.SATISFIED))
    EvaluationPolicy.objects.create(region=accepted.department.region, rate_after_acceptance=True)
    assert evaluations.rate_application(application=accepted, user=citizen, rating=Rating(level=Level.SATISFIED))


@pytest.mark.parametrize("who", ["other_citizen", "clerk", "department_staff", "supervisor"])
def test_nobody_but_the_applicant_rates(concluded, who, other_citizen, clerk, supervisor, department_x):
    user = {
        "other_citizen": other_citizen,
        "clerk": clerk,
        "department_staff": UserFactory(department=department_x, roles=[Role.DEPT_HEAD]),
        "supervisor": supervisor,
    }[who]
    with pytest.raises(PermissionDenied, match="工作人员不能代为评价"):
        evaluations.rate_application(application=concluded, user=user, rating=Rating(level=Level.VERY_SATISFIED))
    assert not Evaluation.objects.exists()


def test_bad_ratings_are_refused_and_nothing_is_saved(concluded, citizen):
    cases_ = [
        (Rating(level=0), "请选择评价等级"),
        (Rating(level=6), "请选择评价等级"),
        (
            Rating(level=Level.VERY_SATISFIED, indicator_ids=(indicator(Level.VERY_DISSATISFIED).pk,)),
            "不属于所选的评价等级",
        ),
        (Rating(level=Level.SATISFIED, indicator_ids=(indicator(Level.SATISFIED, "hall").pk,)), "不属于所选的评价等级"),
        (Rating(level=Level.SATISFIED, indicator_ids=(999999,)), "不属于所选的评价等级"),
        (Rating(level=Level.VERY_DISSATISFIED), "请选择或填写不满意的原因"),
        (Rating(level=Level.SATISFIED, comment="很" * 501), "不能超过 500 个字"),
    ]
    for rating, message in cases_:
        with pytest.raises(DomainError, match=message):
            evaluations.rate_application(application=concluded, user=citizen, rating=rating)
    assert not Evaluation.objects.exists()


def test_the_receipts_code_rates_without_sign_in_and_a_wrong_code_tells_nothing(concluded):
    with pytest.raises(NotFound, match="办件编号或查询码不正确"):
        evaluations.rate_with_code(number=concluded.number, access_code="WRONG", rating=Rating(level=1), ip="10.0.0.1")
    with pytest.raises(NotFound, match="办件编号或查询码不正确"):
        evaluations.rate_with_code(
            number="NO-SUCH", access_code=concluded.access_code, rating=Rating(level=1), ip="10.0.0.1"
        )
    evaluation = evaluations.rate_with_code(
        number=concluded.number, access_code=concluded.access_code.lower(), rating=Rating(level=1), ip="10.0.0.1"
    )
    assert evaluation.channel == Evaluation.Channel.QR and evaluation.rated_by is None
    assert AuditEvent.objects.filter(action=evaluations.CODE_FAILED).count() == 2


def test_code_guessing_is_throttled_per_address(concluded):
    for _ in range(evaluations.CODE_FAILURES_PER_HOUR):
        with pytest.raises(NotFound):
            evaluations.rate_with_code(
                number=concluded.number, access_code="BAD", rating=Rating(level=1), ip="10.0.0.9"
            )
    with pytest.raises(DomainError, match="次数过多"):
        evaluations.rate_with_code(
            number=concluded.number, access_code=concluded.access_code, rating=Rating(level=1), ip="10.0.0.9"
        )
    assert not Evaluation.objects.exists()


def test_rating_writes_a_bounded_number_of_queries(concluded, citizen):
    option = indicator(Level.DISSATISFIED)
    with CaptureQueriesContext(connection) as queries:
        evaluations.rate_application(
            application=concluded, user=citizen, rating=Rating(level=Level.DISSATISFIED, indicator_ids=(option.pk,))
        )
    assert len(queries) <= 40


# --- Follow-ups -----------------------------------------------------------------------------------


def outbox_keys(prefix: str) -> list[str]:
    return sorted(
        OutboxMessage.objects.filter(idempotency_key__startswith=prefix).values_list("idempotency_key", flat=True)
    )


def test_invitation_reminder_and_default_each_go_out_once(concluded, citizen):
    EvaluationPolicy.objects.create(region=concluded.department.region, remind_after_days=3, default_after_days=10)
    for _ in range(2):  # a second sweep (or a second beat) sends nothing more
        assert evaluations.sweep_follow_ups(clock=clock_at(MONDAY, 12))["invited"] in (0, 1)
    assert outbox_keys("evaluation-invite:") == [f"evaluation-invite:{concluded.number}"]
    assert evaluations.sweep_follow_ups(clock=clock_at(dt.date(2026, 3, 4), 12))["reminded"] == 0  # not yet
    for _ in range(2):
        evaluations.sweep_follow_ups(clock=clock_at(dt.date(2026, 3, 5), 12))
    assert outbox_keys("evaluation-remind:") == [f"evaluation-remind:{concluded.number}"]
    result = evaluations.sweep_follow_ups(clock=clock_at(dt.date(2026, 3, 12), 12))
    assert result["defaulted"] == 1
    evaluation = Evaluation.objects.get(application=concluded)
    assert evaluation.status == Evaluation.Status.DEFAULTED and evaluation.level == Level.SATISFIED
    assert evaluations.sweep_follow_ups(clock=clock_at(dt.date(2026, 3, 13), 12)) == {
        "invited": 0,
        "reminded": 0,
        "defaulted": 0,
    }
    with pytest.raises(InvalidTransition):  # the window is closed
        evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=1))


def test_a_refused_case_is_invited_once_and_rated_like_a_concluded_one(submitted, clerk, citizen):
    cases.refuse_application(
        application=submitted,
        actor=clerk,
        actor_role=Actor.CLERK,
        reason="申请事项依法不需要取得行政许可。",
        basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项",
    )
    assert evaluations.rating_state(submitted) == "open"
    for _ in range(2):
        evaluations.sweep_follow_ups()
    assert outbox_keys("evaluation-invite:") == [f"evaluation-invite:{submitted.number}"]
    invitation = OutboxMessage.objects.get(idempotency_key=f"evaluation-invite:{submitted.number}")
    assert "未予受理" in invitation.payload["title"] and "已办结" not in invitation.payload["title"]
    evaluation = evaluations.rate_application(application=submitted, user=citizen, rating=Rating(level=Level.SATISFIED))
    assert evaluation.status == Evaluation.Status.GIVEN and Invitation.objects.get(application=submitted).closed_at


def test_no_default_rating_where_the_rule_has_none_and_no_reminder_after_a_rating(concluded, citizen):
    evaluations.sweep_follow_ups(clock=clock_at(MONDAY, 12))
    evaluations.rate_application(application=concluded, user=citizen, rating=Rating(level=Level.SATISFIED))
    result = evaluations.sweep_follow_ups(clock=clock_at(dt.date(2026, 6, 1), 12))
    assert result == {"invited": 0, "reminded": 0, "defaulted": 0}
    assert Invitation.objects.get(application=concluded).closed_at is not None
    assert not outbox_keys("evaluation-remind:")


# --- Rectification --------------------------------------------------------------------------------


@pytest.fixture
def negative(concluded, citizen):
    evaluations.rate_application(
        application=concluded,
        user=citizen,
        rating=Rating(
            level=Level.VERY_DISSATISFIED, indicator_ids=(indicator(Level.VERY_DISSATISFIED).pk,), comment="等了很久"
        ),
        clock=clock_at(MONDAY, 14),
    )
    return Rectification.objects.get()


def test_a_negative_rating_opens_a_rectification_with_a_working_day_deadline(negative):
    assert negative.status == R.VERIFYING and negative.due_on == dt.date(2026, 3, 9)  # 5 working days after Monday
    message = OutboxMessage.objects.get(idempotency_key=f"rectification:{negative.pk}:opened")
    assert message.payload["department_id"] == negative.department_id


def test_verify_rectify_reply_and_the_applicant_rates_the_handling(negative, citizen, department_x):
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    clock = clock_at(dt.date(2026, 3, 3), 10)
    rectifications.verify(
        rectification=negative, actor=staff, is_true=True, classification="reasonable", note="属实", clock=clock
    )
    rectifications.reply(rectification=negative, actor=staff, result="已增派人手", text="抱歉，已改进", clock=clock)
    assert (
        OutboxMessage.objects.get(idempotency_key=f"rectification:{negative.pk}:replied").payload["body"]
        == "抱歉，已改进"
    )
    closed = rectifications.follow_up(rectification=negative, actor=citizen, level=Level.SATISFIED, clock=clock)
    assert closed.status == R.CLOSED and closed.follow_up_level == Level.SATISFIED
    with pytest.raises(InvalidTransition):
        rectifications.reply(rectification=negative, actor=staff, result="x", text="y")


def test_another_department_cannot_see_or_handle_it(negative, department_y, citizen):
    yves = UserFactory(department=department_y, roles=[Role.REVIEWER])
    with pytest.raises(NotFound):
        rectifications.get_rectification_for(yves, negative.pk)
    with pytest.raises(NotFound):
        rectifications.get_rectification_for(citizen, negative.pk)
    with pytest.raises(PermissionDenied):
        rectifications.verify(rectification=negative, actor=yves, is_true=True, classification="reasonable", note="x")
    negative.refresh_from_db()
    assert negative.status == R.VERIFYING


def test_bad_verification_input_is_refused(negative, department_x):
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    with pytest.raises(DomainError, match="请选择诉求分类"):
        rectifications.verify(rectification=negative, actor=staff, is_true=True, classification="nonsense", note="x")
    with pytest.raises(DomainError, match="不能认定为合理诉求"):
        rectifications.verify(rectification=negative, actor=staff, is_true=False, classification="reasonable", note="x")
    with pytest.raises(DomainError, match="请填写核实情况"):
        rectifications.verify(rectification=negative, actor=staff, is_true=True, classification="reasonable", note="  ")
    negative.refresh_from_db()
    assert negative.status == R.VERIFYING and negative.verified_by is None


def test_an_upheld_appeal_invalidates_the_rating_and_tells_the_applicant(negative, department_x, supervisor):
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    rectifications.verify(
        rectification=negative, actor=reviewer, is_true=False, classification="malicious", note="与事实不符"
    )
    with pytest.raises(PermissionDenied):  # the head appeals, not a reviewer
        rectifications.appeal(rectification=negative, actor=reviewer, reason="恶意", evidence=None)
    rectifications.appeal(rectification=negative, actor=head, reason="有录像为证", evidence=None)
    with pytest.raises(PermissionDenied):
        rectifications.decide_appeal(rectification=negative, actor=head, upheld=True, decision="自己批")
    decided = rectifications.decide_appeal(rectification=negative, actor=supervisor, upheld=True, decision="证据充分")
    assert decided.status == R.INVALIDATED
    evaluation = decided.evaluation
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.INVALIDATED and evaluation.invalidated_reason == "证据充分"
    assert OutboxMessage.objects.filter(idempotency_key=f"rectification:{negative.pk}:invalidated").exists()


def test_a_rejected_appeal_goes_back_to_rectification_and_cannot_be_repeated(negative, department_x, supervisor):
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    rectifications.verify(rectification=negative, actor=head, is_true=False, classification="unreasonable", note="x")
    rectifications.appeal(rectification=negative, actor=head, reason="不合理", evidence=None)
    rectifications.decide_appeal(rectification=negative, actor=supervisor, upheld=False, decision="应当答复")
    negative.refresh_from_db()
    assert negative.status == R.RECTIFYING
    with pytest.raises(InvalidTransition, match="申诉过一次"):
        rectifications.appeal(rectification=negative, actor=head, reason="再诉", evidence=None)


def test_a_reasonable_rating_cannot_be_appealed(negative, department_x):
    head = UserFactory(department=department_x, roles=[Role.DEPT_HEAD])
    rectifications.verify(rectification=negative, actor=head, is_true=True, classification="reasonable", note="x")
    with pytest.raises(DomainError, match="才能申诉"):
        rectifications.appeal(rectification=negative, actor=head, reason="x", evidence=None)


def test_the_department_records_a_phone_follow_up_with_a_note(negative, department_x):
    staff = UserFactory(department=department_x, roles=[Role.REVIEWER])
    rectifications.verify(rectification=negative, actor=staff, is_true=True, classification="reasonable", note="x")
    rectifications.reply(rectification=negative, actor=staff, result="x", text="y")
    with pytest.raises(DomainError, match="回访情况"):
        rectifications.follow_up(rectification=negative, actor=staff, level=Level.SATISFIED)
    with pytest.raises(DomainError, match="满意度"):
        rectifications.follow_up(rectification=negative, actor=staff, level=Level.VERY_SATISFIED, note="电话")
    closed = rectifications.follow_up(
        rectification=negative, actor=staff, level=Level.BASICALLY_SATISFIED, note="电话回访"
    )
    assert closed.status == R.CLOSED


def test_lights_warn_and_escalate_once_each(negative):
    assert rectifications.sweep_lights(clock=clock_at(FRIDAY, 8)) == 1  # Friday: the last day but one
    negative.refresh_from_db()
    assert negative.light == "yellow"
    assert rectifications.sweep_lights(clock=clock_at(FRIDAY, 9)) == 0
    assert rectifications.sweep_lights(clock=clock_at(dt.date(2026, 3, 10), 8)) == 1
    negative.refresh_from_db()
    assert negative.light == "red"
    assert rectifications.sweep_lights(clock=clock_at(dt.date(2026, 3, 11), 8)) == 0
    overdue = OutboxMessage.objects.get(idempotency_key=f"rectification:{negative.pk}:overdue")
    assert overdue.payload["light"] == "red"  # the supervisors hear of it too
