"""Case documents: real PDFs in Chinese, signed, rendered once, verifiable without personal data."""

import datetime as dt
import hashlib
import io
import json
import subprocess
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from applications import documents, services
from applications.forms_runtime import decrypt_id_numbers
from applications.models import Application, Document, Party, Result, SubmittedMaterial
from applications.transitions import Actor
from catalog.models import Department, ServiceItem
from portal import crypto
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, UserFactory

K = Document.Kind
MONDAY = dt.date(2026, 3, 2)


# --- Building a case up to each document --------------------------------------------------------


def _accept(application: Application) -> Application:
    clerk = UserFactory(real_name="王受理")
    services.accept_application(
        application=application, actor=clerk, actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11)
    )
    return application


def _correct(application: Application) -> Application:
    requirement = application.item.materials.get()
    services.request_correction(
        application=application,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": requirement.pk, "reason": "申请人签名缺失"}],
        clock=clock_at(MONDAY, 11),
    )
    return application


def _refuse(application: Application) -> Application:
    services.refuse_application(
        application=application,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        reason="申请事项不属于本机关职权范围",
        basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项",
        competent_agency="南京市市场监督管理局",
        clock=clock_at(MONDAY, 11),
    )
    return application


def _suspend(application: Application) -> Application:
    _accept(application)
    services.suspend_application(
        application=application,
        actor=UserFactory(),
        kind="site_inspection",
        reason="需现场核查经营场所",
        expected_days=5,
        clock=clock_at(dt.date(2026, 3, 4)),
    )
    return application


def _end_suspension(application: Application) -> Application:
    _suspend(application)  # 现场勘验 from Wed 03-04
    services.resume_application(
        application=application,
        actor=UserFactory(),
        result="经现场核查，经营场所与申请材料一致",
        clock=clock_at(dt.date(2026, 3, 11)),
    )
    return application


def _extend(application: Application) -> Application:
    _accept(application)
    extension = services.request_extension(
        application=application, actor=UserFactory(), days=10, reason="需征求相关部门意见"
    )
    services.decide_extension(
        extension=extension, actor=UserFactory(), approve=True, clock=clock_at(dt.date(2026, 3, 10))
    )
    return application


def _decide(application: Application, outcome: str) -> Application:
    _accept(application)
    day = clock_at(dt.date(2026, 3, 5))
    services.pass_step(application=application, actor=UserFactory(), opinion="材料齐全，符合条件", clock=day)
    services.pass_step(application=application, actor=UserFactory(), opinion="同意", clock=day)
    services.decide_application(
        application=application,
        actor=UserFactory(),
        outcome=outcome,
        reasons="符合法定条件。" if outcome == "granted" else "经营场所不符合消防安全要求",
        valid_until=dt.date(2031, 3, 4) if outcome == "granted" else None,
        clock=clock_at(dt.date(2026, 3, 6)),
    )
    return application


def _deliver(application: Application) -> Application:
    _decide(application, "granted")
    services.deliver_result(
        application=application,
        actor=UserFactory(real_name="赵出件"),
        method="collect",
        recipient_name="张三",
        clock=clock_at(dt.date(2026, 3, 9)),
    )
    return application


def _return(application: Application) -> Application:
    _correct(application)
    services.sweep_expired_corrections(clock=clock_at(dt.date(2026, 3, 17)))
    return application


def _defer(application: Application) -> Application:
    """容缺受理: a 容缺后补 material left out with the applicant's pledge, then accepted."""
    MaterialRequirementFactory(item=application.item, name="卫生管理制度", necessity="deferrable", order=9)
    Application.objects.filter(pk=application.pk).update(deferral_pledged_at=clock_at(MONDAY, 9).now())
    return _accept(application)


def _commit(application: Application) -> Application:
    """告知承诺: a proof replaced by the applicant's signed commitment (at submission)."""
    proof = MaterialRequirementFactory(
        item=application.item, name="无犯罪记录证明", allows_commitment=True, commitment_text="本人无犯罪记录。"
    )
    services.commitments.sign_commitments(application, {proof.pk}, clock=clock_at(MONDAY, 9))
    return application


