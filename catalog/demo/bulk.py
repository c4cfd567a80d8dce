"""About 2,000 generated items in a generated county, for search, import tests and benchmarks.

A county's implementation list has about 2,000 items (DESIGN.md "Interfaces"). The items are built
by ``catalog.demo.loader.build_spec`` from generated templates, so they satisfy ``catalog.rules``
by construction, and are inserted with ``bulk_create`` (a few dozen queries for the lot instead of
``write_item_version``'s dozens per item). The caller validates a sample of them afterwards.

Codes are a function of the item's position, so a second run creates only what is missing, and
``replace=True`` deletes the generated county's items first.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import ProtectedError

from catalog import rules
from catalog.demo import loader, places
from catalog.demo.build import (
    BUSINESS,
    ONLINE,
    PERSON,
    PREREVIEW,
    WINDOW,
    Handling,
    ItemTemplate,
    material,
)
from catalog.demo.samples import SampleFiles
from catalog.demo.topics import TOPICS
from catalog.models import (
    FAQ,
    BasicItem,
    CatalogLevel,
    Department,
    ItemType,
    MaterialRequirement,
    ProcessStep,
    Region,
    ServiceItem,
    Topic,
)
from catalog.services import build_search_text
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError

COUNTY_CODE = "320199000000"  # not a GB/T 2260 code: the county is generated
COUNTY_NAME = "演示县"
MAX_COUNT = 9999  # the basic code holds a 4-digit serial
VALIDATED_SAMPLE = 50  # every n-th generated item is checked against catalog.rules
BATCH = 500

# (department, subjects of its items). Real agency names of a county; subjects from real item names.
DEPARTMENTS: list[tuple[str, list[str]]] = [
    ("发展和改革局", ["固定资产投资项目", "企业投资项目", "节能审查", "价格认定", "粮食收购", "油气管道保护"]),
    ("教育局", ["民办学校", "校外培训机构", "幼儿园", "校车使用", "中等职业学校", "学生资助"]),
    ("科学技术局", ["高新技术企业", "科技型中小企业", "技术合同", "科技成果", "实验动物", "科普基地"]),
    ("工业和信息化局", ["无线电台站", "民用爆炸物品", "重点用能单位", "工业企业技术改造", "软件企业", "专精特新企业"]),
    ("公安局", ["烟花爆竹燃放", "大型群众性活动", "旅馆业特种行业", "保安服务", "剧毒化学品购买", "养犬"]),
    ("民政局", ["殡葬服务设施", "民办非企业单位", "基金会", "地名命名", "慈善组织", "养老服务机构"]),
    ("司法局", ["法律援助", "公证", "基层法律服务工作者", "人民调解员", "律师执业", "司法鉴定"]),
    ("财政局", ["政府采购代理机构", "代理记账", "非税收入票据", "会计人员", "政府投资项目评审", "财政补助资金"]),
    (
        "人力资源和社会保障局",
        ["职业技能等级", "劳务派遣经营", "企业年金方案", "特殊工时制度", "技工学校", "职业培训机构"],
    ),
    ("自然资源和规划局", ["采矿权", "探矿权", "临时用地", "地质灾害治理工程", "测绘资质", "建设项目用地预审"]),
    (
        "生态环境局",
        ["排污", "建设项目环境影响评价文件", "危险废物经营", "辐射安全", "机动车排放检验机构", "固体废物转移"],
    ),
    (
        "住房和城乡建设局",
        ["建筑业企业资质", "房地产开发企业资质", "物业服务", "城镇燃气经营", "白蚁防治", "建设工程质量检测机构"],
    ),
    ("交通运输局", ["道路旅客运输", "机动车维修经营", "出租汽车经营", "港口经营", "航道通航条件影响评价", "水路运输"]),
    (
        "水务局",
        ["取水", "河道管理范围内建设项目", "水土保持方案", "城镇污水排入排水管网", "洪水影响评价", "农业灌溉水源占用"],
    ),
    ("农业农村局", ["农药经营", "兽药经营", "种子生产经营", "动物防疫条件", "渔业捕捞", "农机驾驶"]),
    (
        "商务局",
        ["对外贸易经营者", "单用途商业预付卡", "报废机动车回收", "拍卖企业", "成品油零售经营", "再生资源回收经营者"],
    ),
    (
        "文化广电和旅游局",
        ["营业性演出", "娱乐场所经营", "互联网上网服务营业场所", "旅行社", "艺术品经营单位", "文物保护单位修缮"],
    ),
    (
        "卫生健康委员会",
        ["放射诊疗", "母婴保健技术服务", "消毒产品生产企业", "饮用水供水单位卫生", "医师执业", "护士执业"],
    ),
    ("退役军人事务局", ["退役士兵安置", "烈士褒扬", "伤残抚恤", "优待证", "军休干部服务", "光荣牌悬挂"]),
    (
        "应急管理局",
        [
            "危险化学品经营",
            "烟花爆竹经营",
            "非药品类易制毒化学品生产",
            "安全生产标准化",
            "生产安全事故应急预案",
            "金属冶炼建设项目安全设施设计",
        ],
    ),
    (
        "市场监督管理局",
        ["工业产品生产", "计量器具型式批准", "检验检测机构资质", "食品生产", "广告发布", "特种设备作业人员"],
    ),
    ("医疗保障局", ["定点医药机构", "门诊慢特病待遇", "长期护理保险", "医疗救助", "生育医疗费用", "职工医保个人账户"]),
    (
        "城市管理局",
        ["建筑垃圾处置", "户外广告设施设置", "临时占用城市道路", "城市绿化工程", "生活垃圾经营性清扫", "燃气设施改动"],
    ),
    ("行政审批局", ["出版物零售", "印刷经营", "电影放映单位", "粮食收购资格", "人防工程易地建设", "森林植被恢复"]),
]

# (what is done, item type, handling, audience). Only types that are applied for (依申请).
ACTIONS: list[tuple[str, str, str, str]] = [
    ("许可", ItemType.LICENSING, Handling.NEW, BUSINESS),
    ("许可变更", ItemType.LICENSING, Handling.CHANGE, BUSINESS),
    ("许可延续", ItemType.LICENSING, Handling.RENEWAL, BUSINESS),
    ("许可注销", ItemType.LICENSING, Handling.CANCELLATION, BUSINESS),
    ("备案", ItemType.FILING, Handling.NEW, BUSINESS),
    ("备案变更", ItemType.FILING, Handling.CHANGE, BUSINESS),
    ("登记", ItemType.CONFIRMATION, Handling.NEW, PERSON),
    ("登记注销", ItemType.CONFIRMATION, Handling.CANCELLATION, PERSON),
    ("资格认定", ItemType.CONFIRMATION, Handling.NEW, PERSON),
    ("补贴申领", ItemType.BENEFIT, Handling.NEW, PERSON),
    ("奖励申报", ItemType.REWARD, Handling.NEW, BUSINESS),
    ("争议裁决", ItemType.ADJUDICATION, Handling.NEW, PERSON),
    ("证明开具", ItemType.PUBLIC_SERVICE, Handling.NEW, PERSON),
    ("信息查询", ItemType.PUBLIC_SERVICE, Handling.OTHER, PERSON),
]
# (statutory, promised) in working days, in rotation; (0, 0) and (5, 0) are immediate items.
LIMITS = [(20, 10), (20, 5), (10, 5), (0, 0), (30, 15), (15, 7), (5, 0), (7, 3), (60, 20), (3, 1), (2, 2)]
CHANNELS = [ONLINE, PREREVIEW, ONLINE, WINDOW]


@dataclass
class BulkReport:
    created: int = 0
    deleted: int = 0
    validated: int = 0
    codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Generated:
    template: ItemTemplate
    department_index: int
    has_result: bool


def generated_templates(count: int) -> Iterator[_Generated]:
    """The first ``count`` generated items: every action of every subject, department by department."""
    pairs = [(d, s) for d, (_, subjects) in enumerate(DEPARTMENTS) for s in subjects]
    combos = itertools.product(range(len(ACTIONS)), range(len(pairs)))
    numbered = itertools.islice(_cycle_numbered(combos), count)
    for serial, ((action_index, pair_index), round_number) in enumerate(numbered, start=1):
        department_index, subject = pairs[pair_index]
        action, item_type, handling, audience = ACTIONS[action_index]
        suffix = f"（{round_number + 1}）" if round_number else ""
        name = f"{subject}{action}{suffix}"
        department_name = DEPARTMENTS[department_index][0]
        statutory, promised = LIMITS[serial % len(LIMITS)]
        channel = CHANNELS[serial % len(CHANNELS)]
        yield _Generated(
            template=ItemTemplate(
                key=f"bulk{serial:04d}",
                name=name,
                basic_code=f"000{item_type}9{serial:04d}00",
                item_type=item_type,
                basis=f"《{COUNTY_NAME}{department_name}{subject}管理办法》（演示数据）",
                authority=department_name,
                owners=(),
                audience=audience,
                handling=handling,
                statutory_days=statutory,
                promised_days=promised,
                channel=channel,
                visits_reason="核验申请材料原件" if channel != ONLINE else "",
                materials=[
                    material("application_form", name=f"{name}申请表", blank_form=False, sample=False),
                    material("id_card", name="申请人（经办人）居民身份证"),
                    material(name=f"{subject}相关证明材料", notes="按实际情况提交"),
                ],
                keywords=f"{subject},{action},{department_name}",
                common_names=subject if serial % 5 == 0 else "",
                topics=(TOPICS[serial % len(TOPICS)][0],) if serial % 3 == 0 else (),
                faqs=[{"question": f"{name}需要多长时间？", "answer": f"承诺办结时限为{promised}个工作日。"}]
                if serial % 7 == 0
                else [],
                is_locally_established=True,
            ),
            department_index=department_index,
            has_result=serial % 4 != 0,
        )


def _cycle_numbered(combos: Iterator[tuple[int, int]]) -> Iterator[tuple[tuple[int, int], int]]:
    """Every combination, then every combination again with a round number, and so on."""
    first = list(combos)
    for round_number in itertools.count():
        for combo in first:
            yield combo, round_number


@transaction.atomic
def seed_bulk_catalog(*, count: int, replace: bool = False, clock: Clock = system_clock) -> BulkReport:
    """Create the generated county's first ``count`` items (those missing), all published."""
    if not 1 <= count <= MAX_COUNT:
        raise DomainError(f"生成数量须在 1 到 {MAX_COUNT} 之间。", code="bulk_count")
    report = BulkReport()
    county = _county()
    if replace:
        report.deleted = _delete_generated(county)
    departments = _departments(county)
    existing = set(ServiceItem.objects.filter(region=county).values_list("code", flat=True))
    files = SampleFiles()
    shared_sample: str | None = None
    now = clock.now()

    basic_items: list[BasicItem] = []
    items: list[ServiceItem] = []
    children: list[dict] = []
    for generated in generated_templates(count):
        template = generated.template
        department = departments[generated.department_index]
        code = loader.implementation_code(
            department=department, basic_code=template.basic_code, handling=template.handling
        )
        if code in existing:
            continue
        spec = loader.build_spec(template, department=department, files=files)
        if generated.has_result:
            # One result sample serves every generated item: thousands of files would say nothing more.
            if shared_sample is None:
                shared_sample = files.result_sample(
                    result_name="决定书", issuing_body=COUNTY_NAME, item_name="演示县生成事项", holder="（示例）"
                )
            spec |= {"result_name": f"{template.name}决定书", "result_type": "document", "result_sample": shared_sample}
        basic = BasicItem(
            level=CatalogLevel.COUNTY,
            region=county,
            code=template.basic_code,
            name=template.name,
            item_type=template.item_type,
            basis=template.basis,
            competent_authority=department.name,
            is_locally_established=True,
        )
        basic_items.append(basic)
        fields = {k: v for k, v in spec.items() if k not in CHILD_KEYS}
        item = ServiceItem(
            code=code,
            version=1,
            status=ServiceItem.Status.PUBLISHED,
            published_at=now,
            basic_item=basic,
            department=department,
            region=county,
            **fields,
        )
        item.search_text = build_search_text(item)
        items.append(item)
        children.append(spec)
        report.codes.append(code)

    BasicItem.objects.bulk_create(basic_items, batch_size=BATCH)
    # Each item's basic_item_id is filled in from its now saved BasicItem as the items are saved.
    ServiceItem.objects.bulk_create(items, batch_size=BATCH)
    _create_children(items, children)
    report.created = len(items)

    for item in items[::VALIDATED_SAMPLE]:
        fresh = ServiceItem.objects.select_related("basic_item", "department").get(pk=item.pk)
        rules.validate_service_item(fresh)  # raises, and the transaction rolls back
        report.validated += 1
    return report


