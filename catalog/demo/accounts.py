"""One demo account per role (DESIGN.md "People and parties"), read from ``data/accounts.yaml``.

All share ``portal.services.DEMO_PASSWORD``; they exist only while settings.DEMO_MODE is on.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from catalog.demo import datafiles, places
from portal.models import Role
from portal.validators import validate_resident_id, validate_uscc


@dataclass(frozen=True)
class StaffSeed:
    username: str
    real_name: str
    role: str
    department_key: str | None  # catalog.demo.places key
    is_superuser: bool = False


@dataclass(frozen=True)
class CitizenSeed:
    phone: str  # also the username (portal.services.register_user)
    real_name: str
    id_number: str
    # An enterprise user acts for this company as its legal representative (法定代表人).
    organization: tuple[str, str] | None = None  # (name, USCC)


def _checked(validate: Any) -> datafiles.Reader:
    def read(value: Any, at: datafiles.At) -> str:
        try:
            return validate(datafiles.text(value, at))
        except ValidationError as error:
            raise at.error("；".join(error.messages)) from error

    return read


_ACCOUNTS = datafiles.record(
    {
        "staff": datafiles.Required(
            datafiles.list_of(
                datafiles.record(
                    {
                        "username": datafiles.Required(datafiles.text),
                        "real_name": datafiles.Required(datafiles.text),
                        "role": datafiles.Required(datafiles.choice(Role)),
                        "department": datafiles.text,
                        "is_superuser": datafiles.flag,
                    }
                )
            )
        ),
        "demo_company": datafiles.Required(
            datafiles.record(
                {"name": datafiles.Required(datafiles.text), "uscc": datafiles.Required(_checked(validate_uscc))}
            )
        ),
        "citizens": datafiles.Required(
            datafiles.list_of(
                datafiles.record(
                    {
                        "phone": datafiles.Required(datafiles.text),
                        "real_name": datafiles.Required(datafiles.text),
                        "id_number": datafiles.Required(_checked(validate_resident_id)),
                        "acts_for_demo_company": datafiles.flag,
                    }
                )
            )
        ),
    }
)


def read_accounts(
    path: Path | str = "accounts.yaml",
) -> tuple[list[StaffSeed], tuple[str, str], list[CitizenSeed]]:
    """The staff, the demo company (name, USCC) and the citizens of an accounts file, checked."""

    def read(data: Any, at: datafiles.At) -> tuple[list[StaffSeed], tuple[str, str], list[CitizenSeed]]:
        accounts = _ACCOUNTS(data, at)
        keys = {d.key for d in places.DEPARTMENTS}
        for position, staff in enumerate(accounts["staff"]):
            if staff.get("department", "") and staff["department"] not in keys:
                where = (at / "staff").entry(position, staff) / "department"
                raise where.error(f"部门“{staff['department']}”不在 places.yaml 中。")
        company = (accounts["demo_company"]["name"], accounts["demo_company"]["uscc"])
        staff = [
            StaffSeed(
                s["username"], s["real_name"], s["role"], s.get("department") or None, s.get("is_superuser", False)
            )
            for s in accounts["staff"]
        ]
        citizens = [
            CitizenSeed(c["phone"], c["real_name"], c["id_number"], company if c.get("acts_for_demo_company") else None)
            for c in accounts["citizens"]
        ]
        datafiles.unique([s.username for s in staff], "用户名", at / "staff")
        datafiles.unique([c.phone for c in citizens], "手机号码", at / "citizens")
        return staff, company, citizens

    return datafiles.read_file(path, read)


STAFF, DEMO_COMPANY, CITIZENS = read_accounts()