def _revoke(application: Application) -> Application:
    """告知承诺 found false after the grant: the grant is revoked."""
    _commit(application)
    _decide(application, "granted")
    services.record_commitment_check(
        application=application,
        commitment_id=application.commitments.get().pk,
        actor=UserFactory(),
        actor_role=Actor.HANDLER,
        passed=False,
        note="经核查，申请人有犯罪记录",
        clock=clock_at(dt.date(2026, 3, 10)),
    )
    return application


CASES = {
    K.ACCEPTANCE_RECEIPT: _accept,
    K.CORRECTION_NOTICE: _correct,
    K.REFUSAL_NOTICE: _refuse,
    K.SUSPENSION_NOTICE: _suspend,
    K.SUSPENSION_END_NOTICE: _end_suspension,
    K.EXTENSION_NOTICE: _extend,
    K.GRANT_DECISION: lambda a: _decide(a, "granted"),
    K.DENIAL_DECISION: lambda a: _decide(a, "denied"),
    K.SERVICE_RECEIPT: _deliver,
    K.RETURN_NOTICE: _return,
    K.DEFERRAL_PLEDGE: _defer,
    K.COMMITMENT: _commit,
    K.REVOCATION_NOTICE: _revoke,
}


def document_of(application: Application, kind: str) -> Document:
    CASES[kind](application)
    return application.documents.get(kind=kind)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # Letter-spaced titles and table cells come out with spaces and breaks in between.
    return "".join(text.split())


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]


def test_every_kind_has_a_template_and_a_way_to_be_made():
    assert set(CASES) == set(K.values)
    templates = Path(__file__).resolve().parents[2] / "templates" / "pdf"
    assert all((templates / f"{kind}.html").is_file() for kind in K.values)


# --- Rendering ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", K.values)
def test_each_kind_renders_a_chinese_pdf_with_embedded_cjk_fonts(submitted, kind, tmp_path):
    document = document_of(submitted, kind)
    pdf = documents.render_document(document)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert str(K(kind).label) in text
    assert submitted.number in text
    assert submitted.department.name in text
    assert "扫码核验" in text and "（印章）" in text
    assert documents.chinese_date(timezone.localdate(document.created_at)) in text
    cjk = [line for line in pdf_fonts(pdf, tmp_path) if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)


def test_the_receipt_states_the_promised_date_the_materials_the_clerk_and_how_to_track(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.ACCEPTANCE_RECEIPT)), tmp_path)
    assert "承诺办结日期2026年3月16日" in text  # Mon 03-02 + 10 working days
    assert "受理日期2026年3月2日" in text
    assert "申请书" in text and "王受理" in text
    assert "我的办件" in text and "12345" in text
    assert "二〇二六年三月二日" in text


def test_the_correction_notice_lists_each_material_the_reason_the_deadline_and_the_consequence(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.CORRECTION_NOTICE)), tmp_path)
    assert "申请书" in text and "申请人签名缺失" in text
    assert "2026年3月16日" in text
    assert "退件" in text


def test_the_refusal_states_reason_basis_agency_and_the_right_to_review_or_sue(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.REFUSAL_NOTICE)), tmp_path)
    assert "申请事项不属于本机关职权范围" in text and "南京市市场监督管理局" in text
    assert "行政复议" in text and "六十日" in text and "行政诉讼" in text and "六个月" in text


def test_the_grant_decision_carries_the_certificate_number_and_validity(submitted, tmp_path):
    document = document_of(submitted, K.GRANT_DECISION)
    text = pdf_text(documents.render_document(document), tmp_path)
    assert submitted.result.certificate_number in text
    assert "至2031年3月4日止" in text


def test_the_denial_decision_gives_reasons_and_remedies(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.DENIAL_DECISION)), tmp_path)
    assert "经营场所不符合消防安全要求" in text and "行政复议" in text and "行政诉讼" in text


