"""一件事申请: one application for a bundle, fanned out to one case (Application) per member.

Imported by applications/models.py, so Django sees these models as the applications app's. The
rules they serve are in applications/services/bundles.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from portal.uploads import RandomName


class BundleApplication(models.Model):
    """The applicant's one application: the merged form and the one set of materials, until it is
    submitted; then the parent of its member cases (``parts``), which carry everything else."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("草稿")
        SUBMITTED = "submitted", gettext_lazy("已申报，待窗口受理")
        # One acceptance for every part (windows.bundles.take_in_bundle); the bundle's clock runs from it.
        ACCEPTED = "accepted", gettext_lazy("已受理")

    class Channel(models.TextChoices):
        ONLINE = "online", gettext_lazy("网上申报")
        WINDOW = "window", gettext_lazy("窗口收件")

    bundle = models.ForeignKey(
        "catalog.Bundle", verbose_name="一件事（申请时版本）", on_delete=models.PROTECT, related_name="applications"
    )
    # None for a walk-in at the window (the party is who applies).
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报账户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bundle_applications",
    )
    party = models.ForeignKey(
        "applications.Party", verbose_name="申请人", on_delete=models.PROTECT, related_name="bundle_applications"
    )
    acting_as = models.CharField("办理身份", max_length=8, default="self")
    applicant_name = models.CharField("申请人姓名/名称", max_length=200)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField("申报渠道", max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    # The merged form's answers (catalog.bundles.merged_form), ID numbers encrypted like a case's.
    form_data = models.JSONField("一件事申请表", default=dict, blank=True)
    # The answers to the merged situations (catalog.bundles.merged_situations): key → option position.
    situation_answers = models.JSONField("办理情形", default=dict, blank=True)
    # 告知承诺: the merged materials (by key, applications.services.bundles.key_of) signed for instead.
    commitment_keys = models.JSONField("告知承诺材料", default=list, blank=True)
    commitments_signed_at = models.DateTimeField("告知承诺签署时间", null=True, blank=True)
    # 容缺受理: the applicant's pledge to bring the 容缺后补 materials left out, for every part.
    deferral_pledged_at = models.DateTimeField("容缺受理承诺时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField("申报时间", null=True, blank=True)
    # The one acceptance (一次受理) and the bundle's own promised limit counted from it, in working days.
    accepted_on = models.DateField(gettext_lazy("受理日期"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(gettext_lazy("一件事承诺办结日期"), null=True, blank=True)
    is_provisional_deadline = models.BooleanField(default=False)

    class Meta:
        verbose_name = "一件事申请"
        verbose_name_plural = "一件事申请"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.bundle.name}#{self.pk}"


class BundlePart(models.Model):
    """One member of a submitted bundle application: its case, and whether it has been started."""

    class State(models.TextChoices):
        WAITING = "waiting", gettext_lazy("等待前序事项")
        STARTED = "started", gettext_lazy("已申报")
        BLOCKED = "blocked", gettext_lazy("未启动")

    bundle_application = models.ForeignKey(BundleApplication, on_delete=models.CASCADE, related_name="parts")
    member = models.ForeignKey("catalog.BundleMember", on_delete=models.PROTECT, related_name="+")
    application = models.OneToOneField(
        "applications.Application", verbose_name="成员办件", on_delete=models.PROTECT, related_name="bundle_part"
    )
    state = models.CharField("启动状态", max_length=10, choices=State.choices, default=State.WAITING)
    # Why a part was not started (a prerequisite denied), told to the applicant.
    note = models.TextField("说明", blank=True)
    note_text = models.JSONField(default=dict, blank=True)  # the note as a stored text (portal/stored_text.py)
    started_at = models.DateTimeField("申报时间", null=True, blank=True)

    class Meta:
        verbose_name = "一件事成员办件"
        verbose_name_plural = "一件事成员办件"
        ordering = ["member__stage", "member__order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle_application", "member"], name="uniq_bundle_part_member")]

    def __str__(self) -> str:
        return f"{self.bundle_application} {self.member_id}"


class BundleUpload(models.Model):
    """One file for one merged material (asked once); every member case that needs it gets a copy."""

    bundle_application = models.ForeignKey(BundleApplication, on_delete=models.CASCADE, related_name="uploads")
    material_key = models.CharField("材料标识", max_length=300)  # catalog.bundles.material_key, joined
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField("文件", upload_to=RandomName("bundles/%Y/%m"))
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "一件事材料"
        verbose_name_plural = "一件事材料"
        constraints = [
            models.UniqueConstraint(fields=["bundle_application", "material_key"], name="uniq_bundle_upload_key")
        ]

    def __str__(self) -> str:
        return self.name
