"""电子证照: the registry, the licence a grant issues, 免证办 and who may open a licence's PDF.

Alice (张三) holds an ID card as an e-licence; Bob (李四) holds his own. Alice applies for a 出证 item
that asks for her ID card: it is filled in from her licence, never from Bob's, and not from a revoked
or expired one.
"""

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from applications import documents, services
from applications.licences import fetching, issuing
from applications.licences.models import LicenceKind, License
from applications.licences.registry import licence_registry
from applications.models import Application, SubmittedMaterial
from applications.transitions import Actor
from catalog.models import MaterialRequirement, ServiceItem
from portal.idnumbers import id_number_digest
from portal.models import OutboxMessage, Role
from tests.applications.conftest import clock_at, pdf
from tests.conftest import login_verified
from tests.factories import MaterialRequirementFactory, UserFactory, make_resident_id

ALICE_ID = make_resident_id(seq="111")
BOB_ID = make_resident_id(seq="222")
MONDAY = dt.date(2026, 3, 2)
ID_CARD = "居民身份证"
PERMIT = "食品经营许可证"


def _verified(user, id_number):
    user.id_number_digest = id_number_digest(id_number)
    user.real_name_verified_at = timezone.now()
    user.save(update_fields=["id_number_digest", "real_name_verified_at"])
    return user


@pytest.fixture
def alice(citizen):
    return _verified(citizen, ALICE_ID)


@pytest.fixture
def bob(other_citizen):
    return _verified(other_citizen, BOB_ID)


def _id_card(id_number, name, *, number, valid_until=dt.date(2036, 3, 1)):
    return issuing.record_licence(
        kind=ID_CARD,
        number=number,
        holder_type=License.HolderType.PERSON,
        holder_id_type="resident_id",
        holder_id_number=id_number,
        holder_name=name,
        issuer="南京市公安局玄武分局",
        issued_on=dt.date(2016, 3, 1),
        valid_until=valid_until,
    )


@pytest.fixture
def alice_card(db):
    return _id_card(ALICE_ID, "张三", number="SFZ-ALICE")


@pytest.fixture
def bob_card(db):
    return _id_card(BOB_ID, "李四", number="SFZ-BOB")


@pytest.fixture
def permit_item(licensing_item):
    """An 出证 item (its grant issues a 食品经营许可证, valid 5 years) that asks for the ID card."""
    ServiceItem.objects.filter(pk=licensing_item.pk).update(
        result_type=ServiceItem.ResultType.CERTIFICATE, result_name=PERMIT
    )
    licensing_item.refresh_from_db()
    MaterialRequirementFactory(
        item=licensing_item,
        order=2,
        name="申请人居民身份证",
        source=MaterialRequirement.Source.LICENSE,
        license_code=ID_CARD,
        issuing_body="公安机关",
    )
    LicenceKind.objects.create(name=PERMIT, valid_years=5, number_prefix="JY")
    return licensing_item


def _draft(user, item, id_number=ALICE_ID, **kwargs):
    clock = clock_at(MONDAY, 9)
    application = services.start_online_application(
        user=user, item=item, acting_as=kwargs.pop("acting_as", "self"), id_number=id_number, clock=clock, **kwargs
    )
    application = services.save_draft(
        application=application, form_data={"applicant_name": "张三", "id_number": ALICE_ID}
    )
    form = item.materials.get(name="申请书")
    services.attach_material(application=application, requirement=form, file=pdf(), actor=user, clock=clock)
    return application


def _submit(application, user):
    return services.submit_application(application=application, actor=user, declaration=True, clock=clock_at(MONDAY, 9))


def _granted(application):
    services.accept_application(
        application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11)
    )
    day = clock_at(dt.date(2026, 3, 5))
    services.pass_step(application=application, actor=UserFactory(), opinion="材料齐全", clock=day)
    services.pass_step(application=application, actor=UserFactory(), opinion="同意", clock=day)
    services.decide_application(
        application=application,
        actor=UserFactory(),
        outcome="granted",
        reasons="符合法定条件。",
        clock=clock_at(dt.date(2026, 3, 6)),
    )
    application.refresh_from_db()
    return application


def _deliver(application):
    services.deliver_result(
        application=application,
        actor=UserFactory(),
        method="collect",
        recipient_name="张三",
        clock=clock_at(dt.date(2026, 3, 9)),
    )


def _id_card_requirement(item):
    return item.materials.get(license_code=ID_CARD)