def test_the_extension_notice_keeps_the_date_of_its_approval(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.EXTENSION_NOTICE)), tmp_path)
    assert "需征求相关部门意见" in text and "2026年3月30日" in text


def test_the_suspension_end_notice_states_the_procedure_its_result_the_pause_and_the_new_date(submitted, tmp_path):
    text = pdf_text(documents.render_document(document_of(submitted, K.SUSPENSION_END_NOTICE)), tmp_path)
    assert "现场勘验" in text and "需现场核查经营场所" in text
    assert "开始日期2026年3月4日" in text and "结束日期2026年3月11日" in text
    assert "经现场核查，经营场所与申请材料一致" in text
    assert "暂停计时5个工作日" in text  # Thu 03-05 … Wed 03-11
    assert "顺延后办结日期2026年3月23日" in text  # 03-16 + 5 working days


def test_the_end_of_a_special_procedure_is_told_to_the_applicant(submitted):
    from portal.models import OutboxMessage

    document = document_of(submitted, K.SUSPENSION_END_NOTICE)
    message = OutboxMessage.objects.get(idempotency_key=f"notify:{submitted.pk}:document:{document.pk}")
    assert message.payload["user_id"] == submitted.applicant_user_id
    assert "现场勘验已结束" in message.payload["title"]
    assert "经现场核查" in message.payload["body"] and "2026-03-23" in message.payload["body"]
    assert document.rendered_at is None  # issued in the transition, rendered when first downloaded


def test_a_document_never_shows_the_full_id_number(submitted, tmp_path):
    full = crypto.decrypt(submitted.party.id_number_encrypted)
    _deliver(submitted)  # accepted, decided and delivered: every document of a granted case
    for document in submitted.documents.all():
        text = pdf_text(documents.render_document(document), tmp_path)
        assert full not in text
        assert decrypt_id_numbers(submitted.form_data)["id_number"] not in text  # what the form asked for too
        assert submitted.party.id_number_masked in text


def test_the_pdf_carries_a_pades_signature_that_validates_with_the_demo_certificate(submitted):
    pdf = documents.render_document(document_of(submitted, K.ACCEPTANCE_RECEIPT))
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[documents.signing_certificate()]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"


def test_a_changed_byte_breaks_the_signature(submitted):
    pdf = documents.render_document(document_of(submitted, K.ACCEPTANCE_RECEIPT))
    at = pdf.index(b"WeasyPrint")  # the producer's name, in the signed range, in plain text
    tampered = pdf[:at] + b"w" + pdf[at + 1 :]
    signature = PdfFileReader(io.BytesIO(tampered)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[documents.signing_certificate()]))
    assert not status.intact


def test_production_without_a_signing_key_fails_loudly(settings):
    settings.DEMO_MODE = False
    settings.DOCUMENT_SIGNING_KEY_PATH = settings.DOCUMENT_SIGNING_CERT_PATH = ""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        documents.signing_paths()


def test_the_demo_key_is_made_once_and_kept(settings, tmp_path):
    settings.DOCUMENT_SIGNING_DEMO_DIR = tmp_path / "signing"
    first = documents.signing_paths()
    content = first[0].read_bytes()
    assert documents.signing_paths() == first and first[0].read_bytes() == content
    assert b"PRIVATE KEY" in content and b"CERTIFICATE" in content
    assert first[0].stat().st_mode & 0o077 == 0  # readable by the portal's user only


def test_a_key_from_the_environment_signs(settings, tmp_path, submitted):
    demo = tmp_path / "elsewhere" / "demo-signing.pem"
    documents._write_demo_signing_file(demo)
    settings.DOCUMENT_SIGNING_KEY_PATH = settings.DOCUMENT_SIGNING_CERT_PATH = str(demo)
    pdf = documents.render_document(document_of(submitted, K.ACCEPTANCE_RECEIPT))
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[documents.signing_certificate()]))
    assert status.trusted and documents.signing_paths()[0] == demo


# --- What a document says is fixed when it is issued ---------------------------------------------------


