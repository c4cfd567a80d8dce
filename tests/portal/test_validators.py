"""Validators of ID numbers, USCCs and phone numbers (DOMAIN.md "Validation")."""

import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.validators import (
    PROVINCE_CODES,
    USCC_ALPHABET,
    validate_date_between,
    validate_foreign_permanent_id,
    validate_phone,
    validate_resident_id,
    validate_uscc,
    years_after,
)
from tests.factories import make_resident_id, make_uscc


def error_of(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)
    return caught.value


# --- 公民身份号码 --------------------------------------------------------------------------------------


def test_the_example_of_the_domain_is_a_valid_id_number():
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


def test_a_lower_case_x_is_accepted_and_stored_upper_case():
    assert validate_resident_id(" 11010519491231002x ") == "11010519491231002X"


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
areas = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
)
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


@given(area=areas, born_on=birth_dates, seq=sequences)
def test_generated_id_numbers_are_accepted(area, born_on, seq):
    number = make_resident_id(area=area, birth=f"{born_on:%Y%m%d}", seq=seq)
    assert validate_resident_id(number) == number


@given(area=areas, born_on=birth_dates, seq=sequences, position=st.integers(0, 16), delta=st.integers(1, 9))
def test_changing_any_one_digit_is_caught(area, born_on, seq, position, delta):
    number = make_resident_id(area=area, birth=f"{born_on:%Y%m%d}", seq=seq)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(changed)


@given(area=areas, born_on=birth_dates, seq=sequences, position=st.integers(0, 15))
def test_swapping_two_neighbouring_digits_is_caught(area, born_on, seq, position):
    number = make_resident_id(area=area, birth=f"{born_on:%Y%m%d}", seq=seq)
    a, b = number[position], number[position + 1]
    if a != b:
        swapped = number[:position] + b + a + number[position + 2 :]
        with pytest.raises(ValidationError):
            validate_resident_id(swapped)


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "length", "应为18位，当前为0位"),
        ("11010519491231002", "length", "当前为17位"),
        ("11010519491231002X1", "length", "当前为19位"),
        ("110105 19491231002X", "length", "当前为19位"),
        ("1101051949123100AX", "format", "前17位应全部为数字"),
        ("１１０１０５19491231002X", "format", "前17位应全部为数字"),  # full-width digits
        ("11010519491231002Y", "format", "第18位应为数字或字母X"),
        ("00010519491231002X", "area", "“00”不是有效的省级行政区划代码"),
        ("99010519491231002X", "area", "“99”"),
        ("72010519491231002X", "area", "“72”"),
        ("11010519490231002X", "birth_date", "出生日期“19490231”不是有效日期"),
        ("11010519491301002X", "birth_date", "“19491301”不是有效日期"),
        ("11010518991231002X", "birth_date", "“18991231”不在合理范围内"),
        ("11010529990101002X", "birth_date", "“29990101”不在合理范围内"),
        ("110105194912310021", "check_character", "校验码（第18位）不正确"),
    ],
)
def test_a_wrong_id_number_is_refused_with_a_message_saying_what_is_wrong(value, code, words):
    error = error_of(validate_resident_id, value)
    assert error.code == code
    assert words in error.message
    assert "公民身份号码" in error.message


def test_every_wrong_check_character_is_refused():
    body = "11010519491231002"
    for wrong in "0123456789":
        error = error_of(validate_resident_id, body + wrong)
        assert error.code == "check_character"


def test_a_number_that_is_not_text_is_refused():
    assert error_of(validate_resident_id, 110105194912310020).code == "invalid_type"
    assert error_of(validate_resident_id, None).code == "invalid_type"


# --- 外国人永久居留身份证 (2023) -------------------------------------------------------------------------


def foreign_permanent_id(
    province: str = "11", nationality: str = "840", birth: str = "19800101", seq: str = "001"
) -> str:
    # The same MOD 11-2 rule as a resident ID number: reuse the factory's check over 17 digits.
    body = "9" + province + nationality + birth + seq
    return make_resident_id(area=body[:6], birth=body[6:14], seq=body[14:])


def test_a_2023_foreign_permanent_resident_id_is_accepted():
    number = foreign_permanent_id()
    assert number.startswith("9") and len(number) == 18
    assert validate_foreign_permanent_id(number.lower()) == number


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("11010519491231002X", "format", "应以9开头"),
        (foreign_permanent_id()[:-1], "length", "当前为17位"),
        (foreign_permanent_id(province="00"), "area", "第2–3位“00”"),
        (foreign_permanent_id(birth="19800230"), "birth_date", "“19800230”不是有效日期"),
    ],
)
def test_a_wrong_foreign_permanent_resident_id_is_refused(value, code, words):
    error = error_of(validate_foreign_permanent_id, value)
    assert error.code == code
    assert words in error.message


def test_a_foreign_permanent_resident_id_with_a_wrong_check_character_is_refused():
    number = foreign_permanent_id()
    wrong = "0" if number[-1] != "0" else "1"
    assert error_of(validate_foreign_permanent_id, number[:-1] + wrong).code == "check_character"


# --- 统一社会信用代码 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "12100000400000624D"])
def test_published_credit_codes_are_accepted(code):
    assert validate_uscc(code) == code


def test_a_credit_code_beginning_with_letters_is_accepted():
    code = make_uscc("N2320111MA1Y2K3L4")  # 农业 registration, rural collective
    assert code.startswith("N2")
    assert validate_uscc(code.lower()) == code


