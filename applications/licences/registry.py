"""The e-licence registry (电子证照库), behind an interface a provincial one replaces.

``settings.PORTAL_LICENCE_REGISTRY`` names the class. The demo one (``DatabaseLicenceRegistry``) reads
our own ``License`` table: the demo's ID cards, household registers and business licences, and every
licence a grant of this portal issued. A provincial adapter answers the same three questions over its
own interface and receives the licences the portal issues (``publish``, 归集).
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from applications.licences.models import License
from portal.exceptions import NotFound
from portal.idnumbers import id_number_digest


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


def licence_registry() -> LicenceRegistry:
    registry: LicenceRegistry = import_string(settings.PORTAL_LICENCE_REGISTRY)()
    return registry
