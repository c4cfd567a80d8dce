"""The guide (办事指南): page, tailored material list, lifecycle banners and the printable PDF."""

import datetime as dt
import subprocess
from urllib.parse import quote

import pytest

from catalog import selectors
from catalog.models import (
    FAQ,
    Fee,
    MaterialRequirement,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)
from tests.factories import MaterialRequirementFactory, ProcessStepFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db

FAR_PAST = dt.date(2001, 3, 1)
FAR_FUTURE = dt.date(2099, 12, 31)


@pytest.fixture
def item(department_x):
    """个体工商户设立登记 with every guide field, two situations and an e-licence material."""
    item = ServiceItemFactory(
        name="个体工商户设立登记",
        common_names="营业执照",
        department=department_x,
        basic_item__code="000125001000",
        basic_item__competent_authority="市场监督管理部门",
        acceptance_conditions="申请人具有经营能力，经营场所符合规定。",
        process_description="申请→受理→审查→决定→送达",
        statutory_days=15,
        promised_days=3,
        extension_days=10,
        special_procedures=["site_inspection"],
        has_fee=True,
        result_name="个体工商户营业执照",
        result_type=ServiceItem.ResultType.CERTIFICATE,
        accepts_on_mobile=True,
        accepts_by_post=True,
        online_url="https://zwfw.example.gov.cn/apply/gtgsh",
        visits=1,
        visits_reason="领取营业执照",
        supports_appointment=True,
        cross_region=ServiceItem.CrossRegion.PROVINCE,
        place="玄武区政务服务中心二楼B12窗口",
        office_hours="周一至周五 9:00-17:00（法定节假日除外）",
        consult_phone="025-84001234",
        complaint_phone="12345",
        basis="《促进个体工商户发展条例》第八条",
        service_objects=["natural_person"],
    )
    form = MaterialRequirementFactory(item=item, order=1, name="个体工商户开业登记申请书", material_type="表格")
    MaterialRequirementFactory(
        item=item, order=2, name="经营者身份证明", source=MaterialRequirement.Source.LICENSE, license_code="ID"
    )
    lease = MaterialRequirementFactory(item=item, order=3, name="经营场所使用证明", copies=1)
    proxy = MaterialRequirementFactory(item=item, order=4, name="委托代理人身份证明及授权委托书", is_situational=True)
    family = MaterialRequirementFactory(item=item, order=5, name="家庭成员关系证明", is_situational=True)
    who = Situation.objects.create(item=item, order=1, question="由谁办理？")
    in_person = SituationOption.objects.create(situation=who, order=1, label="经营者本人办理")
    by_proxy = SituationOption.objects.create(situation=who, order=2, label="委托他人代为办理")
    by_proxy.adds.add(proxy)
    place = Situation.objects.create(item=item, order=2, question="经营场所是否为自有住房？")
    own_home = SituationOption.objects.create(situation=place, order=1, label="是，家庭自有住房")
    own_home.adds.add(family)
    own_home.drops.add(lease)
    rented = SituationOption.objects.create(situation=place, order=2, label="否，租赁场所")
    ProcessStepFactory(item=item, order=1, kind="handle", limit_days=1, description="审查申请材料")
    ProcessStepFactory(item=item, order=2, kind="approve", limit_days=2, description="作出登记决定")
    Fee.objects.create(item=item, name="登记费", standard="免收", amount_yuan=0, basis="财税〔2012〕97号")
    FAQ.objects.create(item=item, question="可以网上办理吗？", answer="可以，全程网办。")
    item.topics.add(Topic.objects.create(code="start-business", name="开办企业", audience=Topic.Audience.BUSINESS))
    item.refs = {
        "form": form, "lease": lease, "proxy": proxy, "family": family,
        "who": who, "in_person": in_person, "by_proxy": by_proxy,
        "place": place, "own_home": own_home, "rented": rented,
    }  # fmt: skip
    return item


def material_names(response) -> list[str]:
    return [m.name for m in response.context["materials"]]


