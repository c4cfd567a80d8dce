"""Life events (个人) and business events (法人) that group items, as 苏服办 arranges them."""

from catalog.models import Topic

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
