"""WeasyPrint behind portal.pdf: the URL fetcher that serves ``data:`` URLs and the portal's static
files and nothing else. Imported when a PDF is rendered, not when Django starts."""

import logging
import mimetypes
from collections.abc import Mapping

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.pdf import ResourceRefused, static_file_for

__all__ = ["HTML", "StaticFilesFetcher"]

logger = logging.getLogger("portal.pdf")


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
