"""The applications API under /api/v1/ (issue 3): one view per workflow operation.

Thin views in HackSoft style: parse the input with an input serializer → authorise with
applications.access (get_application_for / get_draft_for, the one access helper for a case, which
also names the role the user acts in) → one service → render with an output serializer. Errors are
portal.exceptions, rendered by portal.exceptions.api_exception_handler as ``{"code", "message",
"detail"}``: 404 a case the user may not see, 403 a visible case whose action the user may not take,
409 a state that does not allow the action, 422 a domain rule (Django ValidationError), 400 malformed
input. The window's operations go through windows.services (which window, which authorisation), the
back office's through reviews.services and applications.services, as the HTML workbenches do.
"""

import re
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.access import DOWNLOAD, VIEW, get_application_for, get_draft_for, intake_role, roles_in_case
from applications.access import applications_visible_to_applicant as visible_to_applicant
from applications.documents import render_document
from applications.models import Application, Extension, ReviewTask
from applications.serializers import (
    IDEMPOTENCY_KEY_RE,
    ApplicationDetailOutputSerializer,
    ApplicationListOutputSerializer,
    CaseBriefOutputSerializer,
    CorrectionInputSerializer,
    DecideInputSerializer,
    DeliverInputSerializer,
    DraftOutputSerializer,
    DraftUpdateInputSerializer,
    ExtensionDecisionInputSerializer,
    ExtensionInputSerializer,
    ExtensionOutputSerializer,
    MaterialUploadInputSerializer,
    OpinionInputSerializer,
    RefuseInputSerializer,
    RequestCorrectionInputSerializer,
    ResumeInputSerializer,
    ReviewTaskOutputSerializer,
    SettleFeeInputSerializer,
    StartInputSerializer,
    SubmitInputSerializer,
    SubmittedMaterialOutputSerializer,
    SuspendInputSerializer,
    SuspensionOutputSerializer,
    WithdrawInputSerializer,
    is_application_number,
)
from applications.transitions import TRANSITIONS, Actor
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
from portal.exceptions import BadInput, DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Organization, Role
from portal.parsers import JSONParser, MultiPartParser
from reviews import selectors as review_selectors
from reviews import services as review_services
from windows import selectors as window_selectors
from windows import services as window_services

S = Application.Status
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
APPLICANT_TAG = "办件：申请人"
WINDOW_TAG = "办件：综合窗口"
REVIEW_TAG = "办件：部门审查"
TASK_ROLES = {Actor.REVIEWER, Actor.APPROVER}
# When a person holds several parts in a case, the most specific acts (access.get_application_for).
ROLE_PREFERENCE = (Actor.APPROVER, Actor.REVIEWER, Actor.CHIEF_REP, Actor.DEPT_HEAD, Actor.HANDLER, Actor.CLERK)

NUMBER_PARAMETER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="办件编号")
FEE_PARAMETER = OpenApiParameter("fee_id", int, OpenApiParameter.PATH, description="收费 id（办件 fees 列表中的 id）")
DRAFT_PARAMETER = OpenApiParameter("draft_id", int, OpenApiParameter.PATH, description="草稿 id（提交前没有办件编号）")
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="请求标识（8–64 位字母、数字或 _ . : -，建议 UUID）：同一标识重复提交返回同一草稿（200）",
)
READ_ERRORS = {401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 429: ERROR_429}
WRITE_ERRORS = {**READ_ERRORS, 400: ERROR_400, 409: ERROR_409, 422: ERROR_422}
FILE_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="文件内容")


