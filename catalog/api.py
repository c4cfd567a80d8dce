"""The catalog's JSON API under /api/v1/ (DESIGN.md, "Interfaces").

Thin views in HackSoft style: parse the input with an input serializer → authorise → one selector or
service → render with an output serializer. Errors are raised as portal.exceptions and rendered by
portal.exceptions.api_exception_handler as ``{"code", "message", "detail"}``.
"""

from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import access, diff, selectors, services
from catalog.models import ItemEvent, Region, ServiceItem
from catalog.serializers import (
    CommentInputSerializer,
    DepartmentOutputSerializer,
    DepartmentQueryInputSerializer,
    DiffInputSerializer,
    DiffOutputSerializer,
    GuideOutputSerializer,
    ItemCreateInputSerializer,
    ItemEventOutputSerializer,
    ItemListOutputSerializer,
    ItemSearchInputSerializer,
    ItemSpecSerializer,
    LifecycleInputSerializer,
    ManagedItemDetailOutputSerializer,
    ManagedItemOutputSerializer,
    ManagedItemQueryInputSerializer,
    MaterialOutputSerializer,
    MaterialsInputSerializer,
    RegionOutputSerializer,
    RegionQueryInputSerializer,
    ReturnInputSerializer,
    TopicWithCountOutputSerializer,
    is_item_code,
)
from portal.api import (
    ERROR_400,
    ERROR_401,
    ERROR_403,
    ERROR_404,
    ERROR_409,
    ERROR_422,
    ERROR_429,
    IsVerifiedStaff,
)
from portal.exceptions import BadInput, NotFound, PermissionDenied

PUBLIC_TAG = gettext_lazy("公开：办事指南")

CODE_PARAMETER = OpenApiParameter("code", str, OpenApiParameter.PATH, description=gettext_lazy("事项实施编码"))


def parse_query(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def published_item_or_404(code: str) -> ServiceItem:
    # A code with characters no code has (NUL, spaces…) is no item: answer before asking the database.
    if not is_item_code(code):
        raise NotFound(gettext("未找到该事项，或该事项尚未发布。"))
    return selectors.published_item(code)


class PublicApi:
    """Anyone may read the published catalog; the anonymous rate limit applies (settings)."""

    permission_classes = [AllowAny]


@extend_schema(
    tags=[PUBLIC_TAG],
    summary=gettext_lazy("搜索已发布事项"),
    parameters=[ItemSearchInputSerializer],
    responses={200: ItemListOutputSerializer(many=True), 400: ERROR_400, 404: ERROR_404, 429: ERROR_429},
)
class ItemListApi(PublicApi, generics.ListAPIView):
    serializer_class = ItemListOutputSerializer

    def get_queryset(self) -> QuerySet[ServiceItem]:
        filters = parse_query(ItemSearchInputSerializer, self.request)
        region = topic = None
        if "region" in filters:
            region = selectors.region_by_code(filters["region"])
            if region is None:
                return ServiceItem.objects.none()
        if "topic" in filters:
            topic = selectors.topic_by_code(filters["topic"])
            if topic is None:
                return ServiceItem.objects.none()
        return selectors.search_published_items(
            query=filters.get("q", ""),
            department_id=filters.get("department"),
            item_type=filters.get("item_type", ""),
            service_object=filters.get("service_object", ""),
            region=region,
            min_online_depth=filters.get("online_depth"),
            topic=topic,
        )


class ItemDetailApi(PublicApi, APIView):
    @extend_schema(
        tags=[PUBLIC_TAG],
        summary=gettext_lazy("办事指南（已发布版本）"),
        parameters=[CODE_PARAMETER],
        responses={200: GuideOutputSerializer, 404: ERROR_404, 429: ERROR_429},
    )
    def get(self, request: Request, code: str) -> Response:
        item = published_item_or_404(code)
        prefetch_related_objects([item], "situations__options__adds", "situations__options__drops")
        return Response(GuideOutputSerializer(item).data)


class ItemMaterialsApi(PublicApi, APIView):
    @extend_schema(
        tags=[PUBLIC_TAG],
        summary=gettext_lazy("按所选情形生成材料清单"),
        parameters=[CODE_PARAMETER, MaterialsInputSerializer],
        responses={200: MaterialOutputSerializer(many=True), 400: ERROR_400, 404: ERROR_404, 429: ERROR_429},
    )
    def get(self, request: Request, code: str) -> Response:
        query = parse_query(MaterialsInputSerializer, request)
        item = published_item_or_404(code)
        materials = selectors.materials_for(item, query.get("options", []))
        return Response(MaterialOutputSerializer(materials, many=True).data)


@extend_schema(
    tags=[PUBLIC_TAG],
    summary=gettext_lazy("主题（含已发布事项数）"),
    responses={200: TopicWithCountOutputSerializer(many=True), 429: ERROR_429},
)
class TopicListApi(PublicApi, generics.ListAPIView):
    serializer_class = TopicWithCountOutputSerializer
    pagination_class = None  # a few dozen life and business events

    def get_queryset(self) -> QuerySet:
        return selectors.topics_with_item_counts()


@extend_schema(
    tags=[PUBLIC_TAG],
    summary=gettext_lazy("有已发布事项的实施机关"),
    parameters=[DepartmentQueryInputSerializer],
    responses={200: DepartmentOutputSerializer(many=True), 400: ERROR_400, 404: ERROR_404, 429: ERROR_429},
)
class DepartmentListApi(PublicApi, generics.ListAPIView):
    serializer_class = DepartmentOutputSerializer

    def get_queryset(self) -> QuerySet:
        query = parse_query(DepartmentQueryInputSerializer, self.request)
        departments = selectors.departments_with_published_items()
        if "region" in query:
            departments = departments.filter(region__code=query["region"])
        return departments


@extend_schema(
    tags=[PUBLIC_TAG],
    summary=gettext_lazy("有已发布事项的行政区划及其上级"),
    parameters=[RegionQueryInputSerializer],
    responses={200: RegionOutputSerializer(many=True), 400: ERROR_400, 404: ERROR_404, 429: ERROR_429},
)
class RegionListApi(PublicApi, generics.ListAPIView):
    serializer_class = RegionOutputSerializer

    def get_queryset(self) -> QuerySet[Region]:
        query = parse_query(RegionQueryInputSerializer, self.request)
        ids = [region.pk for region in selectors.regions_with_published_items()]
        regions = Region.objects.filter(pk__in=ids).select_related("parent").order_by("code")
        if "parent" in query:
            regions = regions.filter(parent__code=query["parent"])
        if "level" in query:
            regions = regions.filter(level=query["level"])
        return regions


# --- Editors and publishers ------------------------------------------------------------------
#
# Every operation: authorise with catalog.access.get_service_item_for (404 what the user may not see,
# 403 an action they may not take), then one service of catalog.services, which checks the state
# (409) and the catalog rules (422). Nothing here changes the database itself.

MANAGE_TAG = gettext_lazy("事项管理：编辑与发布")
ITEM_ID_PARAMETER = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description=gettext_lazy("事项版本 id"))
MANAGE_ERRORS = {401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 429: ERROR_429}
WORKFLOW_ERRORS = {**MANAGE_ERRORS, 400: ERROR_400, 409: ERROR_409, 422: ERROR_422}


