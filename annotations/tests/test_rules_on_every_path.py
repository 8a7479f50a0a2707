"""The claim rules hold on every path a row can take: the desk, the admin, undo and restore, an
import, QuerySet.update() and raw SQL. PostgreSQL checks them at commit (deferred constraint
triggers); these tests fire the triggers with check_rules_now(), or through the paths that do so
themselves, and check that each path refuses with the rule's own words and changes nothing."""

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from annotations.history import CannotUndo, undo
from annotations.models import (
    CLAIM_RULES,
    Attribution,
    AttributionSpec,
    Claim,
    ClaimStatusChange,
    Evidence,
    EvidenceSpec,
    check_rules_now,
    rule_message,
    rule_refusal,
)
from annotations.tests.makers import add_attribution, confirmed, form_values, make_claim, quote_evidence
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

STORY = "Kim Jong Un's train left Pyongyang, Yonhap said. Kim Jong Un will meet Putin, the Kremlin said."


@pytest.fixture
def story(db) -> Article:
    return make_article(title="Train leaves", body=STORY, language="en")


def kremlin() -> Source:
    return Source.named("Kremlin", Source.Kind.GOVERNMENT, "RU")


def unnamed() -> Source:
    return make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS, country="KR")


def confirmed_on_record(story, *, evidence: str = "url") -> Claim:
    """'Kim Jong Un will meet Putin', confirmed on the Kremlin's on-record word."""
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    attribution = add_attribution(claim, kremlin())
    proof = (
        quote_evidence(attribution) if evidence == "quote"
        else Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://kremlin.example/statement")
    )
    claim.change_status(Claim.Status.CONFIRMED, by=None, reason="The Kremlin said so", evidence=proof)
    return claim


def state(claim: Claim) -> tuple:
    """What the rules are about, as stored: status, chain, evidence and history."""
    return (
        Claim.objects.values_list("status", flat=True).get(pk=claim.pk),
        list(claim.attributions.values_list("source_id", "role", "sourcing").order_by("position")),
        list(claim.evidence.values_list("kind", "attribution_id", "article_id", "url").order_by("id")),
        list(claim.history.values_list("from_status", "to_status", "evidence_id").order_by("id")),
    )


