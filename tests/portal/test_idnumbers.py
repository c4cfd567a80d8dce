"""Masking and the keyed digest of ID numbers (个人信息保护法; DOMAIN.md "Validation")."""

import hashlib
import hmac

import pytest

from portal.idnumbers import id_number_digest, mask_id_number


def test_an_id_number_is_masked_to_its_first_6_and_last_4_characters():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_masking_upper_cases_a_lower_case_x_and_drops_spaces_around():
    assert mask_id_number(" 11010519491231002x ") == "110105********002X"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("E12345678", "E1*****78"),  # passport
        ("H1234567890", "H1*******90"),  # 港澳居民来往内地通行证
        ("ABCDE", "A***E"),
        ("ABCD", "****"),
        ("", ""),
    ],
)
def test_shorter_document_numbers_keep_at_most_half_visible(value, masked):
    result = mask_id_number(value)
    assert result == masked
    assert len(result) == len(value)
    assert result.count("*") * 2 >= len(value)


def test_the_digest_is_an_hmac_sha256_of_the_normalised_number_under_the_configured_key(settings):
    settings.ID_NUMBER_HASH_KEY = "k-1"
    expected = hmac.new(b"k-1", b"11010519491231002X", hashlib.sha256).hexdigest()
    assert id_number_digest("11010519491231002X") == expected
    assert id_number_digest(" 11010519491231002x") == expected
    assert len(expected) == 64


def test_the_digest_depends_on_the_key_and_on_the_number(settings):
    settings.ID_NUMBER_HASH_KEY = "k-1"
    first = id_number_digest("11010519491231002X")
    other_number = id_number_digest("110105194912310021")
    settings.ID_NUMBER_HASH_KEY = "k-2"
    assert id_number_digest("11010519491231002X") != first
    assert other_number != first
    # An unkeyed hash would be found by trying every birth date and sequence.
    assert first != hashlib.sha256(b"11010519491231002X").hexdigest()
