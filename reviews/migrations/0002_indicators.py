"""The indicator options of each level (国务院办公厅《关于建立政务服务“好差评”制度…》 and the province's
interface): data that administrators edit afterwards in the admin."""

from django.db import migrations

POSITIVE = {
    "online": ["办事效率高", "办事指南准确", "操作便捷", "一次办好", "材料精简"],
    "hall": ["服务效率高", "服务水平高", "服务态度好", "一次性告知到位", "环境舒适"],
}
BASIC = {
    "online": ["办事效率一般", "指南不够清楚", "操作稍繁琐"],
    "hall": ["等候时间较长", "服务水平一般", "告知不够清楚"],
}
NEGATIVE = {
    "online": ["办事效率低", "办事指南不准确", "平台操作不便", "系统故障", "要求提交额外材料", "多次跑动"],
    "hall": ["服务效率低", "服务水平低", "服务态度差", "窗口无人", "一次性告知不到位", "要求提交额外材料"],
}
BY_LEVEL = {1: POSITIVE, 2: POSITIVE, 3: BASIC, 4: NEGATIVE, 5: NEGATIVE}


def add(apps, schema_editor):
    Indicator = apps.get_model("reviews", "Indicator")
    for level, sets in BY_LEVEL.items():
        for scope, labels in sets.items():
            for order, label in enumerate(labels):
                Indicator.objects.get_or_create(scope=scope, level=level, label=label, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_evaluations")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
