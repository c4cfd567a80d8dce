"""一件事申请: the applicant's situations (情形), 告知承诺 and 容缺受理 pledge on the one form, and what each
member case gets from them. The merge rules are in catalog/bundles.py; applications/services/bundles.py
calls these when it saves, checks, submits and starts the parts.

- The answers pick, per member, its own option of each merged question; each case is saved with those
  options, so its material list is the one its own guide shows for them.
- A commitment is signed once, on the bundle, for merged materials that allow it; each case whose list
  has that material submits with a commitment for it (``applications.services.commitments``), its
  告知承诺书 issued when the case is submitted (a later stage: when its turn comes).
- The 容缺 pledge is signed once; a case that leaves a 容缺后补 material out submits with it.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from applications.models import Application, BundleApplication
from catalog import bundles as rules
from catalog.models import BundleMember, MaterialRequirement
from portal.clock import Clock, system_clock

MAX_COMMITMENTS = 50


def key_of(material: dict[str, Any] | rules.MergedMaterial) -> str:
    """catalog.bundles.material_key as one string (a form field name, a column)."""
    if not isinstance(material, dict):
        material = {"name": material.name, "source": material.source, "license_code": material.license_code}
    return "|".join(rules.material_key(material))


def requirement_key(requirement: MaterialRequirement) -> str:
    return key_of({"name": requirement.name, "source": requirement.source, "license_code": requirement.license_code})


def parts_of(members: Iterable[BundleMember]) -> list[rules.Part]:
    return [rules.part_of(m) for m in members]


def situations(members: Iterable[BundleMember]) -> list[rules.MergedSituation]:
    return rules.merged_situations(parts_of(members))


def asked(members: Iterable[BundleMember], answers: dict[str, Any]) -> list[rules.MergedMaterial]:
    """The merged materials the applicant uploads for these answers: asked of the applicant (not an
    earlier part's result) and on some member's tailored list, not proven by an e-licence."""
    parts = rules.tailored_parts(parts_of(members), answers or {})
    listed = {key_of(m) for p in parts for m in p.materials if not m.get("by_licence")}
    return [m for m in rules.merged_materials(parts) if m.is_asked and key_of(m) in listed]


def member_options(members: Iterable[BundleMember], answers: dict[str, Any]) -> dict[str, list[int]]:
    """Each member's situation option ids for the answers, by item code."""
    return rules.member_options(situations(members), answers or {})


def clean_answers(members: Iterable[BundleMember], answers: dict[int, int]) -> dict[str, int]:
    """Positions typed on the page (question position → option position) as stored answers (question
    key → option position); positions out of range are bad input."""
    merged = situations(members)
    out = {}
    for index, option in answers.items():
        if not 0 <= index < len(merged) or not 0 <= option < len(merged[index].options):
            raise ValidationError({"situations": gettext("所选办理情形不属于本一件事，请重新选择。")})
        out[merged[index].key] = option
    return out


def clean_commitments(materials: list[rules.MergedMaterial], keys: Iterable[str]) -> list[str]:
    """The materials chosen for a commitment, each once; one that allows none is refused by name."""
    by_key = {key_of(m): m for m in materials}
    chosen: list[str] = []
    for key in list(keys)[: MAX_COMMITMENTS + 1]:
        material = by_key.get(key)
        if material is None:
            # A material the current answers no longer ask (the page was older): nothing to commit to.
            continue
        if not material.allows_commitment:
            raise ValidationError(
                {"commitments": gettext("“%(name)s”不适用告知承诺制，请提交该材料。") % {"name": material.name}}
            )
        if key not in chosen:
            chosen.append(key)
    return chosen


def choice_problems(
    bundle_application: BundleApplication, materials: list[rules.MergedMaterial], uploaded: set[str]
) -> dict[str, list[str]]:
    """What submitting says about the commitments and the 容缺 pledge (told with everything else)."""
    problems: dict[str, list[str]] = {}
    committed = set(bundle_application.commitment_keys or ())
    by_key = {key_of(m): m for m in materials}
    told = [
        gettext("“%(name)s”已提交，无需再作告知承诺。") % {"name": by_key[k].name}
        for k in committed
        if k in by_key and k in uploaded
    ]
    if any(k in by_key for k in committed) and not bundle_application.commitments_signed_at and not told:
        told.append(gettext("请阅读虚假承诺的法律后果，并确认签署告知承诺书。"))
    if told:
        problems["commitments"] = told
    deferred = [
        m.name
        for m in materials
        if m.necessity == MaterialRequirement.Necessity.DEFERRABLE and key_of(m) not in uploaded | committed
    ]
    if deferred and not bundle_application.deferral_pledged_at:
        problems["deferral_pledged"] = [
            gettext("%(names)s可容缺后补：请签署容缺受理承诺，承诺在受理后按各事项的期限补交；也可现在提交该材料。")
            % {"names": "、".join(f"“{n}”" for n in deferred)}
        ]
    return problems


def missing_required(materials: list[rules.MergedMaterial], uploaded: set[str], committed: Iterable[str]) -> list[str]:
    """The names of the required materials neither uploaded nor replaced by a commitment."""
    done = uploaded | set(committed)
    required = MaterialRequirement.Necessity.REQUIRED
    return [m.name for m in materials if m.necessity == required and key_of(m) not in done]


def record_choices(
    locked: BundleApplication,
    *,
    members: list[BundleMember],
    answers: dict[str, int] | None,
    commitments: Iterable[str] | None,
    commitment_signed: bool | None,
    deferral_pledged: bool | None,
    clock: Clock = system_clock,
) -> list[str]:
    """Keep the choices on the locked draft (``None``: unchanged); returns the fields changed."""
    fields = []
    if answers is not None:
        locked.situation_answers, fields = answers, [*fields, "situation_answers"]
    if commitments is not None:
        materials = asked(members, locked.situation_answers)
        locked.commitment_keys, fields = clean_commitments(materials, commitments), [*fields, "commitment_keys"]
    if commitment_signed is not None:
        signed = clock.now() if commitment_signed and locked.commitment_keys else None
        locked.commitments_signed_at, fields = signed, [*fields, "commitments_signed_at"]
    if deferral_pledged is not None:
        locked.deferral_pledged_at = clock.now() if deferral_pledged else None
        fields.append("deferral_pledged_at")
    return fields


def submit_options(bundle_application: BundleApplication, application: Application) -> dict[str, Any]:
    """What a part's submit_application carries from the bundle: its commitments (the case's own
    materials of the committed keys that allow one), whether they were signed, and the pledge."""
    keys = set(bundle_application.commitment_keys or ())
    committed = {
        r.id
        for r in application.item.materials.all()
        if r.allows_commitment and requirement_key(r) in keys
    } if keys else set()  # fmt: skip
    return {
        "commitments": committed,
        "commitment_signed": bool(committed) and bundle_application.commitments_signed_at is not None,
        "deferral_pledged": bundle_application.deferral_pledged_at is not None,
    }


def consequences(members: Iterable[BundleMember], materials: list[rules.MergedMaterial]) -> list[Any]:
    """The members whose materials may be committed to, with what a false commitment costs there."""
    codes = {code for m in materials if m.allows_commitment for code in m.needed_by}
    return [m.item for m in members if m.item.code in codes]