# --- The registry --------------------------------------------------------------------------------


def test_the_registry_finds_the_licences_a_holder_holds_by_kind(alice_card, bob_card):
    issuing.record_licence(
        kind="居民户口簿",
        number="HKB-ALICE",
        holder_type=License.HolderType.PERSON,
        holder_id_type="resident_id",
        holder_id_number=ALICE_ID,
        holder_name="张三",
        issuer="南京市公安局玄武分局",
        issued_on=dt.date(2010, 1, 1),
    )
    registry = licence_registry()
    cards = registry.licences_of(id_type="resident_id", id_number=ALICE_ID, kinds={ID_CARD})
    assert [c.number for c in cards] == ["SFZ-ALICE"]
    assert cards[0].holder_id_masked == alice_card.holder_id_masked and ALICE_ID not in cards[0].holder_id_masked
    everything = registry.licences_of(id_type="resident_id", id_number=ALICE_ID)
    assert {c.number for c in everything} == {"SFZ-ALICE", "HKB-ALICE"}
    assert registry.get("SFZ-BOB").holder_name == "李四"
    assert registry.get("NO-SUCH") is None


def test_a_licence_is_valid_through_its_last_day_then_expired_and_revoked_beats_both(alice_card):
    last = alice_card.valid_until
    assert alice_card.status_on(last) == License.Status.VALID
    assert alice_card.status_on(last + dt.timedelta(days=1)) == License.Status.EXPIRED
    revoked = issuing.revoke_licence(licence=alice_card, reason="证件遗失补领", clock=clock_at(MONDAY))
    assert revoked.status_on(MONDAY) == License.Status.REVOKED
    assert licence_registry().get("SFZ-ALICE").status_on(MONDAY) == License.Status.REVOKED


def test_a_revocation_needs_a_reason(alice_card):
    with pytest.raises(ValidationError):
        issuing.revoke_licence(licence=alice_card, reason=" ", clock=clock_at(MONDAY))
    alice_card.refresh_from_db()
    assert alice_card.revoked_at is None


def test_the_registry_is_chosen_by_the_setting(settings):
    settings.PORTAL_LICENCE_REGISTRY = "tests.applications.test_licences.EmptyRegistry"
    assert isinstance(licence_registry(), EmptyRegistry)


class EmptyRegistry:
    def licences_of(self, *, id_type, id_number, kinds=None):
        return []


def test_validity_runs_the_kinds_years_to_the_day_before(db):
    LicenceKind.objects.create(name=PERMIT, valid_years=5)
    assert issuing.licence_validity(PERMIT, dt.date(2026, 3, 6)) == dt.date(2031, 3, 5)
    assert issuing.licence_validity(PERMIT, dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)
    assert issuing.licence_validity(PERMIT, dt.date(2026, 3, 6), dt.date(2027, 1, 1)) == dt.date(2027, 1, 1)
    assert issuing.licence_validity("营业执照", dt.date(2026, 3, 6)) is None  # 长期有效


# --- A grant issues the licence ------------------------------------------------------------------


def test_a_grant_issues_a_signed_licence_of_the_applicant_handed_over_at_delivery(
    permit_item, alice, alice_card, tmp_path
):
    application = _granted(_submit(_draft(alice, permit_item), alice))
    licence = License.objects.get(application=application)
    assert licence.kind == PERMIT and licence.number == f"JY{application.number}-Z"
    assert application.result.certificate_number == licence.number
    assert (licence.issued_on, licence.valid_until) == (dt.date(2026, 3, 6), dt.date(2031, 3, 5))
    assert licence.holder_id_digest == id_number_digest(ALICE_ID) and licence.holder_name == "张三"
    assert licence.issuer == permit_item.department.name and licence.delivered_at is None
    # It is an e-licence of the holder now: the next item that asks for it finds it.
    found = licence_registry().licences_of(id_type="resident_id", id_number=ALICE_ID, kinds={PERMIT})
    assert [r.number for r in found] == [licence.number]

    # The worker renders and signs it after the decision commits.
    message = OutboxMessage.objects.get(kind="licence_issued", payload__licence_id=licence.pk)
    assert issuing.render_issued_licence(message_id=message.pk) is True
    assert issuing.render_issued_licence(message_id=message.pk) is False  # twice is harmless
    licence.refresh_from_db()
    body = licence_registry().pdf(licence.number)
    assert body.startswith(b"%PDF") and licence.rendered_at is not None

    path = tmp_path / "licence.pdf"
    path.write_bytes(body)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert PERMIT in text and licence.number in text and "张三" in text and permit_item.department.name in text
    assert "2031年3月5日" in text and ALICE_ID not in text and licence.holder_id_masked in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts  # Chinese is set in an embedded CJK font, not boxes
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )
    page = next(Path(tmp_path).glob("page*.png"))
    assert page.stat().st_size > 5000  # a page with text on it (looked at: the licence in Chinese)

    signature = PdfFileReader(io.BytesIO(body)).embedded_signatures[0]
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[documents.signing_certificate()]))
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"

    _deliver(application)
    licence.refresh_from_db()
    assert licence.delivered_at is not None
    assert application.timeline.filter(action="licence_delivered", note__contains=licence.number).exists()


