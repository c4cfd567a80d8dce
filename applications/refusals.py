"""The common reasons for 不予受理 and their legal basis (行政许可法 art. 32 para. 1), to pick from.

A picked reason prints its own wording and basis on the notice; "other" is written out in full. Only a
case outside the agency's competence is told "not within this agency's competence, apply to X"
(art. 32 para. 1 (2)); a reason written out may still name an agency, without that statement.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

LICENSING_LAW = "《中华人民共和国行政许可法》"


@dataclass(frozen=True)
class RefusalReason:
    label: str  # what the clerk or handler picks
    reason: str  # what the notice prints as the reason
    basis: str  # what the notice prints as the legal basis


NOT_COMPETENT = "not_competent"
OTHER = "other"

REFUSAL_REASONS: dict[str, RefusalReason] = {
    "not_required": RefusalReason(
        label=gettext_lazy("依法不需要取得行政许可"),
        reason="该申请事项依法不需要取得行政许可。",
        basis=f"{LICENSING_LAW}第三十二条第一款第（一）项",
    ),
    NOT_COMPETENT: RefusalReason(
        label=gettext_lazy("不属于本机关职权范围"),
        reason="该申请事项依法不属于本行政机关职权范围。",
        basis=f"{LICENSING_LAW}第三十二条第一款第（二）项",
    ),
    "not_corrected": RefusalReason(
        label=gettext_lazy("逾期未补正或补正后仍不符合要求"),
        reason="申请材料不齐全或者不符合法定形式，经一次性告知补正，申请人逾期未补正或者补正后仍不符合要求。",
        basis=f"{LICENSING_LAW}第三十二条第一款第（四）项",
    ),
    OTHER: RefusalReason(label=gettext_lazy("其他（填写理由和依据）"), reason="", basis=""),
}

REFUSAL_REASON_CHOICES = [(code, reason.label) for code, reason in REFUSAL_REASONS.items()]


def resolve_refusal(*, reason_code: str, reason: str, basis: str, competent_agency: str) -> dict[str, str]:
    """The reason, basis and competent agency the notice prints, from what was picked and typed.

    A picked reason supplies its wording and basis; what was typed as the reason is printed after it as
    the particulars, a typed basis replaces the default one. "other" (and no pick, as before the list
    existed) needs both written out. A picked reason other than competence names no competent agency.
    """
    code = reason_code or OTHER
    if code not in REFUSAL_REASONS:
        raise ValidationError({"reason_code": gettext("请选择不予受理的理由。")})
    preset = REFUSAL_REASONS[code]
    reason, basis, competent_agency = reason.strip(), basis.strip(), competent_agency.strip()
    errors: dict[str, str] = {}
    if code == OTHER:
        if not reason:
            errors["reason"] = gettext("不予受理须写明理由。")
        if not basis:
            errors["basis"] = gettext("不予受理须写明法律依据。")
    elif code == NOT_COMPETENT and not competent_agency:
        errors["competent_agency"] = gettext("申请事项不属于本机关职权范围的，须告知申请人向哪一行政机关申请。")
    if errors:
        raise ValidationError(errors)
    return {
        "reason_code": code,
        "reason": f"{preset.reason}{reason}" if preset.reason else reason,
        "basis": basis or preset.basis,
        # A picked reason other than competence names no agency; one written out may (printed neutrally).
        "competent_agency": competent_agency if code in (NOT_COMPETENT, OTHER) else "",
    }
