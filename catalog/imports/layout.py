"""The one layout of the implementation list: limits, columns of the item sheet, child sheets."""

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models

from catalog.models import (
    FAQ,
    CommitmentConsequence,
    DeferralLapse,
    Fee,
    MaterialRequirement,
    ProcessStep,
    ServiceItem,
    ServiceObject,
    Situation,
    SituationOption,
    SpecialProcedure,
)

logger = logging.getLogger(__name__)

# --- Limits ------------------------------------------------------------------------------------
MAX_ROWS = settings.IMPORT_MAX_ROWS  # item rows in one file
MAX_CHILD_ROWS = 400_000  # rows of all child sheets together
MAX_ENTRIES_PER_LIST = 300  # materials (or steps, fees…) of one item
MAX_CELL_CHARS = 10_000
MAX_COLUMNS = 200
# A zip bomb dressed as .xlsx: refuse a workbook that unpacks to more than this, that has a member
# packed more tightly than real spreadsheet XML ever is, or that has more members than a workbook
# of the layout's seven sheets needs.
MAX_XLSX_UNPACKED_BYTES = settings.IMPORT_MAX_UNPACKED_BYTES
MAX_XLSX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small members (styles, empty sheets) may pack tightly
MAX_XLSX_MEMBERS = 200
# An XLSX that unpacks to at most this is read within the request (a few hundred rows); a larger
# one only has its zip headers checked there, and is read by the worker.
INLINE_MAX_UNPACKED_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS_KEPT = 10_000
# Files with at most this many rows are validated and written within the request; larger ones by
# the worker, with progress on the job's page.
INLINE_MAX_ROWS = 200
# Rows rehearsed per transaction; the progress counter is committed after each chunk.
CHUNK_ROWS = 100

# --- Layout ------------------------------------------------------------------------------------
ITEM_SHEET = "事项"
GUIDE_SHEET = "填写说明"
KEY = "序号"
CODE = "实施编码"
BASIC_CODE = "基本编码"
DEPARTMENT_USCC = "实施机关统一社会信用代码"

ENTRY_SEPARATOR = "；"
FIELD_SEPARATORS = ("|", "｜")
LIST_SEPARATOR = "、"
LIST_SEPARATORS = (LIST_SEPARATOR, "，", ",")
ESCAPE = "\\"

YES, NO = "是", "否"
TRUE_WORDS = {YES, "true", "1", "y", "yes", "√"}
FALSE_WORDS = {NO, "false", "0", "n", "no", "×"}
SMALLINT_MAX = 32767


@dataclass(frozen=True)
class Column:
    """One column of the layout: its Chinese header, the model field it fills and how to read it.

    Kinds: text, url, int, decimal, bool, choice, multi (several choice labels), list (free texts),
    topics (topic codes or names), names (material names), json.
    """

    header: str
    field: str
    kind: str = "text"
    model: type[models.Model] = ServiceItem
    choices: Any = None
    required: bool = False
    note: str = ""

    @property
    def is_list(self) -> bool:
        return self.kind in ("multi", "list", "topics", "names")

    def model_field(self) -> models.Field:
        return self.model._meta.get_field(self.field)  # type: ignore[return-value]

    def default(self) -> Any:
        if self.is_list or self.kind == "json":
            return []
        model_field = self.model_field()
        return model_field.get_default() if model_field.has_default() else ("" if model_field.blank else None)

    def max_length(self) -> int | None:
        if self.kind not in ("text", "url"):
            return None
        return getattr(self.model_field(), "max_length", None)


# Identity columns: they are not ServiceItem fields but resolve the row's item, basic item and department.
IDENTITY_COLUMNS = (
    Column(KEY, "", required=True, note="本文件内唯一，如 1、2、3；各明细工作表用它指向所属事项"),
    Column(CODE, "code", note="留空 = 新建事项（系统生成编码）；填写已有编码 = 为该事项新建一个草稿版本"),
    Column(BASIC_CODE, "", required=True, note="基本目录事项编码，按实施机关所在区划向上查找"),
    Column(DEPARTMENT_USCC, "", required=True, note="须为您有权编辑的实施机关"),
)

