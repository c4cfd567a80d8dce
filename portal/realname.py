"""Real-name verification (实名核验): does this name belong to this resident ID number?

The check is an interface chosen by ``settings.REAL_NAME_VERIFIER``: ``HttpRealNameVerifier`` asks the
identity service (公安部 / 国家政务服务平台 实名核验, or a licensed relay) over HTTP in production;
``DemoRealNameVerifier`` stands in for it in development and tests.

A result says how sure it is (``assurance``): "basic" when only the name and the number match, "strong"
when the provider also confirmed a proof that the person holds the identity: the ID's registered mobile
with a code texted to it, or a face check.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy

from portal.exceptions import BadInput
from portal.signed_http import ProviderError, post_signed_json, provider_settings

MISMATCH_REASON = gettext_lazy("姓名与身份证件号码不一致，请核对后重新填写。")
# The shapes of proof a provider can confirm.
PROOF_SHAPES = (frozenset({"mobile", "sms_code"}), frozenset({"face_token"}))


class Assurance(StrEnum):
    BASIC = "basic"  # name + number match
    STRONG = "strong"  # and the provider confirmed the registered mobile or a face check


@dataclass(frozen=True)
class VerificationResult:
    is_match: bool
    # Shown to the person when the check fails; never contains the ID number.
    reason: str = ""
    assurance: str = Assurance.BASIC


class RealNameVerifier(Protocol):
    def verify(self, name: str, id_number: str, *, proof: dict[str, str] | None = None) -> VerificationResult:
        """Whether ``name`` is the registered name of ``id_number`` (already checksum-valid).

        ``proof`` ({"mobile", "sms_code"} or {"face_token"}) asks for a "strong" result.
        """
        ...


class DemoRealNameVerifier:
    """Accepts every checksum-valid number, except for a name containing “假”; never "strong".

    The rule gives tests and demos a way to see a mismatch: “张假三” with any valid number fails.
    """

    is_demo = True
    MISMATCH_MARK = "假"

    def verify(self, name: str, id_number: str, *, proof: dict[str, str] | None = None) -> VerificationResult:
        if not name.strip():
            return VerificationResult(is_match=False, reason="姓名不能为空。")
        if self.MISMATCH_MARK in name:
            return VerificationResult(is_match=False, reason=MISMATCH_REASON)
        return VerificationResult(is_match=True, assurance=Assurance.BASIC)


class HttpRealNameVerifier:
    """The identity service over HTTP (portal/signed_http.py), from REAL_NAME_VERIFIER_URL/_APP_ID/_SECRET.

    Request: {"name", "id_number", "proof"?}. Answer: {"match": bool, "assurance": "basic"|"strong"}.
    """

    required_settings = ("REAL_NAME_VERIFIER_URL", "REAL_NAME_VERIFIER_APP_ID", "REAL_NAME_VERIFIER_SECRET")
    FAILURE_MESSAGE = gettext_lazy("实名核验服务暂时不可用，请稍后再试。")

    def __init__(self) -> None:
        self.url, self.app_id, self.secret = provider_settings("REAL_NAME_VERIFIER")

    def verify(self, name: str, id_number: str, *, proof: dict[str, str] | None = None) -> VerificationResult:
        payload: dict[str, Any] = {"name": name, "id_number": id_number}
        if proof is not None:
            payload["proof"] = _checked_proof(proof)
        answer = post_signed_json(
            url=self.url,
            app_id=self.app_id,
            secret=self.secret,
            payload=payload,
            service="real-name verifier",
            failure_message=self.FAILURE_MESSAGE,
        )
        match, assurance = answer.get("match"), answer.get("assurance", Assurance.BASIC)
        if not isinstance(match, bool) or assurance not in tuple(Assurance):
            raise ProviderError(
                self.FAILURE_MESSAGE,
                reason=f"real-name verifier: unexpected answer (match={match!r}, assurance={assurance!r})",
            )
        if not match:
            return VerificationResult(is_match=False, reason=MISMATCH_REASON)
        # A provider cannot have confirmed a proof it was not sent.
        if proof is None:
            assurance = Assurance.BASIC
        return VerificationResult(is_match=True, assurance=Assurance(assurance))


def _checked_proof(proof: dict[str, str]) -> dict[str, str]:
    if frozenset(proof) not in PROOF_SHAPES or not all(isinstance(v, str) and v.strip() for v in proof.values()):
        raise BadInput(gettext("请提供身份证件登记的手机号和短信验证码，或人脸核验结果。"))
    return {key: value.strip() for key, value in proof.items()}


def get_real_name_verifier() -> RealNameVerifier:
    """The verifier named by ``settings.REAL_NAME_VERIFIER``."""
    return import_string(settings.REAL_NAME_VERIFIER)()
