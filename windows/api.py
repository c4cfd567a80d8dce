"""The comprehensive window's API under /api/v1/ (综合窗口): its queues, the intake decisions
(accept, receive, a one-time correction notice, refuse), fees settled at the window and the handover.

Thin views as in applications.api (parse → applications.access → one service → the case): the
clerk's operations go through windows.services (which window, which authorisation), as the HTML
workbench does; accept, request a correction and refuse are also the department's handler's once a
window has received the case (受办分离, access.intake_role), and then go to applications.services.
The applicant's correction lives here too: a clerk may take the materials handed in at the window.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import services
from applications.access import intake_role, roles_in_case
from applications.api import (
    APPLICANT_TAG,
    FEE_PARAMETER,
    NUMBER_PARAMETER,
    READ_ERRORS,
    WRITE_ERRORS,
    CaseApi,
    StaffApi,
    case_for,
    detail_response,
    parse,
)
from applications.models import Application
from applications.serializers import (
    ApplicationDetailOutputSerializer,
    CaseBriefOutputSerializer,
    CorrectionInputSerializer,
    RequestCorrectionInputSerializer,
)
from applications.transitions import Actor
from portal.exceptions import InvalidTransition, NotFound, PermissionDenied
from portal.models import Role
from portal.parsers import JSONParser, MultiPartParser
from windows import selectors as window_selectors
from windows import services as window_services
from windows.serializers import DeliverInputSerializer, RefuseInputSerializer, SettleFeeInputSerializer

S = Application.Status
WINDOW_TAG = gettext_lazy("办件：综合窗口")


def _window_authorization(request: Request, application: Application) -> Any:
    authorization = window_selectors.authorization_for(request.user, application)
    if authorization is None:
        raise PermissionDenied(gettext("您所在的窗口未获实施部门授权受理该事项。"))
    return authorization


class WindowQueueApi(StaffApi, generics.ListAPIView):
    serializer_class = CaseBriefOutputSerializer

    def check_clerk(self) -> None:
        if not self.request.user.has_role(Role.CLERK):
            raise PermissionDenied(gettext("只有窗口工作人员可以查看窗口队列。"))


@extend_schema(
    tags=[WINDOW_TAG],
    summary=gettext_lazy("预审队列：待窗口处理的网上申报（先到先办）"),
    responses={200: CaseBriefOutputSerializer(many=True), **READ_ERRORS},
)
class PrereviewQueueApi(WindowQueueApi):
    def get_queryset(self) -> QuerySet[Application]:
        self.check_clerk()
        return window_selectors.prereview_queue(self.request.user)


@extend_schema(
    tags=[WINDOW_TAG],
    summary=gettext_lazy("出件队列：本大厅已作出决定、待送达的办件"),
    responses={200: CaseBriefOutputSerializer(many=True), **READ_ERRORS},
)
class DeliveryQueueApi(WindowQueueApi):
    def get_queryset(self) -> QuerySet[Application]:
        self.check_clerk()
        return window_selectors.delivery_queue(self.request.user)


class ApplicationAcceptApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary=gettext_lazy("受理"),
        description=(
            gettext_lazy(
                "窗口：须获“收件即受理”授权；实施部门受理人员：仅限窗口已收件的办件。"
                "受理后开始计时并生成受理凭证；已受理的再次受理返回 409。"
            )
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
                raise PermissionDenied(gettext("本窗口仅获授权收件，受理由实施部门作出，请使用“收件”。"))
            window_services.take_in_application(clerk=request.user, application=application)
        else:
            services.accept_application(application=application, actor=request.user, actor_role=Actor.HANDLER)
        return detail_response(application)


class ApplicationReceiveApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary=gettext_lazy("收件（转实施部门受理）"),
        description=gettext_lazy("仅获收件授权的窗口使用；行政许可法第三十二条的五个工作日自收件起算。"),
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        application, _ = case_for(request, number, "receive")
        if _window_authorization(request, application).accepts_on_receipt:
            raise PermissionDenied(gettext("本窗口获授权收件即受理，请直接受理。"))
        window_services.take_in_application(clerk=request.user, application=application)
        return detail_response(application)


class ApplicationRequestCorrectionApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary=gettext_lazy("一次性告知补正"),
        description=gettext_lazy("列明全部需补正的材料和原因（行政许可法第三十二条），生成一次性告知书。"),
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
        summary=gettext_lazy("不予受理"),
        description=gettext_lazy("写明理由、法律依据和有权受理的机关，生成不予受理决定书（告知复议、诉讼权利）。"),
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
        summary=gettext_lazy("出件（送达并办结）"),
        description=(
            gettext_lazy(
                "窗口领取须核对领取人身份证件（他人代领须上传委托书）；邮寄须填快递单号；费用未结清返回 422。"
                "网上申请的材料须核验纸质原件的，只能窗口领取："
                "逐一核验原件后在 originals_checked 中列明，缺少的返回 422。"
            )
        ),
        parameters=[NUMBER_PARAMETER],
        request={"application/json": DeliverInputSerializer, "multipart/form-data": DeliverInputSerializer},
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(DeliverInputSerializer, request)
        application, _ = case_for(request, number, "deliver")
        if application.status != S.DECIDED:
            raise InvalidTransition(
                gettext("办件当前状态为“%(status)s”，不能出件。") % {"status": application.get_status_display()}
            )
        window_services.deliver_at_window(
            clerk=request.user,
            application=application,
            method=data["method"],
            recipient_name=data["recipient_name"],
            recipient_id_number=data["recipient_id_number"],
            is_proxy=data["is_proxy"],
            proxy_letter=data.get("proxy_letter"),
            tracking_number=data["tracking_number"],
            originals_checked=data["originals_checked"],
        )
        return detail_response(application)


class FeeSettleApi(CaseApi, APIView):
    @extend_schema(
        tags=[WINDOW_TAG],
        summary=gettext_lazy("登记窗口缴费或减免"),
        parameters=[NUMBER_PARAMETER, FEE_PARAMETER],
        request=SettleFeeInputSerializer,
        responses={200: ApplicationDetailOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str, fee_id: int) -> Response:
        data = parse(SettleFeeInputSerializer, request)
        application, _ = case_for(request, number)
        if Actor.CLERK not in roles_in_case(request.user, application):
            raise PermissionDenied(gettext("只有办理该办件的窗口工作人员可以登记缴费或减免。"))
        fee = application.fee_assessments.filter(pk=fee_id).first()
        if fee is None:
            raise NotFound(gettext("该办件没有这笔费用。"))
        services.settle_fee(
            fee=fee, actor=request.user, paid_reference=data["paid_reference"], waiver_basis=data["waiver_basis"]
        )
        return detail_response(application)


# --- The applicant's correction, online or handed in at the window -----------------------------------


class ApplicationCorrectionApi(CaseApi, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[APPLICANT_TAG],
        summary=gettext_lazy("提交补正材料"),
        description=(
            gettext_lazy(
                "按一次性告知书列明的材料逐一提交：requirements 与 files 按顺序一一对应，不多不少。"
                "受理前补正的，办件回到补正前的状态；受理后补正的，结束暂停、恢复计时，办结日期顺延。"
                "申请人在网上提交，或由窗口工作人员代收（申请人到窗口补正）；没有待补正的告知返回 409。"
            )
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