def refused(write) -> IntegrityError:
    """Run `write` and the deferred rules in a savepoint; return the database's refusal."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        write()
        check_rules_now()
    return raised.value


def raw(sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- update() and raw SQL, against each rule ------------------------------------------------------


def break_unnamed_on_record(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    attribution = add_attribution(claim, unnamed(), sourcing=Attribution.Sourcing.ANONYMOUS)
    if orm:
        return claim, lambda: Attribution.objects.filter(pk=attribution.pk).update(sourcing="on_record")
    return claim, lambda: raw("UPDATE annotations_attribution SET sourcing = 'on_record' WHERE id = %s", [attribution.pk])


def break_confirmed_on_record(story, orm: bool):
    claim = confirmed_on_record(story)
    official = unnamed()
    attribution = claim.attributions.get()
    if orm:
        return claim, lambda: Attribution.objects.filter(pk=attribution.pk).update(source=official, sourcing="anonymous")
    return claim, lambda: raw(
        "UPDATE annotations_attribution SET source_id = %s, sourcing = 'anonymous' WHERE id = %s", [official.pk, attribution.pk]
    )


def break_confirmed_names_evidence(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    add_attribution(claim, kremlin())
    elsewhere = confirmed_on_record(make_article(body=STORY))
    others = elsewhere.evidence.get()

    def write():
        if orm:
            ClaimStatusChange.objects.bulk_create([ClaimStatusChange(
                claim=claim, from_status="unverified", to_status="confirmed", reason="x", evidence=others
            )])
            Claim.objects.filter(pk=claim.pk).update(status="confirmed")
        else:
            raw("INSERT INTO annotations_claimstatuschange (claim_id, from_status, to_status, reason, evidence_id, changed_at)"
                " VALUES (%s, 'unverified', 'confirmed', 'x', %s, now())", [claim.pk, others.pk])
            raw("UPDATE annotations_claim SET status = 'confirmed' WHERE id = %s", [claim.pk])

    return claim, write


def break_reported_attributed(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY))
    claim.change_status(Claim.Status.REPORTED, by=None, reason="Yonhap reports it")
    if orm:
        return claim, lambda: Attribution.objects.filter(claim=claim).delete()
    return claim, lambda: raw("DELETE FROM annotations_attribution WHERE claim_id = %s", [claim.pk])


def break_status_recorded(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    add_attribution(claim, kremlin())
    if orm:
        return claim, lambda: Claim.objects.filter(pk=claim.pk).update(status="confirmed")
    return claim, lambda: raw("UPDATE annotations_claim SET status = 'reported' WHERE id = %s", [claim.pk])


def break_quote_evidence(story, orm: bool):
    claim = confirmed_on_record(story, evidence="quote")
    other = make_claim(make_article(body=STORY), "Kim Jong Un will meet Putin")
    foreign = add_attribution(other, kremlin())
    proof = claim.evidence.get()
    if orm:
        return claim, lambda: Evidence.objects.filter(pk=proof.pk).update(attribution=foreign)
    return claim, lambda: raw("UPDATE annotations_evidence SET attribution_id = %s WHERE id = %s", [foreign.pk, proof.pk])


def break_article_evidence(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.ARTICLE, article=make_article())
    if orm:
        return claim, lambda: Evidence.objects.filter(pk=proof.pk).update(article=story)
    return claim, lambda: raw("UPDATE annotations_evidence SET article_id = %s WHERE id = %s", [story.pk, proof.pk])


def break_claim_evidence(story, orm: bool):
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    elsewhere = make_claim(make_article(body=STORY), "Kim Jong Un will meet Putin")
    same_story = make_claim(story, "Kim Jong Un's train left Pyongyang")
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.CLAIM, other_claim=elsewhere)
    if orm:
        return claim, lambda: Evidence.objects.filter(pk=proof.pk).update(other_claim=same_story)
    return claim, lambda: raw("UPDATE annotations_evidence SET other_claim_id = %s WHERE id = %s", [same_story.pk, proof.pk])


def break_quote_span(story, orm: bool):
    claim = confirmed_on_record(story, evidence="quote")
    proof = claim.evidence.get()
    words = "Kim Jong Un will meet Putin"
    Evidence.objects.filter(pk=proof.pk).update(start=STORY.index(words), end=STORY.index(words) + len(words), exact=words)
    if orm:
        return claim, lambda: Evidence.objects.filter(pk=proof.pk).update(exact="Kim Jong Un will not meet Putin")
    return claim, lambda: raw('UPDATE annotations_evidence SET "end" = %s WHERE id = %s', [len(STORY) + 5, proof.pk])


def break_spans_follow_body(story, orm: bool):
    """A story's text changed past its versions (issue 19): its claim would stand on other words."""
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    if orm:
        return claim, lambda: Article.objects.filter(pk=story.pk).update(body="Breaking: " + STORY)
    return claim, lambda: raw("UPDATE articles_article SET body = 'Breaking: ' || body WHERE id = %s", [story.pk])


def corrected_story(story):
    """The story with a claim, corrected once: two versions, the second current."""
    from annotations.corrections import correct

    claim = make_claim(story, "Kim Jong Un will meet Putin")
    correct(story, body=STORY + " More.", note="More")
    return claim


def break_body_is_current_version(story, orm: bool):
    """The text changed past its versions, every span still on its words: the current version
    would no longer be the story's text."""
    claim = corrected_story(story)
    if orm:
        return claim, lambda: Article.objects.filter(pk=story.pk).update(body=STORY + " More. And more.")
    return claim, lambda: raw("UPDATE articles_article SET text_version = 1 WHERE id = %s", [story.pk])


def break_version_text_kept(story, orm: bool):
    claim = corrected_story(story)
    from articles.models import ArticleVersion

    first = ArticleVersion.objects.filter(article=story, number=1)
    if orm:
        return claim, lambda: first.update(body="Rewritten history.")
    return claim, lambda: raw("UPDATE articles_articleversion SET title = 'Rewritten' WHERE article_id = %s AND number = 1",
                              [story.pk])


