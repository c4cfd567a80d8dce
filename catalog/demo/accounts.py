"""One demo account per role (DESIGN.md "People and parties"), attached to sensible departments.

All share ``portal.services.DEMO_PASSWORD``; they exist only while settings.DEMO_MODE is on.
"""

from dataclasses import dataclass

from catalog.demo.places import JIANGNING, company_uscc
from portal.models import Role
from portal.validators import iso7064_check_character


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


def resident_id(body17: str) -> str:
    return body17 + iso7064_check_character(body17)


STAFF: list[StaffSeed] = [
    StaffSeed("demo_editor_jn", "陈静", Role.CATALOG_EDITOR, "jn.xzsp"),
    StaffSeed("demo_editor_xw", "周明", Role.CATALOG_EDITOR, "xw.scjg"),
    # The city's catalog office publishes the items of both counties below it (catalog.access).
    StaffSeed("demo_publisher", "吴芳", Role.CATALOG_PUBLISHER, "nj.zwb"),
    # Comprehensive-window clerks of the 江宁区 hall are staff of the 行政审批局.
    StaffSeed("demo_clerk", "刘洋", Role.CLERK, "jn.xzsp"),
    StaffSeed("demo_chief_rep", "孙磊", Role.CHIEF_REP, "jn.rsj"),
    StaffSeed("demo_reviewer", "赵敏", Role.REVIEWER, "jn.xzsp"),
    StaffSeed("demo_dept_head", "钱伟", Role.DEPT_HEAD, "jn.xzsp"),
    StaffSeed("demo_supervisor", "郑洁", Role.SUPERVISOR, "nj.zwb"),
    StaffSeed("demo_auditor", "冯涛", Role.AUDITOR, "nj.zwb"),
    StaffSeed("demo_sysadmin", "王工", Role.SYSADMIN, None, is_superuser=True),
]

DEMO_COMPANY = ("南京江宁示范餐饮有限公司", company_uscc(JIANGNING, 1))

CITIZENS: list[CitizenSeed] = [
    CitizenSeed("13900000001", "张三", resident_id("32011519900307123")),
    CitizenSeed("13900000002", "李四", resident_id("32010219850715456"), organization=DEMO_COMPANY),
]
