"""The demo data (manage.py seed_demo) and the generated bulk county (manage.py seed_bulk)."""

from io import StringIO

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from catalog import rules
from catalog.demo import accounts, bulk
from catalog.demo.simple_pdf import simple_pdf
from catalog.models import (
    BasicItem,
    CatalogLevel,
    Department,
    ItemType,
    MaterialRequirement,
    Region,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)
from portal.idnumbers import id_number_digest, mask_id_number
from portal.models import CalendarYear, OrganizationAgent, Role, StaffEnrolmentCode, User
from portal.services import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Everything the seed writes, as comparable values."""
    return {
        "regions": sorted(Region.objects.values_list("code", "name", "level", "parent__code")),
        "departments": sorted(Department.objects.values_list("uscc", "name", "phone")),
        "basic_items": sorted(BasicItem.objects.values_list("level", "region__code", "code", "claims__level")),
        "items": sorted(ServiceItem.objects.values_list("code", "version", "status", "updated_at")),
        "materials": MaterialRequirement.objects.count(),
        "options": SituationOption.objects.count(),
        "users": sorted(User.objects.values_list("username", "password", "last_login")),
        "topics": Topic.objects.count(),
    }


# Hashing a dozen demo passwords with the production hasher would take most of the seed's time.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="class")
def demo_storage(django_db_setup, django_db_blocker, tmp_path_factory):
    """One demo seeded in a transaction that is rolled back after the class; yields its file storage."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(DEMO_MODE=True, MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        seed()
        yield FileSystemStorage(location=media)
        transaction.set_rollback(True)


