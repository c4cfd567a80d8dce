"""Catalog editors' and publishers' pages: drafts, submission, approval, diff, history."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def editor_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/editor_list.html", {"items": []})
