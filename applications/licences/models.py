"""The e-licence tables. ``License`` is what the demo registry (registry.DatabaseLicenceRegistry) reads,
and where the portal keeps the licences its grants issued, with their signed PDF."""

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy


class LicenceKind(models.Model):
    """One kind of licence (证照类型), named as materials (``license_code``) and results (``result_name``) name it."""

    name = models.CharField(gettext_lazy("证照类型"), max_length=100, unique=True)
    # None: valid without end (长期有效); an approver's own end date still wins (decide_application).
    valid_years = models.PositiveSmallIntegerField(gettext_lazy("有效期（年）"), null=True, blank=True)
    number_prefix = models.CharField(gettext_lazy("编号前缀"), max_length=20, blank=True)

    class Meta:
        verbose_name = gettext_lazy("证照类型")
        verbose_name_plural = gettext_lazy("证照类型")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class License(models.Model):
    """电子证照: one licence or certificate of one holder."""

    class HolderType(models.TextChoices):
        PERSON = "person", gettext_lazy("自然人")
        ORGANIZATION = "organization", gettext_lazy("法人或其他组织")

    class Status(models.TextChoices):
        VALID = "valid", gettext_lazy("有效")
        REVOKED = "revoked", gettext_lazy("已注销（吊销）")
        EXPIRED = "expired", gettext_lazy("已过有效期")

    kind = models.CharField(gettext_lazy("证照类型"), max_length=100, db_index=True)
    number = models.CharField(gettext_lazy("证照编号"), max_length=60, unique=True)
    holder_type = models.CharField(gettext_lazy("持证主体类型"), max_length=12, choices=HolderType.choices)
    # Party.IdType's values; the number as Party keeps it: a keyed digest to find it, a masked form to show.
    holder_id_type = models.CharField(gettext_lazy("持证主体证件类型"), max_length=20)
    holder_id_digest = models.CharField(gettext_lazy("持证主体证件号码摘要"), max_length=64)
    holder_id_masked = models.CharField(gettext_lazy("持证主体证件号码（脱敏）"), max_length=40)
    holder_name = models.CharField(gettext_lazy("持证主体名称"), max_length=200)
    issuer = models.CharField(gettext_lazy("发证机关"), max_length=200)
    issued_on = models.DateField(gettext_lazy("发证日期"))
    valid_until = models.DateField(gettext_lazy("有效期至"), null=True, blank=True)
    revoked_at = models.DateTimeField(gettext_lazy("注销（吊销）时间"), null=True, blank=True)
    revocation_reason = models.CharField(gettext_lazy("注销（吊销）原因"), max_length=300, blank=True)
    # The case whose grant issued it (None for licences the registry holds from elsewhere).
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=gettext_lazy("发证办件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licences",
    )
    delivered_at = models.DateTimeField(gettext_lazy("交付时间"), null=True, blank=True)
    file = models.FileField(upload_to="licences/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("电子证照")
        verbose_name_plural = gettext_lazy("电子证照")
        ordering = ["kind", "-issued_on"]
        indexes = [models.Index(fields=["holder_id_type", "holder_id_digest", "kind"], name="licence_holder_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"

    def status_on(self, day: dt.date) -> str:
        """Revoked beats expired; a licence is valid through its last day."""
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.valid_until is not None and self.valid_until < day:
            return self.Status.EXPIRED
        return self.Status.VALID

    def get_status_display_on(self, day: dt.date) -> str:
        return self.Status(self.status_on(day)).label
