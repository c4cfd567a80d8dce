"""The organisation registry (市场主体登记): who a USCC belongs to and who its legal representative is.

A registrant never writes these facts. Registering as a company's 经办人 looks the USCC up here, and the
local Organization row is written from the answer, so the first registrant of a code no one knew yet
cannot define its name or its legal representative. The national registry is out of reach; the
interface is chosen by ``settings.ORGANIZATION_REGISTRY`` with a demo implementation reading
``DemoRegistryRecord`` rows (seeded, or entered by a system administrator).
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OrganizationRecord:
    uscc: str
    name: str
    legal_representative: str
    # Keyed digest (portal.idnumbers.id_number_digest) of the legal representative's ID number.
    legal_representative_id_digest: str


class OrganizationRegistry(Protocol):
    def lookup(self, uscc: str) -> OrganizationRecord | None:
        """The registered facts of ``uscc`` (already checksum-valid), or None if it is not registered."""
        ...


class DemoOrganizationRegistry:
    """Reads DemoRegistryRecord rows: what the demo seed and system administrators entered."""

    def lookup(self, uscc: str) -> OrganizationRecord | None:
        from portal.models import DemoRegistryRecord

        row = DemoRegistryRecord.objects.filter(uscc=uscc).first()
        if row is None:
            return None
        return OrganizationRecord(
            uscc=row.uscc,
            name=row.name,
            legal_representative=row.legal_representative,
            legal_representative_id_digest=row.legal_representative_id_digest,
        )


def get_organization_registry() -> OrganizationRegistry:
    return import_string(settings.ORGANIZATION_REGISTRY)()
