"""The demo's bundles (一件事) and the life-event questionnaires, read from ``data/bundles.yaml``.

The loader (``load_bundles``) writes each bundle through catalog.bundle_services.write_bundle_version,
so the demo passes every bundle rule; a bundle whose member items are not loaded is skipped (a test
seeds one item file at a time).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog import bundles as bundle_rules
from catalog.demo import datafiles, places, topics
from catalog.demo.build import ItemTemplate
from catalog.demo.datafiles import Required, choice, list_of, number, record, text
from catalog.demo.items import ITEMS
from catalog.models import Topic

_MEMBER = record({"item": Required(text), "department": Required(text), "stage": number, "needs": list_of(text)})
_BUNDLE = record(
    {
        "key": Required(text),
        "number": Required(number),
        "name": Required(text),
        "lead": Required(text),
        "audience": Required(choice(Topic.Audience)),
        "promised_days": Required(number),
        "summary": text,
        "conditions": text,
        "process": text,
        "keywords": text,
        "topics": list_of(text),
        "members": Required(list_of(_MEMBER)),
    }
)
_OPTION = record({"label": Required(text), "bundles": list_of(text), "items": list_of(text)})
_QUESTION = record({"question": Required(text), "options": Required(list_of(_OPTION))})
_FILE = record(
    {
        "bundles": Required(list_of(_BUNDLE)),
        "questionnaires": datafiles.mapping_of(text, list_of(_QUESTION)),
    }
)


@dataclass(frozen=True)
class DemoBundles:
    bundles: list[dict[str, Any]]
    questionnaires: dict[str, list[dict[str, Any]]]  # by topic code, options naming bundle and item keys


def read_bundles(path: Path | str = "bundles.yaml", templates: Sequence[ItemTemplate] = ITEMS) -> DemoBundles:
    """The bundles and questionnaires, checked against the items, places and topics."""
    owners = {t.key: set(t.owners) for t in templates}
    departments = {d.key for d in places.DEPARTMENTS}
    topic_codes = {code for code, _, _ in topics.TOPICS}

    def read(data: Any, at: datafiles.At) -> DemoBundles:
        content = _FILE(data, at)
        found = content["bundles"]
        datafiles.unique([b["key"] for b in found], "一件事键", at / "bundles")
        datafiles.unique([(b["lead"], b["number"]) for b in found], "牵头部门与序号", at / "bundles")
        for position, bundle in enumerate(found):
            where = (at / "bundles").entry(position, bundle)
            if bundle["lead"] not in departments:
                raise (where / "lead").error(f"部门“{bundle['lead']}”不在 places.yaml 中。")
            for code in bundle.get("topics", []):
                if code not in topic_codes:
                    raise (where / "topics").error(f"主题“{code}”不在 topics.yaml 中。")
            keys = [m["item"] for m in bundle["members"]]
            datafiles.unique(keys, "成员事项", where / "members")
            for m_position, member in enumerate(bundle["members"]):
                there = (where / "members").entry(m_position, member)
                if member["item"] not in owners:
                    raise (there / "item").error(f"“{member['item']}”不是 items/*.yaml 中的事项。")
                if member["department"] not in owners[member["item"]]:
                    raise (there / "department").error(f"事项“{member['item']}”不由“{member['department']}”实施。")
                for need in member.get("needs", []):
                    if need not in keys:
                        raise (there / "needs").error(f"“{need}”不是本一件事的成员事项。")
        questionnaires = content.get("questionnaires", {})
        bundle_keys = {b["key"] for b in found}
        for code, questions in questionnaires.items():
            where = at / "questionnaires" / code
            if code not in topic_codes:
                raise where.error(f"主题“{code}”不在 topics.yaml 中。")
            for message in bundle_rules.questionnaire_problems(questions):
                raise where.error(message)
            for question in questions:
                for option in question["options"]:
                    for key in option.get("bundles", []):
                        if key not in bundle_keys:
                            raise where.error(f"选项“{option['label']}”推荐的“{key}”不是本文件中的一件事。")
                    for key in option.get("items", []):
                        if key not in owners:
                            raise where.error(f"选项“{option['label']}”推荐的“{key}”不是 items/*.yaml 中的事项。")
        return DemoBundles(bundles=found, questionnaires=questionnaires)

    return datafiles.read_file(path, read)