def test_the_guide_shows_every_section_of_the_implementation_list(client, item):
    response = client.get(f"/items/{item.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("基本信息", "受理条件", "申请材料", "办理流程", "办理时限", "收费", "审批结果",
                    "办理渠道、地点、时间与电话", "常见问题", "设定依据"):  # fmt: skip
        assert f">{heading}</h2>" in html
    for text in (
        item.code, "000125001000", "行政许可", "新设", "行政审批局", "市场监督管理部门", "自然人", "全省通办",
        "申请人具有经营能力", "申请→受理→审查→决定→送达", "审查申请材料", "作出登记决定", "合计 3 个工作日", "现场勘验",
        "法定办结时限", "15 工作日", "承诺办结时限", "3 工作日", "承诺件", "登记费", "财税〔2012〕97号",
        "个体工商户营业执照", "出证", "窗口办理", "掌上办理", "邮寄办理", "https://zwfw.example.gov.cn/apply/gtgsh",
        "Ⅲ 在线预审", "1 次", "领取营业执照", "支持预约", "玄武区政务服务中心二楼B12窗口", "周一至周五",
        "025-84001234", "12345", "可以网上办理吗？", "可以，全程网办。", "《促进个体工商户发展条例》第八条", "开办企业",
    ):  # fmt: skip
        assert text in html, text


def test_an_immediate_item_says_so_in_its_time_limits(client):
    item = ServiceItemFactory(is_immediate=True, promised_days=0)
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "即办件（当场办结）" in html


def test_calendar_day_limits_show_their_unit(client):
    item = ServiceItemFactory(statutory_unit=ServiceItem.TimeUnit.CALENDAR_DAY)
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "20 自然日" in html


def test_without_a_choice_the_guide_lists_the_base_materials(client, item):
    assert material_names(client.get(f"/items/{item.code}/")) == [
        "个体工商户开业登记申请书", "经营者身份证明", "经营场所使用证明",
    ]  # fmt: skip


def test_the_guide_asks_the_situation_questions_as_radio_buttons(client, item):
    html = client.get(f"/items/{item.code}/").content.decode()
    r = item.refs
    assert "由谁办理？" in html and "经营场所是否为自有住房？" in html
    assert f'type="radio" name="s{r["who"].id}" value="{r["by_proxy"].id}"' in html
    assert 'id="situation-form" method="get"' in html


def test_chosen_options_tailor_the_material_list(client, item):
    r = item.refs
    query = {f"s{r['who'].id}": r["by_proxy"].id, f"s{r['place'].id}": r["own_home"].id}
    response = client.get(f"/items/{item.code}/", query)
    assert material_names(response) == [
        "个体工商户开业登记申请书", "经营者身份证明", "委托代理人身份证明及授权委托书", "家庭成员关系证明",
    ]  # fmt: skip
    html = response.content.decode()
    assert f'value="{r["by_proxy"].id}" checked' in html
    assert f'value="{r["own_home"].id}" checked' in html
    assert f"guide.pdf?s{r['who'].id}={r['by_proxy'].id}&amp;s{r['place'].id}={r['own_home'].id}" in html


def test_an_option_that_adds_nothing_keeps_the_base_list(client, item):
    r = item.refs
    response = client.get(f"/items/{item.code}/", {f"s{r['who'].id}": r["in_person"].id})
    assert "委托代理人身份证明及授权委托书" not in material_names(response)
    assert len(material_names(response)) == 3


def test_an_e_licence_material_is_marked_as_not_to_be_submitted(client, item):
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "免提交（电子证照）" in html
    assert html.count("免提交（电子证照）") == 1


