"""Create the Editors group (see annotations/roles.py for what it may do)."""

from django.db import migrations

from annotations.roles import EDITORS, ensure_editors_group


def create_editors_group(apps, schema_editor):
    ensure_editors_group(apps)


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
