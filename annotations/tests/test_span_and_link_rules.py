import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from annotations.models import Attribution, EntityAlias, Mention, StoryLink
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention
from articles.tests.makers import make_article, make_source, run_sql


def test_mention_span_must_match_the_body(db):
    article = make_article(body="Kim Jong Un met Vladimir Putin.")
    with pytest.raises(ValidationError, match="offsets do not match"):
        Mention.objects.create(article=article, entity=make_entity(), start=0, end=11, exact="Kim Jong Il")
    assert not Mention.objects.exists()


def test_span_past_the_end_of_the_body_is_refused_with_its_length(db):
    article = make_article(body="Short.")
    with pytest.raises(ValidationError, match="6 characters long"):
        Mention.objects.create(article=article, entity=make_entity(), start=2, end=60, exact="ort.")


def test_span_offsets_count_code_points_not_utf16_units(db):
    # 👍🏽 is two code points (four UTF-16 units), 🇰🇷 two more, and the decomposed é becomes one.
    article = make_article(body="👍🏽 🇰🇷 Cafe\u0301 김정은 위원장")
    body = article.body
    start = body.index("김정은")
    assert start == 11
    mention = Mention.objects.create(article=article, entity=make_entity(), start=start, end=start + 3, exact="김정은")
    assert mention.prefix == "👍🏽 🇰🇷 Café "
    assert mention.suffix == " 위원장"


@pytest.mark.parametrize("start, end", [(5, 5), (7, 3)])
def test_database_refuses_empty_or_backwards_spans(db, start, end):
    mention = make_mention()
    with pytest.raises(IntegrityError, match="span_order"):
        run_sql("UPDATE annotations_mention SET start = %s, \"end\" = %s WHERE id = %s", [start, end, mention.pk])
    with pytest.raises(IntegrityError, match="span_order"):
        with transaction.atomic():
            Mention.objects.filter(pk=mention.pk).update(start=start, end=end)
    claim = make_claim()
    with pytest.raises(IntegrityError, match="span_order"):
        run_sql("UPDATE annotations_claim SET start = %s, \"end\" = %s WHERE id = %s", [start, end, claim.pk])


def test_database_refuses_negative_offsets(db):
    mention = make_mention()
    with pytest.raises(IntegrityError):
        run_sql("UPDATE annotations_mention SET start = -1 WHERE id = %s", [mention.pk])


def test_attribution_cue_span_is_optional_but_ordered(db):
    claim = make_claim()
    attribution = add_attribution(claim)
    with pytest.raises(IntegrityError, match="attribution_cue_span_order"):
        run_sql("UPDATE annotations_attribution SET start = 9, \"end\" = 2, exact = 'x' WHERE id = %s", [attribution.pk])
    cue = "the Kremlin said"
    start = claim.article.body.index(cue)
    attribution.start, attribution.end, attribution.exact = start, start + len(cue), cue
    attribution.save()
    attribution.exact = "the Kremlin denied"
    with pytest.raises(ValidationError, match="offsets do not match"):
        attribution.save()


def test_claim_status_kind_and_role_come_from_fixed_sets(db):
    claim = make_claim()
    attribution = add_attribution(claim)
    with pytest.raises(IntegrityError, match="claim_status_valid"):
        run_sql("UPDATE annotations_claim SET status = 'probable' WHERE id = %s", [claim.pk])
    with pytest.raises(IntegrityError, match="attribution_role_valid"):
        run_sql("UPDATE annotations_attribution SET role = 'rumour' WHERE id = %s", [attribution.pk])
    with pytest.raises(IntegrityError, match="attribution_sourcing_valid"):
        run_sql("UPDATE annotations_attribution SET sourcing = 'leaked' WHERE id = %s", [attribution.pk])
    entity = make_entity()
    with pytest.raises(IntegrityError, match="entity_kind_valid"):
        run_sql("UPDATE annotations_entity SET kind = 'animal' WHERE id = %s", [entity.pk])
    with pytest.raises(IntegrityError, match="entity_wikidata_id_form"):
        run_sql("UPDATE annotations_entity SET wikidata_id = 'P31' WHERE id = %s", [entity.pk])


def test_a6_a_story_cannot_link_to_itself(db):
    article = make_article()
    with pytest.raises(IntegrityError, match="story_link_not_to_itself"):
        with transaction.atomic():
            StoryLink.objects.create(from_article=article, to_article=article, kind=StoryLink.Kind.SAME_EVENT)
    link = StoryLink(from_article=article, to_article=article, kind=StoryLink.Kind.SAME_EVENT)
    with pytest.raises(ValidationError, match="itself"):
        link.full_clean()