def test_a_denial_and_an_item_without_a_certificate_issue_no_licence(licensing_item, alice, party):
    application = _granted(_submit(_draft(alice, licensing_item), alice))  # result_type is not 出证
    assert application.outcome == "granted" and not License.objects.exists()


def test_a_licence_number_already_in_the_registry_is_refused_with_nothing_decided(permit_item, alice, alice_card):
    application = _submit(_draft(alice, permit_item), alice)
    services.accept_application(
        application=application, actor=UserFactory(), actor_role=Actor.CLERK, clock=clock_at(MONDAY, 11)
    )
    day = clock_at(dt.date(2026, 3, 5))
    services.pass_step(application=application, actor=UserFactory(), opinion="材料齐全", clock=day)
    services.pass_step(application=application, actor=UserFactory(), opinion="同意", clock=day)
    with pytest.raises(ValidationError) as caught:
        services.decide_application(
            application=application,
            actor=UserFactory(),
            outcome="granted",
            reasons="符合法定条件。",
            certificate_number="SFZ-ALICE",
            clock=day,
        )
    assert "已被使用" in str(caught.value)
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW and not hasattr(application, "result")


# --- 免证办 --------------------------------------------------------------------------------------


def test_a_material_is_filled_in_from_the_applicants_own_licence_and_not_asked_for(
    client, permit_item, alice, alice_card, department_x
):
    application = _draft(alice, permit_item)
    card = _id_card_requirement(permit_item)
    assert card not in services.required_materials(application)
    client.force_login(alice)
    page = client.get(reverse("applications:draft", args=[application.pk])).content.decode()
    assert (
        "已从电子证照库调取" in page and "SFZ-ALICE" in page and "南京市公安局玄武分局" in page and "2036-03-01" in page
    )

    application = _submit(application, alice)  # only the form was uploaded
    fetched = SubmittedMaterial.objects.get(application=application, requirement=card, is_current=True)
    assert (fetched.licence_number, fetched.licence_issuer, fetched.licence_valid_until) == (
        "SFZ-ALICE",
        "南京市公安局玄武分局",
        dt.date(2036, 3, 1),
    )
    assert not fetched.file and card not in services.required_materials(application)
    assert application.timeline.filter(action="licences_fetched", is_visible_to_applicant=True).exists()
    detail = client.get(reverse("applications:detail", args=[application.number])).content.decode()
    assert "已从电子证照库调取" in detail and "SFZ-ALICE" in detail

    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    case = login_verified(client, reviewer).get(reverse("reviews:case", args=[application.number])).content.decode()
    assert "已核验（电子证照）" in case and "SFZ-ALICE" in case and "南京市公安局玄武分局" in case


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_a_revoked_or_expired_licence_does_not_count_and_the_applicant_is_told_why(
    client, permit_item, alice, alice_card, state
):
    if state == "revoked":
        issuing.revoke_licence(licence=alice_card, reason="证件遗失", clock=clock_at(MONDAY))
        why = "已注销（吊销）"
    else:
        License.objects.filter(pk=alice_card.pk).update(valid_until=dt.date(2026, 3, 1))
        why = "已于 2026-03-01 过期"
    application = _draft(alice, permit_item)
    card = _id_card_requirement(permit_item)
    assert card in services.required_materials(application, clock=clock_at(MONDAY))
    with pytest.raises(ValidationError) as caught:
        _submit(application, alice)
    assert f"请上传：{card.name}" in caught.value.message_dict["materials"]
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT and not application.materials.exclude(licence_number="")
    client.force_login(alice)
    page = client.get(reverse("applications:draft", args=[application.pk])).content.decode()
    assert why in page and "SFZ-ALICE" in page and "已从电子证照库调取" not in page