def _rename_everything(application: Application) -> None:
    """What a department may change after a notice went out: the names on it."""
    Party.objects.filter(pk=application.party_id).update(name="李四")
    Department.objects.filter(pk=application.department_id).update(name="数据局")
    ServiceItem.objects.filter(pk=application.item_id).update(name="改名后的事项")


@pytest.mark.parametrize("kind", K.values)
def test_each_kind_shows_the_names_as_they_were_when_it_was_issued(submitted, kind, tmp_path):
    document = document_of(submitted, kind)
    _rename_everything(submitted)
    text = pdf_text(documents.render_document(Document.objects.get(pk=document.pk)), tmp_path)
    assert "张三" in text and "行政审批局" in text
    assert "李四" not in text and "数据局" not in text and "改名后的事项" not in text


def test_the_receipt_keeps_its_materials_and_promised_date_when_the_case_changes_later(submitted, tmp_path):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    # After the receipt went out: the material replaced by another one, the limit extended.
    submitted.materials.update(is_current=False)
    SubmittedMaterial.objects.create(
        application=submitted,
        requirement=MaterialRequirementFactory(item=submitted.item, name="营业执照复印件"),
        copies_received=1,
    )
    extension = services.request_extension(application=submitted, actor=UserFactory(), days=10, reason="需征求意见")
    services.decide_extension(extension=extension, actor=UserFactory(), approve=True, clock=clock_at(MONDAY, 15))
    submitted.refresh_from_db()
    assert submitted.due_on == dt.date(2026, 3, 30)
    text = pdf_text(documents.render_document(Document.objects.get(pk=document.pk)), tmp_path)
    assert "申请书" in text and "营业执照复印件" not in text
    assert "承诺办结日期2026年3月16日" in text and "2026年3月30日" not in text
    assert "王受理" in text


def test_the_grant_decision_keeps_the_result_it_was_issued_with(submitted, tmp_path):
    document = document_of(submitted, K.GRANT_DECISION)
    number = submitted.result.certificate_number
    Result.objects.filter(application=submitted).update(
        certificate_number="改-0001", valid_until=dt.date(2035, 1, 1), reasons="事后改写的理由"
    )
    text = pdf_text(documents.render_document(Document.objects.get(pk=document.pk)), tmp_path)
    assert number in text and "至2031年3月4日止" in text
    assert "改-0001" not in text and "2035年" not in text and "事后改写的理由" not in text


def test_the_extension_notice_keeps_its_date_when_a_later_procedure_moves_the_deadline(submitted, tmp_path):
    document = document_of(submitted, K.EXTENSION_NOTICE)  # approved on 03-10: due 03-16 → 03-30
    submitted.refresh_from_db()
    services.suspend_application(
        application=submitted,
        actor=UserFactory(),
        kind="site_inspection",
        reason="现场核查",
        clock=clock_at(dt.date(2026, 3, 11)),
    )
    services.resume_application(
        application=submitted, actor=UserFactory(), result="符合", clock=clock_at(dt.date(2026, 3, 13))
    )
    submitted.refresh_from_db()
    assert submitted.due_on == dt.date(2026, 4, 1)
    text = pdf_text(documents.render_document(Document.objects.get(pk=document.pk)), tmp_path)
    assert "延长后办结日期2026年3月30日" in text and "2026年4月1日" not in text


