"""Regions (行政区划, five levels) and departments (实施机关) of the demo.

Division codes follow GB/T 2260 for province, city and county, and the statistical division code
for townships (9 significant digits) and villages (12; 001–199 居委会/社区, 200–399 村委会).
"""

from dataclasses import dataclass

from catalog.models import Region
from portal.validators import uscc_check_character

PROVINCE = "320000000000"
CITY = "320100000000"
XUANWU = "320102000000"
JIANGNING = "320115000000"

# (code, name, level, parent code), parents first.
REGIONS: list[tuple[str, str, int, str | None]] = [
    (PROVINCE, "江苏省", Region.Level.PROVINCE, None),
    (CITY, "南京市", Region.Level.CITY, PROVINCE),
    (XUANWU, "玄武区", Region.Level.COUNTY, CITY),
    ("320102003000", "新街口街道", Region.Level.TOWNSHIP, XUANWU),
    ("320102003001", "丹凤街社区", Region.Level.VILLAGE, "320102003000"),
    ("320102003002", "估衣廊社区", Region.Level.VILLAGE, "320102003000"),
    ("320102009000", "孝陵卫街道", Region.Level.TOWNSHIP, XUANWU),
    ("320102009001", "钟灵街社区", Region.Level.VILLAGE, "320102009000"),
    ("320102009002", "卫岗社区", Region.Level.VILLAGE, "320102009000"),
    (JIANGNING, "江宁区", Region.Level.COUNTY, CITY),
    ("320115001000", "东山街道", Region.Level.TOWNSHIP, JIANGNING),
    ("320115001001", "竹山社区", Region.Level.VILLAGE, "320115001000"),
    ("320115001002", "上坊社区", Region.Level.VILLAGE, "320115001000"),
    ("320115002000", "秣陵街道", Region.Level.TOWNSHIP, JIANGNING),
    ("320115002001", "殷巷社区", Region.Level.VILLAGE, "320115002000"),
    ("320115002002", "胜太社区", Region.Level.VILLAGE, "320115002000"),
    ("320115003000", "汤山街道", Region.Level.TOWNSHIP, JIANGNING),
    ("320115003001", "汤山社区", Region.Level.VILLAGE, "320115003000"),
    ("320115003201", "龙尚村", Region.Level.VILLAGE, "320115003000"),
]

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


JN_HALL = "江宁区政务服务中心（南京市江宁区竹山路565号）"
XW_HALL = "玄武区政务服务中心（南京市玄武区玄武大道699-1号）"