class ManageApi:
    permission_classes = [IsVerifiedStaff]


def item_for(request: Request, item_id: int, action: access.Action) -> ServiceItem:
    return access.get_service_item_for(request.user, item_id, action)


def parse_body(serializer_class: type, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ManagedItemListApi(ManageApi, generics.ListAPIView):
    serializer_class = ManagedItemOutputSerializer

    def get_queryset(self) -> QuerySet[ServiceItem]:
        query = parse_query(ManagedItemQueryInputSerializer, self.request)
        user = self.request.user
        if not access.is_catalog_staff(user):
            raise PermissionDenied(gettext("只有事项编辑和发布审核人员可以管理事项。"))
        items = access.service_items_visible_to(user)
        if not user.is_superuser:
            departments = access.editable_departments(user) | access.publishable_departments(user)
            items = items.filter(department__in=departments)
        if "status" in query:
            items = items.filter(status=query["status"])
        if query.get("q"):
            items = items.filter(Q(name__contains=query["q"]) | Q(code__startswith=query["q"]))
        return items.order_by("code", "-version")

    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("我可编辑或审核的事项版本"),
        parameters=[ManagedItemQueryInputSerializer],
        responses={200: ManagedItemOutputSerializer(many=True), 400: ERROR_400, **MANAGE_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("新建事项（草稿，第 1 版）"),
        request=ItemCreateInputSerializer,
        responses={201: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = dict(parse_body(ItemCreateInputSerializer, request))
        basic_item, department = data.pop("basic_item"), data.pop("department")
        item = services.create_service_item(actor=request.user, basic_item=basic_item, department=department, spec=data)
        return Response(ManagedItemDetailOutputSerializer(item).data, status=201)


class ManagedItemDetailApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("查看事项版本（含完整内容）"),
        parameters=[ITEM_ID_PARAMETER],
        responses={200: ManagedItemDetailOutputSerializer, **MANAGE_ERRORS},
    )
    def get(self, request: Request, item_id: int) -> Response:
        item = item_for(request, item_id, access.VIEW)
        return Response(ManagedItemDetailOutputSerializer(item).data)

    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("修改草稿"),
        description=gettext_lazy(
            "未提交的字段保持原值；提交了的子列表（材料、情形、环节、收费、问答、主题）整体替换。"
        ),
        parameters=[ITEM_ID_PARAMETER],
        request=ItemSpecSerializer,
        responses={200: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def put(self, request: Request, item_id: int) -> Response:
        spec = parse_body(ItemSpecSerializer, request)
        item = item_for(request, item_id, access.EDIT)
        item = services.update_draft(actor=request.user, item=item, spec=dict(spec))
        return Response(ManagedItemDetailOutputSerializer(item).data)

    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("放弃草稿"),
        parameters=[ITEM_ID_PARAMETER],
        responses={204: None, **WORKFLOW_ERRORS},
    )
    def delete(self, request: Request, item_id: int) -> Response:
        item = item_for(request, item_id, access.EDIT)
        services.discard_draft(actor=request.user, item=item)
        return Response(status=204)


class ItemNewVersionApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("基于已发布版本创建新版本草稿"),
        parameters=[ITEM_ID_PARAMETER],
        request=None,
        responses={201: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = item_for(request, item_id, access.EDIT)
        draft = services.start_new_version(actor=request.user, item=item)
        return Response(ManagedItemDetailOutputSerializer(draft).data, status=201)


class ItemSubmitApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("提交审核"),
        parameters=[ITEM_ID_PARAMETER],
        request=CommentInputSerializer,
        responses={200: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        data = parse_body(CommentInputSerializer, request)
        item = item_for(request, item_id, access.EDIT)
        item = services.submit_for_approval(actor=request.user, item=item, comment=data["comment"])
        return Response(ManagedItemDetailOutputSerializer(item).data)


class ItemPublishApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("审核通过并发布（原发布版本转为历史版本）"),
        parameters=[ITEM_ID_PARAMETER],
        request=None,
        responses={200: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        item = item_for(request, item_id, access.PUBLISH)
        item = services.publish_service_item(actor=request.user, item=item)
        return Response(ManagedItemDetailOutputSerializer(item).data)


class ItemReturnApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("退回修改"),
        parameters=[ITEM_ID_PARAMETER],
        request=ReturnInputSerializer,
        responses={200: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        data = parse_body(ReturnInputSerializer, request)
        item = item_for(request, item_id, access.PUBLISH)
        item = services.return_service_item(actor=request.user, item=item, comment=data["comment"])
        return Response(ManagedItemDetailOutputSerializer(item).data)


class ItemLifecycleApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("暂停、取消或恢复已发布事项"),
        parameters=[ITEM_ID_PARAMETER],
        request=LifecycleInputSerializer,
        responses={200: ManagedItemDetailOutputSerializer, **WORKFLOW_ERRORS},
    )
    def post(self, request: Request, item_id: int) -> Response:
        data = parse_body(LifecycleInputSerializer, request)
        item = item_for(request, item_id, access.PUBLISH)
        item = services.change_item_lifecycle(
            actor=request.user,
            item=item,
            lifecycle=data["lifecycle"],
            effective_on=data["effective_on"],
            reason=data["reason"],
        )
        return Response(ManagedItemDetailOutputSerializer(item).data)


class ItemDiffApi(ManageApi, APIView):
    @extend_schema(
        tags=[MANAGE_TAG],
        summary=gettext_lazy("与另一版本比较"),
        description=gettext_lazy("against 缺省时与该事项当前发布版本比较（本版本即发布版本时，与上一版本比较）。"),
        parameters=[ITEM_ID_PARAMETER, DiffInputSerializer],
        responses={200: DiffOutputSerializer, 400: ERROR_400, **MANAGE_ERRORS},
    )
    def get(self, request: Request, item_id: int) -> Response:
        query = parse_query(DiffInputSerializer, request)
        item = item_for(request, item_id, access.VIEW)
        if "against" in query:
            against: ServiceItem | None = item_for(request, query["against"], access.VIEW)
            if against.code != item.code:
                raise BadInput(
                    gettext("只能比较同一事项的不同版本。"),
                    code="different_items",
                    detail={"against": query["against"]},
                )
        else:
            against = default_comparison(request, item)
        changes = diff.diff_versions(against, item) if against is not None else []
        body = {"item": item, "against": against, "changes": [change.as_dict() for change in changes]}
        return Response(DiffOutputSerializer(body).data)


def default_comparison(request: Request, item: ServiceItem) -> ServiceItem | None:
    """The published version, or the latest earlier version when ``item`` is the published one."""
    versions = access.service_items_visible_to(request.user).filter(code=item.code).exclude(pk=item.pk)
    published = versions.filter(status=ServiceItem.Status.PUBLISHED).first()
    if published is not None:
        return published
    return versions.filter(version__lt=item.version).order_by("-version").first()


@extend_schema(
    tags=[MANAGE_TAG],
    summary=gettext_lazy("事项变更记录（该事项所有可见版本，新的在前）"),
    parameters=[ITEM_ID_PARAMETER],
    responses={200: ItemEventOutputSerializer(many=True), **MANAGE_ERRORS},
)
class ItemHistoryApi(ManageApi, generics.ListAPIView):
    serializer_class = ItemEventOutputSerializer

    def get_queryset(self) -> QuerySet[ItemEvent]:
        item = item_for(self.request, self.kwargs["item_id"], access.VIEW)
        # Only the versions the user may see: another department's drafts stay out of sight.
        versions = access.service_items_visible_to(self.request.user).filter(code=item.code)
        return ItemEvent.objects.filter(item__in=versions).select_related("item", "actor").order_by("-at", "-id")
