"""Whose contact a case uses, who sees a case filed under an ID number, and who reads the numbers in a draft.

Wang Wu (王五) walked in at window A1 with his ID card; his phone is on file. Mallory (other_citizen) knows
his ID number: she must not redirect his notices, learn his name, or see his cases by binding his number
first. Alice (citizen) is a company's agent beside Dave, another agent of the same company.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from applications import services
from applications.access import applications_visible_to, form_data_for
from applications.models import Application, Party
from portal import services as accounts
from portal.exceptions import DomainError, NotFound, Throttled
from portal.models import AuditEvent, OutboxMessage, Role
from portal.realname import VerificationResult
from tests.applications.conftest import clock_at, pdf
from tests.conftest import login_verified
from tests.factories import UserFactory, make_resident_id, make_uscc, registered_organization
from tests.windows.conftest import clerk_a, hall_a, sysadmin, window_a  # noqa: F401
from windows import services as window_services

pytestmark = pytest.mark.django_db

WANG_ID = make_resident_id(area="320102", birth="19660606", seq="331")
WANG_PHONE = "13700000001"
MALLORY_ID = make_resident_id(area="320104", birth="19911111", seq="442")
MALLORY_PHONE = "13700000002"
FORM_ID = make_resident_id(area="320104", birth="20100101", seq="118")


@pytest.fixture
def walk_in(clerk_a, window_a, licensing_item):  # noqa: F811
    """王五's case, filed at window A1 with his ID card in view."""
    party = services.register_party(
        kind="person", name="王五", id_type="resident_id", id_number=WANG_ID, phone=WANG_PHONE
    )
    return window_services.file_walk_in(
        clerk=clerk_a,
        window=window_a,
        item=licensing_item,
        party=party,
        form_data={"applicant_name": "王五", "id_number": WANG_ID},
        situation_options=[],
        received={licensing_item.materials.get().pk: (1, 0, None)},
        declaration_signed=True,
        applicant_name="王五",
        contact_phone=WANG_PHONE,
        clock=clock_at(dt.date(2026, 3, 2)),
    )


@pytest.fixture
def mallory(other_citizen):
    return accounts.verify_real_name(user=other_citizen, real_name="刘九", id_number=MALLORY_ID)


def proxy_start(user, item, *, name: str, phone: str) -> Application:
    return services.start_online_application(
        user=user,
        item=item,
        acting_as=Application.ActingAs.PROXY,
        name=name,
        id_number=WANG_ID,
        phone=phone,
        proxy_letter=pdf("委托书.pdf"),
    )


# --- 1. A proxy start changes nobody's contact --------------------------------------------------------


def test_a_proxy_start_leaves_the_holders_phone_and_name_alone(walk_in, mallory, licensing_item):
    draft = proxy_start(mallory, licensing_item, name="随便填", phone=MALLORY_PHONE)
    services.withdraw_application(application=draft, actor=mallory)

    party = Party.objects.get(id_number_digest=walk_in.party.id_number_digest)
    assert party.phone == WANG_PHONE and party.name == "王五"
    assert Application.objects.get(pk=walk_in.pk).contact_phone == WANG_PHONE


def test_the_holders_later_notices_still_go_to_his_own_phone(walk_in, mallory, licensing_item, clerk_a):  # noqa: F811
    proxy_start(mallory, licensing_item, name="随便填", phone=MALLORY_PHONE)

    window_services.take_in_application(clerk=clerk_a, application=walk_in, clock=clock_at(dt.date(2026, 3, 3)))

    phones = set(
        OutboxMessage.objects.filter(kind="notification", payload__title__icontains=walk_in.number).values_list(
            "payload__phone", flat=True
        )
    )
    assert phones == {WANG_PHONE}


def test_a_proxy_start_shows_back_what_the_requester_typed_not_the_registered_name(
    client, walk_in, mallory, licensing_item
):
    draft = proxy_start(mallory, licensing_item, name="随便填", phone=MALLORY_PHONE)
    client.force_login(mallory)

    page = client.get(f"/applications/draft/{draft.pk}/").content.decode()

    assert "随便填" in page
    assert "王五" not in page
    assert draft.contact_phone == MALLORY_PHONE


