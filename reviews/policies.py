"""好差评 rules by region (EvaluationPolicy): a case follows the nearest region up its department's chain."""

from catalog.models import Department
from reviews.models import EvaluationPolicy


def policy_for(department: Department) -> EvaluationPolicy:
    """The nearest region's rule, or the defaults (an unsaved row)."""
    region = department.region
    chain = [region, *reversed(region.ancestors())]
    policies = {p.region_id: p for p in EvaluationPolicy.objects.filter(region__in=chain)}
    for node in chain:
        if node.pk in policies:
            return policies[node.pk]
    return EvaluationPolicy(region=region)