@given(body=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_generated_credit_codes_are_accepted(body):
    code = make_uscc(body)
    assert validate_uscc(code) == code


@given(
    body=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17),
    position=st.integers(0, 16),
    delta=st.integers(1, 30),
)
def test_changing_any_one_character_of_a_credit_code_is_caught(body, position, delta):
    code = make_uscc(body)
    changed_char = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + delta) % 31]
    with pytest.raises(ValidationError):
        validate_uscc(code[:position] + changed_char + code[position + 1 :])


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "length", "应为18位，当前为0位"),
        ("91350100M000100Y4", "length", "当前为17位"),
        ("91350100M000100Y43A", "length", "当前为19位"),
        ("91350100MO00100Y43", "format", "“O”"),
        ("9135010OI000100Y4Z", "format", "“I”、“O”、“Z”"),
        ("91350100M000100S43", "format", "“S”"),
        ("91350100M000100Y4-", "format", "“-”"),
        ("91350100M000100Y44", "check_character", "校验码（第18位）不正确"),
    ],
)
def test_a_wrong_credit_code_is_refused_with_a_message_saying_what_is_wrong(value, code, words):
    error = error_of(validate_uscc, value)
    assert error.code == code
    assert words in error.message


def test_every_wrong_check_character_of_a_credit_code_is_refused():
    body = "91350100M000100Y4"
    for wrong in USCC_ALPHABET.replace("3", ""):
        assert error_of(validate_uscc, body + wrong).code == "check_character"


# --- 手机号码 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13800138000", "13800138000"),
        (" 199 0000 1111 ", "19900001111"),
        ("+86 138-0013-8000", "13800138000"),
        ("008615012345678", "15012345678"),
    ],
)
def test_a_mainland_mobile_number_is_accepted_and_normalised(value, normalised):
    assert validate_phone(value) == normalised


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("12800138000", "format", "应以13–19开头"),
        ("23800138000", "format", "不是有效的中国大陆手机号码"),
        ("1380013800", "length", "当前为10位"),
        ("138001380001", "length", "当前为12位"),
        ("138abc38000", "format", "只能包含数字"),
        ("１３８００１３８０００", "format", "只能包含数字"),
        ("025-1234567", "length", "当前为10位"),  # a landline
        ("", "required", "请填写手机号码"),
        (" - ", "required", "请填写手机号码"),
    ],
)
def test_a_wrong_phone_number_is_refused(value, code, words):
    error = error_of(validate_phone, value)
    assert error.code == code
    assert words in error.message


# --- As field validators -----------------------------------------------------------------------------


class PartyForm(forms.Form):
    id_number = forms.CharField(label="证件号码", validators=[validate_resident_id])
    uscc = forms.CharField(label="统一社会信用代码", validators=[validate_uscc])
    phone = forms.CharField(label="手机号码", validators=[validate_phone])


def test_they_work_as_form_field_validators():
    form = PartyForm(data={"id_number": "11010519491231002Y", "uscc": "91350100M000100Y44", "phone": "12800138000"})
    assert not form.is_valid()
    assert "第18位应为数字或字母X" in form.errors["id_number"][0]
    assert "校验码" in form.errors["uscc"][0]
    assert "13–19" in form.errors["phone"][0]
    assert form.has_error("uscc", code="check_character")

    good = PartyForm(data={"id_number": "11010519491231002X", "uscc": "91350100M000100Y43", "phone": "13800138000"})
    assert good.is_valid(), good.errors


# --- Dates ------------------------------------------------------------------------------------
EARLIEST, LATEST = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(2025, 12, 31), dt.date(2027, 1, 1), dt.date(9999, 12, 31)])
def test_a_date_outside_its_bounds_is_refused_naming_the_field(day):
    with pytest.raises(ValidationError) as caught:
        validate_date_between(day, earliest=EARLIEST, latest=LATEST, what="补正截止日期")
    assert f"补正截止日期“{day.isoformat()}”不在合理范围内" in caught.value.messages[0]


@pytest.mark.parametrize("day", [EARLIEST, dt.date(2026, 6, 1), LATEST])
def test_a_date_within_its_bounds_is_returned(day):
    assert validate_date_between(day, earliest=EARLIEST, latest=LATEST, what="日期") == day


@pytest.mark.parametrize("value", ["2026-06-01", None, dt.datetime(2026, 6, 1)])
def test_something_other_than_a_date_is_refused(value):
    with pytest.raises(ValidationError):
        validate_date_between(value, earliest=EARLIEST, latest=LATEST, what="日期")


def test_years_after_the_29th_of_february_falls_on_the_28th():
    assert years_after(dt.date(2024, 2, 29), 50) == dt.date(2074, 2, 28)
    assert years_after(dt.date(2024, 3, 1), 50) == dt.date(2074, 3, 1)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_an_items_form_refuses_an_implausible_date_naming_the_field(value):
    from applications.forms_runtime import validate_form_data

    definition = [{"name": "born_on", "label": "出生日期", "type": "date", "required": True}]

    problems = validate_form_data(definition, {"born_on": value})

    assert f"出生日期“{value}”不在合理范围内" in problems["born_on"][0]
    assert validate_form_data(definition, {"born_on": "1980-05-01"}) == {}
