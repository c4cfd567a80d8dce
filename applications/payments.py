"""Online payment of a case's fees, behind an interface (the real 非税收入 payment platform is out of
reach here). A provider charges an order and returns its reference; applications.services.settle_fee
then records the fee as paid with that reference.

Providers must be idempotent by order id, as real ones are by 商户订单号: a double click charges once
and the second settle_fee is refused because the fee is already paid.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PROVIDER = "applications.payments.DemoPaymentProvider"


@dataclass(frozen=True)
class PaymentReceipt:
    reference: str
    amount_yuan: Decimal


class PaymentProvider(Protocol):
    def pay(self, *, order_id: str, amount_yuan: Decimal, description: str) -> PaymentReceipt:
        """Charge the order; raise portal.exceptions.DomainError when the payment fails."""
        ...


class DemoPaymentProvider:
    """Pays at once. The reference is derived from the order id, so paying twice gives one reference."""

    def pay(self, *, order_id: str, amount_yuan: Decimal, description: str) -> PaymentReceipt:
        digest = hashlib.sha256(order_id.encode()).hexdigest()[:24].upper()
        return PaymentReceipt(reference=f"DEMO{digest}", amount_yuan=amount_yuan)


def get_payment_provider() -> PaymentProvider:
    """The provider named by ``settings.PAYMENT_PROVIDER`` (dotted path), the demo one by default."""
    return import_string(getattr(settings, "PAYMENT_PROVIDER", DEFAULT_PROVIDER))()
