"""The percent filter of the dashboards: a missing rate reads "—", not "—%"."""

from django.template import Context, Template

from portal.templatetags.figures import percent


def test_a_rate_reads_with_its_percent_sign():
    assert percent(66.7) == "66.7%"
    assert percent(100.0) == "100.0%"
    assert percent(0) == "0%"


def test_a_missing_rate_reads_as_a_dash_alone():
    assert percent(None) == "—"


def test_the_filter_works_in_a_template():
    template = Template("{% load figures %}{{ a|percent }} / {{ b|percent }}")
    assert template.render(Context({"a": 12.5, "b": None})) == "12.5% / —"
