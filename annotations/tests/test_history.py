"""History: every change recorded by the database, shown as a timeline, undone or restored."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from annotations.history import timeline
from annotations.models import Attribution, Claim, ClaimStatusChange, Evidence, Mention, StoryLink
from annotations.tests.test_desk import claim_data
from annotations.tests.makers import add_attribution, form_values, make_claim, make_entity, make_mention, quote_evidence
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

STORY = "Kim Jong Un's train left Pyongyang for Russia on Sunday, an official said. Kim Jong Un waved."


@pytest.fixture
def story(db) -> Article:
    # A draft: its undos are done at one press; a published story's ask first (test_undo_asks.py).
    return make_article(title="Train leaves", body=STORY, language="en", status=Article.Status.DRAFT)


def article_state(article: Article) -> dict:
    """What the article is: its fields and every annotation's, without bookkeeping counters."""
    article.refresh_from_db()
    skip = {"version", "updated_at", "search_vector"}

    def rows(queryset):
        return sorted(
            ({k: v for k, v in row.items() if k not in skip} for row in queryset.values()), key=lambda r: r["id"]
        )

    claims = Claim.objects.filter(article=article)
    return {
        "article": {k: v for k, v in Article.objects.filter(pk=article.pk).values()[0].items() if k not in skip},
        "mentions": rows(Mention.objects.filter(article=article)),
        "claims": rows(claims),
        "attributions": rows(Attribution.objects.filter(claim__in=claims)),
        "evidence": rows(Evidence.objects.filter(claim__in=claims)),
        "links": rows(StoryLink.objects.touching(article)),
    }


def undo_url(article, kind, event) -> str:
    return reverse("desk:history-undo", args=[article.pk, kind, event.pgh_id])


