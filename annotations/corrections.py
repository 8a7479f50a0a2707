"""Corrections: a story's text changes as a new version, and every span anchored in it follows.

A story's `body` is always its current version's. A correction in the desk makes a new version
current at once; an import that finds a story changed upstream stores the new text as a
*pending* version, which an editor accepts (or its publisher's `accepts_upstream_versions`
accepts it at once). Making a version current carries every span of the old text over to the
new (articles.reanchoring): mentions, claim appearances, attribution cues, quotes.

- moved: its words unchanged, found where the difference maps them: moved silently;
- review: placed at the best candidate, hidden from the public until an editor confirms it;
- orphaned: not found; kept with the words and offsets of the version they were in.

Each span sent to review or orphaned gets an AnchorReview, the desk's review queue. A claim is
hidden from the public while any part of it waits (its own span, a cue, a quote), and while a
quote that confirmed it is orphaned. Everything happens in one transaction with the body's
change, and the database refuses at commit a body whose spans no longer stand on their words
(migration 0020, spans_follow_body), whatever path changed it.
"""

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext

from annotations.models import (
    CONTEXT_LENGTH, AnchorReview, AnchorState, Attribution, Claim, ClaimStatus, Entity, Evidence, EvidenceKind, Mention,
    RejectedSuggestion, check_span, rules_checked,
)
from articles.models import Article, ArticleVersion, body_hash
from articles.reanchoring import Outcome, Span, reanchor
from articles.text import to_name, to_nfc
from newsdesk.languages import number

# Staging offset for a span whose new place is, for the moment, another moving span's old one.
STAGING = 2**30


@dataclass
class Carried:
    """What making a version current did to the story's spans."""

    moved: int = 0
    review: int = 0
    orphaned: int = 0

    def summary(self) -> str:
        return gettext("%(moved)s moved with their words, %(review)s to review, %(orphaned)s orphaned") % {
            "moved": number(self.moved), "review": number(self.review), "orphaned": number(self.orphaned),
        }


def current_version(article: Article) -> ArticleVersion:
    """The story's current version; a story never corrected gets its text stored as version 1."""
    version = article.versions.filter(state=ArticleVersion.State.CURRENT).first()
    if version is None:
        version = ArticleVersion.objects.create(
            article=article, number=1, title=article.title, body=article.body, state=ArticleVersion.State.CURRENT,
            origin=ArticleVersion.Origin.ORIGINAL, created_at=article.created_at, accepted_at=article.created_at,
            was_public=article.is_published,
        )
    return version


