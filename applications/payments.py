"""Online payment of a case's fees, behind an interface chosen by ``settings.PAYMENT_PROVIDER``.

A provider charges an order and returns its reference; applications.services.settle_fee then records
the fee as paid with that reference. ``HttpPaymentProvider`` asks the 非税收入 payment platform over
HTTP in production; ``DemoPaymentProvider`` stands in for it in development and tests.

Providers must be idempotent by order id, as real ones are by 商户订单号: a double click charges once
and the second settle_fee is refused because the fee is already paid.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from portal.exceptions import DomainError
from portal.signed_http import ProviderError, post_signed_json, provider_settings


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

    is_demo = True

    def pay(self, *, order_id: str, amount_yuan: Decimal, description: str) -> PaymentReceipt:
        digest = hashlib.sha256(order_id.encode()).hexdigest()[:24].upper()
        return PaymentReceipt(reference=f"DEMO{digest}", amount_yuan=amount_yuan)


class HttpPaymentProvider:
    """The payment platform over HTTP (portal/signed_http.py), from PAYMENT_PROVIDER_URL/_APP_ID/_SECRET.

    Request: {"order_id", "amount_yuan": "12.00", "currency": "CNY", "description"}; the order id is
    the idempotency key, so a retried payment charges once. Answer: {"status": "paid", "order_id",
    "reference", "amount_yuan"}, or "declined" / "pending". Only a "paid" answer for this very order,
    with a reference and an amount, is a receipt: anything else raises, and the fee stays due.
    """

    required_settings = ("PAYMENT_PROVIDER_URL", "PAYMENT_PROVIDER_APP_ID", "PAYMENT_PROVIDER_SECRET")
    FAILURE_MESSAGE = gettext_lazy("支付平台暂时不可用，费用仍为待缴，请稍后再试。")

    def __init__(self) -> None:
        self.url, self.app_id, self.secret = provider_settings("PAYMENT_PROVIDER")

    def pay(self, *, order_id: str, amount_yuan: Decimal, description: str) -> PaymentReceipt:
        answer = post_signed_json(
            url=self.url,
            app_id=self.app_id,
            secret=self.secret,
            payload={
                "order_id": order_id,
                "amount_yuan": str(amount_yuan.quantize(Decimal("0.01"))),
                "currency": "CNY",
                "description": description,
            },
            service="payment provider",
            failure_message=self.FAILURE_MESSAGE,
        )
        status = answer.get("status")
        if status == "declined":
            raise DomainError(
                gettext("支付未成功，费用仍为待缴。请核对支付方式后重试，或到窗口缴费。"), code="payment_declined"
            )
        if status == "pending":
            raise DomainError(
                gettext("支付结果尚未确认，费用仍为待缴，请稍后重试（不会重复扣款）。"), code="payment_pending"
            )
        reference, amount = answer.get("reference"), _amount(answer.get("amount_yuan"))
        if status != "paid" or answer.get("order_id") != order_id or not isinstance(reference, str) or not reference:
            raise ProviderError(
                self.FAILURE_MESSAGE,
                reason=f"payment provider: unexpected answer (status={status!r}, order_id={answer.get('order_id')!r})",
            )
        if amount is None:
            raise ProviderError(
                self.FAILURE_MESSAGE, reason=f"payment provider: no usable amount ({answer.get('amount_yuan')!r})"
            )
        return PaymentReceipt(reference=reference.strip(), amount_yuan=amount)


def _amount(value: object) -> Decimal | None:
    # A string ("12.00") or a whole number; a float is refused rather than rounded into money.
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def get_payment_provider() -> PaymentProvider:
    """The provider named by ``settings.PAYMENT_PROVIDER`` (dotted path)."""
    return import_string(settings.PAYMENT_PROVIDER)()
