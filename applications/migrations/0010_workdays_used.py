from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    """Cases concluded before the columns existed get their working days from the calendar."""
    from portal.workdays import workdays_between

    Application = apps.get_model("applications", "Application")
    rows = Application.objects.filter(concluded_at__isnull=False, accepted_on__isnull=False)
    for case in rows.only("pk", "accepted_on", "due_on", "concluded_at").iterator():
        Application.objects.filter(pk=case.pk).update(
            workdays_used=workdays_between(case.accepted_on, timezone.localdate(case.concluded_at)),
            workdays_promised=workdays_between(case.accepted_on, case.due_on) if case.due_on else None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0009_special_procedure_kinds'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='workdays_promised',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='承诺时限（工作日）'),
        ),
        migrations.AddField(
            model_name='application',
            name='workdays_used',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='办结用时（工作日）'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
