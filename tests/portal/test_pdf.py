"""PDF rendering: Chinese text in embedded CJK fonts, and a URL fetcher that reads only static files."""

import datetime as dt
import logging
import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from portal.pdf import qr_png_data_uri, render_pdf
from portal.pdf_engine import PDF_BASE_URL, ResourceRefused, StaticFilesFetcher

SAMPLE = """{% extends "pdf/base.html" %}
{% block body %}
<p>申请人张三提交的“个体工商户设立登记”申请，申请材料齐全、符合法定形式，本机关决定予以受理。</p>
<table><tr><th>材料名称</th><th>原件</th></tr><tr><td>身份证明</td><td>1</td></tr></table>
{% endblock %}
"""

HOSTILE = """{% extends "pdf/base.html" %}
{% block body %}
<p>含有不该读取的资源。</p>
<img src="file:///etc/passwd" alt="">
<img src="http://198.51.100.7/track.png" alt="">
<img src="static/../portal/settings.py" alt="">
<link rel="stylesheet" href="https://example.com/x.css">
{% endblock %}
"""

CONTEXT = {
    "issuing_body": "南京市玄武区行政审批局",
    "document_title": "受理通知书",
    "document_number": "玄审受字〔2026〕第000123号",
    "issued_on": dt.date(2026, 3, 2),
    "verify_url": "https://zwfw.example.gov.cn/verify/abc",
}


def templates_with(directory: Path) -> list[dict]:
    from django.conf import settings

    return [{**engine, "DIRS": [*engine["DIRS"], directory]} for engine in settings.TEMPLATES]


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("templates")
    (directory / "pdf").mkdir()
    (directory / "pdf" / "test_sample.html").write_text(SAMPLE, encoding="utf-8")
    (directory / "pdf" / "test_hostile.html").write_text(HOSTILE, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def sample_pdf(template_dir, tmp_path_factory) -> Path:
    with override_settings(TEMPLATES=templates_with(template_dir)):
        pdf = render_pdf("pdf/test_sample.html", {**CONTEXT, "qr_data_uri": qr_png_data_uri(CONTEXT["verify_url"])})
    path = tmp_path_factory.mktemp("pdf") / "sample.pdf"
    path.write_bytes(pdf)
    return path


def poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def test_the_pdf_carries_the_chinese_text_as_text(sample_pdf):
    assert sample_pdf.read_bytes().startswith(b"%PDF-")
    text = poppler("pdftotext", "-layout", str(sample_pdf), "-")
    expected = ["南京市玄武区行政审批局", "受理通知书", "玄审受字〔2026〕第000123号", "个体工商户设立登记"]
    for words in [*expected, "2026年3月2日"]:
        assert words in text


def test_the_stylesheet_from_static_files_is_applied(sample_pdf):
    # The page numbers exist only in static/css/pdf.css (@page): the fetcher served it.
    assert "第 1 页，共 1 页" in poppler("pdftotext", str(sample_pdf), "-")
    assert "A4" in poppler("pdfinfo", str(sample_pdf))


def test_every_font_is_an_embedded_noto_cjk_font(sample_pdf):
    rows = poppler("pdffonts", str(sample_pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        assert "CJK" in row, row
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_the_qr_code_is_drawn_as_an_image(sample_pdf):
    images = poppler("pdfimages", "-list", str(sample_pdf)).splitlines()[2:]
    assert len(images) == 1


def test_a_qr_code_data_uri_is_a_png():
    import base64

    uri = qr_png_data_uri("https://zwfw.example.gov.cn/verify/abc")
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")


# --- The fetcher -----------------------------------------------------------------------------------


def test_the_fetcher_serves_a_static_file(settings):
    response = StaticFilesFetcher().fetch(PDF_BASE_URL + "static/css/pdf.css")
    assert response.read() == (Path(settings.BASE_DIR) / "static" / "css" / "pdf.css").read_bytes()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://198.51.100.7/track.png",
        "https://example.com/static/css/pdf.css",
        "http://pdf.portal.invalid/static/css/pdf.css",  # not the exact origin
        PDF_BASE_URL + "portal/settings.py",  # what static/../portal/settings.py resolves to
        PDF_BASE_URL + "static/../portal/settings.py",
        PDF_BASE_URL + "static/%2e%2e/portal/settings.py",
        PDF_BASE_URL + "static/css/%2e%2e/%2e%2e/portal/settings.py",
        PDF_BASE_URL + "static//etc/passwd",
        PDF_BASE_URL + "static/css\\..\\..\\manage.py",
        PDF_BASE_URL + "static/css/none-such.css",
        PDF_BASE_URL + "static/",
        PDF_BASE_URL + "static/css",  # a directory
    ],
)
def test_the_fetcher_refuses_anything_but_a_static_file(url):
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher().fetch(url)


def test_the_fetcher_refuses_a_symbolic_link_out_of_the_static_folder(tmp_path, settings):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to("/etc/passwd")
    settings.STATICFILES_DIRS = [static]
    settings.STATIC_ROOT = None
    with pytest.raises(ResourceRefused):
        StaticFilesFetcher().fetch(PDF_BASE_URL + "static/passwd.css")


def test_a_template_that_names_outside_resources_renders_without_them(template_dir, caplog):
    caplog.set_level(logging.WARNING, logger="portal.pdf")
    with override_settings(TEMPLATES=templates_with(template_dir)):
        pdf = render_pdf("pdf/test_hostile.html", CONTEXT)
    assert pdf.startswith(b"%PDF-")
    refused = [record.getMessage() for record in caplog.records if record.name == "portal.pdf"]
    assert any("file:///etc/passwd" in message for message in refused)
    assert any("198.51.100.7" in message for message in refused)
    assert any("example.com" in message for message in refused)
    assert any(message.endswith("/portal/settings.py") for message in refused)
    assert b"root:" not in pdf
