"""The back office's API under /api/v1/ (受办分离): the department's review tasks, the steps, the
decision, special procedures (暂停计时), corrections after acceptance and extensions.

Thin views as in applications.api (parse → applications.access → one service → the case), through
reviews.services and applications.services as the HTML workbench (reviews.views) does.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import services
from applications.access import forget_roles, role_for, roles_in_case
from applications.api import (
    NUMBER_PARAMETER,
    READ_ERRORS,
    WRITE_ERRORS,
    CaseApi,
    StaffApi,
    case_for,
    detail_response,
    parse,
)
from applications.models import Application, Commitment, Extension, ReviewTask
from applications.serializers import (
    ApplicationDetailOutputSerializer,
    RequestCorrectionInputSerializer,
    SuspensionOutputSerializer,
)
from applications.transitions import TRANSITIONS, Actor
from portal.exceptions import NotFound, PermissionDenied
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.serializers import (
    CommitmentCheckInputSerializer,
    CommitmentOutputSerializer,
    DecideInputSerializer,
    ExtensionDecisionInputSerializer,
    ExtensionInputSerializer,
    ExtensionOutputSerializer,
    OpinionInputSerializer,
    ResumeInputSerializer,
    ReviewTaskOutputSerializer,
    SuspendInputSerializer,
)

REVIEW_TAG = gettext_lazy("办件：部门审查")
TASK_ROLES = {Actor.REVIEWER, Actor.APPROVER}
# When a person holds several parts in a case, the most specific acts (access.get_application_for).
ROLE_PREFERENCE = (Actor.APPROVER, Actor.REVIEWER, Actor.CHIEF_REP, Actor.DEPT_HEAD, Actor.HANDLER, Actor.CLERK)


def review_role(request: Request, number: str, *, action: str | None, roles: set[str]) -> tuple[Application, str]:
    """The case and the role in which the user takes a review action; call inside a transaction.

    The open task is locked first, so a claim or reassignment running at this moment finishes before
    the access helper reads the task's assignee (as in the HTML workbench, reviews.views._act).
    """
    application, _ = case_for(request, number)
    ReviewTask.objects.select_for_update().filter(application=application, status=ReviewTask.Status.OPEN).first()
    # The roles are read after the lock, from the case already loaded: only the task's assignee can
    # have changed, and who may see the case (its department) does not.
    forget_roles(application)
    role = role_for(request.user, application, action) if action else None
    if role not in roles:
        held = roles_in_case(request.user, application) & roles
        if not held:
            label = TRANSITIONS[action].label if action else gettext("此操作")
            raise PermissionDenied(
                gettext("您不能对该办件执行“%(label)s”：任务未分配给您，或不属于您的职责。") % {"label": label}
            )
        role = next(r for r in ROLE_PREFERENCE if r in held)
    return application, role


@extend_schema(
    tags=[REVIEW_TAG],
    summary=gettext_lazy("本部门待办审查任务（按承诺办结日期）"),
    responses={200: ReviewTaskOutputSerializer(many=True), **READ_ERRORS},
)
class ReviewTaskListApi(StaffApi, generics.ListAPIView):
    serializer_class = ReviewTaskOutputSerializer

    def get_queryset(self) -> QuerySet[ReviewTask]:
        if not review_selectors.is_workbench_user(self.request.user):
            raise PermissionDenied(gettext("只有部门审查人员、部门负责人和首席代表可以查看审查任务。"))
        return review_selectors.queue_for(self.request.user)


class ReviewTaskClaimApi(StaffApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary=gettext_lazy("认领审查任务"),
        parameters=[OpenApiParameter("task_id", int, OpenApiParameter.PATH, description=gettext_lazy("审查任务 id"))],
        request=None,
        responses={200: ReviewTaskOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, task_id: int) -> Response:
        task = review_services.claim_task(user=request.user, task=review_selectors.task_for(request.user, task_id))
        return Response(ReviewTaskOutputSerializer(task).data)


class ApplicationPassApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary=gettext_lazy("审查通过，转下一环节"),
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
        summary=gettext_lazy("退回上一环节"),
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
        summary=gettext_lazy("作出准予或不予许可的决定"),
        description=gettext_lazy(
            "最后环节的批准人作出；承办人不能批准自己承办的办件（403）；首席代表可当场准予授权的即办件。"
        ),
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
        summary=gettext_lazy("启动特别程序，暂停计时"),
        description=gettext_lazy(
            "现场勘验、听证、检验检测、专家评审等所需时间不计入办理时限（行政许可法第四十五条），书面告知申请人。"
        ),
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
        summary=gettext_lazy("受理后一次性告知补正，暂停计时"),
        description=(
            gettext_lazy(
                "审查中发现材料不齐全或不符合法定形式的，列明需补正的全部材料、原因和期限，生成一次性告知书并通知申请人；"
                "补正期间暂停计时，申请人提交全部列明材料后自动恢复计时，逾期未补正的予以退件。受理后的补正只能告知一次（409）。"
            )
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
        summary=gettext_lazy("特别程序结束，恢复计时"),
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
        summary=gettext_lazy("申请延长办理时限（待部门负责人批准）"),
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
        summary=gettext_lazy("部门负责人批准或不批准延长"),
        description=gettext_lazy("批准后两个办结日期顺延，生成延长期限告知书（行政许可法第四十二条）。"),
        parameters=[
            OpenApiParameter("extension_id", int, OpenApiParameter.PATH, description=gettext_lazy("延长申请 id"))
        ],
        request=ExtensionDecisionInputSerializer,
        responses={200: ExtensionOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, extension_id: int) -> Response:
        data = parse(ExtensionDecisionInputSerializer, request)
        extension = Extension.objects.select_related("application").filter(pk=extension_id).first()
        if extension is None or not extension.application.number:
            raise NotFound(gettext("未找到该延长申请，或您无权查看。"))
        case_for(request, extension.application.number, "extend")
        extension = services.decide_extension(extension=extension, actor=request.user, approve=data["approve"])
        return Response(ExtensionOutputSerializer(extension).data)


COMMITMENT_PARAMETER = OpenApiParameter(
    "commitment_id", int, OpenApiParameter.PATH, description=gettext_lazy("告知承诺 id")
)


def _commitments(application: Application) -> QuerySet[Commitment]:
    return application.commitments.select_related("requirement", "credit_record", "application__result")


class ApplicationCommitmentListApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary=gettext_lazy("办件的告知承诺及核查情况"),
        description=gettext_lazy("实施部门的工作人员查看；其他部门看不到该办件（404）。"),
        parameters=[NUMBER_PARAMETER],
        responses={200: CommitmentOutputSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, number: str) -> Response:
        application, role = case_for(request, number)
        if Actor.HANDLER not in roles_in_case(request.user, application):
            raise PermissionDenied(gettext("只有实施部门的工作人员可以查看告知承诺核查情况。"))
        return Response(CommitmentOutputSerializer(_commitments(application), many=True).data)


class CommitmentCheckApi(CaseApi, APIView):
    @extend_schema(
        tags=[REVIEW_TAG],
        summary=gettext_lazy("登记告知承诺核查结果"),
        description=gettext_lazy(
            "作出决定的实施部门登记核查结果；核查不实的须写明情况，并按事项规定撤销已作出的准予决定（连同电子证照）"
            "和/或记入信用记录；已核查的不能重复核查（409）。"
        ),
        parameters=[NUMBER_PARAMETER, COMMITMENT_PARAMETER],
        request=CommitmentCheckInputSerializer,
        responses={200: CommitmentOutputSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, number: str, commitment_id: int) -> Response:
        data = parse(CommitmentCheckInputSerializer, request)
        with transaction.atomic():
            application, role = review_role(request, number, action="check_commitment", roles={Actor.HANDLER})
            commitment = services.record_commitment_check(
                application=application,
                commitment_id=commitment_id,
                actor=request.user,
                actor_role=role,
                passed=data["outcome"] == Commitment.Outcome.PASSED,
                note=data["note"],
            )
        return Response(CommitmentOutputSerializer(_commitments(application).get(pk=commitment.pk)).data)
