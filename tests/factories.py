"""Factories with state traits (STYLE.md: Open Zaak). Valid USCC and ID numbers are computed."""

import itertools
from typing import Any

import factory
from django.contrib.auth.models import Group

from catalog.models import (
    BasicItem,
    CatalogLevel,
    Department,
    ItemType,
    MaterialRequirement,
    ProcessStep,
    Region,
    ServiceItem,
)
from portal.models import User

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_uscc(body17: str) -> str:
    """Append the GB 32100 check character to 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return body17 + USCC_ALPHABET[(31 - total % 31) % 31]


def make_resident_id(area: str = "320102", birth: str = "19900307", seq: str = "123") -> str:
    """A GB 11643 number with a correct check character."""
    body = area + birth + seq
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


_uscc_seq = itertools.count(1)


def next_uscc() -> str:
    return make_uscc(f"11320100MB{next(_uscc_seq):07d}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    # 3201nn (南京's counties) for the first 99, then 3301nn, 3401nn…: always 12 digits, never reused.
    code = factory.Sequence(lambda n: f"{32 + n // 99}01{n % 99 + 1:02d}000000")
    name = factory.Sequence(lambda n: f"测试{n}区")
    level = Region.Level.COUNTY


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"行政审批局{n}")
    uscc = factory.LazyFunction(next_uscc)
    phone = "025-12345678"


class BasicItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BasicItem

    level = CatalogLevel.NATIONAL
    code = factory.Sequence(lambda n: f"00012{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    item_type = ItemType.LICENSING
    basis = "《中华人民共和国行政许可法》"


class ServiceItemFactory(factory.django.DjangoModelFactory):
    """A published, rule-abiding item. `ServiceItemFactory(draft=True)` for a draft."""

    class Meta:
        model = ServiceItem
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=ServiceItem.Status.DRAFT, published_at=None)
        pending = factory.Trait(status=ServiceItem.Status.PENDING_APPROVAL, published_at=None)

    code = factory.Sequence(lambda n: f"11320100MB0000001X4000112{n:05d}")
    version = 1
    status = ServiceItem.Status.PUBLISHED
    basic_item = factory.SubFactory(BasicItemFactory)
    department = factory.SubFactory(DepartmentFactory)
    region = factory.SelfAttribute("department.region")
    name = factory.SelfAttribute("basic_item.name")
    item_type = factory.SelfAttribute("basic_item.item_type")
    basis = factory.SelfAttribute("basic_item.basis")
    service_objects = factory.LazyFunction(lambda: ["natural_person"])
    statutory_days = 20
    promised_days = 10
    visits = 1
    visits_reason = "核验原件"
    accepts_on_pc = True
    online_depth = ServiceItem.OnlineDepth.ONLINE_PREREVIEW
    consult_phone = "025-11111111"
    complaint_phone = "12345"
    published_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)

    @factory.post_generation
    def search(obj, create, extracted, **kwargs):  # noqa: N805
        from catalog.services import build_search_text

        obj.search_text = build_search_text(obj)
        if create:
            obj.save(update_fields=["search_text"])


class MaterialRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialRequirement

    item = factory.SubFactory(ServiceItemFactory)
    name = factory.Sequence(lambda n: f"申请材料{n}")
    originals = 1


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep

    item = factory.SubFactory(ServiceItemFactory)
    kind = ProcessStep.Kind.HANDLE
    limit_days = 3


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Correct-Horse-9")

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        for code in extracted or ():
            obj.groups.add(Group.objects.get_or_create(name=code)[0])
        if create:
            obj.save()


def registered_organization(*, uscc: str, name: str, legal_representative: str, id_number: str) -> Any:
    """A company the demo registry knows (portal.registry), with its legal representative's ID number."""
    from portal.idnumbers import id_number_digest
    from portal.models import DemoRegistryRecord

    return DemoRegistryRecord.objects.create(
        uscc=uscc,
        name=name,
        legal_representative=legal_representative,
        legal_representative_id_digest=id_number_digest(id_number),
    )
