"""The holder's e-licences (我的电子证照) and a licence's PDF: through applications/licences/access.py."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from applications.licences.access import get_licence_for, licences_held_by
from applications.licences.registry import licence_registry
from portal.clock import system_clock
from portal.exceptions import DomainError, render_error


@login_required
@require_safe
def my_licences(request: HttpRequest) -> HttpResponse:
    today = system_clock.today()
    rows = [(licence, licence.get_status_display_on(today)) for licence in licences_held_by(request.user)]
    return render(request, "applications/licences.html", {"licences": rows})


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def licence_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The holder's, or the staff's of a case that issued or used it; anyone else a 404."""
    try:
        number = get_licence_for(request.user, number)
        pdf = licence_registry().pdf(number)
    except DomainError as exc:
        return render_error(request, exc)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"licence-{quote(number)}.pdf\"; filename*=UTF-8''{quote(f'电子证照-{number}.pdf')}"
    )
    return response
