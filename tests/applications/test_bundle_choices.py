"""一件事申请 with situations (情形), 告知承诺 and 容缺: the members' shared question asked once and each case
saved with its own option, a commitment signed once instead of a proof both members need and carried
into each case, the 容缺 pledge carried into the case that leaves its material out; bad input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications.models import Application, Commitment, Document
from applications.services import bundle_choices
from applications.services import bundles as bundle_services
from catalog import bundle_services as catalog_bundles
from catalog.models import ProcessStep, Situation
from tests.applications.conftest import clock_at, pdf
from tests.applications.test_bundle_applications import ID_NUMBER, NAME, applicant  # noqa: F401 (fixture)
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, MaterialRequirementFactory, ServiceItemFactory

CLOCK = clock_at(dt.date(2026, 3, 2), 9)
NO_RECORD = "无犯罪记录证明"


def _item(department, name):
    item = ServiceItemFactory(
        department=department, name=name, promised_days=5, statutory_days=20, form_definition=[NAME]
    )
    item.steps.create(kind=ProcessStep.Kind.APPROVE, order=1, limit_days=3)
    MaterialRequirementFactory(item=item, name="经营者身份证明", source="applicant")
    MaterialRequirementFactory(
        item=item, name=NO_RECORD, source="applicant", allows_commitment=True, commitment_text="本人无犯罪记录。"
    )
    lease = MaterialRequirementFactory(item=item, name="房屋租赁合同", source="applicant", is_situational=True)
    situation = Situation.objects.create(item=item, question="经营场所是否为租赁？")
    situation.options.create(order=1, label="自有房产")
    situation.options.create(order=2, label="租赁").adds.add(lease)
    return item


@pytest.fixture
def bundle(department_x, calendar_2026):
    health = DepartmentFactory(name="卫生健康委员会", region=department_x.region)
    first = _item(department_x, "个体工商户设立登记")
    second = _item(health, "公共场所卫生许可")
    MaterialRequirementFactory(item=second, name="卫生检测报告", source="applicant", necessity="deferrable")
    spec = {
        "name": "开办美容店一件事",
        "audience": "person",
        "promised_days": 5,
        "members": [{"item_code": first.code, "stage": 1}, {"item_code": second.code, "stage": 1}],
    }
    draft = catalog_bundles.create_bundle(actor=None, department=department_x, spec=spec)
    catalog_bundles.submit_bundle(actor=None, bundle=draft, clock=CLOCK)
    return catalog_bundles.publish_bundle(actor=None, bundle=draft, clock=CLOCK)


def _draft(bundle, user):
    draft = bundle_services.start_bundle_application(
        user=user, bundle=bundle, acting_as="self", id_number=ID_NUMBER, idempotency_key="c1", clock=CLOCK
    )
    return bundle_services.save_bundle_draft(bundle_application=draft, form_data={"applicant_name": "张三"})


def _save(draft, **choices):
    return bundle_services.save_bundle_draft(bundle_application=draft, form_data={"applicant_name": "张三"}, **choices)


def _upload(draft, *names):
    for material in bundle_services.asked_materials(draft.bundle, draft.situation_answers):
        if material.name in names:
            bundle_services.attach_bundle_material(
                bundle_application=draft, key=bundle_choices.key_of(material), file=pdf(f"{material.name}.pdf")
            )


def _key(draft, name):
    materials = bundle_services.asked_materials(draft.bundle, draft.situation_answers)
    return next(bundle_choices.key_of(m) for m in materials if m.name == name)


def test_the_shared_question_is_asked_once_and_each_case_gets_its_own_option(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    names = [m.name for m in bundle_services.asked_materials(bundle, draft.situation_answers)]
    assert names == ["经营者身份证明", NO_RECORD, "卫生检测报告"]
    [question] = bundle_choices.situations(bundle_services.members_of(bundle))
    assert question.asked_by == [m.item.code for m in bundle_services.members_of(bundle)]
    draft = _save(draft, situation_answers={0: 1})
    names = [m.name for m in bundle_services.asked_materials(bundle, draft.situation_answers)]
    assert names == ["经营者身份证明", NO_RECORD, "房屋租赁合同", "卫生检测报告"]  # 租赁 adds it, asked once
    _upload(draft, "经营者身份证明", NO_RECORD, "房屋租赁合同", "卫生检测报告")
    bundle_services.submit_bundle_application(bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK)
    for part in draft.parts.select_related("application__item"):
        case = part.application
        assert case.status == Application.Status.SUBMITTED
        chosen = case.item.situations.get().options.get(label="租赁")
        assert case.situation_options == [chosen.id]
        assert case.materials.filter(requirement__name="房屋租赁合同", is_current=True).exists()


def test_a_commitment_signed_once_replaces_the_proof_in_every_case(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    _upload(draft, "经营者身份证明", "卫生检测报告")
    key = _key(draft, NO_RECORD)
    draft = _save(draft, commitments=[key])
    with pytest.raises(ValidationError) as refused:
        bundle_services.submit_bundle_application(
            bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK
        )
    assert "请阅读虚假承诺的法律后果，并确认签署告知承诺书。" in refused.value.message_dict["commitments"]
    assert "materials" not in refused.value.message_dict  # the commitment stands in for the proof
    assert not Application.objects.exists()  # nothing half-written
    draft = _save(draft, commitments=[key], commitment_signed=True, clock=CLOCK)
    bundle_services.submit_bundle_application(bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK)
    cases = [p.application for p in draft.parts.select_related("application")]
    assert len(cases) == 2
    for case in cases:
        [commitment] = Commitment.objects.filter(application=case)
        assert commitment.requirement.name == NO_RECORD and commitment.text == "本人无犯罪记录。"
        assert case.documents.filter(kind=Document.Kind.COMMITMENT).exists()
        assert not case.materials.filter(requirement__name=NO_RECORD).exists()


def test_a_commitment_is_refused_where_a_member_needs_the_proof(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    key = _key(draft, "经营者身份证明")
    with pytest.raises(ValidationError) as refused:
        _save(draft, commitments=[key])
    assert refused.value.message_dict["commitments"] == ["“经营者身份证明”不适用告知承诺制，请提交该材料。"]
    draft.refresh_from_db()
    assert draft.commitment_keys == []
    # A key of no material of the bundle (an old page, a crafted one) commits to nothing.
    draft = _save(draft, commitments=["x|y", ""])
    assert draft.commitment_keys == []


def test_a_committed_material_also_uploaded_is_told(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    _upload(draft, "经营者身份证明", NO_RECORD, "卫生检测报告")
    draft = _save(draft, commitments=[_key(draft, NO_RECORD)], commitment_signed=True)
    with pytest.raises(ValidationError) as refused:
        bundle_services.submit_bundle_application(
            bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK
        )
    assert refused.value.message_dict["commitments"] == [f"“{NO_RECORD}”已提交，无需再作告知承诺。"]


def test_a_deferrable_material_left_out_needs_the_pledge_which_its_case_carries(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    _upload(draft, "经营者身份证明", NO_RECORD)
    with pytest.raises(ValidationError) as refused:
        bundle_services.submit_bundle_application(
            bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK
        )
    assert "“卫生检测报告”可容缺后补" in refused.value.message_dict["deferral_pledged"][0]
    draft = _save(draft, deferral_pledged=True)
    bundle_services.submit_bundle_application(bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK)
    by_name = {p.application.item.name: p.application for p in draft.parts.select_related("application__item")}
    assert by_name["公共场所卫生许可"].deferral_pledged_at is not None
    assert by_name["个体工商户设立登记"].deferral_pledged_at is None  # it left nothing out


def test_a_situation_answer_out_of_range_is_refused(bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    for answers in ({0: 2}, {1: 0}, {-1: 0}):
        with pytest.raises(ValidationError):
            _save(draft, situation_answers=answers)
    draft.refresh_from_db()
    assert draft.situation_answers == {}


def test_the_draft_page_offers_situations_commitments_and_the_pledge(client, bundle, applicant):  # noqa: F811
    draft = _draft(bundle, applicant)
    login_verified(client, applicant)
    url = reverse("applications:bundle", args=[draft.pk])
    page = client.get(url).content.decode()
    assert "经营场所是否为租赁？" in page and 'name="bs0"' in page
    assert page.count('name="commitments"') == 1  # 无犯罪记录证明 only
    assert "容缺受理承诺" in page and "虚假承诺的法律后果" in page
    response = client.post(url, {"action": "save", "bs0": "1", "applicant_name": "张三"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert list(draft.situation_answers.values()) == [1]
    assert "房屋租赁合同" in client.get(url).content.decode()
    assert client.post(url, {"action": "save", "bs0": "x"}).status_code == 400
    assert client.post(url, {"action": "save", "bs0": "7"}).status_code == 422
    key = _key(draft, "经营者身份证明")
    refused = client.post(url, {"action": "save", "commitments": key})
    assert refused.status_code == 422 and "不适用告知承诺制" in refused.content.decode()


def test_the_bundle_guide_shows_the_question_and_the_commitment(client, bundle):
    page = client.get(reverse("catalog:bundle_guide", args=[bundle.code])).content.decode()
    assert page.count("经营场所是否为租赁？") == 1
    assert "可告知承诺" in page
