"""{{ text|mask_id_numbers }}: free text typed by a person, shown with the ID numbers in it masked."""

from django import template

from portal.idnumbers import mask_id_numbers_in_text

register = template.Library()


@register.filter(is_safe=True)
def mask_id_numbers(value: object) -> str:
    # Safe in, safe out: masking only turns digits into asterisks, it adds no markup.
    return mask_id_numbers_in_text(str(value)) if value else ""
