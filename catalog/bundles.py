"""一件事 as data: the merged guide of a bundle's members, and the rules of its shape. Pure functions.

Nothing here reads the database: the callers (catalog.bundle_services, the guide view) turn a bundle's
members into ``Part`` values (``part_of``) and get back plain values to save or render. The rules,
written down once here (docs/architecture.md points here):

- **Stages.** Members of the same stage are handled in parallel; stage n+1 starts when stage n is done.
  A member may need the result of a member of an *earlier* stage (``needs_results_of``), never of its
  own stage or a later one.
- **Promised limit.** The bundle's limit counts working days from the one acceptance to the one
  delivery. It may not be shorter than the longest path (the sum over the stages of the longest
  member limit in each stage: the departments stay bound by their own promised limits, so a shorter
  bundle limit would be a promise nobody is held to), nor longer than all member limits added up
  (doing the parts one after the other; a bundle that promises more than that offers nothing).
  A member whose limit is in 自然日 counts with its number of days, which is never fewer than the
  working days it spans, so the lower bound errs on the safe side.
- **Materials asked once.** Two members' materials are the same material when they name the same
  e-licence type (``license_code``, the catalog's only identity of a material across items); without
  one, when their normalised names (NFKC, no spaces or punctuation, lower case) and sources are
  equal. The merged material is required if any member requires it, takes the larger number of
  originals and copies, and lists every member that needs it. A material that is the result of an
  earlier member this part needs (its name or licence type equals that member's result name) is not
  asked of the applicant at all: the earlier part provides it.
- **One form.** Fields with the same key (``name``) are one field, mapped onto every member's field of
  that key; it is required if any member requires it. The same key with a different type or different
  options is a conflict the editor must resolve before the bundle can be published.
- **Conditions.** The bundle's own conditions first, then each member's, under its name.
- **Situations (情形) asked once.** Two members' situations are the same question when their
  normalised questions and their normalised option labels (in order) are equal; the applicant answers
  it once and each member gets its own option of that label. A question that differs in wording or
  options stays apart, headed with its member's name. Each member's material list is then tailored
  exactly as its own guide does (``tailored``: the base list plus what a chosen option adds, minus
  what one drops; a drop wins), and the tailored lists are merged as above.
- **告知承诺.** A merged material offers a commitment instead of the proof only when every member
  that needs it allows one: where one member still needs the proof, it is uploaded anyway and a
  commitment would spare nothing. The commitment texts of the members are kept, each once; the
  commitment counts for every member that needs the material.
- **容缺后补.** A merged material is 容缺后补 only when no member requires it outright (the necessity
  rank above); leaving it out then needs the applicant's pledge, which each member's case carries.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext

NECESSITY_RANK = {"required": 0, "deferrable": 1, "optional": 2}
MIN_MEMBERS = 2


@dataclass(frozen=True)
class Part:
    """One member as the merge sees it."""

    code: str
    name: str
    department: str
    stage: int
    promised_days: int
    promised_unit: str = "workday"
    acceptance_conditions: str = ""
    result_name: str = ""
    needs_results_of: tuple[str, ...] = ()
    materials: tuple[dict[str, Any], ...] = ()
    form_fields: tuple[dict[str, Any], ...] = ()
    # {"question", "options": ({"id", "label", "adds": (material ids), "drops": (material ids)}, …)}
    situations: tuple[dict[str, Any], ...] = ()


@dataclass
class MergedMaterial:
    name: str
    source: str
    necessity: str
    originals: int
    copies: int
    license_code: str = ""
    material_type: str = ""
    notes: str = ""
    is_situational: bool = True
    allows_commitment: bool = False
    commitment_texts: list[str] = field(default_factory=list)
    needed_by: list[str] = field(default_factory=list)  # member item codes
    provided_by: str = ""  # code of the earlier member whose result this is; not asked when set

    @property
    def is_asked(self) -> bool:
        return not self.provided_by


@dataclass
class MergedField:
    name: str
    label: str
    type: str
    required: bool
    options: list[str] = field(default_factory=list)
    validator: str = ""
    maps_to: list[tuple[str, str]] = field(default_factory=list)  # (member item code, its field name)

    def as_definition(self) -> dict[str, Any]:
        """The field as an item's form_definition entry (catalog.rules.FORM_FIELD_TYPES)."""
        definition: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
        }
        if self.options:
            definition["options"] = list(self.options)
        if self.validator:
            definition["validator"] = self.validator
        return definition


@dataclass
class MergedOption:
    label: str
    chosen_by: list[tuple[str, int]] = field(default_factory=list)  # (member item code, its option id)


@dataclass
class MergedSituation:
    key: str  # stable across requests: the normalised question and labels
    question: str
    options: list[MergedOption]
    asked_by: list[str] = field(default_factory=list)  # member item codes
    names: list[str] = field(default_factory=list)  # their names, shown when the question is not shared


