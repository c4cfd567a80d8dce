"""Uploaded files are checked by their content, not their name, and by size.

Used by every form and API that takes a file (materials, blank forms, samples, letters, imports).
Every uploaded file is stored under a random name (``RandomName``, the ``upload_to`` of every
FileField that takes an upload): the uploader's file name is data, never a path on disk, so it
neither leaks into URLs and logs nor collides, and names such as ``张三身份证.pdf`` stay out of
the storage.
"""

import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext, gettext_lazy


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "PDF", (".pdf",))
JPEG = FileKind("jpeg", gettext_lazy("JPEG 图片"), (".jpg", ".jpeg"))
PNG = FileKind("png", gettext_lazy("PNG 图片"), (".png",))
OFD = FileKind("ofd", gettext_lazy("OFD 版式文件"), (".ofd",))
DOCX = FileKind("docx", gettext_lazy("Word 文档"), (".docx",))
XLSX = FileKind("xlsx", gettext_lazy("Excel 表格"), (".xlsx",))
DOC = FileKind("doc", gettext_lazy("Word 97-2003 文档"), (".doc", ".xls"))

DOCUMENT_KINDS = (PDF, JPEG, PNG, OFD)
FORM_KINDS = (PDF, DOCX, XLSX, DOC, JPEG, PNG)


def sniff(head: bytes, file: UploadedFile) -> FileKind | None:
    """The kind the bytes say the file is, whatever its name says."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04"):
        # OOXML and OFD are zip containers; tell them apart by what is inside.
        try:
            file.seek(0)
            names = set(zipfile.ZipFile(file).namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            file.seek(0)
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        if "OFD.xml" in names:
            return OFD
    return None


def check_upload(
    file: UploadedFile, *, allowed: tuple[FileKind, ...] = DOCUMENT_KINDS, max_bytes: int | None = None
) -> FileKind:
    """Return the file's kind, or raise ValidationError with a message for the person uploading."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    if file.size is None or file.size == 0:
        raise ValidationError(gettext("文件为空，请重新选择。"), code="empty_file")
    if file.size > limit:
        raise ValidationError(
            gettext("文件过大（%(value)s MB），单个文件不得超过 %(value2)s MB。")
            % {"value": format(file.size / 1048576, ".1f"), "value2": format(limit / 1048576, ".0f")},
            code="file_too_large",
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    kind = sniff(head, file)
    labels = gettext("、").join(str(k.label) for k in allowed)
    if kind is None or kind not in allowed:
        raise ValidationError(
            gettext("文件内容不是允许的格式（%(labels)s），请上传真实的文件。") % {"labels": labels},
            code="wrong_file_type",
        )
    name = (file.name or "").lower()
    if not name.endswith(kind.extensions):
        raise ValidationError(
            gettext("文件名“%(name)s”与文件内容（%(label)s）不符，请检查后重新上传。")
            % {"name": file.name, "label": kind.label},
            code="name_content_mismatch",
        )
    return kind


SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,5}")


@deconstructible
class RandomName:
    """``upload_to`` for uploads: ``<folder with strftime>/<uuid4 hex><extension>``.

    The extension is the one ``check_upload`` (or the import's own check) matched against the
    file's content, lower-cased; anything else in the uploader's name is dropped.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance: Any, filename: str) -> str:
        extension = PurePath(filename or "").suffix.lower()
        if not SAFE_EXTENSION.fullmatch(extension):
            extension = ""
        return f"{timezone.now().strftime(self.folder)}/{uuid.uuid4().hex}{extension}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def original_name(file: UploadedFile) -> str:
    """The uploader's file name as data (shown to people, never used as a path), at most 200 characters."""
    return PurePath(file.name or "").name[-200:]
