"""PDF documents rendered with WeasyPrint from templates under templates/pdf/.

The URL fetcher (portal/pdf_engine.py) reads nothing but the portal's own static files: no local
paths, no network. A template that names anything else (a stray ``file:///``, a remote image, a
``../`` escape) renders without that resource and leaves a warning in the log.
"""

import base64
import io
from collections.abc import Mapping
from typing import Any

import qrcode
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes."""
    # WeasyPrint (with pango, fontTools) takes about a second to import: only the processes that render
    # pay it, not every manage.py command, web worker and beat that starts.
    from portal.pdf_engine import HTML, PDF_BASE_URL, StaticFilesFetcher

    html = render_to_string(template_name, dict(context))
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()


def qr_png_data_uri(text: str, *, box_size: int = 4) -> str:
    """A QR code of `text` as a PNG data: URI, for an <img> in a PDF template."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=2)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