@dataclass(frozen=True)
class FieldConflict:
    name: str
    members: tuple[str, ...]
    message: str


def part_of(member: Any) -> Part:
    """A BundleMember (with its pinned item, materials prefetched) as a Part."""
    item = member.item
    return Part(
        code=item.code,
        name=item.name,
        department=item.department.name,
        stage=member.stage,
        promised_days=item.promised_days,
        promised_unit=item.promised_unit,
        acceptance_conditions=item.acceptance_conditions,
        result_name=item.result_name,
        needs_results_of=tuple(member.needs_results_of or ()),
        materials=tuple(
            {
                "id": m.id,
                "name": m.name,
                "source": m.source,
                "necessity": m.necessity,
                "originals": m.originals,
                "copies": m.copies,
                "license_code": m.license_code,
                "material_type": m.material_type,
                "notes": m.notes,
                "is_situational": m.is_situational,
                "allows_commitment": m.allows_commitment,
                "commitment_text": m.commitment_text,
                "by_licence": m.is_satisfied_by_license,
            }
            for m in item.materials.all()
        ),
        form_fields=tuple(item.form_definition or ()),
        situations=tuple(
            {
                "question": s.question,
                "options": tuple(
                    {
                        "id": o.id,
                        "label": o.label,
                        "adds": tuple(m.id for m in o.adds.all()),
                        "drops": tuple(m.id for m in o.drops.all()),
                    }
                    for o in s.options.all()
                ),
            }
            for s in item.situations.all()
        ),
    )


# --- Stages and the promised limit ------------------------------------------------------------


def stages(parts: Sequence[Part]) -> list[tuple[int, list[Part]]]:
    """The parts grouped by stage, in stage order."""
    grouped: dict[int, list[Part]] = {}
    for part in parts:
        grouped.setdefault(part.stage, []).append(part)
    return sorted(grouped.items())


def longest_path_days(parts: Sequence[Part]) -> int:
    """Sum over the stages of the longest member limit in each (the parts of a stage run in parallel)."""
    return sum(max(p.promised_days for p in group) for _, group in stages(parts))


def serial_days(parts: Sequence[Part]) -> int:
    """Every member's limit added up: the parts done one after another."""
    return sum(p.promised_days for p in parts)


def limit_problems(promised_days: int | None, parts: Sequence[Part]) -> list[str]:
    """What is wrong with a bundle's promised limit (the rule in the module docstring)."""
    if promised_days is None:
        return [gettext("请填写一件事的承诺办结时限。")]
    if not parts:
        return []
    low, high = longest_path_days(parts), serial_days(parts)
    if promised_days < low:
        return [
            (
                gettext(
                    "承诺办结时限 %(promised_days)s 个工作日短于各阶段最长时限之和 %(low)s 个工作日："
                    "成员事项按各自承诺时限办理，一件事不能承诺更短的时限。"
                )
                % {"promised_days": promised_days, "low": low}
            )
        ]
    if promised_days > high:
        return [
            (
                gettext(
                    "承诺办结时限 %(promised_days)s 个工作日长于全部成员事项时限之和 %(high)s 个工作日，"
                    "一件事的时限不应长于逐项办理。"
                )
                % {"promised_days": promised_days, "high": high}
            )
        ]
    return []


def structure_problems(parts: Sequence[Part]) -> list[str]:
    """Stages and result dependencies that do not fit together."""
    problems: list[str] = []
    if len(parts) < MIN_MEMBERS:
        problems.append(gettext("一件事至少需要 %(MIN_MEMBERS)s 个成员事项。") % {"MIN_MEMBERS": MIN_MEMBERS})
    by_code = {p.code: p for p in parts}
    for part in parts:
        if part.stage < 1:
            problems.append(gettext("“%(name)s”的办理阶段须为从 1 开始的整数。") % {"name": part.name})
        for code in part.needs_results_of:
            earlier = by_code.get(code)
            if earlier is None:
                problems.append(
                    gettext("“%(name)s”所需结果的事项（%(code)s）不是本一件事的成员。")
                    % {"name": part.name, "code": code}
                )
            elif earlier.stage >= part.stage:
                problems.append(
                    gettext(
                        "“%(name)s”需要“%(name2)s”的结果，须排在其后的阶段"
                        "（现为第 %(stage)s 阶段和第 %(stage2)s 阶段）。"
                    )
                    % {"name": part.name, "name2": earlier.name, "stage": part.stage, "stage2": earlier.stage}
                )
    return problems


# --- Conditions, materials, form ----------------------------------------------------------------


