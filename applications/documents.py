"""Case documents (文书): issued inside the transition, rendered and signed by the worker at once.

The services issue a ``Document`` (``issue_document``) inside their transition, with a snapshot in
``context`` of everything the notice will say (``snapshot``: the case as it stood at issuance), and an
outbox row of kind ``document_issued``; no PDF is made in the transaction (STYLE.md rule 3). The worker
then renders the template of its kind (templates/pdf/<kind>.html) from that snapshot alone, signs the
PDF (PAdES, pyHanko) with the key from the environment, so the signing time is the time of issue, and
keeps the file with its SHA-256, which the public verification page shows. A download that comes before
the worker renders it itself (the same code under the same row lock). Every later download serves those
same bytes, so the hash a third party checks never changes.

Kept in one module: issuing, snapshotting, rendering, signing and serving one document is one
lifecycle whose invariants (same bytes, same hash, signed at issue) are easiest to check side by side.
"""

import contextlib
import datetime as dt
import functools
import hashlib
import io
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop, override

from applications.models import Application, Delivery, Document, Result
from applications.refusals import NOT_COMPETENT
from portal import outbox
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError
from portal.models import OutboxMessage
from portal.pdf import qr_png_data_uri, render_pdf

if TYPE_CHECKING:
    from pyhanko.sign import signers

logger = logging.getLogger(__name__)

K = Document.Kind

# What the applicant reads before signing a 告知承诺 and what its document prints (one text).
LEGAL_CONSEQUENCES = (
    "申请人作出不实承诺的，由审批机关依法撤销所取得的审批结果（《中华人民共和国行政许可法》第六十九条），"
    "并将虚假承诺情况记入申请人信用记录；涉嫌违法犯罪的，依法移送有关机关处理。"
)

# The character of each kind in its 文号 (e.g. 受字〔2026〕…号).
NUMBER_CODES = {
    K.ACCEPTANCE_RECEIPT: "受",
    K.CORRECTION_NOTICE: "补正",
    K.REFUSAL_NOTICE: "不受",
    K.SUSPENSION_NOTICE: "特",
    K.SUSPENSION_END_NOTICE: "特结",
    K.EXTENSION_NOTICE: "延",
    K.GRANT_DECISION: "准许",
    K.DENIAL_DECISION: "不许",
    K.SERVICE_RECEIPT: "送",
    K.RETURN_NOTICE: "退",
    K.DEFERRAL_PLEDGE: "容缺",
    K.COMMITMENT: "承诺",
    K.REVOCATION_NOTICE: "撤许",
}

CN_DIGITS = "〇一二三四五六七八九"
UNIT_LABELS = {"workday": "个工作日", "calendar_day": "日"}


# --- Presentation helpers ------------------------------------------------------------------------