@pytest.mark.django_db(transaction=True)
def test_d5_a_claim_changed_through_a_view_the_admin_update_bulk_update_and_raw_sql_is_recorded_each_time(
    client, editor, maintainer, story
):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role="via")
    claim.change_status("reported", by=editor, reason="Yonhap reports it")
    before = claim.events.count()

    # 1. A view of the desk, as an editor.
    client.force_login(editor)
    claim.refresh_from_db()
    response = client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "disputed", "reason": "Denied by the ministry", "version": claim.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    # 2. The admin's change form, as a maintainer.
    client.force_login(maintainer)
    change_url = reverse("admin:annotations_claim_change", args=[claim.pk])
    data = form_values(client.get(change_url).content.decode(), "claim_form")
    data["note"] = "Checked with the desk in Seoul"
    response = client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # 3. QuerySet.update(), 4. bulk_update() and 5. raw SQL: no user, no page.
    Claim.objects.filter(pk=claim.pk).update(note="update()")
    claim.refresh_from_db()
    claim.note = "bulk_update()"
    Claim.objects.bulk_update([claim], ["note"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE annotations_claim SET note = %s WHERE id = %s", ["raw SQL", claim.pk])

    events = list(claim.events.filter(pgh_label="update").order_by("pgh_id"))[-5:]
    assert claim.events.count() == before + 5
    assert [e.status for e in events] == ["disputed"] * 5
    assert [e.note for e in events] == ["", "Checked with the desk in Seoul", "update()", "bulk_update()", "raw SQL"]
    contexts = [e.pgh_context.metadata if e.pgh_context else None for e in events]
    assert contexts[0] == {"user": editor.pk, "url": f"/desk/claims/{claim.pk}/status/"}
    assert contexts[1] == {"user": maintainer.pk, "url": change_url}
    assert contexts[2:] == [None, None, None]


def test_d5_history_rows_cannot_be_changed_or_erased(story):
    mention = make_mention(story, "Pyongyang")
    event = mention.events.get()
    for statement in (
        "UPDATE annotations_mentionevent SET exact = 'forged' WHERE pgh_id = %s",
        "DELETE FROM annotations_mentionevent WHERE pgh_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pgh_id])
    event.refresh_from_db()
    assert event.exact == "Pyongyang"
    with pytest.raises(DatabaseError), transaction.atomic():
        type(event).objects.filter(pk=event.pk).delete()
    assert type(event).objects.filter(pk=event.pk).exists()


def test_deleting_an_article_keeps_its_history(story):
    make_mention(story, "Pyongyang")
    article_id = story.pk
    story.delete()
    assert Article.pgh_event_model.objects.filter(pgh_obj_id=article_id, pgh_label="delete").exists()
    assert Mention.pgh_event_model.objects.filter(article_id=article_id, pgh_label="delete").count() == 1


def history_rows(page: str) -> list[str]:
    """The text of each row of a history page (one `<li class="timeline-entry`), in order."""
    return [row.split("</details>")[0] for row in page.split('<li class="timeline-entry')[1:]]


def test_a_status_change_is_one_history_row_in_plain_words_naming_the_editor_and_the_reason(editor_client, editor, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )
    page = editor_client.get(reverse("desk:article-history", args=[story.pk])).content.decode()
    newest, *older = history_rows(page)
    head, details = newest.split("<details", 1)
    assert (
        "edna changed the status of the claim “Kim Jong Un&#x27;s train left Pyongyang” from unverified to reported:"
        " Two agencies carry it" in head
    )
    assert "in the desk" in head and "through" not in head and "/status/" not in head
    # The detailed rows one click away: the status history row and the claim's field, before and after.
    assert "<del>unverified</del>" in details and "<ins>reported</ins>" in details
    assert "Claim status change added" in details
    assert not any("Two agencies carry it" in row for row in older)


def test_marking_a_claim_in_the_desk_is_one_history_row(editor_client, editor, story):
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT)
    data = claim_data(
        story, "Kim Jong Un's train left Pyongyang", reason="The Kremlin says so",
        **{"chain-0-source": kremlin.pk, "chain-0-source_query": "Kremlin"},
    )
    response = editor_client.post(reverse("desk:claim-create", args=[story.pk]), data, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()[:3000]
    claim = Claim.objects.get(article=story)
    assert claim.attributions.count() == 1
    rows = history_rows(editor_client.get(reverse("desk:article-history", args=[story.pk])).content.decode())
    *newest, story_added = rows
    assert len(newest) == 1 and "added the story" in story_added
    assert "edna marked the claim “Kim Jong Un&#x27;s train left Pyongyang”" in rows[0]
    assert "Attribution added" in rows[0] and "Kremlin" in rows[0]


def test_undoing_a_status_change_puts_the_claim_back_exactly(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    before = article_state(story)
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )
    assert article_state(story) != before
    event = claim.events.filter(pgh_label="update").latest("pgh_id")
    response = editor_client.post(undo_url(story, "claim", event), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Undone" in response.content.decode()
    assert article_state(story) == before
    # The undo is a change like any other: recorded, and the status history says so.
    assert claim.history.latest("changed_at").to_status == "unverified"
    assert claim.events.filter(pgh_label="update").latest("pgh_id").status == "unverified"


def test_restoring_a_deleted_mention_puts_the_article_back_exactly(editor_client, story):
    make_mention(story, "Pyongyang")
    mention = make_mention(story, "Kim Jong Un", entity=make_entity(name="Kim Jong Un"))
    before = article_state(story)
    editor_client.post(reverse("desk:mention-delete", args=[story.pk, mention.pk]))
    assert not Mention.objects.filter(pk=mention.pk).exists()
    page = editor_client.get(reverse("desk:article-history", args=[story.pk])).content.decode()
    assert "Mention deleted" in page and "Restore" in page
    event = mention.events.get(pgh_label="delete")
    response = editor_client.post(undo_url(story, "mention", event))
    assert response.status_code == 200 and "Restored" in response.content.decode()
    assert article_state(story) == before
    # Restoring twice is refused with a reason, and changes nothing.
    response = editor_client.post(undo_url(story, "mention", event))
    assert response.status_code == 422 and "exists again" in response.content.decode()
    assert article_state(story) == before


def test_restoring_a_deleted_claim_brings_back_its_chain_evidence_and_status_history(editor_client, editor, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    proof = quote_evidence(attribution)
    claim.change_status("confirmed", by=editor, reason="The Kremlin said so on the record", evidence=proof)
    before = article_state(story)
    history_before = list(ClaimStatusChange.objects.filter(claim=claim).values())
    editor_client.post(reverse("desk:claim-delete", args=[claim.pk]))
    assert not Claim.objects.filter(pk=claim.pk).exists()
    event = claim.events.get(pgh_label="delete")
    response = editor_client.post(undo_url(story, "claim", event))
    assert response.status_code == 200
    assert "with 3 rows deleted with it" in response.content.decode()
    assert article_state(story) == before
    assert list(ClaimStatusChange.objects.filter(claim=claim).values()) == history_before


def test_undoing_an_added_mention_removes_it(editor_client, story):
    before = article_state(story)
    entity = make_entity(name="Kim Jong Un")
    editor_client.post(
        reverse("desk:mention-create", args=[story.pk]),
        {"start": 0, "end": 11, "exact": "Kim Jong Un", "entity": entity.pk, "every_occurrence": "on"},
    )
    assert Mention.objects.filter(article=story).count() == 2
    for event in Mention.pgh_event_model.objects.filter(article_id=story.pk, pgh_label="insert"):
        assert editor_client.post(undo_url(story, "mention", event)).status_code == 200
    assert article_state(story) == before


def test_an_undo_that_a_later_change_overtook_is_refused(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    Claim.objects.filter(pk=claim.pk).update(note="first")
    first = claim.events.filter(pgh_label="update").latest("pgh_id")
    Claim.objects.filter(pk=claim.pk).update(note="second")
    response = editor_client.post(undo_url(story, "claim", first))
    assert response.status_code == 422
    assert "changed again later" in response.content.decode()
    claim.refresh_from_db()
    assert claim.note == "second"


def test_an_undo_that_would_break_a_claim_rule_is_refused(editor_client, editor, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://kremlin.example/statement")
    claim.change_status("confirmed", by=editor, reason="The Kremlin says so", evidence=proof)
    claim.change_status("disputed", by=editor, reason="Denied")
    # A disputed claim may rest on an unnamed official...
    official = make_source(name="An official", kind=Source.Kind.ANONYMOUS)
    Attribution.objects.filter(pk=attribution.pk).update(source=official, sourcing="anonymous")
    # ...but undoing the move to "disputed" would confirm it on an unnamed official and a web address alone.
    event = claim.events.filter(pgh_label="update", status="disputed").latest("pgh_id")
    response = editor_client.post(undo_url(story, "claim", event))
    assert response.status_code == 422
    assert "every speaker is anonymous" in response.content.decode().replace("&#x27;", "'")
    claim.refresh_from_db()
    assert claim.status == "disputed"


def test_a2_a_change_of_another_article_cannot_be_undone_from_this_one(editor_client, story):
    other = make_article(title="Other story", body=STORY)
    mention = make_mention(other, "Pyongyang")
    event = mention.events.get()
    assert editor_client.post(undo_url(story, "mention", event)).status_code == 404
    assert editor_client.post(reverse("desk:history-undo", args=[story.pk, "user", event.pgh_id])).status_code == 404
    assert Mention.objects.filter(pk=mention.pk).exists()


def test_a2_a_reader_cannot_see_or_undo_history(client, story):
    mention = make_mention(story, "Pyongyang")
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("reader", password="reader-password-1"))
    assert client.get(reverse("desk:article-history", args=[story.pk])).status_code == 403
    assert client.post(undo_url(story, "mention", mention.events.get())).status_code == 403
    assert Mention.objects.filter(pk=mention.pk).exists()


def test_maintainer_restores_a_deleted_mention_from_the_admin(maintainer_client, story):
    mention = make_mention(story, "Pyongyang")
    before = article_state(story)
    Mention.objects.filter(pk=mention.pk).delete()
    history_url = reverse("admin:articles_article_history", args=[story.pk])
    page = maintainer_client.get(history_url).content.decode()
    assert "Mention deleted" in page and "Pyongyang" in page
    event = mention.events.get(pgh_label="delete")
    response = maintainer_client.post(
        reverse("admin:articles_article_history_undo", args=[story.pk, "mention", event.pgh_id])
    )
    assert response.status_code == 302 and response["Location"] == history_url
    assert article_state(story) == before
    assert "Restored" in maintainer_client.get(history_url).content.decode()


def test_history_page_query_count_does_not_grow_with_changes(editor_client, count_queries, story):
    url = reverse("desk:article-history", args=[story.pk])
    make_mention(story, "Pyongyang")
    add_attribution(make_claim(story, "Kim Jong Un's train left Pyongyang", statement="first"), make_source())
    small = count_queries(editor_client, url)
    for _ in range(10):
        claim = make_claim(story, "Kim Jong Un's train left Pyongyang", statement=f"s{_}")
        add_attribution(claim, make_source())
        Claim.objects.filter(pk=claim.pk).update(note="n")
        make_mention(story, "Kim Jong Un", entity=make_entity())
    assert len(timeline(story)) > 40
    assert count_queries(editor_client, url) == small


def test_a_claims_updated_time_moves_on_a_status_change_and_on_a_chain_change_in_the_admin(
    editor_client, maintainer_client, story
):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    stamps = [claim.updated_at]
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )
    claim.refresh_from_db()
    assert claim.status == "reported" and claim.updated_at > stamps[-1]
    stamps.append(claim.updated_at)
    change_url = reverse("admin:annotations_attribution_change", args=[attribution.pk])
    data = form_values(maintainer_client.get(change_url).content.decode(), "attribution_form")
    data["sourcing"] = "not_for_attribution"
    response = maintainer_client.post(change_url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.updated_at > stamps[-1]


def test_a_stale_status_change_gets_409_naming_who_changed_the_claim_when_and_why_beside_what_was_typed(
    editor_client, story
):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from annotations.roles import ensure_editors_group

    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    loaded_version = claim.version
    url = reverse("desk:claim-status-update", args=[claim.pk])
    first = editor_client.post(
        url, {"status": "reported", "reason": "Two <b>agencies</b> carry it", "version": loaded_version},
        headers={"HX-Request": "true"},
    )
    assert first.status_code == 200
    other = User.objects.create_user("otto", password="other-password-1")
    other.groups.add(ensure_editors_group())
    second = type(editor_client)()
    second.force_login(other)
    stale = second.post(
        url, {"status": "disputed", "reason": "The ministry denies it, I typed this", "version": loaded_version},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    page = stale.content.decode()
    conflict = page.split('class="conflict"')[1].split("</div>")[0]
    assert (
        "edna changed the status of the claim “Kim Jong Un&#x27;s train left Pyongyang” from unverified to reported:"
        " Two &lt;b&gt;agencies&lt;/b&gt; carry it" in conflict
    )
    saved_at = claim.history.get().changed_at
    assert timezone.localtime(saved_at).strftime("%H:%M") in conflict
    assert "The ministry denies it, I typed this" in page
    assert 'name="reason"' in page and ">The ministry denies it, I typed this</textarea>" in page


def test_the_admin_history_of_a_claim_shows_its_status_changes_made_in_the_admin_and_in_the_desk(
    maintainer, editor, client, story
):
    maintainer_client, editor_client = client, type(client)()
    maintainer_client.force_login(maintainer)
    editor_client.force_login(editor)
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    other = make_claim(story, "Kim Jong Un waved")
    claim.refresh_from_db()
    response = maintainer_client.post(
        reverse("admin:annotations_claim_status", args=[claim.pk]),
        {"status": "reported", "reason": "Yonhap reports it", "version": claim.version},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "disputed", "reason": "Another outlet contradicts it", "version": claim.version},
    )
    page = maintainer_client.get(reverse("admin:annotations_claim_history", args=[claim.pk])).content.decode()
    assert (
        "edna changed the status of the claim “Kim Jong Un&#x27;s train left Pyongyang” from reported to disputed:"
        " Another outlet contradicts it" in page
    )
    assert (
        "max changed the status of the claim “Kim Jong Un&#x27;s train left Pyongyang” from unverified to reported:"
        " Yonhap reports it" in page
    )
    assert "in the admin" in page and "in the desk" in page
    assert "Attribution added" in page and "Kremlin" in page
    assert str(other) not in page  # only this claim's changes


def test_the_undo_of_a_status_change_row_sets_the_status_back_and_is_itself_one_row(editor_client, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two <b>agencies</b> carry it", "version": claim.version},
    )
    url = reverse("desk:article-history", args=[story.pk])
    newest = history_rows(editor_client.get(url).content.decode())[0]
    # The row's own button (before its details) undoes the claim's status move, not the history row.
    head = newest.split("<details")[0]
    status_move = claim.events.filter(pgh_label="update").latest("pgh_id")
    assert undo_url(story, "claim", status_move) in head
    assert "Two &lt;b&gt;agencies&lt;/b&gt; carry it" in head and "<b>agencies" not in head
    response = editor_client.post(undo_url(story, "claim", status_move), headers={"HX-Request": "true"})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == "unverified"
    newest, previous = history_rows(response.content.decode())[:2]
    assert "edna changed the status of the claim “Kim Jong Un&#x27;s train left Pyongyang” from reported to unverified:" \
        " Undone from the history." in newest
    assert "from unverified to reported" in previous


def test_a_change_by_a_user_since_deleted_names_them_as_such(editor_client, editor, story):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "reported", "reason": "Two agencies carry it", "version": claim.version},
    )
    editor_id = editor.pk
    from django.contrib.auth.models import User

    User.objects.filter(pk=editor_id).delete()
    from annotations.history import entries

    newest = entries(story)[0]
    assert newest.sentence.startswith(f"a user since deleted (#{editor_id}) changed the status of the claim")
    assert newest.place == "in the desk"


def test_stories_imported_by_the_command_are_named_as_the_commands_in_the_history(tmp_path, db):
    import json

    from django.core.management import call_command

    from annotations.history import entries

    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({
        "title": "Train leaves", "body": STORY, "url": "https://news.example/train", "language": "en",
        "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"},
    }) + "\n")
    call_command("import_articles", str(path), "--quiet")
    article = Article.objects.get(title="Train leaves")
    first = entries(article)[-1]
    assert first.sentence == "the import_articles command added the story"
    assert first.place == "by a command"


def test_stories_imported_by_the_command_in_parallel_are_named_as_the_commands_in_the_history(tmp_path, transactional_db):
    import json

    from django.apps import apps
    from django.core.management import call_command

    ArticleEvent = apps.get_model("articles", "ArticleEvent")  # made by pghistory

    path = tmp_path / "stories.jsonl"
    path.write_text("".join(json.dumps({
        "title": f"Train leaves {n}", "body": STORY, "url": f"https://news.example/train/{n}", "language": "en",
        "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"},
    }) + "\n" for n in range(6)))
    call_command("import_articles", str(path), "--quiet", "--jobs", "2")
    events = ArticleEvent.objects.filter(pgh_label="insert")
    assert events.count() == 6
    assert {event.pgh_context.metadata["command"] for event in events.select_related("pgh_context")} == {"import_articles"}


@pytest.mark.parametrize("sent", [
    {"status": "unverified"},  # a step down from confirmed: would otherwise ask for "Yes, I mean it" first
    {"status": "confirmed"},  # the status the colleague already set: would otherwise say "nothing was changed"
    {"status": "retracted", "confirm": "on"},
])
def test_a_stale_form_hears_of_the_colleagues_change_before_anything_else(editor_client, story, sent):
    # Found by a new editor: tab A confirmed the claim; tab B, loaded while it was reported, got
    # only the grave-step question and no word that someone had changed it meanwhile.
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.refresh_from_db()
    claim.change_status("reported", by=None, reason="Agencies carry it")
    loaded_version = claim.version
    quote = claim.attributions.get()
    url = reverse("desk:claim-status-update", args=[claim.pk])
    first = editor_client.post(url, {
        "status": "confirmed", "reason": "The Kremlin said so", "evidence": f"attribution:{quote.pk}",
        "version": loaded_version,
    }, headers={"HX-Request": "true"})
    assert first.status_code == 200, first.content.decode()[:3000]
    claim.refresh_from_db()
    assert claim.status == "confirmed"
    stale = editor_client.post(url, {"reason": "typed in the other tab", "version": loaded_version, **sent},
                               headers={"HX-Request": "true"})
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "from reported to confirmed: The Kremlin said so" in page.split('class="conflict"')[1]
    assert ">typed in the other tab</textarea>" in page
    claim.refresh_from_db()
    assert claim.status == "confirmed" and claim.history.count() == 2