def next_number(article: Article) -> int:
    return (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1


def locked(article: Article) -> Article:
    return Article.objects.select_for_update(of=("self",)).select_related("publisher").get(pk=article.pk)


def cleaned_text(title: str, body: str, article: Article) -> tuple[str, str]:
    title = to_name(title if title is not None else article.title)
    body = to_nfc(body).strip("\n") if body is not None else article.body
    if not title:
        raise ValidationError(gettext("A story needs a title."))
    if not body.strip():
        raise ValidationError(gettext("A story needs its text: the corrected text is empty."))
    return title, body


def correct(article: Article, *, body: str, title: str | None = None, by=None, note: str = "", public_note: str = "",
            expected_version: int | None = None) -> tuple[ArticleVersion, Carried]:
    """The desk's correction: `body` (and `title`) become the story's new current version at once.

    `expected_version` is the number of the version the editor corrected: if another correction
    came first, nothing is saved (ValidationError), as their text would be lost."""
    note, public_note = note.strip(), public_note.strip()
    with transaction.atomic():
        article = locked(article)
        # A published story's correction says why; a draft's text is still being written.
        if article.is_published and not note and not public_note:
            raise ValidationError(gettext("Say why the text changed: an internal note, a public correction note, or both."))
        old = current_version(article)
        if expected_version is not None and expected_version != old.number:
            raise ValidationError(gettext(
                "The story was corrected while you were editing it: it is now at version %(now)s, and you started "
                "from version %(yours)s. Nothing was saved. Your text is kept below: compare version %(now)s on the "
                "versions page, bring in what you need, then save again."
            ) % {"now": old.number, "yours": expected_version}, code="stale")
        title, body = cleaned_text(title, body, article)
        if body == article.body and title == article.title:
            raise ValidationError(gettext("The text is unchanged: nothing to correct."))
        new = ArticleVersion.objects.create(
            article=article, number=next_number(article), title=title, body=body, state=ArticleVersion.State.PENDING,
            origin=ArticleVersion.Origin.DESK, note=note, public_note=public_note, created_by=by,
        )
        # A pending upstream text the correction overtakes is left as it is: an editor still decides.
        return new, make_current(article, old, new, by=by)


def propose(article: Article, *, title: str, body: str) -> tuple[ArticleVersion | None, Carried | None]:
    """An import found `article` changed upstream: store the text as a pending version, or, for a
    publisher that accepts its corrections, make it current at once (then with what that carried).
    The same text pending or current already changes nothing (None)."""
    with transaction.atomic():
        article = locked(article)
        title, body = cleaned_text(title, body, article)
        if body == article.body:
            return None, None
        pending = article.versions.filter(state=ArticleVersion.State.PENDING).first()
        if pending is not None:
            if pending.body == body:
                return None, None
            # A newer upstream text replaces the one still waiting: kept, as rejected.
            pending.state = ArticleVersion.State.REJECTED
            pending.note = (pending.note + "\n" if pending.note else "") + gettext("Replaced by a newer upstream text.")
            pending.save(update_fields=["state", "note"])
        old = current_version(article)
        new = ArticleVersion.objects.create(
            article=article, number=next_number(article), title=title, body=body, state=ArticleVersion.State.PENDING,
            origin=ArticleVersion.Origin.UPSTREAM, note=gettext("Changed upstream; found by an import."),
        )
        if article.publisher.accepts_upstream_versions:
            return new, make_current(article, old, new, by=None)
        new.preview = preview(article, old, new)
        return new, None


def preview(article: Article, old: ArticleVersion, new: ArticleVersion) -> Carried:
    """What making `new` current would do to the story's spans, without doing it."""
    spans = [Span((kind, row.pk), row.start, row.end, row.exact) for kind, rows in spans_of(article).items() for row in rows]
    carried = Carried()
    for placement in reanchor(old.body, new.body, spans):
        outcome = {Outcome.MOVED: "moved", Outcome.REVIEW: "review", Outcome.ORPHANED: "orphaned"}[placement.outcome]
        setattr(carried, outcome, getattr(carried, outcome) + 1)
    return carried


def accept(version: ArticleVersion, *, by=None, public_note: str = "", note: str = "") -> Carried:
    """An editor accepts a pending upstream version: it becomes current."""
    with transaction.atomic():
        article = locked(version.article)
        version = ArticleVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ArticleVersion.State.PENDING:
            raise ValidationError(gettext("This version is no longer waiting: it was accepted or rejected meanwhile."))
        version.public_note = public_note.strip() or version.public_note
        version.note = "\n".join(filter(None, [version.note, note.strip()]))
        version.save(update_fields=["public_note", "note"])
        return make_current(article, current_version(article), version, by=by)


def reject(version: ArticleVersion, *, by=None, note: str = "") -> None:
    with transaction.atomic():
        version = ArticleVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ArticleVersion.State.PENDING:
            raise ValidationError(gettext("This version is no longer waiting: it was accepted or rejected meanwhile."))
        version.state = ArticleVersion.State.REJECTED
        version.note = "\n".join(filter(None, [version.note, note.strip()]))
        version.accepted_by, version.accepted_at = by, timezone.now()
        version.save(update_fields=["state", "note", "accepted_by", "accepted_at"])


# --- Carrying the spans over -----------------------------------------------------------------


def spans_of(article: Article) -> dict[str, list]:
    """Every span of the story still in its text (orphans stay where they are)."""
    claims = list(article.claims.in_text().only("id", "article", "start", "end", "exact", "statement", "anchor_state", "orphaned_in",
                                                "status"))
    ids = [claim.pk for claim in claims]
    return {
        "mention": list(article.mentions.in_text().only("id", "article", "entity", "start", "end", "exact", "anchor_state",
                                                        "orphaned_in")),
        "claim": claims,
        "attribution": list(
            Attribution.objects.filter(claim__in=ids, start__isnull=False).exclude(anchor_state=AnchorState.ORPHANED)
            .only("id", "claim", "start", "end", "exact", "anchor_state", "orphaned_in")
        ),
        "evidence": list(
            Evidence.objects.filter(claim__in=ids, start__isnull=False).exclude(anchor_state=AnchorState.ORPHANED)
            .only("id", "claim", "start", "end", "exact", "anchor_state", "orphaned_in", "kind")
        ),
    }


MODELS = {"mention": Mention, "claim": Claim, "attribution": Attribution, "evidence": Evidence}


def unique_key(kind: str, row, start: int, end: int):
    """The key a table's unique constraint puts on a span's place (None: no such constraint)."""
    if kind == "mention":
        return (row.entity_id, start, end)
    if kind == "claim":
        return (start, end, row.statement)
    return None


def make_current(article: Article, old: ArticleVersion, new: ArticleVersion, *, by=None) -> Carried:
    """Inside the caller's transaction, with `article` locked: carry every span from `old`'s
    text to `new`'s, record what needs review, and make `new` the story's text."""
    spans = spans_of(article)
    every = [(kind, row) for kind, rows in spans.items() for row in rows]
    placements = reanchor(old.body, new.body, [Span((kind, row.pk), row.start, row.end, row.exact) for kind, row in every])
    carried = Carried()
    now = timezone.now()
    # Reviews still open from an earlier correction are replaced by what this one found.
    open_reviews = {
        (review.kind, review.span.pk): review
        for review in article.anchor_reviews.open().select_related("mention", "claim", "attribution", "evidence")
    }
    reviews, changed = [], {kind: [] for kind in MODELS}
    taken = {kind: set() for kind in MODELS}  # unique places already given to a span that stays in the text
    was_at = {}  # each claim's place in the old text, for a review that only a later step asks for
    for (kind, row), placement in zip(every, placements):
        if kind == "claim":
            was_at[row.pk] = (row.start, row.end, row.exact)
        earlier = open_reviews.pop((kind, row.pk), None)
        # Waiting for review itself (not only as the claim of a cue or quote that waits): it
        # stays waiting wherever its words go now.
        was_in_review = earlier is not None and earlier.state == AnchorState.REVIEW
        outcome = placement.outcome
        key = unique_key(kind, row, placement.start, placement.end) if outcome != Outcome.ORPHANED else None
        if key is not None and key in taken[kind]:
            # The same annotation twice on the same words: one of them stays.
            outcome, placement = Outcome.ORPHANED, dataclasses.replace(placement, reason="duplicate")
        if key is not None and outcome != Outcome.ORPHANED:
            taken[kind].add(key)
        first_place = (earlier.old_start, earlier.old_end, earlier.old_exact, earlier.from_version) if earlier else (
            row.start, row.end, row.exact, old)
        if outcome == Outcome.ORPHANED:
            row.anchor_state, row.orphaned_in = AnchorState.ORPHANED, old
            carried.orphaned += 1
            reviews.append(review_row(article, kind, row, AnchorState.ORPHANED, placement, first_place, new))
        else:
            row.start, row.end, row.exact = placement.start, placement.end, placement.exact
            if outcome == Outcome.REVIEW or was_in_review:
                if outcome != Outcome.REVIEW:  # still waiting for what an earlier correction did to it
                    placement = dataclasses.replace(placement, reason=earlier.reason)
                row.anchor_state = AnchorState.REVIEW
                carried.review += 1
                reviews.append(review_row(article, kind, row, AnchorState.REVIEW, placement, first_place, new))
            else:
                row.anchor_state = AnchorState.PLACED
                carried.moved += 1
        if earlier is not None:
            earlier.decision, earlier.decided_at = AnchorReview.Decision.SUPERSEDED, now
            earlier.save(update_fields=["decision", "decided_at"])
        changed[kind].append(row)
    for kind, rows in changed.items():
        store_places(kind, rows, new.body)
    reviews += confirmations_losing_their_source(article, changed["mention"], changed["claim"], was_at, old, new)
    AnchorReview.objects.bulk_create(reviews)
    carry_rejections(article, old.body, new.body)

    article.title, article.body, article.text_version = new.title, new.body, new.number
    article.content_hash = body_hash(new.body)
    article._revising = True
    try:
        article.save(update_fields=["title", "body", "content_hash", "text_version", "updated_at"])
    finally:
        article._revising = False
    old.state = ArticleVersion.State.EARLIER
    # Readers have the text replaced now if the story is published (whichever way it was
    # published: the desk, the admin, an import): it stays readable as an earlier version.
    old.was_public = old.was_public or article.is_published
    old.save(update_fields=["state", "was_public"])
    new.state = ArticleVersion.State.CURRENT
    new.accepted_by, new.accepted_at = by, now
    new.was_public = new.corrects_public = article.is_published
    new.moved, new.to_review, new.orphaned = carried.moved, carried.review, carried.orphaned
    new.save(update_fields=["state", "accepted_by", "accepted_at", "was_public", "corrects_public", "moved", "to_review",
                            "orphaned"])
    settle_claims(article)
    return carried


def confirmations_losing_their_source(article: Article, mentions: list, claims: list, was_at: dict,
                                      old: ArticleVersion, new: ArticleVersion) -> list[AnchorReview]:
    """A confirmation on the record in this story whose quote marks no words (its evidence names
    only the link of the chain) has nothing a correction can follow. When the correction orphans
    a mention whose name is that link's source ("Peskov" of "Dmitry Peskov"), the story may no
    longer say who confirmed it: the claim waits for review."""
    names = set()
    orphaned_entities = {row.entity_id for row in mentions if row.anchor_state == AnchorState.ORPHANED}
    if not orphaned_entities:
        return []
    names |= {row.exact.casefold() for row in mentions if row.anchor_state == AnchorState.ORPHANED}
    names |= {name.casefold() for name in Entity.objects.filter(pk__in=orphaned_entities).values_list("name", flat=True)}
    names = {name for name in names if len(name) >= 4}
    placed = {row.pk: row for row in claims if row.anchor_state == AnchorState.PLACED}
    unmarked = Evidence.objects.filter(
        claim__in=list(placed), claim__status=ClaimStatus.CONFIRMED, kind=EvidenceKind.QUOTE, start__isnull=True,
        attribution__start__isnull=True,
    ).select_related("attribution__source")
    flagged = []
    for evidence in unmarked:
        source = evidence.attribution.source.name.casefold()
        if evidence.claim_id not in {review.claim_id for review in flagged} and any(
                name in source or source in name for name in names):
            claim = placed[evidence.claim_id]
            claim.anchor_state = AnchorState.REVIEW
            Claim.objects.filter(pk=claim.pk).update(anchor_state=AnchorState.REVIEW)
            flagged.append(AnchorReview(
                article=article, claim=claim, state=AnchorState.REVIEW, reason="source_gone", from_version=old,
                to_version=new, old_start=was_at[claim.pk][0], old_end=was_at[claim.pk][1], old_exact=was_at[claim.pk][2],
                new_start=claim.start, new_end=claim.end,
            ))
    return flagged


def carry_rejections(article: Article, old_body: str, new_body: str) -> None:
    """The suggestions an editor turned down follow their words too: moved with them, and
    forgotten where the words changed (a name corrected may be offered again), so that a
    rejection never blocks other words that come to stand at its old offsets."""
    rejected = list(article.rejected_suggestions.all())
    if not rejected:
        return
    placements = reanchor(old_body, new_body, [
        Span(row.pk, row.start, row.end, old_body[row.start:row.end]) for row in rejected if row.end <= len(old_body)
    ])
    kept = {}
    by_pk = {row.pk: row for row in rejected}
    for placement in placements:
        if placement.outcome == Outcome.MOVED:
            row = by_pk[placement.key]
            kept[(row.entity_id, placement.start, placement.end)] = RejectedSuggestion(
                article=article, entity_id=row.entity_id, start=placement.start, end=placement.end,
                rejected_by_id=row.rejected_by_id, rejected_at=row.rejected_at,
            )
    article.rejected_suggestions.all().delete()
    # bulk_create stamps each row with now (auto_now_add): each keeps when it was turned down.
    when = [row.rejected_at for row in kept.values()]
    made = RejectedSuggestion.objects.bulk_create(kept.values())
    if made:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE annotations_rejectedsuggestion AS r SET rejected_at = v.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE r.id = v.id",
                [[row.pk for row in made], when],
            )


