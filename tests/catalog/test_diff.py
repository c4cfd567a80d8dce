"""What changed between two versions (catalog.diff)."""

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.diff import ADDED, CHANGED, REMOVED, diff_versions
from catalog.models import Topic
from tests.factories import MaterialRequirementFactory, ServiceItemFactory


@pytest.fixture
def versions(department_x, editor_x):
    """Version 1 published with two materials and a situation; version 2 a draft copied from it."""
    v1 = ServiceItemFactory(department=department_x)
    MaterialRequirementFactory(item=v1, name="身份证", copies=1)
    MaterialRequirementFactory(item=v1, name="户口簿")
    MaterialRequirementFactory(item=v1, name="委托书", is_situational=True)
    situation = v1.situations.create(question="是否委托他人办理？")
    option = situation.options.create(label="是")
    option.adds.set(v1.materials.filter(name="委托书"))
    v2 = services.start_new_version(actor=editor_x, item=v1)
    return v1, v2


def by_label(changes):
    return {c.label: c for c in changes}


def test_identical_versions_have_no_changes(versions):
    assert diff_versions(*versions) == []


def test_a_field_change_is_shown_with_its_label_and_readable_values(versions, editor_x):
    v1, v2 = versions
    services.update_draft(
        actor=editor_x, item=v2, spec={"promised_days": 5, "handling": "change", "accepts_by_post": True}
    )
    changes = by_label(diff_versions(v1, v2))
    assert (changes["承诺办结时限"].old, changes["承诺办结时限"].new, changes["承诺办结时限"].kind) == (
        "10",
        "5",
        CHANGED,
    )
    assert (changes["业务办理项"].old, changes["业务办理项"].new) == ("新设", "变更")
    assert (changes["邮寄办理"].old, changes["邮寄办理"].new) == ("否", "是")
    assert changes["承诺办结时限"].section == "事项信息"


def test_materials_are_compared_by_name(versions, editor_x):
    v1, v2 = versions
    spec = {
        "materials": [
            {"name": "身份证", "copies": 2, "originals": 1},
            {"name": "委托书", "originals": 1, "is_situational": True},
            {"name": "结婚证", "originals": 1},
        ]
    }
    services.update_draft(actor=editor_x, item=v2, spec=spec)
    changes = [c for c in diff_versions(v1, v2) if c.section == "申请材料"]
    summary = {(c.label, c.kind) for c in changes}
    assert ("户口簿", REMOVED) in summary
    assert ("结婚证", ADDED) in summary
    copies = next(c for c in changes if c.label == "身份证 · 复印件份数")
    assert (copies.old, copies.new) == ("1", "2")
    assert not any(c.label.startswith("委托书") for c in changes)


def test_situation_options_show_the_materials_they_add(versions, editor_x):
    v1, v2 = versions
    spec = {
        "situations": [{"question": "是否委托他人办理？", "options": [{"label": "是", "adds": []}, {"label": "否"}]}]
    }
    services.update_draft(actor=editor_x, item=v2, spec=spec)
    change = by_label(diff_versions(v1, v2))["是否委托他人办理？"]
    assert change.old == "是（增加：委托书）" and change.new == "是\n否"


def test_steps_fees_and_topics_are_compared(versions, editor_x):
    v1, v2 = versions
    Topic.objects.create(code="shengyu", name="生育")
    spec = {
        "has_fee": True,
        "fees": [{"name": "工本费", "standard": "每证 10 元", "amount_yuan": "10.00"}],
        "steps": [{"kind": "handle", "limit_days": 2}, {"kind": "approve", "limit_days": 1}],
        "topics": ["shengyu"],
    }
    services.update_draft(actor=editor_x, item=v2, spec=spec)
    changes = {(c.section, c.label, c.kind) for c in diff_versions(v1, v2)}
    assert ("收费项目", "工本费", ADDED) in changes
    assert ("审查环节", "承办", ADDED) in changes and ("审查环节", "批准", ADDED) in changes
    assert ("主题", "主题", CHANGED) in changes
    topic = by_label(diff_versions(v1, v2))["主题"]
    assert (topic.old, topic.new) == ("", "生育")


def test_diffs_run_both_ways(versions, editor_x):
    v1, v2 = versions
    spec = {"materials": [{"name": "身份证"}, {"name": "委托书", "originals": 1, "is_situational": True}]}
    services.update_draft(actor=editor_x, item=v2, spec=spec)
    forward = {(c.label, c.kind) for c in diff_versions(v1, v2)}
    backward = {(c.label, c.kind) for c in diff_versions(v2, v1)}
    assert ("户口簿", REMOVED) in forward and ("户口簿", ADDED) in backward


def test_dropping_a_material_that_a_situation_adds_is_refused(versions, editor_x):
    v1, v2 = versions
    with pytest.raises(ValidationError) as caught:
        services.update_draft(actor=editor_x, item=v2, spec={"materials": [{"name": "身份证"}]})
    assert "situations" in caught.value.message_dict
    assert diff_versions(v1, v2) == []
