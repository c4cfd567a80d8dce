"""Who works on a review task: claiming, assigning and releasing (受办分离's back office).

The work itself (opinions, passing on, decisions, special procedures, extensions) is done by
applications.services; these functions only move ``ReviewTask.assignee``. The assignee of a task
holds ``applications.work_on_reviewtask`` on it (django-guardian), which is what
applications.access.can_work_on reads: an assigned task is closed to the rest of the department.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm, remove_perm

from applications.access import SEGREGATION_REFUSAL, barred_from_deciding
from applications.models import ReviewTask
from portal.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from portal.models import Role
from portal.services import record_audit

WORK_ON_TASK = "applications.work_on_reviewtask"


def _lock(task: ReviewTask) -> ReviewTask:
    """Re-read the task under a row lock: two reviewers claiming at once serialise here.

    ``of=("self",)`` locks the task only, not the case and item rows joined for the checks.
    """
    locked = (
        ReviewTask.objects.select_for_update(of=("self",))
        .select_related("application", "step", "assignee")
        .filter(pk=task.pk)
        .first()
    )
    if locked is None:
        raise NotFound(gettext("未找到该审查任务。"))
    if locked.status != ReviewTask.Status.OPEN:
        raise InvalidTransition(gettext("该审查任务已办结或已撤销，请刷新后重试。"))
    return locked


def _in_department(user: Any, task: ReviewTask) -> bool:
    return user.department_id is not None and user.department_id == task.application.department_id


def _move(task: ReviewTask, *, to: Any, actor: Any, action: str) -> ReviewTask:
    previous = task.assignee
    if previous is not None:
        remove_perm(WORK_ON_TASK, previous, task)
    if to is not None:
        assign_perm(WORK_ON_TASK, to, task)
    task.assignee = to
    task.save(update_fields=["assignee"])
    record_audit(
        actor=actor,
        action=action,
        obj=task,
        detail={
            "application": task.application.number,
            "step": task.step.kind,
            "from": previous.pk if previous is not None else None,
            "to": to.pk if to is not None else None,
        },
    )
    return task


@transaction.atomic
def claim_task(*, user: Any, task: ReviewTask) -> ReviewTask:
    """A reviewer of the case's department takes an unassigned task (认领)."""
    task = _lock(task)
    if not _in_department(user, task):
        raise NotFound(gettext("未找到该审查任务，或您无权查看。"))
    if not user.has_role(Role.REVIEWER, Role.DEPT_HEAD):
        raise PermissionDenied(gettext("只有本部门审查人员可以认领审查任务。"))
    if barred_from_deciding(user, [task]):
        # Told here, before a decision form is ever filled in (decide_application refuses it too).
        raise PermissionDenied(SEGREGATION_REFUSAL)
    if task.assignee_id == user.pk:
        return task  # a double click: already mine, nothing to write
    if task.assignee_id is not None:
        raise InvalidTransition(gettext("该任务已由%(assignee)s认领，请刷新队列。") % {"assignee": task.assignee})
    return _move(task, to=user, actor=user, action="review_task.claim")


@transaction.atomic
def assign_task(*, head: Any, task: ReviewTask, reviewer: Any) -> ReviewTask:
    """The department head assigns or reassigns a task (分办) to one of the department's reviewers."""
    task = _lock(task)
    if not _in_department(head, task):
        raise NotFound(gettext("未找到该审查任务，或您无权查看。"))
    if not head.has_role(Role.DEPT_HEAD):
        raise PermissionDenied(gettext("只有部门负责人可以分配审查任务。"))
    if not (reviewer.is_active and _in_department(reviewer, task) and reviewer.has_role(Role.REVIEWER)):
        raise DomainError(gettext("只能分配给本部门的审查人员。"), code="not_a_reviewer_of_department")
    if barred_from_deciding(reviewer, [task]):
        raise DomainError(
            gettext("%(reviewer)s已承办本件，按审批分离不能再审批。") % {"reviewer": reviewer},
            code="segregation_of_duties",
        )
    if task.assignee_id == reviewer.pk:
        return task
    return _move(
        task, to=reviewer, actor=head, action="review_task.reassign" if task.assignee_id else "review_task.assign"
    )


@transaction.atomic
def release_task(*, user: Any, task: ReviewTask) -> ReviewTask:
    """The assignee (or the head) puts a task back into the department's queue."""
    task = _lock(task)
    if not _in_department(user, task):
        raise NotFound(gettext("未找到该审查任务，或您无权查看。"))
    if task.assignee_id is None:
        return task
    if task.assignee_id != user.pk and not user.has_role(Role.DEPT_HEAD):
        raise PermissionDenied(gettext("只能退回自己认领的任务。"))
    return _move(task, to=None, actor=user, action="review_task.release")
