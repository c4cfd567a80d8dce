"""出件 for an organisation's case: a person collects it (经办人 of record, 法定代表人, or a proxy with a letter);
a USCC typed as the recipient's number is refused, a company cannot sign for itself."""

import datetime as dt

import pytest
from django.urls import reverse

from applications import services as cases
from applications.models import Application
from applications.transitions import Actor
from portal.exceptions import DomainError
from portal.idnumbers import id_number_digest
from portal.models import Organization, OrganizationAgent, Role
from tests.factories import UserFactory, make_resident_id, next_uscc
from tests.windows.conftest import MONDAY, clock_at, pdf
from windows import services

S = Application.Status
AGENT_ID = make_resident_id(birth="19850612", seq="456")
LEGAL_REP_ID = make_resident_id(birth="19700101", seq="111")
ONLINE_AGENT_ID = make_resident_id(birth="19920202", seq="222")
STRANGER_ID = make_resident_id(birth="19700101", seq="999")
USCC = next_uscc()


@pytest.fixture
def company(db):
    Organization.objects.create(
        name="南京某某有限公司",
        uscc=USCC,
        legal_representative="赵六",
        legal_representative_id_digest=id_number_digest(LEGAL_REP_ID),
    )
    return cases.register_party(kind="organization", name="南京某某有限公司", id_type="uscc", id_number=USCC)


def _decide(application, department):
    handler, checker, approver = (UserFactory(department=department, roles=[Role.REVIEWER]) for _ in range(3))
    cases.pass_step(application=application, actor=handler, opinion="材料齐全", clock=clock_at(MONDAY, 14))
    cases.pass_step(application=application, actor=checker, opinion="同意", clock=clock_at(MONDAY, 15))
    cases.decide_application(
        application=application,
        actor=approver,
        actor_role=Actor.APPROVER,
        outcome="granted",
        reasons="符合法定条件。",
        clock=clock_at(MONDAY, 16),
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def walked_in(company, clerk_a, window_a, licensing_item, department_x):
    """A company's case filed at window A1 by its 经办人 王五, decided."""
    agent = cases.register_party(kind="person", name="王五", id_type="resident_id", id_number=AGENT_ID)
    application = services.file_walk_in(
        clerk=clerk_a,
        window=window_a,
        item=licensing_item,
        party=company,
        agent=agent,
        form_data={"applicant_name": "南京某某有限公司", "id_number": AGENT_ID},
        situation_options=[],
        received={licensing_item.materials.get().pk: (1, 1, None)},
        declaration_signed=True,
        clock=clock_at(MONDAY),
    )
    services.take_in_application(clerk=clerk_a, application=application, clock=clock_at(MONDAY, 11))
    return _decide(application, department_x)


@pytest.fixture
def online_agent(company):
    user = UserFactory(username="agent_li", real_name="李四", id_number_digest=id_number_digest(ONLINE_AGENT_ID))
    OrganizationAgent.objects.create(
        organization=Organization.objects.get(uscc=USCC), user=user, verified_at=clock_at(MONDAY, 8).now()
    )
    return user


@pytest.fixture
def filed_online(company, online_agent, clerk_a, licensing_item, department_x):
    """A company's case filed online by its verified 经办人 李四, taken in at window A1, decided."""
    clock = clock_at(MONDAY, 9)
    application = cases.start_application(
        user=online_agent, item=licensing_item, party=company, acting_as=Application.ActingAs.AGENT, clock=clock
    )
    application = cases.save_draft(
        application=application, form_data={"applicant_name": "南京某某有限公司", "id_number": ONLINE_AGENT_ID}
    )
    cases.attach_material(
        application=application,
        requirement=licensing_item.materials.get(),
        file=pdf(),
        actor=online_agent,
        clock=clock,
    )
    cases.submit_application(application=application, actor=online_agent, declaration=True, clock=clock)
    services.take_in_application(clerk=clerk_a, application=application, clock=clock_at(MONDAY, 11))
    return _decide(application, department_x)


def collect(clerk, application, number, **extra):
    return services.deliver_at_window(
        clerk=clerk,
        application=application,
        method="collect",
        recipient_name=extra.pop("name", "领取人"),
        recipient_id_number=number,
        clock=clock_at(MONDAY + dt.timedelta(days=1), 10),
        **extra,
    )


def test_the_agent_of_record_collects_a_walk_in_companys_result(walked_in, clerk_a):
    delivery = collect(clerk_a, walked_in, AGENT_ID, name="王五")
    assert not delivery.recipient_is_proxy
    walked_in.refresh_from_db()
    assert walked_in.status == S.CONCLUDED


def test_the_verified_online_agent_collects_with_his_own_id_number(filed_online, clerk_a):
    collect(clerk_a, filed_online, ONLINE_AGENT_ID, name="李四")
    filed_online.refresh_from_db()
    assert filed_online.status == S.CONCLUDED


def test_a_revoked_online_agent_no_longer_collects(filed_online, online_agent, clerk_a):
    online_agent.agencies.update(revoked_at=clock_at(MONDAY, 17).now())
    with pytest.raises(DomainError) as caught:
        collect(clerk_a, filed_online, ONLINE_AGENT_ID)
    assert caught.value.code == "recipient_mismatch"


def test_the_legal_representative_collects(filed_online, walked_in, clerk_a):
    for application in (walked_in, filed_online):
        collect(clerk_a, application, LEGAL_REP_ID, name="赵六")
        application.refresh_from_db()
        assert application.status == S.CONCLUDED


def test_a_proxy_with_a_letter_collects_a_companys_result(walked_in, clerk_a):
    delivery = collect(clerk_a, walked_in, STRANGER_ID, is_proxy=True, proxy_letter=pdf("委托书.pdf"))
    assert delivery.recipient_is_proxy


def test_a_stranger_without_a_letter_is_refused(walked_in, filed_online, clerk_a):
    for application in (walked_in, filed_online):
        with pytest.raises(DomainError) as caught:
            collect(clerk_a, application, STRANGER_ID)
        assert caught.value.code == "recipient_mismatch" and "授权委托书" in caught.value.message


def test_the_companys_uscc_is_refused_as_a_recipient(walked_in, clerk_a):
    with pytest.raises(DomainError) as caught:
        collect(clerk_a, walked_in, USCC.lower())
    assert caught.value.code == "recipient_is_organization" and "单位不能作为领取人" in caught.value.message
    walked_in.refresh_from_db()
    assert walked_in.status == S.DECIDED


def test_the_deliver_page_does_not_prefill_the_company_as_recipient(client_a, walked_in, decided):
    page = client_a.get(reverse("windows:deliver", kwargs={"number": walked_in.number})).content.decode()
    assert 'name="recipient_name"' in page and 'value="南京某某有限公司"' not in page
    person = client_a.get(reverse("windows:deliver", kwargs={"number": decided.number})).content.decode()
    assert 'value="张三"' in person


def test_over_http_the_uscc_is_refused_with_a_clear_message(client_a, walked_in):
    response = client_a.post(
        reverse("windows:deliver", kwargs={"number": walked_in.number}),
        {"method": "collect", "recipient_name": "南京某某有限公司", "recipient_id_number": USCC},
    )
    assert response.status_code == 422 and "单位不能作为领取人" in response.content.decode()
