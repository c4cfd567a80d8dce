"""Public pages: the home page, search, topics, the guide (办事指南), its PDF, and the forms to download."""

import functools
import re
from collections.abc import Callable
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from catalog import bundles, selectors
from catalog.models import APPLIED_FOR_TYPES, ItemType, Region, ServiceItem, ServiceObject, Topic
from portal.clock import system_clock
from portal.exceptions import DomainError, NotFound, render_error
from portal.pdf import qr_png_data_uri, render_pdf

PAGE_SIZE = 20
SITUATION_PARAM = re.compile(r"s[0-9]{1,18}")
SERVICE_OBJECT_FILTERS = {"person": gettext_lazy("自然人"), "organisation": gettext_lazy("法人及其他组织")}
FILE_KINDS = {"blank": ("blank_form", gettext_lazy("空白表格")), "sample": ("sample", gettext_lazy("示例样表"))}
GUIDE_PDF_CACHE_SECONDS = 3600
# The visitor's own region (办事地区), remembered in a cookie so it works before sign-in.
REGION_COOKIE = "region"
HOME_DEPARTMENTS = 30
HOME_BUNDLES = 8
ANSWER_PARAM = re.compile(r"q([0-9]{1,2})")


def _renders_domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_error(request, exc)

    return wrapper


