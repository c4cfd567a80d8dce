"""Private files (case materials, letters, appeal evidence) handed out by a view after its access
rule: never a /media/ URL. One way to answer: an attachment (the browser never renders an uploaded
file inline, so an HTML or SVG upload cannot run on the portal's origin), ``nosniff`` from
SecurityMiddleware, ``private, no-store`` so that no proxy or hall kiosk keeps it, and a missing
file is a 404 like a file the user may not see.
"""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext

from portal.exceptions import NotFound


def extension_of(file: FieldFile) -> str:
    return file.name.rsplit(".", 1)[-1].lower() if "." in file.name else "bin"


def open_stored(file: FieldFile, missing: str = "") -> FieldFile:
    """The stored file opened for reading, or NotFound (no file, or gone from the storage)."""
    message = missing or gettext("该文件不存在。")
    if not file:
        raise NotFound(message)
    try:
        return file.open("rb")
    except FileNotFoundError:
        raise NotFound(message) from None


def attachment_response(handle: FieldFile, download_name: str) -> FileResponse:
    response = FileResponse(handle, as_attachment=True, filename=download_name)
    response["Cache-Control"] = "private, no-store"
    return response
