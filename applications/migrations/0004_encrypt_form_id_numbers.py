"""ID numbers typed into an item's form were stored in clear in ``Application.form_data``: encrypt them
as applications.services.save_draft now does ({"enc": <Fernet token>, "masked": ...}).

The few lines of logic are repeated here rather than imported from applications.forms_runtime, so
that this migration keeps doing what it did when that module changes.
"""

from django.db import migrations

from portal import crypto
from portal.idnumbers import mask_id_number

ID_NUMBER_FIELD_TYPES = ("id_number", "resident_id")


def _id_fields(definition):
    return {
        field.get("name")
        for field in definition or []
        if field.get("type") in ID_NUMBER_FIELD_TYPES or field.get("validator") in ID_NUMBER_FIELD_TYPES
    }


def _is_encrypted(value):
    return isinstance(value, dict) and isinstance(value.get("enc"), str)


def _rewrite(apps, change):
    Application = apps.get_model("applications", "Application")
    rows = (
        Application.objects.exclude(form_data={})
        .select_related("item")
        .only("id", "form_data", "item__form_definition")
    )
    for application in rows.iterator(chunk_size=500):
        names = _id_fields(application.item.form_definition)
        data = dict(application.form_data or {})
        changed = False
        for name in names & set(data):
            new = change(data[name])
            if new is not data[name]:
                data[name], changed = new, True
        if changed:
            Application.objects.filter(pk=application.pk).update(form_data=data)


def encrypt_clear_numbers(apps, schema_editor):
    def change(value):
        if isinstance(value, str) and value.strip():
            return {"enc": crypto.encrypt(value), "masked": mask_id_number(value)}
        return value

    _rewrite(apps, change)


def decrypt_numbers(apps, schema_editor):
    def change(value):
        return crypto.decrypt(value["enc"]) if _is_encrypted(value) else value

    _rewrite(apps, change)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_review_task_light"),
    ]

    operations = [
        migrations.RunPython(encrypt_clear_numbers, decrypt_numbers),
    ]
