"""Reads about accounts and organisations, with the rules of who may see what (STYLE.md rule 6)."""

from django.db.models import Q, QuerySet

from portal.models import OrganizationAgent, Role, User


def agencies_of(user: User) -> QuerySet[OrganizationAgent]:
    """The user's own authorisations to act for organisations (经办人), verified or pending, newest first."""
    return (
        OrganizationAgent.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organization")
        .order_by("-created_at")
    )


def agents_managed_by(user: User) -> QuerySet[OrganizationAgent]:
    """The other agents of the organisations the user is legal representative or verified agent of:
    they see them and may revoke them (and the legal representative confirms pending ones)."""
    organizations = Q(organization__in=OrganizationAgent.objects.active().filter(user=user).values("organization"))
    if user.is_real_name_verified:
        organizations |= Q(organization__legal_representative_id_digest=user.id_number_digest)
    return (
        OrganizationAgent.objects.filter(organizations, revoked_at__isnull=True)
        .exclude(user=user)
        .select_related("organization", "user")
        .order_by("organization__name", "-created_at")
    )


def pending_agents(*, uscc: str = "") -> QuerySet[OrganizationAgent]:
    """Authorisations waiting for verification, for a clerk who checks the sealed letter at a window."""
    queryset = OrganizationAgent.objects.pending().select_related("organization", "user").order_by("-created_at")
    return queryset.filter(organization__uscc=uscc.strip().upper()) if uscc else queryset


def role_labels(user: User) -> list[str]:
    """The user's role names in Chinese, in the order of portal.models.Role."""
    codes = user.role_codes()
    return [label for code, label in Role.choices if code in codes]