def _int_param(params: QueryDict, name: str, *, low: int = 1, high: int = selectors.MAX_ID) -> int | None:
    """An integer query parameter in [low, high], or None for anything else (garbage is ignored)."""
    text = params.get(name, "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _paginate(request: HttpRequest, items: Any) -> Page:
    # get_page turns a missing, malformed or out-of-range page number into the first or last page.
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _region_options() -> list[tuple[str, str]]:
    """(code, label) with full-width spaces showing the hierarchy (an <option> cannot be styled)."""
    regions = selectors.regions_with_published_items()
    top = min((r.level for r in regions), default=1)
    return [(r.code, "\u3000" * (r.level - top) + r.name) for r in regions]


def home(request: HttpRequest) -> HttpResponse:
    """The front door: search, life-event and business-event topics, popular items, departments."""
    topics = list(selectors.topics_with_item_counts())
    return render(
        request,
        "portal/home.html",
        {
            "person_topics": [t for t in topics if t.audience == Topic.Audience.PERSON],
            "business_topics": [t for t in topics if t.audience == Topic.Audience.BUSINESS],
            "popular_items": selectors.popular_items(),
            "bundles": selectors.published_bundles(serving=my_region_of(request))[:HOME_BUNDLES],
            "departments": selectors.departments_with_published_items()[:HOME_DEPARTMENTS],
        },
    )


@require_safe
@_renders_domain_errors
def search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    query = selectors.clean_query(params.get("q", ""))
    item_type = params.get("type", "")
    item_type = item_type if item_type in ItemType.values else ""
    service_object = params.get("object", "")
    service_object = service_object if service_object in SERVICE_OBJECT_FILTERS else ""
    region_code = params.get("region", "")
    region = selectors.region_by_code(region_code) if re.fullmatch(r"[0-9]{12}", region_code) else None
    topic_code = params.get("topic", "")
    topic = selectors.topic_by_code(topic_code) if re.fullmatch(r"[-\w]{1,50}", topic_code) else None
    # The region the visitor chose as theirs applies until they pick a region filter themselves.
    my_region = my_region_of(request)
    filters = {
        "serving": my_region if "region" not in params else None,
        "department_id": _int_param(params, "department"),
        "item_type": item_type,
        "service_object": service_object,
        "region": region,
        "min_online_depth": _int_param(params, "depth", high=max(ServiceItem.OnlineDepth.values)),
        "topic": topic,
    }
    items = selectors.search_published_items(query=query, **filters).only(*selectors.ITEM_LIST_FIELDS)
    page = _paginate(request, items)
    return render(
        request,
        "catalog/search.html",
        {
            "query": query,
            "filters": filters,
            "filters_active": any(value for key, value in filters.items() if key != "serving"),
            "my_region": my_region,
            "page": page,
            "bundles": _search_bundles(query, filters) if page.number == 1 else [],
            "departments": selectors.departments_with_published_items(),
            "regions": _region_options(),
            "topics": selectors.topics_with_item_counts(),
            "item_types": [(value, label) for value, label in ItemType.choices if value in APPLIED_FOR_TYPES],
            "service_objects": SERVICE_OBJECT_FILTERS.items(),
            "online_depths": ServiceItem.OnlineDepth.choices,
        },
    )


BUNDLE_AUDIENCE_OF_OBJECT = {"person": Topic.Audience.PERSON, "organisation": Topic.Audience.BUSINESS}
SEARCH_BUNDLES = 6


def _search_bundles(query: str, filters: dict[str, Any]) -> list[Any]:
    """The bundles (一件事) a search finds, shown above the items on its first page. A filter that only an
    item has (item type, online depth) leaves them out; the others apply as they mean for a bundle."""
    if filters["item_type"] or filters["min_online_depth"] is not None:
        return []
    if not query and not any(filters[key] for key in ("department_id", "region", "topic", "service_object")):
        return []  # the bare list of items; the bundles have their own list
    found = selectors.search_published_bundles(
        query=query,
        serving=filters["serving"],
        region=filters["region"],
        topic=filters["topic"],
        audience=BUNDLE_AUDIENCE_OF_OBJECT.get(filters["service_object"], ""),
        department_id=filters["department_id"],
    )
    return list(found[:SEARCH_BUNDLES])


@require_safe
@_renders_domain_errors
def topic(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.topic_by_code(code)
    if found is None:
        raise NotFound(gettext("未找到该主题。"))
    page = _paginate(request, selectors.search_published_items(topic=found).only(*selectors.ITEM_LIST_FIELDS))
    questionnaire = found.questionnaire if not bundles.questionnaire_problems(found.questionnaire) else []
    answers = _answers(request.GET, questionnaire)
    recommended_bundles: list[Any] = []
    recommended_items: list[Any] = []
    if answers:
        bundle_codes, basic_codes = bundles.recommend(questionnaire, answers)
        serving = my_region_of(request)
        by_code = {b.code: b for b in selectors.published_bundles(serving=serving).filter(code__in=bundle_codes)}
        recommended_bundles = [by_code[c] for c in bundle_codes if c in by_code]
        recommended_items = list(selectors.items_of_basic_codes(basic_codes, serving=serving))
    context = {
        "topic": found,
        "page": page,
        "bundles": selectors.published_bundles(topic=found, serving=my_region_of(request)),
        "questions": [(index, q, answers.get(index)) for index, q in enumerate(questionnaire)],
        "answered": bool(answers),
        "recommended_bundles": recommended_bundles,
        "recommended_items": recommended_items,
    }
    return render(request, "catalog/topic.html", context)


def _answers(params: QueryDict, questionnaire: list[dict[str, Any]]) -> dict[int, int]:
    """``q<question>=<option>`` positions from the query string; anything else is ignored."""
    answers = {}
    for key, value in params.items():
        match = ANSWER_PARAM.fullmatch(key)
        if match and value.isascii() and value.isdigit() and len(value) <= 2:
            index, option = int(match.group(1)), int(value)
            if index < len(questionnaire) and option < len(questionnaire[index].get("options", [])):
                answers[index] = option
    return answers


@require_safe
def bundle_list(request: HttpRequest) -> HttpResponse:
    """高效办成一件事: every published bundle that serves the visitor's region, for individuals and for
    organisations."""
    published = list(selectors.published_bundles(serving=my_region_of(request)))
    return render(
        request,
        "catalog/bundle_list.html",
        {
            "person_bundles": [b for b in published if b.audience == Topic.Audience.PERSON],
            "business_bundles": [b for b in published if b.audience == Topic.Audience.BUSINESS],
        },
    )


def bundle_guide_context(bundle: Any) -> dict[str, Any]:
    """What a bundle's guide shows: the members by stage, conditions, materials asked once, the one form."""
    members = list(bundle.members.all())
    parts = [bundles.part_of(m) for m in members]
    names = {p.code: p.name for p in parts}
    by_code = {m.item.code: m for m in members}
    fields, _ = bundles.merged_form(parts)
    materials = bundles.merged_materials(parts)

    def named(codes: Any) -> str:
        return "、".join(names.get(code, code) for code in codes)

    return {
        "bundle": bundle,
        "stages": [
            (stage, [(by_code[p.code], [names.get(c, c) for c in p.needs_results_of]) for p in group])
            for stage, group in bundles.stages(parts)
        ],
        "conditions": bundles.merged_conditions(bundle.acceptance_conditions, parts),
        "situations": [(s, len(s.asked_by) < len(parts)) for s in bundles.merged_situations(parts)],
        "asked_materials": [(m, named(m.needed_by)) for m in materials if m.is_asked],
        "provided_materials": [(m, names.get(m.provided_by, m.provided_by)) for m in materials if not m.is_asked],
        "material_count": sum(len(p.materials) for p in parts),
        "form_fields": [(f, named(code for code, _ in f.maps_to)) for f in fields],
        "longest_path_days": bundles.longest_path_days(parts),
        "serial_days": bundles.serial_days(parts),
    }


@require_safe
@_renders_domain_errors
def bundle_guide(request: HttpRequest, code: str) -> HttpResponse:
    bundle = selectors.published_bundle(code)
    context = bundle_guide_context(bundle)
    return render(request, "catalog/bundle_guide.html", {**context, "apply_url": _bundle_apply_url(bundle)})


def _bundle_apply_url(bundle: Any) -> str:
    """The "申请" button of a bundle every member of which may be applied for online."""
    if not all(m.item.accepts_on_pc or m.item.accepts_on_mobile for m in bundle.members.all()):
        return ""
    try:
        return reverse("applications:bundle_start", args=[bundle.code])
    except NoReverseMatch:
        return ""


def _chosen_option_ids(params: QueryDict) -> list[str]:
    """Option ids from ``s<situation id>=<option id>``; the selectors validate them."""
    return [value for key, value in params.items() if SITUATION_PARAM.fullmatch(key)]


def _apply_url(item: ServiceItem) -> str:
    try:
        return reverse("applications:start", args=[item.code])
    except NoReverseMatch:
        return item.online_url if item.accepts_on_pc or item.accepts_on_mobile else ""


def _guide_context(request: HttpRequest, item: ServiceItem) -> dict[str, Any]:
    chosen = selectors.chosen_options(item, _chosen_option_ids(request.GET))
    chosen_ids = [o.id for o in chosen]
    availability = selectors.availability(item, today=system_clock.today())
    labels = dict(ServiceObject.choices)
    questions = {s.id: s.question for s in item.situations.all()}
    return {
        "item": item,
        "availability": availability,
        "apply_url": _apply_url(item) if availability.is_open else "",
        "service_object_labels": [labels.get(code, code) for code in item.service_objects],
        "situations": item.situations.all(),
        "chosen_ids": set(chosen_ids),
        "choices": [(questions[o.situation_id], o.label) for o in chosen],
        "materials": selectors.materials_for(item, chosen_ids),
        "choice_query": "&".join(f"s{o.situation_id}={o.id}" for o in chosen),
        "step_days": sum(s.limit_days for s in item.steps.all()),
        "bundles": selectors.published_bundles().filter(members__item__code=item.code).distinct(),
    }


@require_safe
@_renders_domain_errors
def guide(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.published_item(code)
    return render(request, "catalog/guide.html", _guide_context(request, item))


@require_safe
@_renders_domain_errors
def guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.published_item(code)
    context = _guide_context(request, item)
    query = context["choice_query"]
    # A published version never changes (a new version is a new row), so its PDF for one set of
    # (validated) options is reused instead of rendered again for every visitor.
    today = system_clock.today()  # the banner and the print date depend on the day
    key = f"guide-pdf:{request.get_host()}:{item.pk}:{item.updated_at.timestamp()}:{today}:{query}"
    pdf = cache.get(key)
    if pdf is None:
        online_url = request.build_absolute_uri(item.get_absolute_url() + (f"?{query}" if query else ""))
        context |= {
            "document_title": gettext("办事指南"),
            "issuing_body": item.department.name,
            "document_number": gettext("实施编码：%(code)s") % {"code": item.code},
            "online_guide_url": online_url,
            "qr_data_uri": qr_png_data_uri(online_url),
            "generated_on": today,
        }
        pdf = render_pdf("pdf/guide.html", context)
        cache.set(key, pdf, GUIDE_PDF_CACHE_SECONDS)
    response = HttpResponse(pdf, content_type="application/pdf")
    fallback = re.sub(r"[^0-9A-Za-z-]", "", item.code) or "item"
    # RFC 6266 / RFC 5987: an ASCII fallback, then the Chinese name percent-encoded in UTF-8.
    response["Content-Disposition"] = (
        f"inline; filename=\"guide-{fallback}.pdf\"; filename*=UTF-8''{quote(item.name + '办事指南.pdf')}"
    )
    patch_cache_control(response, private=True, max_age=300)
    return response


def _file_response(file: FieldFile, download_name: str) -> HttpResponse:
    if not file:
        raise NotFound(gettext("该文件不存在。"))
    try:
        handle = file.open("rb")
    except (FileNotFoundError, IsADirectoryError):
        raise NotFound(gettext("该文件不存在。")) from None
    # FileResponse sets Content-Type from the extension and an RFC 5987 filename.
    return FileResponse(handle, as_attachment=True, filename=download_name)


@require_safe
@_renders_domain_errors
def material_file(request: HttpRequest, code: str, material_id: int, kind: str) -> HttpResponse:
    if kind not in FILE_KINDS or material_id > selectors.MAX_ID:
        raise NotFound(gettext("该文件不存在。"))
    field_name, label = FILE_KINDS[kind]
    material = selectors.published_material(code, material_id)
    file: FieldFile = getattr(material, field_name)
    return _file_response(
        file,
        gettext("%(name)s（%(label)s）%(lower)s")
        % {"name": material.name, "label": label, "lower": PurePath(file.name or "").suffix.lower()},
    )


@require_safe
@_renders_domain_errors
def result_sample(request: HttpRequest, code: str) -> HttpResponse:
    item = selectors.published_item(code)
    file = item.result_sample
    return _file_response(
        file,
        gettext("%(value)s（样本）%(lower)s")
        % {"value": item.result_name or item.name, "lower": PurePath(file.name or "").suffix.lower()},
    )


def my_region_of(request: HttpRequest) -> Region | None:
    code = request.COOKIES.get(REGION_COOKIE, "")
    return selectors.region_by_code(code) if re.fullmatch(r"[0-9]{12}", code) else None


@require_POST
def choose_region(request: HttpRequest) -> HttpResponse:
    """选择办事地区: lists then show the items that serve that region (its own and the levels above)."""
    code = request.POST.get("region", "")
    region = selectors.region_by_code(code) if re.fullmatch(r"[0-9]{12}", code) else None
    target = request.POST.get("next") or reverse("catalog:search")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("catalog:search")
    response = redirect(target)
    if region is None:
        response.delete_cookie(REGION_COOKIE)
    else:
        response.set_cookie(
            REGION_COOKIE, region.code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
        )
    return response
