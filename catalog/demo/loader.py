"""The writes behind ``manage.py seed_demo``: idempotent, each object found by its natural key.

Running the seed twice changes nothing: regions, departments, topics and basic items are created
only when missing, an item whose implementation code exists is left alone (whatever version or
status an editor has brought it to since), and demo accounts are created only when missing.
Every service item goes through ``catalog.services.write_item_version``, so it passes every rule.
"""

import copy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from catalog.bundle_services import CODE_INFIX, record_bundle_event, write_bundle_version
from catalog.demo import accounts, places
from catalog.demo.build import (
    BUSINESS,
    BUSINESS_FIELDS,
    ONLINE,
    PERSON_FIELDS,
    PREREVIEW,
    VOCABULARY,
    WINDOW,
    ItemTemplate,
)
from catalog.demo.bundles import read_bundles
from catalog.demo.items import ITEMS
from catalog.demo.samples import SampleFiles
from catalog.demo.topics import KEYWORDS, TOPICS
from catalog.models import BasicItem, Bundle, CatalogLevel, Department, ItemEvent, Region, ServiceItem, Topic
from catalog.services import HANDLING_DIGITS, record_item_event, write_item_version
from catalog.specs import FILE_FIELDS
from portal import services
from portal.clock import Clock, system_clock
from portal.idnumbers import id_number_digest
from portal.models import DemoRegistryRecord, User

COMPLAINT_PHONE = "12345"  # 12345 政务服务便民热线 takes complaints everywhere.
OFFICE_HOURS = "工作日上午9:00—12:00，下午13:30—17:00（法定节假日除外）"
ONLINE_URL = "https://www.jszwfw.gov.cn/"
DEFAULT_VISIT_REASON = "现场核验申请材料原件"

SAMPLE_HOLDER = {BUSINESS: "南京江宁示范餐饮有限公司（示例）"}
SAMPLE_PERSON = "张三（示例）"


@dataclass
class SeedReport:
    created: Counter[str] = field(default_factory=Counter)
    files_written: int = 0

    def summary(self) -> str:
        parts = [f"{label} {self.created[key]}" for key, label in REPORT_LABELS.items()]
        return "新建：" + "，".join(parts) + f"；生成样本文件 {self.files_written} 个。"


REPORT_LABELS = {
    "region": "行政区划",
    "department": "部门",
    "topic": "主题",
    "basic_item": "基本目录事项",
    "service_item": "实施清单事项",
    "bundle": "一件事",
    "account": "演示账户",
}


@transaction.atomic
def seed_demo_catalog(*, clock: Clock = system_clock, templates: Sequence[ItemTemplate] = ITEMS) -> SeedReport:
    """Regions, departments, topics, basic items and published service items of the demo.

    ``templates``: the items to load, every item file's by default (a test loads one file's).
    """
    report = SeedReport()
    regions = _load_regions(report)
    departments = _load_departments(regions, report)
    _load_topics(report)
    basic_items = _load_basic_items(regions, departments, templates, report)
    files = SampleFiles()
    now = clock.now()
    for template in templates:
        for key in template.owners:
            department = departments[key]
            basic = basic_items[(template.key, department.region.code)]
            code = implementation_code(
                department=department, basic_code=template.basic_code, handling=template.handling
            )
            if ServiceItem.objects.filter(code=code).exists():
                continue
            item = ServiceItem(
                code=code,
                version=1,
                status=ServiceItem.Status.PUBLISHED,
                published_at=now,
                basic_item=basic,
                department=department,
                region=department.region,
            )
            write_item_version(item=item, spec=build_spec(template, department=department, files=files))
            record_item_event(item=item, action=ItemEvent.Action.PUBLISHED, comment="演示数据")
            report.created["service_item"] += 1
    report.files_written = files.written
    _load_bundles(departments, templates, report, now)
    return report


