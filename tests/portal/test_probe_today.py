"""Probing today's ID-number masking of free text ({{ text|mask_id_numbers }}, the 好差评 API) with the
ways people actually type a number: full-width digits from a Chinese input method, 6-8-4 groups."""

import pytest
from django.template import engines

from portal.idnumbers import mask_id_numbers_in_text

MASKED = "110105********002X"


@pytest.mark.parametrize(
    "typed",
    [
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105 19491231 002X",
        "110105-19491231-002x",
        "１１０１０５ １９４９１２３１ ００２Ｘ",
    ],
)
def test_an_id_number_typed_full_width_or_grouped_is_masked(typed):
    assert mask_id_numbers_in_text(f"我的证件号{typed}登记错了") == f"我的证件号{MASKED}登记错了"


@pytest.mark.parametrize(
    "text",
    [
        "办件 3201022026030200100001",  # a 22-digit case number
        "电话 138 0013 8000，座机 025-12345678",
        "卡号 6222 0212 3456 7890 123",
        "统一社会信用代码 91320102MA1X2Y3Z4W",
        "编号 １２３４５６７８９０１２３４５６７８９",  # 19 full-width digits: part of a longer run
    ],
)
def test_numbers_that_are_not_id_numbers_are_left_alone(text):
    assert mask_id_numbers_in_text(text) == text


def test_the_filter_still_escapes_what_it_is_given():
    template = engines["django"].from_string("{% load id_numbers %}{{ text|mask_id_numbers }}")
    page = template.render({"text": "<b>１１０１０５１９４９１２３１００２Ｘ</b>"})
    assert page == f"&lt;b&gt;{MASKED}&lt;/b&gt;"