def test_a6_a_duplicate_link_is_refused_either_way_round(db):
    a, b = make_article(), make_article()
    StoryLink.objects.create(from_article=a, to_article=b, kind=StoryLink.Kind.SAME_EVENT)
    with pytest.raises(IntegrityError, match="story_link_unique_pair"):
        with transaction.atomic():
            StoryLink.objects.create(from_article=a, to_article=b, kind=StoryLink.Kind.SAME_EVENT)
    with pytest.raises(IntegrityError, match="story_link_unique_pair"):
        run_sql(
            "INSERT INTO annotations_storylink (from_article_id, to_article_id, kind, note, created_at) "
            "VALUES (%s, %s, 'same_event', '', now())",
            [b.pk, a.pk],
        )
    StoryLink.objects.create(from_article=b, to_article=a, kind=StoryLink.Kind.FOLLOW_UP)
    assert StoryLink.objects.count() == 2


def test_link_kind_comes_from_the_fixed_set(db):
    a, b = make_article(), make_article()
    with pytest.raises(IntegrityError, match="story_link_kind_valid"):
        with transaction.atomic():
            StoryLink.objects.bulk_create([StoryLink(from_article=a, to_article=b, kind="inspired_by")])


def test_alias_is_unique_per_entity_ignoring_case(db):
    entity = make_entity(name="Kim Jong Un")
    EntityAlias.objects.create(entity=entity, name="김정은", language="ko")
    EntityAlias.objects.create(entity=entity, name="Kim Jong-un")
    with pytest.raises(IntegrityError, match="alias_unique_per_entity"):
        with transaction.atomic():
            EntityAlias.objects.create(entity=entity, name="KIM JONG-UN")
    other = make_entity(name="Someone else")
    EntityAlias.objects.create(entity=other, name="김정은")


def test_chain_positions_are_unique_per_claim(db):
    claim = make_claim()
    add_attribution(claim, position=0)
    with pytest.raises(IntegrityError, match="attribution_unique_position"):
        with transaction.atomic():
            Attribution.objects.create(
                claim=claim, position=0, source=make_source(), role=Attribution.Role.VIA,
                sourcing=Attribution.Sourcing.ON_RECORD,
            )
            # The constraint is deferred so that a chain can be renumbered inside one transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.parametrize(
    "body, start, end",
    [
        ("👍🏽 ok", 1, 4),  # between the thumb and its skin tone
        ("🇰🇷 ok", 1, 4),  # between the two letters of a flag
        ("👨‍👩‍👧 family", 2, 8),  # inside a ZWJ sequence
        ("q\u0307 text", 1, 3),  # between a letter and its combining dot (no precomposed form)
    ],
)
def test_a_span_may_not_cut_a_character_in_two(db, body, start, end):
    article = make_article(body=body)
    with pytest.raises(ValidationError, match="cuts a character in two"):
        Mention.objects.create(article=article, entity=make_entity(), start=start, end=end, exact=article.body[start:end])


def test_utf16_offsets_sent_unconverted_are_refused(db):
    """What a client that forgot to convert would send: UTF-16 code units, not code points."""
    article = make_article(body="🙂 김정은 met 👍🏽 officials")
    text = "met"
    utf16_start = len(article.body[: article.body.index(text)].encode("utf-16-le")) // 2
    with pytest.raises(ValidationError):
        Mention.objects.create(
            article=article, entity=make_entity(), start=utf16_start, end=utf16_start + 3, exact=text
        )
    start = article.body.index(text)  # code points: what the desk's script sends
    mention = Mention.objects.create(article=article, entity=make_entity(), start=start, end=start + 3, exact=text)
    assert (mention.start, mention.end) == (6, 9)


def test_a_story_link_shows_the_other_story_from_either_end(db):
    a, b, c = make_article(), make_article(), make_article()
    StoryLink.objects.create(from_article=a, to_article=b, kind=StoryLink.Kind.SAME_EVENT)
    StoryLink.objects.create(from_article=c, to_article=a, kind=StoryLink.Kind.FOLLOW_UP)
    assert [other for _, other in StoryLink.objects.order_by("kind").with_other_ends(a)] == [c, b]
    assert [other for _, other in StoryLink.objects.with_other_ends(b)] == [a]
