"""好差评: evaluations of concluded services, their follow-ups, and the handling of bad ratings (差评整改).

An evaluation rates one service (一事一评): the case, and with it the item, the department, the hall and
window, the clerk and the reviewers who decided it; those are copied onto the row when it is given, so
the statistics read one table. The hall's window and the clerk are pointed at by model name: a rating
rates the window, it never calls the hall's code.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.uploads import RandomName


class Level(models.IntegerChoices):
    """GB/T 39046 A.8 numbering: 1 is the best. 4 and 5 are negative (差评)."""

    VERY_SATISFIED = 1, _("非常满意")
    SATISFIED = 2, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 4, _("不满意")
    VERY_DISSATISFIED = 5, _("非常不满意")


NEGATIVE_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class EvaluationPolicy(models.Model):
    """A region's rules (好差评规则); a case follows the nearest region up its department's chain."""

    region = models.OneToOneField(
        "catalog.Region", verbose_name=_("行政区划"), on_delete=models.CASCADE, related_name="evaluation_policy"
    )
    rate_after_acceptance = models.BooleanField(_("受理后即可评价"), default=False)
    remind_after_days = models.PositiveSmallIntegerField(_("未评价提醒（办结后天数）"), default=3)
    # None: never default. Otherwise the window closes after that many days and a `defaulted` rating
    # of `default_level` is stored, shown as such and never counted as given.
    default_after_days = models.PositiveSmallIntegerField(_("默认评价（办结后天数）"), null=True, blank=True)
    default_level = models.PositiveSmallIntegerField(_("默认评价等级"), choices=Level.choices, default=Level.SATISFIED)
    rectification_workdays = models.PositiveSmallIntegerField(_("差评整改时限（工作日）"), default=5)

    class Meta:
        verbose_name = _("好差评规则")
        verbose_name_plural = _("好差评规则")

    def __str__(self) -> str:
        return str(self.region)


class Indicator(models.Model):
    """One option a rater may tick, offered for one level and one scope (online or in the hall)."""

    class Scope(models.TextChoices):
        ONLINE = "online", _("网上办事")
        HALL = "hall", _("大厅窗口")

    scope = models.CharField(_("适用渠道"), max_length=8, choices=Scope.choices)
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    label = models.CharField(_("评价指标"), max_length=60)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["scope", "level", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scope", "level", "label"], name="uniq_indicator")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.label}"


class Evaluation(models.Model):
    """好差评: the applicant's rating of one service."""

    class Channel(models.TextChoices):
        PC = "pc", _("网站")
        MOBILE = "mobile", _("移动端")
        QR = "qr", _("扫码评价")
        TABLET = "tablet", _("窗口评价器")
        PHONE = "phone", _("12345热线")
        SMS = "sms", _("短信")
        SYSTEM = "system", _("系统默认")

    class Status(models.TextChoices):
        GIVEN = "given", _("主动评价")
        DEFAULTED = "defaulted", _("默认评价")
        INVALIDATED = "invalidated", _("申诉成立已作废")

    application = models.OneToOneField(
        "applications.Application", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="evaluation"
    )
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("评价指标"), blank=True, related_name="+")
    comment = models.TextField(_("评价意见"), blank=True, max_length=500)
    is_anonymous = models.BooleanField(_("匿名评价"), default=False)
    channel = models.CharField(_("评价渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.GIVEN)
    invalidated_reason = models.TextField(_("作废理由"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The 12345 operator who typed a rating given on the phone (channel phone), never the rater.
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What is rated with it, copied when given (statistics read this row alone).
    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("实施机关"), on_delete=models.PROTECT, related_name="evaluations"
    )
    region = models.ForeignKey("catalog.Region", verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("事项编码"), max_length=40, db_index=True)
    item_name = models.CharField(_("事项名称"), max_length=200)
    window = models.ForeignKey(
        "windows.Window", verbose_name=_("窗口"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("窗口人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deciders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人员"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "created_at"]),
            models.Index(fields=["region", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.get_level_display()}"

    @property
    def is_negative(self) -> bool:
        return self.level in NEGATIVE_LEVELS


class Invitation(models.Model):
    """The follow-ups of one concluded service: invited, reminded, defaulted, each exactly once."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="evaluation_invitation"
    )
    invited_at = models.DateTimeField()
    remind_on = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    default_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")
        indexes = [
            models.Index(
                fields=["remind_on"],
                name="invitation_remind",
                condition=Q(reminded_at__isnull=True, closed_at__isnull=True),
            ),
            models.Index(fields=["default_on"], name="invitation_default", condition=Q(closed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.application}"


class Rectification(models.Model):
    """差评整改: verify → (appeal) → rectify and reply → follow up, under a working-day deadline."""

    class Status(models.TextChoices):
        VERIFYING = "verifying", _("待核实")
        APPEALED = "appealed", _("申诉审核中")
        RECTIFYING = "rectifying", _("整改中")
        FOLLOW_UP = "follow_up", _("已答复待回访")
        CLOSED = "closed", _("已办结")
        INVALIDATED = "invalidated", _("申诉成立")

    class Classification(models.TextChoices):
        REASONABLE = "reasonable", _("合理诉求")
        UNREASONABLE = "unreasonable", _("不合理诉求")
        MALICIOUS = "malicious", _("恶意差评")

    class AppealOutcome(models.TextChoices):
        UPHELD = "upheld", _("申诉成立")
        REJECTED = "rejected", _("申诉不成立")

    evaluation = models.OneToOneField(Evaluation, on_delete=models.CASCADE, related_name="rectification")
    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="rectifications"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.VERIFYING)
    due_on = models.DateField(_("整改期限"))
    warn_on = models.DateField(_("预警日期"))
    # Lights as for cases (applications.Application.Light); red is also the memory that the
    # escalation went out, yellow that the warning did.
    light = models.CharField(_("时效灯"), max_length=6, default="green", blank=True)

    is_true = models.BooleanField(_("反映情况属实"), null=True)
    classification = models.CharField(_("诉求分类"), max_length=12, choices=Classification.choices, blank=True)
    verification_note = models.TextField(_("核实情况"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    appeal_reason = models.TextField(_("申诉理由"), blank=True)
    appeal_evidence = models.FileField(_("申诉证据"), upload_to=RandomName("appeals/%Y/%m"), blank=True)
    appeal_outcome = models.CharField(_("申诉结果"), max_length=10, choices=AppealOutcome.choices, blank=True)
    appeal_decision = models.TextField(_("申诉审核意见"), blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    result = models.TextField(_("整改情况"), blank=True)
    reply = models.TextField(_("答复申请人"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    follow_up_level = models.PositiveSmallIntegerField(
        _("对整改的满意度"), choices=Level.choices, null=True, blank=True
    )
    follow_up_note = models.TextField(_("回访情况"), blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["warn_on"],
                name="rectification_clock",
                condition=Q(status__in=["verifying", "rectifying"], light__in=["green", "yellow"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation.application} {self.get_status_display()}"


class TabletSession(models.Model):
    """一次一评 at the window: a clerk opens one service on the window's rating tablet; the applicant rates
    it there, once; it closes after that rating or when it times out."""

    window = models.ForeignKey("windows.Window", verbose_name=_("窗口"), on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(
        "applications.Application", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("窗口人员"), on_delete=models.CASCADE, related_name="+"
    )
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("窗口评价会话")
        verbose_name_plural = _("窗口评价会话")
        constraints = [
            models.UniqueConstraint(
                fields=["window"], condition=Q(closed_at__isnull=True), name="one_open_tablet_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.application_id}"


class ProblemReport(models.Model):
    """办不成事: an applicant could not get something done. Answered by the department under the same
    working-day deadline and lights as a rectification, followed up, and counted in public."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("网上反映")
        WINDOW = "window", _("办不成事反映窗口")

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        FOLLOW_UP = "follow_up", _("已答复待回访")
        CLOSED = "closed", _("已办结")

    department = models.ForeignKey(
        "catalog.Department", verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="problem_reports"
    )
    item_code = models.CharField(_("事项编码"), max_length=40, blank=True, db_index=True)
    item_name = models.CharField(_("事项名称"), max_length=200, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("相关办件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("反映内容"), max_length=2000)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反映人账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporter_name = models.CharField(_("反映人"), max_length=100)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    channel = models.CharField(_("反映渠道"), max_length=8, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_on = models.DateField(_("答复期限"))
    warn_on = models.DateField(_("预警日期"))
    light = models.CharField(_("时效灯"), max_length=6, default="green", blank=True)
    answer = models.TextField(_("处理结果与答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    solved = models.BooleanField(_("问题已解决"), null=True)
    follow_up_level = models.PositiveSmallIntegerField(
        _("对处理的满意度"), choices=Level.choices, null=True, blank=True
    )
    follow_up_note = models.TextField(_("回访情况"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("办不成事反映")
        verbose_name_plural = _("办不成事反映")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(
                fields=["warn_on"], name="problem_clock", condition=Q(status="open", light__in=["green", "yellow"])
            ),
            models.Index(fields=["department", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_name or self.department} {self.get_status_display()}"
