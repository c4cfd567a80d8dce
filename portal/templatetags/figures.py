"""{{ value|percent }}: a rate as "66.7%", or "—" when there is nothing to divide by (never "—%")."""

from django import template
from django.utils.formats import number_format

register = template.Library()

MISSING = "—"


@register.filter
def percent(value: float | None) -> str:
    if value is None or value == "":
        return MISSING
    return f"{number_format(value)}%"
