"""Serializers of the comprehensive window's API (windows.api): the intake decisions and the handover.

The input serializers check types, lengths and choices; windows.services checks the rules (which
window, which authorisation, the recipient's identity, the originals) and the API handler turns them
into 403, 409 or 422. The case itself is shown by applications.serializers.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext, gettext_lazy
from rest_framework import serializers

from applications.forms_runtime import MAX_TEXT
from applications.models import Application
from applications.refusals import OTHER, REFUSAL_REASON_CHOICES, resolve_refusal
from applications.serializers import id_field, text_field


class RefuseInputSerializer(serializers.Serializer):
    """不予受理: a common reason (applications.refusals) or reason and basis written out ("other")."""

    reason_code = serializers.ChoiceField(
        choices=REFUSAL_REASON_CHOICES,
        required=False,
        default=OTHER,
        help_text=gettext_lazy("不予受理的情形（other 须填写理由和依据）"),
    )
    reason = text_field(MAX_TEXT, help_text=gettext_lazy("不予受理的理由（选定情形的，为补充的具体情况）"))
    basis = text_field(300, help_text=gettext_lazy("法律依据（选定情形的可不填）"))
    competent_agency = text_field(200, help_text=gettext_lazy("有权受理的机关（not_competent 必填）"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:  # a missing reason or basis is malformed input (400), as before the list of reasons
            resolve_refusal(**attrs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class DeliverInputSerializer(serializers.Serializer):
    """出件: hand over at the window (identity check or a proxy's 委托书), post with tracking, or download."""

    method = serializers.ChoiceField(choices=Application.DeliveryMethod.choices)
    recipient_name = text_field(50, help_text=gettext_lazy("领取人姓名（窗口领取）"))
    recipient_id_number = text_field(30, help_text=gettext_lazy("领取人身份证件号码（窗口领取，与申请人核对）"))
    is_proxy = serializers.BooleanField(default=False, help_text=gettext_lazy("他人代领"))
    proxy_letter = serializers.FileField(required=False, help_text=gettext_lazy("他人代领：申请人签署的授权委托书"))
    tracking_number = text_field(40, help_text=gettext_lazy("快递单号（邮寄送达）"))
    originals_checked = serializers.ListField(
        child=id_field(),
        required=False,
        default=list,
        max_length=100,
        help_text=(
            gettext_lazy(
                "已当场核验原件的材料 id（材料清单中的 id）：网上申请的材料须核验纸质原件的，"
                "出件时逐一核验；缺少任何一件返回 422，此类办件只能窗口领取"
            )
        ),
    )


class SettleFeeInputSerializer(serializers.Serializer):
    paid_reference = text_field(64, help_text=gettext_lazy("支付流水号（窗口缴费）"))
    waiver_basis = text_field(300, help_text=gettext_lazy("减免依据"))

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data["paid_reference"].strip() and not data["waiver_basis"].strip():
            raise serializers.ValidationError(gettext("请填写支付流水号，或填写减免依据。"))
        return data
