"""The migrations that made claims appearances of claims across stories (0015-0017), on a copy of
the demo newsroom: taken back to "same claim as" and forward again, nothing is lost, the history
reads as it did, and changes made before the migration are undone as before."""

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from annotations import history
from annotations.models import Claim, ClaimAcrossStories
from articles.demo_newsroom import load_demo
from articles.models import Article

BEFORE = [("annotations", "0015_claims_across_stories")]
COUNTED = ["claim", "attribution", "evidence", "claimstatuschange", "mention", "storylink"]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    return [(key[0], key[1]) for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "annotations"]


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for table in COUNTED:
            cursor.execute(f"SELECT count(*) FROM annotations_{table}")
            found[table] = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM annotations_{table}event")
            found[f"{table} history"] = cursor.fetchone()[0]
    return found


def groups() -> set[frozenset[int]]:
    """Which claims are one claim across stories, by their ids."""
    found: dict[int, set[int]] = {}
    for claim_id, across_id in Claim.objects.values_list("id", "across_id"):
        found.setdefault(across_id, set()).add(claim_id)
    return {frozenset(members) for members in found.values()}


def timelines() -> dict[int, list[str]]:
    return {article.pk: [entry.sentence for entry in history.entries(article)] for article in Article.objects.all()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_same_claim_as_one_claim_and_loses_nothing(editor):
    load_demo()
    train = ClaimAcrossStories.objects.get(translations__language="en")
    # A change made before the migration, to undo after it.
    claim = Claim.objects.get(article__url__endswith="/summit-en", status="reported")
    change = claim.change_status("disputed", by=editor, reason="Before the migration.")
    before_groups, before_timelines = groups(), timelines()
    told = frozenset(train.appearances.values_list("id", flat=True))
    assert len(told) == 4 and told in before_groups

    migrate(BEFORE)  # back to "same claim as": the train's appearances point at its first
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM annotations_claim WHERE same_as_id IS NOT NULL")
        assert cursor.fetchone()[0] == 3
        cursor.execute("SELECT count(*) FROM annotations_claim WHERE across_id IS NOT NULL")
        assert cursor.fetchone()[0] == 0
    before = counts()

    migrate(latest())
    apps.clear_cache()
    after = counts()
    # Every row kept; the history kept whole, with one event more per claim: being given its claim.
    assert {k: v for k, v in after.items() if k != "claim history"} == {k: v for k, v in before.items() if k != "claim history"}
    assert after["claim history"] == before["claim history"] + before["claim"]
    assert groups() == before_groups
    merged = Claim.objects.get(pk=min(told)).across
    assert merged.statement == "Kereta Kim Jong Un telah berangkat dari Pyongyang menuju Rusia." and merged.language == "id"
    # The history reads as it did: being given a claim across stories was nobody's change.
    assert timelines() == before_timelines
    # A change made before the migration is undone as before.
    event = claim.events.filter(status="disputed").order_by("pgh_id").first()
    assert event is not None and change.to_status == "disputed"
    message = history.undo(claim.article, "claim", event.pgh_id, user=editor)
    assert "Undone" in message and Claim.objects.get(pk=claim.pk).status == "reported"


@pytest.mark.django_db(transaction=True)
def test_a_claim_deleted_before_the_migration_is_restored_as_a_claim_of_its_own(editor):
    load_demo()
    claim = Claim.objects.get(article__url__endswith="/summit-en", status="reported")
    migrate(BEFORE)
    with transaction.atomic(), connection.cursor() as cursor:  # one transaction, as a script would send it
        for table in ("claimstatuschange", "evidence", "attribution"):
            cursor.execute(f"DELETE FROM annotations_{table} WHERE claim_id = %s", [claim.pk])
        cursor.execute("DELETE FROM annotations_claim WHERE id = %s", [claim.pk])
    migrate(latest())
    apps.clear_cache()
    deleted = claim.events.filter(pgh_label="delete").get()
    assert deleted.across_id is None  # recorded before claims were followed across stories
    history.undo(claim.article, "claim", deleted.pgh_id, user=editor)
    restored = Claim.objects.get(pk=claim.pk)
    assert list(restored.across.appearances.all()) == [restored] and restored.across.statement == restored.statement
    assert restored.attributions.count() == 1 and restored.history.count() == 1
