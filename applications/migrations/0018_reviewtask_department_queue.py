"""ReviewTask.department and .case_due_on, copied from the case, and the reviewer queue's partial
index on them (issue 12).

Added nullable, filled from each task's case in one UPDATE (about 20 s for 212,000 tasks at the
bench's 100 k cases), then the department made NOT NULL, so the existing tasks need no default.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0017_merge_bundles_and_indexes"),
        ("catalog", "0012_commitments"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewtask",
            name="department",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.department"
            ),
        ),
        migrations.AddField(
            model_name="reviewtask",
            name="case_due_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(
            """
            UPDATE applications_reviewtask AS task
            SET department_id = application.department_id, case_due_on = application.due_on
            FROM applications_application AS application WHERE application.id = task.application_id
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="reviewtask",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.department"
            ),
        ),
        migrations.AddIndex(
            model_name="reviewtask",
            index=models.Index(
                models.F("department"),
                django.db.models.functions.comparison.Least("case_due_on", "due_on"),
                models.F("opened_at"),
                models.F("id"),
                condition=models.Q(("status", "open")),
                name="task_department_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewtask",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["department", "assignee"],
                name="task_department_holder",
            ),
        ),
    ]