SO = ServiceItem
ITEM_COLUMNS = (
    Column("事项名称", "name", required=True),
    Column("业务办理项", "handling", "choice", choices=SO.Handling),
    Column(
        "事项类型", "item_type", "choice", choices=SO._meta.get_field("item_type").choices, note="留空取基本目录的类型"
    ),
    Column("设定依据", "basis", note="留空取基本目录的设定依据"),
    Column("行使层级", "exercise_level", "choice", choices=SO.ExerciseLevel),
    Column("服务对象", "service_objects", "multi", choices=ServiceObject, required=True, note="多个用“、”分隔"),
    Column("受理条件", "acceptance_conditions"),
    Column("办理流程", "process_description"),
    Column("法定办结时限", "statutory_days", "int", required=True),
    Column("法定时限单位", "statutory_unit", "choice", choices=SO.TimeUnit),
    Column("承诺办结时限", "promised_days", "int", required=True, note="不得超过法定办结时限；即办件填 0"),
    Column("承诺时限单位", "promised_unit", "choice", choices=SO.TimeUnit),
    Column("即办件", "is_immediate", "bool"),
    Column("可延长时限", "extension_days", "int"),
    Column("容缺后补期限（工作日）", "deferral_workdays", "int", note="1–30"),
    Column("容缺材料逾期未补的处理", "deferral_lapse", "choice", choices=DeferralLapse),
    Column("告知承诺核查期限（工作日）", "commitment_check_workdays", "int", note="1–60"),
    Column("承诺不实的处理", "commitment_consequence", "choice", choices=CommitmentConsequence),
    Column(
        "可适用特别程序", "special_procedures", "multi", choices=SpecialProcedure, note="如 现场勘验、听证，用“、”分隔"
    ),
    Column("是否收费", "has_fee", "bool", note="收费的须在“收费”中列明收费项目"),
    Column("审批结果名称", "result_name", note="填写的须在导入后上传审批结果样本"),
    Column("审批结果类型", "result_type", "choice", choices=SO.ResultType),
    Column("窗口办理", "accepts_at_window", "bool"),
    Column("网上办理", "accepts_on_pc", "bool"),
    Column("掌上办理", "accepts_on_mobile", "bool"),
    Column("邮寄办理", "accepts_by_post", "bool"),
    Column("网上办理深度", "online_depth", "choice", choices=SO.OnlineDepth, note="可填 Ⅰ–Ⅳ 或 1–4"),
    Column("到办事现场次数", "visits", "int", note="0–3"),
    Column("到现场原因", "visits_reason"),
    Column("支持预约", "supports_appointment", "bool"),
    Column("支持网上支付", "supports_online_payment", "bool"),
    Column("支持物流快递", "supports_delivery", "bool"),
    Column("支持自助终端", "supports_self_service", "bool"),
    Column("通办范围", "cross_region", "choice", choices=SO.CrossRegion),
    Column("办理地点", "place"),
    Column("办理时间", "office_hours"),
    Column("咨询电话", "consult_phone"),
    Column("监督投诉电话", "complaint_phone", note="不能与咨询电话相同"),
    Column("网办地址", "online_url", "url"),
    Column("关键词", "keywords"),
    Column("俗称", "common_names"),
    Column("主题", "topics", "topics", note="主题代码或名称，多个用“、”分隔"),
    Column("申请表单（JSON）", "form_definition", "json", note="字段列表的 JSON，一般留空"),
)


@dataclass(frozen=True)
class ChildLayout:
    """A repeated structure: an XLSX sheet keyed by 序号, or a compact CSV column."""

    key: str  # the spec key
    sheet: str
    csv_header: str
    columns: tuple[Column, ...]
    note: str = ""


MR = MaterialRequirement
CHILDREN = (
    ChildLayout(
        "materials",
        "材料",
        "申请材料",
        (
            Column("材料名称", "name", model=MR, required=True),
            Column("必要性", "necessity", "choice", model=MR, choices=MR.Necessity),
            Column("原件份数", "originals", "int", model=MR),
            Column("复印件份数", "copies", "int", model=MR),
            Column("来源渠道", "source", "choice", model=MR, choices=MR.Source),
            Column("材料类型", "material_type", model=MR),
            Column("材料形式", "form", "choice", model=MR, choices=MR.Form),
            Column("出具单位", "issuing_body", model=MR),
            Column("电子证照类型", "license_code", model=MR),
            Column("受理标准", "acceptance_standard", model=MR),
            Column("设定依据", "basis", model=MR),
            Column("填报须知", "notes", model=MR),
            Column("仅特定情形需要", "is_situational", "bool", model=MR, note="是 = 只在情形选项“增加材料”时才需要"),
            Column("可告知承诺", "allows_commitment", "bool", model=MR, note="是 = 申请人可签署告知承诺书代替该材料"),
            Column("承诺内容及依据", "commitment_text", model=MR),
        ),
        "一行一份材料；空白表格和示例样表在导入后上传",
    ),
    ChildLayout(
        "situations",
        "情形",
        "办理情形",
        (
            Column("情形问题", "question", model=Situation, required=True),
            Column("选项", "label", model=SituationOption),
            Column("增加材料", "adds", "names", note="材料名称，多个用“、”分隔"),
            Column("免交材料", "drops", "names", note="材料名称，多个用“、”分隔"),
        ),
        "一行一个选项；问题相同的行属于同一个情形",
    ),
    ChildLayout(
        "steps",
        "环节",
        "审查环节",
        (
            Column("环节", "kind", "choice", model=ProcessStep, choices=ProcessStep.Kind, required=True),
            Column("环节时限（工作日）", "limit_days", "int", model=ProcessStep, required=True),
            Column("说明", "description", model=ProcessStep),
        ),
        "各环节时限之和不得超过承诺办结时限",
    ),
    ChildLayout(
        "fees",
        "收费",
        "收费项目",
        (
            Column("收费项目", "name", model=Fee, required=True),
            Column("收费标准", "standard", model=Fee, required=True),
            Column("金额（元）", "amount_yuan", "decimal", model=Fee),
            Column("收费依据", "basis", model=Fee),
            Column("可减免", "is_waivable", "bool", model=Fee),
        ),
    ),
    ChildLayout(
        "faqs",
        "常见问题",
        "常见问题",
        (
            Column("问题", "question", model=FAQ, required=True),
            Column("解答", "answer", model=FAQ, required=True),
        ),
    ),
)
CHILD_BY_KEY = {child.key: child for child in CHILDREN}

REQUIRED_ITEM_HEADERS = [c.header for c in (*IDENTITY_COLUMNS, *ITEM_COLUMNS) if c.required or c.header == CODE]
ITEM_HEADERS = [c.header for c in (*IDENTITY_COLUMNS, *ITEM_COLUMNS)]
CSV_HEADERS = [*ITEM_HEADERS, *(child.csv_header for child in CHILDREN)]

# Where a rule's complaint about a field is shown: the column the editor filled.
FIELD_HEADERS = {c.field: c.header for c in ITEM_COLUMNS} | {
    "code": CODE,
    "basic_item": BASIC_CODE,
    "department": DEPARTMENT_USCC,
    "region": DEPARTMENT_USCC,
    "result_sample": "审批结果样本",
    **{child.key: child.sheet for child in CHILDREN},
}
