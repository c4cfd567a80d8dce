import pytest
from django.core.exceptions import ValidationError

from applications.models import Suspension
from catalog import rules
from catalog.models import ServiceItem, SpecialProcedure
from tests.factories import ServiceItemFactory


@pytest.fixture
def item(db):
    return ServiceItemFactory()


def problems_of(item):
    with pytest.raises(ValidationError) as caught:
        rules.validate_service_item(item)
    return caught.value.message_dict


def test_a_factory_item_abides_by_every_rule(item):
    rules.validate_service_item(item)


def test_promised_days_may_not_exceed_statutory_days(item):
    item.promised_days = 25
    assert "promised_days" in problems_of(item)


def test_an_immediate_item_promises_zero_days(item):
    item.is_immediate = True
    assert "is_immediate" in problems_of(item)


def test_fully_online_means_no_visit(item):
    item.online_depth = ServiceItem.OnlineDepth.FULLY_ONLINE
    assert "visits" in problems_of(item)


def test_zero_visits_offline_needs_post(item):
    item.visits, item.accepts_on_pc, item.online_depth = 0, False, ServiceItem.OnlineDepth.INFORMATION
    assert "accepts_by_post" in problems_of(item)


def test_no_fee_no_online_payment(item):
    item.supports_online_payment = True
    assert "supports_online_payment" in problems_of(item)


def test_a_result_name_needs_a_sample(item):
    item.result_name = "食品经营许可证"
    assert "result_sample" in problems_of(item)


def test_consultation_and_complaint_phones_differ(item):
    item.complaint_phone = item.consult_phone
    assert "complaint_phone" in problems_of(item)


def test_step_limits_fit_in_the_promised_limit(item):
    item.steps.create(kind="handle", limit_days=6)
    item.steps.create(kind="approve", limit_days=6)
    assert "steps" in problems_of(item)


def test_item_type_follows_the_basic_item(item):
    item.item_type = "07"
    assert "item_type" in problems_of(item)


def test_form_definition_fields_are_checked(item):
    item.form_definition = [
        {"name": "a", "label": "甲", "type": "select"},
        {"name": "a", "label": "乙", "type": "blob"},
    ]
    messages = problems_of(item)["form_definition"]
    assert (
        any("选项" in m for m in messages) and any("重复" in m for m in messages) and any("blob" in m for m in messages)
    )


def test_special_procedures_are_the_known_kinds(item):
    item.special_procedures = ["site_inspection", "expert_review"]
    rules.validate_service_item(item)


def test_an_unknown_special_procedure_is_named_in_the_problem(item):
    """A label such as 现场核查 stored instead of a kind would never be offered to the reviewer."""
    item.special_procedures = ["site_inspection", "现场核查"]
    messages = problems_of(item)["special_procedures"]
    assert len(messages) == 1
    assert "现场核查" in messages[0]
    assert "现场勘验" in messages[0]  # the kinds that may be chosen are listed


def test_the_suspension_kinds_are_the_catalogs_special_procedures_plus_the_correction():
    assert Suspension.Kind.choices == [
        *SpecialProcedure.choices,
        (Suspension.Kind.CORRECTION, "受理后补正"),
        (Suspension.Kind.DEFERRAL, "容缺材料逾期未补"),
    ]