def test_option_ids_of_another_item_are_ignored(client, item):
    other = ServiceItemFactory()
    extra = MaterialRequirementFactory(item=other, name="别的事项的材料", is_situational=True)
    question = Situation.objects.create(item=other, question="别的问题")
    foreign = SituationOption.objects.create(situation=question, label="别的选项")
    foreign.adds.add(extra)
    foreign.drops.add(item.refs["form"])  # a foreign option naming this item's material changes nothing
    response = client.get(
        f"/items/{item.code}/", {f"s{question.id}": foreign.id, f"s{item.refs['who'].id}": foreign.id}
    )
    assert response.status_code == 200
    assert material_names(response) == ["个体工商户开业登记申请书", "经营者身份证明", "经营场所使用证明"]


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "", "99999999999999999999999", "１", "1 OR 1=1"])
def test_garbage_option_values_are_ignored(client, item, value):
    response = client.get(f"/items/{item.code}/", {f"s{item.refs['who'].id}": value, "s99999999999999999999": "1"})
    assert response.status_code == 200
    assert len(material_names(response)) == 3


def test_a_nul_byte_in_an_option_value_is_refused(client, item):
    response = client.get(f"/items/{item.code}/", {f"s{item.refs['who'].id}": "\x00"})
    assert response.status_code == 400


def test_materials_for_applies_adds_and_drops(item):
    r = item.refs
    names = [m.name for m in selectors.materials_for(item, [r["own_home"].id])]
    assert names == ["个体工商户开业登记申请书", "经营者身份证明", "家庭成员关系证明"]


def test_materials_for_accepts_ids_as_strings_and_ignores_garbage(item):
    r = item.refs
    chosen = selectors.materials_for(item, [str(r["by_proxy"].id), "x", None, -3, 2**70])
    assert r["proxy"] in chosen


def test_materials_for_takes_one_option_per_situation_the_first_given(item):
    r = item.refs
    assert r["proxy"] not in selectors.materials_for(item, [r["in_person"].id, r["by_proxy"].id])
    assert r["proxy"] in selectors.materials_for(item, [r["by_proxy"].id, r["in_person"].id])


def test_a_drop_wins_over_an_add_of_the_same_material(item):
    r = item.refs
    r["by_proxy"].adds.add(r["lease"])  # a proxy brings the lease, a home owner is exempt from it
    assert r["lease"] not in selectors.materials_for(item, [r["by_proxy"].id, r["own_home"].id])
    assert r["lease"] in selectors.materials_for(item, [r["by_proxy"].id, r["rented"].id])


def test_an_option_cannot_add_another_items_material(item):
    stranger = MaterialRequirementFactory(name="外来材料", is_situational=True)
    item.refs["by_proxy"].adds.add(stranger)
    assert stranger not in selectors.materials_for(item, [item.refs["by_proxy"].id])


def test_a_draft_only_code_is_not_found(client):
    draft = ServiceItemFactory(draft=True)
    response = client.get(f"/items/{draft.code}/")
    assert response.status_code == 404
    assert "未找到该事项" in response.content.decode()


@pytest.mark.parametrize("status", [ServiceItem.Status.PENDING_APPROVAL, ServiceItem.Status.RETIRED])
def test_pending_and_retired_versions_are_not_served(client, status):
    version = ServiceItemFactory(status=status)
    assert client.get(f"/items/{version.code}/").status_code == 404
    assert client.get(f"/items/{version.code}/guide.pdf").status_code == 404


def test_the_guide_shows_the_published_version_not_the_open_draft(client, item):
    ServiceItemFactory(code=item.code, version=2, draft=True, name="个体工商户设立登记（修订草稿）")
    ServiceItemFactory(code=item.code, version=0, status=ServiceItem.Status.RETIRED, name="旧名称")
    response = client.get(f"/items/{item.code}/")
    assert response.context["item"].pk == item.pk
    html = response.content.decode()
    assert "修订草稿" not in html and "旧名称" not in html


def test_an_unknown_code_is_not_found(client, db):
    assert client.get("/items/NO-SUCH-CODE/").status_code == 404


def test_a_suspended_item_shows_a_banner_with_the_date_and_no_apply_link(client, item):
    item.lifecycle, item.lifecycle_effective_on = ServiceItem.Lifecycle.SUSPENDED, FAR_PAST
    item.save()
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "本事项已于2001年3月1日起暂停办理。" in html
    assert "在线办理</a>" not in html