class IsSignedIn(BasePermission):
    """A signed-in, active user; staff also with the second factor (portal.api.IsVerifiedStaff),
    because a case operation may be an applicant's or a clerk's or a reviewer's."""

    message = "请先登录；工作人员须完成动态验证码验证。"

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
        raise NotFound("未找到该办件，或您无权查看。")
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
        summary="我的办件（含草稿，新的在前）",
        responses={200: ApplicationListOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="发起网上申请（生成草稿）",
        description=(
            "本人申请须再次填写姓名和身份证号码，与实名认证信息核对（格式错误 400，不一致 422）；"
            "经办人申请选择已登记的单位；代为申请须上传委托书（multipart）。"
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request={"application/json": StartInputSerializer, "multipart/form-data": StartInputSerializer},
        responses={
            201: DraftOutputSerializer,
            200: OpenApiResponse(DraftOutputSerializer, description="同一 Idempotency-Key 已生成的草稿"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = parse(StartInputSerializer, request)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY_RE.match(key):
            raise BadInput("Idempotency-Key 须为 8–64 位字母、数字或 _ . : -。", code="bad_idempotency_key")
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
        summary="查看草稿（申请表、情形、材料清单）",
        parameters=[DRAFT_PARAMETER],
        responses={200: DraftOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(DraftOutputSerializer(get_draft_for(request.user, draft_id)).data)

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="保存草稿",
        description=(
            "未提交的字段保持原值；form_data 整体替换（校验在提交时进行）。"
            "申请表中的证件号码加密保存、以脱敏形式返回；原样提交脱敏号码的，保留原号码。"
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
        summary="删除草稿",
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
        summary="上传材料（替换该材料已上传的文件）",
        description="文件按内容识别格式（PDF、JPEG、PNG、OFD），伪造或超过大小限制的文件返回 422。",
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
                "该材料不在本申请的材料清单中（清单随所选情形变化）。",
                code="material_not_listed",
                detail={"requirement": ["该材料不在本申请的材料清单中。"]},
            )
        material = services.attach_material(
            application=application, requirement=requirement, file=data["file"], actor=request.user
        )
        return Response(SubmittedMaterialOutputSerializer(material).data, status=201)


class DraftSubmitApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="提交申请（承诺声明）",
        description="申请表、必要材料和承诺声明齐全后生成办件编号；重复提交返回同一办件。",
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
            application=application, actor=request.user, declaration=data["declaration"]
        )
        return detail_response(application)


class ApplicationDetailApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="查看办件",
        description="状态、期限、申请人可见的办理过程（内部意见不显示）、文书和材料的下载地址、现在需要做的事。",
        parameters=[NUMBER_PARAMETER],
        responses={200: ApplicationDetailOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        application, _ = case_for(request, number)
        return detail_response(application)


class ApplicationWithdrawApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="撤回申请（作出决定前）",
        parameters=[NUMBER_PARAMETER],
        request=WithdrawInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(WithdrawInputSerializer, request)
        application, _ = case_for(request, number, "withdraw")
        services.withdraw_application(application=application, actor=request.user, reason=data["reason"])
        return detail_response(application)


class ApplicationCorrectionApi(CaseApi, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="提交补正材料",
        description=(
            "按一次性告知书列明的材料逐一提交：requirements 与 files 按顺序一一对应，不多不少。"
            "受理前补正的，办件回到补正前的状态；受理后补正的，结束暂停、恢复计时，办结日期顺延。"
            "申请人在网上提交，或由窗口工作人员代收（申请人到窗口补正）；没有待补正的告知返回 409。"
        ),
        parameters=[NUMBER_PARAMETER],
        request={"multipart/form-data": CorrectionInputSerializer},
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(CorrectionInputSerializer, request)
        application, role = case_for(request, number, "resubmit")
        files = dict(zip(data["requirements"], data["files"], strict=True))
        if role == Actor.CLERK:
            window_services.take_correction(clerk=request.user, application=application, files=files)
        else:
            services.resubmit_correction(
                application=application, actor=request.user, actor_role=role or "", files=files
            )
        return detail_response(application)


class ApplicationDocumentApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="下载文书（PDF）",
        parameters=[NUMBER_PARAMETER, OpenApiParameter("token", str, OpenApiParameter.PATH, description="文书核验码")],
        responses={(200, "application/pdf"): FILE_RESPONSE, **READ_ERRORS},
    )
    def get(self, request: Request, number: str, token: str) -> HttpResponse:
        application, _ = case_for(request, number, DOWNLOAD)
        # A token is URL-safe base64; anything else (NUL, spaces…) is no token: answer before asking the database.
        document = application.documents.filter(token=token).first() if TOKEN_RE.match(token) else None
        if document is None:
            raise NotFound("未找到该文书。")
        response = HttpResponse(render_document(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.kind}-{application.number}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class ApplicationMaterialApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="下载已提交的材料",
        parameters=[NUMBER_PARAMETER, OpenApiParameter("material_id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): FILE_RESPONSE, **READ_ERRORS},
    )
    def get(self, request: Request, number: str, material_id: int) -> FileResponse:
        application, _ = case_for(request, number, DOWNLOAD)
        material = application.materials.select_related("requirement").filter(pk=material_id).first()
        if material is None or not material.file:
            raise NotFound("该材料不存在。")
        try:
            handle = material.file.open("rb")
        except FileNotFoundError:
            raise NotFound("该材料不存在。") from None
        extension = material.file.name.rsplit(".", 1)[-1].lower() if "." in material.file.name else "bin"
        response = FileResponse(handle, as_attachment=True, filename=f"{material.requirement.name}.{extension}")
        response["Cache-Control"] = "private, no-store"
        return response


class FeePayApi(CaseApi, APIView):
    @extend_schema(
        tags=[APPLICANT_TAG],
        summary="网上缴费",
        description=(
            "按核定的收费项目向支付平台（开发环境为演示支付）下单，支付确认后登记为已缴费，"
            "缴费或减免后方可出件。仅限申请人本人；事项不支持网上缴费返回 422，"
            "该费用已缴纳或已减免返回 409（重复支付不会重复扣款）。"
        ),
        parameters=[NUMBER_PARAMETER, FEE_PARAMETER],
        request=None,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str, fee_id: int) -> Response:
        application, _ = case_for(request, number)
        if Actor.APPLICANT not in roles_in_case(request.user, application):
            raise PermissionDenied("只有申请人可以在网上缴费。")
        fee = application.fee_assessments.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound("该办件没有这笔费用。")
        services.pay_fee_online(application=application, fee=fee, actor=request.user)
        return detail_response(application)


# --- The comprehensive window (综合窗口) -------------------------------------------------------------


def _window_authorization(request: Request, application: Application) -> Any:
    authorization = window_selectors.authorization_for(request.user, application)
    if authorization is None:
        raise PermissionDenied("您所在的窗口未获实施部门授权受理该事项。")
    return authorization


class WindowQueueApi(StaffApi, generics.ListAPIView):
    serializer_class = CaseBriefOutputSerializer

    def check_clerk(self) -> None:
        if not self.request.user.has_role(Role.CLERK):
            raise PermissionDenied("只有窗口工作人员可以查看窗口队列。")


@extend_schema(
    tags=[WINDOW_TAG],
    summary="预审队列：待窗口处理的网上申报（先到先办）",
    responses={200: CaseBriefOutputSerializer(many=True), **READ_ERRORS},
)
class PrereviewQueueApi(WindowQueueApi):
    def get_queryset(self) -> QuerySet[Application]:
        self.check_clerk()
        return window_selectors.prereview_queue(self.request.user)


@extend_schema(
    tags=[WINDOW_TAG],
    summary="出件队列：本大厅已作出决定、待送达的办件",
    responses={200: CaseBriefOutputSerializer(many=True), **READ_ERRORS},
)
class DeliveryQueueApi(WindowQueueApi):
    def get_queryset(self) -> QuerySet[Application]:
        self.check_clerk()
        return window_selectors.delivery_queue(self.request.user)


class ApplicationAcceptApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary="受理",
        description=(
            "窗口：须获“收件即受理”授权；实施部门受理人员：仅限窗口已收件的办件。"
            "受理后开始计时并生成受理凭证；已受理的再次受理返回 409。"
        ),
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        application, _ = case_for(request, number)
        # 受办分离: the window's clerk, or the department's handler once a window has received the case.
        if intake_role(request.user, application, "accept") == Actor.CLERK:
            if not _window_authorization(request, application).accepts_on_receipt:
                raise PermissionDenied("本窗口仅获授权收件，受理由实施部门作出，请使用“收件”。")
            window_services.take_in_application(clerk=request.user, application=application)
        else:
            services.accept_application(application=application, actor=request.user, actor_role=Actor.HANDLER)
        return detail_response(application)


class ApplicationReceiveApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary="收件（转实施部门受理）",
        description="仅获收件授权的窗口使用；行政许可法第三十二条的五个工作日自收件起算。",
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        application, _ = case_for(request, number, "receive")
        if _window_authorization(request, application).accepts_on_receipt:
            raise PermissionDenied("本窗口获授权收件即受理，请直接受理。")
        window_services.take_in_application(clerk=request.user, application=application)
        return detail_response(application)


class ApplicationRequestCorrectionApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary="一次性告知补正",
        description="列明全部需补正的材料和原因（行政许可法第三十二条），生成一次性告知书。",
        parameters=[NUMBER_PARAMETER],
        request=RequestCorrectionInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(RequestCorrectionInputSerializer, request)
        application, _ = case_for(request, number)
        entries = [dict(entry) for entry in data["entries"]]
        if intake_role(request.user, application, "request_correction") == Actor.CLERK:
            window_services.ask_for_correction(
                clerk=request.user, application=application, entries=entries, due_on=data.get("due_on")
            )
        else:
            services.request_correction(
                application=application,
                actor=request.user,
                actor_role=Actor.HANDLER,
                entries=entries,
                due_on=data.get("due_on"),
            )
        return detail_response(application)


class ApplicationRefuseApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary="不予受理",
        description="写明理由、法律依据和有权受理的机关，生成不予受理决定书（告知复议、诉讼权利）。",
        parameters=[NUMBER_PARAMETER],
        request=RefuseInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(RefuseInputSerializer, request)
        application, _ = case_for(request, number)
        if intake_role(request.user, application, "refuse") == Actor.CLERK:
            window_services.refuse_at_window(clerk=request.user, application=application, **data)
        else:
            services.refuse_application(application=application, actor=request.user, actor_role=Actor.HANDLER, **data)
        return detail_response(application)


class ApplicationDeliverApi(CaseApi, APIView):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=[WINDOW_TAG],
        summary="出件（送达并办结）",
        description="窗口领取须核对领取人身份证件（他人代领须上传委托书）；邮寄须填快递单号；费用未结清返回 422。",
        parameters=[NUMBER_PARAMETER],
        request={"application/json": DeliverInputSerializer, "multipart/form-data": DeliverInputSerializer},
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(DeliverInputSerializer, request)
        application, _ = case_for(request, number, "deliver")
        if application.status != S.DECIDED:
            raise InvalidTransition(f"办件当前状态为“{application.get_status_display()}”，不能出件。")
        window_services.deliver_at_window(
            clerk=request.user,
            application=application,
            method=data["method"],
            recipient_name=data["recipient_name"],
            recipient_id_number=data["recipient_id_number"],
            is_proxy=data["is_proxy"],
            proxy_letter=data.get("proxy_letter"),
            tracking_number=data["tracking_number"],
        )
        return detail_response(application)


class FeeSettleApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary="登记窗口缴费或减免",
        parameters=[NUMBER_PARAMETER, FEE_PARAMETER],
        request=SettleFeeInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str, fee_id: int) -> Response:
        data = parse(SettleFeeInputSerializer, request)
        application, _ = case_for(request, number)
        if Actor.CLERK not in roles_in_case(request.user, application):
            raise PermissionDenied("只有办理该办件的窗口工作人员可以登记缴费或减免。")
        fee = application.fee_assessments.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound("该办件没有这笔费用。")
        services.settle_fee(
            fee=fee, actor=request.user, paid_reference=data["paid_reference"], waiver_basis=data["waiver_basis"]
        )
        return detail_response(application)


# --- Back-office review (受办分离) ----------------------------------------------------------------------


def review_role(request: Request, number: str, *, action: str | None, roles: set[str]) -> tuple[Application, str]:
    """The case and the role in which the user takes a review action; call inside a transaction.

    The open task is locked first, so a claim or reassignment running at this moment finishes before
    the access helper reads the task's assignee (as in the HTML workbench, reviews.views._act).
    """
    application, _ = case_for(request, number)
    ReviewTask.objects.select_for_update().filter(application=application, status=ReviewTask.Status.OPEN).first()
    role = case_for(request, number, action)[1] if action else None
    if role not in roles:
        held = roles_in_case(request.user, application) & roles
        if not held:
            label = TRANSITIONS[action].label if action else "此操作"
            raise PermissionDenied(f"您不能对该办件执行“{label}”：任务未分配给您，或不属于您的职责。")
        role = next(r for r in ROLE_PREFERENCE if r in held)
    return application, role


@extend_schema(
    tags=[REVIEW_TAG],
    summary="本部门待办审查任务（按承诺办结日期）",
    responses={200: ReviewTaskOutputSerializer(many=True), **READ_ERRORS},
)
class ReviewTaskListApi(StaffApi, generics.ListAPIView):
    serializer_class = ReviewTaskOutputSerializer

    def get_queryset(self) -> QuerySet[ReviewTask]:
        if not review_selectors.is_workbench_user(self.request.user):
            raise PermissionDenied("只有部门审查人员、部门负责人和首席代表可以查看审查任务。")
        return review_selectors.queue_for(self.request.user)


class ReviewTaskClaimApi(StaffApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="认领审查任务",
        parameters=[OpenApiParameter("task_id", int, OpenApiParameter.PATH, description="审查任务 id")],
        request=None,
        responses={200: ReviewTaskOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, task_id: int) -> Response:
        task = review_services.claim_task(user=request.user, task=review_selectors.task_for(request.user, task_id))
        return Response(ReviewTaskOutputSerializer(task).data)


class ApplicationPassApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="审查通过，转下一环节",
        parameters=[NUMBER_PARAMETER],
        request=OpinionInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(OpinionInputSerializer, request)
        with transaction.atomic():
            application, _ = review_role(request, number, action="pass_step", roles={Actor.REVIEWER})
            services.pass_step(application=application, actor=request.user, opinion=data["opinion"])
        return detail_response(application)


class ApplicationReturnApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="退回上一环节",
        parameters=[NUMBER_PARAMETER],
        request=OpinionInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(OpinionInputSerializer, request)
        with transaction.atomic():
            application, _ = review_role(request, number, action="return_step", roles=TASK_ROLES)
            services.return_step(application=application, actor=request.user, opinion=data["opinion"])
        return detail_response(application)


class ApplicationDecideApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="作出准予或不予许可的决定",
        description="最后环节的批准人作出；承办人不能批准自己承办的办件（403）；首席代表可当场准予授权的即办件。",
        parameters=[NUMBER_PARAMETER],
        request=DecideInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(DecideInputSerializer, request)
        granted = data["outcome"] == Application.Outcome.GRANTED
        with transaction.atomic():
            application, role = review_role(
                request,
                number,
                action="grant" if granted else "deny",
                roles={Actor.APPROVER, Actor.CHIEF_REP} if granted else {Actor.APPROVER},
            )
            services.decide_application(application=application, actor=request.user, actor_role=role, **data)
        return detail_response(application)


class ApplicationSuspendApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="启动特别程序，暂停计时",
        description="现场勘验、听证、检验检测、专家评审等所需时间不计入办理时限（行政许可法第四十五条），书面告知申请人。",
        parameters=[NUMBER_PARAMETER],
        request=SuspendInputSerializer,
        responses={200: SuspensionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(SuspendInputSerializer, request)
        with transaction.atomic():
            application, _ = review_role(request, number, action="suspend", roles=TASK_ROLES)
            suspension = services.suspend_application(application=application, actor=request.user, **data)
        return Response(SuspensionOutputSerializer(suspension).data)


class ApplicationSuspendForCorrectionApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="受理后一次性告知补正，暂停计时",
        description=(
            "审查中发现材料不齐全或不符合法定形式的，列明需补正的全部材料、原因和期限，生成一次性告知书并通知申请人；"
            "补正期间暂停计时，申请人提交全部列明材料后自动恢复计时，逾期未补正的予以退件。受理后的补正只能告知一次（409）。"
        ),
        parameters=[NUMBER_PARAMETER],
        request=RequestCorrectionInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(RequestCorrectionInputSerializer, request)
        with transaction.atomic():
            application, role = review_role(request, number, action="suspend", roles=TASK_ROLES)
            services.suspend_for_correction(
                application=application,
                actor=request.user,
                actor_role=role,
                entries=[dict(entry) for entry in data["entries"]],
                due_on=data.get("due_on"),
            )
        return detail_response(application)


class ApplicationResumeApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="特别程序结束，恢复计时",
        parameters=[NUMBER_PARAMETER],
        request=ResumeInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(ResumeInputSerializer, request)
        with transaction.atomic():
            application, role = review_role(request, number, action="resume", roles=TASK_ROLES)
            services.resume_application(application=application, actor=request.user, actor_role=role, **data)
        return detail_response(application)


class ApplicationExtensionApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="申请延长办理时限（待部门负责人批准）",
        parameters=[NUMBER_PARAMETER],
        request=ExtensionInputSerializer,
        responses={201: ExtensionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(ExtensionInputSerializer, request)
        with transaction.atomic():
            application, _ = review_role(request, number, action=None, roles=TASK_ROLES)
            extension = services.request_extension(application=application, actor=request.user, **data)
        return Response(ExtensionOutputSerializer(extension).data, status=201)


class ExtensionDecideApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary="部门负责人批准或不批准延长",
        description="批准后两个办结日期顺延，生成延长期限告知书（行政许可法第四十二条）。",
        parameters=[OpenApiParameter("extension_id", int, OpenApiParameter.PATH, description="延长申请 id")],
        request=ExtensionDecisionInputSerializer,
        responses={200: ExtensionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, extension_id: int) -> Response:
        data = parse(ExtensionDecisionInputSerializer, request)
        extension = Extension.objects.select_related("application").filter(pk=extension_id).first()
        if extension is None or not extension.application.number:
            raise NotFound("未找到该延长申请，或您无权查看。")
        case_for(request, extension.application.number, "extend")
        extension = services.decide_extension(extension=extension, actor=request.user, approve=data["approve"])
        return Response(ExtensionOutputSerializer(extension).data)
