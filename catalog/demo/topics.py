"""Life events (个人) and business events (法人) that group items, as 苏服办 arranges them."""

from catalog.models import Topic

# The words people use for a topic (Topic.keywords): a search for one finds the topic's items.
KEYWORDS = {
    "birth": "生孩子 生娃 生育 新生儿 出生证 上户口",
    "school": "入学 上学 转学 学籍",
    "employment": "找工作 失业 就业 招聘",
    "marriage": "结婚 离婚 领证 生育登记",
    "social-security": "社保卡 参保 缴费 社会保险",
    "medical": "看病 医保 就医 报销",
    "housing": "买房 租房 公积金 不动产",
    "elderly": "退休 养老金 老年人",
    "disability": "残疾证 残疾",
    "after-death": "去世 死亡 丧葬 殡葬",
    "start-business": "开公司 开店 办执照 营业执照",
    "construction": "施工许可 建房 工程",
    "market-access": "许可证 经营许可 准营",
    "closure": "关公司 注销登记 歇业",
}

# (code, name, audience)
TOPICS: list[tuple[str, str, str]] = [
    ("birth", "出生", Topic.Audience.PERSON),
    ("school", "上学", Topic.Audience.PERSON),
    ("employment", "就业", Topic.Audience.PERSON),
    ("marriage", "婚育", Topic.Audience.PERSON),
    ("social-security", "社保", Topic.Audience.PERSON),
    ("medical", "医疗", Topic.Audience.PERSON),
    ("housing", "住房", Topic.Audience.PERSON),
    ("elderly", "养老", Topic.Audience.PERSON),
    ("disability", "残疾人", Topic.Audience.PERSON),
    ("after-death", "身后事", Topic.Audience.PERSON),
    ("start-business", "开办企业", Topic.Audience.BUSINESS),
    ("construction", "工程建设", Topic.Audience.BUSINESS),
    ("market-access", "准营", Topic.Audience.BUSINESS),
    ("closure", "注销", Topic.Audience.BUSINESS),
]
