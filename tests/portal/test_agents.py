"""Organisation agents (经办人): the registry defines the company, an authorisation waits for its verification.

Alice (citizen) asks to act for a company whose legal representative is Carol; Bob (other_citizen) is a
stranger who must neither become its agent nor see its people; a clerk checks sealed letters at a window.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.access import applications_visible_to
from portal import services
from portal.exceptions import DomainError, InvalidTransition, PermissionDenied
from portal.models import AuditEvent, Organization, OrganizationAgent, OutboxMessage, Role, User
from tests.conftest import login_verified
from tests.factories import UserFactory, make_resident_id, make_uscc, registered_organization

AGENT_URL = "/accounts/organizations/register/"
PROFILE_URL = "/accounts/profile/"
ALICE_ID = make_resident_id(area="320102", birth="19900307", seq="123")
BOB_ID = make_resident_id(area="320104", birth="19851111", seq="456")
CAROL_ID = make_resident_id(area="320115", birth="19700101", seq="789")
USCC = make_uscc("91320100MA1XYQ012")
COMPANY = "南京示例科技有限公司"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "授权委托书.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def agent_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"uscc": USCC, "authorization_letter": pdf()}
    data.update(overrides)
    return data


@pytest.fixture
def company(db):
    return registered_organization(uscc=USCC, name=COMPANY, legal_representative="孙七", id_number=CAROL_ID)


@pytest.fixture
def alice(citizen, company):
    return services.verify_real_name(user=citizen, real_name="张三", id_number=ALICE_ID)


@pytest.fixture
def bob(other_citizen, company):
    return services.verify_real_name(user=other_citizen, real_name="李四", id_number=BOB_ID)


@pytest.fixture
def carol(company):
    """The company's legal representative, with her own verified account."""
    user = UserFactory(username="13900000077", phone="13900000077", roles=[Role.CITIZEN])
    return services.verify_real_name(user=user, real_name="孙七", id_number=CAROL_ID)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk_agents", roles=[Role.CLERK], real_name="刘洋")


@pytest.fixture
def alices_request(alice):
    return services.register_organization_agent(user=alice, uscc=USCC, authorization_letter=pdf())


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- Asking to act for a company --------------------------------------------------------------


def test_an_agent_with_a_letter_stays_pending_and_sees_nothing_of_the_company(client, alice):
    client.force_login(alice)

    response = client.post(AGENT_URL, agent_form())

    assert response.status_code == 302
    agent = OrganizationAgent.objects.get(user=alice)
    assert agent.is_pending and not agent.is_active
    assert not fresh(alice).has_role(Role.ENTERPRISE)
    assert not OrganizationAgent.objects.active().exists()
    # Stored under a generated name; the uploader's name is not kept.
    assert agent.authorization_letter.name.endswith(".pdf")
    assert "授权委托书" not in agent.authorization_letter.name
    assert AuditEvent.objects.filter(action="organization.agent_registered", object_id=str(agent.pk)).exists()
    assert "待核验" in client.get(PROFILE_URL).content.decode()


def test_the_companys_facts_come_from_the_registry_not_from_the_registrant(alice):
    services.register_organization_agent(user=alice, uscc=USCC, authorization_letter=pdf())

    organization = Organization.objects.get(uscc=USCC)
    assert organization.name == COMPANY
    assert organization.legal_representative == "孙七"


def test_a_code_the_registry_does_not_know_is_refused_and_nothing_is_written(client, alice):
    client.force_login(alice)
    unknown = make_uscc("91320100MA1XYQ099")

    response = client.post(AGENT_URL, agent_form(uscc=unknown))

    assert response.status_code == 422
    assert "登记机关未查到" in response.content.decode()
    assert not Organization.objects.filter(uscc=unknown).exists()
    assert not OrganizationAgent.objects.exists()


def test_a_stranger_typing_the_legal_representatives_name_is_not_the_legal_representative(client, company):
    """Names are public: only the registry's ID digest makes an account the legal representative's."""
    user = UserFactory(username="13900000088", phone="13900000088", roles=[Role.CITIZEN])
    impostor = services.verify_real_name(user=user, real_name="孙七", id_number=BOB_ID)
    client.force_login(impostor)

    response = client.post(AGENT_URL, agent_form(is_legal_representative="on", authorization_letter=""))

    assert response.status_code == 422
    assert "与登记机关登记的法定代表人不一致" in response.content.decode()
    assert not OrganizationAgent.objects.exists()


def test_the_legal_representative_is_verified_at_once_by_the_registrys_id(client, carol):
    client.force_login(carol)

    response = client.post(AGENT_URL, agent_form(is_legal_representative="on", authorization_letter=""))

    assert response.status_code == 302
    agent = OrganizationAgent.objects.get(user=carol)
    assert agent.is_active
    assert agent.verified_via == OrganizationAgent.VerifiedVia.LEGAL_REPRESENTATIVE
    assert fresh(carol).has_role(Role.ENTERPRISE)


