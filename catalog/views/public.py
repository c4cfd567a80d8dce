"""Public pages: search, topics, the guide (办事指南) and its PDF."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from catalog import selectors


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    items = selectors.search_published_items(query=query)[:50]
    return render(request, "catalog/search.html", {"query": query, "items": items})
