"""一件事申请 (issue 11): one application for a bundle, fanned out to one case per member by stage;
materials uploaded once, the merged form mapped onto each member, a dependent part started only after
its prerequisite is granted, a denial and a correction of one part, joined delivery, permissions and
bad input."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from applications import access, bundles, services
from applications.forms_runtime import decrypt_id_numbers
from applications.models import Application, BundleApplication, BundlePart, SubmittedMaterial
from applications.services import bundles as bundle_services
from applications.transitions import Actor
from catalog import bundle_services as catalog_bundles
from catalog.models import ProcessStep, ServiceItem
from portal.exceptions import DomainError, NotFound
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.conftest import login_verified
from tests.factories import DepartmentFactory, MaterialRequirementFactory, ServiceItemFactory, UserFactory

S = Application.Status
CLOCK = clock_at(dt.date(2026, 3, 2), 9)
ID_NUMBER = "110101199003074514"
NAME = {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True}
PREMISES = {"name": "premises", "label": "经营场所", "type": "text", "required": True}
SEATS = {"name": "seats", "label": "座位数", "type": "number", "required": True}


def _item(department, name, fields, result_name=""):
    item = ServiceItemFactory(
        department=department, name=name, promised_days=5, statutory_days=20, form_definition=fields,
        result_name=result_name,
    )  # fmt: skip
    item.steps.create(kind=ProcessStep.Kind.APPROVE, order=1, limit_days=3)
    MaterialRequirementFactory(item=item, name="经营者身份证明", source="applicant")
    return item


@pytest.fixture
def items(department_x, calendar_2026):
    """个体工商户设立登记 (stage 1, issues 营业执照) → 食品经营许可 (stage 2, needs it); 公共场所卫生许可 of
    another department in stage 1, in parallel. All three ask for 经营者身份证明."""
    health = DepartmentFactory(name="卫生健康委员会", region=department_x.region)
    licence = _item(department_x, "个体工商户设立登记", [NAME, PREMISES], result_name="营业执照")
    food = _item(department_x, "食品经营许可", [NAME, PREMISES])
    MaterialRequirementFactory(item=food, name="营业执照", source="applicant")
    hygiene = _item(health, "公共场所卫生许可", [NAME, SEATS])
    MaterialRequirementFactory(item=hygiene, name="卫生管理制度", source="applicant")
    return licence, food, hygiene


@pytest.fixture
def bundle(items, department_x):
    licence, food, hygiene = items
    spec = {
        "name": "开办餐饮店一件事",
        "audience": "person",
        "promised_days": 10,
        "members": [
            {"item_code": licence.code, "stage": 1},
            {"item_code": hygiene.code, "stage": 1},
            {"item_code": food.code, "stage": 2, "needs_results_of": [licence.code]},
        ],
    }
    draft = catalog_bundles.create_bundle(actor=None, department=department_x, spec=spec)
    catalog_bundles.submit_bundle(actor=None, bundle=draft, clock=CLOCK)
    return catalog_bundles.publish_bundle(actor=None, bundle=draft, clock=CLOCK)


@pytest.fixture
def applicant(citizen):
    citizen.id_number_digest = id_number_digest(ID_NUMBER)
    citizen.id_number_masked = mask_id_number(ID_NUMBER)
    citizen.real_name_verified_at = timezone.now()
    citizen.save()
    return citizen


def _draft(bundle, applicant, key="k1"):
    return bundle_services.start_bundle_application(
        user=applicant, bundle=bundle, acting_as="self", id_number=ID_NUMBER, idempotency_key=key, clock=CLOCK
    )


def _filled(bundle, applicant):
    draft = _draft(bundle, applicant)
    bundle_services.save_bundle_draft(
        bundle_application=draft, form_data={"applicant_name": "张三", "premises": "玄武区中山路1号", "seats": "20"}
    )
    for material in bundle_services.asked_materials(bundle):
        bundle_services.attach_bundle_material(
            bundle_application=draft, key=bundle_services.key_of(material), file=pdf(f"{material.name}.pdf")
        )
    return draft


@pytest.fixture
def submitted(bundle, applicant):
    draft = _filled(bundle, applicant)
    return bundle_services.submit_bundle_application(
        bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK
    )


def _parts(bundle_application):
    return {p.member.item.name: p for p in bundle_application.parts.select_related("member__item", "application")}


def _decide(application, outcome):
    services.accept_application(application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=CLOCK)
    services.decide_application(
        application=application, actor=UserFactory(), outcome=outcome, reasons="依法审查。", clock=CLOCK
    )
    application.refresh_from_db()


# --- One form, one set of materials -------------------------------------------------------------


def test_a_material_two_members_need_is_uploaded_once_and_every_case_gets_it(submitted):
    asked = [m.name for m in bundle_services.asked_materials(submitted.bundle)]
    # 经营者身份证明 once for three members; 营业执照 is the first part's result, never asked.
    assert asked == ["经营者身份证明", "卫生管理制度"]
    assert submitted.uploads.count() == 2
    shared = submitted.uploads.get(name="经营者身份证明")
    cases = [p.application for p in _parts(submitted).values()]
    copies = SubmittedMaterial.objects.filter(application__in=cases, requirement__name="经营者身份证明")
    assert copies.count() == 3
    assert {c.original_name for c in copies} == {shared.original_name}
    assert len({c.file.name for c in copies}) == 3  # each department keeps its own copy
    hygiene = _parts(submitted)["公共场所卫生许可"].application
    assert hygiene.materials.filter(requirement__name="卫生管理制度").exists()


def test_the_merged_form_is_mapped_onto_each_members_own_fields(submitted):
    parts = _parts(submitted)
    licence = decrypt_id_numbers(parts["个体工商户设立登记"].application.form_data)
    hygiene = decrypt_id_numbers(parts["公共场所卫生许可"].application.form_data)
    assert (licence["applicant_name"], licence["premises"]) == ("张三", "玄武区中山路1号")
    assert "seats" not in licence
    assert (hygiene["applicant_name"], hygiene["seats"]) == ("张三", "20")
    assert "premises" not in hygiene


def test_each_part_is_a_case_of_its_own_department_linked_to_the_bundle(submitted, items):
    licence, food, hygiene = items
    parts = _parts(submitted)
    assert {name: p.application.department for name, p in parts.items()} == {
        "个体工商户设立登记": licence.department,
        "食品经营许可": food.department,
        "公共场所卫生许可": hygiene.department,
    }
    assert all(p.application.bundle_part == p for p in parts.values())


# --- Stages ----------------------------------------------------------------------------------


def test_the_first_stage_is_submitted_at_once_and_the_dependent_part_waits(submitted):
    parts = _parts(submitted)
    assert parts["个体工商户设立登记"].application.status == S.SUBMITTED
    assert parts["公共场所卫生许可"].application.status == S.SUBMITTED
    waiting = parts["食品经营许可"]
    assert (waiting.state, waiting.application.status) == (BundlePart.State.WAITING, S.DRAFT)
    assert waiting.application.number is None


def test_the_dependent_part_starts_once_its_prerequisite_is_granted_and_only_once(submitted):
    parts = _parts(submitted)
    _decide(parts["公共场所卫生许可"].application, "granted")
    food = parts["食品经营许可"].application
    food.refresh_from_db()
    assert food.status == S.DRAFT  # 公共场所卫生许可 is not the result it needs
    _decide(parts["个体工商户设立登记"].application, "granted")
    food.refresh_from_db()
    assert food.status == S.SUBMITTED and food.number
    provided = food.materials.get(requirement__name="营业执照")
    assert "个体工商户设立登记" in provided.original_name and not provided.file
    # A sweep and a second run change nothing: the part was submitted exactly once.
    assert bundle_services.sweep_bundles(clock=CLOCK) == 0
    assert bundle_services.advance_bundle(bundle_application=submitted, clock=CLOCK) == 0
    food.refresh_from_db()
    assert food.timeline.filter(action="submit").count() == 1


def test_a_denied_prerequisite_blocks_its_dependent_and_a_correction_holds_up_nobody(submitted, applicant):
    parts = _parts(submitted)
    hygiene = parts["公共场所卫生许可"].application
    services.request_correction(
        application=hygiene,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        entries=[{"requirement_id": hygiene.item.materials.get(name="卫生管理制度").pk, "reason": "缺少签章"}],
        clock=CLOCK,
    )
    _decide(parts["个体工商户设立登记"].application, "denied")
    food = BundlePart.objects.get(pk=parts["食品经营许可"].pk)
    assert food.state == BundlePart.State.BLOCKED and food.application.status == S.DRAFT
    assert "个体工商户设立登记" in food.note
    page = bundles.overview(submitted)
    meaning = {p.name: p.meaning for p in page["parts"]}
    assert "食品经营许可不再启动" in meaning["个体工商户设立登记"]
    assert "其他事项照常办理" in meaning["公共场所卫生许可"]
    assert page["delivery"] == "办理中"  # the part in correction is still open
    # The corrected part goes on to its decision; then the results go out together.
    services.resubmit_correction(
        application=hygiene,
        actor=applicant,
        actor_role=Actor.APPLICANT,
        files={hygiene.item.materials.get(name="卫生管理制度").pk: pdf("制度.pdf")},
        clock=CLOCK,
    )
    hygiene.refresh_from_db()
    _decide(hygiene, "granted")
    assert bundles.overview(submitted)["delivery"] == "待统一出件"


def test_a_prerequisite_refused_at_intake_blocks_its_dependent_and_the_applicant_is_told(submitted):
    parts = _parts(submitted)
    services.refuse_application(
        application=parts["个体工商户设立登记"].application,
        actor=UserFactory(),
        actor_role=Actor.CLERK,
        reason="经营场所不符合要求",
        basis="《中华人民共和国行政许可法》第三十二条",
        clock=CLOCK,
    )
    food = BundlePart.objects.get(pk=parts["食品经营许可"].pk)
    assert food.state == BundlePart.State.BLOCKED
    notice = OutboxMessage.objects.filter(idempotency_key=f"notify:bundle:{food.pk}:blocked").get()
    assert "未启动" in notice.payload["title"] and notice.payload["link"].endswith(f"/bundles/{submitted.pk}/")


def test_the_sweep_starts_a_part_whose_turn_came_without_the_hook(submitted):
    parts = _parts(submitted)
    for name in ("个体工商户设立登记", "公共场所卫生许可"):  # decided as the hook would not see it
        Application.objects.filter(pk=parts[name].application.pk).update(status=S.DECIDED, outcome="granted")
    assert bundle_services.sweep_bundles(clock=CLOCK) == 1
    assert bundle_services.sweep_bundles(clock=CLOCK) == 0
    assert Application.objects.get(pk=parts["食品经营许可"].application.pk).status == S.SUBMITTED


def test_no_part_is_delivered_before_the_others_are_done(submitted):
    parts = _parts(submitted)
    licence = parts["个体工商户设立登记"].application
    _decide(licence, "granted")
    with pytest.raises(DomainError, match="统一出件"):
        services.deliver_result(application=licence, actor=UserFactory(), method="collect", recipient_name="张三")
    _decide(parts["公共场所卫生许可"].application, "granted")
    food = Application.objects.get(pk=parts["食品经营许可"].application.pk)
    _decide(food, "granted")
    services.deliver_result(application=licence, actor=UserFactory(), method="collect", recipient_name="张三")
    licence.refresh_from_db()
    assert licence.status == S.CONCLUDED


# --- Pages and permissions -------------------------------------------------------------------


def test_the_guide_starts_the_application_and_the_bundle_page_shows_every_part(client, bundle, applicant):
    """The whole online path over HTTP (guide, start, one submit fanning out to three cases with their
    file copies, the bundle page, the list, a part's page): about 3 s, the price of one walk-through."""
    client.force_login(applicant)
    guide = client.get(reverse("catalog:bundle_guide", args=[bundle.code])).content.decode()
    start_url = reverse("applications:bundle_start", args=[bundle.code])
    assert start_url in guide
    response = client.post(
        start_url, {"applying_as": "self", "id_number": ID_NUMBER, "phone": "", "idempotency_key": uuid.uuid4().hex}
    )
    draft = BundleApplication.objects.get(applicant_user=applicant)
    assert response.status_code == 302 and response["Location"] == reverse("applications:bundle", args=[draft.pk])
    asked = bundle_services.asked_materials(bundle)
    post = {
        "action": "submit",
        "declaration": "on",
        "f_applicant_name": "张三",
        "f_premises": "中山路1号",
        "f_seats": "8",
    }
    post |= {f"b{i}": pdf(f"{m.name}.pdf") for i, m in enumerate(asked)}
    response = client.post(reverse("applications:bundle", args=[draft.pk]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(reverse("applications:bundle", args=[draft.pk])).content.decode()
    assert "食品经营许可" in page and "等待“个体工商户设立登记”办结" in page and "已申报待预审" in page
    assert "统一出件" in page
    part = BundlePart.objects.filter(bundle_application=draft, application__number__isnull=False).first()
    case_page = client.get(reverse("applications:detail", args=[part.application.number])).content.decode()
    assert reverse("applications:bundle", args=[draft.pk]) in case_page
    # Waiting parts are not separate drafts in the list; the bundle is.
    listing = client.get(reverse("applications:list")).content.decode()
    assert "开办餐饮店一件事" in listing and "草稿（继续填写）" not in listing


def test_another_citizen_gets_404_and_staff_see_only_their_departments_part(
    client, submitted, other_citizen, department_x
):
    client.force_login(other_citizen)
    assert client.get(reverse("applications:bundle", args=[submitted.pk])).status_code == 404
    parts = _parts(submitted)
    health = parts["公共场所卫生许可"].application.department
    reviewer = UserFactory(username="rev_health", department=health, roles=[Role.REVIEWER])
    visible = set(access.applications_visible_to(reviewer).values_list("pk", flat=True))
    assert parts["公共场所卫生许可"].application.pk in visible
    assert parts["个体工商户设立登记"].application.pk not in visible
    with pytest.raises(NotFound):
        access.get_application_for(reviewer, parts["个体工商户设立登记"].application.number)
    login_verified(client, reviewer)
    own = client.get(reverse("reviews:case", args=[parts["公共场所卫生许可"].application.number]))
    assert own.status_code == 200 and "本件属于一件事“开办餐饮店一件事”" in own.content.decode()
    assert client.get(reverse("reviews:case", args=[parts["个体工商户设立登记"].application.number])).status_code == 404
    with pytest.raises(NotFound):
        access.get_bundle_application_for(reviewer, submitted.pk)
    # The waiting part's draft is not reachable as a draft of its own (it starts with the bundle).
    with pytest.raises(NotFound):
        access.get_draft_for(submitted.applicant_user, parts["食品经营许可"].application.pk)


# --- Bad input -------------------------------------------------------------------------------


def test_a_bundle_with_a_retired_member_is_refused_with_a_clear_message(client, bundle, items, applicant):
    licence = items[0]
    ServiceItem.objects.filter(pk=licence.pk).update(status=ServiceItem.Status.RETIRED)
    with pytest.raises(DomainError, match="成员事项“个体工商户设立登记”暂不能申请"):
        _draft(bundle, applicant)
    client.force_login(applicant)
    response = client.get(reverse("applications:bundle_start", args=[bundle.code]))
    assert response.status_code == 422 and "个体工商户设立登记" in response.content.decode()
    assert not BundleApplication.objects.exists()


def test_a_member_retired_after_the_draft_stops_the_submission_and_saves_nothing(bundle, items, applicant):
    draft = _filled(bundle, applicant)
    ServiceItem.objects.filter(pk=items[2].pk).update(status=ServiceItem.Status.RETIRED)
    with pytest.raises(DomainError, match="公共场所卫生许可"):
        bundle_services.submit_bundle_application(
            bundle_application=draft, actor=applicant, declaration=True, clock=CLOCK
        )
    assert not Application.objects.exists()
    draft.refresh_from_db()
    assert draft.status == BundleApplication.Status.DRAFT


def test_a_missing_material_and_field_are_told_and_nothing_is_fanned_out(bundle, applicant):
    draft = _draft(bundle, applicant)
    with pytest.raises(ValidationError) as error:
        bundle_services.submit_bundle_application(
            bundle_application=draft, actor=applicant, declaration=False, clock=CLOCK
        )
    problems = error.value.message_dict
    assert "请上传：经营者身份证明" in problems["materials"]
    assert "premises" in problems and "declaration" in problems
    assert not Application.objects.exists()


def test_a_double_submit_makes_one_set_of_cases(submitted, applicant):
    again = bundle_services.submit_bundle_application(
        bundle_application=submitted, actor=applicant, declaration=True, clock=CLOCK
    )
    assert again.pk == submitted.pk
    assert Application.objects.count() == 3
    assert _draft(submitted.bundle, applicant).pk == submitted.pk  # the same idempotency key


def test_an_upload_for_a_material_not_asked_is_refused(bundle, applicant):
    draft = _draft(bundle, applicant)
    with pytest.raises(ValidationError, match="不属于本一件事"):
        bundle_services.attach_bundle_material(bundle_application=draft, key="name|营业执照|applicant", file=pdf())
    assert not draft.uploads.exists()


def test_submitting_the_draft_page_incomplete_is_422_with_the_message_and_no_case(client, bundle, applicant):
    draft = _draft(bundle, applicant)
    client.force_login(applicant)
    assert "本人申请" in client.get(reverse("applications:bundle_start", args=[bundle.code])).content.decode()
    url = reverse("applications:bundle", args=[draft.pk])
    response = client.post(url, {"action": "submit", "f_applicant_name": "张三", "f_premises": "中山路1号"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "请上传：经营者身份证明" in html and "请阅读并确认承诺声明" in html
    assert not Application.objects.exists()
    assert decrypt_id_numbers(BundleApplication.objects.get().form_data)["premises"] == "中山路1号"  # kept
    assert client.post(url, {"action": "delete"}).status_code == 400


def test_a_blocked_part_and_the_bundle_page_read_in_english(client, submitted, applicant):
    from django.conf import settings
    from django.utils import translation

    from tests.portal.test_english import HAN, interface_han

    parts = _parts(submitted)
    _decide(parts["个体工商户设立登记"].application, "denied")
    food = BundlePart.objects.get(pk=parts["食品经营许可"].pk)
    assert food.note.startswith("“个体工商户设立登记”未获准予")  # the source text, as SMS and admin see it
    client.force_login(applicant)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):  # the request's English stays in the request
        html = client.get(reverse("applications:bundle", args=[submitted.pk])).content.decode()
    data = [
        "依法审查。",
        submitted.bundle.name,
        submitted.applicant_name,
        *(p.member.item.name for p in parts.values()),
    ]
    data += [p.member.item.department.name for p in parts.values()]
    assert not interface_han(html, sorted(data, key=len, reverse=True))
    assert "was not granted" in html
    notice = OutboxMessage.objects.get(idempotency_key=f"notify:bundle:{food.pk}:blocked")
    assert notice.payload["texts"]["title"]["text"] == "一件事：%(item)s未启动" and HAN.search(notice.payload["title"])
