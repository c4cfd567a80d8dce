"""Who may see which account records (STYLE.md rule 4): one helper per object type, used by every
view, API and file download. What the user may not see is a 404."""

from portal.exceptions import NotFound
from portal.models import OrganizationAgent, Role, User


def get_agent_for(user: User, agent_id: int) -> OrganizationAgent:
    """An agent record (and its authorization letter) for the agent themself or a system administrator.

    Anyone else gets NotFound: the letter carries personal data of the organisation's people.
    """
    queryset = OrganizationAgent.objects.select_related("organization", "user")
    if not (user.is_superuser or user.has_role(Role.SYSADMIN)):
        queryset = queryset.filter(user_id=user.pk)
    agent = queryset.filter(pk=agent_id).first()
    if agent is None:
        raise NotFound("未找到该经办人授权，或您无权查看。")
    return agent
