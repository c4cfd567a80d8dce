"""Who may see and do what with a case: the one access helper for applications (STYLE.md rule 4).

Visibility comes from the data, never from per-case permission rows (720,000 cases a working day):
- an applicant sees the cases of the parties they act for: filed from their account, proved theirs
  (the receipt's code, or once at a window), or filed for an organisation they are a verified agent of;
- a clerk sees the cases of the items their windows are authorised for, and those taken in at their hall;
  跨域通办: a window of another region (a cross-region authorisation) takes walk-ins only and sees what
  it took in, without the back office's internal events; the home region's windows see such a case
  once decided, to deliver it; a clerk of a third region sees nothing;
- the department's reviewers, heads and chief representatives see the department's cases;
- supervisors and auditors see everything, read-only.
django-guardian holds the exceptions: a task assigned to one reviewer (``work_on_reviewtask``).
What a user may not see is NotFound (404); a visible case with a forbidden action is PermissionDenied (403).
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from applications.forms_runtime import decrypt_id_numbers, mask_id_numbers
from applications.models import Application, BundleApplication, Party, ReviewTask
from applications.transitions import TRANSITIONS, Actor
from catalog.models import ProcessStep
from portal.exceptions import InvalidTransition, NotFound, PermissionDenied
from portal.idnumbers import id_number_digest
from portal.models import Role

DEPARTMENT_ROLES = (Role.REVIEWER, Role.DEPT_HEAD, Role.CHIEF_REP)
READ_ONLY_ROLES = (Role.SUPERVISOR, Role.AUDITOR)
# Actions that are not moves of the state table.
VIEW, DOWNLOAD, REVEAL = "view", "download", "reveal_id_number"
SEGREGATION_REFUSAL = gettext_lazy("您已承办本件，按审批分离不能再审批。")


def _authorization_model() -> Any:
    # windows depends on applications, not the reverse: the model is looked up by name here, the
    # one place that must know every role's rule.
    return apps.get_model("windows", "WindowAuthorization")


def _agency_digests(user: Any) -> list[str]:
    """The digests of the organisations the user is a verified agent of (one query)."""
    usccs = user.agencies.active().values_list("organization__uscc", flat=True)
    return [id_number_digest(uscc) for uscc in usccs]


def _applicant_filter(user: Any) -> Q:
    # A real-name binding alone is no proof of holding the cases filed under that number elsewhere
    # (whoever binds first would see them): those reach the account once it proved itself the
    # holder, per case with the receipt's code (claimed_by) or for the person at a window (party.account).
    rule = Q(applicant_user=user) | Q(claimed_by=user) | Q(party__account=user)
    digests = _agency_digests(user)
    if digests:
        rule |= Q(party__id_type=Party.IdType.USCC, party__id_number_digest__in=digests)
    return rule


def _authorized_at_home(user: Any) -> Q:
    """The items the user's windows in their departments' own regions are authorised for."""
    at_home = _authorization_model().objects.filter(window__clerks=user, is_cross_region=False)
    return Q(item__code__in=at_home.values("item_code"), department__in=at_home.values("department"))


def home_delivery_filter(user: Any) -> Q:
    """跨域通办: a case taken in at another region's window, decided, may be handed over at home too."""
    decided = (Application.Status.DECIDED, Application.Status.CONCLUDED)
    return _authorized_at_home(user) & Q(intake__is_cross_region=True, status__in=decided)


def _clerk_filter(user: Any) -> Q:
    # An online case waits for any authorised window of its region (one of another region takes
    # walk-ins only); once a hall has taken it in, it is that hall's (a clerk of hall A never sees a
    # case taken in at hall B, even for an item both may accept), and, taken in across regions, the
    # home windows' once decided. Only while it waits: a withdrawn online case is nobody's business
    # at the windows any more.
    waiting = _authorized_at_home(user) & Q(intake__isnull=True, status=Application.Status.SUBMITTED)
    return waiting | home_delivery_filter(user) | Q(intake__window__hall__windows__clerks=user)


def applications_visible_to(user: Any) -> QuerySet[Application]:
    """Every case the user may see; list views filter further."""
    queryset = Application.objects.select_related("item", "department", "party")
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if user.is_superuser or user.has_role(*READ_ONLY_ROLES):
        return queryset
    rule = _applicant_filter(user)
    if user.has_role(Role.CLERK):
        rule |= _clerk_filter(user)
    if user.department_id and user.has_role(*DEPARTMENT_ROLES):
        rule |= Q(department_id=user.department_id) & ~Q(status=Application.Status.DRAFT)
    return queryset.filter(rule).distinct()


