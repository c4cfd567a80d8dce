"""The item template and the words it is written in, read from ``data/vocabulary.yaml`` and ``data/items/``.

A template describes one basic item and how a county implements it; ``catalog.demo.loader`` turns it
into a spec for ``catalog.services.write_item_version``, once per implementing department. The item
files keep the spec's own shape for materials, steps, fees, situations, FAQ and form fields; choice
fields are written as the catalog shows them (the labels the import reads too).
"""

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.demo import datafiles, places, topics
from catalog.demo.datafiles import Required, choice, flag, list_of, money, number, one_of, record, text
from catalog.models import (
    ItemType,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    ServiceObject,
    SpecialProcedure,
    Topic,
)

Handling = ServiceItem.Handling
TimeUnit = ServiceItem.TimeUnit
CrossRegion = ServiceItem.CrossRegion

PERSON = Topic.Audience.PERSON
BUSINESS = Topic.Audience.BUSINESS

# Channel presets (网上办理深度 and visits follow catalog.rules by construction).
ONLINE = "online"  # Ⅳ 全程网办: PC and mobile, no visit, results by post or as e-licence
PREREVIEW = "prereview"  # Ⅲ 在线预审: apply online, one visit to show originals or collect
WINDOW = "window"  # Ⅱ 在线预约/下载表格: apply at the window

# A material as the spec has it, plus blank_form / sample: true, which ask the loader for a generated PDF.
_MATERIAL_KEYS: dict[str, datafiles.Reader] = {
    "name": text,
    "material_type": text,
    "form": choice(MaterialRequirement.Form),
    "necessity": choice(MaterialRequirement.Necessity),
    "originals": number,
    "copies": number,
    "source": choice(MaterialRequirement.Source),
    "issuing_body": text,
    "license_code": text,
    "acceptance_standard": text,
    "basis": text,
    "notes": text,
    "is_situational": flag,
    "allows_commitment": flag,
    "commitment_text": text,
    "blank_form": flag,
    "sample": flag,
}
_FORM_FIELD = record(
    {
        "name": Required(text),
        "label": Required(text),
        "type": text,
        "required": flag,
        "options": list_of(text),
        "validator": text,
    }
)
_VOCABULARY = record(
    {
        "material_defaults": Required(record({k: Required(r) for k, r in _MATERIAL_KEYS.items() if k != "name"})),
        "material_presets": Required(datafiles.mapping_of(text, record(_MATERIAL_KEYS))),
        "form_fields": Required(datafiles.mapping_of(choice(Topic.Audience), list_of(_FORM_FIELD))),
        "provincial_authorities": Required(datafiles.mapping_of(text, text)),
    }
)


def _form_field(source: dict[str, Any]) -> dict[str, Any]:
    """One field of the intake form (catalog.rules.FORM_FIELD_TYPES / FORM_VALIDATORS)."""
    definition = {
        "name": source["name"],
        "label": source["label"],
        "type": source.get("type", "text"),
        "required": source.get("required", True),
    }
    for optional in ("options", "validator"):
        if source.get(optional):
            definition[optional] = source[optional]
    return definition


@dataclass(frozen=True)
class Vocabulary:
    material_defaults: dict[str, Any]
    material_presets: dict[str, dict[str, Any]]
    form_fields: dict[str, list[dict[str, Any]]]  # by audience
    provincial_authorities: dict[str, str]


def read_vocabulary(path: Path | str = "vocabulary.yaml") -> Vocabulary:
    def read(data: Any, at: datafiles.At) -> Vocabulary:
        vocabulary = _VOCABULARY(data, at)
        for audience in (PERSON, BUSINESS):
            if audience not in vocabulary["form_fields"]:
                raise (at / "form_fields").error(f"缺少“{Topic.Audience(audience).label}”的表单字段。")
        return Vocabulary(
            material_defaults=vocabulary["material_defaults"],
            material_presets=vocabulary["material_presets"],
            form_fields={k: [_form_field(f) for f in v] for k, v in vocabulary["form_fields"].items()},
            provincial_authorities=vocabulary["provincial_authorities"],
        )

    return datafiles.read_file(path, read)


VOCABULARY = read_vocabulary()
PERSON_FIELDS = VOCABULARY.form_fields[PERSON]
BUSINESS_FIELDS = VOCABULARY.form_fields[BUSINESS]


def material(preset: str | None = None, **fields: Any) -> dict[str, Any]:
    """One material: the defaults, then the named preset's fields, then ``fields`` (stored values)."""
    preset_fields = VOCABULARY.material_presets[preset] if preset else {}
    return copy.deepcopy({**VOCABULARY.material_defaults, **preset_fields, **fields})


@dataclass(frozen=True)
class ItemTemplate:
    key: str
    name: str
    basic_code: str  # 基本编码, the same at every level (四级四同)
    item_type: str
    basis: str
    authority: str  # 主管部门 of the national basic item
    owners: tuple[str, ...]  # implementing departments (catalog.demo.places keys)
    audience: str
    statutory_days: int
    promised_days: int
    materials: list[dict[str, Any]]  # see material()
    handling: str = Handling.NEW
    unit: str = TimeUnit.WORKDAY
    steps: list[dict[str, Any]] | None = None  # the spec's steps; None: derived from the promised limit
    channel: str = PREREVIEW
    visits: int | None = None
    visits_reason: str = ""
    result: tuple[str, str] | None = None  # (name, ResultType)
    fees: list[dict[str, Any]] = field(default_factory=list)
    situations: list[dict[str, Any]] = field(default_factory=list)
    keywords: str = ""
    common_names: str = ""
    topics: tuple[str, ...] = ()
    faqs: list[dict[str, str]] = field(default_factory=list)
    conditions: str = ""
    process: str = ""
    special_procedures: tuple[str, ...] = ()
    cross_region: str = CrossRegion.NONE
    service_objects: tuple[str, ...] | None = None
    extra_fields: list[dict[str, Any]] = field(default_factory=list)
    extension_days: int | None = None
    accepts_by_post: bool = False
    supports_self_service: bool = False
    is_locally_established: bool = False

    @property
    def is_immediate(self) -> bool:
        return self.promised_days == 0

    @property
    def objects(self) -> list[str]:
        if self.service_objects is not None:
            return list(self.service_objects)
        if self.audience == PERSON:
            return [ServiceObject.NATURAL_PERSON]
        return [ServiceObject.ENTERPRISE, ServiceObject.INSTITUTION, ServiceObject.SOCIAL_ORG]