def test_the_snapshot_is_json_with_the_masked_id_number_only(submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    snapshot = document.context
    assert snapshot["snapshot_version"] == documents.SNAPSHOT_VERSION
    assert snapshot["applicant_name"] == "张三"
    assert snapshot["applicant_id_masked"] == submitted.party.id_number_masked
    assert snapshot["due_on"] == "2026-03-16" and snapshot["clerk_name"] == "王受理"
    assert [m["name"] for m in snapshot["materials"]] == ["申请书"]
    assert crypto.decrypt(submitted.party.id_number_encrypted) not in json.dumps(snapshot, ensure_ascii=False)


def test_a_document_issued_before_snapshots_renders_from_its_stored_values_and_keeps_what_it_showed(
    submitted, tmp_path
):
    """Rows written before this change hold only ids and a few values: the first download captures
    the rest then, the values the issuing service stored winning, and saves that snapshot."""
    _accept(submitted)
    legacy = Document.objects.create(
        application=submitted,
        kind=K.ACCEPTANCE_RECEIPT,
        token="l" * 43,
        context={"accepted_on": "2026-03-02", "due_on": "2026-03-13"},
        created_at=clock_at(MONDAY, 12).now(),
    )
    text = pdf_text(documents.render_document(legacy), tmp_path)
    assert "承诺办结日期2026年3月13日" in text and "张三" in text
    legacy.refresh_from_db()
    assert legacy.context["snapshot_version"] == documents.SNAPSHOT_VERSION
    assert legacy.context["due_on"] == "2026-03-13" and legacy.context["applicant_name"] == "张三"


# --- Rendered once ----------------------------------------------------------------------------------------


def test_the_second_request_serves_the_stored_bytes(submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    first = documents.render_document(document)
    document.refresh_from_db()
    rendered_at, name = document.rendered_at, document.file.name
    again = documents.render_document(Document.objects.get(pk=document.pk))
    assert again == first
    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(first).hexdigest()
    assert (document.rendered_at, document.file.name) == (rendered_at, name)


def test_a_stored_file_that_no_longer_matches_its_hash_is_not_served(submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    documents.render_document(document)
    document.refresh_from_db()
    Path(document.file.path).write_bytes(b"%PDF-1.7 forged")
    from portal.exceptions import DomainError

    with pytest.raises(DomainError):
        documents.render_document(document)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_requests_at_once_render_once(submitted, monkeypatch):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    calls = []
    original = documents.render_pdf

    def counting_render(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(documents, "render_pdf", counting_render)
    start, results, errors = threading.Barrier(2), [], []

    def download() -> None:
        try:
            start.wait()
            results.append(documents.render_document(Document.objects.get(pk=document.pk)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(calls) == 1
    assert results[0] == results[1]
    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(results[0]).hexdigest()


# --- Signed when issued ------------------------------------------------------------------------------------


def test_issuing_a_document_asks_the_worker_to_render_and_sign_it(submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    message = OutboxMessage.objects.get(kind="document_issued", payload__document_id=document.pk)
    assert document.rendered_at is None

    issued = clock_at(MONDAY, 12)
    assert documents.render_issued_document(message_id=message.pk, clock=issued) is True
    document.refresh_from_db()
    assert document.rendered_at == issued.now() and document.sha256
    assert documents.render_issued_document(message_id=message.pk, clock=issued) is False


def test_the_verify_page_shows_the_hash_of_a_signed_document_nobody_downloaded_yet(client, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    message = OutboxMessage.objects.get(kind="document_issued", payload__document_id=document.pk)
    documents.render_issued_document(message_id=message.pk)
    document.refresh_from_db()
    assert document.sha256 in client.get(reverse("verify_document", args=[document.token])).content.decode()


def test_the_worker_skips_a_document_whose_case_was_deleted(submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    message = OutboxMessage.objects.get(kind="document_issued", payload__document_id=document.pk)
    Document.objects.filter(pk=document.pk).delete()
    assert documents.render_issued_document(message_id=message.pk) is True
    message.refresh_from_db()
    assert message.done_at is not None


# --- The download view ---------------------------------------------------------------------------------


def test_the_applicant_downloads_the_pdf_and_gets_the_same_bytes_twice(client, citizen, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    client.force_login(citizen)
    url = reverse("applications:document", args=[submitted.number, document.token])
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert "no-store" in first["Cache-Control"] and "private" in first["Cache-Control"]
    second = client.get(url)
    assert first.content == second.content
    document.refresh_from_db()
    assert hashlib.sha256(second.content).hexdigest() == document.sha256


def test_another_citizen_gets_404(client, other_citizen, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    client.force_login(other_citizen)
    response = client.get(reverse("applications:document", args=[submitted.number, document.token]))
    assert response.status_code == 404
    document.refresh_from_db()
    assert document.rendered_at is None  # nothing rendered for someone who may not see it


def test_a_wrong_token_gets_404(client, citizen, submitted):
    document_of(submitted, K.ACCEPTANCE_RECEIPT)
    client.force_login(citizen)
    assert client.get(reverse("applications:document", args=[submitted.number, "x" * 43])).status_code == 404


def test_a_token_of_another_case_gets_404(client, citizen, submitted, licensing_item, party):
    other = services.start_application(user=citizen, item=licensing_item, party=party)
    foreign = Document.objects.create(
        application=other, kind=K.ACCEPTANCE_RECEIPT, token="t" * 43, created_at=submitted.submitted_at
    )
    document_of(submitted, K.ACCEPTANCE_RECEIPT)
    client.force_login(citizen)
    assert client.get(reverse("applications:document", args=[submitted.number, foreign.token])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    response = client.get(reverse("applications:document", args=[submitted.number, document.token]))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_a_post_is_refused(client, citizen, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    client.force_login(citizen)
    assert client.post(reverse("applications:document", args=[submitted.number, document.token])).status_code == 405


def test_a_reviewer_of_the_department_may_download_and_one_of_another_may_not(
    client, submitted, department_x, department_y
):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    url = reverse("applications:document", args=[submitted.number, document.token])
    login_verified(client, UserFactory(department=department_y, roles=[Role.REVIEWER]))
    assert client.get(url).status_code == 404
    login_verified(client, UserFactory(department=department_x, roles=[Role.REVIEWER]))
    assert client.get(url).status_code == 200


# --- The public verification page -------------------------------------------------------------------------


def test_the_verify_page_shows_kind_department_status_and_hash_and_no_personal_data(client, submitted):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    documents.render_document(document)
    document.refresh_from_db()
    response = client.get(reverse("verify_document", args=[document.token]))
    assert response.status_code == 200
    page = response.content.decode()
    assert document.sha256 in page and "受理凭证" in page and submitted.department.name in page and "有效" in page
    # The 文号 and the item, as printed on the paper (the 文号 carries the case number, as the paper does).
    assert documents.document_number(document) in page and submitted.item.name in page
    full = crypto.decrypt(submitted.party.id_number_encrypted)
    for personal in (
        submitted.party.name,
        full,
        submitted.party.id_number_masked,
        submitted.party.phone,
    ):
        assert personal not in page
    assert response["X-Robots-Tag"].startswith("noindex")


def test_the_verify_page_says_when_a_document_is_revoked_or_the_case_withdrawn(client, submitted, citizen):
    document = document_of(submitted, K.ACCEPTANCE_RECEIPT)
    documents.render_document(document)
    services.withdraw_application(application=submitted, actor=citizen, clock=clock_at(dt.date(2026, 3, 3)))
    assert "办件已撤回" in client.get(reverse("verify_document", args=[document.token])).content.decode()
    Document.objects.filter(pk=document.pk).update(revoked_at=clock_at(dt.date(2026, 3, 4)).now())
    assert "已撤销" in client.get(reverse("verify_document", args=[document.token])).content.decode()


def test_the_verify_page_of_an_unknown_token_is_404(client, db):
    assert client.get(reverse("verify_document", args=["nope"])).status_code == 404
    assert client.get(reverse("verify_document", args=["a" * 300])).status_code == 404


def test_chinese_dates_are_written_in_chinese_numerals():
    assert documents.chinese_date(dt.date(2026, 3, 2)) == "二〇二六年三月二日"
    assert documents.chinese_date(dt.date(2026, 10, 10)) == "二〇二六年十月十日"
    assert documents.chinese_date(dt.date(2026, 12, 31)) == "二〇二六年十二月三十一日"
    assert documents.chinese_date(dt.date(2030, 11, 20)) == "二〇三〇年十一月二十日"
