"""Claims followed across stories, part 2: each existing claim becomes an appearance of a claim
across stories; claims joined by "same claim as" (directly or through others) become
appearances of one. That claim's statement and language are those of its first recorded
appearance, and it is dated as that appearance was recorded. Nothing else of a claim changes:
its chain, evidence and status history stay as they were, and so does the history of changes.
"""

import uuid

from django.db import migrations


def one_claim_per_group(apps, schema_editor):
    Claim = apps.get_model("annotations", "Claim")
    ClaimAcrossStories = apps.get_model("annotations", "ClaimAcrossStories")
    rows = list(
        Claim.objects.order_by("created_at", "id")
        .values_list("id", "same_as_id", "statement", "article__language", "created_by_id")
    )
    order = {row[0]: i for i, row in enumerate(rows)}
    parent = {row[0]: row[0] for row in rows}

    def root(claim_id):
        while parent[claim_id] != claim_id:
            parent[claim_id] = parent[parent[claim_id]]
            claim_id = parent[claim_id]
        return claim_id

    for claim_id, same_as_id, *_ in rows:
        if same_as_id in parent:
            a, b = root(claim_id), root(same_as_id)
            if a != b:  # the first recorded of the two groups leads the joined one
                first, other = (a, b) if order[a] < order[b] else (b, a)
                parent[other] = first
    leaders = [row for row in rows if root(row[0]) == row[0]]
    made = ClaimAcrossStories.objects.bulk_create(
        [
            ClaimAcrossStories(key=uuid.uuid4(), statement=statement, language=language, created_by_id=created_by_id)
            for _, _, statement, language, created_by_id in leaders
        ],
        batch_size=2000,
    )
    across_of = {leader[0]: claim.pk for leader, claim in zip(leaders, made)}
    claim_ids = [row[0] for row in rows]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotations_claim AS c SET across_id = m.across_id "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS m(claim_id, across_id) WHERE c.id = m.claim_id",
            [claim_ids, [across_of[root(claim_id)] for claim_id in claim_ids]],
        )
        cursor.execute(
            "UPDATE annotations_claimacrossstories AS x SET created_at = first.created_at "
            "FROM (SELECT across_id, min(created_at) AS created_at FROM annotations_claim GROUP BY across_id) AS first "
            "WHERE first.across_id = x.id"
        )
        # The claim rules' deferred checks run now, not at commit: part 3 alters the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def back_to_same_as(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotations_claim AS c SET same_as_id = first.id FROM ("
            "  SELECT DISTINCT ON (across_id) across_id, id FROM annotations_claim ORDER BY across_id, created_at, id"
            ") AS first WHERE first.across_id = c.across_id AND first.id <> c.id"
        )
        cursor.execute("UPDATE annotations_claim SET across_id = NULL")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0015_claims_across_stories'),
    ]

    operations = [
        migrations.RunPython(one_claim_per_group, back_to_same_as),
    ]