def test_the_api_shows_back_the_typed_name_too(walk_in, mallory, licensing_item):
    from tests.api.conftest import token_client

    response = token_client(mallory).post(
        "/api/v1/applications/",
        {
            "item": licensing_item.code,
            "acting_as": "proxy",
            "name": "随便填",
            "id_number": WANG_ID,
            "phone": MALLORY_PHONE,
            "proxy_letter": pdf("委托书.pdf"),
        },
        format="multipart",
    )

    assert response.status_code == 201
    assert response.json()["party"]["name"] == "随便填"
    assert "王五" not in response.content.decode()
    assert Party.objects.get(id_number_digest=walk_in.party.id_number_digest).phone == WANG_PHONE


# --- 4. Binding an ID number is no proof of holding its cases --------------------------------------------


def test_binding_his_number_first_shows_none_of_his_window_cases(walk_in, other_citizen):
    squatter = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)

    assert not applications_visible_to(squatter).filter(pk=walk_in.pk).exists()


def test_binding_tells_the_phone_on_file(walk_in, other_citizen):
    accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    bound = OutboxMessage.objects.get(kind="identity_bound")

    told = services.handle_identity_bound(message_id=bound.pk)

    assert told == 1
    sms = OutboxMessage.objects.get(kind="notification", payload__phone=WANG_PHONE, payload__title="身份证件绑定提醒")
    assert "如非本人操作" in sms.payload["body"]
    assert services.handle_identity_bound(message_id=bound.pk) == 0  # done: a second run tells nobody again


def test_a_strong_proof_from_the_verifier_makes_the_account_the_holder(walk_in, other_citizen):
    class FaceCheckVerifier:
        def verify(self, name, id_number, *, proof=None):
            return VerificationResult(is_match=True, assurance="strong" if proof else "basic")

    user = accounts.verify_real_name(
        user=other_citizen,
        real_name="王五",
        id_number=WANG_ID,
        verifier=FaceCheckVerifier(),
        proof={"face_token": "t"},
    )
    services.handle_identity_bound(message_id=OutboxMessage.objects.get(kind="identity_bound").pk)

    assert applications_visible_to(user).filter(pk=walk_in.pk).exists()


def test_the_holder_claims_a_window_case_with_the_receipts_code(client, walk_in, other_citizen):
    wang = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    walk_in.refresh_from_db()
    assert len(walk_in.access_code) == 8
    client.force_login(wang)

    response = client.post("/applications/claim/", {"number": walk_in.number, "access_code": walk_in.access_code})

    assert response.status_code == 302
    assert applications_visible_to(wang).filter(pk=walk_in.pk).exists()
    assert AuditEvent.objects.filter(action="application.claimed", actor=wang).exists()


def test_a_wrong_code_and_someone_elses_case_get_the_same_answer(client, walk_in, mallory):
    client.force_login(mallory)

    wrong = client.post("/applications/claim/", {"number": walk_in.number, "access_code": "AAAAAAAA"})
    not_hers = client.post("/applications/claim/", {"number": walk_in.number, "access_code": walk_in.access_code})
    no_case = client.post("/applications/claim/", {"number": "320000000000000", "access_code": "AAAAAAAA"})

    assert wrong.status_code == not_hers.status_code == no_case.status_code == 404
    texts = {r.context["error"] for r in (wrong, not_hers, no_case)}
    assert len(texts) == 1
    assert not applications_visible_to(mallory).filter(pk=walk_in.pk).exists()


def test_guessing_codes_is_throttled(walk_in, other_citizen):
    wang = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    for _ in range(services.CLAIM_ATTEMPTS_PER_HOUR):
        with pytest.raises(NotFound):
            services.claim_application(user=wang, number=walk_in.number, access_code="AAAAAAAA")

    with pytest.raises(Throttled):
        services.claim_application(user=wang, number=walk_in.number, access_code=walk_in.access_code)
    assert not applications_visible_to(wang).filter(pk=walk_in.pk).exists()


def test_a_clerk_links_the_account_after_checking_the_id_card(client, walk_in, other_citizen, clerk_a):  # noqa: F811
    wang = accounts.verify_real_name(user=other_citizen, real_name="王五", id_number=WANG_ID)
    login_verified(client, clerk_a)

    response = client.post("/hall/identity/", {"id_number": WANG_ID, "account": wang.username})

    assert response.status_code == 302
    assert applications_visible_to(wang).filter(pk=walk_in.pk).exists()


def test_a_clerk_cannot_link_an_account_of_another_number(walk_in, mallory, clerk_a):  # noqa: F811
    with pytest.raises(DomainError, match="不一致"):
        services.link_party_to_account(clerk=clerk_a, id_number=WANG_ID, account=mallory)
    assert Party.objects.get(id_number_digest=walk_in.party.id_number_digest).account_id is None


