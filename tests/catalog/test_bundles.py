"""一件事 (bundles): the merge rules (catalog.bundles), the lifecycle and its permissions
(catalog.bundle_services, catalog.access), bad input, and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import bundle_services, bundles
from catalog.bundles import Part
from catalog.models import Bundle, BundleEvent, BundleMember, ServiceItem, Topic
from portal.clock import FixedClock
from portal.exceptions import InvalidTransition, NotFound, PermissionDenied
from portal.models import AuditEvent
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, MaterialRequirementFactory, ServiceItemFactory

Status = ServiceItem.Status
CLOCK = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
PERSON_FIELDS = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
    {"name": "applicant_phone", "label": "手机号码", "type": "phone", "required": False},
]


def part(code, stage=1, days=5, **kwargs):
    return Part(code=code, name=f"事项{code}", department="部门", stage=stage, promised_days=days, **kwargs)


def material(name, **kwargs):
    return {"name": name, "source": "applicant", "necessity": "required", "originals": 1, "copies": 0, **kwargs}


# --- The merge, as pure functions ---------------------------------------------------------------


def test_a_material_several_members_need_is_asked_once_by_licence_type():
    parts = [
        part("A", materials=(material("经营者居民身份证", source="license", license_code="居民身份证"),)),
        part("B", materials=(material("法定代表人居民身份证", source="license", license_code="居民身份证", copies=2),)),
    ]
    merged = bundles.merged_materials(parts)
    assert len(merged) == 1
    assert merged[0].name == "经营者居民身份证"
    assert merged[0].needed_by == ["A", "B"]
    assert merged[0].copies == 2


def test_without_a_licence_type_materials_match_by_normalised_name_and_source():
    parts = [
        part("A", materials=(material("申请人 身份证明（原件）", necessity="optional"),)),
        part("B", materials=(material("申请人身份证明(原件)"), material("申请人身份证明（原件）", source="other"))),
    ]
    merged = bundles.merged_materials(parts)
    assert [(m.name, m.source, m.needed_by) for m in merged] == [
        ("申请人 身份证明（原件）", "applicant", ["A", "B"]),
        ("申请人身份证明（原件）", "other", ["B"]),
    ]
    # Required by one member: required for the bundle.
    assert merged[0].necessity == "required"


def test_an_earlier_members_result_is_not_asked_of_the_applicant():
    parts = [
        part("licence", stage=1, result_name="营业执照", materials=(material("申请书"),)),
        part(
            "food",
            stage=2,
            needs_results_of=("licence",),
            materials=(material("营业执照", source="license", license_code="营业执照"),),
        ),
    ]
    merged = {m.name: m for m in bundles.merged_materials(parts)}
    assert merged["营业执照"].provided_by == "licence"
    assert not merged["营业执照"].is_asked
    assert merged["申请书"].is_asked


def test_the_merged_form_has_one_field_per_key_mapped_onto_every_member():
    parts = [
        part("A", form_fields=tuple(PERSON_FIELDS)),
        part(
            "B",
            form_fields=(
                {"name": "applicant_phone", "label": "联系电话", "type": "phone", "required": True},
                {"name": "premises", "label": "经营场所", "type": "text"},
            ),
        ),
    ]
    fields, conflicts = bundles.merged_form(parts)
    assert conflicts == []
    by_name = {f.name: f for f in fields}
    assert list(by_name) == ["applicant_name", "applicant_phone", "premises"]
    assert by_name["applicant_phone"].maps_to == [("A", "applicant_phone"), ("B", "applicant_phone")]
    assert by_name["applicant_phone"].required  # required by B
    assert by_name["applicant_phone"].label == "手机号码"  # the first member's label
    answers = bundles.split_answers({"applicant_phone": "13800000000", "premises": "竹山路1号"}, fields)
    assert answers == {
        "A": {"applicant_phone": "13800000000"},
        "B": {"applicant_phone": "13800000000", "premises": "竹山路1号"},
    }


def test_the_same_field_key_with_another_type_is_a_conflict():
    parts = [
        part("A", form_fields=({"name": "capital", "label": "资金数额", "type": "number"},)),
        part("B", form_fields=({"name": "capital", "label": "注册资本", "type": "text"},)),
    ]
    _, conflicts = bundles.merged_form(parts)
    assert [c.name for c in conflicts] == ["capital"]
    assert "类型或选项不同" in conflicts[0].message


def test_the_limit_lies_between_the_longest_path_and_all_limits_added_up():
    parts = [part("A", stage=1, days=0), part("B", stage=2, days=5), part("C", stage=2, days=3)]
    assert bundles.longest_path_days(parts) == 5
    assert bundles.serial_days(parts) == 8
    assert bundles.limit_problems(5, parts) == []
    assert bundles.limit_problems(8, parts) == []
    assert "短于各阶段最长时限之和 5 个工作日" in bundles.limit_problems(4, parts)[0]
    assert "长于全部成员事项时限之和 8 个工作日" in bundles.limit_problems(9, parts)[0]


def test_a_member_may_need_only_an_earlier_stages_result():
    parts = [
        part("A", stage=1),
        part("B", stage=1, needs_results_of=("A",)),
        part("C", stage=2, needs_results_of=("X",)),
    ]
    problems = bundles.structure_problems(parts)
    assert any("须排在其后的阶段" in p for p in problems)
    assert any("不是本一件事的成员" in p for p in problems)
    assert bundles.structure_problems([part("A")]) == ["一件事至少需要 2 个成员事项。"]


def test_the_questionnaire_recommends_what_the_chosen_options_name():
    questionnaire = [
        {
            "question": "孩子有出生医学证明吗？",
            "options": [{"label": "没有", "bundles": ["B1"]}, {"label": "有", "items": ["X"]}],
        },
        {"question": "要社保卡吗？", "options": [{"label": "要", "items": ["X", "Y"]}, {"label": "不要"}]},
    ]
    assert bundles.questionnaire_problems(questionnaire) == []
    assert bundles.recommend(questionnaire, {0: 1, 1: 0}) == ([], ["X", "Y"])
    assert bundles.recommend(questionnaire, {0: 0, 5: 0, 1: 9}) == (["B1"], [])
    assert bundles.questionnaire_problems([{"question": "只有一个选项", "options": [{"label": "是"}]}])


# --- Lifecycle and permissions ----------------------------------------------------------------


@pytest.fixture
def members(department_x):
    """Two published items of two departments of the same county, with one shared material."""
    other = DepartmentFactory(name="卫生健康委员会", region=department_x.region)
    first = ServiceItemFactory(
        department=department_x, name="个体工商户设立登记", promised_days=0, statutory_days=0, result_name="营业执照",
        form_definition=PERSON_FIELDS,
    )  # fmt: skip
    second = ServiceItemFactory(
        department=other, name="公共场所卫生许可", promised_days=5, form_definition=PERSON_FIELDS
    )
    for item in (first, second):
        MaterialRequirementFactory(item=item, name="居民身份证", source="license", license_code="居民身份证")
    MaterialRequirementFactory(item=second, name="营业执照", source="license", license_code="营业执照")
    return first, second


def spec_for(first, second, **changes):
    return {
        "name": "开办美容店一件事",
        "audience": Topic.Audience.BUSINESS,
        "promised_days": 5,
        "members": [
            {"item_code": first.code, "stage": 1},
            {"item_code": second.code, "stage": 2, "needs_results_of": [first.code]},
        ],
        **changes,
    }


@pytest.fixture
def draft_bundle(editor_x, department_x, members):
    return bundle_services.create_bundle(actor=editor_x, department=department_x, spec=spec_for(*members))


def test_an_editor_creates_a_draft_pinned_to_the_published_versions(draft_bundle, members, department_x, editor_x):
    assert (draft_bundle.status, draft_bundle.version, draft_bundle.region) == (Status.DRAFT, 1, department_x.region)
    assert draft_bundle.code == f"{department_x.uscc}YJS01"
    assert [(m.item, m.stage) for m in draft_bundle.members.all()] == [(members[0], 1), (members[1], 2)]
    assert BundleEvent.objects.get(bundle=draft_bundle).actor == editor_x
    assert AuditEvent.objects.filter(action="catalog.bundle_created").exists()


def test_submit_publish_and_a_new_version_follow_the_items_workflow(draft_bundle, editor_x, publisher, members):
    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    with pytest.raises(InvalidTransition):
        bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    published = bundle_services.publish_bundle(actor=publisher, bundle=draft_bundle, clock=CLOCK)
    assert (published.status, published.published_by) == (Status.PUBLISHED, publisher)
    draft = bundle_services.start_new_bundle_version(actor=editor_x, bundle=published)
    assert (draft.version, draft.status) == (2, Status.DRAFT)
    with pytest.raises(InvalidTransition, match="已有未发布的草稿"):
        bundle_services.start_new_bundle_version(actor=editor_x, bundle=published)
    bundle_services.submit_bundle(actor=editor_x, bundle=draft, clock=CLOCK)
    bundle_services.publish_bundle(actor=publisher, bundle=draft, clock=CLOCK)
    published.refresh_from_db()
    assert published.status == Status.RETIRED
    assert Bundle.objects.filter(code=draft.code, status=Status.PUBLISHED).get() == draft


def test_a_publisher_returns_with_comments_and_the_editor_sees_them(draft_bundle, editor_x, publisher):
    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    with pytest.raises(Exception, match="须填写审核意见"):
        bundle_services.return_bundle(actor=publisher, bundle=draft_bundle, comment="  ")
    bundle_services.return_bundle(actor=publisher, bundle=draft_bundle, comment="请补充共同条件")
    draft_bundle.refresh_from_db()
    assert (draft_bundle.status, draft_bundle.review_comment) == (Status.DRAFT, "请补充共同条件")


def test_a_newer_item_version_is_told_and_pinned_at_the_next_publishing(draft_bundle, editor_x, publisher, members):
    from catalog import selectors, services

    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    bundle = bundle_services.publish_bundle(actor=publisher, bundle=draft_bundle, clock=CLOCK)
    second = members[1]
    assert selectors.outdated_members(bundle) == []
    new_item = services.start_new_version(actor=None, item=second)
    services.submit_for_approval(actor=None, item=new_item, clock=CLOCK)
    services.publish_service_item(actor=None, item=new_item, clock=CLOCK)
    outdated = selectors.outdated_members(bundle)
    assert [(o.member.item, o.current) for o in outdated] == [(second, new_item)]
    # The published bundle keeps the version it was published with.
    assert bundle.members.get(stage=2).item == second
    draft = bundle_services.start_new_bundle_version(actor=editor_x, bundle=bundle)
    assert draft.members.get(stage=2).item == new_item


def test_an_editor_of_another_department_may_not_touch_the_bundle(draft_bundle, editor_y, department_x, members):
    from catalog import access

    with pytest.raises(NotFound):
        access.get_bundle_for(editor_y, draft_bundle.pk, access.VIEW)
    with pytest.raises(PermissionDenied):
        bundle_services.update_bundle_draft(actor=editor_y, bundle=draft_bundle, spec={"name": "改名"})
    with pytest.raises(PermissionDenied):
        bundle_services.create_bundle(actor=editor_y, department=department_x, spec=spec_for(*members))
    draft_bundle.refresh_from_db()
    assert draft_bundle.name == "开办美容店一件事"


def test_an_editor_may_not_publish(draft_bundle, editor_x):
    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    with pytest.raises(PermissionDenied):
        bundle_services.publish_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    draft_bundle.refresh_from_db()
    assert draft_bundle.status == Status.PENDING_APPROVAL


# --- Bad input: clear messages, nothing saved ------------------------------------------------------


def refused(editor, department, spec):
    before = (Bundle.objects.count(), BundleMember.objects.count())
    with pytest.raises(ValidationError) as caught:
        bundle_services.create_bundle(actor=editor, department=department, spec=spec)
    assert (Bundle.objects.count(), BundleMember.objects.count()) == before
    return " ".join(bundle_services.validation_messages(caught.value))


def test_a_retired_or_unpublished_item_is_refused_as_a_member(editor_x, department_x, members):
    retired = ServiceItemFactory(department=department_x, status=Status.RETIRED, name="旧事项")
    draft = ServiceItemFactory(department=department_x, draft=True, name="草稿事项")
    for item in (retired, draft):
        spec = spec_for(*members)
        spec["members"].append({"item_code": item.code, "stage": 1})
        message = refused(editor_x, department_x, spec)
        assert f"事项“{item.name}”（{item.code}）没有已发布的版本" in message


def test_a_duplicate_member_is_refused(editor_x, department_x, members):
    spec = spec_for(*members)
    spec["members"].append({"item_code": members[0].code, "stage": 1})
    assert "重复添加" in refused(editor_x, department_x, spec)


def test_an_item_of_a_department_outside_the_bundles_region_is_refused(editor_x, department_x, department_y, members):
    elsewhere = ServiceItemFactory(department=department_y, name="秦淮区的事项")
    spec = spec_for(*members)
    spec["members"].append({"item_code": elsewhere.code, "stage": 1})
    message = refused(editor_x, department_x, spec)
    assert "不在本一件事的办理区域" in message
    assert "实施编码 NOPE 不是已有的事项" in refused(
        editor_x, department_x, {**spec_for(*members), "members": [{"item_code": "NOPE"}]}
    )


def test_an_invalid_limit_is_refused(editor_x, department_x, members):
    assert "短于各阶段最长时限之和 5 个工作日" in refused(editor_x, department_x, spec_for(*members, promised_days=3))
    assert "长于全部成员事项时限之和" in refused(editor_x, department_x, spec_for(*members, promised_days=30))
    assert "非负整数" in refused(editor_x, department_x, spec_for(*members, promised_days=-1))


def test_a_bad_edit_leaves_the_draft_as_it_was(draft_bundle, editor_x, members):
    with pytest.raises(ValidationError):
        bundle_services.update_bundle_draft(
            actor=editor_x, bundle=draft_bundle, spec={"name": "新名称", "members": [{"item_code": members[0].code}]}
        )
    draft_bundle.refresh_from_db()
    assert draft_bundle.name == "开办美容店一件事"
    assert draft_bundle.members.count() == 2


def test_a_member_retired_after_saving_stops_the_submission(draft_bundle, editor_x, members):
    ServiceItem.objects.filter(pk=members[1].pk).update(status=Status.RETIRED)
    with pytest.raises(ValidationError, match="没有已发布的版本"):
        bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    draft_bundle.refresh_from_db()
    assert draft_bundle.status == Status.DRAFT


# --- Pages ----------------------------------------------------------------------------------------


@pytest.fixture
def published_bundle(draft_bundle, editor_x, publisher):
    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    return bundle_services.publish_bundle(actor=publisher, bundle=draft_bundle, clock=CLOCK)


def test_the_public_guide_shows_stages_and_materials_asked_once(client, published_bundle):
    response = client.get(reverse("catalog:bundle_guide", args=[published_bundle.code]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "第 2 阶段" in page and "公共场所卫生许可" in page
    assert page.count("<td>居民身份证") == 1
    assert "由前序事项办理结果提供" in page  # 营业执照 comes from the first member
    assert published_bundle.name in client.get(reverse("catalog:bundle_list")).content.decode()
    assert published_bundle.name in client.get(reverse("portal:home")).content.decode()


def test_a_draft_bundle_has_no_public_guide(client, draft_bundle):
    assert client.get(reverse("catalog:bundle_guide", args=[draft_bundle.code])).status_code == 404


def test_a_citizen_may_not_open_the_bundle_editor(client, citizen, draft_bundle):
    client.force_login(citizen)
    assert client.get(reverse("catalog:bundle_editor_detail", args=[draft_bundle.pk])).status_code == 403
    response = client.post(reverse("catalog:bundle_editor_submit", args=[draft_bundle.pk]))
    assert response.status_code == 403
    draft_bundle.refresh_from_db()
    assert draft_bundle.status == Status.DRAFT


def test_an_editor_of_another_department_gets_404_for_a_draft_and_403_for_publishing(
    client, editor_y, draft_bundle, published_bundle
):
    login_verified(client, editor_y)
    new_draft = bundle_services.start_new_bundle_version(actor=None, bundle=published_bundle)
    assert client.get(reverse("catalog:bundle_editor_detail", args=[new_draft.pk])).status_code == 404
    assert client.get(reverse("catalog:bundle_editor_detail", args=[published_bundle.pk])).status_code == 200
    assert client.post(reverse("catalog:bundle_editor_new_version", args=[published_bundle.pk])).status_code == 403


def test_creating_over_http_with_a_retired_member_shows_the_message_and_saves_nothing(
    client, editor_x, department_x, members
):
    retired = ServiceItemFactory(department=department_x, status=Status.RETIRED, name="旧事项")
    login_verified(client, editor_x)
    data = {
        "department": department_x.pk,
        "name": "开办美容店一件事",
        "audience": "business",
        "promised_days": 5,
        "members": f"{members[0].code} 1\n{members[1].code} 2 {members[0].code}\n{retired.code} 1",
    }
    response = client.post(reverse("catalog:bundle_editor_create"), data)
    assert response.status_code == 422
    assert "没有已发布的版本" in response.content.decode()
    assert not Bundle.objects.exists()
    bad_line = client.post(reverse("catalog:bundle_editor_create"), {**data, "members": "CODE 第一"})
    assert bad_line.status_code == 400
    assert "格式不对" in bad_line.content.decode()
    data["members"] = "\n".join(data["members"].splitlines()[:2])
    created = client.post(reverse("catalog:bundle_editor_create"), data)
    assert created.status_code == 302
    assert Bundle.objects.get().members.count() == 2


def test_the_publisher_publishes_over_http(client, publisher, editor_x, draft_bundle):
    bundle_services.submit_bundle(actor=editor_x, bundle=draft_bundle, clock=CLOCK)
    login_verified(client, publisher)
    assert draft_bundle.name in client.get(reverse("catalog:editor_queue")).content.decode()
    response = client.post(reverse("catalog:bundle_editor_publish", args=[draft_bundle.pk]))
    assert response.status_code == 302
    draft_bundle.refresh_from_db()
    assert draft_bundle.status == Status.PUBLISHED


def test_the_topic_questionnaire_recommends_the_bundle(client, published_bundle):
    topic = Topic.objects.create(
        code="start-business",
        name="开办企业",
        audience=Topic.Audience.BUSINESS,
        questionnaire=[
            {
                "question": "您要开办什么？",
                "options": [
                    {"label": "美容店", "bundles": [published_bundle.code]},
                    {"label": "公司", "items": ["000000000000"]},
                ],
            }
        ],
    )
    published_bundle.topics.add(topic)
    url = reverse("catalog:topic", args=[topic.code])
    page = client.get(url).content.decode()
    assert "您要开办什么？" in page and "为您推荐" not in page
    answered = client.get(url, {"q0": "0"}).content.decode()
    assert "为您推荐" in answered and published_bundle.name in answered
    # Garbage answers are ignored, not a 500.
    assert client.get(url, {"q0": "99", "q7": "x"}).status_code == 200


def test_the_editor_pages_render_and_an_edit_saves(client, editor_x, draft_bundle, members):
    login_verified(client, editor_x)
    assert client.get(reverse("catalog:bundle_editor_list")).status_code == 200
    assert client.get(reverse("catalog:bundle_editor_create")).status_code == 200
    edit_url = reverse("catalog:bundle_editor_edit", args=[draft_bundle.pk])
    page = client.get(edit_url).content.decode()
    assert members[0].code in page
    data = {
        "name": "开办美容美发店一件事",
        "audience": "business",
        "promised_days": 5,
        "members": f"{members[0].code} 1\n{members[1].code} 2 {members[0].code}",
    }
    assert client.post(edit_url, data).status_code == 302
    draft_bundle.refresh_from_db()
    assert draft_bundle.name == "开办美容美发店一件事"
    too_short = client.post(edit_url, {**data, "name": "又改名", "promised_days": 1})
    assert too_short.status_code == 422
    assert "短于各阶段最长时限之和" in too_short.content.decode()
    draft_bundle.refresh_from_db()
    assert draft_bundle.name == "开办美容美发店一件事"


def test_an_items_guide_links_to_the_bundles_it_belongs_to(client, published_bundle, members):
    page = client.get(reverse("catalog:guide", args=[members[1].code])).content.decode()
    assert published_bundle.get_absolute_url() in page


def test_the_admin_refuses_a_malformed_questionnaire(db):
    from catalog.admin import TopicForm

    data = {"code": "birth", "name": "出生", "audience": "person", "order": 1, "keywords": ""}
    form = TopicForm({**data, "questionnaire": '[{"question": "只有一个选项", "options": [{"label": "是"}]}]'})
    assert not form.is_valid()
    assert "至少需要两个选项" in str(form.errors["questionnaire"])
    assert TopicForm({**data, "questionnaire": "[]"}).is_valid()
