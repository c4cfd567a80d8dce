"""好差评's API under /api/v1/ (namespace ratings_api): the applicant rates a service and the handling
of a bad rating, the department works its rectifications (差评整改), a supervisor decides appeals and
reads the dashboard's figures.

Thin views as in applications.api (parse → the one access helper → one service → render): the rules
are reviews.evaluations' and reviews.rectifications' (the HTML pages call the same functions), and
their errors come back as ``{"code", "message", "detail"}``: 404 a case or rectification the user may
not see (another department's is 404), 403 a step the user may not take, 409 a state that does not
allow it (a second rating), 422 a rule (options of another level, a rating before conclusion is 409).
"""

from typing import Any

from axes.helpers import get_client_ip_address
from django import forms
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.access import applications_visible_to_applicant
from applications.api import (
    FILE_RESPONSE,
    NUMBER_PARAMETER,
    READ_ERRORS,
    WRITE_ERRORS,
    CaseApi,
    StaffApi,
    case_for,
    parse,
)
from applications.models import Application
from applications.serializers import is_application_number
from portal.api import ERROR_400, ERROR_429
from portal.downloads import attachment_response
from portal.exceptions import BadInput, NotFound, PermissionDenied
from portal.models import Role
from portal.parsers import JSONParser, MultiPartParser
from reviews import evaluations, rectifications, selectors, supervision
from reviews.evaluations import Rating
from reviews.models import NEGATIVE_LEVELS, Level, Rectification
from reviews.rating_serializers import (
    AppealDecisionInputSerializer,
    AppealInputSerializer,
    CodeRatingInputSerializer,
    FollowUpInputSerializer,
    GivenRatingOutputSerializer,
    IndicatorLevelOutputSerializer,
    IndicatorQuerySerializer,
    MyRatingOutputSerializer,
    PhoneRatingInputSerializer,
    PhoneRatingOutputSerializer,
    RatingInputSerializer,
    RectificationOutputSerializer,
    RectificationQuerySerializer,
    ReplyInputSerializer,
    StaffFollowUpInputSerializer,
    SupervisionOutputSerializer,
    VerifyInputSerializer,
)
from reviews.supervision_views import FilterForm, parse_filters

RATING_TAG = gettext_lazy("好差评：申请人")
RECTIFICATION_TAG = gettext_lazy("好差评：差评整改")
SUPERVISION_TAG = gettext_lazy("好差评：效能监督")
RECTIFICATION_PARAMETER = OpenApiParameter(
    "rectification_id", int, OpenApiParameter.PATH, description=gettext_lazy("整改事项 id")
)
R = Rectification.Status


def _mine(request: Request, number: str) -> Application:
    """A case of the parties the user acts for (the applicant, their agent), or 404."""
    application = None
    if is_application_number(number):
        application = applications_visible_to_applicant(request.user).filter(number=number).first()
    if application is None:
        raise NotFound(_("未找到该办件，或您无权查看。"))
    return application


def _rating_response(application: Application, status: int = 200) -> Response:
    shown = selectors.with_rating(Application.objects.filter(pk=application.pk)).get()
    return Response(MyRatingOutputSerializer(shown).data, status=status)


# --- The applicant -------------------------------------------------------------------------------


@extend_schema(
    tags=[RATING_TAG],
    summary=gettext_lazy("我的评价（已办结或不予受理的办件：待评价和已评价，新的在前）"),
    responses={200: MyRatingOutputSerializer(many=True), **READ_ERRORS},
)
class RatingListApi(CaseApi, generics.ListAPIView):
    serializer_class = MyRatingOutputSerializer

    def get_queryset(self) -> QuerySet[Application]:
        return selectors.rateable_cases_of(self.request.user)


class IndicatorListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("评价指标（按评价等级）"),
        description=gettext_lazy("选择评价等级后可勾选的指标；网上办事与大厅窗口的指标不同，由管理员维护。"),
        parameters=[IndicatorQuerySerializer],
        responses={200: IndicatorLevelOutputSerializer(many=True), 400: ERROR_400, 429: ERROR_429},
    )
    def get(self, request: Request) -> Response:
        query = IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = evaluations.indicators_for(query.validated_data["scope"])
        rows = [
            {
                "level": level,
                "level_label": Level(level).label,
                "is_negative": level in NEGATIVE_LEVELS,
                "indicators": indicators,
            }
            for level, indicators in options.items()
        ]
        return Response(IndicatorLevelOutputSerializer(rows, many=True).data)