def _load_bundles(
    departments: dict[str, Department], templates: Sequence[ItemTemplate], report: SeedReport, now: Any
) -> None:
    """The demo's bundles, published, and the topics' questionnaires (catalog/demo/data/bundles.yaml).

    A bundle is written once (found by its code); one whose member items are not all loaded is skipped.
    """
    demo = read_bundles(templates=ITEMS)
    by_key = {t.key: t for t in templates}
    codes: dict[str, str] = {}
    for entry in demo.bundles:
        lead = departments[entry["lead"]]
        code = codes[entry["key"]] = f"{lead.uscc}{CODE_INFIX}{entry['number']:02d}"
        if any(m["item"] not in by_key for m in entry["members"]) or Bundle.objects.filter(code=code).exists():
            continue
        member_codes = {
            m["item"]: implementation_code(
                department=departments[m["department"]],
                basic_code=by_key[m["item"]].basic_code,
                handling=by_key[m["item"]].handling,
            )
            for m in entry["members"]
        }
        bundle = Bundle(
            code=code,
            version=1,
            status=ServiceItem.Status.PUBLISHED,
            published_at=now,
            department=lead,
            region=lead.region,
        )
        spec = {
            "name": entry["name"],
            "audience": entry["audience"],
            "promised_days": entry["promised_days"],
            "summary": entry.get("summary", ""),
            "acceptance_conditions": entry.get("conditions", ""),
            "process_description": entry.get("process", ""),
            "place": _place(lead),
            "office_hours": OFFICE_HOURS,
            "consult_phone": lead.phone,
            "complaint_phone": COMPLAINT_PHONE,
            "keywords": entry.get("keywords", ""),
            "topics": entry.get("topics", []),
            "members": [
                {
                    "item_code": member_codes[m["item"]],
                    "stage": m.get("stage", 1),
                    "needs_results_of": [member_codes[n] for n in m.get("needs", [])],
                }
                for m in entry["members"]
            ],
        }
        write_bundle_version(bundle=bundle, spec=spec)
        record_bundle_event(bundle=bundle, action=ItemEvent.Action.PUBLISHED, comment="演示数据")
        report.created["bundle"] += 1
    basic_codes = {t.key: t.basic_code for t in ITEMS}
    for topic_code, questions in demo.questionnaires.items():
        questionnaire = [
            {
                "question": q["question"],
                "options": [
                    {
                        "label": o["label"],
                        "bundles": [codes[k] for k in o.get("bundles", [])],
                        "items": [basic_codes[k] for k in o.get("items", [])],
                    }
                    for o in q["options"]
                ],
            }
            for q in questions
        ]
        Topic.objects.filter(code=topic_code, questionnaire=[]).update(questionnaire=questionnaire)


def implementation_code(*, department: Department, basic_code: str, handling: str) -> str:
    """The scheme of catalog.services.next_item_code: USCC + basic code + handling digit + sequence."""
    return f"{department.uscc}{basic_code}{HANDLING_DIGITS.get(handling, '9')}01"


def _load_regions(report: SeedReport) -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, parent_code in places.REGIONS:
        region, created = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": regions.get(parent_code or "")}
        )
        regions[code] = region
        report.created["region"] += created
    return regions


def _load_departments(regions: dict[str, Region], report: SeedReport) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for seed in places.DEPARTMENTS:
        department, created = Department.objects.get_or_create(
            uscc=seed.uscc,
            defaults={
                "region": regions[seed.region_code],
                "name": seed.name,
                "address": seed.address,
                "phone": seed.phone,
            },
        )
        departments[seed.key] = department
        report.created["department"] += created
    return departments


def _load_topics(report: SeedReport) -> None:
    for order, (code, name, audience) in enumerate(TOPICS, start=1):
        topic, created = Topic.objects.get_or_create(
            code=code, defaults={"name": name, "audience": audience, "order": order, "keywords": KEYWORDS.get(code, "")}
        )
        if not created and not topic.keywords and KEYWORDS.get(code):  # a demo loaded before topics had keywords
            Topic.objects.filter(pk=topic.pk).update(keywords=KEYWORDS[code])
        report.created["topic"] += created