@pytest.mark.usefixtures("demo_storage")
class TestTheSeededDemo:
    """Read-only checks over one seeded demo, shared by the class (seeding takes seconds)."""

    def test_the_demo_has_a_county_sized_published_catalog(self):
        published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
        assert published.count() >= 40
        assert published.values("item_type").distinct().count() >= 6
        assert published.filter(situations__isnull=False).distinct().count() >= 5
        assert Department.objects.count() >= 8
        assert set(published.values_list("region__code", flat=True)) == {"320102000000", "320115000000"}
        assert {"个体工商户设立登记", "食品经营许可", "内地居民婚姻登记", "社会保障卡申领", "居民身份证申领"} <= set(
            published.values_list("name", flat=True)
        )

    def test_every_demo_item_and_basic_item_passes_the_catalog_rules(self):
        for item in ServiceItem.objects.select_related("basic_item", "department"):
            rules.validate_service_item(item)
        for basic in BasicItem.objects.select_related("claims"):
            rules.validate_basic_item(basic)

    def test_regions_have_five_levels_with_twelve_digit_codes(self):
        for region in Region.objects.select_related("parent"):
            assert len(region.code) == 12 and region.code.isdigit()
            if region.parent is not None:
                assert region.level == region.parent.level + 1
        assert Region.objects.filter(level=Region.Level.VILLAGE, parent__parent__code="320115000000").count() >= 4
        assert Region.objects.filter(level=Region.Level.VILLAGE, parent__parent__code="320102000000").count() >= 4

    def test_department_usccs_carry_a_valid_check_character(self):
        from portal.validators import validate_uscc

        for department in Department.objects.all():
            assert validate_uscc(department.uscc) == department.uscc
            assert department.phone and department.address

    def test_county_basic_items_claim_the_provincial_and_national_ones(self):
        county = BasicItem.objects.get(level=CatalogLevel.COUNTY, region__code="320115000000", name="食品经营许可")
        provincial = county.claims
        national = provincial.claims
        assert (provincial.level, national.level, national.claims) == (
            CatalogLevel.PROVINCIAL,
            CatalogLevel.NATIONAL,
            None,
        )
        for field in ("name", "code", "item_type", "basis"):
            assert getattr(county, field) == getattr(provincial, field) == getattr(national, field)
        local = BasicItem.objects.get(is_locally_established=True, region__code="320115000000")
        assert local.claims is None and local.level == CatalogLevel.COUNTY

    def test_a_situation_option_adds_the_material_it_names(self):
        item = ServiceItem.objects.get(name="内地居民婚姻登记", region__code="320115000000")
        option = SituationOption.objects.get(situation__item=item, label__startswith="曾有婚史")
        assert [m.name for m in option.adds.all()] == ["离婚证或配偶死亡证明"]
        assert option.adds.get().is_situational
        food = ServiceItem.objects.get(name="食品经营许可", region__code="320115000000")
        cold = Situation.objects.get(item=food, question="是否经营冷藏冷冻食品？")
        assert [m.name for o in cold.options.all() for m in o.adds.all()] == ["冷链设施说明"]

    def test_limits_channels_and_phones_are_consistent(self):
        for item in ServiceItem.objects.prefetch_related("steps", "fees"):
            assert item.promised_days <= item.statutory_days
            assert item.is_immediate == (item.promised_days == 0)
            assert item.consult_phone and item.consult_phone != item.complaint_phone
            assert item.has_fee == bool(item.fees.all())
            if not item.is_immediate:
                assert sum(s.limit_days for s in item.steps.all()) <= item.promised_days
        assert ServiceItem.objects.filter(has_fee=True).values("name").distinct().count() in (1, 2)
        assert ServiceItem.objects.filter(statutory_unit=ServiceItem.TimeUnit.CALENDAR_DAY).exists()

    def test_every_item_has_a_form_with_identity_validators(self):
        for item in ServiceItem.objects.all():
            validators = {f.get("validator") for f in item.form_definition}
            assert "phone" in validators
            assert validators & {"resident_id", "uscc"}

    def test_result_samples_and_blank_forms_are_stored_pdfs(self, demo_storage):
        item = ServiceItem.objects.get(name="食品经营许可", region__code="320115000000")
        with demo_storage.open(item.result_sample.name) as sample:
            content = sample.read()
        assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
        form = item.materials.get(name="食品经营许可申请书")
        for name in (form.blank_form.name, form.sample.name):
            with demo_storage.open(name) as handle:
                assert handle.read(5) == b"%PDF-"
        assert not ServiceItem.objects.exclude(result_name="").filter(result_sample="").exists()

    def test_some_materials_come_from_the_e_licence_library(self):
        licensed = MaterialRequirement.objects.filter(source=MaterialRequirement.Source.LICENSE)
        assert licensed.exists() and not licensed.filter(license_code="").exists()
        assert MaterialRequirement.objects.filter(necessity=MaterialRequirement.Necessity.DEFERRABLE).exists()

    def test_topics_cover_life_and_business_events(self):
        assert set(Topic.objects.values_list("name", flat=True)) >= {"出生", "婚育", "身后事", "开办企业", "注销"}
        assert not Topic.objects.filter(items__isnull=True).exists()

    def test_the_demo_has_three_published_bundles_and_topic_questionnaires(self):
        from catalog import bundles
        from catalog.models import Bundle

        names = set(Bundle.objects.filter(status=ServiceItem.Status.PUBLISHED).values_list("name", flat=True))
        assert {"开办餐饮店“一件事”", "新生儿出生“一件事”", "身后“一件事”"} <= names
        assert all(Topic.objects.get(code=code).questionnaire for code in ("birth", "after-death", "start-business"))
        restaurant = Bundle.objects.get(name="开办餐饮店“一件事”")
        parts = [bundles.part_of(m) for m in restaurant.members.select_related("item__department")]
        assert len({p.department for p in parts}) >= 2
        assert [m.name for m in bundles.merged_materials(parts) if not m.is_asked] == ["营业执照"]

    def test_the_demo_finds_bundles_in_search_and_offers_situations_and_a_commitment(self):
        """Issue 11: 开办餐饮店 is found by what people type, asks the members' situations once and lets
        the applicant sign a commitment instead of a proof."""
        from catalog import bundles, selectors
        from catalog.models import Bundle

        found = [b.name for b in selectors.search_published_bundles(query="开饭店")]
        assert "开办餐饮店“一件事”" in found
        assert "开办餐饮店“一件事”" in [b.name for b in selectors.search_published_bundles(query="营业执照")]
        restaurant = selectors.published_bundle(Bundle.objects.get(name="开办餐饮店“一件事”").code)
        parts = [bundles.part_of(m) for m in restaurant.members.all()]
        questions = [s.question for s in bundles.merged_situations(parts)]
        assert "经营场所是自有房产还是租赁房产？" in questions and "是否经营冷藏冷冻食品？" in questions
        assert any(m.allows_commitment for m in bundles.merged_materials(parts))
        assert any(m.necessity == "deferrable" for m in bundles.merged_materials(parts))

    def test_the_words_people_use_find_a_topics_items(self):
        from catalog import selectors

        birth = Topic.objects.get(code="birth")
        found = set(selectors.search_published_items(query="生孩子").values_list("pk", flat=True))
        assert found and found >= set(birth.items.filter(status="published").values_list("pk", flat=True))

    def test_there_is_one_demo_account_per_role(self):
        for role in Role.values:
            assert User.objects.filter(is_demo=True, groups__name=role).exists(), role
        assert User.objects.get(username="demo_editor_jn").department.name == "南京市江宁区行政审批局"
        assert User.objects.get(username="demo_editor_xw").department.name == "南京市玄武区市场监督管理局"
        admin = User.objects.get(username="demo_sysadmin")
        assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)

    def test_demo_staff_have_a_confirmed_totp_device_and_no_enrolment_code(self):
        """So `make run` works with `manage.py demo_totp` alone: no enrolment code to hand over."""
        staff = [user for user in User.objects.filter(is_demo=True) if user.is_portal_staff]
        assert staff
        for user in staff:
            assert TOTPDevice.objects.filter(user=user, confirmed=True).exists(), user.username
        assert not StaffEnrolmentCode.objects.exists()

    def test_the_demo_citizen_is_verified_and_only_the_masked_id_is_kept(self):
        demo = accounts.CITIZENS[0]
        citizen = User.objects.get(username=demo.phone)
        assert citizen.is_real_name_verified
        assert citizen.id_number_masked == mask_id_number(demo.id_number)
        assert citizen.id_number_digest == id_number_digest(demo.id_number)
        assert demo.id_number not in {citizen.id_number_masked, citizen.id_number_digest}

    def test_the_enterprise_user_acts_for_the_demo_company(self):
        agent = OrganizationAgent.objects.select_related("user", "organization").get(
            user__username=accounts.CITIZENS[1].phone
        )
        assert agent.organization.name == accounts.DEMO_COMPANY[0]
        assert agent.is_legal_representative and agent.user.has_role(Role.ENTERPRISE)