def review_row(article, kind, row, state, placement, first_place, new) -> AnchorReview:
    start, end, exact, version = first_place
    placed = state == AnchorState.REVIEW
    return AnchorReview(
        article=article, **{kind: row}, state=state, reason=placement.reason[:40], from_version=version, to_version=new,
        old_start=start, old_end=end, old_exact=exact, new_start=placement.start if placed else None,
        new_end=placement.end if placed else None, quote_similarity=placement.quote_similarity,
        context_similarity=placement.context_similarity,
    )


def store_places(kind: str, rows: list, body: str) -> None:
    """Write the spans' new places. A table whose unique constraint covers the place (mentions,
    claims) cannot take a span onto a place another moving span still holds: those wait for the
    other to move first, in rounds, and a ring of swaps (two paragraphs traded) parks one of them
    out of the way for a moment."""
    model = MODELS[kind]
    fields = ["start", "end", "exact", "anchor_state", "orphaned_in"]
    if kind in ("mention", "claim"):
        fields += ["prefix", "suffix"]
        for row in rows:
            text = row.orphaned_in.body if row.anchor_state == AnchorState.ORPHANED else body
            row.prefix = text[max(0, row.start - CONTEXT_LENGTH) : row.start]
            row.suffix = text[row.end : row.end + CONTEXT_LENGTH]
    pending = list(rows)
    if kind not in ("mention", "claim"):
        update_rows(model, pending, fields)
        return
    # Where each moving row stands in the database now, as its unique key.
    extra = "entity_id" if kind == "mention" else "statement"
    stands = {
        pk: ((other, start, end) if kind == "mention" else (start, end, other))
        for pk, start, end, other in model.objects.filter(pk__in=[row.pk for row in pending]).order_by()
        .values_list("pk", "start", "end", extra)
    }
    while pending:
        # Orphans first, on their own: once orphaned, a row's place is free for another.
        ready = [row for row in pending if row.anchor_state == AnchorState.ORPHANED]
        if not ready:
            occupied = {stands[row.pk] for row in pending}
            ready = [row for row in pending if unique_key(kind, row, row.start, row.end) not in occupied - {stands[row.pk]}]
        if not ready:  # a ring: park one out of the way
            parked = pending[0]
            model.objects.filter(pk=parked.pk).update(start=STAGING + parked.start, end=STAGING + parked.end)
            stands[parked.pk] = unique_key(kind, parked, STAGING + parked.start, STAGING + parked.end)
            continue
        update_rows(model, ready, fields)
        done = {row.pk for row in ready}
        pending = [row for row in pending if row.pk not in done]


