"""Reads of the catalog with their rules."""

from django.db.models import QuerySet

from catalog.models import ServiceItem


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department", "region")


def search_published_items(*, query: str = "") -> QuerySet[ServiceItem]:
    items = published_items()
    if query:
        items = items.filter(search_text__icontains=query.lower())
    return items.order_by("name")