def test_seeding_twice_changes_nothing(demo_mode):
    seed()
    first = snapshot()
    output = seed()
    assert snapshot() == first
    assert "实施清单事项 0" in output and "演示账户 0" in output


def test_outside_demo_mode_it_refuses_and_writes_nothing(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        seed()
    assert not User.objects.filter(is_demo=True).exists()
    assert not ServiceItem.objects.exists()


def test_outside_demo_mode_no_accounts_loads_the_catalog_only(settings):
    settings.DEMO_MODE = False
    seed("--no-accounts")
    assert ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).count() >= 40
    assert not User.objects.filter(is_demo=True).exists()
    assert CalendarYear.objects.filter(year=2026).exists()


def test_simple_pdf_is_a_readable_one_page_pdf():
    content = simple_pdf(
        title="营业执照（样本）", subtitle="南京市江宁区行政审批局", rows=[("名称", "示例")], notes=["仅供参考"]
    )
    assert content.startswith(b"%PDF-1.7") and b"/Count 1" in content
    # The cross-reference table points at each object.
    start = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert content[start:].startswith(b"xref")


def bulk_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_bulk", *args, stdout=out)
    return out.getvalue()


def test_seed_bulk_creates_rule_abiding_published_items():
    output = bulk_seed("--count", "200")
    items = ServiceItem.objects.filter(region__code=bulk.COUNTY_CODE).select_related("basic_item", "department")
    assert items.count() == 200 and "新建事项 200 项" in output
    assert items.filter(status=ServiceItem.Status.PUBLISHED).count() == 200
    assert items.values("name").distinct().count() == 200
    assert items.values("department").distinct().count() == len(bulk.DEPARTMENTS)
    for item in items.prefetch_related("steps"):
        rules.validate_service_item(item)
        assert item.materials.count() == 3
    for basic in BasicItem.objects.filter(region__code=bulk.COUNTY_CODE):
        rules.validate_basic_item(basic)
    assert items.filter(search_text__contains="许可").exists()


def test_seed_bulk_twice_creates_only_what_is_missing_and_replace_starts_over():
    bulk_seed("--count", "150")
    codes = set(ServiceItem.objects.values_list("code", flat=True))
    assert "新建事项 50 项" in bulk_seed("--count", "200")
    assert codes < set(ServiceItem.objects.values_list("code", flat=True))
    assert "新建事项 0 项" in bulk_seed("--count", "200")
    output = bulk_seed("--count", "100", "--replace")
    assert "已删除演示县原有事项 200 项" in output
    assert ServiceItem.objects.filter(region__code=bulk.COUNTY_CODE).count() == 100
    assert BasicItem.objects.filter(region__code=bulk.COUNTY_CODE).count() == 100


@pytest.mark.parametrize("count", ["0", "-5", "10000"])
def test_seed_bulk_refuses_a_count_out_of_range(count):
    with pytest.raises(CommandError, match="1 到 9999"):
        bulk_seed("--count", count)
    assert not ServiceItem.objects.exists()


def test_bulk_names_cover_many_item_types_at_full_size():
    templates = [g.template for g in bulk.generated_templates(2000)]
    assert len({t.name for t in templates}) == 2000
    assert {t.item_type for t in templates} >= {ItemType.LICENSING, ItemType.FILING, ItemType.PUBLIC_SERVICE}