def merged_conditions(own: str, parts: Sequence[Part]) -> list[tuple[str, str]]:
    """(heading, text): the bundle's own conditions, then each member's under its name."""
    out = [(gettext("一件事共同条件"), own.strip())] if own.strip() else []
    out += [(p.name, p.acceptance_conditions.strip()) for p in parts if p.acceptance_conditions.strip()]
    return out


_NOT_NAME = re.compile(r"[\s\W_]+", re.UNICODE)


def normalised_name(name: str) -> str:
    """A material name for matching: NFKC (full-width → half-width), no spaces or punctuation, lower case."""
    return _NOT_NAME.sub("", unicodedata.normalize("NFKC", name or "")).lower()


def material_key(material: dict[str, Any]) -> tuple[str, ...]:
    """Which materials are the same one: the e-licence type, else the normalised name and the source."""
    license_code = (material.get("license_code") or "").strip()
    if license_code:
        return ("license", normalised_name(license_code))
    return ("name", normalised_name(material.get("name", "")), material.get("source", ""))


def merged_materials(parts: Sequence[Part]) -> list[MergedMaterial]:
    """Every member's materials, each asked once, in the order they first appear (stage order)."""
    merged: dict[tuple[str, ...], MergedMaterial] = {}
    by_code = {p.code: p for p in parts}
    for _, group in stages(parts):
        for part in group:
            provided = {
                normalised_name(by_code[c].result_name): c
                for c in part.needs_results_of
                if c in by_code and by_code[c].result_name
            }
            for m in part.materials:
                key = material_key(m)
                one = merged.get(key)
                if one is None:
                    one = merged[key] = MergedMaterial(
                        name=m.get("name", ""),
                        source=m.get("source", ""),
                        necessity=m.get("necessity", "required"),
                        originals=m.get("originals", 0),
                        copies=m.get("copies", 0),
                        license_code=m.get("license_code", ""),
                        material_type=m.get("material_type", ""),
                        notes=m.get("notes", ""),
                        is_situational=bool(m.get("is_situational")),
                        allows_commitment=bool(m.get("allows_commitment")),
                    )
                else:
                    one.allows_commitment = one.allows_commitment and bool(m.get("allows_commitment"))
                    if NECESSITY_RANK.get(m.get("necessity", ""), 0) < NECESSITY_RANK.get(one.necessity, 0):
                        one.necessity = m["necessity"]
                    one.originals = max(one.originals, m.get("originals", 0))
                    one.copies = max(one.copies, m.get("copies", 0))
                    # Situational only when every member asks for it in some situation only.
                    one.is_situational = one.is_situational and bool(m.get("is_situational"))
                if part.code not in one.needed_by:
                    one.needed_by.append(part.code)
                text = (m.get("commitment_text") or "").strip()
                if text and text not in one.commitment_texts:
                    one.commitment_texts.append(text)
                for candidate in (normalised_name(m.get("name", "")), normalised_name(m.get("license_code", ""))):
                    if candidate and candidate in provided and not one.provided_by:
                        one.provided_by = provided[candidate]
    return list(merged.values())


def situation_key(situation: dict[str, Any]) -> str:
    """Which situations are the same question (the rule in the module docstring), as one string."""
    labels = [normalised_name(o.get("label", "")) for o in situation.get("options", ())]
    return "|".join([normalised_name(situation.get("question", "")), *labels])


def merged_situations(parts: Sequence[Part]) -> list[MergedSituation]:
    """Every member's situations, each question asked once, in the order they first appear."""
    merged: dict[str, MergedSituation] = {}
    for _, group in stages(parts):
        for part in group:
            for situation in part.situations:
                options = list(situation.get("options", ()))
                if not options:
                    continue
                key = situation_key(situation)
                one = merged.get(key)
                if one is None:
                    one = merged[key] = MergedSituation(
                        key=key,
                        question=situation.get("question", ""),
                        options=[MergedOption(label=o.get("label", "")) for o in options],
                    )
                if part.code in one.asked_by:  # the same question twice in one item: its first one counts
                    continue
                one.asked_by.append(part.code)
                one.names.append(part.name)
                for merged_option, option in zip(one.options, options, strict=True):
                    merged_option.chosen_by.append((part.code, option["id"]))
    return list(merged.values())


def member_options(situations: Iterable[MergedSituation], answers: dict[str, Any]) -> dict[str, list[int]]:
    """The option ids each member gets from the answers (situation key → option position); an answer
    to an unknown question or out of range is ignored."""
    out: dict[str, list[int]] = {}
    for situation in situations:
        position = answers.get(situation.key)
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(situation.options):
            continue
        for code, option_id in situation.options[position].chosen_by:
            out.setdefault(code, []).append(option_id)
    return out


