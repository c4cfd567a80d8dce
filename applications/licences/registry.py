"""The e-licence registry (电子证照库), behind an interface a provincial one replaces.

``settings.PORTAL_LICENCE_REGISTRY`` names the class. The demo one (``DatabaseLicenceRegistry``) reads
our own ``License`` table: the demo's ID cards, household registers and business licences, and every
licence a grant of this portal issued. A provincial adapter answers the same three questions over its
own interface and receives the licences the portal issues (``publish``, 归集): ``HttpLicenceRegistry``
speaks signed JSON as the other outside services do; ``manage.py check --deploy`` refuses the demo one
in production (portal.E024).
"""

import base64
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from applications.licences.models import License
from portal.exceptions import NotFound
from portal.idnumbers import id_number_digest
from portal.signed_http import ProviderError, post_signed_json, provider_settings


@dataclass(frozen=True)
class LicenceRecord:
    """One e-licence as the registry tells it; the holder's number only masked."""

    kind: str
    number: str
    holder_type: str
    holder_id_type: str
    holder_id_masked: str
    holder_name: str
    issuer: str
    issued_on: dt.date
    valid_until: dt.date | None
    is_revoked: bool

    def status_on(self, day: dt.date) -> str:
        if self.is_revoked:
            return License.Status.REVOKED
        if self.valid_until is not None and self.valid_until < day:
            return License.Status.EXPIRED
        return License.Status.VALID

    def status_label_on(self, day: dt.date) -> str:
        return License.Status(self.status_on(day)).label


class LicenceRegistry(Protocol):
    def licences_of(self, *, id_type: str, id_number: str, kinds: Collection[str] | None = None) -> list[LicenceRecord]:
        """Every licence the holder of this identity holds (of ``kinds``), valid or not."""
        ...

    def get(self, number: str) -> LicenceRecord | None:
        """The licence of this number, or None."""
        ...

    def pdf(self, number: str) -> bytes:
        """The licence's signed PDF."""
        ...

    def publish(self, number: str, pdf: bytes) -> None:
        """归集: a licence this portal issued, once signed, becomes the holder's e-licence."""
        ...


def to_record(row: License) -> LicenceRecord:
    return LicenceRecord(
        kind=row.kind,
        number=row.number,
        holder_type=row.holder_type,
        holder_id_type=row.holder_id_type,
        holder_id_masked=row.holder_id_masked,
        holder_name=row.holder_name,
        issuer=row.issuer,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        is_revoked=row.revoked_at is not None,
    )


class DatabaseLicenceRegistry:
    """The demo registry: our own License table (seeded by the demo, written by grants)."""

    is_demo = True

    def licences_of(self, *, id_type: str, id_number: str, kinds: Collection[str] | None = None) -> list[LicenceRecord]:
        rows = License.objects.filter(holder_id_type=id_type, holder_id_digest=id_number_digest(id_number))
        if kinds is not None:
            rows = rows.filter(kind__in=list(kinds))
        return [to_record(row) for row in rows]

    def get(self, number: str) -> LicenceRecord | None:
        row = License.objects.filter(number=number).first()
        return to_record(row) if row is not None else None

    def pdf(self, number: str) -> bytes:
        from applications.licences.pdf import render_licence

        row = License.objects.filter(number=number).first()
        if row is None:
            raise NotFound(gettext("电子证照库中未找到该证照。"))
        return render_licence(row)

    def publish(self, number: str, pdf: bytes) -> None:
        """Nothing to send: the row the grant wrote is already the holder's e-licence here."""


class HttpLicenceRegistry:
    """The provincial 电子证照库 over HTTP (portal/signed_http.py: signed JSON, a timeout, anything but a
    well-formed answer raises ProviderError), from PORTAL_LICENCE_REGISTRY_URL/_APP_ID/_SECRET.

    Requests: {"op": "licences_of", "id_type", "id_number", "kinds"} → {"licences": [record…]};
    {"op": "get", "number"} → {"found": bool, "licence": record}; {"op": "pdf", "number"} →
    {"pdf_base64"}; {"op": "publish", "number", "pdf_base64"} → {"published": true}. A record has the
    ``LicenceRecord`` fields, dates as YYYY-MM-DD (``valid_until`` may be null), the holder's number
    only masked.
    """

    required_settings = (
        "PORTAL_LICENCE_REGISTRY_URL",
        "PORTAL_LICENCE_REGISTRY_APP_ID",
        "PORTAL_LICENCE_REGISTRY_SECRET",
    )
    FAILURE_MESSAGE = gettext_lazy("电子证照库暂时无法访问，请稍后再试。")
    TEXT_FIELDS = ("kind", "number", "holder_type", "holder_id_type", "holder_id_masked", "holder_name", "issuer")

    def __init__(self) -> None:
        self.url, self.app_id, self.secret = provider_settings("PORTAL_LICENCE_REGISTRY")

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        return post_signed_json(
            url=self.url,
            app_id=self.app_id,
            secret=self.secret,
            payload=payload,
            service="licence registry",
            failure_message=str(self.FAILURE_MESSAGE),
        )

    def _bad(self, what: str) -> ProviderError:
        return ProviderError(str(self.FAILURE_MESSAGE), reason=f"licence registry: {what}")

    def _record(self, raw: Any) -> LicenceRecord:
        if not isinstance(raw, dict) or not all(isinstance(raw.get(f), str) for f in self.TEXT_FIELDS):
            raise self._bad("a licence without its fields")
        if not raw["number"] or not raw["kind"] or not isinstance(raw.get("is_revoked"), bool):
            raise self._bad("a licence without number, kind or revocation")
        try:
            issued_on = dt.date.fromisoformat(raw["issued_on"])
            until = raw.get("valid_until")
            valid_until = None if until is None else dt.date.fromisoformat(until)
        except (TypeError, ValueError):
            raise self._bad("a date that is not YYYY-MM-DD") from None
        return LicenceRecord(
            **{f: raw[f] for f in self.TEXT_FIELDS},
            issued_on=issued_on,
            valid_until=valid_until,
            is_revoked=raw["is_revoked"],
        )

    def licences_of(self, *, id_type: str, id_number: str, kinds: Collection[str] | None = None) -> list[LicenceRecord]:
        answer = self._ask(
            {"op": "licences_of", "id_type": id_type, "id_number": id_number, "kinds": sorted(kinds or [])}
        )
        licences = answer.get("licences")
        if not isinstance(licences, list):
            raise self._bad("no licence list")
        return [self._record(raw) for raw in licences]

    def get(self, number: str) -> LicenceRecord | None:
        answer = self._ask({"op": "get", "number": number})
        if answer.get("found") is False:
            return None
        if answer.get("found") is not True:
            raise self._bad("neither found nor not found")
        record = self._record(answer.get("licence"))
        if record.number != number:
            raise self._bad("another licence than the one asked for")
        return record

    def pdf(self, number: str) -> bytes:
        answer = self._ask({"op": "pdf", "number": number})
        try:
            pdf = base64.b64decode(answer.get("pdf_base64") or "", validate=True)
        except (TypeError, ValueError):
            raise self._bad("pdf_base64 is not base64") from None
        if not pdf.startswith(b"%PDF-"):
            raise self._bad("not a PDF")
        return pdf

    def publish(self, number: str, pdf: bytes) -> None:
        answer = self._ask({"op": "publish", "number": number, "pdf_base64": base64.b64encode(pdf).decode()})
        if answer.get("published") is not True:
            raise self._bad("not published")


def licence_registry() -> LicenceRegistry:
    registry: LicenceRegistry = import_string(settings.PORTAL_LICENCE_REGISTRY)()
    return registry