class RateApi(CaseApi, APIView):
    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("查看一个办件的评价（扫描受理凭证、办结通知上的二维码后）"),
        description=gettext_lazy("仅限申请人本人或其经办人、代理人；state 说明现在能否评价。"),
        parameters=[NUMBER_PARAMETER],
        responses={200: MyRatingOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        return _rating_response(_mine(request, number))

    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("评价一次服务（一事一评）"),
        description=(
            gettext_lazy(
                "仅限申请人本人或其经办人、代理人，工作人员不能代为评价（403）；办件办结后才能评价（所在地区规则允许的，"
                "受理后即可评价），否则 409；每次服务只能评价一次（409）；所选指标须属于所选等级和网上办事（422）；"
                "不满意、非常不满意须选择或填写原因（422），并转责任部门整改。出错时不保存任何内容。"
            )
        ),
        parameters=[NUMBER_PARAMETER],
        request=RatingInputSerializer,
        responses={201: MyRatingOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(RatingInputSerializer, request)
        application = case_for(request, number)[0]
        evaluations.rate_application(
            application=application, user=request.user, rating=_rating(data), channel=data["channel"]
        )
        return _rating_response(application, status=201)


def _rating(data: dict) -> Rating:
    return Rating(
        level=data["level"],
        indicator_ids=tuple(data["indicators"]),
        comment=data["comment"],
        is_anonymous=data["is_anonymous"],
    )


def _given(evaluation: Any, serializer: type = GivenRatingOutputSerializer) -> Response:
    return Response(serializer(evaluation).data, status=201)


class RateWithCodeApi(APIView):
    """The QR path without an account, as /ratings/<number>/ serves it to someone not signed in."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("凭查询码评价（扫描受理凭证二维码或短信链接，无需登录）"),
        description=(
            gettext_lazy(
                "持有受理凭证或办结通知的人凭其上的查询码评价该办件，规则同登录后评价（办结后、只能评价一次、指标属于所选等级）。"
                "办件编号不存在与查询码错误的回答相同（404）；同一地址一小时内错误 10 次后 429。"
                "工作人员不能代为评价（403）。"
            )
        ),
        parameters=[NUMBER_PARAMETER],
        request=CodeRatingInputSerializer,
        responses={201: GivenRatingOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        if request.user.is_authenticated and request.user.is_portal_staff:
            raise PermissionDenied(_("工作人员不能代申请人评价。请申请人本人扫码或登录后评价。"))
        data = parse(CodeRatingInputSerializer, request)
        evaluation = evaluations.rate_with_code(
            # A number no case has (a NUL, a space…) is a wrong number like any other: refused and counted.
            number=number if is_application_number(number) else "",
            access_code=data["access_code"],
            rating=_rating(data),
            ip=get_client_ip_address(request) or None,
            channel=data["channel"],
        )
        return _given(evaluation)


class PhoneRatingApi(StaffApi, APIView):
    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("录入电话评价（12345 热线坐席）"),
        description=(
            gettext_lazy(
                "来电的申请人报出办件编号和查询码，坐席录入其评价（渠道为电话，记录坐席，坐席不是评价人）。"
                "仅限 12345 热线坐席（403）；编号或查询码错误 404，同一坐席一小时内错误 10 次后 429。"
            )
        ),
        request=PhoneRatingInputSerializer,
        responses={201: PhoneRatingOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_role(Role.HOTLINE):
            raise PermissionDenied(_("只有 12345 热线坐席可以录入电话评价。"))
        data = parse(PhoneRatingInputSerializer, request)
        number = data["number"].strip()
        evaluation = evaluations.rate_by_phone(
            operator=request.user,
            number=number if is_application_number(number) else "",
            access_code=data["access_code"],
            rating=_rating(data),
        )
        return _given(evaluation, PhoneRatingOutputSerializer)


class RatingFollowUpApi(CaseApi, APIView):
    @extend_schema(
        tags=[RATING_TAG],
        summary=gettext_lazy("评价差评的整改结果（回访）"),
        description=(
            gettext_lazy(
                "部门答复后，申请人对整改结果作出满意、基本满意或不满意的评价，整改事项随之办结；"
                "尚未答复或已回访的 409。"
            )
        ),
        parameters=[NUMBER_PARAMETER],
        request=FollowUpInputSerializer,
        responses={200: MyRatingOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str) -> Response:
        data = parse(FollowUpInputSerializer, request)
        application = _mine(request, number)
        rectification = Rectification.objects.filter(evaluation__application=application).first()
        if rectification is None:
            raise NotFound(_("未找到该整改事项，或您无权查看。"))
        rectifications.follow_up(
            rectification=rectification, actor=request.user, level=data["level"], note=data["note"]
        )
        return _rating_response(application)


# --- Rectifications ------------------------------------------------------------------------------


def _rectification_response(request: Request, rectification: Rectification) -> Response:
    shown = rectifications.rectifications_visible_to(request.user).prefetch_related("evaluation__indicators")
    return Response(RectificationOutputSerializer(shown.get(pk=rectification.pk)).data)


@extend_schema(
    tags=[RECTIFICATION_TAG],
    summary=gettext_lazy("差评整改事项（本部门的；效能监督人员看全部），按整改期限"),
    parameters=[RectificationQuerySerializer],
    responses={200: RectificationOutputSerializer(many=True), **READ_ERRORS, 400: ERROR_400},
)
class RectificationListApi(StaffApi, generics.ListAPIView):
    serializer_class = RectificationOutputSerializer

    def get_queryset(self) -> QuerySet[Rectification]:
        if not rectifications.may_see_rectifications(self.request.user):
            raise PermissionDenied(_("只有责任部门的审查人员、部门负责人和效能监督人员可以查看差评整改。"))
        query = RectificationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        rows = rectifications.rectifications_visible_to(self.request.user)
        status = query.validated_data.get("status")
        rows = rows.filter(status=status) if status else rows.filter(status__in=rectifications.OPEN)
        return rows.prefetch_related("evaluation__indicators").order_by("due_on", "pk")


class RectificationDetailApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("查看整改事项"),
        parameters=[RECTIFICATION_PARAMETER],
        responses={200: RectificationOutputSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, rectification_id: int) -> Response:
        return _rectification_response(request, rectifications.get_rectification_for(request.user, rectification_id))


class RectificationVerifyApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("核实与分类（属实？合理？）"),
        description=gettext_lazy("责任部门的审查人员或负责人；反映不属实的不能认定为合理诉求（422）；已核实的 409。"),
        parameters=[RECTIFICATION_PARAMETER],
        request=VerifyInputSerializer,
        responses={200: RectificationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, rectification_id: int) -> Response:
        data = parse(VerifyInputSerializer, request)
        rectification = rectifications.get_rectification_for(request.user, rectification_id)
        rectification = rectifications.verify(
            rectification=rectification,
            actor=request.user,
            is_true=data["is_true"],
            classification=data["classification"],
            note=data["note"],
        )
        return _rectification_response(request, rectification)


class RectificationReplyApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("整改并答复申请人"),
        description=gettext_lazy(
            "核实后（或申诉不成立后）由责任部门填写整改情况和答复，申请人收到通知后评价整改结果。"
        ),
        parameters=[RECTIFICATION_PARAMETER],
        request=ReplyInputSerializer,
        responses={200: RectificationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, rectification_id: int) -> Response:
        data = parse(ReplyInputSerializer, request)
        rectification = rectifications.get_rectification_for(request.user, rectification_id)
        rectification = rectifications.reply(
            rectification=rectification, actor=request.user, result=data["result"], text=data["reply"]
        )
        return _rectification_response(request, rectification)


class RectificationFollowUpApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("记录电话回访结果"),
        description=gettext_lazy("答复后由责任部门回访申请人，记录满意度和回访情况（必填），整改事项办结。"),
        parameters=[RECTIFICATION_PARAMETER],
        request=StaffFollowUpInputSerializer,
        responses={200: RectificationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, rectification_id: int) -> Response:
        data = parse(StaffFollowUpInputSerializer, request)
        rectification = rectifications.get_rectification_for(request.user, rectification_id)
        rectification = rectifications.follow_up(
            rectification=rectification, actor=request.user, level=data["level"], note=data["note"]
        )
        return _rectification_response(request, rectification)


class RectificationAppealApi(StaffApi, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("申诉（部门负责人）"),
        description=(
            gettext_lazy(
                "核实为不合理诉求或恶意差评的，由部门负责人附证据申诉（只能一次，409），效能监督人员审核；"
                "证据按内容识别格式（PDF、图片），伪造或过大的文件 422。"
            )
        ),
        parameters=[RECTIFICATION_PARAMETER],
        request={"multipart/form-data": AppealInputSerializer},
        responses={200: RectificationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, rectification_id: int) -> Response:
        data = parse(AppealInputSerializer, request)
        rectification = rectifications.get_rectification_for(request.user, rectification_id)
        rectification = rectifications.appeal(
            rectification=rectification, actor=request.user, reason=data["reason"], evidence=data.get("evidence")
        )
        return _rectification_response(request, rectification)


class RectificationEvidenceApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("下载申诉证据"),
        description=gettext_lazy("责任部门的审查人员、负责人和效能监督人员可以下载；没有证据或无权查看的 404。"),
        parameters=[RECTIFICATION_PARAMETER],
        responses={(200, "application/octet-stream"): FILE_RESPONSE, **READ_ERRORS},
    )
    def get(self, request: Request, rectification_id: int) -> FileResponse:
        handle, name = rectifications.open_appeal_evidence(actor=request.user, rectification_id=rectification_id)
        return attachment_response(handle, name)


class RectificationAppealDecisionApi(StaffApi, APIView):
    @extend_schema(
        tags=[RECTIFICATION_TAG],
        summary=gettext_lazy("审核申诉（效能监督）"),
        description=gettext_lazy("申诉成立的，该评价作废、不计入统计并告知申请人；不成立的，退回部门继续整改。"),
        parameters=[RECTIFICATION_PARAMETER],
        request=AppealDecisionInputSerializer,
        responses={200: RectificationOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, rectification_id: int) -> Response:
        data = parse(AppealDecisionInputSerializer, request)
        rectification = rectifications.get_rectification_for(request.user, rectification_id)
        rectification = rectifications.decide_appeal(
            rectification=rectification, actor=request.user, upheld=data["upheld"], decision=data["decision"]
        )
        return _rectification_response(request, rectification)


# --- Supervision ---------------------------------------------------------------------------------


def _filter_parameter(name: str, field: forms.Field) -> OpenApiParameter:
    kind = OpenApiTypes.STR
    if isinstance(field, forms.DateField):
        kind = OpenApiTypes.DATE
    elif isinstance(field, forms.ModelChoiceField):
        kind = OpenApiTypes.INT
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=str(field.label))


# The dashboard's filter form is the one definition of the filters; the schema lists its fields.
FILTER_PARAMETERS = [_filter_parameter(name, field) for name, field in FilterForm.base_fields.items()]


class SupervisionFiguresApi(StaffApi, APIView):
    @extend_schema(
        tags=[SUPERVISION_TAG],
        summary=gettext_lazy("效能监督统计（与监督看板同一口径）"),
        description=(
            gettext_lazy(
                "筛选条件同监督看板：统计期间（默认截止今日、约一年，最长三年）、行政区划（含下级）、部门、事项编码、"
                "服务大厅、窗口、窗口人员。部门负责人只能查看本部门（其他部门 400）。好评率只计主动评价，"
                "默认评价和申诉成立作废的评价单列。"
            )
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: SupervisionOutputSerializer, **READ_ERRORS, 400: ERROR_400},
    )
    def get(self, request: Request) -> Response:
        if not supervision.may_supervise(request.user):
            raise PermissionDenied(_("只有效能监督人员和部门负责人可以查看统计。"))
        form, filters = parse_filters(request.user, request.query_params)
        if filters is None:
            detail = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
            raise BadInput(_("统计条件不正确，请检查后重试。"), code="bad_filters", detail=detail)
        body = {
            "date_from": filters.date_from,
            "date_to": filters.date_to,
            "department": filters.department.pk if filters.department else None,
            "figures": supervision.figures(filters),
            "departments": supervision.by_department(filters),
            "trend": supervision.trend(filters),
        }
        return Response(SupervisionOutputSerializer(body).data)
