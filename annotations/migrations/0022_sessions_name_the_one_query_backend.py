"""Sessions opened before newsdesk.auth_backend.ModelBackend replaced Django's name the backend
that logged them in: Django logs out a session whose backend is no longer configured. They
are rewritten to name the new one (and back, migrating back), so no editor is logged out by
the release."""

from django.db import migrations

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "newsdesk.auth_backend.ModelBackend"


def rename(apps, schema_editor, before: str, after: str) -> None:
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.using(schema_editor.connection.alias).filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == before:
            data[BACKEND_SESSION_KEY] = after
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


def forward(apps, schema_editor) -> None:
    rename(apps, schema_editor, OLD, NEW)


def backward(apps, schema_editor) -> None:
    rename(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0021_profile_inbox_seen_at"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
