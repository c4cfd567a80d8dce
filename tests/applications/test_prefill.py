"""The form asks again only for what the portal does not know (issue 9, item 9).

Alice (张三) is a verified citizen with her own ID number; she applies for herself, and as the 经办人 of
a company. An item only for legal persons tells a person at the start.
"""

import pytest
from django.core.exceptions import ValidationError

from applications import services
from applications.forms_runtime import decrypt_id_numbers
from applications.models import Application
from portal.idnumbers import id_number_digest
from tests.factories import ServiceItemFactory, make_resident_id, next_uscc

ALICE_ID = make_resident_id(birth="19900101", seq="123")
PERSON_FIELDS = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
    {"name": "applicant_id_number", "label": "公民身份号码", "type": "id_number", "required": True},
    {"name": "applicant_phone", "label": "手机号码", "type": "phone", "required": True},
    {"name": "purpose", "label": "用途", "type": "text", "required": True},
]
BUSINESS_FIELDS = [
    {"name": "organization_name", "label": "单位名称", "type": "text", "required": True},
    {"name": "organization_uscc", "label": "统一社会信用代码", "type": "uscc", "required": True},
    {"name": "legal_representative", "label": "法定代表人", "type": "text", "required": True},
    {"name": "agent_name", "label": "经办人姓名", "type": "text", "required": True},
    {"name": "agent_id_number", "label": "经办人公民身份号码", "type": "id_number", "required": True},
    {"name": "agent_phone", "label": "经办人手机号码", "type": "phone", "required": True},
]


@pytest.fixture
def alice(citizen):
    citizen.id_number_digest, citizen.phone = id_number_digest(ALICE_ID), "13800138000"
    citizen.save(update_fields=["id_number_digest", "phone"])
    return citizen


@pytest.fixture
def herself(alice):
    return services.register_party(
        kind="person", name="张三", id_type="resident_id", id_number=ALICE_ID, phone="13800138000"
    )


def test_applying_for_herself_fills_in_her_name_number_and_phone(alice, herself, department_x, calendar_2026):
    item = ServiceItemFactory(department=department_x, form_definition=PERSON_FIELDS)
    draft = services.start_application(user=alice, item=item, party=herself)
    form = decrypt_id_numbers(draft.form_data)
    assert form == {"applicant_name": "张三", "applicant_id_number": ALICE_ID, "applicant_phone": "13800138000"}
    # Stored encrypted like anything typed into the form.
    assert draft.form_data["applicant_id_number"]["masked"] != ALICE_ID


def test_applying_for_a_company_fills_in_the_company_and_its_agent(alice, herself, department_x, calendar_2026):
    item = ServiceItemFactory(department=department_x, form_definition=BUSINESS_FIELDS, service_objects=["enterprise"])
    uscc = next_uscc()
    company = services.register_party(
        kind="organization", name="玄武示例科技有限公司", id_type="uscc", id_number=uscc, legal_representative="王五"
    )
    draft = services.start_application(user=alice, item=item, party=company, acting_as=Application.ActingAs.AGENT)
    assert decrypt_id_numbers(draft.form_data) == {
        "organization_name": "玄武示例科技有限公司",
        "organization_uscc": uscc,
        "legal_representative": "王五",
        "agent_name": "张三",
        "agent_id_number": ALICE_ID,
        "agent_phone": "13800138000",
    }
    # Editable: what the applicant types replaces what was filled in.
    services.save_draft(
        application=draft, form_data={**decrypt_id_numbers(draft.form_data), "agent_phone": "13900139000"}
    )
    assert decrypt_id_numbers(Application.objects.get(pk=draft.pk).form_data)["agent_phone"] == "13900139000"


def test_a_person_is_told_at_the_start_that_the_item_is_for_legal_persons(alice, herself, department_x, calendar_2026):
    item = ServiceItemFactory(department=department_x, service_objects=["enterprise", "institution"])
    with pytest.raises(ValidationError) as caught:
        services.start_application(user=alice, item=item, party=herself)
    assert "服务对象为法人或其他组织" in str(caught.value)
    assert not Application.objects.exists()