def test_a_cancelled_item_is_still_shown_with_its_banner_and_no_apply_link(client, item):
    item.lifecycle, item.lifecycle_effective_on = ServiceItem.Lifecycle.CANCELLED, FAR_PAST
    item.save()
    response = client.get(f"/items/{item.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "本事项已于2001年3月1日起取消。" in html
    assert "在线办理</a>" not in html
    assert "个体工商户开业登记申请书" in html


def test_a_coming_cancellation_is_announced_and_the_item_can_still_be_applied_for(client, item):
    item.lifecycle, item.lifecycle_effective_on = ServiceItem.Lifecycle.CANCELLED, FAR_FUTURE
    item.save()
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "本事项将于2099年12月31日起取消。" in html
    assert "在线办理</a>" in html


def test_an_item_in_force_has_no_banner_and_an_apply_link(client, item):
    html = client.get(f"/items/{item.code}/").content.decode()
    assert "guide-banner" not in html
    assert "在线办理</a>" in html


def test_availability_without_an_effective_date_takes_effect_at_once(item):
    item.lifecycle = ServiceItem.Lifecycle.SUSPENDED
    result = selectors.availability(item, today=dt.date(2026, 3, 2))
    assert not result.is_open and result.banner == "本事项已暂停办理。"


def test_availability_starts_on_the_effective_day(item):
    item.lifecycle, item.lifecycle_effective_on = ServiceItem.Lifecycle.SUSPENDED, dt.date(2026, 3, 2)
    assert selectors.availability(item, today=dt.date(2026, 3, 1)).is_open
    assert not selectors.availability(item, today=dt.date(2026, 3, 2)).is_open


def test_the_guide_takes_a_bounded_number_of_queries(client, item, django_assert_max_num_queries):
    r = item.refs
    with django_assert_max_num_queries(16):
        client.get(f"/items/{item.code}/", {f"s{r['who'].id}": r["by_proxy"].id})


def test_the_guide_only_answers_safe_methods(client, item):
    assert client.post(f"/items/{item.code}/").status_code == 405


# --- The printable guide (PDF) ------------------------------------------------------------


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "guide.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(text.split())  # table cells wrap Chinese anywhere


def test_the_guide_pdf_is_a_pdf_with_the_item_and_its_materials_in_chinese(client, item, tmp_path):
    response = client.get(f"/items/{item.code}/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "个体工商户设立登记" in text
    assert "个体工商户开业登记申请书" in text
    assert "免提交（电子证照）" in text
    assert "委托代理人身份证明及授权委托书" not in text


def test_the_guide_pdf_lists_the_materials_of_the_chosen_situation(client, item, tmp_path):
    r = item.refs
    response = client.get(f"/items/{item.code}/guide.pdf", {f"s{r['who'].id}": r["by_proxy"].id})
    text = pdf_text(response.content, tmp_path)
    assert "委托代理人身份证明及授权委托书" in text
    assert "委托他人代为办理" in text


def test_the_guide_pdf_is_private_and_named_after_the_item(client, item):
    response = client.get(f"/items/{item.code}/guide.pdf")
    assert "private" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" + quote("个体工商户设立登记办事指南.pdf") in disposition
    assert disposition.encode("latin-1")  # the header itself stays ASCII-safe


def test_the_guide_pdf_of_a_cancelled_item_carries_the_banner(client, item, tmp_path):
    item.lifecycle, item.lifecycle_effective_on = ServiceItem.Lifecycle.CANCELLED, FAR_PAST
    item.save()
    text = pdf_text(client.get(f"/items/{item.code}/guide.pdf").content, tmp_path)
    assert "本事项已于2001年3月1日起取消。" in text


def test_the_guide_pdf_of_a_draft_is_not_found(client):
    draft = ServiceItemFactory(draft=True)
    assert client.get(f"/items/{draft.code}/guide.pdf").status_code == 404