def _cn_count(n: int) -> str:
    """1–31 in Chinese numerals (三、十二、二十一)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def chinese_date(day: dt.date) -> str:
    """二〇二六年三月二日: the way the date under a seal is written."""
    return "".join(CN_DIGITS[int(c)] for c in str(day.year)) + f"年{_cn_count(day.month)}月{_cn_count(day.day)}日"


def _person(user: Any) -> str:
    return (getattr(user, "real_name", "") or getattr(user, "username", "")) if user is not None else ""


def verify_url(document: Document) -> str:
    """The public verification address in the QR code.

    From settings, never from a request's Host header: what a signed document points to must not be
    chosen by whoever sent the first request.
    """
    base = settings.PORTAL_PUBLIC_URL.rstrip("/")
    if not base:
        raise ImproperlyConfigured("PORTAL_PUBLIC_URL 未设置：文书二维码需要门户的公开地址。")
    return base + reverse("verify_document", args=[document.token])


def document_number(document: Document) -> str:
    """文号: issuing department, kind, year, case number; a second notice of a kind gets ``-2``.

    Department and case number as the snapshot has them (documents issued before snapshots: as now).
    """
    application = document.application
    issuing_body = document.context.get("issuing_body") or application.department.name
    number = (document.context.get("application") or {}).get("number") or application.number
    same_kind = application.documents.filter(kind=document.kind)
    before = Q(created_at__lt=document.created_at) | Q(created_at=document.created_at, pk__lt=document.pk)
    sequence = 1 + same_kind.filter(before).count()
    year = timezone.localdate(document.created_at).year
    suffix = f"-{sequence}" if sequence > 1 else ""
    code = NUMBER_CODES.get(document.kind, "文")
    return f"{issuing_body}{code}字〔{year}〕{number}{suffix}号"


def document_status(document: Document) -> tuple[str, str]:
    """What the verification page says of a document: (code, label)."""
    if document.revoked_at is not None:
        return "revoked", gettext_noop("已撤销")
    if document.application.status == Application.Status.WITHDRAWN:
        return "withdrawn", gettext_noop("办件已撤回")
    if document.rendered_at is None:
        return "not_issued", gettext_noop("尚未出具")
    return "valid", gettext_noop("有效")


# --- What a document says: captured when it is issued -----------------------------------------------
#
# A notice states the case as it stood when it was issued. ``snapshot`` runs inside the issuing
# transition (applications.services.core._new_document) with a few cheap reads, and keeps everything
# variable the template shows as JSON in ``Document.context``: dates as ISO strings under keys ending
# in ``_on``, ``_from`` or ``_until``, datetimes under keys ending in ``_at``. Rendering, on the first
# download, reads nothing of the case but that snapshot, so a party renamed, a material replaced, a
# deadline moved by an extension or a result corrected afterwards does not rewrite a notice the
# applicant already has.

SNAPSHOT_VERSION = 1
# Keys whose ISO string is a date (STYLE.md: dates are ``*_on``; a validity runs ``*_from`` ``*_until``).
DATE_SUFFIXES = ("_on", "_from", "_until")


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _local_day(moment: dt.datetime | None) -> str | None:
    return timezone.localdate(moment).isoformat() if moment is not None else None


def _intake(application: Application) -> Any:
    # windows depends on applications, not the reverse: the model is looked up by name.
    intake_model = apps.get_model("windows", "Intake")
    return intake_model.objects.filter(application=application).select_related("window__hall", "clerk").first()


def _contact_phone(application: Application, intake: Any) -> str:
    hall_phone = intake.window.hall.phone if intake is not None else ""
    return hall_phone or application.item.consult_phone or application.department.phone or settings.SERVICE_HOTLINE


def _review_body(application: Application) -> str:
    # 行政复议法 (2023) art. 24: the government of the same level reviews its departments' acts.
    return f"{application.department.region.full_name}人民政府"


def _limit(days: int, unit: str) -> str:
    return f"{days}{UNIT_LABELS.get(unit, '日')}"


def _case(application: Application) -> dict[str, Any]:
    """What every kind shows: issuing body, applicant (masked ID only), case and item."""
    party, item = application.party, application.item
    return {
        "issuing_body": application.department.name,
        # Documents travel to third parties: the ID number only in its masked form (个人信息保护法 art. 28).
        "applicant_name": application.applicant_name or party.name,
        "applicant_id_type": party.get_id_type_display(),
        "applicant_id_masked": party.id_number_masked,
        "application": {
            "number": application.number or "",
            "submitted_on": _local_day(application.submitted_at),
            "accepted_on": _iso(application.accepted_on),
            "delivery_method_label": application.get_delivery_method_display(),
            "is_provisional_deadline": application.is_provisional_deadline,
            "certificate_due_on": _iso(application.certificate_due_on),
        },
        "item": {
            "name": item.name,
            "code": item.code,
            "item_type": item.item_type,
            "result_name": item.result_name,
            "basis": item.basis,
        },
    }


def _notice_facts(notice: Any) -> dict[str, Any] | None:
    if notice is None:
        return None
    return {
        "entries": [{"name": e.get("name", ""), "reason": e.get("reason", "")} for e in notice.entries],
        "due_on": _iso(notice.due_on),
        "issued_at": notice.issued_at.isoformat(),
        "after_acceptance": notice.after_acceptance,
    }


def _suspension_facts(suspension: Any) -> dict[str, Any]:
    return {
        "kind": suspension.kind,
        "kind_label": suspension.get_kind_display(),
        "reason": suspension.reason,
        "expected_days": suspension.expected_days,
        "started_on": _iso(suspension.started_on),
        "ended_on": _iso(suspension.ended_on),
        "result": suspension.result,
    }


def _receipt(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    intake = _intake(application)
    accepts = application.timeline.filter(action__in=["accept", "auto_accept"]).select_related("actor")
    event = accepts.order_by("-at", "-id").first()
    is_auto = event is not None and event.action == "auto_accept"
    # 跨域通办: the other region's window only received; the home department's handler accepted.
    cross_region = intake is not None and intake.is_cross_region
    taker = intake.clerk if intake is not None and not cross_region else None
    clerk = taker or (event.actor if event else None)
    current = application.materials.filter(is_current=True).select_related("requirement")
    item = application.item
    return {
        # With the number it proves the case to its applicant: claiming it online, the public lookup.
        "access_code": application.access_code,
        "accepted_on": refs.get("accepted_on") or _iso(application.accepted_on),
        "due_on": refs.get("due_on") or _iso(application.due_on),
        "promised_limit": _limit(item.promised_days, item.promised_unit),
        "statutory_limit": _limit(item.statutory_days, item.statutory_unit),
        "materials": [
            {
                "name": m.requirement.name,
                "originals": m.originals_received,
                "copies": m.copies_received,
                "electronic": bool(m.file),
                "deferred_until": _iso(m.deferred_until),
                "licence_number": m.licence_number,  # 免证办: filled in from an e-licence, nothing handed in
            }
            for m in current.order_by("requirement__order", "id")
        ],
        "deferred_any": any(m.deferred_until for m in current),
        "is_auto_accepted": is_auto,
        "clerk_name": "" if is_auto else _person(clerk),
        "window": str(intake.window) if intake is not None and not cross_region else "",
        "phone": _contact_phone(application, intake),
        # Where it was taken in and where it is handled (异地收件, 属地办理).
        "cross_region": {
            "taken_at": str(intake.window),
            "handled_by": f"{application.department.name}（{application.department.region.full_name}）",
        }
        if cross_region
        else None,
    }


def _correction(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    notices = application.correction_notices.all()
    notice_id = refs.get("notice_id")
    notice = notices.filter(pk=notice_id).first() if notice_id else notices.order_by("-issued_at").first()
    return {"notice": _notice_facts(notice), "phone": _contact_phone(application, _intake(application))}


def _refusal(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    return {
        "reason": refs.get("reason", ""),
        "basis": refs.get("basis", ""),
        "competent_agency": refs.get("competent_agency", ""),
        # Only this reason says "not within this agency's competence" (notices before the list: none).
        "is_not_competent": refs.get("reason_code") == NOT_COMPETENT,
        "review_body": _review_body(application),
    }


def _suspension(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    suspension = application.suspensions.get(pk=refs["suspension_id"])
    return {"suspension": _suspension_facts(suspension), "phone": _contact_phone(application, _intake(application))}


def _suspension_end(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    # Issued right after the resume transition: the deadlines read here are the moved ones.
    suspension = application.suspensions.get(pk=refs["suspension_id"])
    return {
        "suspension": _suspension_facts(suspension),
        "paused_days": refs.get("paused_days", 0),
        "paused_unit": UNIT_LABELS.get(application.item.promised_unit, "日"),
        "due_on": _iso(application.due_on),
        "statutory_due_on": _iso(application.statutory_due_on),
        "phone": _contact_phone(application, _intake(application)),
    }


def _extension(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    extension = application.extensions.get(pk=refs["extension_id"])
    return {
        "extension": {
            "days": extension.days,
            "reason": extension.reason,
            "decided_on": _local_day(extension.decided_at),
        },
        "due_on": refs.get("due_on") or _iso(application.due_on),
    }


def _decision(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    result_id = refs.get("result_id")
    result = Result.objects.get(pk=result_id) if result_id else application.result
    return {
        "result": {
            "outcome": result.outcome,
            "reasons": result.reasons,
            "certificate_number": result.certificate_number,
            "valid_from": _iso(result.valid_from),
            "valid_until": _iso(result.valid_until),
            "decided_on": _local_day(result.decided_at),
        },
        "review_body": _review_body(application),
    }


def _service_receipt(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    delivery_id = refs.get("delivery_id")
    delivery = Delivery.objects.get(pk=delivery_id) if delivery_id else application.delivery
    intake = _intake(application)
    decisions = application.documents.filter(kind__in=[K.GRANT_DECISION, K.DENIAL_DECISION], revoked_at__isnull=True)
    result = Result.objects.filter(application=application).first()
    hall = intake.window.hall if intake is not None else None
    return {
        "delivery": {
            "method": delivery.method,
            "method_label": delivery.get_method_display(),
            "tracking_number": delivery.tracking_number,
            "recipient_name": delivery.recipient_name,
            "recipient_is_proxy": delivery.recipient_is_proxy,
            "delivered_at": delivery.delivered_at.isoformat(),
        },
        "decisions": [{"title": d.get_kind_display(), "number": document_number(d)} for d in decisions],
        "certificate_number": result.certificate_number if result is not None else "",
        "place": f"{hall.name}（{hall.address}）" if hall is not None else application.department.address,
        "deliverer_name": _person(delivery.delivered_by),
    }


def _deferred(application: Application) -> list[dict[str, Any]]:
    rows = application.materials.filter(is_current=True, deferred_until__isnull=False).select_related("requirement")
    return [{"name": m.requirement.name, "due_on": _iso(m.deferred_until)} for m in rows.order_by("deferred_until")]


def _return(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    if refs.get("deferral"):  # 容缺受理: the pledged material did not come (applications.services.deferrals)
        event = application.timeline.filter(action="deferral_expired").order_by("-at").first()
        returned_on = _local_day(event.at) if event else None
        return {"notice": None, "deferred": _deferred(application), "returned_on": returned_on}
    notice = application.correction_notices.order_by("-issued_at").first()
    event = application.timeline.filter(action="correction_expired").order_by("-at").first()
    return {"notice": _notice_facts(notice), "returned_on": _local_day(event.at) if event else None}


def _deferral_pledge(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    item = application.item
    return {
        "deferred": _deferred(application),
        "deferral_workdays": item.deferral_workdays,
        "deferral_lapse": item.deferral_lapse,
        "deferral_lapse_label": item.get_deferral_lapse_display(),
        "pledged_on": _local_day(application.deferral_pledged_at),
        "phone": _contact_phone(application, _intake(application)),
    }


def _commitment(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    """告知承诺书 (applications.services.commitments): what was committed instead of which proof."""
    rows = application.commitments.select_related("requirement").order_by("requirement__order", "id")
    item = application.item
    return {
        "commitments": [{"name": c.requirement.name, "text": c.text} for c in rows],
        "signed_on": _local_day(rows[0].signed_at) if rows else None,
        "check_workdays": item.commitment_check_workdays,
        "consequence_label": item.get_commitment_consequence_display(),
        "legal_consequences": LEGAL_CONSEQUENCES,
        "phone": _contact_phone(application, _intake(application)),
    }


def _revocation(application: Application, refs: dict[str, Any]) -> dict[str, Any]:
    """撤销行政许可决定书: the grant revoked because the commitment it rested on was false."""
    commitment = application.commitments.select_related("requirement").get(pk=refs["commitment_id"])
    result = application.result
    return {
        "commitment": {
            "name": commitment.requirement.name,
            "note": commitment.check_note,
            "checked_on": _local_day(commitment.checked_at),
        },
        "result": {
            "certificate_number": result.certificate_number,
            "decided_on": _local_day(result.decided_at),
            "revoked_on": _local_day(result.revoked_at),
        },
        "credit_recorded": hasattr(commitment, "credit_record"),
        "review_body": _review_body(application),
    }


SNAPSHOT_BUILDERS: dict[str, Callable[[Application, dict[str, Any]], dict[str, Any]]] = {
    K.ACCEPTANCE_RECEIPT: _receipt,
    K.CORRECTION_NOTICE: _correction,
    K.REFUSAL_NOTICE: _refusal,
    K.SUSPENSION_NOTICE: _suspension,
    K.SUSPENSION_END_NOTICE: _suspension_end,
    K.EXTENSION_NOTICE: _extension,
    K.GRANT_DECISION: _decision,
    K.DENIAL_DECISION: _decision,
    K.SERVICE_RECEIPT: _service_receipt,
    K.RETURN_NOTICE: _return,
    K.DEFERRAL_PLEDGE: _deferral_pledge,
    K.COMMITMENT: _commitment,
    K.REVOCATION_NOTICE: _revocation,
}


def snapshot(application: Application, kind: str, refs: dict[str, Any]) -> dict[str, Any]:
    """Everything a document of ``kind`` will show, as the case stands now, as JSON.

    ``refs`` are what the issuing service knows better than the case row (the ids the notice speaks of,
    a refusal's reasons, the date as of an approval); they are kept in the snapshot too.
    """
    application = Application.objects.select_related("item", "department", "department__region", "party").get(
        pk=application.pk
    )
    # The official documents are issued in Chinese whatever language the issuing user reads the portal in
    # (choice labels such as the 容缺 lapse or the 告知承诺 consequence are translated for the pages).
    with override(settings.LANGUAGE_CODE):
        return {
            **refs,
            **_case(application),
            **SNAPSHOT_BUILDERS[kind](application, refs),
            "snapshot_version": SNAPSHOT_VERSION,
        }


def has_snapshot(document: Document) -> bool:
    return bool(document.context.get("snapshot_version"))


def _revive(value: Any, key: str = "") -> Any:
    """The snapshot's ISO strings back into dates and datetimes (``*_at``) for the templates' filters."""
    if isinstance(value, dict):
        return {k: _revive(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if isinstance(value, str) and value:
        if key.endswith(DATE_SUFFIXES):
            return dt.date.fromisoformat(value)
        if key.endswith("_at"):
            return dt.datetime.fromisoformat(value)
    return value


# Receipts and result notices carry a second QR code: scan → rate that case (好差评, reviews/rating_urls.py).
RATED_KINDS = (
    Document.Kind.ACCEPTANCE_RECEIPT,
    Document.Kind.GRANT_DECISION,
    Document.Kind.DENIAL_DECISION,
    Document.Kind.SERVICE_RECEIPT,
)


def rating_url(document: Document) -> str:
    number = (document.context.get("application") or {}).get("number") or document.application.number
    return f"{settings.PORTAL_PUBLIC_URL.rstrip('/')}/ratings/{number}/?via=qr"


def build_context(document: Document) -> dict[str, Any]:
    """The template's context: the snapshot taken at issuance, plus what belongs to the document itself
    (its number, date and QR code) and the portal's constants. Nothing is read from the case here."""
    issued_on = timezone.localdate(document.created_at)
    url = verify_url(document)
    return {
        **_revive(document.context),
        "document_title": document.get_kind_display(),
        "document_number": document_number(document),
        "issued_on": issued_on,
        "issued_on_cn": chinese_date(issued_on),
        "verify_url": url,
        "qr_data_uri": qr_png_data_uri(url),
        "rating_qr_data_uri": qr_png_data_uri(rating_url(document)) if document.kind in RATED_KINDS else "",
        "portal_name": settings.PORTAL_NAME,
        "portal_url": settings.PORTAL_PUBLIC_URL.rstrip("/"),
        "hotline": settings.SERVICE_HOTLINE,
    }


# --- Signing (PAdES) ----------------------------------------------------------------------------------


def _write_demo_signing_file(path: Path) -> None:
    """A demo EC key and a self-signed certificate in one PEM file, for development only."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "一网通办（演示）"),
            x509.NameAttribute(NameOID.COMMON_NAME, "政务服务文书电子签章（演示，不具法律效力）"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + certificate.public_bytes(serialization.Encoding.PEM)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole under a private name, then linked into place: two processes starting at once
    # both generate, the first link wins, and both then read that one file (key and certificate stay
    # a pair, which two separately written files would not guarantee).
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)


def signing_paths() -> tuple[Path, Path]:
    """The key and certificate files: from the environment, or the demo pair in development."""
    key_path, cert_path = settings.DOCUMENT_SIGNING_KEY_PATH, settings.DOCUMENT_SIGNING_CERT_PATH
    if key_path and cert_path:
        return Path(key_path), Path(cert_path)
    if key_path or cert_path or not settings.DEMO_MODE:
        raise ImproperlyConfigured("文书签章未配置：请设置 DOCUMENT_SIGNING_KEY_PATH 和 DOCUMENT_SIGNING_CERT_PATH。")
    demo = Path(settings.DOCUMENT_SIGNING_DEMO_DIR) / "demo-signing.pem"
    if not demo.exists():
        _write_demo_signing_file(demo)
    return demo, demo


@functools.cache
def _signer(key_path: Path, cert_path: Path, passphrase: str) -> "signers.SimpleSigner":
    # pyHanko is imported where it signs (in the worker), not by every process that starts Django.
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = serialization.load_pem_private_key(key_path.read_bytes(), password=passphrase.encode() or None)
    chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certificates = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
    return signers.SimpleSigner(
        signing_cert=certificates[0],
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(certificates),
    )


def signing_certificate() -> asn1_x509.Certificate:
    """The certificate documents are signed with (to validate them against)."""
    key_path, cert_path = signing_paths()
    return _signer(key_path, cert_path, settings.DOCUMENT_SIGNING_KEY_PASSPHRASE).signing_cert


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    """Add a PAdES signature (ETSI.CAdES.detached) covering the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key_path, cert_path = signing_paths()
    signer = _signer(key_path, cert_path, settings.DOCUMENT_SIGNING_KEY_PASSPHRASE)
    meta = signers.PdfSignatureMetadata(
        field_name="DocumentSeal",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    return signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf))).getvalue()


