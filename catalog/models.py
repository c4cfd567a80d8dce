"""事项目录: regions, departments, the basic catalog and the versioned implementation list.

Three layers (DOMAIN.md, "The catalog"): BasicItem (what may exist, by law) → ServiceItem (who
implements it, where, how; versioned rows sharing a stable ``code``) → the guide (a view of a
published ServiceItem). Every child row (materials, situations, steps, fees, FAQ) belongs to one
version, so a published version never changes under an application filed on it.

Kept in one module: the version tree (a ServiceItem and its ~15 kinds of child rows, the bundles that pin
versions) is one schema whose tables point at each other; read together, one screen shows what a
version holds, and a package would only split the foreign keys from what they point at.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from portal.uploads import RandomName


class Region(models.Model):
    """行政区划, five levels, 12-digit code."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, gettext_lazy("省")
        CITY = 2, gettext_lazy("市")
        COUNTY = 3, gettext_lazy("县（市、区）")
        TOWNSHIP = 4, gettext_lazy("乡镇（街道）")
        VILLAGE = 5, gettext_lazy("村（社区）")

    code = models.CharField(gettext_lazy("区划代码"), max_length=12, unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(gettext_lazy("层级"), choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = gettext_lazy("行政区划")
        verbose_name_plural = gettext_lazy("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list["Region"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self])

    def contains(self, other: "Region") -> bool:
        """Whether ``other`` is this region or lies inside it, read from the codes (GB/T 2260: the
        digits of the upper levels lead), so a region whose parent rows are missing still answers."""
        return other.code.startswith(self.code[: CODE_DIGITS[self.level]])


# How many leading digits of a 12-digit division code name a region of each level.
CODE_DIGITS = {
    Region.Level.PROVINCE: 2,
    Region.Level.CITY: 4,
    Region.Level.COUNTY: 6,
    Region.Level.TOWNSHIP: 9,
    Region.Level.VILLAGE: 12,
}


class Department(models.Model):
    """实施机关: an agency in a region, identified by its USCC."""

    region = models.ForeignKey(
        Region, verbose_name=gettext_lazy("行政区划"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(gettext_lazy("名称"), max_length=100)
    uscc = models.CharField(gettext_lazy("统一社会信用代码"), max_length=18, unique=True)
    address = models.CharField(gettext_lazy("地址"), max_length=200, blank=True)
    phone = models.CharField(gettext_lazy("联系电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = gettext_lazy("实施机关")
        verbose_name_plural = gettext_lazy("实施机关")
        ordering = ["region__code", "name"]
        # Granted per department with django-guardian to let an editor edit another department's items.
        permissions = [("edit_items", gettext_lazy("可编辑本部门事项"))]

    def __str__(self) -> str:
        return f"{self.region.name}{self.name}"


class ItemType(models.TextChoices):
    """GB/T 39046-2020 A.1 codes; 行政备案 has no national code and uses a local one (11)."""

    LICENSING = "01", gettext_lazy("行政许可")
    PENALTY = "02", gettext_lazy("行政处罚")
    ENFORCEMENT = "03", gettext_lazy("行政强制")
    LEVY = "04", gettext_lazy("行政征收")
    BENEFIT = "05", gettext_lazy("行政给付")
    INSPECTION = "06", gettext_lazy("行政检查")
    CONFIRMATION = "07", gettext_lazy("行政确认")
    REWARD = "08", gettext_lazy("行政奖励")
    ADJUDICATION = "09", gettext_lazy("行政裁决")
    OTHER = "10", gettext_lazy("其他行政权力")
    FILING = "11", gettext_lazy("行政备案")
    PUBLIC_SERVICE = "20", gettext_lazy("公共服务")


# Items that are applied for (依申请); penalties, enforcement, levies and inspections are not.
APPLIED_FOR_TYPES = frozenset(
    {
        ItemType.LICENSING,
        ItemType.BENEFIT,
        ItemType.CONFIRMATION,
        ItemType.REWARD,
        ItemType.ADJUDICATION,
        ItemType.OTHER,
        ItemType.FILING,
        ItemType.PUBLIC_SERVICE,
    }
)


class CatalogLevel(models.TextChoices):
    NATIONAL = "national", gettext_lazy("国家级")
    PROVINCIAL = "provincial", gettext_lazy("省级")
    CITY = "city", gettext_lazy("市级")
    COUNTY = "county", gettext_lazy("县级")


class BasicItem(models.Model):
    """基本目录事项. Name, code, type and basis are the same at every level (四级四同)."""

    level = models.CharField(gettext_lazy("目录层级"), max_length=12, choices=CatalogLevel.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="basic_items")
    code = models.CharField(gettext_lazy("基本编码"), max_length=32)
    name = models.CharField(gettext_lazy("事项名称"), max_length=200)
    item_type = models.CharField(gettext_lazy("事项类型"), max_length=2, choices=ItemType.choices)
    basis = models.TextField(gettext_lazy("设定依据"))
    competent_authority = models.CharField(gettext_lazy("主管部门"), max_length=100, blank=True)
    claims = models.ForeignKey(
        "self",
        verbose_name=gettext_lazy("认领的上级事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_by",
    )
    is_locally_established = models.BooleanField(gettext_lazy("地方自行设立"), default=False)

    class Meta:
        verbose_name = gettext_lazy("基本目录事项")
        verbose_name_plural = gettext_lazy("基本目录事项")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "region", "code"], name="uniq_basic_item_per_level"),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s（%(code)s）") % {"name": self.name, "code": self.code}


class Topic(models.Model):
    """A life event or business event that groups items (出生, 就业, 婚育, 开办企业…)."""

    class Audience(models.TextChoices):
        PERSON = "person", gettext_lazy("个人")
        BUSINESS = "business", gettext_lazy("法人")

    code = models.SlugField(gettext_lazy("代码"), unique=True)
    name = models.CharField(gettext_lazy("名称"), max_length=50)
    # The words people use for the event ("生孩子", "生娃"): a search for one finds the topic's items.
    keywords = models.CharField(
        gettext_lazy("检索词"), max_length=300, blank=True, help_text=gettext_lazy("以逗号或空格分隔")
    )
    audience = models.CharField(
        gettext_lazy("服务对象"), max_length=10, choices=Audience.choices, default=Audience.PERSON
    )
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    # A few questions whose answers recommend the bundles or items that fit (catalog.bundles.recommend):
    # [{"question", "options": [{"label", "bundles": [bundle codes], "items": [basic item codes]}]}].
    questionnaire = models.JSONField(gettext_lazy("引导问卷"), default=list, blank=True)

    class Meta:
        verbose_name = gettext_lazy("主题")
        verbose_name_plural = gettext_lazy("主题")
        ordering = ["audience", "order", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceObject(models.TextChoices):
    NATURAL_PERSON = "natural_person", gettext_lazy("自然人")
    ENTERPRISE = "enterprise", gettext_lazy("企业法人")
    INSTITUTION = "institution", gettext_lazy("事业法人")
    SOCIAL_ORG = "social_org", gettext_lazy("社会组织法人")
    GOVERNMENT = "government", gettext_lazy("行政机关")
    OTHER = "other", gettext_lazy("其他组织")


class SpecialProcedure(models.TextChoices):
    """特别程序 an item may use: its time does not count (行政许可法 art. 45).

    The one set of kinds: the item stores these keys, and applications.Suspension.Kind repeats them
    (plus its own 受理后补正), so a reviewer is offered exactly what the item lists.
    """

    SITE_INSPECTION = "site_inspection", gettext_lazy("现场勘验")
    HEARING = "hearing", gettext_lazy("听证")
    TESTING = "testing", gettext_lazy("检验检测")
    EXPERT_REVIEW = "expert_review", gettext_lazy("专家评审")
    APPRAISAL = "appraisal", gettext_lazy("鉴定")
    BIDDING = "bidding", gettext_lazy("招标拍卖")
    PUBLICITY = "publicity", gettext_lazy("公示")


class DeferralLapse(models.TextChoices):
    """What a case does when a 容缺后补 material has not come by its date."""

    SUSPEND = "suspend", gettext_lazy("暂停计时，补齐后恢复")
    RETURN = "return", gettext_lazy("终止办理，予以退件")


class CommitmentConsequence(models.TextChoices):
    """What a failed check of an applicant's 告知承诺 leads to (applications.services.commitments)."""

    REVOKE = "revoke", gettext_lazy("撤销审批结果")
    CREDIT = "credit", gettext_lazy("记入信用记录")
    BOTH = "both", gettext_lazy("撤销审批结果并记入信用记录")


class VersionedRow(models.Model):
    """What a ServiceItem and a Bundle (一件事) share as versions: rows sharing a stable ``code``.

    Each model names its own ``code`` and its own constraints (one published and one open version per
    code). Here: the version number, the status that catalog.services.transition moves (draft →
    pending_approval → published → retired, or back to draft) and who moved it when.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", gettext_lazy("草稿")
        PENDING_APPROVAL = "pending_approval", gettext_lazy("待审核")
        PUBLISHED = "published", gettext_lazy("已发布")
        RETIRED = "retired", gettext_lazy("历史版本")

    version = models.PositiveIntegerField(gettext_lazy("版本"), default=1)
    status = models.CharField(gettext_lazy("版本状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(gettext_lazy("提交审核时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(gettext_lazy("发布时间"), null=True, blank=True)
    retired_at = models.DateTimeField(gettext_lazy("停用时间"), null=True, blank=True)
    review_comment = models.TextField(gettext_lazy("审核意见"), blank=True)

    class Meta:
        abstract = True
        ordering = ["code", "-version"]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_open_draft(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.PENDING_APPROVAL)


class VersionEvent(models.Model):
    """One line of a version tree's history: who changed, submitted, published or returned what.

    ItemEvent (an item's versions) and BundleEvent (a bundle's) add the foreign key to their version,
    always with ``related_name="events"``.
    """

    class Action(models.TextChoices):
        CREATED = "created", gettext_lazy("创建")
        EDITED = "edited", gettext_lazy("修改")
        SUBMITTED = "submitted", gettext_lazy("提交审核")
        PUBLISHED = "published", gettext_lazy("发布")
        RETURNED = "returned", gettext_lazy("退回修改")
        RETIRED = "retired", gettext_lazy("停用")
        IMPORTED = "imported", gettext_lazy("导入")
        LIFECYCLE = "lifecycle", gettext_lazy("状态变更")

    action = models.CharField(gettext_lazy("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(gettext_lazy("时间"), auto_now_add=True)
    comment = models.TextField(gettext_lazy("说明"), blank=True)
    changes = models.JSONField(gettext_lazy("变更内容"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]


class ServiceItem(VersionedRow):
    """实施清单事项: one version of a BasicItem as one department in one region implements it."""

    class Lifecycle(models.TextChoices):
        IN_FORCE = "in_force", gettext_lazy("在用")
        SUSPENDED = "suspended", gettext_lazy("暂停")
        CANCELLED = "cancelled", gettext_lazy("取消")

    class Handling(models.TextChoices):
        NEW = "new", gettext_lazy("新设")
        CHANGE = "change", gettext_lazy("变更")
        RENEWAL = "renewal", gettext_lazy("延续")
        CANCELLATION = "cancellation", gettext_lazy("注销")
        OTHER = "other", gettext_lazy("其他")

    class TimeUnit(models.TextChoices):
        WORKDAY = "workday", gettext_lazy("工作日")
        CALENDAR_DAY = "calendar_day", gettext_lazy("自然日")

    class ResultType(models.TextChoices):
        CERTIFICATE = "certificate", gettext_lazy("出证")
        DOCUMENT = "document", gettext_lazy("出文")
        APPROVAL = "approval", gettext_lazy("审批")
        OTHER = "other", gettext_lazy("其他")

    class OnlineDepth(models.IntegerChoices):
        """网上办理深度 Ⅰ–Ⅳ."""

        INFORMATION = 1, gettext_lazy("Ⅰ 信息公开")
        FORM_DOWNLOAD = 2, gettext_lazy("Ⅱ 在线预约/下载表格")
        ONLINE_PREREVIEW = 3, gettext_lazy("Ⅲ 在线预审")
        FULLY_ONLINE = 4, gettext_lazy("Ⅳ 全程网办")

    class CrossRegion(models.TextChoices):
        NONE = "none", gettext_lazy("不支持")
        CITY = "city", gettext_lazy("全市通办")
        PROVINCE = "province", gettext_lazy("全省通办")
        NATIONAL = "national", gettext_lazy("跨省通办")

    class ExerciseLevel(models.TextChoices):
        PROVINCIAL = "provincial", gettext_lazy("省级")
        CITY = "city", gettext_lazy("市级")
        COUNTY = "county", gettext_lazy("县级")
        TOWNSHIP = "township", gettext_lazy("乡镇（街道）级")

    # Identity (the version number, status and bookkeeping: VersionedRow)
    code = models.CharField(gettext_lazy("实施编码"), max_length=36, db_index=True)
    basic_item = models.ForeignKey(
        BasicItem, verbose_name=gettext_lazy("基本目录事项"), on_delete=models.PROTECT, related_name="service_items"
    )
    department = models.ForeignKey(
        Department, verbose_name=gettext_lazy("实施机关"), on_delete=models.PROTECT, related_name="service_items"
    )
    region = models.ForeignKey(
        Region, verbose_name=gettext_lazy("行政区划"), on_delete=models.PROTECT, related_name="service_items"
    )

    # What it is
    name = models.CharField(gettext_lazy("事项名称"), max_length=200)
    handling = models.CharField(
        gettext_lazy("业务办理项"), max_length=16, choices=Handling.choices, default=Handling.NEW
    )
    item_type = models.CharField(gettext_lazy("事项类型"), max_length=2, choices=ItemType.choices)
    basis = models.TextField(gettext_lazy("设定依据"))
    exercise_level = models.CharField(
        gettext_lazy("行使层级"), max_length=12, choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )
    service_objects = models.JSONField(gettext_lazy("服务对象"), default=list, help_text="ServiceObject codes")
    acceptance_conditions = models.TextField(gettext_lazy("受理条件"), blank=True)
    process_description = models.TextField(gettext_lazy("办理流程"), blank=True)

    # Time limits (promised ≤ statutory)
    statutory_days = models.PositiveSmallIntegerField(gettext_lazy("法定办结时限"))
    statutory_unit = models.CharField(
        gettext_lazy("法定时限单位"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    promised_days = models.PositiveSmallIntegerField(gettext_lazy("承诺办结时限"))
    promised_unit = models.CharField(
        gettext_lazy("承诺时限单位"), max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKDAY
    )
    is_immediate = models.BooleanField(gettext_lazy("即办件"), default=False)
    extension_days = models.PositiveSmallIntegerField(gettext_lazy("可延长时限"), default=10)
    special_procedures = models.JSONField(gettext_lazy("可适用特别程序"), default=list, blank=True)
    # 容缺受理: a 容缺后补 material may follow within this many working days of acceptance; what happens
    # when it has not come by then (applications.services.deferrals).
    deferral_workdays = models.PositiveSmallIntegerField(gettext_lazy("容缺后补期限（工作日）"), default=5)
    deferral_lapse = models.CharField(
        gettext_lazy("容缺材料逾期未补的处理"),
        max_length=8,
        choices=DeferralLapse.choices,
        default=DeferralLapse.SUSPEND,
    )
    # 告知承诺制: the department checks a commitment within this many working days of acceptance; a
    # failed check has these consequences (applications.services.commitments).
    commitment_check_workdays = models.PositiveSmallIntegerField("告知承诺核查期限（工作日）", default=20)
    commitment_consequence = models.CharField(
        "承诺不实的处理",
        max_length=8,
        choices=CommitmentConsequence.choices,
        default=CommitmentConsequence.BOTH,
    )

    # Fee
    has_fee = models.BooleanField(gettext_lazy("是否收费"), default=False)

    # Result
    result_name = models.CharField(gettext_lazy("审批结果名称"), max_length=200, blank=True)
    result_type = models.CharField(gettext_lazy("审批结果类型"), max_length=12, choices=ResultType.choices, blank=True)
    result_sample = models.FileField(
        gettext_lazy("审批结果样本"), upload_to=RandomName("catalog/results/%Y"), blank=True
    )

    # Channels and convenience
    accepts_at_window = models.BooleanField(gettext_lazy("窗口办理"), default=True)
    accepts_on_pc = models.BooleanField(gettext_lazy("网上办理"), default=False)
    accepts_on_mobile = models.BooleanField(gettext_lazy("掌上办理"), default=False)
    accepts_by_post = models.BooleanField(gettext_lazy("邮寄办理"), default=False)
    online_depth = models.PositiveSmallIntegerField(
        gettext_lazy("网上办理深度"), choices=OnlineDepth.choices, default=OnlineDepth.INFORMATION
    )
    visits = models.PositiveSmallIntegerField(gettext_lazy("到办事现场次数"), default=1)
    visits_reason = models.CharField(gettext_lazy("到现场原因"), max_length=200, blank=True)
    supports_appointment = models.BooleanField(gettext_lazy("支持预约"), default=False)
    supports_online_payment = models.BooleanField(gettext_lazy("支持网上支付"), default=False)
    supports_delivery = models.BooleanField(gettext_lazy("支持物流快递"), default=False)
    supports_self_service = models.BooleanField(gettext_lazy("支持自助终端"), default=False)
    cross_region = models.CharField(
        gettext_lazy("通办范围"), max_length=10, choices=CrossRegion.choices, default=CrossRegion.NONE
    )

    # Where and how to reach
    place = models.CharField(gettext_lazy("办理地点"), max_length=200, blank=True)
    office_hours = models.CharField(gettext_lazy("办理时间"), max_length=200, blank=True)
    consult_phone = models.CharField(gettext_lazy("咨询电话"), max_length=30, blank=True)
    complaint_phone = models.CharField(gettext_lazy("监督投诉电话"), max_length=30, blank=True)
    online_url = models.URLField(gettext_lazy("网办地址"), blank=True)

    # Search
    keywords = models.CharField(
        gettext_lazy("关键词"), max_length=300, blank=True, help_text=gettext_lazy("以逗号或空格分隔")
    )
    common_names = models.CharField(
        gettext_lazy("俗称"), max_length=300, blank=True, help_text=gettext_lazy("以逗号或空格分隔")
    )
    search_text = models.TextField(gettext_lazy("检索文本"), blank=True, editable=False)
    topics = models.ManyToManyField(Topic, verbose_name=gettext_lazy("主题"), blank=True, related_name="items")

    # The intake form (one definition drives online and window intake); a list of field dicts:
    # {"name", "label", "type", "required", "options", "validator"}.
    form_definition = models.JSONField(gettext_lazy("申请表单定义"), default=list, blank=True)

    # In force / suspended / cancelled, with the date it takes effect
    lifecycle = models.CharField(
        gettext_lazy("事项状态"), max_length=10, choices=Lifecycle.choices, default=Lifecycle.IN_FORCE
    )
    lifecycle_effective_on = models.DateField(gettext_lazy("状态生效日期"), null=True, blank=True)

    class Meta(VersionedRow.Meta):
        verbose_name = gettext_lazy("实施清单事项")
        verbose_name_plural = gettext_lazy("实施清单事项")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="uniq_item_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="one_published_version_per_item"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status__in=["draft", "pending_approval"]),
                name="one_open_draft_per_item",
            ),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")), name="promised_within_statutory"
            ),
        ]
        indexes = [models.Index(fields=["status", "department"]), models.Index(fields=["status", "region"])]

    def __str__(self) -> str:
        return gettext("%(name)s（v%(version)s）") % {"name": self.name, "version": self.version}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:guide", args=[self.code])

    @property
    def special_procedure_labels(self) -> list[str]:
        """The item's special procedures as the guide shows them (an unknown value as it is stored)."""
        labels = dict(SpecialProcedure.choices)
        return [labels.get(kind, kind) for kind in self.special_procedures or []]

    def cross_region_covers(self, region: Region) -> bool:
        """跨域通办: whether a window in ``region`` may take this item in for its department, which is
        always so inside the department's own region and, outside it, as far as ``cross_region`` says."""
        home = self.department.region
        if home.contains(region):
            return True
        digits = {self.CrossRegion.CITY: 4, self.CrossRegion.PROVINCE: 2, self.CrossRegion.NATIONAL: 0}
        if self.cross_region not in digits:
            return False
        return region.code[: digits[self.cross_region]] == home.code[: digits[self.cross_region]]


class MaterialRequirement(models.Model):
    """申请材料 that one item version asks for."""

    class Form(models.TextChoices):
        PAPER = "paper", gettext_lazy("纸质")
        ELECTRONIC = "electronic", gettext_lazy("电子")
        BOTH = "both", gettext_lazy("纸质和电子")

    class Necessity(models.TextChoices):
        REQUIRED = "required", gettext_lazy("必要")
        OPTIONAL = "optional", gettext_lazy("非必要")
        DEFERRABLE = "deferrable", gettext_lazy("容缺后补")

    class Source(models.TextChoices):
        APPLICANT = "applicant", gettext_lazy("申请人自备")
        GOVERNMENT = "government", gettext_lazy("政府部门核发")
        LICENSE = "license", gettext_lazy("电子证照库")
        OTHER = "other", gettext_lazy("其他")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    name = models.CharField(gettext_lazy("材料名称"), max_length=200)
    material_type = models.CharField(
        gettext_lazy("材料类型"), max_length=50, blank=True, help_text=gettext_lazy("原件/复印件/表格/证照…")
    )
    form = models.CharField(gettext_lazy("材料形式"), max_length=12, choices=Form.choices, default=Form.BOTH)
    necessity = models.CharField(
        gettext_lazy("必要性"), max_length=12, choices=Necessity.choices, default=Necessity.REQUIRED
    )
    originals = models.PositiveSmallIntegerField(gettext_lazy("原件份数"), default=0)
    copies = models.PositiveSmallIntegerField(gettext_lazy("复印件份数"), default=0)
    source = models.CharField(gettext_lazy("来源渠道"), max_length=12, choices=Source.choices, default=Source.APPLICANT)
    issuing_body = models.CharField(gettext_lazy("出具单位"), max_length=100, blank=True)
    license_code = models.CharField(gettext_lazy("对应电子证照类型"), max_length=50, blank=True)
    blank_form = models.FileField(gettext_lazy("空白表格"), upload_to=RandomName("catalog/forms/%Y"), blank=True)
    sample = models.FileField(gettext_lazy("示例样表"), upload_to=RandomName("catalog/samples/%Y"), blank=True)
    acceptance_standard = models.TextField(gettext_lazy("受理标准"), blank=True)
    basis = models.CharField(gettext_lazy("设定依据"), max_length=300, blank=True)
    notes = models.CharField(gettext_lazy("填报须知"), max_length=500, blank=True)
    # Asked only when a situation option adds it; otherwise part of the base list.
    is_situational = models.BooleanField(gettext_lazy("仅特定情形需要"), default=False)
    # 告知承诺制: the applicant may sign this commitment instead of bringing the proof.
    allows_commitment = models.BooleanField(gettext_lazy("可告知承诺"), default=False)
    commitment_text = models.TextField(
        gettext_lazy("承诺内容及依据"),
        blank=True,
        help_text=gettext_lazy("申请人承诺的事项及告知承诺的设定依据，印入告知承诺书"),
    )

    class Meta:
        verbose_name = gettext_lazy("申请材料")
        verbose_name_plural = gettext_lazy("申请材料")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_satisfied_by_license(self) -> bool:
        """政府部门核发 materials that exist as e-licences are not asked for (免证办)."""
        return self.source == self.Source.LICENSE or (self.source == self.Source.GOVERNMENT and bool(self.license_code))


class Situation(models.Model):
    """办理情形: a question whose chosen option adds or drops materials."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="situations")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    question = models.CharField(gettext_lazy("问题"), max_length=200)

    class Meta:
        verbose_name = gettext_lazy("办理情形")
        verbose_name_plural = gettext_lazy("办理情形")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.question


class SituationOption(models.Model):
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    label = models.CharField(gettext_lazy("选项"), max_length=200)
    adds = models.ManyToManyField(
        MaterialRequirement, blank=True, related_name="added_by_options", verbose_name=gettext_lazy("增加材料")
    )
    drops = models.ManyToManyField(
        MaterialRequirement, blank=True, related_name="dropped_by_options", verbose_name=gettext_lazy("免交材料")
    )

    class Meta:
        verbose_name = gettext_lazy("情形选项")
        verbose_name_plural = gettext_lazy("情形选项")
        ordering = ["situation", "order", "id"]

    def __str__(self) -> str:
        return self.label


class ProcessStep(models.Model):
    """A back-office review step that applies to the item, with its own limit."""

    class Kind(models.TextChoices):
        HANDLE = "handle", gettext_lazy("承办")
        CHECK = "check", gettext_lazy("审核")
        APPROVE = "approve", gettext_lazy("批准")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(gettext_lazy("顺序"), default=0)
    kind = models.CharField(gettext_lazy("环节"), max_length=10, choices=Kind.choices)
    limit_days = models.PositiveSmallIntegerField(gettext_lazy("环节时限（工作日）"), default=1)
    description = models.CharField(gettext_lazy("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = gettext_lazy("审查环节")
        verbose_name_plural = gettext_lazy("审查环节")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class Fee(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    name = models.CharField(gettext_lazy("收费项目"), max_length=100)
    standard = models.CharField(gettext_lazy("收费标准"), max_length=200)
    amount_yuan = models.DecimalField(
        gettext_lazy("金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    basis = models.CharField(gettext_lazy("收费依据"), max_length=300, blank=True)
    is_waivable = models.BooleanField(gettext_lazy("可减免"), default=False)

    class Meta:
        verbose_name = gettext_lazy("收费项目")
        verbose_name_plural = gettext_lazy("收费项目")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name


class FAQ(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="faqs")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    question = models.CharField(gettext_lazy("问题"), max_length=300)
    answer = models.TextField(gettext_lazy("解答"))

    class Meta:
        verbose_name = gettext_lazy("常见问题")
        verbose_name_plural = gettext_lazy("常见问题")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.question


class ItemEvent(VersionEvent):
    """History of one item's versions."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="events")

    class Meta(VersionEvent.Meta):
        verbose_name = gettext_lazy("事项变更记录")
        verbose_name_plural = gettext_lazy("事项变更记录")

    def __str__(self) -> str:
        return f"{self.item} {self.get_action_display()}"


class ImportJob(models.Model):
    """One upload of the implementation list: validated in full, then written at once as drafts.

    The uploaded file is kept so the write re-reads exactly what was validated; progress counters
    are committed every few rows so the editor's page can show them while a worker validates.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_lazy("排队中")
        VALIDATING = "validating", gettext_lazy("校验中")
        VALID = "valid", gettext_lazy("校验通过，待确认")
        INVALID = "invalid", gettext_lazy("校验未通过")
        IMPORTING = "importing", gettext_lazy("正在导入")
        IMPORTED = "imported", gettext_lazy("已导入")
        FAILED = "failed", gettext_lazy("导入失败")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", gettext_lazy("Excel（XLSX）")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("导入人"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(gettext_lazy("导入文件"), upload_to=RandomName("catalog/imports/%Y/%m"))
    file_name = models.CharField(gettext_lazy("原文件名"), max_length=200)
    file_format = models.CharField(gettext_lazy("文件格式"), max_length=4, choices=Format.choices)
    encoding = models.CharField(gettext_lazy("文本编码"), max_length=20, blank=True)
    status = models.CharField(gettext_lazy("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(gettext_lazy("事项行数"), default=0)
    processed_rows = models.PositiveIntegerField(gettext_lazy("已校验行数"), default=0)
    problems = models.JSONField(gettext_lazy("问题清单"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(gettext_lazy("问题数"), default=0)
    imported_codes = models.JSONField(gettext_lazy("已导入的实施编码"), default=list, blank=True)
    # What a valid job will change, row by row (catalog.imports.preview), shown before confirmation.
    preview = models.JSONField(gettext_lazy("变更预览"), default=dict, blank=True)
    error_message = models.TextField(gettext_lazy("失败原因"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("上传时间"), auto_now_add=True)
    validated_at = models.DateTimeField(gettext_lazy("校验完成时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(gettext_lazy("确认导入时间"), null=True, blank=True)
    imported_at = models.DateTimeField(gettext_lazy("导入完成时间"), null=True, blank=True)
    # Set when the sweep handed a stalled write over again (catalog.imports.restart_stalled_imports).
    restarted_at = models.DateTimeField(gettext_lazy("重新启动时间"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("事项导入任务")
        verbose_name_plural = gettext_lazy("事项导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return gettext("%(file_name)s（%(status)s）") % {
            "file_name": self.file_name,
            "status": self.get_status_display(),
        }

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.VALIDATING, self.Status.IMPORTING)

    @property
    def percent(self) -> int:
        return int(self.processed_rows * 100 / self.total_rows) if self.total_rows else 0


class Bundle(VersionedRow):
    """一件事: several published items, usually of several departments, handled as one application.

    Versioned like ServiceItem (VersionedRow: rows sharing a stable ``code``, the same statuses, the
    same draft → pending_approval → published / back to draft workflow in catalog.bundle_services). The
    lead department (牵头部门) owns it: its editors edit, its region's publishers publish. The
    members pin the item versions the bundle was published with; catalog.bundles merges their
    guides (conditions, deduplicated materials, one form).
    """

    code = models.CharField(gettext_lazy("一件事编码"), max_length=36, db_index=True)
    department = models.ForeignKey(
        Department, verbose_name=gettext_lazy("牵头部门"), on_delete=models.PROTECT, related_name="bundles"
    )
    region = models.ForeignKey(
        Region, verbose_name=gettext_lazy("行政区划"), on_delete=models.PROTECT, related_name="bundles"
    )

    name = models.CharField(gettext_lazy("一件事名称"), max_length=200)
    audience = models.CharField(
        gettext_lazy("服务对象"), max_length=10, choices=Topic.Audience.choices, default="person"
    )
    summary = models.TextField(gettext_lazy("概述"), blank=True)
    acceptance_conditions = models.TextField(
        gettext_lazy("一件事受理条件"), blank=True, help_text=gettext_lazy("各成员事项受理条件之外的共同条件")
    )
    process_description = models.TextField(gettext_lazy("办理流程"), blank=True)
    # Working days from the one acceptance to the one delivery (统一出件); catalog.bundles.limit_problems.
    promised_days = models.PositiveSmallIntegerField(gettext_lazy("承诺办结时限（工作日）"))
    place = models.CharField(gettext_lazy("办理地点"), max_length=200, blank=True)
    office_hours = models.CharField(gettext_lazy("办理时间"), max_length=200, blank=True)
    consult_phone = models.CharField(gettext_lazy("咨询电话"), max_length=30, blank=True)
    complaint_phone = models.CharField(gettext_lazy("监督投诉电话"), max_length=30, blank=True)
    keywords = models.CharField(
        gettext_lazy("关键词"), max_length=300, blank=True, help_text=gettext_lazy("以逗号或空格分隔")
    )
    topics = models.ManyToManyField(Topic, verbose_name=gettext_lazy("主题"), blank=True, related_name="bundles")

    class Meta(VersionedRow.Meta):
        verbose_name = gettext_lazy("一件事")
        verbose_name_plural = gettext_lazy("一件事")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="uniq_bundle_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="one_published_version_per_bundle"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status__in=["draft", "pending_approval"]),
                name="one_open_draft_per_bundle",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:bundle_guide", args=[self.code])


class BundleMember(models.Model):
    """One item of a bundle version, pinned to the item version it was written or published with.

    Members of the same ``stage`` are handled in parallel; a later stage starts when the earlier ones
    are done. ``needs_results_of`` names (by item code) the earlier members whose result this part
    takes as input (食品经营许可 needs the 营业执照 that 个体工商户设立登记 issues).
    """

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    order = models.PositiveSmallIntegerField(gettext_lazy("排序"), default=0)
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=gettext_lazy("成员事项（版本）"),
        on_delete=models.PROTECT,
        related_name="bundle_memberships",
    )
    stage = models.PositiveSmallIntegerField(
        gettext_lazy("办理阶段"), default=1, help_text=gettext_lazy("同一阶段的事项并联办理")
    )
    needs_results_of = models.JSONField(
        gettext_lazy("需要前序事项结果"), default=list, blank=True, help_text=gettext_lazy("前序成员事项的实施编码")
    )

    class Meta:
        verbose_name = gettext_lazy("一件事成员事项")
        verbose_name_plural = gettext_lazy("一件事成员事项")
        ordering = ["bundle", "stage", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="uniq_bundle_member")]

    def __str__(self) -> str:
        return f"{self.bundle.name}：{self.item.name}"


class BundleEvent(VersionEvent):
    """History of one bundle's versions (the counterpart of ItemEvent)."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="events")

    class Meta(VersionEvent.Meta):
        verbose_name = gettext_lazy("一件事变更记录")
        verbose_name_plural = gettext_lazy("一件事变更记录")

    def __str__(self) -> str:
        return f"{self.bundle} {self.get_action_display()}"
