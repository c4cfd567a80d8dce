"""Accounts, parties acting online, the working-day calendar and the audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from portal import stored_text
from portal.uploads import RandomName


class Role(models.TextChoices):
    """Role codes; each is a Group of the same name (DESIGN.md, "People and parties")."""

    CITIZEN = "citizen", gettext_lazy("个人用户")
    ENTERPRISE = "enterprise", gettext_lazy("法人用户")
    CLERK = "clerk", gettext_lazy("窗口工作人员")
    CHIEF_REP = "chief_rep", gettext_lazy("首席代表")
    REVIEWER = "reviewer", gettext_lazy("审查人员")
    DEPT_HEAD = "dept_head", gettext_lazy("部门负责人")
    CATALOG_EDITOR = "catalog_editor", gettext_lazy("事项编辑")
    CATALOG_PUBLISHER = "catalog_publisher", gettext_lazy("事项发布审核")
    SUPERVISOR = "supervisor", gettext_lazy("效能监督")
    HOTLINE = "hotline", gettext_lazy("12345热线坐席")
    AUDITOR = "auditor", gettext_lazy("审计员")
    SYSADMIN = "sysadmin", gettext_lazy("系统管理员")


STAFF_ROLES = frozenset(
    {
        Role.CLERK,
        Role.CHIEF_REP,
        Role.REVIEWER,
        Role.DEPT_HEAD,
        Role.CATALOG_EDITOR,
        Role.CATALOG_PUBLISHER,
        Role.SUPERVISOR,
        Role.HOTLINE,
        Role.AUDITOR,
        Role.SYSADMIN,
    }
)


class User(AbstractUser):
    """A person who signs in. Not the applicant: applications name a party."""

    phone = models.CharField(gettext_lazy("手机号码"), max_length=11, blank=True, null=True, unique=True)
    email = models.EmailField(gettext_lazy("电子邮箱"), blank=True, null=True, unique=True)
    real_name = models.CharField(gettext_lazy("真实姓名"), max_length=50, blank=True)
    # The full ID number is never stored on the account: a keyed digest links the account to
    # walk-in cases filed under the same number, and the masked form is what anyone sees.
    id_number_digest = models.CharField(gettext_lazy("身份证件号码摘要"), max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(gettext_lazy("身份证件号码（脱敏）"), max_length=18, blank=True)
    real_name_verified_at = models.DateTimeField(gettext_lazy("实名认证时间"), null=True, blank=True)
    # When the holder of ``phone`` proved it with a texted code (portal.phone_codes); empty for
    # accounts made before that, by e-mail, or by an administrator.
    phone_verified_at = models.DateTimeField(gettext_lazy("手机号码验证时间"), null=True, blank=True)
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name=gettext_lazy("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_demo = models.BooleanField(gettext_lazy("演示账户"), default=False)

    class Meta:
        verbose_name = gettext_lazy("用户")
        verbose_name_plural = gettext_lazy("用户")
        constraints = [
            # One ID number, one verified account (portal.services.verify_real_name relies on it).
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="uniq_user_id_number_digest",
            )
        ]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def is_real_name_verified(self) -> bool:
        return self.real_name_verified_at is not None

    def role_codes(self) -> set[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True)) if self.pk else set()
            self._role_codes = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes() & set(roles))

    @property
    def is_portal_staff(self) -> bool:
        return self.is_superuser or bool(self.role_codes() & STAFF_ROLES)


class PhoneCode(models.Model):
    """A 6-digit code texted to a phone number to prove that whoever asks for an account holds it.

    Only a keyed digest is stored (portal.phone_codes); the code exists in clear only in the text
    message. The latest live code of a number is the one that counts: asking again revokes the
    earlier ones. The rows also count the requests of a number and of an address (the throttle).
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", gettext_lazy("注册")

    phone = models.CharField(gettext_lazy("手机号码"), max_length=11)
    purpose = models.CharField(gettext_lazy("用途"), max_length=20, choices=Purpose.choices, default=Purpose.REGISTER)
    code_digest = models.CharField(gettext_lazy("验证码摘要"), max_length=64)
    ip_address = models.GenericIPAddressField(gettext_lazy("请求地址"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("发送时间"))
    expires_at = models.DateTimeField(gettext_lazy("失效时间"))
    failed_attempts = models.PositiveSmallIntegerField(gettext_lazy("输错次数"), default=0)
    used_at = models.DateTimeField(gettext_lazy("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(gettext_lazy("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("短信验证码")
        verbose_name_plural = gettext_lazy("短信验证码")
        indexes = [
            models.Index(fields=["phone", "purpose", "-created_at"], name="phone_code_by_phone"),
            models.Index(fields=["ip_address", "-created_at"], name="phone_code_by_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class StaffEnrolmentCode(models.Model):
    """A one-time code that lets a member of staff set up their TOTP device.

    An administrator hands it over out of band (in person, on paper): knowing the password alone
    does not let anyone bind their own phone to a new account. Only a digest is stored. The code is
    entered before the secret is shown, binds the device being set up (``device``), and is spent
    when that device is confirmed (portal.services.accept_enrolment_code, verify_totp_token).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_digest = models.CharField(gettext_lazy("绑定码摘要"), max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(gettext_lazy("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(gettext_lazy("失效时间"))
    failed_attempts = models.PositiveSmallIntegerField(gettext_lazy("输错次数"), default=0)
    device = models.OneToOneField(
        "otp_totp.TOTPDevice", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolment_code"
    )
    accepted_at = models.DateTimeField(gettext_lazy("输入时间"), null=True, blank=True)
    spent_at = models.DateTimeField(gettext_lazy("使用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(gettext_lazy("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("动态验证码绑定码")
        verbose_name_plural = gettext_lazy("动态验证码绑定码")
        indexes = [
            models.Index(
                fields=["user", "expires_at"],
                name="enrolment_code_live",
                condition=models.Q(spent_at__isnull=True, revoked_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class Organization(models.Model):
    """A company or other organisation that applies (法人), identified by its USCC."""

    name = models.CharField(gettext_lazy("单位名称"), max_length=200)
    uscc = models.CharField(gettext_lazy("统一社会信用代码"), max_length=18, unique=True)
    legal_representative = models.CharField(gettext_lazy("法定代表人"), max_length=50)
    # The keyed digest of the legal representative's ID number, from the registry (portal.registry):
    # the one proof that an account is the legal representative's own, a name being no proof.
    legal_representative_id_digest = models.CharField(gettext_lazy("法定代表人证件号码摘要"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("法人单位")
        verbose_name_plural = gettext_lazy("法人单位")

    def __str__(self) -> str:
        return self.name


class AgentQuerySet(models.QuerySet["OrganizationAgent"]):
    def active(self) -> "AgentQuerySet":
        """Authorisations that are verified and not revoked: the only ones that let a user act."""
        return self.filter(verified_at__isnull=False, revoked_at__isnull=True)

    def pending(self) -> "AgentQuerySet":
        return self.filter(verified_at__isnull=True, revoked_at__isnull=True)


class OrganizationAgent(models.Model):
    """A user authorised to act for an organisation (经办人).

    An authorisation is pending until it is verified: the legal representative's own account (proved by
    the registry's ID digest) confirms it, or a clerk checks the sealed letter at a window. A legal
    representative registering themself is verified by that same digest.
    """

    class VerifiedVia(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", gettext_lazy("法定代表人本人（证件核验）")
        CONFIRMED = "confirmed", gettext_lazy("法定代表人在线确认")
        WINDOW = "window", gettext_lazy("窗口核验授权委托书原件")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agencies")
    authorization_letter = models.FileField(
        gettext_lazy("授权委托书"), upload_to=RandomName("agents/%Y/%m"), blank=True
    )
    is_legal_representative = models.BooleanField(gettext_lazy("本人为法定代表人"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(gettext_lazy("核验时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("核验人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_via = models.CharField(gettext_lazy("核验方式"), max_length=24, choices=VerifiedVia.choices, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AgentQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("经办人授权")
        verbose_name_plural = gettext_lazy("经办人授权")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="uniq_agent_per_org")]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"

    @property
    def is_active(self) -> bool:
        return self.verified_at is not None and self.revoked_at is None

    @property
    def is_pending(self) -> bool:
        return self.verified_at is None and self.revoked_at is None


class DemoRegistryRecord(models.Model):
    """The demo organisation registry's data (portal.registry.DemoOrganizationRegistry).

    Stands in for the market regulator's registry (国家企业信用信息公示系统): written by the demo seed and
    system administrators, never by a registrant, so nobody defines a company's legal representative by
    registering first.
    """

    uscc = models.CharField(gettext_lazy("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(gettext_lazy("单位名称"), max_length=200)
    legal_representative = models.CharField(gettext_lazy("法定代表人"), max_length=50)
    legal_representative_id_digest = models.CharField(gettext_lazy("法定代表人证件号码摘要"), max_length=64)

    class Meta:
        verbose_name = gettext_lazy("演示登记机关数据")
        verbose_name_plural = gettext_lazy("演示登记机关数据")

    def __str__(self) -> str:
        return gettext("%(name)s（%(uscc)s）") % {"name": self.name, "uscc": self.uscc}


class CalendarYear(models.Model):
    """A year whose official arrangement (国务院办公厅 holiday notice) is in the calendar table."""

    year = models.PositiveSmallIntegerField(gettext_lazy("年份"), primary_key=True)
    source = models.CharField(gettext_lazy("来源"), max_length=200, default="chinesecalendar")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("工作日历年度")
        verbose_name_plural = gettext_lazy("工作日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the Mon–Fri rule: a holiday on a weekday or a working weekend (调休)."""

    date = models.DateField(gettext_lazy("日期"), primary_key=True)
    is_workday = models.BooleanField(gettext_lazy("是否工作日"))
    name = models.CharField(gettext_lazy("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = gettext_lazy("日历调整日")
        verbose_name_plural = gettext_lazy("日历调整日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {gettext('班') if self.is_workday else gettext('休')} {self.name}"


class AuditEvent(models.Model):
    """Who did what to which object: every service write and every reveal of personal data."""

    at = models.DateTimeField(gettext_lazy("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(gettext_lazy("操作"), max_length=64)
    object_type = models.CharField(gettext_lazy("对象类型"), max_length=64)
    object_id = models.CharField(gettext_lazy("对象标识"), max_length=64)
    detail = models.JSONField(gettext_lazy("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("审计记录")
        verbose_name_plural = gettext_lazy("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}:{self.object_id}"


class OutboxMessage(models.Model):
    """A side effect written in the same transaction as the change that causes it.

    The relay (portal.outbox) hands due rows to Celery; each has an idempotency key, so a row relayed
    twice or a task run twice delivers once. Nothing here depends on Redis being up at write time.
    """

    kind = models.CharField(gettext_lazy("类型"), max_length=40)
    payload = models.JSONField(gettext_lazy("内容"), default=dict)
    idempotency_key = models.CharField(gettext_lazy("幂等键"), max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField(gettext_lazy("可发送时间"), db_index=True)
    relayed_at = models.DateTimeField(gettext_lazy("转交时间"), null=True, blank=True)
    done_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)
    # Set by the task that is sending it (portal.outbox.claim): a second run skips the row meanwhile.
    claimed_at = models.DateTimeField(gettext_lazy("处理开始时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(gettext_lazy("尝试次数"), default=0)
    last_error = models.TextField(gettext_lazy("最近错误"), blank=True)

    class Meta:
        verbose_name = gettext_lazy("待发送事件")
        verbose_name_plural = gettext_lazy("待发送事件")
        indexes = [
            models.Index(fields=["available_at"], name="outbox_pending", condition=models.Q(done_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"


class Notification(models.Model):
    """One message to one user (in-portal inbox), delivered also by e-mail/SMS from the outbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    phone = models.CharField(gettext_lazy("短信号码"), max_length=20, blank=True)
    title = models.CharField(gettext_lazy("标题"), max_length=200)
    body = models.TextField(gettext_lazy("内容"))
    link = models.CharField(gettext_lazy("链接"), max_length=300, blank=True)
    # The title's and body's msgids and parameters (portal.stored_text), to show them in the reader's language.
    texts = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("消息")
        verbose_name_plural = gettext_lazy("消息")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        return stored_text.shown(self.texts.get("title"), self.title)

    @property
    def shown_body(self) -> str:
        return stored_text.shown(self.texts.get("body"), self.body)


class ApiToken(models.Model):
    """A key an API client signs in with (Authorization: Bearer <key>), issued by portal.tokens.

    Only the SHA-256 digest of the key is stored: the key is shown once, when issued. ``prefix``
    (the key's first characters) finds the row without an index on a secret, and tells a user's
    keys apart in the admin. A key expires after API_TOKEN_TTL_HOURS and can be revoked earlier.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(gettext_lazy("前缀"), max_length=8, db_index=True)
    digest = models.CharField(gettext_lazy("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(gettext_lazy("签发时间"))
    expires_at = models.DateTimeField(gettext_lazy("过期时间"))
    revoked_at = models.DateTimeField(gettext_lazy("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(gettext_lazy("最后使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("API 令牌")
        verbose_name_plural = gettext_lazy("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"