def is_applicant(user: Any, application: Application) -> bool:
    """_applicant_filter's rule, read from the loaded case: no query unless its party is an organisation."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (application.applicant_user_id, application.claimed_by_id):
        return True
    party = application.party if application.party_id else None
    if party is None:
        return False
    if party.account_id == user.pk:
        return True
    return party.id_type == Party.IdType.USCC and party.id_number_digest in _agency_digests(user)


def applications_visible_to_applicant(user: Any) -> QuerySet[Application]:
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(_applicant_filter(user))


def applications_listed_for_applicant(user: Any) -> QuerySet[Application]:
    """The cases of applications_visible_to_applicant, for the applicant's list ("my applications").

    Same rule, with the user's parties resolved first: an OR across the case and party tables makes
    PostgreSQL scan both in full (for the page and again for its count); three ORed columns of the
    case's own table read their indexes (issue 12). One query more, worth it only for a list.
    """
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    parties = Q(account=user)
    digests = _agency_digests(user)
    if digests:
        parties |= Q(id_type=Party.IdType.USCC, id_number_digest__in=digests)
    party_ids = list(Party.objects.filter(parties).values_list("pk", flat=True))
    return Application.objects.filter(Q(applicant_user=user) | Q(claimed_by=user) | Q(party_id__in=party_ids))


def can_work_on(user: Any, task: ReviewTask) -> bool:
    """An unassigned task is open to the department's reviewers; an assigned one to its assignee."""
    if task.assignee_id is not None:
        return task.assignee_id == user.pk or user.has_perm("applications.work_on_reviewtask", task)
    return user.department_id == task.application.department_id and user.has_role(Role.REVIEWER, Role.DEPT_HEAD)


def barred_from_deciding(user: Any, tasks: Iterable[ReviewTask]) -> set[int]:
    """审批分离: the ids of those tasks that are the decision (the item's last step) of a case the user
    handled (completed a 承办 task of). The queue, the case page, the claim and the decision ask here.

    Two queries for a whole page of the queue; a chief representative's on-the-spot approval of an
    immediate item is not a task and is not barred.
    """
    tasks = list(tasks)
    if not tasks or getattr(user, "pk", None) is None:
        return set()
    handled = set(
        ReviewTask.objects.filter(
            application_id__in={task.application_id for task in tasks},
            step__kind=ProcessStep.Kind.HANDLE,
            status=ReviewTask.Status.DONE,
            completed_by=user.pk,
        ).values_list("application_id", flat=True)
    )
    candidates = [task for task in tasks if task.application_id in handled]
    if not candidates:
        return set()
    last_order = dict(
        ProcessStep.objects.filter(item_id__in={task.step.item_id for task in candidates})
        .values("item_id")
        .annotate(last=Max("order"))
        .values_list("item_id", "last")
    )
    return {task.pk for task in candidates if task.step.order >= last_order.get(task.step.item_id, 0)}


