"""{% unread_notifications as n %}: the unread count beside the inbox link in the header."""

from typing import Any

from django import template

from portal import notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return notifications.unread_count(user) if user is not None else 0