def test_only_a_clerk_may_link(walk_in, mallory):
    with pytest.raises(DomainError):
        services.link_party_to_account(clerk=mallory, id_number=MALLORY_ID, account=mallory)


# --- 5. ID numbers typed into a draft: in full only to the one who typed them ------------------------------


@pytest.fixture
def company_agents(citizen, licensing_item):
    """Alice and Dave, both verified agents of one company."""
    uscc = make_uscc("91320100MA1XYQ055")
    registered_organization(uscc=uscc, name="南京示例科技有限公司", legal_representative="孙七", id_number=WANG_ID)
    alice = accounts.verify_real_name(user=citizen, real_name="张三", id_number=make_resident_id(seq="771"))
    dave_account = UserFactory(username="13700000009", phone="13700000009", roles=[Role.CITIZEN])
    dave = accounts.verify_real_name(user=dave_account, real_name="丁一", id_number=make_resident_id(seq="772"))
    agents = []
    for user in (alice, dave):
        agent = accounts.register_organization_agent(user=user, uscc=uscc, authorization_letter=pdf("委托书.pdf"))
        agent.verified_at = timezone.now()
        agent.save(update_fields=["verified_at"])
        agents.append(agent)
    return alice, dave, agents[0].organization


def test_another_agent_of_the_company_sees_the_drafts_numbers_masked(client, company_agents, licensing_item):
    alice, dave, organization = company_agents
    draft = services.start_online_application(
        user=alice, item=licensing_item, acting_as=Application.ActingAs.AGENT, organization=organization
    )
    draft = services.save_draft(application=draft, form_data={"applicant_name": "张三", "id_number": FORM_ID})

    assert form_data_for(alice, draft)["id_number"] == FORM_ID
    assert form_data_for(dave, draft)["id_number"] != FORM_ID
    client.force_login(dave)
    page = client.get(f"/applications/draft/{draft.pk}/").content.decode()
    assert FORM_ID not in page
    client.force_login(alice)
    assert FORM_ID in client.get(f"/applications/draft/{draft.pk}/").content.decode()


# --- 9. A withdrawn online case leaves the windows' queue -------------------------------------------------------


def test_a_withdrawn_online_case_is_no_longer_visible_to_the_windows(submitted, citizen, clerk_a):  # noqa: F811
    assert applications_visible_to(clerk_a).filter(pk=submitted.pk).exists()

    services.withdraw_application(application=submitted, actor=citizen)

    assert not applications_visible_to(clerk_a).filter(pk=submitted.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_guesses_sent_in_parallel_are_counted_one_after_another(submitted, other_citizen):
    """The probe sent 12 guesses at once and had 10 checked; the account's row lock counts them in turn."""
    holder_id = submitted.party.id_number_digest  # the `party` fixture's number, bound by the guesser
    from tests.factories import make_resident_id as party_number

    guesser = accounts.verify_real_name(user=other_citizen, real_name="张三", id_number=party_number())
    assert guesser.id_number_digest == holder_id
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        try:
            barrier.wait()
            services.claim_application(user=guesser, number=submitted.number, access_code=f"WRONG{n:03d}")
        except Throttled:
            outcomes.append("429")
        except NotFound:
            outcomes.append("404")
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("404") == services.CLAIM_ATTEMPTS_PER_HOUR
    assert outcomes.count("429") == 8 - services.CLAIM_ATTEMPTS_PER_HOUR


def test_a_window_records_the_name_and_phone_it_saw_over_a_strangers_start(mallory, licensing_item):
    draft = proxy_start(mallory, licensing_item, name="冒名", phone=MALLORY_PHONE)
    assert draft.party.name == "冒名" and draft.party.phone == ""

    party = services.register_party(
        kind="person", name="王五", id_type="resident_id", id_number=WANG_ID, phone=WANG_PHONE, in_person=True
    )

    assert party.pk == draft.party_id
    assert (party.name, party.phone) == ("王五", WANG_PHONE)


def test_a_refused_choice_is_not_repeated_on_the_start_page(client, mallory, licensing_item):
    client.force_login(mallory)

    response = client.post(f"/applications/new/{licensing_item.code}/", {"applying_as": "ZZTOPQ"})

    assert response.status_code in (400, 422)
    assert "ZZTOPQ" not in response.content.decode()
