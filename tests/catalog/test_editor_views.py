"""The editors' and publishers' pages over HTTP, signed in with the second factor passed."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import CheckboxSelectMultiple
from django.urls import reverse
from django.utils import timezone

from catalog.forms import DraftEditor
from catalog.models import ItemEvent, MaterialRequirement, ServiceItem
from catalog.services import item_spec
from tests.conftest import login_verified
from tests.factories import BasicItemFactory, MaterialRequirementFactory, ServiceItemFactory

Status = ServiceItem.Status
PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def url(name, *args):
    return reverse(f"catalog:{name}", args=args)


def form_data(item):
    """What a browser posts back from the edit page of ``item`` when nothing is changed."""
    editor = DraftEditor(item=item, spec=item_spec(item))
    data = {}
    forms_ = [editor.item_form]
    for formset in editor.formsets:
        forms_ += [formset.management_form, *formset.forms]
    for form in forms_:
        for field in form:
            if field.widget_type == "file":
                continue
            value = field.value()
            if isinstance(field.field.widget, CheckboxSelectMultiple):
                data[field.html_name] = [str(v) for v in value or []]
            elif field.widget_type == "checkbox":
                if value:
                    data[field.html_name] = "on"
            elif value is None:
                data[field.html_name] = ""
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = str(value)
    return data


@pytest.fixture
def x_draft(department_x):
    item = ServiceItemFactory(department=department_x, draft=True, name="食品经营许可（草稿）")
    MaterialRequirementFactory(item=item, name="营业执照")
    return item


@pytest.fixture
def y_draft(department_y):
    return ServiceItemFactory(department=department_y, draft=True, name="药品经营许可（草稿）")


@pytest.fixture
def y_published(department_y):
    return ServiceItemFactory(department=department_y, name="药品经营许可")


@pytest.fixture
def as_editor_x(client, editor_x):
    return login_verified(client, editor_x)


@pytest.fixture
def as_publisher(client, publisher):
    return login_verified(client, publisher)


# --- Who gets in ------------------------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(url("editor_list"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_citizen_may_not_use_the_editor_pages(client, citizen, x_draft):
    client.force_login(citizen)
    assert client.get(url("editor_list")).status_code == 403
    assert client.get(url("editor_detail", x_draft.pk)).status_code == 403


def test_the_site_navigation_leads_editors_to_their_pages(as_editor_x, client, citizen):
    assert url("editor_list") in as_editor_x.get(reverse("portal:home")).content.decode()
    client.force_login(citizen)
    assert url("editor_list") not in client.get(reverse("portal:home")).content.decode()


def test_the_list_shows_my_departments_items_only(as_editor_x, x_draft, y_draft, y_published):
    response = as_editor_x.get(url("editor_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "食品经营许可（草稿）" in content
    assert "药品经营许可" not in content


def test_the_list_filters_by_status(as_editor_x, x_draft, department_x):
    ServiceItemFactory(department=department_x, name="已发布的事项")
    content = as_editor_x.get(url("editor_list"), {"status": "published"}).content.decode()
    assert "已发布的事项" in content and "食品经营许可（草稿）" not in content
    # An unknown status is ignored, not an error.
    assert as_editor_x.get(url("editor_list"), {"status": "<script>"}).status_code == 200


def test_an_editor_gets_404_for_another_departments_draft(as_editor_x, y_draft):
    for name in ("editor_detail", "editor_edit", "editor_history", "editor_diff"):
        assert as_editor_x.get(url(name, y_draft.pk)).status_code == 404, name
    assert as_editor_x.post(url("editor_submit", y_draft.pk)).status_code == 404


def test_an_editor_gets_403_editing_another_departments_published_item(as_editor_x, y_published):
    assert as_editor_x.get(url("editor_detail", y_published.pk)).status_code == 200
    assert as_editor_x.get(url("editor_edit", y_published.pk)).status_code == 403
    assert as_editor_x.post(url("editor_new_version", y_published.pk)).status_code == 403
    assert ServiceItem.objects.filter(code=y_published.code).count() == 1


def test_an_editor_may_not_publish(as_editor_x, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    response = as_editor_x.post(url("editor_publish", pending.pk))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_a_wrong_id_is_404(as_editor_x):
    assert as_editor_x.get("/items/manage/999999999/").status_code == 404


def test_actions_refuse_get(as_editor_x, x_draft):
    assert as_editor_x.get(url("editor_submit", x_draft.pk)).status_code == 405
    x_draft.refresh_from_db()
    assert x_draft.status == Status.DRAFT


# --- Create and edit --------------------------------------------------------------------------


def test_an_editor_creates_a_draft(as_editor_x, department_x, department_y):
    basic = BasicItemFactory(name="二级建造师注册")
    page = as_editor_x.get(url("editor_create")).content.decode()
    assert "二级建造师注册" in page and str(department_x) in page and str(department_y) not in page
    data = {
        "basic_item": basic.pk,
        "department": department_x.pk,
        "handling": "new",
        "statutory_days": "20",
        "promised_days": "5",
        "visits": "1",
        "visits_reason": "核验原件",
        "service_objects": ["natural_person"],
    }
    response = as_editor_x.post(url("editor_create"), data)
    item = ServiceItem.objects.get()
    assert response.status_code == 302 and response["Location"] == url("editor_edit", item.pk)
    assert (item.name, item.status, item.department) == ("二级建造师注册", Status.DRAFT, department_x)


def test_creating_with_a_rule_broken_is_422_and_writes_nothing(as_editor_x, department_x):
    data = {
        "basic_item": BasicItemFactory().pk,
        "department": department_x.pk,
        "handling": "new",
        "statutory_days": "20",
        "promised_days": "30",
        "visits": "1",
        "visits_reason": "核验原件",
        "service_objects": ["natural_person"],
    }
    response = as_editor_x.post(url("editor_create"), data)
    assert response.status_code == 422
    assert "不得超过法定办结时限" in response.content.decode()
    assert not ServiceItem.objects.exists()


def test_an_editor_cannot_create_for_another_department(as_editor_x, department_y):
    data = {"basic_item": BasicItemFactory().pk, "department": department_y.pk, "service_objects": ["natural_person"]}
    response = as_editor_x.post(url("editor_create"), data)
    assert response.status_code == 400
    assert not ServiceItem.objects.exists()


def test_the_edit_page_shows_every_section(as_editor_x, x_draft):
    content = as_editor_x.get(url("editor_edit", x_draft.pk)).content.decode()
    for heading in (
        "基本信息",
        "办理时限",
        "办理渠道",
        "申请材料",
        "办理情形",
        "情形选项",
        "审查环节",
        "收费项目",
        "常见问题",
    ):
        assert heading in content, heading
    assert 'for="id_item-promised_days"' in content


def test_saving_the_edit_form_updates_the_draft_and_its_history(as_editor_x, x_draft, editor_x):
    data = form_data(x_draft)
    data["item-promised_days"] = "7"
    data["materials-1-name"] = "身份证"
    data["materials-1-originals"] = "1"
    data["steps-0-kind"] = "handle"
    data["steps-0-limit_days"] = "3"
    data["faqs-0-question"] = "可以代办吗？"
    data["faqs-0-answer"] = "可以，须提交委托书。"
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    x_draft.refresh_from_db()
    assert x_draft.promised_days == 7
    assert list(x_draft.materials.values_list("name", flat=True)) == ["营业执照", "身份证"]
    assert x_draft.steps.get().limit_days == 3 and x_draft.faqs.get().question == "可以代办吗？"
    event = ItemEvent.objects.get(item=x_draft, action=ItemEvent.Action.EDITED)
    assert event.actor == editor_x and "promised_days" in {c["field"] for c in event.changes["changes"]}


def test_a_situation_option_links_the_materials_it_adds(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["situations-0-question"] = "是否委托他人办理？"
    data["options-0-situation"] = "1"
    data["options-0-label"] = "是"
    data["options-0-adds"] = ["营业执照"]
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 302
    option = x_draft.situations.get().options.get()
    assert [m.name for m in option.adds.all()] == ["营业执照"]


def test_promised_over_statutory_is_shown_in_the_form_and_changes_nothing(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["item-promised_days"] = "30"
    data["materials-0-name"] = "改名后的材料"
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 422
    content = response.content.decode()
    assert "承诺办结时限（30）不得超过法定办结时限（20）" in content
    assert 'aria-invalid="true"' in content
    x_draft.refresh_from_db()
    assert x_draft.promised_days == 10
    assert list(x_draft.materials.values_list("name", flat=True)) == ["营业执照"]
    assert not ItemEvent.objects.filter(item=x_draft, action=ItemEvent.Action.EDITED).exists()


def test_malformed_input_is_400(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["item-statutory_days"] = "二十"
    data["item-form_definition"] = "[{"
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 400
    assert "不是有效的 JSON" in response.content.decode()
    x_draft.refresh_from_db()
    assert x_draft.statutory_days == 20


def test_an_oversized_formset_is_refused(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["materials-TOTAL_FORMS"] = "5000"
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 400
    assert x_draft.materials.count() == 1


def test_a_blank_form_that_is_text_named_pdf_is_refused(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["materials-0-blank_form"] = SimpleUploadedFile("申请表.pdf", b"just some text", content_type="application/pdf")
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 400
    assert "文件内容不是允许的格式" in response.content.decode()
    assert not MaterialRequirement.objects.get(item=x_draft).blank_form


def test_a_real_pdf_blank_form_is_stored_and_can_be_downloaded(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["materials-0-blank_form"] = SimpleUploadedFile("申请表.pdf", PDF_BYTES, content_type="application/pdf")
    assert as_editor_x.post(url("editor_edit", x_draft.pk), data).status_code == 302
    material = MaterialRequirement.objects.get(item=x_draft)
    assert material.blank_form.name.endswith(".pdf")
    download = as_editor_x.get(url("editor_material_file", x_draft.pk, material.pk, "blank_form"))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    # Saving again without a new file keeps it.
    assert as_editor_x.post(url("editor_edit", x_draft.pk), form_data(x_draft)).status_code == 302
    assert MaterialRequirement.objects.get(item=x_draft).blank_form.name == material.blank_form.name


def test_a_blank_form_is_stored_under_a_random_name_and_downloads_named_after_the_material(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["materials-0-blank_form"] = SimpleUploadedFile("张三的申请表.pdf", PDF_BYTES, content_type="application/pdf")
    as_editor_x.post(url("editor_edit", x_draft.pk), data)

    material = MaterialRequirement.objects.get(item=x_draft)
    assert re.fullmatch(r"catalog/forms/\d{4}/[0-9a-f]{32}\.pdf", material.blank_form.name), material.blank_form.name
    download = as_editor_x.get(url("editor_material_file", x_draft.pk, material.pk, "blank_form"))
    assert quote(f"{material.name}（空白表格）.pdf") in download["Content-Disposition"]


def test_a_result_name_needs_a_sample_and_an_uploaded_one_satisfies_it(as_editor_x, x_draft):
    data = form_data(x_draft)
    data["item-result_name"] = "食品经营许可证"
    response = as_editor_x.post(url("editor_edit", x_draft.pk), data)
    assert response.status_code == 422 and "审批结果样本" in response.content.decode()
    data["item-result_sample"] = SimpleUploadedFile("样本.pdf", PDF_BYTES)
    assert as_editor_x.post(url("editor_edit", x_draft.pk), data).status_code == 302
    x_draft.refresh_from_db()
    assert x_draft.result_name == "食品经营许可证" and x_draft.result_sample


def test_another_departments_file_is_404(as_editor_x, y_draft):
    material = MaterialRequirementFactory(item=y_draft)
    material.blank_form.save("x.pdf", ContentFile(PDF_BYTES))
    assert as_editor_x.get(url("editor_material_file", y_draft.pk, material.pk, "blank_form")).status_code == 404


def test_a_missing_file_is_404(as_editor_x, x_draft):
    material = x_draft.materials.get()
    assert as_editor_x.get(url("editor_material_file", x_draft.pk, material.pk, "sample")).status_code == 404
    assert as_editor_x.get(url("editor_material_file", x_draft.pk, material.pk, "password")).status_code == 404


def test_only_a_draft_can_be_edited(as_editor_x, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    assert as_editor_x.get(url("editor_edit", pending.pk)).status_code == 409


# --- Submit, publish, return ------------------------------------------------------------------


def test_submit_then_publish_through_the_pages(client, editor_x, publisher, x_draft):
    login_verified(client, editor_x)
    assert client.post(url("editor_submit", x_draft.pk), {"comment": "请审核"}).status_code == 302
    assert client.post(url("editor_submit", x_draft.pk)).status_code == 409  # double submit
    login_verified(client, publisher)
    queue = client.get(url("editor_queue")).content.decode()
    assert "食品经营许可（草稿）" in queue
    assert "审核通过并发布" in client.get(url("editor_detail", x_draft.pk)).content.decode()
    assert client.post(url("editor_publish", x_draft.pk)).status_code == 302
    x_draft.refresh_from_db()
    assert (x_draft.status, x_draft.published_by) == (Status.PUBLISHED, publisher)
    assert client.post(url("editor_publish", x_draft.pk)).status_code == 409


def test_an_editor_may_not_open_the_queue(as_editor_x):
    assert as_editor_x.get(url("editor_queue")).status_code == 403


def test_returning_without_a_comment_is_422(as_publisher, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    response = as_publisher.post(url("editor_return", pending.pk), {"comment": "  "})
    assert response.status_code == 422 and "审核意见" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.PENDING_APPROVAL


def test_a_returned_draft_shows_the_comment_to_the_editor(client, editor_x, publisher, department_x):
    pending = ServiceItemFactory(department=department_x, pending=True)
    login_verified(client, publisher)
    assert client.post(url("editor_return", pending.pk), {"comment": "请补充收费依据。"}).status_code == 302
    login_verified(client, editor_x)
    assert "请补充收费依据。" in client.get(url("editor_detail", pending.pk)).content.decode()
    assert "请补充收费依据。" in client.get(url("editor_edit", pending.pk)).content.decode()


def test_a_new_version_and_then_a_second_one_is_refused(as_editor_x, department_x):
    published = ServiceItemFactory(department=department_x)
    response = as_editor_x.post(url("editor_new_version", published.pk))
    draft = ServiceItem.objects.get(code=published.code, version=2)
    assert response.status_code == 302 and response["Location"] == url("editor_edit", draft.pk)
    response = as_editor_x.post(url("editor_new_version", published.pk))
    assert response.status_code == 409 and "该事项已有未发布的草稿" in response.content.decode()


def test_discarding_a_draft(as_editor_x, x_draft):
    assert as_editor_x.post(url("editor_discard", x_draft.pk)).status_code == 302
    assert not ServiceItem.objects.filter(pk=x_draft.pk).exists()


def test_a_publisher_suspends_a_published_item(as_publisher, department_x):
    published = ServiceItemFactory(department=department_x)
    today = timezone.localdate()
    data = {"lifecycle": "suspended", "effective_on": today.isoformat(), "reason": "系统升级暂停受理"}
    assert as_publisher.post(url("editor_lifecycle", published.pk), data).status_code == 302
    published.refresh_from_db()
    assert (published.lifecycle, published.lifecycle_effective_on) == ("suspended", today)


def test_a_lifecycle_change_in_the_past_is_422(as_publisher, department_x):
    published = ServiceItemFactory(department=department_x)
    past = timezone.localdate() - dt.timedelta(days=3)
    data = {"lifecycle": "cancelled", "effective_on": past.isoformat(), "reason": "撤销"}
    response = as_publisher.post(url("editor_lifecycle", published.pk), data)
    assert response.status_code == 422 and "生效日期不能早于今天" in response.content.decode()
    published.refresh_from_db()
    assert published.lifecycle == "in_force"


# --- Diff and history -------------------------------------------------------------------------


@pytest.fixture
def two_versions(client, editor_x, department_x):
    from catalog import services

    v1 = ServiceItemFactory(department=department_x)
    v2 = services.start_new_version(actor=editor_x, item=v1)
    services.update_draft(actor=editor_x, item=v2, spec={"promised_days": 6})
    return v1, v2


def test_the_diff_page_shows_the_two_versions_side_by_side(as_editor_x, two_versions):
    v1, v2 = two_versions
    response = as_editor_x.get(url("editor_diff", v2.pk))
    content = response.content.decode()
    assert response.status_code == 200
    assert "承诺办结时限" in content and "<del>10</del>" in content and "<ins>6</ins>" in content
    explicit = as_editor_x.get(url("editor_diff", v2.pk), {"old": 2, "new": 1}).content.decode()
    assert "<del>6</del>" in explicit and "<ins>10</ins>" in explicit


@pytest.mark.parametrize("params", [{"old": 1, "new": 99}, {"old": "x", "new": 1}, {"old": 1}])
def test_the_diff_page_refuses_unknown_versions(as_editor_x, two_versions, params):
    assert as_editor_x.get(url("editor_diff", two_versions[1].pk), params).status_code == 400


def test_the_history_page_lists_who_did_what(as_editor_x, two_versions):
    content = as_editor_x.get(url("editor_history", two_versions[1].pk)).content.decode()
    assert "修改" in content and "editor_x" in content and "基于第 1 版创建新版本" in content
    assert "承诺办结时限" in content


def test_another_editor_does_not_see_the_drafts_history(client, editor_y, two_versions):
    login_verified(client, editor_y)
    v1, v2 = two_versions
    assert client.get(url("editor_history", v2.pk)).status_code == 404
    content = client.get(url("editor_history", v1.pk)).content.decode()
    assert "基于第 1 版创建新版本" not in content