_ITEM = record(
    {
        "key": Required(text),
        "name": Required(text),
        "basic_code": Required(text),
        "item_type": Required(choice(ItemType)),
        "handling": choice(Handling),
        "basis": Required(text),
        "authority": Required(text),
        "owners": Required(list_of(text)),
        "audience": Required(choice(Topic.Audience)),
        "service_objects": list_of(choice(ServiceObject)),
        "is_locally_established": flag,
        "statutory_days": Required(number),
        "promised_days": Required(number),
        "unit": choice(TimeUnit),
        "extension_days": number,
        "steps": list_of(
            record(
                {
                    "kind": Required(choice(ProcessStep.Kind)),
                    "limit_days": Required(number),
                    "description": Required(text),
                }
            )
        ),
        "special_procedures": list_of(choice(SpecialProcedure)),
        "channel": one_of(ONLINE, PREREVIEW, WINDOW),
        "visits": number,
        "visits_reason": text,
        "accepts_by_post": flag,
        "supports_self_service": flag,
        "cross_region": choice(CrossRegion),
        "result": record({"name": Required(text), "type": Required(choice(ServiceItem.ResultType))}),
        "conditions": text,
        "process": text,
        "materials": Required(list_of(record({"preset": text, **_MATERIAL_KEYS}))),
        "situations": list_of(
            record(
                {
                    "question": Required(text),
                    "options": Required(
                        list_of(record({"label": Required(text), "adds": list_of(text), "drops": list_of(text)}))
                    ),
                }
            )
        ),
        "fees": list_of(
            record(
                {
                    "name": Required(text),
                    "standard": Required(text),
                    "amount_yuan": money,
                    "basis": Required(text),
                    "is_waivable": flag,
                }
            )
        ),
        "extra_fields": list_of(_FORM_FIELD),
        "keywords": text,
        "common_names": text,
        "topics": list_of(text),
        "faqs": list_of(record({"question": Required(text), "answer": Required(text)})),
    }
)
_TUPLES = ("owners", "service_objects", "special_procedures", "topics")


def read_templates(path: Path | str) -> list[ItemTemplate]:
    """The item templates of one item file, checked against the vocabulary, places and topics."""

    def read(data: Any, at: datafiles.At) -> list[ItemTemplate]:
        templates = _ITEM_FILE(data, at)["items"]
        datafiles.unique([t.key for t in templates], "事项键", at / "items")
        return templates

    return datafiles.read_file(path, read)


def _template(value: Any, at: datafiles.At) -> ItemTemplate:
    entry = _ITEM(value, at)
    departments = {d.key for d in places.DEPARTMENTS}
    topic_codes = {code for code, _, _ in topics.TOPICS}
    for position, owner in enumerate(entry["owners"]):
        if owner not in departments:
            raise (at / "owners").entry(position, owner).error(f"部门“{owner}”不在 places.yaml 中。")
    for position, code in enumerate(entry.get("topics", [])):
        if code not in topic_codes:
            raise (at / "topics").entry(position, code).error(f"主题“{code}”不在 topics.yaml 中。")
    materials = []
    for position, source in enumerate(entry["materials"]):
        where = (at / "materials").entry(position, source)
        preset = source.pop("preset", None)
        if preset is not None and preset not in VOCABULARY.material_presets:
            presets = "、".join(VOCABULARY.material_presets)
            raise (where / "preset").error(f"“{preset}”不是 vocabulary.yaml 中的材料预设，可选：{presets}。")
        one = material(preset, **source)
        if not one.get("name"):
            raise (where / "name").error("缺少材料名称。")
        materials.append(one)
    names = [m["name"] for m in materials]
    datafiles.unique(names, "材料名称", at / "materials")
    situations = []
    for position, situation in enumerate(entry.get("situations", [])):
        options = []
        for option_position, option in enumerate(situation["options"]):
            where = (at / "situations").entry(position, situation) / "options"
            where = where.entry(option_position, option)
            for key in ("adds", "drops"):
                for name in option.get(key, []):
                    if name not in names:
                        raise (where / key).error(f"“{name}”不是本事项的材料。")
            options.append({"label": option["label"], "adds": option.get("adds", []), "drops": option.get("drops", [])})
        situations.append({"question": situation["question"], "options": options})
    fields: dict[str, Any] = {k: tuple(v) if k in _TUPLES else v for k, v in entry.items()}
    fields["materials"] = materials
    fields["situations"] = situations
    if "result" in entry:
        fields["result"] = (entry["result"]["name"], entry["result"]["type"])
    fields["fees"] = [{"amount_yuan": None, "is_waivable": False, **fee} for fee in entry.get("fees", [])]
    fields["extra_fields"] = [_form_field(f) for f in entry.get("extra_fields", [])]
    return ItemTemplate(**fields)


_ITEM_FILE = record({"items": Required(list_of(_template))})
