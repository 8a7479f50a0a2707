"""A user's permissions in one query, the same as Django's ModelBackend reads them in two."""

import importlib

from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, backends as django_backends
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.roles import ensure_editors_group
from newsdesk.auth_backend import ModelBackend


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions remembered from an earlier question


def test_a_user_s_own_and_their_groups_permissions_are_django_s_read_in_one_query(db):
    user = User.objects.create_user("eko")
    user.groups.add(ensure_editors_group())
    user.user_permissions.add(Permission.objects.get(codename="delete_source"))
    desk = Group.objects.create(name="Night desk")
    desk.permissions.add(Permission.objects.get(codename="view_user"))
    user.groups.add(desk)
    theirs = django_backends.ModelBackend().get_all_permissions(fresh(user))
    checked = fresh(user)
    with CaptureQueriesContext(connection) as asked:
        ours = ModelBackend().get_all_permissions(checked)
        assert checked.has_perm("auth.view_user") and checked.has_perm("articles.delete_source")
        assert not checked.has_perm("auth.delete_user")
    assert ours == theirs and {"auth.view_user", "articles.delete_source", "articles.view_article"} <= ours
    assert len(asked) == 1
    # Taken away, gone at the next request (nothing outlives the request's user).
    desk.permissions.clear()
    assert not fresh(user).has_perm("auth.view_user")
    user.is_active = False
    user.save()
    assert ModelBackend().get_all_permissions(fresh(user)) == set() and not fresh(user).has_perm("articles.view_article")


def test_a_superuser_has_every_permission_and_a_user_with_none_has_none(db):
    boss = User.objects.create_superuser("boss")
    assert ModelBackend().get_all_permissions(fresh(boss)) == django_backends.ModelBackend().get_all_permissions(fresh(boss))
    assert fresh(boss).has_perm("auth.delete_user")
    nobody = User.objects.create_user("nobody")
    assert ModelBackend().get_all_permissions(fresh(nobody)) == set()


def test_a_session_opened_with_django_s_backend_names_ours_after_the_migration_and_back(db):
    migration = importlib.import_module("annotations.migrations.0022_sessions_name_the_one_query_backend")
    user = User.objects.create_user("eko")
    store = SessionStore()
    store.update({"_auth_user_id": str(user.pk), BACKEND_SESSION_KEY: migration.OLD, "kept": "yes"})
    store.create()
    with connection.schema_editor() as editor:
        migration.forward(apps, editor)
    data = SessionStore(session_key=store.session_key).load()
    assert data[BACKEND_SESSION_KEY] == "newsdesk.auth_backend.ModelBackend" and data["kept"] == "yes"
    with connection.schema_editor() as editor:
        migration.backward(apps, editor)
    assert SessionStore(session_key=store.session_key).load()[BACKEND_SESSION_KEY] == migration.OLD
