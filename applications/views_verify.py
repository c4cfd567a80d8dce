"""The public verification page behind a document's QR code: no sign-in, no personal data.

It shows what a third party needs to trust a paper or PDF copy (kind, its 文号, the service item,
issuing department, date, current status, SHA-256 of the stored PDF) and nothing about the applicant:
no name, no ID number. The 文号 carries the case number, as the paper does. The token is 256 random
bits (secrets.token_urlsafe(32)); guessing one is hopeless.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from applications.documents import document_number, document_status
from applications.models import Document
from portal.exceptions import NotFound, render_error


@require_safe
def verify_document(request: HttpRequest, token: str) -> HttpResponse:
    documents = Document.objects.select_related("application__department", "application__item")
    document = documents.filter(token=token).first()
    if document is None:
        return render_error(request, NotFound(gettext("未找到该文书，请核对二维码或链接。")))
    status, status_label = document_status(document)
    response = render(
        request,
        "applications/verify.html",
        {
            "kind": document.get_kind_display(),
            "number": document_number(document),
            "item_name": (document.context.get("item") or {}).get("name") or document.application.item.name,
            "issuing_body": document.application.department.name,
            "issued_on": timezone.localdate(document.created_at),
            "status": status,
            "status_label": gettext(status_label),  # documents.document_status: msgids (the PDFs keep Chinese)
            "revoked_on": timezone.localdate(document.revoked_at) if document.revoked_at else None,
            "sha256": document.sha256 if document.rendered_at else "",
        },
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
