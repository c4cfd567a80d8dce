"""Real-name verification (实名核验): does this name belong to this resident ID number?

The national identity service (公安部 / 国家政务服务平台 实名核验) is out of reach here, so the check is
an interface chosen by ``settings.REAL_NAME_VERIFIER``; ``DemoRealNameVerifier`` stands in for it in
development and tests.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class VerificationResult:
    is_match: bool
    # Shown to the person when the check fails; never contains the ID number.
    reason: str = ""
    # "basic": the name belongs to the number; "strong": the provider also checked the person (the
    # number's registered mobile, a face check), which makes the account the holder of its cases.
    assurance: str = "basic"


class RealNameVerifier(Protocol):
    def verify(self, name: str, id_number: str) -> VerificationResult:
        """Whether ``name`` is the registered name of ``id_number`` (already checksum-valid)."""
        ...


class DemoRealNameVerifier:
    """Accepts every checksum-valid number, except for a name containing “假”.

    The rule gives tests and demos a way to see a mismatch: “张假三” with any valid number fails.
    """

    MISMATCH_MARK = "假"

    def verify(self, name: str, id_number: str) -> VerificationResult:
        if not name.strip():
            return VerificationResult(is_match=False, reason="姓名不能为空。")
        if self.MISMATCH_MARK in name:
            return VerificationResult(is_match=False, reason="姓名与身份证件号码不一致，请核对后重新填写。")
        return VerificationResult(is_match=True)


def get_real_name_verifier() -> RealNameVerifier:
    """The verifier named by ``settings.REAL_NAME_VERIFIER``."""
    return import_string(settings.REAL_NAME_VERIFIER)()