COLUMN_TYPES = {"start": "integer", "end": "integer", "exact": "text", "anchor_state": "text", "orphaned_in": "bigint",
                "prefix": "text", "suffix": "text"}


def update_rows(model, rows: list, fields: list[str]) -> None:
    """Write `fields` of `rows` in one UPDATE … FROM unnest(…), each column sent as one array
    (bulk_update's CASE per row costs Django more to build than PostgreSQL to run). The history
    triggers record each row as for any update."""
    if not rows:
        return
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in fields]
    arrays = [[getattr(row, model._meta.get_field(name).attname) for row in rows] for name in fields]
    unnest = ", ".join(f"%s::{COLUMN_TYPES[name]}[]" for name in fields)
    assignments = ", ".join(f'"{column}" = v."{column}"' for column in columns)
    names = ", ".join(f'"{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS t SET {assignments} FROM unnest(%s::bigint[], {unnest}) AS v(id, {names}) WHERE t.id = v.id',
            [[row.pk for row in rows], *arrays],
        )


def settle_claims(article: Article) -> None:
    """Set each claim of the story waiting or not, by what is open in the review queue: a claim is
    hidden from the public (review) while its span, a cue or a quote of it waits, or a quote that
    confirmed it is orphaned; an orphaned claim stays orphaned."""
    claims = Claim.objects.filter(article=article)
    confirmed = set(claims.filter(status=ClaimStatus.CONFIRMED).values_list("pk", flat=True))
    hidden = set()
    for own, of_cue, of_quote, state in AnchorReview.objects.open().filter(article=article).values_list(
            "claim_id", "attribution__claim_id", "evidence__claim_id", "state"):
        claim_id = own or of_cue or of_quote  # None for a mention's review
        if state == AnchorState.REVIEW or (of_quote is not None and of_quote in confirmed):
            hidden.add(claim_id)
    hidden.discard(None)
    in_text = claims.exclude(anchor_state=AnchorState.ORPHANED)
    in_text.filter(pk__in=hidden).exclude(anchor_state=AnchorState.REVIEW).update(anchor_state=AnchorState.REVIEW)
    in_text.exclude(pk__in=hidden).exclude(anchor_state=AnchorState.PLACED).update(anchor_state=AnchorState.PLACED)