# --- Issue, render once, serve the stored bytes after -------------------------------------------------


def issue_document(*, application: Application, kind: str, context: dict[str, Any], clock: Clock) -> Document:
    """A document issued now, inside the caller's transaction: what it will say is captured here from the
    case as it stands (``context`` adds the ids and values only the caller knows), and the worker is asked
    to render and sign it once the transaction commits (``render_issued_document``)."""
    document = Document.objects.create(
        application=application,
        kind=kind,
        token=secrets.token_urlsafe(32),
        context=snapshot(application, kind, context),
        created_at=clock.now(),
    )
    outbox.enqueue(
        kind="document_issued", key=f"document_issued:{document.pk}", payload={"document_id": document.pk}, clock=clock
    )
    return document


def render_issued_document(*, message_id: int, clock: Clock = system_clock) -> bool:
    """The worker's half of ``issue_document``: render, sign and store the PDF; False if already done.

    Safe to run twice: ``render_document`` renders at most once per document."""
    message = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
    if message is None:
        return False
    document = Document.objects.filter(pk=message.payload["document_id"]).first()
    if document is not None:  # gone with a deleted case: nothing to sign
        render_document(document, clock=clock)
    return outbox.mark_done(message.pk, clock=clock)


def _stored_bytes(document: Document) -> bytes:
    try:
        with document.file.open("rb") as handle:
            pdf = handle.read()
    except (FileNotFoundError, ValueError):
        logger.error("document %s: stored file %r is missing", document.pk, document.file.name)
        raise DomainError("该文书文件暂不可用，请联系办理机关。", code="document_unavailable") from None
    # The hash on the verification page is a promise: bytes that no longer match it are not served.
    if hashlib.sha256(pdf).hexdigest() != document.sha256:
        logger.error("document %s: stored file %r does not match its SHA-256", document.pk, document.file.name)
        raise DomainError("该文书文件校验失败，请联系办理机关。", code="document_unavailable")
    return pdf