def _load_basic_items(
    regions: dict[str, Region],
    departments: dict[str, Department],
    templates: Sequence[ItemTemplate],
    report: SeedReport,
) -> dict[tuple[str, str], BasicItem]:
    """国家 → 江苏省 → each implementing county, claiming upwards with the same four fields (四级四同).

    A locally established item (地方自行设立) exists only at its county, claiming nothing.
    Returns the county-level item by (template key, county code).
    """
    county_items: dict[tuple[str, str], BasicItem] = {}
    province = regions[places.PROVINCE]
    for template in templates:
        same = {"name": template.name, "item_type": template.item_type, "basis": template.basis}
        upper: BasicItem | None = None
        if not template.is_locally_established:
            national = _basic_item(CatalogLevel.NATIONAL, None, template, same, None, template.authority, report)
            upper = _basic_item(
                CatalogLevel.PROVINCIAL,
                province,
                template,
                same,
                national,
                VOCABULARY.provincial_authorities.get(template.authority, ""),
                report,
            )
        for key in template.owners:
            department = departments[key]
            county_items[(template.key, department.region.code)] = _basic_item(
                CatalogLevel.COUNTY, department.region, template, same, upper, department.name, report
            )
    return county_items


def _basic_item(
    level: str,
    region: Region | None,
    template: ItemTemplate,
    same: dict[str, str],
    claims: BasicItem | None,
    authority: str,
    report: SeedReport,
) -> BasicItem:
    basic, created = BasicItem.objects.get_or_create(
        level=level,
        region=region,
        code=template.basic_code,
        defaults={
            **same,
            "competent_authority": authority,
            "claims": claims,
            "is_locally_established": template.is_locally_established,
        },
    )
    report.created["basic_item"] += created
    return basic


def build_spec(template: ItemTemplate, *, department: Department, files: SampleFiles) -> dict[str, Any]:
    """The write_item_version spec of one template as one department implements it."""
    immediate = template.is_immediate
    fields = copy.deepcopy(
        (BUSINESS_FIELDS if template.audience == BUSINESS else PERSON_FIELDS) + template.extra_fields
    )
    spec: dict[str, Any] = {
        "name": template.name,
        "handling": template.handling,
        "item_type": template.item_type,
        "basis": template.basis,
        "exercise_level": ServiceItem.ExerciseLevel.COUNTY,
        "service_objects": template.objects,
        "acceptance_conditions": template.conditions or "申请材料齐全、符合法定形式。",
        "process_description": template.process or _default_process(immediate),
        "statutory_days": template.statutory_days,
        "statutory_unit": template.unit,
        "promised_days": template.promised_days,
        "promised_unit": template.unit,
        "is_immediate": immediate,
        "extension_days": template.extension_days if template.extension_days is not None else (0 if immediate else 10),
        "special_procedures": list(template.special_procedures),
        "has_fee": bool(template.fees),
        "supports_online_payment": bool(template.fees),
        "cross_region": template.cross_region,
        "place": _place(department),
        "office_hours": OFFICE_HOURS,
        "consult_phone": department.phone,
        "complaint_phone": COMPLAINT_PHONE,
        "keywords": template.keywords,
        "common_names": template.common_names,
        "form_definition": fields,
        "supports_self_service": template.supports_self_service,
        **_channels(template),
        "materials": [_material(m, fields=fields, files=files) for m in template.materials],
        "situations": copy.deepcopy(template.situations),
        "steps": _steps(template),
        "fees": copy.deepcopy(template.fees),
        "faqs": copy.deepcopy(template.faqs),
        "topics": list(template.topics),
    }
    if template.result is not None:
        result_name, result_type = template.result
        spec["result_name"] = result_name
        spec["result_type"] = result_type
        spec["result_sample"] = files.result_sample(
            result_name=result_name,
            issuing_body=department.name,
            item_name=template.name,
            holder=SAMPLE_HOLDER.get(template.audience, SAMPLE_PERSON),
        )
    return spec


def _place(department: Department) -> str:
    return places.HALL_BY_USCC.get(department.uscc, department.address)


def _default_process(immediate: bool) -> str:
    if immediate:
        return "申请 → 窗口（或网上）受理 → 当场办结 → 出件。"
    return "申请 → 受理 → 审查 → 决定 → 送达（窗口领取、邮寄或电子证照）。"


