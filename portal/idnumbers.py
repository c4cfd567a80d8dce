"""ID numbers are personal information (个人信息保护法 art. 28: 敏感个人信息).

Lists, exports, logs and documents for third parties show the masked form; accounts and cases are
linked through a keyed digest, so the full number need not be stored to find "the same person".
"""

import hashlib
import hmac
import re

from django.conf import settings


def normalize_id_number(value: str) -> str:
    """The form that masking and hashing use: no surrounding spaces, letters upper-case (x → X)."""
    return value.strip().upper()


def mask_id_number(value: str) -> str:
    """The first 6 and last 4 characters, the rest as asterisks: ``110105********002X``.

    Shorter numbers (passports, 通行证) keep fewer characters, so that masking always hides at
    least half of them.
    """
    value = normalize_id_number(value)
    length = len(value)
    head, tail = (6, 4) if length >= 15 else (2, 2) if length >= 8 else (1, 1) if length >= 5 else (0, 0)
    return value[:head] + "*" * (length - head - tail) + value[length - tail :]


# An 18-character 公民身份号码 (or a 2023 permanent-residence card number) typed into free text: not a
# piece of a longer run, so a 22-digit 办件编号 or a phone number is left alone. As people type it: in
# full-width digits (a Chinese input method's default), or grouped 6-8-4 by spaces or hyphens.
_DIGIT = "[0-9０-９]"
_NOT_AROUND = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_ID_NUMBER_IN_TEXT = re.compile(
    rf"(?<![{_NOT_AROUND}])({_DIGIT}{{6}})[ \-]?({_DIGIT}{{8}})[ \-]?({_DIGIT}{{3}}[0-9０-９XxＸｘ])(?![{_NOT_AROUND}])"
)
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


# A first-generation (1984–2004) 15-digit number: 6-digit region, YYMMDD, 3-digit sequence, no check
# character, still found on old certificates people copy from. Not a piece of a longer run (a 22-digit
# 办件编号, a 16–17 digit account number), and its YYMMDD must be a date, so an arbitrary 15-digit run
# is left alone; an 11-digit mobile number and the 8-character 查询码 never match.
_OLD_ID_NUMBER_IN_TEXT = re.compile(
    rf"(?<![{_NOT_AROUND}])({_DIGIT}{{6}})[ \-]?({_DIGIT}{{6}})[ \-]?({_DIGIT}{{3}})(?![{_NOT_AROUND}])"
)


def _is_yymmdd(digits: str) -> bool:
    month, day = int(digits[2:4]), int(digits[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _mask_old(match: re.Match[str]) -> str:
    region, birth, sequence = (part.translate(_HALF_WIDTH) for part in match.groups())
    return mask_id_number(region + birth + sequence) if _is_yymmdd(birth) else match.group(0)


def mask_id_numbers_in_text(text: str) -> str:
    """Free text (a rating's comment, a report, a reply) with every ID number in it masked: the
    18-character ones and the old 15-digit ones."""
    text = _ID_NUMBER_IN_TEXT.sub(lambda match: mask_id_number("".join(match.groups()).translate(_HALF_WIDTH)), text)
    return _OLD_ID_NUMBER_IN_TEXT.sub(_mask_old, text)


def id_number_digest(value: str) -> str:
    """HMAC-SHA256 (hex) of the normalised number under ``settings.ID_NUMBER_HASH_KEY``.

    Keyed, because an unkeyed hash of an 18-digit number with a known structure is reversed by
    trying every birth date and sequence.
    """
    key = settings.ID_NUMBER_HASH_KEY.encode()
    return hmac.new(key, normalize_id_number(value).encode(), hashlib.sha256).hexdigest()
