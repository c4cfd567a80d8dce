"""The applicant's API under /api/v1/ (issue 3), and what every case API shares: one view per workflow operation.

Thin views in HackSoft style: parse the input with an input serializer → authorise with
applications.access (get_application_for / get_draft_for, the one access helper for a case, which
also names the role the user acts in) → one service → render with an output serializer. Errors are
portal.exceptions, rendered by portal.exceptions.api_exception_handler as ``{"code", "message",
"detail"}``: 404 a case the user may not see, 403 a visible case whose action the user may not take,
409 a state that does not allow the action, 422 a domain rule (Django ValidationError), 400 malformed
input. The window's operations live in windows.api, the back office's in reviews.api (the floors
above): they build on the permissions, helpers and schema pieces defined here.
"""

import re
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.access import DOWNLOAD, VIEW, get_application_for, get_draft_for, roles_in_case
from applications.access import applications_visible_to_applicant as visible_to_applicant
from applications.documents import render_document
from applications.models import Application
from applications.serializers import (
    IDEMPOTENCY_KEY_RE,
    ApplicationDetailOutputSerializer,
    ApplicationListOutputSerializer,
    DraftOutputSerializer,
    DraftUpdateInputSerializer,
    MaterialUploadInputSerializer,
    StartInputSerializer,
    SubmitInputSerializer,
    SubmittedMaterialOutputSerializer,
    WithdrawInputSerializer,
    is_application_number,
)
from applications.transitions import Actor
from catalog import selectors as catalog_selectors
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
from portal.exceptions import BadInput, DomainError, NotFound, PermissionDenied
from portal.models import Organization
from portal.parsers import JSONParser, MultiPartParser

S = Application.Status
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
APPLICANT_TAG = gettext_lazy("办件：申请人")

NUMBER_PARAMETER = OpenApiParameter("number", str, OpenApiParameter.PATH, description=gettext_lazy("办件编号"))
FEE_PARAMETER = OpenApiParameter(
    "fee_id", int, OpenApiParameter.PATH, description=gettext_lazy("收费 id（办件 fees 列表中的 id）")
)
DRAFT_PARAMETER = OpenApiParameter(
    "draft_id", int, OpenApiParameter.PATH, description=gettext_lazy("草稿 id（提交前没有办件编号）")
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy("请求标识（8–64 位字母、数字或 _ . : -，建议 UUID）：同一标识重复提交返回同一草稿（200）"),
)
READ_ERRORS = {401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 429: ERROR_429}
WRITE_ERRORS = {**READ_ERRORS, 400: ERROR_400, 409: ERROR_409, 422: ERROR_422}
FILE_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description=gettext_lazy("文件内容"))


