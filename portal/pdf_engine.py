"""WeasyPrint behind portal.pdf: the URL fetcher that serves ``data:`` URLs and the portal's static
files and nothing else. Imported when a PDF is rendered, not when Django starts."""

import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["HTML", "PDF_BASE_URL", "ResourceRefused", "StaticFilesFetcher"]

logger = logging.getLogger("portal.pdf")

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


class StaticFilesFetcher(URLFetcher):
    """Serves ``data:`` URLs and the portal's static files; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=["data"], allow_redirects=False, timeout=1)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            # Decoded in memory by urllib's data: handler (QR codes, seal images).
            return super().fetch(url, headers)
        try:
            path = static_file_for(url)
        except ResourceRefused:
            logger.warning("PDF resource refused: %.200s", url)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})
