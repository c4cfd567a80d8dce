"""The demo registry's licences and kinds, from ``catalog/demo/data/licences.yaml`` (idempotent).

Run by ``windows.demo.seed_demo_hall`` before its cases, so the demo's applications already fill in
张三's ID card from the registry. A licence that exists (by number) is left alone.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction

from applications.licences import issuing
from applications.licences.models import LicenceKind, License
from applications.models import Party
from catalog.demo import accounts, datafiles
from portal.exceptions import DomainError

COMPANY = "demo_company"


def _day(value: Any, at: datafiles.At) -> dt.date:
    try:
        return dt.date.fromisoformat(datafiles.text(value, at))
    except ValueError:
        raise at.error("日期应写作 YYYY-MM-DD。") from None


_FILE = datafiles.record(
    {
        "kinds": datafiles.Required(
            datafiles.list_of(
                datafiles.record(
                    {
                        "name": datafiles.Required(datafiles.text),
                        "valid_years": datafiles.number,
                        "number_prefix": datafiles.text,
                    }
                )
            )
        ),
        "licences": datafiles.Required(
            datafiles.list_of(
                datafiles.record(
                    {
                        "kind": datafiles.Required(datafiles.text),
                        "number": datafiles.Required(datafiles.text),
                        "holder": datafiles.Required(datafiles.text),
                        "issuer": datafiles.Required(datafiles.text),
                        "issued_on": datafiles.Required(_day),
                        "valid_until": _day,
                    }
                )
            )
        ),
    }
)


def _holder(key: str) -> dict[str, str]:
    if key == COMPANY:
        name, uscc = accounts.DEMO_COMPANY
        return {
            "holder_type": License.HolderType.ORGANIZATION,
            "holder_id_type": Party.IdType.USCC,
            "holder_id_number": uscc,
            "holder_name": name,
        }
    citizen = next((c for c in accounts.CITIZENS if c.phone == key), None)
    if citizen is None:
        raise DomainError(f"演示电子证照的持证人“{key}”不在 accounts.yaml 中。")
    return {
        "holder_type": License.HolderType.PERSON,
        "holder_id_type": Party.IdType.RESIDENT_ID,
        "holder_id_number": citizen.id_number,
        "holder_name": citizen.real_name,
    }


def read_demo_licences(path: str = "licences.yaml") -> dict[str, Any]:
    """The file's kinds and licences, checked (a DataFileError names the file and the key)."""
    data: dict[str, Any] = datafiles.read_file(path, lambda value, at: _FILE(value, at))
    return data


def seed_demo_licences(path: str = "licences.yaml") -> int:
    """The kinds and the demo citizens' and company's licences; returns how many licences it created."""
    if not settings.DEMO_MODE:
        raise DomainError("当前不是开发模式：演示电子证照只用于演示。", code="not_demo_mode")
    data = read_demo_licences(path)
    created = 0
    with transaction.atomic():
        for kind in data["kinds"]:
            LicenceKind.objects.get_or_create(
                name=kind["name"],
                defaults={"valid_years": kind.get("valid_years"), "number_prefix": kind.get("number_prefix", "")},
            )
        for entry in data["licences"]:
            if License.objects.filter(number=entry["number"]).exists():
                continue
            issuing.record_licence(
                kind=entry["kind"],
                number=entry["number"],
                issuer=entry["issuer"],
                issued_on=entry["issued_on"],
                valid_until=entry.get("valid_until"),
                **_holder(entry["holder"]),  # type: ignore[arg-type]
            )
            created += 1
    return created
