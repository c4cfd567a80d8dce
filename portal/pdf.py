"""PDF documents rendered with WeasyPrint from templates under templates/pdf/.

The URL fetcher reads nothing but the portal's own static files: no local paths, no network. A
template that names anything else (a stray ``file:///``, a remote image, a ``../`` escape) renders
without that resource and leaves a warning in the log.
"""

import base64
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import qrcode
from django.conf import settings
from django.template.loader import render_to_string

# Root-relative URLs in PDF templates ({% static %} gives "/static/…") resolve against this origin,
# which the fetcher maps back onto the static files on disk. ".invalid" never resolves (RFC 6761).
PDF_BASE_URL = "https://pdf.portal.invalid/"


class ResourceRefused(ValueError):
    """A PDF template asked for something other than one of the portal's static files."""


def _static_roots() -> list[Path]:
    roots = [Path(entry) for entry in settings.STATICFILES_DIRS if not isinstance(entry, tuple | list)]
    if settings.STATIC_ROOT:
        # Where collectstatic puts the hashed names that {% static %} gives in production.
        roots.append(Path(settings.STATIC_ROOT))
    return roots


def static_file_for(url: str) -> Path:
    """The static file that `url` names, or ResourceRefused."""
    prefix = urljoin(PDF_BASE_URL, settings.STATIC_URL)
    if not url.startswith(prefix):
        raise ResourceRefused(f"PDF 只能引用本站静态文件，已拒绝：{url[:200]}")
    relative = unquote(urlsplit(url[len(prefix) :]).path)
    parts = relative.split("/")
    if not relative or "\\" in relative or "\x00" in relative or any(p in ("", ".", "..") for p in parts):
        raise ResourceRefused(f"静态文件路径不合法，已拒绝：{url[:200]}")
    for root in _static_roots():
        root = root.resolve()
        candidate = (root / relative).resolve()
        # resolve() follows symbolic links: a link pointing out of the root is refused too.
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise ResourceRefused(f"没有这个静态文件：{relative[:200]}")


def render_pdf(template_name: str, context: Mapping[str, Any]) -> bytes:
    """Render a template under templates/pdf/ to PDF bytes."""
    # WeasyPrint (with pango, fontTools) takes about a second to import: only the processes that render
    # pay it, not every manage.py command, web worker and beat that starts.
    from portal.pdf_engine import HTML, StaticFilesFetcher

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
