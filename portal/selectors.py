"""Reads about accounts and organisations, with the rules of who may see what (STYLE.md rule 6)."""

from django.db.models import QuerySet

from portal.exceptions import NotFound
from portal.models import OrganizationAgent, Role, User


def agencies_of(user: User) -> QuerySet[OrganizationAgent]:
    """The organisations the user currently acts for (经办人), newest first."""
    return (
        OrganizationAgent.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organization")
        .order_by("-created_at")
    )


def role_labels(user: User) -> list[str]:
    """The user's role names in Chinese, in the order of portal.models.Role."""
    codes = user.role_codes()
    return [label for code, label in Role.choices if code in codes]


def get_agent_for(user: User, agent_id: int) -> OrganizationAgent:
    """The one access rule for an agent record and its authorization letter.

    Visible to the agent and to system administrators; to anyone else it does not exist (404),
    as the letter carries personal data of the organisation's people.
    """
    queryset = OrganizationAgent.objects.select_related("organization", "user")
    if not (user.is_superuser or user.has_role(Role.SYSADMIN)):
        queryset = queryset.filter(user_id=user.pk)
    agent = queryset.filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("未找到该经办人授权，或您无权查看。")
    return agent
