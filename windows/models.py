"""服务大厅: halls, windows, the clerks who staff them and what each window may take in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from catalog.models import Department, Region
from portal.uploads import RandomName


class ServiceHall(models.Model):
    class Kind(models.TextChoices):
        CENTER = "center", gettext_lazy("政务服务中心")
        BRANCH = "branch", gettext_lazy("政务服务分中心")
        TOWNSHIP = "township", gettext_lazy("便民服务中心")
        VILLAGE = "village", gettext_lazy("便民服务站")

    region = models.ForeignKey(
        Region, verbose_name=gettext_lazy("行政区划"), on_delete=models.PROTECT, related_name="halls"
    )
    kind = models.CharField(gettext_lazy("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    address = models.CharField(gettext_lazy("地址"), max_length=200)
    office_hours = models.CharField(gettext_lazy("办公时间"), max_length=100, blank=True)
    phone = models.CharField(gettext_lazy("电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = gettext_lazy("服务大厅")
        verbose_name_plural = gettext_lazy("服务大厅")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", gettext_lazy("综合窗口")
        ALL_ROUND = "all_round", gettext_lazy("全科窗口")
        PROBLEM_DESK = "problem_desk", gettext_lazy("办不成事反映窗口")
        DELIVERY = "delivery", gettext_lazy("出件窗口")

    hall = models.ForeignKey(ServiceHall, on_delete=models.CASCADE, related_name="windows")
    number = models.CharField(gettext_lazy("窗口号"), max_length=10)
    kind = models.CharField(gettext_lazy("类型"), max_length=16, choices=Kind.choices, default=Kind.COMPREHENSIVE)
    name = models.CharField(gettext_lazy("名称"), max_length=100, blank=True)
    clerks = models.ManyToManyField(settings.AUTH_USER_MODEL, through="ClerkAssignment", related_name="windows")

    class Meta:
        verbose_name = gettext_lazy("窗口")
        verbose_name_plural = gettext_lazy("窗口")
        ordering = ["hall", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="uniq_window_number")]

    def __str__(self) -> str:
        return gettext("%(hall)s %(number)s号%(kind)s") % {
            "hall": self.hall,
            "number": self.number,
            "kind": self.get_kind_display(),
        }


class ClerkAssignment(models.Model):
    window = models.ForeignKey(Window, on_delete=models.CASCADE)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    since = models.DateField(gettext_lazy("起始日期"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("窗口人员")
        verbose_name_plural = gettext_lazy("窗口人员")
        constraints = [models.UniqueConstraint(fields=["window", "clerk"], name="uniq_clerk_per_window")]

    def __str__(self) -> str:
        return f"{self.clerk} @ {self.window}"


class WindowAuthorization(models.Model):
    """A department authorises a window to take in one item (by its stable code).

    ``accepts_on_receipt`` (收件即受理): the window's acceptance stands and the back office cannot send
    the case back on formal grounds; otherwise the window receives and the department accepts.

    ``is_cross_region`` (跨域通办, 异地收件): the window's hall lies outside the department's region; set
    by windows.services.grant_window_authorization, only for an item whose scope covers the hall, and
    always receive only (属地办理: the home department accepts, 受办分离 across regions). Such a window
    takes walk-ins only: an online case waits for the windows of its own region.
    """

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="authorizations")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="window_authorizations")
    item_code = models.CharField(gettext_lazy("事项实施编码"), max_length=36, db_index=True)
    accepts_on_receipt = models.BooleanField(gettext_lazy("收件即受理"), default=True)
    is_cross_region = models.BooleanField(gettext_lazy("跨域通办（异地收件）"), default=False, editable=False)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("窗口授权")
        verbose_name_plural = gettext_lazy("窗口授权")
        constraints = [models.UniqueConstraint(fields=["window", "item_code"], name="uniq_authorization")]

    def __str__(self) -> str:
        return f"{self.window} ← {self.item_code}"


class Intake(models.Model):
    """Where and by whom a case was taken in or pre-reviewed (the window side of 受办分离).

    ``is_cross_region``: taken in at another region's window (异地收件) for the department that handles
    it (属地办理); the result comes back to this window, or to one of the home region's, for delivery.
    """

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE, related_name="intake")
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="intakes")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    # The person who came to the window for an organisation (经办人): identified by ID number too.
    agent = models.ForeignKey(
        "applications.Party",
        verbose_name=gettext_lazy("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_cross_region = models.BooleanField("跨域通办（异地收件）", default=False)

    class Meta:
        verbose_name = gettext_lazy("窗口收件")
        verbose_name_plural = gettext_lazy("窗口收件")

    def __str__(self) -> str:
        return f"{self.application} @ {self.window}"


class DeliveryCheck(models.Model):
    """出件核验: who collected the result at the window, checked against the applicant's ID number.

    A proxy (代领) leaves the applicant's 委托书; only the masked number and the keyed digest of the
    recipient's ID are kept (个人信息保护法: no more than the check needs).
    """

    delivery = models.OneToOneField("applications.Delivery", on_delete=models.CASCADE, related_name="identity_check")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recipient_id_digest = models.CharField(gettext_lazy("领取人证件号码摘要"), max_length=64)
    recipient_id_masked = models.CharField(gettext_lazy("领取人证件号码（脱敏）"), max_length=40)
    is_proxy = models.BooleanField(gettext_lazy("代领"), default=False)
    proxy_letter = models.FileField(
        gettext_lazy("授权委托书"), upload_to=RandomName("windows/letters/%Y/%m"), blank=True
    )
    proxy_letter_sha256 = models.CharField(max_length=64, blank=True)
    # An online case's paper originals seen before the handover: [{"requirement_id", "name", "originals"}].
    originals_checked = models.JSONField(gettext_lazy("已核验原件"), default=list, blank=True)
    checked_at = models.DateTimeField(gettext_lazy("核验时间"))

    class Meta:
        verbose_name = gettext_lazy("出件核验")
        verbose_name_plural = gettext_lazy("出件核验")

    def __str__(self) -> str:
        return f"{self.delivery} {self.recipient_id_masked}"
