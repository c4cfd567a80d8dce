"""办件查询: anyone holding a receipt follows the case by its number and 查询码, without signing in.

POST only for the answer, so the code never lands in a URL, a proxy log or the browser history;
never cached. The page shows progress only (applications.selectors.public_progress), never who applied.
"""

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from applications import services
from portal.exceptions import BadInput, DomainError

NUMBER_MAX_LENGTH = 40
CODE_MAX_LENGTH = 12


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """The form, and on POST the case's progress or one answer for every wrong number or code."""
    number, code = request.POST.get("number", ""), request.POST.get("access_code", "")
    error, status, progress = "", 200, None
    if request.method == "POST":
        try:
            # A longer value is no number or code of ours: refused rather than cut, so a cut value
            # never matches by accident. NUL and surrogates are refused before (UnsafeInputMiddleware).
            if len(number) > NUMBER_MAX_LENGTH or len(code) > CODE_MAX_LENGTH:
                raise BadInput(gettext("办件编号或查询码过长，请核对受理凭证后重新输入。"))
            if not number.strip() or not code.strip():
                raise BadInput(gettext("请填写办件编号和查询码。"))
            progress = services.look_up_progress(
                number=number, access_code=code, ip=get_client_ip_address(request) or None
            )
        except DomainError as exc:
            error, status = exc.message, exc.status_code
    context = {
        # The code is never echoed back: the page may be left open on a hall kiosk.
        "values": {"number": number[:NUMBER_MAX_LENGTH] if not progress else ""},
        "error": error,
        "progress": progress,
    }
    return render(request, "applications/lookup.html", context, status=status)
