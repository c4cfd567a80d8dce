"""Reads of the catalog with their rules.

Only published versions are public: drafts, versions awaiting approval and retired versions are
never served to citizens (a retired version lives on only in the applications filed under it).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext

from catalog.models import (
    APPLIED_FOR_TYPES,
    BasicItem,
    Bundle,
    BundleMember,
    Department,
    MaterialRequirement,
    Region,
    ServiceItem,
    ServiceObject,
    Situation,
    SituationOption,
    Topic,
)
from portal.exceptions import NotFound

SEARCH_QUERY_MAX_CHARS = 50
# Database ids are 64-bit: a larger number in a query string must be ignored, not sent to PostgreSQL
# (it would raise an overflow error, i.e. a 500).
MAX_ID = 2**63 - 1
# A guide has a handful of situations; more submitted option ids than this are garbage.
MAX_OPTION_IDS = 50

# Significant digits of a 12-digit division code per level (GB/T 2260 + the statistical division
# code): 省 2, 市 4, 县 6, 乡镇 9, 村 12. A region's subregions are the codes that share its prefix.
REGION_PREFIX_DIGITS = {
    Region.Level.PROVINCE: 2,
    Region.Level.CITY: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}

ORGANISATION_OBJECTS = tuple(o for o in ServiceObject.values if o != ServiceObject.NATURAL_PERSON)


# What a result list shows (templates/catalog/_item_results.html): loading only these keeps the
# rows that the database sorts by name narrow.
ITEM_LIST_FIELDS = (
    "code", "name", "item_type", "online_depth", "promised_days", "promised_unit", "is_immediate", "visits",
    "lifecycle", "department__name", "region__name",
)  # fmt: skip


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department", "region")


def clean_query(raw: str) -> str:
    """A search query as typed, trimmed and capped, without NUL bytes (PostgreSQL refuses them)."""
    return raw.replace("\x00", "").strip()[:SEARCH_QUERY_MAX_CHARS]


def region_prefix(region: Region) -> str:
    return region.code[: REGION_PREFIX_DIGITS.get(region.level, 12)]


def search_published_items(
    *,
    query: str = "",
    department_id: int | None = None,
    item_type: str = "",
    service_object: str = "",
    region: Region | None = None,
    min_online_depth: int | None = None,
    topic: Topic | None = None,
    serving: Region | None = None,
) -> QuerySet[ServiceItem]:
    """Published items matching a query and filters, the most relevant first (``_relevance``), else by name.

    The query is a substring of ``search_text`` (name, basic item name, keywords, 俗称, department,
    region, code): PostgreSQL full-text search does not segment Chinese. ``search_text`` is stored
    lower-cased, so a case-sensitive ``contains`` on the lowered query is enough and spares the
    database an UPPER() per row. For a county's 2,000 items a sequential scan of the published rows
    costs a few milliseconds; the department and region filters use the (status, …) indexes.

    ``serving`` is the region a citizen chose as theirs (``region_and_above``); ``region`` is the
    filter "this region and below" an editor or a curious visitor picks.

    ``service_object`` is ``"person"`` (自然人) or ``"organisation"`` (any 法人 or other organisation).
    ``service_objects`` is a JSON list; JSON containment (``@>``) exists on PostgreSQL only, so the
    filter matches the quoted code in the list's JSON text, which is the same on SQLite and
    PostgreSQL (``["natural_person", "enterprise"]``) and cannot confuse one code with another.
    """
    items = published_items()
    # search_text is stored lower-cased.
    query = clean_query(query).lower()
    # Several words: an item matches each of them ("社保 卡"); a word may also name a topic, whose items
    # it then finds ("生孩子" → 出生).
    for word in query.split():
        items = items.filter(Q(search_text__contains=word) | Q(pk__in=_items_of_topics_named(word)))
    if department_id is not None:
        items = items.filter(department_id=department_id)
    if item_type:
        items = items.filter(item_type=item_type)
    if service_object == "person":
        items = _with_service_objects(items, [ServiceObject.NATURAL_PERSON])
    elif service_object == "organisation":
        items = _with_service_objects(items, ORGANISATION_OBJECTS)
    if region is not None:
        items = items.filter(Q(region=region) | Q(region__code__startswith=region_prefix(region)))
    if serving is not None:  # the citizen's own region: its items and those of the levels above it
        items = items.filter(region__in=region_and_above(serving))
    if min_online_depth is not None:
        items = items.filter(online_depth__gte=min_online_depth)
    if topic is not None:
        items = items.filter(topics=topic)
    if not query:
        return items.order_by("name", "code")
    return items.annotate(relevance=_relevance(query)).order_by("relevance", "name", "code")


def _items_of_topics_named(word: str) -> QuerySet:
    """Ids of the items of the topics whose name or search words contain ``word`` (a subquery)."""
    topics = Topic.objects.filter(Q(name__icontains=word) | Q(keywords__icontains=word))
    return ServiceItem.topics.through.objects.filter(topic__in=topics).values("serviceitem_id")


def _relevance(query: str, *, listed: str = "common_names", exact: str = "keywords") -> Case:
    """0 the exact name, 1 a 俗称 or keyword that is the query, 2 a name that starts with it, 3 a name
    that contains every word, 4 the rest (a match in the department, region, code or a topic).

    ``listed`` is the field holding a list of aliases (one of them may be the query), ``exact`` the
    one that counts only as a whole; a bundle has its keywords only, as a list."""
    words = query.split()
    alias = Q(**{f"{exact}__iexact": query}) if exact else Q()
    for separator in (",", "，", " ", "、"):
        alias |= Q(**{f"{listed}__iexact": query}) | Q(**{f"{listed}__istartswith": query + separator})
        alias |= Q(**{f"{listed}__icontains": separator + query + separator})
        alias |= Q(**{f"{listed}__iendswith": separator + query})
    name_has_all = Q()
    for word in words:
        name_has_all &= Q(name__icontains=word)
    return Case(
        When(name__iexact=query, then=Value(0)),
        When(alias, then=Value(1)),
        When(name__istartswith=query, then=Value(2)),
        When(name_has_all, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )


def _with_service_objects(items: QuerySet[ServiceItem], codes: Iterable[str]) -> QuerySet[ServiceItem]:
    condition = Q()
    for code in codes:
        condition |= Q(service_objects_text__contains=f'"{code}"')
    return items.annotate(service_objects_text=Cast("service_objects", TextField())).filter(condition)


def departments_with_published_items() -> QuerySet[Department]:
    published = Q(service_items__status=ServiceItem.Status.PUBLISHED)
    return (
        Department.objects.select_related("region")
        .annotate(item_count=Count("service_items", filter=published))
        .filter(item_count__gt=0)
        .order_by("region__code", "name")
    )


def regions_with_published_items() -> list[Region]:
    """The regions that hold published items and every region above them, by code (for a filter)."""
    codes = set(published_items().order_by().values_list("region__code", flat=True).distinct())
    wanted = set(codes)
    for code in codes:
        for digits in REGION_PREFIX_DIGITS.values():
            if digits < 12:
                wanted.add(code[:digits].ljust(12, "0"))
    return list(Region.objects.filter(code__in=wanted).order_by("code"))


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_and_above(region: Region) -> list[Region]:
    """The region and the ones above it (district → city → province): whose items serve someone there."""
    chain, seen = [], set()
    while region is not None and region.pk not in seen:
        chain.append(region)
        seen.add(region.pk)
        region = region.parent
    return chain


def claimable_basic_items(department: Department | None) -> QuerySet[BasicItem]:
    """Basic items a department may implement as items applied for: national ones and those of its
    region and the regions above it (what catalog.imports looks a row's basic code up in)."""
    regions = region_and_above(department.region) if department is not None else []
    return BasicItem.objects.filter(Q(region__isnull=True) | Q(region__in=regions), item_type__in=APPLIED_FOR_TYPES)


def topics_with_item_counts() -> QuerySet[Topic]:
    published = Q(items__status=ServiceItem.Status.PUBLISHED)
    return Topic.objects.annotate(item_count=Count("items", filter=published)).order_by("audience", "order", "code")


def topic_by_code(code: str) -> Topic | None:
    return Topic.objects.filter(code=code).first()


def popular_items(*, limit: int = 8) -> list[ServiceItem]:
    """Items to offer on the home page.

    The catalog does not see applications (dependencies point from applications to the catalog),
    so until application volumes are recorded here, "popular" means the items that serve the most
    life events and business events, then the most online ones. Suspended and cancelled items
    are left out: the home page offers what can be applied for.
    """
    # Rank on ids first: grouping and sorting narrow rows is several times cheaper than whole items.
    ranked = list(
        published_items()
        .filter(lifecycle=ServiceItem.Lifecycle.IN_FORCE)
        .annotate(topic_count=Count("topics"))
        .order_by("-topic_count", "-online_depth", "name")
        .values_list("id", flat=True)[:limit]
    )
    found = published_items().in_bulk(ranked)
    return [found[item_id] for item_id in ranked]


def published_item(code: str) -> ServiceItem:
    """The published version of an item with everything its guide shows, or NotFound."""
    item = (
        published_items()
        .select_related("basic_item", "region__parent__parent__parent__parent")
        .prefetch_related(
            "materials",
            Prefetch("situations", queryset=Situation.objects.prefetch_related("options")),
            "steps",
            "fees",
            "faqs",
            "topics",
        )
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound(gettext("未找到该事项，或该事项尚未发布。"))
    return item


def published_material(code: str, material_id: int) -> MaterialRequirement:
    """A material of the published version of ``code``; another item's or a draft's material is NotFound."""
    material = (
        MaterialRequirement.objects.select_related("item")
        .filter(id=material_id, item__code=code, item__status=ServiceItem.Status.PUBLISHED)
        .first()
    )
    if material is None:
        raise NotFound(gettext("未找到该材料。"))
    return material


@dataclass(frozen=True)
class Availability:
    """Whether an item can be applied for on a day, and what the guide's banner says."""

    is_open: bool
    banner: str


def availability(item: ServiceItem, *, today: dt.date) -> Availability:
    """暂停 / 取消 take effect on ``lifecycle_effective_on`` (or at once without a date); until then the
    item is still applied for and the banner announces the change."""
    if item.lifecycle == ServiceItem.Lifecycle.IN_FORCE:
        return Availability(is_open=True, banner="")
    verb = gettext("暂停办理") if item.lifecycle == ServiceItem.Lifecycle.SUSPENDED else gettext("取消")
    effective = item.lifecycle_effective_on
    if effective is None:
        return Availability(is_open=False, banner=gettext("本事项已%(verb)s。") % {"verb": verb})
    day = gettext("%(year)s年%(month)s月%(day)s日") % {
        "year": effective.year,
        "month": effective.month,
        "day": effective.day,
    }
    if effective > today:
        return Availability(is_open=True, banner=gettext("本事项将于%(day)s起%(verb)s。") % {"day": day, "verb": verb})
    return Availability(is_open=False, banner=gettext("本事项已于%(day)s起%(verb)s。") % {"day": day, "verb": verb})


def _option_ids(raw_ids: Iterable[object]) -> list[int]:
    ids: list[int] = []
    for raw in list(raw_ids)[:MAX_OPTION_IDS]:
        text = str(raw).strip()
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            ids.append(int(text))
    return ids


def chosen_options(item: ServiceItem, option_ids: Iterable[object]) -> list[SituationOption]:
    """The options among ``option_ids`` that belong to the item's situations, at most one per
    situation (the first given wins). Foreign, unknown and malformed ids are ignored."""
    ids = _option_ids(option_ids)
    if not ids:
        return []
    found = {
        o.id: o
        for o in SituationOption.objects.filter(id__in=ids, situation__item=item).prefetch_related("adds", "drops")
    }
    chosen: dict[int, SituationOption] = {}
    for option_id in ids:
        option = found.get(option_id)
        if option is not None and option.situation_id not in chosen:
            chosen[option.situation_id] = option
    return list(chosen.values())


def materials_for(item: ServiceItem, option_ids: Iterable[object]) -> list[MaterialRequirement]:
    """The material list tailored to the chosen situation options.

    Base list: the item's non-situational materials. Each chosen option adds and drops materials;
    a drop wins over an add, because a dropped material is an exemption (免交) for that situation.
    Only the item's own materials can appear, in the item's order.
    """
    added: set[int] = set()
    dropped: set[int] = set()
    for option in chosen_options(item, option_ids):
        added.update(m.id for m in option.adds.all())
        dropped.update(m.id for m in option.drops.all())
    return [m for m in item.materials.all() if (not m.is_situational or m.id in added) and m.id not in dropped]


# --- Bundles (一件事) -----------------------------------------------------------------------------


def _with_members(bundles: QuerySet[Bundle]) -> QuerySet[Bundle]:
    return bundles.select_related("department", "region").prefetch_related(
        Prefetch(
            "members",
            queryset=BundleMember.objects.select_related("item__department", "item__region").prefetch_related(
                "item__materials", "item__situations__options__adds", "item__situations__options__drops"
            ),
        )
    )


def published_bundles(
    *, audience: str = "", topic: Topic | None = None, serving: Region | None = None
) -> QuerySet[Bundle]:
    """Published bundles; ``serving`` (the visitor's 办事地区) keeps those every member of which serves
    that region (``bundles_serving``)."""
    bundles = Bundle.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department", "region")
    if audience:
        bundles = bundles.filter(audience=audience)
    if topic is not None:
        bundles = bundles.filter(topics=topic)
    if serving is not None:
        bundles = bundles_serving(bundles, serving)
    return bundles.order_by("name", "code")


def bundles_serving(bundles: QuerySet[Bundle], region: Region) -> QuerySet[Bundle]:
    """The bundles all of whose member items serve someone in ``region`` (an item of the region or of a
    level above it, as ``search_published_items(serving=…)``): a bundle with one member of another
    district cannot be applied for there as one thing, so it is not offered."""
    elsewhere = BundleMember.objects.exclude(item__region__in=region_and_above(region)).values("bundle_id")
    return bundles.exclude(pk__in=elsewhere)


def search_published_bundles(
    *,
    query: str = "",
    serving: Region | None = None,
    region: Region | None = None,
    topic: Topic | None = None,
    audience: str = "",
    department_id: int | None = None,
) -> QuerySet[Bundle]:
    """Published bundles matching a query, the most relevant first (``_relevance`` as for items), else by name.

    A word matches the bundle's name, keywords or summary, a member item's ``search_text`` (its name,
    俗称, department…: "营业执照" finds 开办餐饮店) or a topic of the bundle named by it. ``region`` is
    "this region and below" (the lead department's), ``department_id`` the lead department or a
    member's, ``serving`` the visitor's own region (``bundles_serving``).
    """
    bundles = published_bundles(audience=audience, topic=topic, serving=serving)
    query = clean_query(query).lower()
    for word in query.split():
        members = BundleMember.objects.filter(item__search_text__contains=word).values("bundle_id")
        topics = Topic.objects.filter(Q(name__icontains=word) | Q(keywords__icontains=word))
        bundles = bundles.filter(
            Q(name__icontains=word)
            | Q(keywords__icontains=word)
            | Q(summary__icontains=word)
            | Q(pk__in=members)
            | Q(topics__in=topics)
        )
    if region is not None:
        bundles = bundles.filter(Q(region=region) | Q(region__code__startswith=region_prefix(region)))
    if department_id is not None:
        led_or_member = BundleMember.objects.filter(item__department_id=department_id).values("bundle_id")
        bundles = bundles.filter(Q(department_id=department_id) | Q(pk__in=led_or_member))
    # A word matching two topics of one bundle would list it twice.
    bundles = Bundle.objects.filter(pk__in=bundles.values("pk")).select_related("department", "region")
    if not query:
        return bundles.order_by("name", "code")
    relevance = _relevance(query, listed="keywords", exact="")
    return bundles.annotate(relevance=relevance).order_by("relevance", "name", "code")


def published_bundle(code: str) -> Bundle:
    """The published version of a bundle, with its members and their materials; NotFound otherwise."""
    bundle = _with_members(Bundle.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED)).first()
    if bundle is None:
        raise NotFound(gettext("未找到该一件事，或该一件事尚未发布。"))
    return bundle


def bundle_with_members(bundle: Bundle) -> Bundle:
    return _with_members(Bundle.objects.filter(pk=bundle.pk)).get()


@dataclass(frozen=True)
class OutdatedMember:
    member: BundleMember
    current: ServiceItem | None  # the item's published version now; None when it is no longer published


def outdated_members(bundle: Bundle) -> list[OutdatedMember]:
    """Members pinned to an item version that is no longer the published one (the editor is told)."""
    members = list(bundle.members.select_related("item"))
    published = {
        i.code: i
        for i in ServiceItem.objects.filter(
            code__in=[m.item.code for m in members], status=ServiceItem.Status.PUBLISHED
        )
    }
    return [
        OutdatedMember(member=m, current=published.get(m.item.code))
        for m in members
        if m.item.status != ServiceItem.Status.PUBLISHED
    ]


def items_of_basic_codes(codes: Iterable[str], *, serving: Region | None = None) -> QuerySet[ServiceItem]:
    """Published items implementing the basic items ``codes`` (the questionnaire recommends by basic code)."""
    items = published_items().filter(basic_item__code__in=list(codes))
    if serving is not None:
        items = items.filter(region__in=region_and_above(serving))
    return items.order_by("name", "code")
