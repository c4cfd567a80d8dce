"""Blank forms and samples of a published item's materials, and its result sample."""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile

from catalog.models import ServiceItem
from tests.factories import MaterialRequirementFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_BYTES = b"%PDF-1.7\n% sample\n"
DOCX_BYTES = b"PK\x03\x04 docx"


def with_files(material, *, blank: bytes | None = DOCX_BYTES, sample: bytes | None = PDF_BYTES):
    if blank is not None:
        material.blank_form.save("form.docx", ContentFile(blank), save=False)
    if sample is not None:
        material.sample.save("sample.pdf", ContentFile(sample), save=False)
    material.save()
    return material


@pytest.fixture
def material(db):
    item = ServiceItemFactory(name="个体工商户设立登记")
    return with_files(MaterialRequirementFactory(item=item, name="开业登记申请书"))


def url(material, kind: str, *, code: str | None = None) -> str:
    return f"/items/{code or material.item.code}/materials/{material.id}/{kind}/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_downloads_the_blank_form_as_an_attachment_with_its_type(client, material):
    response = client.get(url(material, "blank"))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("开业登记申请书（空白表格）.docx")
    assert body(response) == DOCX_BYTES


def test_it_downloads_the_sample(client, material):
    response = client.get(url(material, "sample"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert body(response) == PDF_BYTES


def test_the_guide_links_to_the_files_it_has(client, material):
    bare = MaterialRequirementFactory(item=material.item, name="无表格材料")
    html = client.get(material.item.get_absolute_url()).content.decode()
    assert url(material, "blank") in html and url(material, "sample") in html
    assert f"/materials/{bare.id}/" not in html


def test_a_material_without_that_file_is_not_found(client, material):
    bare = MaterialRequirementFactory(item=material.item)
    assert client.get(url(bare, "blank")).status_code == 404
    assert client.get(url(bare, "sample")).status_code == 404


def test_a_file_missing_from_storage_is_not_found(client, material):
    material.blank_form.storage.delete(material.blank_form.name)
    response = client.get(url(material, "blank"))
    assert response.status_code == 404
    assert "该文件不存在" in response.content.decode()


def test_a_material_of_a_draft_is_not_found(client):
    draft = with_files(MaterialRequirementFactory(item=ServiceItemFactory(draft=True)))
    assert client.get(url(draft, "blank")).status_code == 404


def test_a_material_of_the_retired_version_of_a_published_item_is_not_found(client, material):
    old = ServiceItemFactory(code=material.item.code, version=0, status=ServiceItem.Status.RETIRED)
    old_material = with_files(MaterialRequirementFactory(item=old))
    assert client.get(url(old_material, "blank")).status_code == 404


def test_a_material_id_of_another_item_is_not_found(client, material):
    other = ServiceItemFactory()
    assert client.get(url(material, "blank", code=other.code)).status_code == 404


@pytest.mark.parametrize("kind", ["result", "blank_form", "BLANK", "..", "x"])
def test_an_unknown_kind_of_file_is_not_found(client, material, kind):
    assert client.get(url(material, kind)).status_code == 404


@pytest.mark.parametrize("material_id", ["0", "99999999999", "99999999999999999999999999"])
def test_unknown_or_huge_material_ids_are_not_found(client, material, material_id):
    assert client.get(f"/items/{material.item.code}/materials/{material_id}/blank/").status_code == 404


def test_a_non_numeric_material_id_does_not_match_a_route(client, material):
    assert client.get(f"/items/{material.item.code}/materials/abc/blank/").status_code == 404


def test_downloads_only_answer_safe_methods(client, material):
    assert client.post(url(material, "blank")).status_code == 405
    assert client.delete(url(material, "blank")).status_code == 405


def test_an_odd_extension_is_served_as_plain_bytes(client, material):
    material.blank_form.save("form.exe-like", ContentFile(b"MZ"), save=True)
    response = client.get(url(material, "blank"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_result_sample_of_a_published_item_downloads(client):
    item = ServiceItemFactory(result_name="营业执照")
    item.result_sample.save("licence.pdf", ContentFile(PDF_BYTES), save=True)
    response = client.get(f"/items/{item.code}/result-sample/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert quote("营业执照（样本）.pdf") in response["Content-Disposition"]
    assert "/result-sample/" in client.get(item.get_absolute_url()).content.decode()


def test_a_missing_result_sample_or_a_drafts_is_not_found(client):
    assert client.get(f"/items/{ServiceItemFactory().code}/result-sample/").status_code == 404
    draft = ServiceItemFactory(draft=True)
    draft.result_sample.save("licence.pdf", ContentFile(PDF_BYTES), save=True)
    assert client.get(f"/items/{draft.code}/result-sample/").status_code == 404
