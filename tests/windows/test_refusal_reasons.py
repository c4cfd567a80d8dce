"""不予受理 with a common reason picked from a list: the notice prints that reason and its legal basis, and
says "not within this agency's competence" (with the competent agency) only when that is the reason."""

import pytest
from django.urls import reverse

from applications import documents
from applications.models import Application, Document
from tests.applications.test_documents import pdf_text
from tests.windows.conftest import MONDAY, clock_at
from windows import services

S = Application.Status
NOT_COMPETENT_TEXT = "不属于本机关职权范围"


def refuse_url(application):
    return reverse("windows:refuse", args=[application.number])


def notice_text(application, tmp_path):
    document = Document.objects.get(application=application, kind=Document.Kind.REFUSAL_NOTICE)
    return pdf_text(documents.render_document(document), tmp_path)


def test_a_not_required_refusal_prints_its_own_reason_and_basis_and_no_competence_claim(client_a, submitted, tmp_path):
    response = client_a.post(
        refuse_url(submitted), {"reason_code": "not_required", "competent_agency": "南京市市场监督管理局"}
    )
    assert response.status_code == 302
    text = notice_text(submitted, tmp_path)
    assert "依法不需要取得行政许可" in text and "第三十二条第一款第（一）项" in text
    assert NOT_COMPETENT_TEXT not in text and "南京市市场监督管理局" not in text


def test_a_not_competent_refusal_names_the_competent_agency(client_a, submitted, tmp_path):
    response = client_a.post(
        refuse_url(submitted), {"reason_code": "not_competent", "competent_agency": "南京市市场监督管理局"}
    )
    assert response.status_code == 302
    text = notice_text(submitted, tmp_path)
    assert "该申请事项依法不属于本机关职权范围，请向南京市市场监督管理局申请" in text
    assert "第三十二条第一款第（二）项" in text


def test_a_not_competent_refusal_needs_the_competent_agency(client_a, submitted):
    response = client_a.post(refuse_url(submitted), {"reason_code": "not_competent"})
    assert response.status_code == 422 and "须告知申请人向哪一行政机关申请" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_a_not_corrected_refusal_prints_the_particulars_after_the_reason(client_a, submitted, tmp_path):
    response = client_a.post(
        refuse_url(submitted), {"reason_code": "not_corrected", "reason": "营业执照复印件至补正期限届满仍未提交。"}
    )
    assert response.status_code == 302
    text = notice_text(submitted, tmp_path)
    assert "逾期未补正" in text and "营业执照复印件至补正期限届满仍未提交" in text
    assert "第三十二条第一款第（四）项" in text and NOT_COMPETENT_TEXT not in text


def test_other_needs_a_written_reason_and_basis(client_a, submitted):
    response = client_a.post(refuse_url(submitted), {"reason_code": "other", "reason": "", "basis": ""})
    page = response.content.decode()
    assert response.status_code == 422 and "不予受理须写明理由" in page and "不予受理须写明法律依据" in page


def test_a_written_out_reason_with_an_agency_names_it_without_a_competence_claim(submitted, clerk_a, tmp_path):
    services.refuse_at_window(
        clerk=clerk_a,
        application=submitted,
        reason="申请人已就同一事项在办，不得重复申请。",
        basis="《某某条例》第十条",
        competent_agency="南京市市场监督管理局",
        clock=clock_at(MONDAY, 11),
    )
    text = notice_text(submitted, tmp_path)
    assert "不得重复申请" in text and "《某某条例》第十条" in text
    assert "请向南京市市场监督管理局申请" in text and NOT_COMPETENT_TEXT not in text


def test_the_refusal_form_offers_the_common_reasons(client_a, submitted):
    page = client_a.get(refuse_url(submitted)).content.decode()
    assert 'name="reason_code"' in page and "依法不需要取得行政许可" in page and "逾期未补正" in page


@pytest.mark.parametrize("code", ["bogus"])
def test_an_unknown_reason_is_refused(client_a, submitted, code):
    assert client_a.post(refuse_url(submitted), {"reason_code": code}).status_code == 422
