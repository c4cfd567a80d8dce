"""The header's link to the back-office workbench and its 待办 count (templates/base.html)."""

from typing import Any

from django.http import HttpRequest

from reviews import selectors


def review_workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not selectors.is_workbench_user(user):
        return {}
    # A callable: counted only where the header is rendered, one query (the queue the workbench lists).
    return {"review_workbench": True, "review_todo_count": lambda: selectors.queue_for(user).count()}
