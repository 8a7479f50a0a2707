"""The Editors group: exactly the permissions the desk needs, nothing more.

Editors read everything, annotate, import and publish. They never delete stories, sources or
entities and never manage users; those are the maintainers' (staff) work in the admin.
"""

from django.apps import apps as installed_apps
from django.contrib.auth.management import create_permissions

EDITORS = "Editors"

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


def ensure_editors_group(apps=installed_apps):
    """Create the group, or set its permissions back to exactly these. `apps` may be a migration's."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations ran; make sure they exist now.
        # A migration's app configs are stubs without models_module, which create_permissions
        # takes as "no models" unless it is set for the call.
        stub = getattr(app_config, "models_module", None) is None
        if stub:
            app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = {
        (app_label, f"{action}_{model}")
        for app_label, models in EDITOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    }
    permissions = [
        p for p in Permission.objects.filter(content_type__app_label__in=EDITOR_PERMISSIONS).select_related("content_type")
        if (p.content_type.app_label, p.codename) in wanted
    ]
    if len(permissions) != len(wanted):
        raise RuntimeError("an editor permission is missing")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    group.permissions.set(permissions)
    return group