def back_in_queue(span) -> None:
    """A span restored from the history as it was when deleted, waiting for review or orphaned:
    it goes back into the review queue (reason "restored"), so that it is decided there rather
    than left hidden with nothing to decide it (annotations.history.restore)."""
    if span.anchor_state == AnchorState.PLACED:
        return
    kind = next(name for name, model in MODELS.items() if isinstance(span, model))
    article = span.article if kind in ("mention", "claim") else span.claim.article
    current = current_version(article)
    waiting = span.anchor_state == AnchorState.REVIEW
    AnchorReview.objects.create(
        article=article, **{kind: span}, state=span.anchor_state, reason="restored",
        from_version=span.orphaned_in or current, to_version=current, old_start=span.start, old_end=span.end,
        old_exact=span.exact, new_start=span.start if waiting else None, new_end=span.end if waiting else None,
    )
    settle_claims(article)


def review_gone(sender, instance: AnchorReview, **kwargs) -> None:
    """A review deleted with what it named (a cue or a quote taken out of a chain in the desk, the
    admin or an undo): its claim is hidden no longer if nothing else of it waits (annotations.apps)."""
    settle_claims(Article(pk=instance.article_id))


# --- The review queue's decisions ------------------------------------------------------------


def decide(review: AnchorReview, decision: str, *, by=None, start: int | None = None, end: int | None = None,
           exact: str = "") -> str:
    """Carry out an editor's decision on `review`; return what the desk says. ValidationError
    when it cannot be done (the words selected are not the story's, the review was decided
    meanwhile)."""
    with transaction.atomic():
        review = AnchorReview.objects.select_for_update(of=("self",)).select_related(
            "article", "mention", "claim", "attribution__claim", "evidence__claim"
        ).get(pk=review.pk)
        if review.decision:
            raise ValidationError(gettext("This was decided meanwhile: %(decision)s.") % {"decision": review.get_decision_display()})
        article = locked(review.article)
        span, kind = review.span, review.kind
        if decision == AnchorReview.Decision.ACCEPTED:
            if review.state != AnchorState.REVIEW:
                raise ValidationError(gettext("An orphaned annotation has no new place to accept: select its words anew, or remove it."))
            if span.anchor_state != AnchorState.REVIEW:
                raise ValidationError(gettext("This annotation was changed meanwhile; reload the queue."))
            place(kind, span, article, span.start, span.end, span.exact)
            message = gettext("The new place is accepted.")
            if kind == "claim" and span.statement == review.old_exact and span.exact != review.old_exact and not (
                    Claim.objects.in_text().filter(article=article, start=span.start, end=span.end, statement=span.exact)
                    .exclude(pk=span.pk).exists()):  # another claim there already says so: this one keeps its words
                # The statement was the story's own words, and the correction changed them ("four
                # hours" became "five"): it reads as the story now does. A statement the editor
                # worded themselves stays theirs.
                Claim.objects.filter(pk=span.pk).update(statement=span.exact)
                from annotations import meaning

                meaning.give([span.exact])
                message = gettext("The new place is accepted, and the claim's statement now reads as the corrected words.")
        elif decision == AnchorReview.Decision.PLACED:
            if start is None or end is None:
                raise ValidationError(gettext("Select the words in the story's text first."))
            check_span(article.body, start, end, exact)
            place(kind, span, article, start, end, to_nfc(exact))
            message = gettext("Placed on the words you selected.")
        elif decision == AnchorReview.Decision.REMOVED:
            message = remove(kind, span)
        else:
            raise ValidationError(gettext("Unknown decision."))
        if decision != AnchorReview.Decision.REMOVED or kind in ("attribution", "evidence"):
            review.decision, review.decided_by, review.decided_at = decision, by, timezone.now()
            review.save(update_fields=["decision", "decided_by", "decided_at"])
        settle_claims(article)
        return message


