"""Validators of identity numbers, phone numbers and dates (DOMAIN.md "Validation").

Each takes the raw input, raises ``django.core.exceptions.ValidationError`` with a Chinese message
that says what is wrong and a ``code``, and returns the normalised value. They are plain callables,
so they also serve as model and form field validators (Django ignores the return value there).
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

# GB 11643-1999 and the 2023 foreign permanent resident ID card: ISO 7064 MOD 11-2.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
# Province-level codes (GB/T 2260): the first two digits of an area code.
# 11–15 华北, 21–23 东北, 31–37 华东, 41–46 中南, 50–54 西南, 61–65 西北, 71 台湾; 81, 82 and 83 begin the
# numbers of the residence permits of residents of Hong Kong, Macao and Taiwan (港澳台居民居住证).
PROVINCE_CODES = frozenset(
    str(code)
    for code in [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82, 83]
)
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)

# GB 32100-2015: the 31 characters of the code (no I, O, Z, S, V) and the weights of its check.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Mainland mobile numbers: 11 digits, 13x–19x.
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def _as_text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(gettext("%(what)s应为文本。") % {"what": what}, code="invalid_type")
    return value.strip()


def iso7064_check_character(body17: str) -> str:
    """The MOD 11-2 check character of 17 digits (GB 11643-1999, 4.2)."""
    return ID_CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def _check_birth_date(digits: str, what: str) -> None:
    try:
        born_on = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError(
            gettext("%(what)s中的出生日期“%(digits)s”不是有效日期。") % {"what": what, "digits": digits},
            code="birth_date",
        ) from None
    if born_on < EARLIEST_BIRTH_DATE or born_on > timezone.localdate():
        raise ValidationError(
            gettext("%(what)s中的出生日期“%(digits)s”不在合理范围内。") % {"what": what, "digits": digits},
            code="birth_date",
        )


def _check_eighteen(value: str, what: str) -> str:
    """Length, characters and check character shared by both 18-character ID numbers."""
    value = value.upper()
    if len(value) != 18:
        raise ValidationError(
            gettext("%(what)s应为18位，当前为%(len)s位。") % {"what": what, "len": len(value)}, code="length"
        )
    if not value[:17].isdigit() or not value[:17].isascii():
        raise ValidationError(gettext("%(what)s的前17位应全部为数字。") % {"what": what}, code="format")
    if not (value[17].isascii() and (value[17].isdigit() or value[17] == "X")):
        raise ValidationError(gettext("%(what)s的第18位应为数字或字母X。") % {"what": what}, code="format")
    return value


def _check_check_character(value: str, what: str) -> None:
    if iso7064_check_character(value[:17]) != value[17]:
        raise ValidationError(
            gettext("%(what)s的校验码（第18位）不正确，请核对号码是否输错。") % {"what": what}, code="check_character"
        )


def validate_resident_id(value: object) -> str:
    """A 公民身份号码 (GB 11643-1999); returns it with a lower-case x stored as X."""
    what = gettext("公民身份号码")
    value = _check_eighteen(_as_text(value, what), what)
    if value[:2] not in PROVINCE_CODES:
        raise ValidationError(
            gettext("%(what)s的前两位“%(value)s”不是有效的省级行政区划代码。") % {"what": what, "value": value[:2]},
            code="area",
        )
    _check_birth_date(value[6:14], what)
    _check_check_character(value, what)
    return value


def validate_foreign_permanent_id(value: object) -> str:
    """An 外国人永久居留身份证 number of the 2023 card: 9, province of issue, nationality, birth date,
    sequence, and the same check character as a 公民身份号码."""
    what = gettext("外国人永久居留身份证号码")
    value = _check_eighteen(_as_text(value, what), what)
    if value[0] != "9":
        raise ValidationError(gettext("%(what)s（2023年版）应以9开头。") % {"what": what}, code="format")
    if value[1:3] not in PROVINCE_CODES:
        raise ValidationError(
            gettext("%(what)s的第2–3位“%(value)s”不是有效的省级行政区划代码。") % {"what": what, "value": value[1:3]},
            code="area",
        )
    _check_birth_date(value[6:14], what)
    _check_check_character(value, what)
    return value


def uscc_check_character(body17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: object) -> str:
    """A 统一社会信用代码 (GB 32100-2015); returns it upper-case.

    Letters are allowed anywhere the standard allows them, including the first two positions
    (登记管理部门 and 机构类别, e.g. ``N2…`` for a rural collective): python-stdnum rejects those.
    """
    what = gettext("统一社会信用代码")
    value = _as_text(value, what).upper()
    if len(value) != 18:
        raise ValidationError(
            gettext("%(what)s应为18位，当前为%(len)s位。") % {"what": what, "len": len(value)}, code="length"
        )
    wrong = sorted({c for c in value if c not in USCC_ALPHABET})
    if wrong:
        shown = "、".join(f"“{c}”" for c in wrong)
        raise ValidationError(
            gettext("%(what)s含有不允许的字符%(shown)s（只能是数字和除 I、O、Z、S、V 以外的大写字母）。")
            % {"what": what, "shown": shown},
            code="format",
        )
    if uscc_check_character(value[:17]) != value[17]:
        raise ValidationError(
            gettext("%(what)s的校验码（第18位）不正确，请核对是否输错。") % {"what": what}, code="check_character"
        )
    return value


def validate_phone(value: object) -> str:
    """A mainland mobile number; spaces, hyphens and a +86/0086 prefix are dropped."""
    what = gettext("手机号码")
    digits = re.sub(r"[\s-]", "", _as_text(value, what))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits.removeprefix(prefix)
            break
    if not digits:
        raise ValidationError(gettext("请填写%(what)s。") % {"what": what}, code="required")
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError(gettext("%(what)s只能包含数字。") % {"what": what}, code="format")
    if len(digits) != 11:
        raise ValidationError(
            gettext("%(what)s应为11位，当前为%(len)s位。") % {"what": what, "len": len(digits)}, code="length"
        )
    if not MOBILE_RE.fullmatch(digits):
        raise ValidationError(
            gettext("“%(digits)s”不是有效的中国大陆手机号码（应以13–19开头）。") % {"digits": digits}, code="format"
        )
    return digits


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validate_date_between(value: object, *, earliest: dt.date, latest: dt.date, what: str) -> dt.date:
    """A date a person typed that goes into a case or a document, within bounds that make sense for
    what it means (a correction due 9999-12-31 or a licence valid until 0001-01-01 is a typo)."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(gettext("%(what)s应为日期（年-月-日）。") % {"what": what}, code="invalid_type")
    if value < earliest:
        raise ValidationError(
            gettext("%(what)s“%(isoformat)s”不在合理范围内：不能早于 %(isoformat2)s。")
            % {"what": what, "isoformat": value.isoformat(), "isoformat2": earliest.isoformat()},
            code="date_too_early",
        )
    if value > latest:
        raise ValidationError(
            gettext("%(what)s“%(isoformat)s”不在合理范围内：不能晚于 %(isoformat2)s。")
            % {"what": what, "isoformat": value.isoformat(), "isoformat2": latest.isoformat()},
            code="date_too_late",
        )
    return value
