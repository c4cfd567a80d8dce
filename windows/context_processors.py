"""The header's link to the clerk's workbench and its 待预审 count (templates/base.html).

The portal's own context processor knows no domain (DESIGN.md "The shape"), so this app adds its part.
"""

from typing import Any

from django.http import HttpRequest

from portal.models import Role
from windows import selectors


def hall_workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.has_role(Role.CLERK)):
        return {}
    # A callable: the template calls it only where the header is rendered, so one count query per page.
    return {"hall_workbench": True, "hall_prereview_count": lambda: selectors.prereview_queue(user).count()}