class IsSignedIn(BasePermission):
    """A signed-in, active user; staff also with the second factor (portal.api.IsVerifiedStaff),
    because a case operation may be an applicant's or a clerk's or a reviewer's."""

    message = gettext_lazy("请先登录；工作人员须完成动态验证码验证。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return not user.is_portal_staff or IsVerifiedStaff().has_permission(request, view)


class CaseApi:
    permission_classes = [IsSignedIn]
    parser_classes = [JSONParser]


class StaffApi:
    permission_classes = [IsVerifiedStaff]
    parser_classes = [JSONParser]


def parse(serializer_class: type, request: Request, **context: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def case_for(request: Request, number: str, action: str = VIEW) -> tuple[Application, str | None]:
    """The case and the role the user acts in (None for reads); 404 unseen, 403 an action not theirs."""
    # A number with characters no number has (NUL, spaces…) is no case: answer before asking the database.
    if not is_application_number(number):
        raise NotFound(gettext("未找到该办件，或您无权查看。"))
    return get_application_for(request.user, number, action)


def detail_response(application: Application, status: int = 200) -> Response:
    body = ApplicationDetailOutputSerializer(selectors.application_detail(application)).data
    return Response(body, status=status)


# --- The applicant ------------------------------------------------------------------------------


class ApplicationListApi(CaseApi, generics.ListAPIView):
    serializer_class = ApplicationListOutputSerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.my_applications(self.request.user)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("我的办件（含草稿，新的在前）"),
        responses={200: ApplicationListOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("发起网上申请（生成草稿）"),
        description=(
            gettext_lazy(
                "本人申请须再次填写姓名和身份证号码，与实名认证信息核对（格式错误 400，不一致 422）；"
                "经办人申请选择已登记的单位；代为申请须上传委托书（multipart）。"
            )
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"application/json": StartInputSerializer, "multipart/form-data": StartInputSerializer},
        responses={
            201: DraftOutputSerializer,
            200: OpenApiResponse(DraftOutputSerializer, description=gettext_lazy("同一 Idempotency-Key 已生成的草稿")),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = parse(StartInputSerializer, request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY_RE.match(key):
            raise BadInput(gettext("Idempotency-Key 须为 8–64 位字母、数字或 _ . : -。"), code="bad_idempotency_key")
        item = catalog_selectors.published_item(data["item"])
        organization = None
        if data.get("organization"):
            organization = Organization.objects.filter(pk=data["organization"]).first()
        is_replay = bool(key) and Application.objects.filter(idempotency_key=key, applicant_user=request.user).exists()
        application = services.start_online_application(
            user=request.user,
            item=item,
            acting_as=data["acting_as"],
            name=data["name"],
            id_number=data["id_number"],
            organization=organization,
            phone=data["phone"],
            proxy_letter=data.get("proxy_letter"),
            idempotency_key=key or None,
        )
        return Response(DraftOutputSerializer(application).data, status=200 if is_replay else 201)


class DraftDetailApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("查看草稿（申请表、情形、材料清单）"),
        parameters=[DRAFT_PARAMETER],
        responses={200: DraftOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(DraftOutputSerializer(get_draft_for(request.user, draft_id)).data)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("保存草稿"),
        description=(
            gettext_lazy(
                "未提交的字段保持原值；form_data 整体替换（校验在提交时进行）。"
                "申请表中的证件号码加密保存、以脱敏形式返回；原样提交脱敏号码的，保留原号码。"
            )
        ),
        parameters=[DRAFT_PARAMETER],
        request=DraftUpdateInputSerializer,
        responses={200: DraftOutputSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, draft_id: int) -> Response:
        application = get_draft_for(request.user, draft_id)
        data = parse(DraftUpdateInputSerializer, request, application=application)
        application = services.save_draft(application=application, **data)
        return Response(DraftOutputSerializer(application).data)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("删除草稿"),
        parameters=[DRAFT_PARAMETER],
        responses={204: None, **READ_ERRORS},
    )
    def delete(self, request: Request, draft_id: int) -> Response:
        application = get_draft_for(request.user, draft_id)
        services.withdraw_application(application=application, actor=request.user)
        return Response(status=204)


class DraftMaterialApi(CaseApi, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("上传材料（替换该材料已上传的文件）"),
        description=gettext_lazy("文件按内容识别格式（PDF、JPEG、PNG、OFD），伪造或超过大小限制的文件返回 422。"),
        parameters=[DRAFT_PARAMETER],
        request={"multipart/form-data": MaterialUploadInputSerializer},
        responses={201: SubmittedMaterialOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, draft_id: int) -> Response:
        data = parse(MaterialUploadInputSerializer, request)
        application = get_draft_for(request.user, draft_id)
        requirement = next((m for m in services.required_materials(application) if m.id == data["requirement"]), None)
        if requirement is None:
            raise DomainError(
                gettext("该材料不在本申请的材料清单中（清单随所选情形变化）。"),
                code="material_not_listed",
                detail={"requirement": [gettext("该材料不在本申请的材料清单中。")]},
            )
        material = services.attach_material(
            application=application, requirement=requirement, file=data["file"], actor=request.user
        )
        return Response(SubmittedMaterialOutputSerializer(material).data, status=201)


class DraftSubmitApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("提交申请（承诺声明）"),
        description=gettext_lazy("申请表、必要材料和承诺声明齐全后生成办件编号；重复提交返回同一办件。"),
        parameters=[DRAFT_PARAMETER],
        request=SubmitInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, draft_id: int) -> Response:
        data = parse(SubmitInputSerializer, request)
        try:
            application = get_draft_for(request.user, draft_id)
        except NotFound:
            # A double submit: the first one made the case, the second gets the same case.
            submitted = visible_to_applicant(request.user).filter(pk=draft_id, status=S.SUBMITTED).first()
            if submitted is None:
                raise
            return detail_response(submitted)
        application = services.submit_application(
            application=application,
            actor=request.user,
            declaration=data["declaration"],
            deferral_pledged=data["deferral_pledged"],
        )
        return detail_response(application)


class ApplicationDetailApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("查看办件"),
        description=gettext_lazy(
            "状态、期限、申请人可见的办理过程（内部意见不显示）、文书和材料的下载地址、现在需要做的事。"
        ),
        parameters=[NUMBER_PARAMETER],
        responses={200: ApplicationDetailOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        application, _ = case_for(request, number)
        return detail_response(application)


class ApplicationWithdrawApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("撤回申请（作出决定前）"),
        parameters=[NUMBER_PARAMETER],
        request=WithdrawInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(WithdrawInputSerializer, request)
        application, _ = case_for(request, number, "withdraw")
        services.withdraw_application(application=application, actor=request.user, reason=data["reason"])
        return detail_response(application)


class ApplicationDocumentApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("下载文书（PDF）"),
        parameters=[
            NUMBER_PARAMETER,
            OpenApiParameter("token", str, OpenApiParameter.PATH, description=gettext_lazy("文书核验码")),
        ],
        responses={(200, "application/pdf"): FILE_RESPONSE, **READ_ERRORS},
    )
    def get(self, request: Request, number: str, token: str) -> HttpResponse:
        application, _ = case_for(request, number, DOWNLOAD)
        # A token is URL-safe base64; anything else (NUL, spaces…) is no token: answer before asking the database.
        document = application.documents.filter(token=token).first() if TOKEN_RE.match(token) else None
        if document is None:
            raise NotFound(gettext("未找到该文书。"))
        response = HttpResponse(render_document(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.kind}-{application.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class ApplicationMaterialApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("下载已提交的材料"),
        parameters=[NUMBER_PARAMETER, OpenApiParameter("material_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): FILE_RESPONSE, **READ_ERRORS},
    )
    def get(self, request: Request, number: str, material_id: int) -> FileResponse:
        application, _ = case_for(request, number, DOWNLOAD)
        material = application.materials.select_related("requirement").filter(pk=material_id).first()
        if material is None or not material.file:
            raise NotFound(gettext("该材料不存在。"))
        try:
            handle = material.file.open("rb")
        except FileNotFoundError:
            raise NotFound(gettext("该材料不存在。")) from None
        extension = material.file.name.rsplit(".", 1)[-1].lower() if "." in material.file.name else "bin"
        response = FileResponse(handle, as_attachment=True, filename=f"{material.requirement.name}.{extension}")
        response["Cache-Control"] = "private, no-store"
        return response


class FeePayApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("网上缴费"),
        description=(
            gettext_lazy(
                "按核定的收费项目向支付平台（开发环境为演示支付）下单，支付确认后登记为已缴费，"
                "缴费或减免后方可出件。仅限申请人本人；事项不支持网上缴费返回 422，"
                "该费用已缴纳或已减免返回 409（重复支付不会重复扣款）。"
            )
        ),
        parameters=[NUMBER_PARAMETER, FEE_PARAMETER],
        request=None,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str, fee_id: int) -> Response:
        application, _ = case_for(request, number)
        if Actor.APPLICANT not in roles_in_case(request.user, application):
            raise PermissionDenied(gettext("只有申请人可以在网上缴费。"))
        fee = application.fee_assessments.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound(gettext("该办件没有这笔费用。"))
        services.pay_fee_online(application=application, fee=fee, actor=request.user)
        return detail_response(application)
