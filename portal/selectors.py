"""Reads about accounts and organisations, with the rules of who may see what (STYLE.md rule 6)."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import OrganizationAgent, Role, StaffEnrolmentCode, User


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


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    """The staff member's TOTP device in use, if one has been set up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def device_being_enrolled(*, user: User, enrolment_id: object) -> TOTPDevice | None:
    """The unconfirmed device that this browser session started with a live enrolment code.

    ``enrolment_id`` comes from the session that entered the code: another session signed in with
    the same password sees no secret.
    """
    if not isinstance(enrolment_id, int):
        return None
    enrolment = (
        StaffEnrolmentCode.objects.filter(
            pk=enrolment_id,
            user=user,
            spent_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            device__confirmed=False,
        )
        .select_related("device")
        .first()
    )
    return enrolment.device if enrolment is not None else None
