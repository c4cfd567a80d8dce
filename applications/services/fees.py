"""Fees: settling at the window, the amount due, paying online."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext

from applications.models import (
    Application,
    FeeAssessment,
)
from applications.payments import get_payment_provider
from portal.clock import Clock, system_clock
from portal.exceptions import DomainError, InvalidTransition, NotFound

# --- Fees, delivery, withdrawal -------------------------------------------------------------------


@transaction.atomic
def settle_fee(
    *, fee: FeeAssessment, actor: Any, paid_reference: str = "", waiver_basis: str = "", clock: Clock = system_clock
) -> FeeAssessment:
    fee = FeeAssessment.objects.select_for_update().get(pk=fee.pk)
    if fee.status != FeeAssessment.Status.DUE:
        raise InvalidTransition(gettext("该费用已结清。"))
    if waiver_basis.strip():
        fee.status, fee.waiver_basis = FeeAssessment.Status.WAIVED, waiver_basis.strip()
    elif paid_reference.strip():
        fee.status, fee.payment_reference = FeeAssessment.Status.PAID, paid_reference.strip()
    else:
        raise ValidationError({"fee": gettext("请提供支付流水号或减免依据。")})
    fee.settled_at = clock.now()
    fee.save(update_fields=["status", "waiver_basis", "payment_reference", "settled_at"])
    return fee


def amount_due(application: Application) -> Any:
    return (
        application.fee_assessments.filter(status=FeeAssessment.Status.DUE).aggregate(total=Sum("amount_yuan"))["total"]
        or 0
    )


def pay_fee_online(
    *, application: Application, fee: FeeAssessment, actor: Any, clock: Clock = system_clock
) -> FeeAssessment:
    """网上缴费: the payment provider charges the fee's order, then settle_fee records it as paid.

    Not atomic on purpose: the provider is an outside service, not to be waited for while rows are
    locked. Providers are idempotent by order id (applications.payments), so paying twice charges
    once, and settle_fee, under its row lock, refuses the second settlement (409).
    """
    if fee.application_id != application.pk:
        raise NotFound(gettext("未找到该收费项目。"))
    if not application.item.supports_online_payment:
        raise DomainError(gettext("该事项不支持网上缴费，请到窗口缴费。"), code="no_online_payment")
    if fee.status != FeeAssessment.Status.DUE:
        raise InvalidTransition(
            gettext("该费用%(status)s，无需再缴。") % {"status": fee.get_status_display()},
            detail={"status": fee.status},
        )
    receipt = get_payment_provider().pay(
        order_id=f"fee-{fee.pk}", amount_yuan=fee.amount_yuan, description=f"{application.number} {fee.name}"
    )
    if receipt.amount_yuan != fee.amount_yuan:
        raise DomainError(gettext("支付金额与应缴金额不符，请联系窗口核对。"), code="payment_mismatch")
    return settle_fee(fee=fee, actor=actor, paid_reference=receipt.reference, clock=clock)
