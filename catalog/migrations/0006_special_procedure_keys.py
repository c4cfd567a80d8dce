"""Items saved before the kinds were one set stored the labels (现场勘验…): store the keys instead.

A value that is no kind's label is left as it is; the catalog rules name it on the next edit.
"""

from django.db import migrations

LABELS = {
    "现场勘验": "site_inspection",
    "听证": "hearing",
    "检验检测": "testing",
    "专家评审": "expert_review",
    "鉴定": "appraisal",
    "招标拍卖": "bidding",
    "公示": "publicity",
}


def labels_to_keys(apps, schema_editor):
    ServiceItem = apps.get_model("catalog", "ServiceItem")
    for item in ServiceItem.objects.exclude(special_procedures=[]).only("pk", "special_procedures").iterator():
        kinds = list(dict.fromkeys(LABELS.get(value, value) for value in item.special_procedures or []))
        if kinds != item.special_procedures:
            ServiceItem.objects.filter(pk=item.pk).update(special_procedures=kinds)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_random_upload_names")]

    operations = [migrations.RunPython(labels_to_keys, migrations.RunPython.noop)]
