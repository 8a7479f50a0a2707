import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from annotations.models import Attribution, Claim, ClaimStatusChange, Evidence, check_rules_now
from annotations.tests.makers import add_attribution, make_claim, quote_evidence
from articles.models import Source
from articles.tests.makers import make_article, make_source


def anonymous_official() -> Source:
    return make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS, country="KR")


def test_claim_whose_every_speaker_is_anonymous_cannot_be_confirmed(db, editor):
    claim = make_claim()
    add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ANONYMOUS)
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    evidence = Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="https://example.org/report")
    with pytest.raises(ValidationError, match="every speaker is anonymous"):
        claim.change_status(Claim.Status.CONFIRMED, by=editor, reason="Sure of it", evidence=evidence)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.UNVERIFIED
    assert not claim.history.exists()


def test_anonymous_claim_can_be_reported(db, editor):
    claim = make_claim()
    add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ANONYMOUS)
    claim.change_status(Claim.Status.REPORTED, by=editor, reason="Yonhap reports it")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REPORTED


def test_confirmed_claim_names_its_evidence(db, editor):
    claim = make_claim()
    add_attribution(claim)
    with pytest.raises(ValidationError, match="evidence"):
        claim.change_status(Claim.Status.CONFIRMED, by=editor, reason="On the record")
    with pytest.raises(IntegrityError, match="status_change_confirmed_has_evidence"):
        with transaction.atomic():
            ClaimStatusChange.objects.create(claim=claim, from_status="unverified", to_status="confirmed", reason="x")


def test_on_record_confirmation_is_recorded_in_the_history(db, editor):
    claim = make_claim()
    attribution = add_attribution(claim)
    evidence = quote_evidence(attribution)
    change = claim.change_status(Claim.Status.CONFIRMED, by=editor, reason="The Kremlin said so on the record", evidence=evidence)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.CONFIRMED
    assert claim.version == 2
    assert (change.from_status, change.to_status, change.changed_by, change.evidence) == (
        "unverified", "confirmed", editor, evidence,
    )
    assert change.reason == "The Kremlin said so on the record"


def test_status_history_keeps_every_change(db, editor, maintainer):
    claim = make_claim()
    add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ANONYMOUS)
    claim.change_status(Claim.Status.REPORTED, by=editor, reason="Monday: reported")
    other = make_article()
    evidence = Evidence.objects.create(claim=claim, kind=Evidence.Kind.ARTICLE, article=other)
    claim.change_status(Claim.Status.DENIED, by=maintainer, reason="Wednesday: denied", evidence=evidence)
    history = list(claim.history.values_list("from_status", "to_status", "changed_by__username"))
    assert history == [("unverified", "reported", "edna"), ("reported", "denied", "max")]


def test_status_cannot_be_changed_by_saving_the_row(db):
    claim = make_claim()
    add_attribution(claim)
    claim = Claim.objects.get(pk=claim.pk)
    claim.status = Claim.Status.REPORTED
    with pytest.raises(ValidationError, match="change_status"):
        claim.save()


def test_new_claim_starts_unverified(db):
    article = make_article()
    text = "Kim Jong Un travelled to Russia"
    with pytest.raises(ValidationError, match="starts unverified"):
        Claim.objects.create(article=article, start=0, end=len(text), exact=text, status=Claim.Status.CONFIRMED)


def test_reported_claim_needs_an_attribution(db, editor):
    claim = make_claim()
    with pytest.raises(ValidationError, match="at least one attribution"):
        claim.change_status(Claim.Status.REPORTED, by=editor, reason="Heard it")


def test_status_change_needs_a_reason(db, editor):
    claim = make_claim()
    add_attribution(claim)
    with pytest.raises(ValidationError, match="why"):
        claim.change_status(Claim.Status.REPORTED, by=editor, reason="  ")


def test_unnamed_source_cannot_be_cited_on_the_record(db, editor):
    claim = make_claim()
    with pytest.raises(IntegrityError, match="unnamed source"), transaction.atomic():
        add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ON_RECORD)
        with pytest.raises(ValidationError, match="unnamed source"):
            claim.check_rules()
        check_rules_now()
    assert not claim.attributions.exists()


def test_evidence_names_exactly_one_thing(db):
    claim = make_claim()
    with pytest.raises(IntegrityError, match="evidence_names_one_thing"):
        with transaction.atomic():
            Evidence.objects.create(claim=claim, kind=Evidence.Kind.URL, url="")
    with pytest.raises(IntegrityError, match="evidence_names_one_thing"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO annotations_evidence (claim_id, kind, url, note, created_at, article_id) "
                "VALUES (%s, 'url', 'https://example.org', '', now(), %s)",
                [claim.pk, claim.article_id],
            )


def test_chain_reads_in_words_from_the_outermost_source(db):
    claim = make_claim()
    add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ANONYMOUS)
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    assert claim.chain_in_words() == "according to Yonhap, citing an unnamed official"


def test_independent_speakers_read_as_separate_strands(db):
    claim = make_claim()
    add_attribution(claim, anonymous_official(), sourcing=Attribution.Sourcing.ANONYMOUS)
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    assert claim.chain_in_words() == "according to Yonhap, citing an unnamed official; according to Kremlin"


def test_a_long_statement_in_korean_is_recorded_and_recorded_once(db, editor):
    """Red team: a statement over about 2,700 bytes broke the unique index of statements."""
    import random

    rng = random.Random(3)
    statement = "".join(chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(2000))  # 6,000 bytes, hardly compressible
    article = make_article()
    text = "Kim Jong Un travelled to Russia"
    start = article.body.index(text)
    first = Claim.record(article, start=start, end=start + len(text), exact=text, statement=statement, by=editor)
    again = Claim.record(article, start=start, end=start + len(text), exact=text, statement=statement, by=editor)
    assert again.pk == first.pk and Claim.objects.get().statement == statement
