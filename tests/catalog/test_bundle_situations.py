"""一件事: the members' situations asked once, each member's list tailored to the answers, and the
告知承诺 and 容缺后补 rules of a merged material (catalog.bundles, pure functions)."""

from catalog import bundles
from tests.catalog.test_bundles import material, part


def situation(question, *options):
    """options: (id, label, adds, drops)."""
    return {
        "question": question,
        "options": tuple({"id": i, "label": label, "adds": adds, "drops": drops} for i, label, adds, drops in options),
    }


RENT = situation("经营场所是否为租赁？", (1, "自有房产", (), ()), (2, "租赁", (11,), ()))
RENT_B = situation("经营场所是否为租赁?", (7, "自有房产", (), (21,)), (8, "租 赁", (22,), ()))
AGENT = situation("是否委托他人办理？", (3, "本人办理", (), ()), (4, "委托办理", (12,), ()))


def parts():
    return [
        part(
            "A",
            situations=(RENT, AGENT),
            materials=(
                material("申请书", id=10),
                material("房屋租赁合同", id=11, is_situational=True),
                material("授权委托书", id=12, is_situational=True),
            ),
        ),
        part(
            "B",
            situations=(RENT_B,),
            materials=(
                material("房屋产权证明", id=21),
                material("房屋租赁合同", id=22, is_situational=True),
            ),
        ),
    ]


def test_the_same_question_of_two_members_is_asked_once_and_maps_to_each_members_option():
    merged = bundles.merged_situations(parts())
    asked = [(s.question, s.asked_by) for s in merged]
    assert asked == [("经营场所是否为租赁？", ["A", "B"]), ("是否委托他人办理？", ["A"])]
    rent = merged[0]
    assert [o.label for o in rent.options] == ["自有房产", "租赁"]
    assert rent.options[1].chosen_by == [("A", 2), ("B", 8)]
    assert bundles.member_options(merged, {rent.key: 1, merged[1].key: 0}) == {"A": [2, 3], "B": [8]}


def test_a_question_with_other_options_stays_apart():
    other = situation("经营场所是否为租赁？", (5, "是", (), ()), (6, "否", (), ()))
    merged = bundles.merged_situations([part("A", situations=(RENT,)), part("B", situations=(other,))])
    assert [s.asked_by for s in merged] == [["A"], ["B"]]
    assert merged[1].names == ["事项B"]


def test_answers_out_of_range_or_of_unknown_questions_are_ignored():
    merged = bundles.merged_situations(parts())
    rent = merged[0]
    for answers in ({rent.key: 2}, {rent.key: -1}, {rent.key: "1"}, {rent.key: True}, {"nope": 0}, {}):
        assert bundles.member_options(merged, answers) == {}, answers


def test_the_lists_are_tailored_per_member_then_merged_once():
    merged = bundles.merged_situations(parts())
    rent, agent = merged
    renting = bundles.tailored_parts(parts(), {rent.key: 1, agent.key: 1})
    names = [m.name for m in bundles.merged_materials(renting)]
    # 房屋租赁合同 is added by both members' 租赁 and asked once; 授权委托书 by 委托办理.
    assert names == ["申请书", "房屋租赁合同", "授权委托书", "房屋产权证明"]
    owning = bundles.tailored_parts(parts(), {rent.key: 0})
    # B's 自有房产 drops 房屋产权证明 (a drop is an exemption); nothing situational without a choice.
    assert [m.name for m in bundles.merged_materials(owning)] == ["申请书"]
    assert [m.name for m in bundles.merged_materials(bundles.tailored_parts(parts(), {}))] == ["申请书", "房屋产权证明"]


def test_a_commitment_stands_in_only_where_every_member_that_needs_the_material_allows_it():
    both = [
        part("A", materials=(material("无犯罪记录证明", allows_commitment=True, commitment_text="本人无犯罪记录"),)),
        part("B", materials=(material("无犯罪记录证明", allows_commitment=True, commitment_text="本人无犯罪记录"),)),
    ]
    [merged] = bundles.merged_materials(both)
    assert merged.allows_commitment and merged.commitment_texts == ["本人无犯罪记录"]
    one = [both[0], part("B", materials=(material("无犯罪记录证明"),))]
    assert not bundles.merged_materials(one)[0].allows_commitment
    assert not bundles.merged_materials([part("B", materials=(material("无犯罪记录证明"),)), both[0]])[
        0
    ].allows_commitment


def test_a_material_is_deferrable_only_when_no_member_requires_it():
    deferrable = material("卫生检测报告", necessity="deferrable")
    assert bundles.merged_materials([part("A", materials=(deferrable,))])[0].necessity == "deferrable"
    both = [part("A", materials=(deferrable,)), part("B", materials=(material("卫生检测报告"),))]
    assert bundles.merged_materials(both)[0].necessity == "required"
