from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog import selectors
from catalog.models import Topic

PREFERENCES = {"large_text", "high_contrast"}
HOME_DEPARTMENTS = 30


def home(request: HttpRequest) -> HttpResponse:
    """The front door: search, life-event and business-event topics, popular items, departments."""
    topics = list(selectors.topics_with_item_counts())
    return render(
        request,
        "portal/home.html",
        {
            "person_topics": [t for t in topics if t.audience == Topic.Audience.PERSON],
            "business_topics": [t for t in topics if t.audience == Topic.Audience.BUSINESS],
            "popular_items": selectors.popular_items(),
            "departments": selectors.departments_with_published_items()[:HOME_DEPARTMENTS],
        },
    )


@require_POST
def toggle_preference(request: HttpRequest, name: str) -> HttpResponse:
    """适老化: large text and high contrast, kept in a cookie so they work before sign-in."""
    if name not in PREFERENCES:
        return HttpResponseBadRequest("未知的显示设置。")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    enabled = request.COOKIES.get(name) != "1"
    response.set_cookie(
        name, "1" if enabled else "0", max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response