def place(kind: str, span, article: Article, start: int, end: int, exact: str) -> None:
    span.start, span.end, span.exact = start, end, exact
    span.anchor_state, span.orphaned_in = AnchorState.PLACED, None
    if kind in ("mention", "claim"):
        span.article = article
        span.anchor()
        fields = ["start", "end", "exact", "prefix", "suffix", "anchor_state", "orphaned_in"]
        clash = MODELS[kind].objects.filter(article=article, start=start, end=end).exclude(pk=span.pk).exclude(
            anchor_state=AnchorState.ORPHANED)
        clash = clash.filter(entity_id=span.entity_id) if kind == "mention" else clash.filter(statement=span.statement)
        if clash.exists():
            raise ValidationError(gettext("The same annotation already stands on these words: remove this one instead."))
    else:
        fields = ["start", "end", "exact", "anchor_state", "orphaned_in"]
    MODELS[kind].objects.filter(pk=span.pk).update(**{field: getattr(span, field) for field in fields})


def remove(kind: str, span) -> str:
    if kind == "mention":
        span.delete()
        return gettext("Mention removed.")
    if kind == "claim":
        try:
            with rules_checked():
                span.delete()
        except RestrictedError:
            raise ValidationError(gettext("Another claim cites this one as its evidence; it cannot be removed.")) from None
        return gettext("Claim removed.")
    # A cue or a quote's words: the attribution or the evidence stays, without the words marked.
    MODELS[kind].objects.filter(pk=span.pk).update(start=None, end=None, exact="", anchor_state=AnchorState.PLACED,
                                                   orphaned_in=None)
    return gettext("The marked words were removed; the rest stays.") if kind == "attribution" else gettext(
        "The quote's words were removed; the evidence stays.")
