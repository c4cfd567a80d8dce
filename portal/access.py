"""Who may see which account records (STYLE.md rule 4): one helper per object type, used by every
view, API and file download. What the user may not see is a 404."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from portal.exceptions import NotFound
from portal.models import OrganizationAgent, Role, User


def agents_visible_to(user: User) -> QuerySet[OrganizationAgent]:
    """Agent records (and their letters) the user may see: their own; every agent of an organisation
    whose legal representative they are (by the registry's ID digest) or whose verified agent they are;
    pending ones to a clerk, who checks the sealed letter at a window; all to a system administrator.

    Anyone else gets nothing: the letter carries personal data of the organisation's people.
    """
    queryset = OrganizationAgent.objects.select_related("organization", "user")
    if user.is_superuser or user.has_role(Role.SYSADMIN):
        return queryset
    rule = Q(user_id=user.pk) | Q(
        organization__in=OrganizationAgent.objects.active().filter(user_id=user.pk).values("organization")
    )
    if user.is_real_name_verified:
        rule |= Q(organization__legal_representative_id_digest=user.id_number_digest)
    if user.has_role(Role.CLERK):
        rule |= Q(verified_at__isnull=True, revoked_at__isnull=True)
    return queryset.filter(rule)


def get_agent_for(user: User, agent_id: int) -> OrganizationAgent:
    """One agent record through agents_visible_to; NotFound otherwise."""
    agent = agents_visible_to(user).filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(gettext("未找到该经办人授权，或您无权查看。"))
    return agent