def test_a_pending_request_tells_the_legal_representative_and_the_agents(alice, carol):
    services.register_organization_agent(user=carol, uscc=USCC, is_legal_representative=True)

    services.register_organization_agent(user=alice, uscc=USCC, authorization_letter=pdf())

    told = OutboxMessage.objects.filter(kind="notification", payload__user_id=carol.pk)
    assert told.filter(payload__title__icontains="申请成为经办人").count() == 1


def test_asking_twice_while_pending_is_refused(alice, alices_request):
    with pytest.raises(DomainError, match="正在等待核验"):
        services.register_organization_agent(user=alice, uscc=USCC, authorization_letter=pdf())
    assert OrganizationAgent.objects.count() == 1


def test_an_unverified_user_cannot_ask(citizen, company):
    with pytest.raises(DomainError, match="请先完成实名认证"):
        services.register_organization_agent(user=citizen, uscc=USCC, authorization_letter=pdf())


def test_the_service_checks_the_letter_too(alice):
    with pytest.raises(Exception, match="文件内容不是允许的格式"):
        services.register_organization_agent(user=alice, uscc=USCC, authorization_letter=pdf(content=b"plain text"))
    assert not OrganizationAgent.objects.exists()


@pytest.mark.parametrize(
    "uscc",
    [
        USCC[:-1] + ("0" if USCC[-1] != "0" else "1"),  # wrong check character
        USCC[:-2],  # too short
        USCC[:-1] + "I",  # I is not in the GB 32100 alphabet
    ],
)
def test_it_refuses_a_wrong_uscc(client, alice, uscc):
    client.force_login(alice)

    response = client.post(AGENT_URL, agent_form(uscc=uscc))

    assert response.status_code == 400
    assert response.context["form"].errors["uscc"]
    assert not OrganizationAgent.objects.exists()


def test_it_refuses_a_fake_pdf_an_oversized_or_a_missing_letter(client, alice, settings):
    client.force_login(alice)
    settings.UPLOAD_MAX_BYTES = 1024

    fake = client.post(AGENT_URL, agent_form(authorization_letter=pdf(content=b"I am not a PDF, only text.\n")))
    big = client.post(AGENT_URL, agent_form(authorization_letter=pdf(content=PDF_BYTES + b"0" * 2048)))
    missing = client.post(AGENT_URL, agent_form(authorization_letter=""))

    assert fake.status_code == big.status_code == missing.status_code == 400
    assert "文件内容不是允许的格式" in fake.content.decode()
    assert "文件过大" in big.content.decode()
    assert "请上传加盖单位公章的授权委托书" in missing.content.decode()
    assert not OrganizationAgent.objects.exists()


# --- Verification -----------------------------------------------------------------------------


def test_the_legal_representative_confirms_a_pending_agent_from_her_account(client, alices_request, carol):
    client.force_login(carol)
    assert "确认授权" in client.get(PROFILE_URL).content.decode()

    response = client.post(f"/accounts/agents/{alices_request.pk}/confirm/")

    assert response.status_code == 302
    alices_request.refresh_from_db()
    assert alices_request.is_active
    assert alices_request.verified_by == carol
    assert alices_request.verified_via == OrganizationAgent.VerifiedVia.CONFIRMED
    assert fresh(alices_request.user).has_role(Role.ENTERPRISE)


def test_only_the_legal_representative_may_confirm(alices_request, bob):
    with pytest.raises(PermissionDenied):
        services.confirm_agent(agent=alices_request, actor=bob)
    with pytest.raises(PermissionDenied):
        services.confirm_agent(agent=alices_request, actor=alices_request.user)
    alices_request.refresh_from_db()
    assert alices_request.is_pending


def test_a_stranger_cannot_confirm_over_http_and_learns_nothing(client, alices_request, bob):
    client.force_login(bob)

    response = client.post(f"/accounts/agents/{alices_request.pk}/confirm/")

    assert response.status_code == 404
    alices_request.refresh_from_db()
    assert alices_request.is_pending


def test_a_clerk_verifies_the_sealed_letter_at_a_window(client, alices_request, clerk):
    login_verified(client, clerk)
    listing = client.get("/accounts/agents/window/", {"uscc": USCC})
    assert listing.status_code == 200
    assert COMPANY in listing.content.decode()

    response = client.post("/accounts/agents/window/", {"agent": alices_request.pk})

    assert response.status_code == 302
    alices_request.refresh_from_db()
    assert alices_request.is_active
    assert alices_request.verified_via == OrganizationAgent.VerifiedVia.WINDOW
    assert AuditEvent.objects.filter(action="organization.agent_verified", actor=clerk).exists()


def test_the_window_page_is_for_clerks_only(client, alices_request, bob):
    client.force_login(bob)

    assert client.get("/accounts/agents/window/", {"uscc": USCC}).status_code == 404
    assert client.post("/accounts/agents/window/", {"agent": alices_request.pk}).status_code == 404
    alices_request.refresh_from_db()
    assert alices_request.is_pending