BREAKERS = {
    "body_is_current_version": break_body_is_current_version,
    "version_text_kept": break_version_text_kept,
    "spans_follow_body": break_spans_follow_body,
    "claim_quote_span_in_story": break_quote_span,
    "claim_claim_evidence_elsewhere": break_claim_evidence,
    "claim_unnamed_source_on_record": break_unnamed_on_record,
    "claim_confirmed_on_record": break_confirmed_on_record,
    "claim_confirmed_names_evidence": break_confirmed_names_evidence,
    "claim_reported_attributed": break_reported_attributed,
    "claim_status_recorded": break_status_recorded,
    "claim_quote_evidence_on_record": break_quote_evidence,
    "claim_article_evidence_elsewhere": break_article_evidence,
}


def test_every_rule_has_a_test_that_breaks_it():
    assert set(BREAKERS) == set(CLAIM_RULES)


@pytest.mark.parametrize("path", ["update()", "raw SQL"])
@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_each_rule_refuses_update_and_raw_sql_with_its_own_name_and_words_and_keeps_the_database(story, rule, path):
    claim, write = BREAKERS[rule](story, orm=path == "update()")
    before = state(claim)
    error = refused(write)
    assert error.__cause__.sqlstate == "23514"
    assert error.__cause__.diag.constraint_name == rule
    message = rule_refusal(error)
    assert message and message.split(" ")[-3:] == rule_message(rule, "x").split(" ")[-3:]
    assert state(claim) == before


@pytest.mark.django_db(transaction=True)
def test_a_rule_broken_by_raw_sql_is_refused_when_the_transaction_commits(story):
    """No check_rules_now() here: the deferred trigger itself fires at COMMIT."""
    claim, write = break_status_recorded(story, orm=False)
    with pytest.raises(IntegrityError, match="history last recorded"):
        with transaction.atomic():
            write()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.UNVERIFIED


# --- Finding 1: the four paths that broke the rules --------------------------------------------------


def test_undoing_an_attribution_change_cannot_leave_a_confirmed_claim_on_an_anonymous_speaker(editor_client, story):
    """Finding 1a: the undo used to check the rules only when a status changed."""
    claim = make_claim(story, "Kim Jong Un will meet Putin")
    official = unnamed()
    attribution = add_attribution(claim, official, sourcing=Attribution.Sourcing.ANONYMOUS)
    Attribution.objects.filter(pk=attribution.pk).update(source=kremlin(), sourcing="on_record")  # the editor names it
    evidence = Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://kremlin.example/statement")
    claim.change_status(Claim.Status.CONFIRMED, by=None, reason="On the record", evidence=evidence)
    before = state(claim)
    event = attribution.events.filter(pgh_label="update").latest("pgh_id")

    response = editor_client.post(reverse("desk:history-undo", args=[story.pk, "attribution", event.pgh_id]))

    assert response.status_code == 422
    assert rule_message("claim_confirmed_on_record")[:60] in response.content.decode().replace("&#x27;", "'")
    assert state(claim) == before


def test_an_imported_claim_citing_an_unnamed_source_on_the_record_is_reported_and_not_stored(tmp_path, db):
    """Finding 1b: the importer wrote claims its own way, past the rules."""
    record = {
        "url": "https://example.org/train", "title": "Train leaves", "body": STORY, "language": "en",
        "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"},
        "claims": [{"start": 0, "end": 34, "exact": STORY[:34], "chain": [{
            "source": {"name": "an unnamed official", "kind": "anonymous", "country": "KR"},
            "role": "speaker", "sourcing": "on_record",
        }]}],
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(record) + "\n")
    errors = []
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), "--quiet", stderr=Collector(errors))
    assert "an unnamed official is an unnamed source, so it cannot be cited on the record" in "".join(errors)
    assert "line 1" in "".join(errors)
    assert not Claim.objects.exists() and not Attribution.objects.exists()


class Collector:
    def __init__(self, into: list):
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        pass


def test_the_admin_refuses_to_make_an_on_record_speaker_of_a_confirmed_claim_anonymous(maintainer_client, story):
    """Finding 1c: the admin saved a Source's kind without looking at the claims citing it."""
    claim = confirmed_on_record(story)
    source = claim.attributions.get().source
    before = state(claim)
    url = reverse("admin:articles_source_change", args=[source.pk])
    data = form_values(maintainer_client.get(url).content.decode(), "source_form")
    data["kind"] = Source.Kind.ANONYMOUS

    response = maintainer_client.post(url, data)

    assert response.status_code == 200, "the form comes back with the error, not a redirect"
    page = response.content.decode().replace("&#x27;", "'")
    assert "Kremlin is an unnamed source, so it cannot be cited on the record." in page
    assert Source.objects.get(pk=source.pk).kind == Source.Kind.GOVERNMENT
    assert state(claim) == before


