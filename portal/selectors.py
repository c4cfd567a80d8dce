"""Reads about accounts and organisations, with the rules of who may see what (STYLE.md rule 6)."""

from django.db.models import QuerySet

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
