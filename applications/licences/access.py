"""Who may open an e-licence: its holder, and the staff of a case that issued or used it (STYLE.md rule 4).

The holder: a person's licence to the account whose verified real name is that ID number (the same
proof an account files for itself with), a company's to its verified agents. A grant's licence reaches
its holder with the result, at delivery. Anyone else, including the applicant of a case that used
someone else's licence at a window (a proxy), gets a 404 like for a number that does not exist.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from applications.access import applications_visible_to, roles_in_case
from applications.licences.models import License
from applications.models import Party
from applications.transitions import Actor
from portal.exceptions import NotFound
from portal.idnumbers import id_number_digest

STAFF_ACTORS = {Actor.CLERK, Actor.HANDLER, Actor.REVIEWER, Actor.APPROVER, Actor.DEPT_HEAD, Actor.CHIEF_REP}
NOT_FOUND = gettext_lazy("未找到该电子证照，或您无权查看。")


def licences_held_by(user: Any) -> QuerySet[License]:
    """The licences of the user's own identity and of the companies they are a verified agent of."""
    if not getattr(user, "is_authenticated", False):
        return License.objects.none()
    rule = Q(pk__in=[])
    if user.is_real_name_verified and user.id_number_digest:
        rule |= Q(
            holder_type=License.HolderType.PERSON,
            holder_id_type=Party.IdType.RESIDENT_ID,
            holder_id_digest=user.id_number_digest,
        )
    usccs = list(user.agencies.active().values_list("organization__uscc", flat=True))
    if usccs:
        rule |= Q(
            holder_type=License.HolderType.ORGANIZATION, holder_id_digest__in=[id_number_digest(u) for u in usccs]
        )
    handed_over = Q(application__isnull=True) | Q(delivered_at__isnull=False)
    return License.objects.filter(rule & handed_over).select_related("application__item")


def is_case_staff_for(user: Any, number: str, licence: License | None) -> bool:
    """The user works on a case that issued this licence or filled a material in from it."""
    used = Q(materials__licence_number=number)
    if licence is not None and licence.application_id is not None:
        used |= Q(pk=licence.application_id)
    cases = applications_visible_to(user).filter(used).distinct()[:20]
    return any(roles_in_case(user, case) & STAFF_ACTORS for case in cases)


def get_licence_for(user: Any, number: str) -> str:
    """The number of a licence the user may open (its PDF comes from the registry), else NotFound."""
    if licences_held_by(user).filter(number=number).exists():
        return number
    licence = License.objects.filter(number=number).first()
    if getattr(user, "is_authenticated", False) and is_case_staff_for(user, number, licence):
        return number
    raise NotFound(NOT_FOUND)
