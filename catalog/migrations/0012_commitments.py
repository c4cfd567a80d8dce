# 告知承诺制 (issue 11): a material may allow a commitment instead of its proof; the item says how soon
# the department checks one and what a false one leads to.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_import_job_restarted_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="materialrequirement",
            name="allows_commitment",
            field=models.BooleanField(default=False, verbose_name="可告知承诺"),
        ),
        migrations.AddField(
            model_name="materialrequirement",
            name="commitment_text",
            field=models.TextField(
                blank=True,
                help_text="申请人承诺的事项及告知承诺的设定依据，印入告知承诺书",
                verbose_name="承诺内容及依据",
            ),
        ),
        migrations.AddField(
            model_name="serviceitem",
            name="commitment_check_workdays",
            field=models.PositiveSmallIntegerField(default=20, verbose_name="告知承诺核查期限（工作日）"),
        ),
        migrations.AddField(
            model_name="serviceitem",
            name="commitment_consequence",
            field=models.CharField(
                choices=[
                    ("revoke", "撤销审批结果"),
                    ("credit", "记入信用记录"),
                    ("both", "撤销审批结果并记入信用记录"),
                ],
                default="both",
                max_length=8,
                verbose_name="承诺不实的处理",
            ),
        ),
    ]