DEPARTMENTS: list[DepartmentSeed] = [
    # 南京市: the catalog office that publishes both counties' items.
    DepartmentSeed(
        "nj.zwb",
        CITY,
        "南京市政务服务管理办公室",
        100101,
        "南京市建邺区江东中路265号",
        "025-68787100",
        "南京市民服务中心（南京市建邺区江东中路265号）",
    ),
    # 江宁区: a 行政审批局 holds most licensing (相对集中行政许可权改革).
    DepartmentSeed(
        "jn.xzsp", JIANGNING, "南京市江宁区行政审批局", 115001, "南京市江宁区竹山路565号", "025-52128001", JN_HALL
    ),
    DepartmentSeed(
        "jn.gaj",
        JIANGNING,
        "南京市公安局江宁分局",
        115002,
        "南京市江宁区东山街道上元大街399号",
        "025-52128110",
        "南京市公安局江宁分局户政服务大厅（南京市江宁区上元大街399号）",
    ),
    DepartmentSeed(
        "jn.rsj",
        JIANGNING,
        "南京市江宁区人力资源和社会保障局",
        115003,
        "南京市江宁区天元中路125号",
        "025-52128203",
        JN_HALL,
    ),
    DepartmentSeed(
        "jn.scjg", JIANGNING, "南京市江宁区市场监督管理局", 115004, "南京市江宁区金箔路1166号", "025-52128315", JN_HALL
    ),
    DepartmentSeed(
        "jn.mzj",
        JIANGNING,
        "南京市江宁区民政局",
        115005,
        "南京市江宁区文靖东路9号",
        "025-52128402",
        "江宁区婚姻登记处（南京市江宁区文靖东路9号）",
    ),
    DepartmentSeed(
        "jn.zjj", JIANGNING, "南京市江宁区住房和城乡建设局", 115006, "南京市江宁区湖山路9号", "025-52128518", JN_HALL
    ),
    DepartmentSeed(
        "jn.zrzy",
        JIANGNING,
        "南京市规划和自然资源局江宁分局",
        115007,
        "南京市江宁区双龙大道1351号",
        "025-52128626",
        "江宁区不动产登记服务大厅（南京市江宁区双龙大道1351号）",
    ),
    DepartmentSeed(
        "jn.ybj", JIANGNING, "南京市江宁区医疗保障局", 115008, "南京市江宁区天元中路125号", "025-52128730", JN_HALL
    ),
    DepartmentSeed(
        "jn.wjw", JIANGNING, "南京市江宁区卫生健康委员会", 115009, "南京市江宁区金箔路639号", "025-52128839", JN_HALL
    ),
    DepartmentSeed(
        "jn.jtj", JIANGNING, "南京市江宁区交通运输局", 115010, "南京市江宁区上元大街48号", "025-52128946", JN_HALL
    ),
    DepartmentSeed(
        "jn.jyj", JIANGNING, "南京市江宁区教育局", 115011, "南京市江宁区金箔路1258号", "025-52129052", JN_HALL
    ),
    # 玄武区: registrations and food and drug licences stay with 市场监督管理局.
    DepartmentSeed(
        "xw.scjg", XUANWU, "南京市玄武区市场监督管理局", 102001, "南京市玄武区长江后街6号", "025-84401315", XW_HALL
    ),
    DepartmentSeed(
        "xw.gaj",
        XUANWU,
        "南京市公安局玄武分局",
        102002,
        "南京市玄武区北京东路71号",
        "025-84401110",
        "南京市公安局玄武分局户政服务大厅（南京市玄武区北京东路71号）",
    ),
    DepartmentSeed(
        "xw.rsj",
        XUANWU,
        "南京市玄武区人力资源和社会保障局",
        102003,
        "南京市玄武区玄武大道699-1号",
        "025-84401203",
        XW_HALL,
    ),
    DepartmentSeed(
        "xw.mzj",
        XUANWU,
        "南京市玄武区民政局",
        102004,
        "南京市玄武区珠江路699号",
        "025-84401402",
        "玄武区婚姻登记处（南京市玄武区珠江路699号）",
    ),
    DepartmentSeed(
        "xw.zjj", XUANWU, "南京市玄武区住房和城乡建设局", 102005, "南京市玄武区龙蟠路139号", "025-84401518", XW_HALL
    ),
    DepartmentSeed(
        "xw.zrzy",
        XUANWU,
        "南京市规划和自然资源局玄武分局",
        102006,
        "南京市玄武区太平北路98号",
        "025-84401626",
        "玄武区不动产登记服务大厅（南京市玄武区太平北路98号）",
    ),
    DepartmentSeed(
        "xw.ybj", XUANWU, "南京市玄武区医疗保障局", 102007, "南京市玄武区玄武大道699-1号", "025-84401730", XW_HALL
    ),
    DepartmentSeed(
        "xw.wjw", XUANWU, "南京市玄武区卫生健康委员会", 102008, "南京市玄武区中山路235号", "025-84401839", XW_HALL
    ),
    DepartmentSeed("xw.jyj", XUANWU, "南京市玄武区教育局", 102009, "南京市玄武区长江后街6号", "025-84401952", XW_HALL),
]

HALL_BY_USCC = {d.uscc: d.hall for d in DEPARTMENTS}