def tailored(part: Part, option_ids: Iterable[int]) -> Part:
    """The part with the material list its chosen options make (catalog.selectors.materials_for's rule:
    the non-situational materials plus what an option adds, minus what one drops; a drop wins)."""
    chosen = set(option_ids)
    added: set[int] = set()
    dropped: set[int] = set()
    for situation in part.situations:
        for option in situation.get("options", ()):
            if option.get("id") in chosen:
                added.update(option.get("adds", ()))
                dropped.update(option.get("drops", ()))
    materials = tuple(
        m
        for m in part.materials
        if (not m.get("is_situational") or m.get("id") in added) and m.get("id") not in dropped
    )
    return replace(part, materials=materials)


def tailored_parts(parts: Sequence[Part], answers: dict[str, Any]) -> list[Part]:
    """Every part tailored to the applicant's answers to the merged situations."""
    options = member_options(merged_situations(parts), answers)
    return [tailored(p, options.get(p.code, ())) for p in parts]


def merged_form(parts: Sequence[Part]) -> tuple[list[MergedField], list[FieldConflict]]:
    """One form for the bundle: the members' fields by key, and the keys whose definitions disagree."""
    fields: dict[str, MergedField] = {}
    conflicts: dict[str, FieldConflict] = {}
    for _, group in stages(parts):
        for part in group:
            for definition in part.form_fields:
                name = definition.get("name", "")
                if not name:
                    continue
                kind, options = definition.get("type", "text"), list(definition.get("options") or [])
                one = fields.get(name)
                if one is None:
                    fields[name] = MergedField(
                        name=name,
                        label=definition.get("label", name),
                        type=kind,
                        required=bool(definition.get("required", True)),
                        options=options,
                        validator=definition.get("validator", "") or "",
                        maps_to=[(part.code, name)],
                    )
                    continue
                if (kind, options) != (one.type, one.options) and name not in conflicts:
                    first = one.maps_to[0][0]
                    conflicts[name] = FieldConflict(
                        name=name,
                        members=(first, part.code),
                        message=(
                            gettext(
                                "表单字段“%(label)s”（%(name)s）在成员事项 %(first)s 和 %(code)s 中的类型或选项不同，"
                                "无法合并为一张表，请先统一两个事项的表单。"
                            )
                            % {"label": one.label, "name": name, "first": first, "code": part.code}
                        ),
                    )
                one.required = one.required or bool(definition.get("required", True))
                one.maps_to.append((part.code, name))
    return list(fields.values()), list(conflicts.values())


def split_answers(bundle_answers: dict[str, Any], merged: Iterable[MergedField]) -> dict[str, dict[str, Any]]:
    """The answers to the merged form, handed to each member under its own field names."""
    out: dict[str, dict[str, Any]] = {}
    for one in merged:
        if one.name not in bundle_answers:
            continue
        for code, name in one.maps_to:
            out.setdefault(code, {})[name] = bundle_answers[one.name]
    return out


# --- The life-event questionnaire -------------------------------------------------------------


def questionnaire_problems(questionnaire: Any) -> list[str]:
    """The shape catalog.models.Topic.questionnaire must have."""
    if not isinstance(questionnaire, list):
        return [gettext("引导问卷须为问题列表。")]
    problems = []
    for number, question in enumerate(questionnaire, start=1):
        if not isinstance(question, dict) or not str(question.get("question", "")).strip():
            problems.append(gettext("第 %(number)s 个问题缺少题目。") % {"number": number})
            continue
        options = question.get("options")
        if not isinstance(options, list) or len(options) < 2:
            problems.append(gettext("问题“%(question)s”至少需要两个选项。") % {"question": question["question"]})
            continue
        for option in options:
            if not isinstance(option, dict) or not str(option.get("label", "")).strip():
                problems.append(gettext("问题“%(question)s”有选项缺少文字。") % {"question": question["question"]})
                continue
            for key, what in (("bundles", gettext("一件事")), ("items", gettext("事项（基本目录编码）"))):
                codes = option.get(key, [])
                if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
                    problems.append(
                        gettext("问题“%(question)s”的选项“%(label)s”推荐的%(what)s须为编码列表。")
                        % {"question": question["question"], "label": option["label"], "what": what}
                    )
    return problems


def recommend(questionnaire: Sequence[dict[str, Any]], answers: dict[int, int]) -> tuple[list[str], list[str]]:
    """(bundle codes, basic item codes) that the chosen options recommend, in the order met, no repeats.

    ``answers`` maps a question's position to the chosen option's position; positions out of range
    are ignored (they come from a query string).
    """
    bundles: list[str] = []
    items: list[str] = []
    for q_index, o_index in sorted(answers.items()):
        if not 0 <= q_index < len(questionnaire):
            continue
        options = questionnaire[q_index].get("options", [])
        if not 0 <= o_index < len(options):
            continue
        option = options[o_index]
        bundles += [c for c in option.get("bundles", []) if c not in bundles]
        items += [c for c in option.get("items", []) if c not in items]
    return bundles, items
