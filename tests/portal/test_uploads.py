import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import DOCX, FORM_KINDS, PDF, PNG, check_upload

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_it_accepts_a_real_pdf():
    assert check_upload(SimpleUploadedFile("申请表.pdf", PDF_BYTES)) is PDF


def test_it_accepts_a_png_named_png():
    assert check_upload(SimpleUploadedFile("photo.PNG", PNG_BYTES)) is PNG


def test_it_recognises_a_word_document_inside_its_zip():
    assert check_upload(SimpleUploadedFile("表.docx", docx_bytes()), allowed=FORM_KINDS) is DOCX


def test_it_refuses_text_dressed_as_pdf():
    with pytest.raises(ValidationError) as caught:
        check_upload(SimpleUploadedFile("申请表.pdf", b"just some text, not a pdf"))
    assert caught.value.code == "wrong_file_type"


def test_it_refuses_a_pdf_named_as_an_image():
    with pytest.raises(ValidationError) as caught:
        check_upload(SimpleUploadedFile("photo.jpg", PDF_BYTES))
    assert caught.value.code == "name_content_mismatch"


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as caught:
        check_upload(SimpleUploadedFile("a.pdf", b""))
    assert caught.value.code == "empty_file"


def test_it_refuses_an_oversized_file(settings):
    settings.UPLOAD_MAX_BYTES = 64
    with pytest.raises(ValidationError) as caught:
        check_upload(SimpleUploadedFile("a.pdf", PDF_BYTES + b"x" * 100))
    assert caught.value.code == "file_too_large"
    assert "不得超过" in caught.value.messages[0]


def test_it_refuses_a_zip_that_is_no_office_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("evil.sh", "rm -rf /")
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile("表.docx", buffer.getvalue()), allowed=FORM_KINDS)


def test_every_uploaded_file_field_stores_under_a_random_name():
    """Generated documents (applications.Document) and issued e-licences (applications.License) are named by
    the portal; every upload is random."""
    from django.apps import apps
    from django.db import models

    from portal.uploads import RandomName

    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and not isinstance(field.upload_to, RandomName)
    ]
    assert sorted(fields) == ["applications.Document.file", "applications.License.file"]


@pytest.mark.parametrize(
    ("uploaded", "extension"),
    [("张三 身份证.PDF", ".pdf"), ("../../etc/passwd", ""), ("清单.xlsx", ".xlsx"), ("a.tar.gz", ".gz"), ("x.p?f", "")],
)
def test_a_random_name_keeps_only_a_plain_extension_of_the_uploaders_name(uploaded, extension):
    from portal.uploads import RandomName

    name = RandomName("letters/%Y")(None, uploaded)

    folder, stored = name.rsplit("/", 1)
    assert re.fullmatch(r"letters/\d{4}", folder) and re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), stored)