def _channels(template: ItemTemplate) -> dict[str, Any]:
    """Channel fields that satisfy catalog.rules by construction (Ⅳ ⇒ 0 visits, visits > 0 ⇒ reason)."""
    has_result = template.result is not None
    if template.channel == ONLINE:
        return {
            "accepts_at_window": True,
            "accepts_on_pc": True,
            "accepts_on_mobile": True,
            "accepts_by_post": template.accepts_by_post,
            "online_depth": ServiceItem.OnlineDepth.FULLY_ONLINE,
            "visits": 0,
            "visits_reason": "",
            "supports_appointment": False,
            "supports_delivery": has_result,
            "online_url": ONLINE_URL,
        }
    visits = template.visits if template.visits is not None else 1
    common = {
        "accepts_at_window": True,
        "accepts_by_post": template.accepts_by_post,
        "visits": visits,
        "visits_reason": template.visits_reason or DEFAULT_VISIT_REASON,
        "supports_appointment": True,
    }
    if template.channel == PREREVIEW:
        return {
            **common,
            "accepts_on_pc": True,
            "accepts_on_mobile": True,
            "online_depth": ServiceItem.OnlineDepth.ONLINE_PREREVIEW,
            "supports_delivery": has_result,
            "online_url": ONLINE_URL,
        }
    assert template.channel == WINDOW, template.channel
    return {
        **common,
        "accepts_on_pc": False,
        "accepts_on_mobile": False,
        "online_depth": ServiceItem.OnlineDepth.FORM_DOWNLOAD,
        "supports_delivery": False,
        "online_url": "",
    }


def _steps(template: ItemTemplate) -> list[dict[str, Any]]:
    """Review steps whose limits add up to at most the promised limit."""
    if template.steps is not None:
        return copy.deepcopy(template.steps)
    promised = template.promised_days
    if promised == 0:
        return [{"kind": "handle", "limit_days": 0, "description": "窗口受理并当场办结"}]
    if promised == 1:
        return [{"kind": "handle", "limit_days": 1, "description": "受理审查并作出决定"}]
    if promised == 2:
        return [
            {"kind": "handle", "limit_days": 1, "description": "受理审查"},
            {"kind": "approve", "limit_days": 1, "description": "作出决定"},
        ]
    others = max(1, promised // 5)
    return [
        {"kind": "handle", "limit_days": promised - 2 * others, "description": "受理审查"},
        {"kind": "check", "limit_days": others, "description": "审核"},
        {"kind": "approve", "limit_days": others, "description": "作出决定"},
    ]


def _material(source: dict[str, Any], *, fields: list[dict[str, Any]], files: SampleFiles) -> dict[str, Any]:
    """A material of the spec, with its generated blank form and sample attached."""
    spec = {k: v for k, v in source.items() if k not in FILE_FIELDS}
    # blank_form / sample: true in the data ask for a generated file.
    if source["blank_form"]:
        # The item's own application form lists the intake form's fields; other forms are generic.
        spec["blank_form"] = files.blank_form(title=source["name"], fields=fields if source["sample"] else None)
    if source["sample"]:
        spec["sample"] = files.filled_sample(title=source["name"], fields=fields)
    return spec


def create_demo_accounts() -> list[User]:
    """One demo account per role; the ones that exist already are left as they are.

    Not one transaction: the real-name check of a demo citizen goes through the verifier interface,
    which must not be called with a transaction open (portal.services.verify_real_name).
    """
    created: list[User] = []
    services.ensure_role_groups()
    departments = {seed.key: Department.objects.get(uscc=seed.uscc) for seed in places.DEPARTMENTS}
    for staff in accounts.STAFF:
        if User.objects.filter(username=staff.username).exists():
            continue
        department = departments[staff.department_key] if staff.department_key else None
        with transaction.atomic():
            user = services.create_staff_user(
                username=staff.username,
                password=services.DEMO_PASSWORD,
                real_name=staff.real_name,
                roles=[staff.role],
                department_id=department.pk if department else None,
                is_demo=True,
            ).user
            if staff.is_superuser:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
        created.append(user)
    for citizen in accounts.CITIZENS:
        user = User.objects.filter(username=citizen.phone).first()
        if user is None:
            user = services.create_demo_citizen(
                phone=citizen.phone, real_name=citizen.real_name, id_number=citizen.id_number
            )
            created.append(user)
        if citizen.organization and not user.agencies.active().exists():
            name, uscc = citizen.organization
            # The demo registry knows the company and its legal representative (portal.registry).
            DemoRegistryRecord.objects.update_or_create(
                uscc=uscc,
                defaults={
                    "name": name,
                    "legal_representative": citizen.real_name,
                    "legal_representative_id_digest": id_number_digest(citizen.id_number),
                },
            )
            services.register_organization_agent(user=user, uscc=uscc, is_legal_representative=True)
    return created