@pytest.mark.parametrize("chain", [
    [],
    [("via", "anonymous", Source.Kind.ANONYMOUS)],
    [("document", "anonymous", Source.Kind.ANONYMOUS)],
    [("speaker", "anonymous", Source.Kind.ANONYMOUS), ("via", "on_record", Source.Kind.NEWS_AGENCY)],
    [("via", "on_record", Source.Kind.NEWS_AGENCY)],
])
def test_a_bare_web_address_never_confirms_a_claim_without_a_named_on_record_speaker_or_document(editor, story, chain):
    """Finding 1d: with no speaker at all, "every speaker is anonymous" read as false."""
    attributions = [AttributionSpec(make_source(kind=kind), role, sourcing) for role, sourcing, kind in chain]
    with pytest.raises(ValidationError) as raised:
        Claim.record(
            story, start=0, end=34, exact=STORY[:34], chain=attributions, status=Claim.Status.CONFIRMED,
            evidence=EvidenceSpec("url", url="https://example.org/report"), by=editor,
        )
    assert rule_message("claim_confirmed_on_record") in raised.value.messages
    assert not Claim.objects.exists()
    # Nor once recorded, through change_status() or past it.
    claim = Claim.record(story, start=0, end=34, exact=STORY[:34], chain=attributions, by=editor)
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://example.org/report")
    with pytest.raises(ValidationError, match="cannot be confirmed"):
        claim.change_status(Claim.Status.CONFIRMED, by=editor, reason="Sure", evidence=proof)

    def past_the_model():
        ClaimStatusChange.objects.bulk_create([ClaimStatusChange(
            claim=claim, from_status="unverified", to_status="confirmed", reason="Sure", evidence=proof
        )])
        Claim.objects.filter(pk=claim.pk).update(status="confirmed")

    assert refused(past_the_model).__cause__.diag.constraint_name == "claim_confirmed_on_record"


def test_another_storys_confirmation_confirms_a_claim_whose_speaker_is_anonymous(editor, story):
    """Independent verification elsewhere is the other way to confirm."""
    elsewhere = make_article(title="Kremlin confirms", body=STORY)
    claim = Claim.record(
        story, start=0, end=34, exact=STORY[:34], chain=[AttributionSpec(unnamed(), "speaker", "anonymous")],
        status=Claim.Status.CONFIRMED, evidence=EvidenceSpec("article", article=elsewhere), by=editor,
    )
    check_rules_now()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.CONFIRMED


@pytest.mark.parametrize("which", ["a claim of the same story", "an unconfirmed claim elsewhere"])
def test_a_claim_confirms_another_only_from_another_story_and_only_once_confirmed_itself(editor, story, which):
    """Red team: any claim, even one of the same story resting on the same unnamed official,
    passed as independent verification."""
    other_story = story if which == "a claim of the same story" else make_article(body=STORY)
    other = make_claim(other_story, "Kim Jong Un's train left Pyongyang" if other_story == story else "Kim Jong Un will meet Putin")
    chain = [AttributionSpec(unnamed(), "speaker", "anonymous")]
    with pytest.raises(ValidationError):
        Claim.record(story, start=49, end=76, exact=STORY[49:76], chain=chain, status=Claim.Status.CONFIRMED,
                     evidence=EvidenceSpec("claim", claim=other), by=editor)
    claim = Claim.record(story, start=49, end=76, exact=STORY[49:76], chain=chain, by=editor)
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.CLAIM, other_claim=other) if other_story != story else None

    def past_the_model():
        evidence = proof or Evidence.objects.create(claim=claim, kind=Evidence.Kind.CLAIM, other_claim=other)
        ClaimStatusChange.objects.bulk_create([ClaimStatusChange(
            claim=claim, from_status="unverified", to_status="confirmed", reason="Sure", evidence=evidence
        )])
        Claim.objects.filter(pk=claim.pk).update(status="confirmed")

    expected = "claim_claim_evidence_elsewhere" if other_story == story else "claim_confirmed_on_record"
    assert refused(past_the_model).__cause__.diag.constraint_name == expected


