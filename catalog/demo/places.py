"""Regions (行政区划, five levels) and departments (实施机关) of the demo, read from ``data/places.yaml``,
and the USCCs of agencies and companies (GB 32100, GB 11714).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.demo import datafiles
from catalog.models import Region
from portal.validators import uscc_check_character

# The regions the code itself names (bulk, samples, accounts, windows.demo); places.yaml lists them.
PROVINCE = "320000000000"
CITY = "320100000000"
XUANWU = "320102000000"
JIANGNING = "320115000000"

# GB 11714-1997: the check character of the 8-character 组织机构代码 body (positions 9–17 of a USCC).
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_char_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - 55


def organization_code(body8: str) -> str:
    """The 9-character 组织机构代码: 8 characters plus their GB 11714 check character."""
    remainder = 11 - sum(_org_char_value(c) * w for c, w in zip(body8, ORG_CODE_WEIGHTS, strict=True)) % 11
    return body8 + {10: "X", 11: "0"}.get(remainder, str(remainder))


def agency_uscc(area_code: str, serial: int) -> str:
    """USCC of a government agency: 1 (机构编制) 1 (机关), the county's 6-digit area code, the agency's
    组织机构代码 (new codes of agencies begin with MB), and the GB 32100 check character."""
    body17 = "11" + area_code[:6] + organization_code(f"MB{serial:06d}")
    return body17 + uscc_check_character(body17)


def company_uscc(area_code: str, serial: int) -> str:
    """USCC of a company: 9 (工商) 1 (企业), area code, a 9-character code (MA…), check character."""
    body17 = "91" + area_code[:6] + organization_code(f"MA{serial:06d}")
    return body17 + uscc_check_character(body17)


@dataclass(frozen=True)
class DepartmentSeed:
    key: str  # used by the item templates: "jn.xzsp", "xw.scjg", …
    region_code: str
    name: str
    serial: int
    address: str
    phone: str
    hall: str  # where its items are handled (办理地点)

    @property
    def uscc(self) -> str:
        return agency_uscc(self.region_code, self.serial)


Place = tuple[str, str, int, str | None]  # (code, name, level, parent code)

_REGION = datafiles.record(
    {
        "code": datafiles.Required(datafiles.text),
        "name": datafiles.Required(datafiles.text),
        "level": datafiles.Required(datafiles.choice(Region.Level)),
        "parent": datafiles.text,
    }
)
_DEPARTMENT = datafiles.record(
    {
        "key": datafiles.Required(datafiles.text),
        "region_code": datafiles.Required(datafiles.text),
        "name": datafiles.Required(datafiles.text),
        "serial": datafiles.Required(datafiles.number),
        "address": datafiles.Required(datafiles.text),
        "phone": datafiles.Required(datafiles.text),
        "hall": datafiles.Required(datafiles.text),
    }
)
_PLACES = datafiles.record(
    {
        "regions": datafiles.Required(datafiles.list_of(_REGION)),
        "departments": datafiles.Required(datafiles.list_of(_DEPARTMENT)),
    }
)


def read_places(path: Path | str = "places.yaml") -> tuple[list[Place], list[DepartmentSeed]]:
    """The regions (parents first) and departments of a places file, checked."""

    def read(data: Any, at: datafiles.At) -> tuple[list[Place], list[DepartmentSeed]]:
        places = _PLACES(data, at)
        regions: list[Place] = []
        levels: dict[str, int] = {}
        for position, region in enumerate(places["regions"]):
            where = (at / "regions").entry(position, region)
            code, parent = region["code"], region.get("parent")
            if len(code) != 12 or not code.isdigit():
                raise (where / "code").error("区划代码须为 12 位数字。")
            if code in levels:
                raise (where / "code").error(f"区划代码“{code}”重复。")
            if parent is not None and levels.get(parent) != region["level"] - 1:
                raise (where / "parent").error("上级区划须列在前面，且正好高一级。")
            levels[code] = region["level"]
            regions.append((code, region["name"], region["level"], parent))
        departments = []
        for position, department in enumerate(places["departments"]):
            where = (at / "departments").entry(position, department)
            if department["region_code"] not in levels:
                raise (where / "region_code").error(f"区划“{department['region_code']}”不在 regions 中。")
            departments.append(DepartmentSeed(**department))
        datafiles.unique([d.key for d in departments], "部门键", at / "departments")
        datafiles.unique([d.uscc for d in departments], "部门统一社会信用代码", at / "departments")
        return regions, departments

    return datafiles.read_file(path, read)


REGIONS, DEPARTMENTS = read_places()
HALL_BY_USCC = {d.uscc: d.hall for d in DEPARTMENTS}
