"""Download of a case's document (PDF): through the access helper, rendered on the first request."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from applications.access import DOWNLOAD, get_application_for
from applications.documents import render_document
from portal.exceptions import DomainError, NotFound, render_error


@login_required
@require_safe
@cache_control(private=True, no_store=True)
def document_pdf(request: HttpRequest, number: str, token: str) -> HttpResponse:
    """One document of a case the user may see; a token of another case is a 404 like any other."""
    try:
        application, _ = get_application_for(request.user, number, DOWNLOAD)
        document = application.documents.filter(token=token).first()
        if document is None:
            raise NotFound("未找到该文书。")
        pdf = render_document(document)
    except DomainError as exc:
        return render_error(request, exc)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{document.get_kind_display()}-{application.number}.pdf"
    # RFC 6266 / RFC 5987: an ASCII fallback, then the Chinese name percent-encoded in UTF-8.
    response["Content-Disposition"] = (
        f"inline; filename=\"{document.kind}-{application.number}.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    return response