def test_a_confirmed_claim_of_another_story_confirms_a_claim_resting_on_an_unnamed_official(editor, story):
    other = confirmed_on_record(make_article(title="Kremlin confirms", body=STORY))
    claim = Claim.record(
        story, start=49, end=76, exact=STORY[49:76], chain=[AttributionSpec(unnamed(), "speaker", "anonymous")],
        status=Claim.Status.CONFIRMED, evidence=EvidenceSpec("claim", claim=other), by=editor,
    )
    check_rules_now()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.CONFIRMED


def test_status_changes_given_out_of_order_are_refused(editor, story):
    """Red team: an import's history dated backwards showed a status its claim did not have."""
    from datetime import datetime, timezone

    from annotations.models import StatusStep

    chain = [AttributionSpec(make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), "speaker", "on_record")]
    steps = [StatusStep("reported", "Yonhap", at=datetime(2023, 5, 1, tzinfo=timezone.utc)),
             StatusStep("disputed", "Denied", at=datetime(2020, 1, 1, tzinfo=timezone.utc))]
    with pytest.raises(ValidationError, match="order they happened"):
        Claim.record(story, start=0, end=34, exact=STORY[:34], chain=chain, history=steps, by=editor)
    assert not Claim.objects.exists()


# --- Finding 2: undo back to confirmed ---------------------------------------------------------------


def test_undoing_a_status_change_back_to_confirmed_rests_on_the_earlier_evidence(editor_client, story, editor):
    """Finding 2: the undo wrote a confirmation without evidence and answered 500."""
    claim = confirmed_on_record(story, evidence="quote")
    evidence = claim.evidence.get()
    claim.change_status(Claim.Status.DISPUTED, by=editor, reason="The ministry denies it")
    event = claim.events.filter(pgh_label="update", status="disputed").latest("pgh_id")

    response = confirmed(editor_client, reverse("desk:history-undo", args=[story.pk, "claim", event.pgh_id]))

    assert response.status_code == 200, response.content.decode()[:500]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CONFIRMED
    last = claim.history.latest("id")
    assert (last.from_status, last.to_status, last.evidence, last.changed_by) == ("disputed", "confirmed", evidence, editor)


# --- One rule, every path ---------------------------------------------------------------------------


def anonymous_claim(story) -> Claim:
    claim = make_claim(story, "Kim Jong Un's train left Pyongyang")
    add_attribution(claim, unnamed(), sourcing=Attribution.Sourcing.ANONYMOUS)
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    claim.change_status(Claim.Status.REPORTED, by=None, reason="Yonhap reports it")
    return claim


CONFIRM = rule_message("claim_confirmed_on_record")


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def test_confirming_an_anonymous_claim_is_refused_alike_in_the_desk(editor_client, story):
    claim = anonymous_claim(story)
    before = state(claim)
    response = editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "confirmed", "reason": "Sure", "evidence": "url", "evidence_url": "https://example.org/r",
         "version": claim.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and CONFIRM in page_text(response)
    assert state(claim) == before and not claim.evidence.exists()


def test_confirming_an_anonymous_claim_is_refused_alike_in_the_admin(maintainer_client, story):
    claim = anonymous_claim(story)
    before = state(claim)
    response = maintainer_client.post(
        reverse("admin:annotations_claim_status", args=[claim.pk]),
        {"status": "confirmed", "reason": "Sure", "evidence": "url", "evidence_url": "https://example.org/r",
         "version": claim.version},
    )
    assert response.status_code == 200 and CONFIRM in page_text(response)
    assert state(claim) == before and not claim.evidence.exists()


def test_making_the_speaker_of_a_confirmed_claim_anonymous_is_refused_alike_in_the_admins_attribution_form(
    maintainer_client, story
):
    claim = confirmed_on_record(story)
    attribution = claim.attributions.get()
    before = state(claim)
    url = reverse("admin:annotations_attribution_change", args=[attribution.pk])
    data = form_values(maintainer_client.get(url).content.decode(), "attribution_form")
    data["sourcing"] = "anonymous"
    response = maintainer_client.post(url, data)
    assert response.status_code == 200 and CONFIRM in page_text(response)
    assert state(claim) == before


