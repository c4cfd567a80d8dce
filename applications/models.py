"""办件: one case from the applicant's draft to the delivered result.

The state table of DOMAIN.md ("The application lifecycle") lives in applications/transitions.py as
data; every change of ``Application.status`` goes through ``applications.services.transition``.
Bundles (一件事) will group several applications under one parent: nothing here assumes a case has
exactly one department beyond ``item``.

Kept in one module: the case and the rows that only exist with it (parties, materials, events, tasks,
suspensions, documents) are one aggregate; bundles and licences have their own modules.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Least, TruncDate
from django.utils.translation import gettext, gettext_lazy

from catalog.models import MaterialRequirement, ProcessStep, ServiceItem
from portal.uploads import RandomName


class Party(models.Model):
    """The applicant: a natural person or an organisation. Not a user account."""

    class Kind(models.TextChoices):
        PERSON = "person", gettext_lazy("自然人")
        ORGANIZATION = "organization", gettext_lazy("法人或其他组织")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", gettext_lazy("居民身份证")
        PASSPORT = "passport", gettext_lazy("护照")
        HK_MACAU = "hk_macau", gettext_lazy("港澳居民来往内地通行证")
        TAIWAN = "taiwan", gettext_lazy("台湾居民来往大陆通行证")
        FOREIGN_PERMANENT = "foreign_permanent", gettext_lazy("外国人永久居留身份证")
        USCC = "uscc", gettext_lazy("统一社会信用代码")

    kind = models.CharField(gettext_lazy("类型"), max_length=12, choices=Kind.choices)
    name = models.CharField(gettext_lazy("名称/姓名"), max_length=200)
    id_type = models.CharField(gettext_lazy("证件类型"), max_length=20, choices=IdType.choices)
    # Personal information (个人信息保护法): encrypted at rest, a keyed digest to find it, a masked
    # form to show. A USCC is public and stored as is in the same columns for one look-up path.
    id_number_encrypted = models.TextField(gettext_lazy("证件号码（加密）"))
    id_number_digest = models.CharField(gettext_lazy("证件号码摘要"), max_length=64, db_index=True)
    id_number_masked = models.CharField(gettext_lazy("证件号码（脱敏）"), max_length=40)
    # Written once, when the party is first recorded, and never from someone else's start: a case's
    # notices go to the contact phone on that case (Application.contact_phone).
    phone = models.CharField(gettext_lazy("联系电话"), max_length=20, blank=True)
    legal_representative = models.CharField(gettext_lazy("法定代表人"), max_length=50, blank=True)
    # The account proved to be this person's (at a window, or by a strong real-name check): it sees
    # every case filed under the party. A matching real-name binding alone is no proof.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("已核验本人账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_parties",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("申请人")
        verbose_name_plural = gettext_lazy("申请人")
        constraints = [models.UniqueConstraint(fields=["id_type", "id_number_digest"], name="uniq_party_identity")]

    def __str__(self) -> str:
        return gettext("%(name)s（%(id_number_masked)s）") % {
            "name": self.name,
            "id_number_masked": self.id_number_masked,
        }


class Application(models.Model):
    """办件."""

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("草稿")
        SUBMITTED = "submitted", gettext_lazy("已申报待预审")
        RECEIVED = "received", gettext_lazy("已收件")
        CORRECTION_REQUESTED = "correction_requested", gettext_lazy("待补正")
        IN_REVIEW = "in_review", gettext_lazy("审查中")
        SUSPENDED = "suspended", gettext_lazy("暂停计时")
        DECIDED = "decided", gettext_lazy("已决定")
        CONCLUDED = "concluded", gettext_lazy("已办结")
        REFUSED = "refused", gettext_lazy("不予受理")
        WITHDRAWN = "withdrawn", gettext_lazy("已撤件")
        RETURNED = "returned", gettext_lazy("已退件")

    class Channel(models.TextChoices):
        ONLINE = "online", gettext_lazy("网上申报")
        WINDOW = "window", gettext_lazy("窗口受理")

    class ActingAs(models.TextChoices):
        SELF = "self", gettext_lazy("本人")
        AGENT = "agent", gettext_lazy("经办人")
        PROXY = "proxy", gettext_lazy("委托代理人")

    class DeliveryMethod(models.TextChoices):
        COLLECT = "collect", gettext_lazy("窗口领取")
        POST = "post", gettext_lazy("邮寄送达")
        DOWNLOAD = "download", gettext_lazy("网上下载")

    class Light(models.TextChoices):
        NONE = "", gettext_lazy("未计时")
        GREEN = "green", gettext_lazy("绿灯")
        YELLOW = "yellow", gettext_lazy("黄灯")
        RED = "red", gettext_lazy("红灯")

    class Outcome(models.TextChoices):
        GRANTED = "granted", gettext_lazy("准予")
        DENIED = "denied", gettext_lazy("不予")

    number = models.CharField(gettext_lazy("办件编号"), max_length=40, unique=True, null=True, blank=True)
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=gettext_lazy("事项（申请时版本）"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=gettext_lazy("实施机关"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    party = models.ForeignKey(
        Party, verbose_name=gettext_lazy("申请人"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("申报账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    # The applicant's name and contact as given for this case: shown back as typed, never the party's
    # registered name (no ID-number → name oracle), and where this case's notices go.
    applicant_name = models.CharField(gettext_lazy("申请人姓名/名称（本件）"), max_length=200, blank=True)
    contact_phone = models.CharField(gettext_lazy("联系电话（本件）"), max_length=20, blank=True)
    # The account that proved this case is theirs with the receipt's code (applications.services.claim_application).
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("认领账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_applications",
    )
    # Printed on the receipt with the number: proves the case to its applicant (claim, public lookup).
    access_code = models.CharField(gettext_lazy("查询码"), max_length=12, blank=True)
    acting_as = models.CharField(
        gettext_lazy("办理身份"), max_length=8, choices=ActingAs.choices, default=ActingAs.SELF
    )
    channel = models.CharField(gettext_lazy("申报渠道"), max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(gettext_lazy("状态"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    situation_options = models.JSONField(gettext_lazy("所选情形"), default=list, blank=True)
    form_data = models.JSONField(gettext_lazy("申请表内容"), default=dict, blank=True)
    delivery_method = models.CharField(
        gettext_lazy("结果送达方式"), max_length=10, choices=DeliveryMethod.choices, default=DeliveryMethod.COLLECT
    )
    delivery_address = models.CharField(gettext_lazy("邮寄地址"), max_length=300, blank=True)
    declaration_signed_at = models.DateTimeField(gettext_lazy("承诺声明时间"), null=True, blank=True)
    # A proxy (委托代理人) files with the principal's signed letter; it has no material requirement row.
    proxy_letter = models.FileField(gettext_lazy("授权委托书"), upload_to=RandomName("proxy_letters/%Y/%m"), blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # The clock (DESIGN.md "Time and background work"): columns, never long Celery countdowns.
    received_on = models.DateField(gettext_lazy("收件日期"), null=True, blank=True)
    accepted_on = models.DateField(gettext_lazy("受理日期"), null=True, blank=True)
    due_on = models.DateField(gettext_lazy("承诺办结日期"), null=True, blank=True, db_index=True)
    statutory_due_on = models.DateField(gettext_lazy("法定办结日期"), null=True, blank=True)
    warn_on = models.DateField(gettext_lazy("预警日期"), null=True, blank=True, db_index=True)
    light = models.CharField(
        gettext_lazy("时效灯"), max_length=6, choices=Light.choices, default=Light.NONE, blank=True
    )
    is_provisional_deadline = models.BooleanField(gettext_lazy("时限依据临时日历"), default=False)
    auto_accept_on = models.DateField(gettext_lazy("逾期视为受理日期"), null=True, blank=True, db_index=True)
    correction_due_on = models.DateField(gettext_lazy("补正截止日期"), null=True, blank=True, db_index=True)
    suspended_on = models.DateField(gettext_lazy("暂停计时日期"), null=True, blank=True)
    # 容缺受理 (applications.services.deferrals): the applicant's pledge, and the earliest date a
    # 容缺后补 material is still owed by (the sweep's index), reminded once.
    deferral_pledged_at = models.DateTimeField(gettext_lazy("容缺受理承诺时间"), null=True, blank=True)
    deferral_due_on = models.DateField(gettext_lazy("容缺后补截止日期"), null=True, blank=True, db_index=True)
    deferral_reminded_at = models.DateTimeField(gettext_lazy("容缺后补提醒时间"), null=True, blank=True)
    is_extended = models.BooleanField(gettext_lazy("已延长"), default=False)
    current_step = models.ForeignKey(
        ProcessStep,
        verbose_name=gettext_lazy("当前环节"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status_before_correction = models.CharField(max_length=24, blank=True)

    outcome = models.CharField(gettext_lazy("决定"), max_length=8, choices=Outcome.choices, blank=True)
    decided_at = models.DateTimeField(gettext_lazy("决定时间"), null=True, blank=True)
    certificate_due_on = models.DateField(gettext_lazy("发证期限"), null=True, blank=True)
    concluded_at = models.DateTimeField(gettext_lazy("办结时间"), null=True, blank=True)
    # Written at conclusion (deliver_result), for supervision: working days from acceptance to the
    # conclusion and to the promised date (moved by extensions and special procedures).
    workdays_used = models.PositiveSmallIntegerField(gettext_lazy("办结用时（工作日）"), null=True, blank=True)
    workdays_promised = models.PositiveSmallIntegerField(gettext_lazy("承诺时限（工作日）"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(gettext_lazy("申报时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("办件")
        verbose_name_plural = gettext_lazy("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "department", "due_on"]),
            models.Index(fields=["status", "submitted_at"]),
            models.Index(fields=["warn_on"], name="app_running_clock", condition=Q(status__in=["in_review"])),
            # What sweep_late_certificates reads: decided cases whose certificate is not yet overdue.
            models.Index(
                fields=["certificate_due_on"], name="app_certificate_clock", condition=Q(status="decided", light="")
            ),
            # What the 好差评 invitation sweep reads every minute (reviews/evaluations.py _invite): the
            # cases concluded or refused in the last 30 days, not a scan of every case (make bench).
            models.Index(fields=["concluded_at"], name="app_recently_concluded", condition=Q(status="concluded")),
            models.Index(fields=["updated_at"], name="app_recently_refused", condition=Q(status="refused")),
            # What 效能监督's figures read (reviews/supervision.py): concluded cases by their local day of
            # conclusion, with every column the figures sum, so a year of them is an index-only scan,
            # not a scan of the whole table (make bench, 100k cases: 247 → 52 ms in EXPLAIN ANALYZE).
            # TruncDate takes settings.TIME_ZONE at migration time, as the queries' __date lookups do.
            models.Index(
                TruncDate("concluded_at"),
                name="app_concluded_day",
                include=["id", "department", "due_on", "concluded_at", "workdays_used", "workdays_promised"],
                condition=Q(status="concluded"),
            ),
        ]

    def __str__(self) -> str:
        return self.number or (gettext("草稿#%(pk)s") % {"pk": self.pk})

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        # What applications.access remembered of this instance (roles, authorisations) is re-read too.
        self.__dict__.pop("_access_memo", None)
        super().refresh_from_db(*args, **kwargs)


class TimelineEvent(models.Model):
    """One row per action on a case: who, from, to, when, note; some are for the applicant's eyes."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(gettext_lazy("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(gettext_lazy("操作"), max_length=40)
    from_status = models.CharField(gettext_lazy("原状态"), max_length=24, blank=True)
    to_status = models.CharField(gettext_lazy("新状态"), max_length=24, blank=True)
    note = models.TextField(gettext_lazy("说明"), blank=True)
    is_visible_to_applicant = models.BooleanField(gettext_lazy("申请人可见"), default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = gettext_lazy("办理过程")
        verbose_name_plural = gettext_lazy("办理过程")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"


class SubmittedMaterial(models.Model):
    """A file or a paper original/copy the case received for one material requirement."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(gettext_lazy("文件"), upload_to=RandomName("applications/%Y/%m"), blank=True)
    # The uploader's name for the file, shown to people; the stored name is random.
    original_name = models.CharField(gettext_lazy("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    originals_received = models.PositiveSmallIntegerField(gettext_lazy("收取原件"), default=0)
    copies_received = models.PositiveSmallIntegerField(gettext_lazy("收取复印件"), default=0)
    deferred_until = models.DateField(gettext_lazy("容缺后补期限"), null=True, blank=True)
    is_current = models.BooleanField(gettext_lazy("有效"), default=True)
    # 免证办: filled in from the applicant's own valid e-licence at submission (applications/licences/
    # fetching.py), no file: the registry's answer as it stood then, shown as verified to the staff.
    licence_number = models.CharField(gettext_lazy("电子证照编号"), max_length=60, blank=True)
    licence_issuer = models.CharField(gettext_lazy("发证机关"), max_length=200, blank=True)
    licence_issued_on = models.DateField(gettext_lazy("发证日期"), null=True, blank=True)
    licence_valid_until = models.DateField(gettext_lazy("证照有效期至"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("提交材料")
        verbose_name_plural = gettext_lazy("提交材料")
        ordering = ["requirement__order", "id"]

    def __str__(self) -> str:
        return self.requirement.name

    @property
    def is_from_licence(self) -> bool:
        return bool(self.licence_number)


class CorrectionNotice(models.Model):
    """一次性告知书: every missing or defective material at once, with a deadline (行政许可法 art. 32)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="correction_notices")
    issued_at = models.DateTimeField(gettext_lazy("告知时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # [{"requirement_id": int | None, "name": str, "reason": str}]
    entries = models.JSONField(gettext_lazy("补正内容"))
    due_on = models.DateField(gettext_lazy("补正截止日期"))
    after_acceptance = models.BooleanField(gettext_lazy("受理后补正"), default=False)
    resolved_at = models.DateTimeField(gettext_lazy("补正完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("补正告知")
        verbose_name_plural = gettext_lazy("补正告知")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return gettext("%(application)s 补正告知") % {"application": self.application}


class Suspension(models.Model):
    """A pause of the clock: a special procedure (行政许可法 art. 45) or a correction after acceptance."""

    # The special procedures are catalog.models.SpecialProcedure's (tests/catalog/test_rules.py checks
    # they agree); TextChoices cannot be extended, hence the repetition.
    class Kind(models.TextChoices):
        SITE_INSPECTION = "site_inspection", gettext_lazy("现场勘验")
        HEARING = "hearing", gettext_lazy("听证")
        TESTING = "testing", gettext_lazy("检验检测")
        EXPERT_REVIEW = "expert_review", gettext_lazy("专家评审")
        APPRAISAL = "appraisal", gettext_lazy("鉴定")
        BIDDING = "bidding", gettext_lazy("招标拍卖")
        PUBLICITY = "publicity", gettext_lazy("公示")
        CORRECTION = "correction", gettext_lazy("受理后补正")
        DEFERRAL = "deferral", gettext_lazy("容缺材料逾期未补")

    # Paused until the applicant's material comes, and ended by it, never by a reviewer's "resume".
    ENDED_BY_MATERIAL = (Kind.CORRECTION, Kind.DEFERRAL)

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="suspensions")
    kind = models.CharField(gettext_lazy("类型"), max_length=20, choices=Kind.choices)
    reason = models.TextField(gettext_lazy("原因"))
    expected_days = models.PositiveSmallIntegerField(gettext_lazy("预计时长（工作日）"), default=0)
    started_on = models.DateField(gettext_lazy("开始日期"))
    ended_on = models.DateField(gettext_lazy("结束日期"), null=True, blank=True)
    result = models.TextField(gettext_lazy("结果"), blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("暂停计时")
        verbose_name_plural = gettext_lazy("暂停计时")
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"


class Extension(models.Model):
    """One extension of the limit (行政许可法 art. 42: +10 days with the head's approval)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", gettext_lazy("待批准")
        APPROVED = "approved", gettext_lazy("已批准")
        REJECTED = "rejected", gettext_lazy("未批准")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(gettext_lazy("延长工作日"))
    reason = models.TextField(gettext_lazy("理由"))
    status = models.CharField(gettext_lazy("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("延长申请")
        verbose_name_plural = gettext_lazy("延长申请")
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="approved"), name="one_approved_extension"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(application)s 延长%(days)s日") % {"application": self.application, "days": self.days}


class ReviewTask(models.Model):
    """The back office's work on one review step of one case (承办 → 审核 → 批准)."""

    class Status(models.TextChoices):
        OPEN = "open", gettext_lazy("待办")
        DONE = "done", gettext_lazy("已办")
        RETURNED = "returned", gettext_lazy("已退回")
        CANCELLED = "cancelled", gettext_lazy("已撤销")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    # The case's department, copied when the task opens (a case never changes department): the
    # reviewer queue reads the department's open tasks through task_department_queue without
    # joining every open task of the database to its case first (issue 12).
    department = models.ForeignKey("catalog.Department", on_delete=models.PROTECT, related_name="+")
    # The case's promised date (Application.due_on), copied when the task opens and by every
    # transition that moves it while the task is open (services.core.transition: extension, resume),
    # so that the queue's order, the earlier of the case's and the step's date, is one index.
    case_due_on = models.DateField(null=True, blank=True, editable=False)
    step = models.ForeignKey(ProcessStep, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(gettext_lazy("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_tasks"
    )
    opened_at = models.DateTimeField()
    due_on = models.DateField(gettext_lazy("环节办理期限"), null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opinion = models.TextField(gettext_lazy("审查意见"), blank=True)
    # The step's own light against ``due_on`` (its limit in working days), kept by
    # applications.services.sweep_overdue_steps: yellow on the last day, red once past it. Red is
    # also the memory that the overdue notice went out, as Application.light is for the case.
    light = models.CharField(
        gettext_lazy("环节时效灯"),
        max_length=6,
        choices=Application.Light.choices,
        default=Application.Light.GREEN,
        blank=True,
    )

    class Meta:
        verbose_name = gettext_lazy("审查任务")
        verbose_name_plural = gettext_lazy("审查任务")
        ordering = ["opened_at", "id"]
        indexes = [
            # What sweep_overdue_steps reads: the open tasks not yet red, by their step's due date.
            models.Index(
                fields=["due_on"], name="task_step_clock", condition=Q(status="open", light__in=["green", "yellow"])
            ),
            # The reviewer queue (reviews.selectors.queue_for): one department's open tasks in the
            # queue's order. EXPLAIN ANALYZE of a reviewer's first page at 100 k cases (17,044 open
            # tasks, 2,014 of the department's): 50 ms before (all 17,044 open tasks read along
            # one_open_task_per_case, hash-joined to the department's 2,014 cases, top-N sorted by
            # LEAST across the two tables), 0.5-0.7 ms after (the page's 20 rows of this index).
            models.Index(
                "department",
                Least("case_due_on", "due_on"),
                "opened_at",
                "id",
                name="task_department_queue",
                condition=Q(status="open"),
            ),
            # The queue's count (the pages, the workbench's badge): an index-only scan of the
            # department's open tasks, filtered by who holds them. At 100 k cases: 39-63 ms before
            # (17,044 open tasks and 2,014 cases), 0.2-0.3 ms after (0 heap fetches once vacuumed).
            models.Index(fields=["department", "assignee"], name="task_department_holder", condition=Q(status="open")),
        ]
        # Held with django-guardian on one task when a head assigns it to one reviewer.
        permissions = [("work_on_reviewtask", gettext_lazy("可办理该审查任务"))]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(status="open"), name="one_open_task_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.step}"


class Result(models.Model):
    """What the decision produced: the licence or certificate, or the denial's reasons."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="result")
    outcome = models.CharField(gettext_lazy("决定"), max_length=8, choices=Application.Outcome.choices)
    reasons = models.TextField(gettext_lazy("理由"), blank=True)
    certificate_number = models.CharField(gettext_lazy("证照编号"), max_length=60, blank=True)
    valid_from = models.DateField(gettext_lazy("有效期起"), null=True, blank=True)
    valid_until = models.DateField(gettext_lazy("有效期至"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField()
    # 告知承诺制: a grant obtained by a false commitment is revoked (applications.services.commitments).
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revocation_reason = models.TextField("撤销理由", blank=True)

    class Meta:
        verbose_name = gettext_lazy("办理结果")
        verbose_name_plural = gettext_lazy("办理结果")

    def __str__(self) -> str:
        return f"{self.application} {self.get_outcome_display()}"


class Commitment(models.Model):
    """告知承诺: the applicant's signed commitment in place of one proof, and the department's later check.

    Signed at submission (the text as it stood then); the check is due a number of working days after
    acceptance (ServiceItem.commitment_check_workdays). A failed check has the item's consequences
    (applications.services.commitments)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待核查"
        PASSED = "passed", "核查属实"
        FAILED = "failed", "核查不实"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="commitments")
    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("承诺内容及依据")
    signed_at = models.DateTimeField("承诺时间")
    check_due_on = models.DateField("核查期限", null=True, blank=True, db_index=True)
    outcome = models.CharField("核查结果", max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    check_note = models.TextField("核查说明", blank=True)
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sweep tells the department once when the check is due and once when it is overdue.
    due_notified_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "告知承诺"
        verbose_name_plural = "告知承诺"
        ordering = ["requirement__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="one_commitment_per_material")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.requirement.name}"


class CreditRecord(models.Model):
    """信用记录: a false commitment found by the check, on the party that signed it (visible to supervisors)."""

    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="credit_records")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="credit_records")
    commitment = models.OneToOneField(Commitment, on_delete=models.PROTECT, related_name="credit_record")
    subject_name = models.CharField("失信主体", max_length=200)
    reason = models.TextField("记录事由")
    recorded_at = models.DateTimeField("记录时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.application}"


class FeeAssessment(models.Model):
    """The fees a case owes, paid or waived before delivery."""

    class Status(models.TextChoices):
        DUE = "due", gettext_lazy("待缴费")
        PAID = "paid", gettext_lazy("已缴费")
        WAIVED = "waived", gettext_lazy("已减免")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="fee_assessments")
    name = models.CharField(gettext_lazy("收费项目"), max_length=100)
    amount_yuan = models.DecimalField(gettext_lazy("金额（元）"), max_digits=10, decimal_places=2)
    status = models.CharField(gettext_lazy("状态"), max_length=8, choices=Status.choices, default=Status.DUE)
    waiver_basis = models.CharField(gettext_lazy("减免依据"), max_length=300, blank=True)
    payment_reference = models.CharField(gettext_lazy("支付流水号"), max_length=64, blank=True, unique=True, null=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("收费")
        verbose_name_plural = gettext_lazy("收费")

    def __str__(self) -> str:
        return f"{self.name} {self.amount_yuan}"


class Delivery(models.Model):
    """出件: how the result reached the applicant (送达回证 for hand delivery)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="delivery")
    method = models.CharField(gettext_lazy("方式"), max_length=10, choices=Application.DeliveryMethod.choices)
    tracking_number = models.CharField(gettext_lazy("快递单号"), max_length=40, blank=True)
    recipient_name = models.CharField(gettext_lazy("签收人"), max_length=50, blank=True)
    recipient_is_proxy = models.BooleanField(gettext_lazy("代领"), default=False)
    delivered_at = models.DateTimeField()
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = gettext_lazy("送达")
        verbose_name_plural = gettext_lazy("送达")

    def __str__(self) -> str:
        return f"{self.application} {self.get_method_display()}"


class Document(models.Model):
    """A written notice or result (PDF), rendered when first asked for, verifiable by its QR token."""

    class Kind(models.TextChoices):
        ACCEPTANCE_RECEIPT = "acceptance_receipt", gettext_lazy("受理凭证")
        CORRECTION_NOTICE = "correction_notice", gettext_lazy("一次性告知书")
        REFUSAL_NOTICE = "refusal_notice", gettext_lazy("不予受理决定书")
        SUSPENSION_NOTICE = "suspension_notice", gettext_lazy("特别程序告知书")
        SUSPENSION_END_NOTICE = "suspension_end_notice", gettext_lazy("特别程序结果告知书")
        EXTENSION_NOTICE = "extension_notice", gettext_lazy("延长期限告知书")
        GRANT_DECISION = "grant_decision", gettext_lazy("准予许可决定书")
        DENIAL_DECISION = "denial_decision", gettext_lazy("不予许可决定书")
        SERVICE_RECEIPT = "service_receipt", gettext_lazy("送达回证")
        RETURN_NOTICE = "return_notice", gettext_lazy("退件通知书")
        DEFERRAL_PLEDGE = "deferral_pledge", gettext_lazy("容缺受理承诺书")
        COMMITMENT = "commitment", gettext_lazy("告知承诺书")
        REVOCATION_NOTICE = "revocation_notice", gettext_lazy("撤销行政许可决定书")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(gettext_lazy("文书类型"), max_length=24, choices=Kind.choices)
    token = models.CharField(gettext_lazy("核验码"), max_length=43, unique=True)
    # What the document says, captured when it is issued (applications.documents.snapshot).
    context = models.JSONField(gettext_lazy("文书内容"), default=dict)
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    rendered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("文书")
        verbose_name_plural = gettext_lazy("文书")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.get_kind_display()}"


class NumberSequence(models.Model):
    """Per department and day, the last sequence handed out: numbers are never reused."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("编号序列")
        verbose_name_plural = gettext_lazy("编号序列")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


# The e-licence tables live with their services (applications/licences/); imported here so that
# Django registers them with this app.
# 一件事申请 (bundles) live in their own module; imported here so Django registers them with this app.
from applications.bundle_models import BundleApplication, BundlePart, BundleUpload  # noqa: E402, F401
from applications.licences.models import LicenceKind, License  # noqa: E402, F401