CHILD_KEYS = ("materials", "situations", "steps", "fees", "faqs", "topics")


def _create_children(items: list[ServiceItem], specs: list[dict]) -> None:
    materials, steps, faqs, topic_links = [], [], [], []
    topics = {t.code: t.pk for t in Topic.objects.all()}
    through = ServiceItem.topics.through
    for item, spec in zip(items, specs, strict=True):
        materials += [MaterialRequirement(item=item, order=i, **m) for i, m in enumerate(spec["materials"], start=1)]
        steps += [ProcessStep(item=item, order=i, **s) for i, s in enumerate(spec["steps"], start=1)]
        faqs += [FAQ(item=item, order=i, **f) for i, f in enumerate(spec["faqs"], start=1)]
        topic_links += [through(serviceitem_id=item.pk, topic_id=topics[c]) for c in spec["topics"] if c in topics]
    MaterialRequirement.objects.bulk_create(materials, batch_size=BATCH)
    ProcessStep.objects.bulk_create(steps, batch_size=BATCH)
    FAQ.objects.bulk_create(faqs, batch_size=BATCH)
    through.objects.bulk_create(topic_links, batch_size=BATCH)


def _county() -> Region:
    city, _ = Region.objects.get_or_create(
        code=places.CITY,
        defaults={
            "name": "南京市",
            "level": Region.Level.CITY,
            "parent": Region.objects.get_or_create(
                code=places.PROVINCE, defaults={"name": "江苏省", "level": Region.Level.PROVINCE}
            )[0],
        },
    )
    county, _ = Region.objects.get_or_create(
        code=COUNTY_CODE, defaults={"name": COUNTY_NAME, "level": Region.Level.COUNTY, "parent": city}
    )
    return county


def _departments(county: Region) -> list[Department]:
    departments = []
    for index, (name, _) in enumerate(DEPARTMENTS, start=1):
        department, _ = Department.objects.get_or_create(
            uscc=places.agency_uscc(COUNTY_CODE, 199000 + index),
            defaults={
                "region": county,
                "name": f"{COUNTY_NAME}{name}",
                "address": f"{COUNTY_NAME}政务服务中心",
                "phone": f"025-5799{index:04d}",
            },
        )
        departments.append(department)
    return departments


def _delete_generated(county: Region) -> int:
    """Delete the generated county's items and basic items (departments and regions stay)."""
    items = ServiceItem.objects.filter(region=county)
    try:
        deleted = items.count()
        items.delete()
        BasicItem.objects.filter(region=county).delete()
    except ProtectedError as exc:
        raise DomainError(
            "演示县的部分事项已有办件引用，不能替换；请先清理这些办件或不带 --replace 运行。", code="bulk_in_use"
        ) from exc
    return deleted