def test_verifying_twice_is_a_conflict(alices_request, clerk):
    services.verify_agent_at_window(agent=alices_request, clerk=clerk)

    with pytest.raises(InvalidTransition):
        services.verify_agent_at_window(agent=alices_request, clerk=clerk)


def test_a_pending_agent_sees_no_case_of_the_company_until_verified(alices_request, carol):
    from applications.models import Application, Party
    from applications.services import register_party
    from tests.factories import ServiceItemFactory

    party = register_party(kind=Party.Kind.ORGANIZATION, name=COMPANY, id_type=Party.IdType.USCC, id_number=USCC)
    item = ServiceItemFactory()
    case = Application.objects.create(
        item=item, department=item.department, party=party, status=Application.Status.SUBMITTED, number="T-AGENT-1"
    )

    assert not applications_visible_to(alices_request.user).filter(pk=case.pk).exists()

    services.confirm_agent(agent=alices_request, actor=carol)
    assert applications_visible_to(alices_request.user).filter(pk=case.pk).exists()


# --- Seeing and revoking ----------------------------------------------------------------------


@pytest.fixture
def alices_agent(alices_request, carol):
    return services.confirm_agent(agent=alices_request, actor=carol)


def letter_url(agent: OrganizationAgent) -> str:
    return f"/accounts/agents/{agent.pk}/letter/"


def test_the_agent_downloads_their_letter(client, alices_agent):
    client.force_login(alices_agent.user)

    response = client.get(letter_url(alices_agent))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="organization.letter_viewed", actor=alices_agent.user).exists()


def test_a_strangers_request_for_the_letter_is_not_found(client, alices_agent, bob):
    client.force_login(bob)

    response = client.get(letter_url(alices_agent))

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="organization.letter_viewed").exists()


def test_a_letter_needs_sign_in(client, alices_agent):
    response = client.get(letter_url(alices_agent))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_system_administrator_may_read_a_letter(client, alices_agent):
    login_verified(client, UserFactory(username="sysadmin", roles=[Role.SYSADMIN]))

    assert client.get(letter_url(alices_agent)).status_code == 200


def test_the_legal_representative_sees_and_revokes_an_agent(client, alices_agent, carol):
    client.force_login(carol)
    profile = client.get(PROFILE_URL).content.decode()
    assert "本单位的经办人" in profile and "张三" in profile
    assert client.get(letter_url(alices_agent)).status_code == 200

    response = client.post(f"/accounts/agents/{alices_agent.pk}/revoke/")

    assert response.status_code == 302
    alices_agent.refresh_from_db()
    assert alices_agent.revoked_at is not None and alices_agent.revoked_by == carol
    assert not fresh(alices_agent.user).has_role(Role.ENTERPRISE)
    assert OutboxMessage.objects.filter(
        payload__user_id=alices_agent.user_id, payload__title__icontains="已撤销"
    ).exists()


def test_an_existing_agent_sees_and_may_revoke_a_pending_request(client, alices_agent, bob):
    bobs = services.register_organization_agent(user=bob, uscc=USCC, authorization_letter=pdf())
    client.force_login(alices_agent.user)
    assert "李四" in client.get(PROFILE_URL).content.decode()

    response = client.post(f"/accounts/agents/{bobs.pk}/revoke/")

    assert response.status_code == 302
    bobs.refresh_from_db()
    assert bobs.revoked_at is not None


def test_a_stranger_cannot_revoke_an_agent(client, alices_agent, bob):
    client.force_login(bob)

    response = client.post(f"/accounts/agents/{alices_agent.pk}/revoke/")

    assert response.status_code == 404
    alices_agent.refresh_from_db()
    assert alices_agent.revoked_at is None


def test_a_pending_agent_cannot_revoke_the_others(alices_request, carol, bob):
    carols = services.register_organization_agent(user=carol, uscc=USCC, is_legal_representative=True)

    with pytest.raises(PermissionDenied):
        services.revoke_agent(agent=carols, actor=alices_request.user)


def test_revoking_twice_is_a_conflict(client, alices_agent):
    client.force_login(alices_agent.user)
    client.post(f"/accounts/agents/{alices_agent.pk}/revoke/")

    response = client.post(f"/accounts/agents/{alices_agent.pk}/revoke/")

    assert response.status_code == 409
    assert "该经办人授权已撤销" in response.content.decode()


def test_a_revoked_agent_asking_again_is_pending_again(alices_agent):
    services.revoke_agent(agent=alices_agent, actor=alices_agent.user)

    again = services.register_organization_agent(user=alices_agent.user, uscc=USCC, authorization_letter=pdf())

    assert again.pk == alices_agent.pk
    assert again.is_pending
    assert not fresh(alices_agent.user).has_role(Role.ENTERPRISE)


def test_a_verified_agent_cannot_revoke_the_legal_representative(client, alices_agent, carol):
    carols = services.register_organization_agent(user=carol, uscc=USCC, is_legal_representative=True)
    client.force_login(alices_agent.user)

    response = client.post(f"/accounts/agents/{carols.pk}/revoke/")

    assert response.status_code == 403
    carols.refresh_from_db()
    assert carols.is_active
