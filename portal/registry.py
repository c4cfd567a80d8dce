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
from django.utils.translation import gettext_lazy

from portal.idnumbers import id_number_digest
from portal.signed_http import ProviderError, post_signed_json, provider_settings


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

    is_demo = True

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


class HttpOrganizationRegistry:
    """The registry over HTTP (portal/signed_http.py), from ORGANIZATION_REGISTRY_URL/_APP_ID/_SECRET.

    Request: {"uscc"}. Answer: {"found": bool, "name", "legal_representative",
    "legal_representative_id_number"}; the number is reduced to its keyed digest at once and never kept.
    """

    required_settings = ("ORGANIZATION_REGISTRY_URL", "ORGANIZATION_REGISTRY_APP_ID", "ORGANIZATION_REGISTRY_SECRET")
    FAILURE_MESSAGE = gettext_lazy("登记机关信息查询服务暂时不可用，请稍后再试。")

    def __init__(self) -> None:
        self.url, self.app_id, self.secret = provider_settings("ORGANIZATION_REGISTRY")

    def lookup(self, uscc: str) -> OrganizationRecord | None:
        answer = post_signed_json(
            url=self.url,
            app_id=self.app_id,
            secret=self.secret,
            payload={"uscc": uscc},
            service="organization registry",
            failure_message=self.FAILURE_MESSAGE,
        )
        if answer.get("found") is False:
            return None
        fields = ("name", "legal_representative", "legal_representative_id_number")
        if answer.get("found") is not True or not all(isinstance(answer.get(f), str) and answer[f] for f in fields):
            raise ProviderError(self.FAILURE_MESSAGE, reason="organization registry: unexpected answer")
        return OrganizationRecord(
            uscc=uscc,
            name=answer["name"],
            legal_representative=answer["legal_representative"],
            legal_representative_id_digest=id_number_digest(answer["legal_representative_id_number"]),
        )


def get_organization_registry() -> OrganizationRegistry:
    return import_string(settings.ORGANIZATION_REGISTRY)()