def test_another_persons_licence_is_never_used(permit_item, alice, bob_card):
    """Bob's card is in the registry; Alice has none: hers is asked for."""
    application = _draft(alice, permit_item)
    checks = fetching.live_checks(application, today=MONDAY)
    assert [c.licence for c in checks] == [None] and "未查到" in checks[0].problem
    assert _id_card_requirement(permit_item) in services.required_materials(application)


def test_a_proxy_online_does_not_fetch_the_principals_licences(permit_item, alice, bob, bob_card):
    """Alice types Bob's number as her principal: Bob's card is not fetched for her, nor shown."""
    application = _draft(
        alice, permit_item, id_number=BOB_ID, acting_as="proxy", name="李四", proxy_letter=pdf("委托书.pdf")
    )
    checks = fetching.live_checks(application, today=MONDAY)
    assert [c.licence for c in checks] == [None] and checks[0].problem == fetching.PROXY_ONLINE
    assert _id_card_requirement(permit_item) in services.required_materials(application)


# --- Who may open a licence ----------------------------------------------------------------------


def _pdf_url(number):
    return reverse("applications:licence_pdf", args=[number])


def test_the_holder_opens_their_licence_and_nobody_else(client, alice, bob, alice_card):
    client.force_login(alice)
    response = client.get(_pdf_url("SFZ-ALICE"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "SFZ-ALICE" in client.get(reverse("applications:licences")).content.decode()
    client.force_login(bob)
    assert client.get(_pdf_url("SFZ-ALICE")).status_code == 404
    assert "SFZ-ALICE" not in client.get(reverse("applications:licences")).content.decode()
    assert client.get(_pdf_url("NO-SUCH")).status_code == 404
    client.logout()
    assert client.get(_pdf_url("SFZ-ALICE")).status_code == 302  # to the login page


def test_the_staff_of_a_case_that_used_a_licence_open_it_other_departments_do_not(
    client, permit_item, alice, alice_card, department_x, department_y
):
    application = _submit(_draft(alice, permit_item), alice)
    own = UserFactory(department=department_x, roles=[Role.REVIEWER])
    assert login_verified(client, own).get(_pdf_url("SFZ-ALICE")).status_code == 200
    other = UserFactory(department=department_y, roles=[Role.REVIEWER])
    assert login_verified(client, other).get(_pdf_url("SFZ-ALICE")).status_code == 404
    assert application.number


def test_a_grants_licence_reaches_its_holder_at_delivery(client, permit_item, alice, alice_card, department_x):
    application = _granted(_submit(_draft(alice, permit_item), alice))
    number = application.result.certificate_number
    client.force_login(alice)
    assert client.get(_pdf_url(number)).status_code == 404  # not handed over yet
    reviewer = UserFactory(department=department_x, roles=[Role.REVIEWER])
    assert login_verified(client, reviewer).get(_pdf_url(number)).status_code == 200
    _deliver(application)
    client.force_login(alice)
    assert client.get(_pdf_url(number)).status_code == 200
    detail = client.get(reverse("applications:detail", args=[application.number])).content.decode()
    assert _pdf_url(number) in detail and PERMIT in detail


# --- The demo --------------------------------------------------------------------------------


def test_the_demo_registry_holds_the_demo_citizens_and_companys_licences(settings, db):
    from applications.licences.demo import seed_demo_licences
    from catalog.demo import accounts

    settings.DEMO_MODE = True
    assert seed_demo_licences() == 6
    assert seed_demo_licences() == 0  # idempotent
    registry, today = licence_registry(), dt.date(2026, 3, 2)
    zhang, li = accounts.CITIZENS[0], accounts.CITIZENS[1]
    held = registry.licences_of(id_type="resident_id", id_number=zhang.id_number)
    assert {r.kind for r in held} == {ID_CARD, "居民户口簿"}
    cards = registry.licences_of(id_type="resident_id", id_number=li.id_number, kinds={ID_CARD})
    assert sorted(r.status_on(today) for r in cards) == [License.Status.EXPIRED, License.Status.VALID]
    company = registry.licences_of(id_type="uscc", id_number=accounts.DEMO_COMPANY[1], kinds={"营业执照"})
    assert [r.holder_name for r in company] == [accounts.DEMO_COMPANY[0]]
    assert LicenceKind.objects.get(name=PERMIT).valid_years == 5
