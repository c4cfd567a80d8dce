"""The inbox (消息中心): one user's own notifications, newest first; open one, mark them read.

Thin: parse → one service or selector of portal/notifications.py → render. Another user's
notification is not found (404), as is a number that is not one.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from portal import notifications
from portal.exceptions import DomainError, render_error

PAGE_SIZE = 20


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications.inbox_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/notifications.html",
        {"page": page, "unread": notifications.unread_count(request.user)},
    )


@require_POST
@login_required
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark it read and follow its link (only a link into the portal), else back to the inbox."""
    try:
        notification = notifications.mark_read(user=request.user, notification_id=notification_id)
    except DomainError as exc:
        return render_error(request, exc)
    if notification.link and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.link)
    return redirect("portal:notifications")


@require_POST
@login_required
def read_all(request: HttpRequest) -> HttpResponse:
    notifications.mark_all_read(user=request.user)
    return redirect("portal:notifications")
