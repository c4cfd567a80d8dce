"""A licence's PDF (templates/pdf/licence.html): rendered and signed once, the stored bytes after.

The same WeasyPrint rendering and PAdES signature as the case documents (applications/documents.py).
"""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext

from applications.documents import chinese_date, sign_pdf
from applications.licences.models import License
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError
from portal.pdf import render_pdf

logger = logging.getLogger(__name__)


def licence_context(licence: License) -> dict[str, object]:
    application = licence.application
    return {
        "document_title": licence.kind,
        "issuing_body": licence.issuer,
        "licence": licence,
        "holder_type_label": licence.get_holder_type_display(),
        "item_name": application.item.name if application is not None else "",
        "scope": _scope(licence),
        "issued_on": licence.issued_on,
        "issued_on_cn": chinese_date(licence.issued_on),
        "portal_name": settings.PORTAL_NAME,
    }


def _scope(licence: License) -> str:
    """What the grant allows, as the applicant described it in the form (经营范围 and the like)."""
    application = licence.application
    if application is None:
        return ""
    data = application.form_data or {}
    for name in ("business_scope", "scope", "premises"):
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:300]
    return ""


def render_licence(licence: License, *, clock: Clock = system_clock) -> bytes:
    """The licence's signed PDF: rendered by the first caller under the row lock, the stored bytes after."""
    if licence.rendered_at is None:
        with transaction.atomic():
            locked = (
                License.objects.select_for_update(of=("self",)).select_related("application__item").get(pk=licence.pk)
            )
            if locked.rendered_at is None:
                pdf = render_pdf("pdf/licence.html", licence_context(locked))
                pdf = sign_pdf(pdf, reason=f"电子证照：{locked.kind}", location=locked.issuer)
                locked.file.save(f"licence-{locked.pk}.pdf", ContentFile(pdf), save=False)
                locked.sha256 = hashlib.sha256(pdf).hexdigest()
                locked.rendered_at = clock.now()
                locked.save(update_fields=["file", "sha256", "rendered_at"])
                licence.file, licence.sha256, licence.rendered_at = locked.file, locked.sha256, locked.rendered_at
                return pdf
            licence.file, licence.sha256, licence.rendered_at = locked.file, locked.sha256, locked.rendered_at
    try:
        with licence.file.open("rb") as handle:
            pdf = handle.read()
    except (FileNotFoundError, ValueError):
        logger.error("licence %s: stored file %r is missing", licence.pk, licence.file.name)
        raise DomainError(gettext("该电子证照文件暂不可用，请联系发证机关。"), code="licence_unavailable") from None
    if hashlib.sha256(pdf).hexdigest() != licence.sha256:
        logger.error("licence %s: stored file %r does not match its SHA-256", licence.pk, licence.file.name)
        raise DomainError(gettext("该电子证照文件校验失败，请联系发证机关。"), code="licence_unavailable")
    return pdf