def remembered(application: Application, key: tuple[Any, ...], compute: Any) -> Any:
    """``compute()`` once per loaded case and key: a write asks who the user is at the API, again in
    its service and once more in the service that one calls; the answer cannot change in between
    (the key holds the status and step it depends on, and a new request loads a new instance)."""
    memo = application.__dict__.setdefault("_access_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget_roles(application: Application) -> None:
    """Forget what was remembered of this case's roles: a row locked since may have changed them."""
    application.__dict__.pop("_access_memo", None)


def roles_in_case(user: Any, application: Application) -> set[str]:
    """The parts the user plays in this case (a person can be applicant of one case and clerk of another)."""
    key = ("roles", getattr(user, "pk", None), application.status, application.current_step_id)
    return set(remembered(application, key, lambda: _roles_in_case(user, application)))


def _roles_in_case(user: Any, application: Application) -> set[str]:
    roles: set[str] = set()
    if is_applicant(user, application):
        roles.add(Actor.APPLICANT)
    if user.has_role(Role.CLERK) and Application.objects.filter(_clerk_filter(user), pk=application.pk).exists():
        roles.add(Actor.CLERK)
    if user.department_id == application.department_id:
        if user.has_role(Role.REVIEWER, Role.DEPT_HEAD):
            roles.add(Actor.HANDLER)
            task = application.tasks.filter(status=ReviewTask.Status.OPEN).select_related("step", "application").first()
            if task is not None and can_work_on(user, task):
                # Whoever holds the last configured step decides, whatever that step is called: an item
                # may be configured with 承办 only, or 承办 → 审核.
                is_last = not application.item.steps.filter(order__gt=task.step.order).exists()
                roles.add(Actor.APPROVER if is_last else Actor.REVIEWER)
        if user.has_role(Role.DEPT_HEAD):
            roles.add(Actor.DEPT_HEAD)
        if user.has_role(Role.CHIEF_REP) and application.item.is_immediate:
            roles.add(Actor.CHIEF_REP)
    return roles


INTAKE_ACTIONS = ("accept", "receive", "request_correction", "refuse")


def intake_role(user: Any, application: Application, action: str) -> str:
    """The part in which the user takes an intake decision (受理, 收件, 一次性告知补正, 不予受理).

    Two people may: the clerk of a window the department authorised for the item (Actor.CLERK), and,
    受办分离, the department's handler (Actor.HANDLER), but only once a window has received the case:
    a submitted case waits for a window's pre-review (409 for the handler before that). Anyone else is
    PermissionDenied (403). The one place the API, the back-office workbench and the window's services
    ask who is deciding; a person who is both acts as the handler once the case is received.
    """
    move = TRANSITIONS[action]
    roles = roles_in_case(user, application) & move.actors
    received = application.status == Application.Status.RECEIVED
    if Actor.HANDLER in roles and received:
        return Actor.HANDLER
    if Actor.CLERK in roles:
        authorized = _authorization_model().objects.filter(
            window__clerks=user, item_code=application.item.code, department=application.department_id
        )
        if not remembered(application, ("authorized", user.pk, application.status), authorized.exists):
            raise PermissionDenied(gettext("您所在的窗口未获实施部门授权受理该事项。"))
        if (received or action == "refuse") and not authorized.filter(is_cross_region=False).exists():
            # 受办分离 across regions: the other region's window receives, the home department decides.
            raise PermissionDenied(
                gettext("跨域通办事项由属地实施部门受理：异地窗口只收件，受理、补正告知和不予受理由属地部门作出。")
            )
        return Actor.CLERK
    if Actor.HANDLER in roles:
        raise InvalidTransition(
            gettext("办件当前状态为“%(status)s”，部门不能受理、告知补正或不予受理。")
            % {"status": application.get_status_display()},
            detail={"status": application.status, "action": action},
        )
    raise PermissionDenied(gettext("只有窗口工作人员或实施部门的受理人员可以%(label)s。") % {"label": move.label})


def get_application_for(user: Any, number: str, action: str = VIEW) -> tuple[Application, str | None]:
    """The case and the role in which the user takes `action` (None for reads).

    Used by every view, API and file download of a case.
    """
    application = applications_visible_to(user).filter(number=number).first()
    if application is None:
        raise NotFound(gettext("未找到该办件，或您无权查看。"))
    return application, role_for(user, application, action)


def role_for(user: Any, application: Application, action: str) -> str | None:
    """The role in which the user takes `action` on a case they see (None for reads); 403 if none."""
    if action in (VIEW, DOWNLOAD):
        return None
    roles = roles_in_case(user, application)
    if action == REVEAL:
        if roles & {Actor.CLERK, Actor.HANDLER, Actor.REVIEWER, Actor.APPROVER}:
            return None
        raise PermissionDenied(gettext("您无权查看完整证件号码。"))
    move = TRANSITIONS.get(action)
    allowed = roles & move.actors if move else set()
    if not allowed:
        raise PermissionDenied(gettext("您不能对该办件执行“%(value)s”。") % {"value": move.label if move else action})
    # Prefer the most specific role when a person holds several (a clerk who is also the applicant).
    for role in (
        Actor.APPROVER,
        Actor.REVIEWER,
        Actor.CHIEF_REP,
        Actor.DEPT_HEAD,
        Actor.HANDLER,
        Actor.CLERK,
        Actor.APPLICANT,
    ):
        if role in allowed:
            return role
    return next(iter(allowed))


def form_data_for(user: Any, application: Application) -> dict[str, Any]:
    """The case's form as this user may read it: ID numbers typed into it in full only to the account
    that typed them (the draft's own), masked to everyone else who may open it (the company's other
    agents, the principal of a proxy's draft). Staff read them masked and reveal them audited
    (applications.services.reveal_form_id_numbers)."""
    data = application.form_data or {}
    if application.applicant_user_id is not None and application.applicant_user_id == getattr(user, "pk", None):
        return decrypt_id_numbers(data)
    return mask_id_numbers(application.item.form_definition or [], data)


def get_draft_for(user: Any, pk: int) -> Application:
    """A draft has no number yet; only its own applicant sees it."""
    # A bundle's part waiting for its turn is a draft too, handled by the bundle (applications.bundles).
    drafts = applications_visible_to_applicant(user).filter(status=Application.Status.DRAFT, bundle_part=None)
    application = drafts.filter(pk=pk).first()
    if application is None:
        raise NotFound(gettext("未找到该草稿，或您无权查看。"))
    return application


def get_bundle_application_for(user: Any, pk: int) -> BundleApplication:
    """一件事申请: only the account that filed it sees it (its parts are reached as cases)."""
    application = (
        BundleApplication.objects.select_related("bundle", "party")
        .filter(pk=pk, applicant_user_id=getattr(user, "pk", None))
        .first()
    )
    if application is None:
        raise NotFound("未找到该一件事申请，或您无权查看。")
    return application
