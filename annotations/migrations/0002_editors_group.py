"""Create the Editors group with exactly what the desk needs: annotate, import, publish.

Editors never delete stories, sources or entities and never touch users or groups; those are
the maintainers' (staff) work in the admin. Re-running keeps the group's permissions exact.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "articles": {
        "article": ["view", "add", "change", "publish"],
        "source": ["view", "add", "change"],
    },
    "annotations": {
        "entity": ["view", "add", "change"],
        "entityalias": ["view", "add", "change", "delete"],
        "mention": ["view", "add", "change", "delete"],
        "claim": ["view", "add", "change", "delete"],
        "attribution": ["view", "add", "change", "delete"],
        "evidence": ["view", "add", "change", "delete"],
        "claimstatuschange": ["view", "add"],
        "storylink": ["view", "add", "change", "delete"],
    },
}


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [
        f"{action}_{model}"
        for models in EDITOR_PERMISSIONS.values()
        for model, actions in models.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=EDITOR_PERMISSIONS.keys(), codename__in=codenames
    )
    assert permissions.count() == len(codenames), "an editor permission is missing"
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.set(permissions)


def delete_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