def test_confirming_an_anonymous_claim_is_refused_alike_by_undo(editor, story):
    claim = anonymous_claim(story)
    official = claim.attributions.get(position=0)
    Attribution.objects.filter(pk=official.pk).update(source=kremlin(), sourcing="on_record")
    proof = Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://example.org/r")
    claim.change_status(Claim.Status.CONFIRMED, by=editor, reason="Named now", evidence=proof)
    before = state(claim)
    event = official.events.filter(pgh_label="update").latest("pgh_id")
    with pytest.raises(CannotUndo, match="cannot be confirmed"):
        undo(story, "attribution", event.pgh_id, user=editor)
    assert state(claim) == before


def test_a_restore_that_would_cite_a_source_now_unnamed_on_the_record_is_refused(editor_client, story, editor):
    claim = confirmed_on_record(story)
    source = claim.attributions.get().source
    claim_id = claim.pk
    claim.delete()
    Source.objects.filter(pk=source.pk).update(kind=Source.Kind.ANONYMOUS)  # no claim cites it now
    event = apps.get_model("annotations", "ClaimEvent").objects.filter(pgh_obj_id=claim_id, pgh_label="delete").get()

    response = editor_client.post(reverse("desk:history-undo", args=[story.pk, "claim", event.pgh_id]))

    assert response.status_code == 422
    assert "is an unnamed source, so it cannot be cited on the record" in page_text(response)
    assert not Claim.objects.filter(pk=claim_id).exists() and not Attribution.objects.filter(claim_id=claim_id).exists()


def test_confirming_an_anonymous_claim_is_refused_alike_by_an_import(tmp_path, db):
    record = {
        "url": "https://example.org/train", "title": "Train leaves", "body": STORY, "language": "en",
        "publisher": {"name": "Kabar Timur", "kind": "publication", "country": "ID"},
        "claims": [{
            "start": 0, "end": 34, "exact": STORY[:34],
            "chain": [{"source": {"name": "an unnamed official", "kind": "anonymous"}, "role": "speaker",
                       "sourcing": "anonymous"}],
            "evidence": [{"kind": "url", "url": "https://example.org/report"}],
            "history": [{"from": "unverified", "to": "confirmed", "reason": "Sure", "evidence": 0}],
        }],
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(record) + "\n")
    errors = []
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), "--quiet", stderr=Collector(errors))
    assert CONFIRM in "".join(errors)
    assert not Claim.objects.exists()


# --- A refusal always says why -------------------------------------------------------------------------


def claim_form_data(story, **fields) -> dict:
    text = "Kim Jong Un will meet Putin"
    start = story.body.index(text)
    data = {
        "start": start, "end": start + len(text), "exact": text, "statement": "", "status": "reported",
        "evidence": "", "evidence_url": "", "note": "",
        "chain-TOTAL_FORMS": 1, "chain-INITIAL_FORMS": 0, "chain-MIN_NUM_FORMS": 0, "chain-MAX_NUM_FORMS": 6,
        "chain-0-source": "", "chain-0-source_query": "Kremlin", "chain-0-new_source_kind": "government",
        "chain-0-new_source_country": "RU", "chain-0-role": "speaker", "chain-0-sourcing": "on_record",
    }
    return data | fields


@pytest.mark.parametrize("fields, says", [
    ({"evidence": "quote:abc"}, "Evidence: Select a valid choice."),
    ({"status": "maybe"}, "Status: Select a valid choice."),
    ({"chain-0-role": "boss"}, "Role: Select a valid choice."),
    ({"chain-0-source": "99999"}, "Select a valid choice."),
    ({"chain-TOTAL_FORMS": "1000"}, "Please submit at most 6 forms."),
])
def test_a_claim_form_refused_for_a_value_it_never_offers_says_which_and_why(editor_client, story, fields, says):
    """Red team: these came back 422 with an empty error box."""
    response = editor_client.post(
        reverse("desk:claim-create", args=[story.pk]), claim_form_data(story, **fields), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert says in page_text(response)
    assert not Claim.objects.exists()


def test_a_status_change_naming_another_claims_attribution_as_evidence_says_why(editor_client, story):
    claim = anonymous_claim(story)
    foreign = add_attribution(make_claim(make_article(body=STORY), "Kim Jong Un will meet Putin"), kremlin())
    response = editor_client.post(
        reverse("desk:claim-status-update", args=[claim.pk]),
        {"status": "confirmed", "reason": "Sure", "evidence": f"attribution:{foreign.pk}", "version": claim.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Evidence: Select a valid choice." in page_text(response)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.REPORTED