def render_document(document: Document, *, clock: Clock = system_clock) -> bytes:
    """The document's PDF: rendered, signed and stored by the first request, the stored bytes after.

    Always in the source language: an official document stays as issued, whoever asks first."""
    if document.rendered_at is None:
        with transaction.atomic(), override(settings.LANGUAGE_CODE):
            # Two first requests at once: the second waits on this row lock, then finds the file.
            # Rendering holds the lock for about a second; only this document's row is locked.
            locked = Document.objects.select_for_update().get(pk=document.pk)
            if locked.rendered_at is None:
                if not has_snapshot(locked):
                    # Issued before documents kept their content: captured now, the values the
                    # issuing service stored winning, and kept, so the row says what the file says.
                    locked.context = snapshot(locked.application, locked.kind, locked.context)
                context = build_context(locked)
                pdf = render_pdf(f"pdf/{locked.kind}.html", context)
                pdf = sign_pdf(pdf, reason=context["document_title"], location=context["issuing_body"])
                locked.file.save(f"{locked.kind}-{locked.pk}.pdf", ContentFile(pdf), save=False)
                locked.sha256 = hashlib.sha256(pdf).hexdigest()
                locked.rendered_at = clock.now()
                locked.save(update_fields=["context", "file", "sha256", "rendered_at"])
                document.file, document.sha256, document.rendered_at = locked.file, locked.sha256, locked.rendered_at
                return pdf
            document.file, document.sha256, document.rendered_at = locked.file, locked.sha256, locked.rendered_at
    return _stored_bytes(document)
