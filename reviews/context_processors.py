"""The header's links to the back office's parts and their counts (templates/base.html): the review
workbench (待办), 差评整改 (open rectifications), 效能监督, and for applicants 我的评价 (待评价)."""

from typing import Any

from django.http import HttpRequest

from applications.access import applications_visible_to_applicant
from applications.models import Application
from portal.models import Role
from reviews import rectifications, selectors, supervision


def review_workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    # Callables: counted only where the header is rendered, one query each. Staff reach their own
    # ratings from 我的办件; the header counts only the work of their role.
    context: dict[str, Any] = {}
    if not user.is_portal_staff:
        context["ratings_pending_count"] = lambda: (
            applications_visible_to_applicant(user)
            .filter(status=Application.Status.CONCLUDED, evaluation__isnull=True)
            .count()
        )
    if selectors.is_workbench_user(user):
        context.update(review_workbench=True, review_todo_count=lambda: selectors.queue_for(user).count())
    if rectifications.may_see_rectifications(user):
        context["rectifications_link"] = True
        context["rectification_open_count"] = lambda: (
            rectifications.rectifications_visible_to(user).filter(status__in=rectifications.OPEN).count()
        )
    if user.has_role(Role.HOTLINE):
        context["hotline"] = True
    if supervision.may_supervise(user):
        context["supervision"] = True
    return context
