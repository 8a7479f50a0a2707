import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from articles.management.commands.prepare_dev import ensure_accounts


def test_editors_may_annotate_import_and_publish(editor):
    for permission in [
        "articles.view_article", "articles.add_article", "articles.change_article", "articles.publish_article",
        "articles.add_source", "annotations.add_mention", "annotations.delete_mention", "annotations.add_claim",
        "annotations.change_claim", "annotations.add_attribution", "annotations.add_evidence",
        "annotations.add_claimstatuschange", "annotations.add_storylink", "annotations.add_entity",
    ]:
        assert editor.has_perm(permission), permission


def test_editors_may_not_delete_stories_sources_entities_history_or_manage_users(editor):
    for permission in [
        "articles.delete_article", "articles.delete_source", "annotations.delete_entity",
        "annotations.change_claimstatuschange", "annotations.delete_claimstatuschange",
        "auth.add_user", "auth.change_user", "auth.change_group",
    ]:
        assert not editor.has_perm(permission), permission
    assert not editor.is_staff


def test_editors_group_permissions_are_exactly_the_listed_ones(db):
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert len(codenames) == 36
    assert not {c for c in codenames if c.startswith("delete_")} - {
        "delete_entityalias", "delete_mention", "delete_claim", "delete_attribution", "delete_evidence",
        "delete_storylink",
    }


def test_development_accounts_are_never_made_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("prepare_dev")


def test_development_accounts_are_made_once_and_their_passwords_kept(db, settings, tmp_path):
    from django.contrib.auth.models import User

    settings.BASE_DIR = tmp_path
    first = ensure_accounts()
    assert ensure_accounts() == first
    maintainer, editor = User.objects.get(username="maintainer"), User.objects.get(username="editor")
    assert maintainer.is_staff and maintainer.check_password(first["maintainer"])
    assert not editor.is_staff and editor.groups.filter(name="Editors").exists()
    assert editor.check_password(first["editor"])
