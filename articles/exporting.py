"""Stories with all their annotations as JSON Lines records, the schema import_articles reads."""

import json
from collections.abc import Iterator

from django.db.models import Prefetch

from annotations.models import AnchorState, Claim, Evidence, Mention, StoryLink, statement_language
from articles.models import Article, Source


def source_record(source: Source) -> dict:
    return {"name": source.name, "kind": source.kind, "country": source.country, "url": source.url}


def reference(article: Article) -> dict:
    return {"url": article.url} if article.url else {"hash": article.content_hash}


def claim_record(claim: Claim, *, public: bool = False) -> dict:
    """The claim as a record; with `public`, only what readers may see: no internal reason of a
    status change, no editor's note."""
    chain = list(claim.attributions.all())
    # Evidence from a claim elsewhere is not in the schema; a change of status names its evidence
    # by its place in the list as written.
    evidence = [item for item in claim.evidence.all() if item.kind != Evidence.Kind.CLAIM]
    position_of = {attribution.pk: i for i, attribution in enumerate(chain)}
    index_of = {item.pk: i for i, item in enumerate(evidence)}

    def evidence_record(item: Evidence) -> dict:
        if item.kind == Evidence.Kind.QUOTE:
            record = {"kind": "quote", "link": position_of[item.attribution_id]}
            # The words selected as the quote (files before them carry none), if they stand in the text.
            if item.start is not None and in_current_text(item, public):
                record |= {"start": item.start, "end": item.end, "exact": item.exact}
        elif item.kind == Evidence.Kind.ARTICLE:
            record = {"kind": "article", **reference(item.article)}
        else:
            record = {"kind": "url", "url": item.url}
        return record if public else record | {"note": item.note}

    def change_record(change) -> dict:
        record = {"from": change.from_status, "to": change.to_status, "public_explanation": change.public_explanation,
                  "evidence": index_of.get(change.evidence_id), "at": change.changed_at.isoformat()}
        return record if public else record | {"reason": change.reason}

    across = claim.across
    # A published-only file names the claim as this story words it: the statement as first recorded
    # may come from a story the public may not see.
    first = (claim.statement, statement_language(claim.statement, claim.exact, claim.article.language)) if public else (
        across.statement, across.language
    )
    return {
        "start": claim.start, "end": claim.end, "exact": claim.exact, "statement": claim.statement,
        "note": "" if public else claim.note, "published": claim.is_published,
        # The claim across stories: the same key in every story that tells it.
        "across": {
            "key": str(across.key), "statement": first[0], "language": first[1],
            "translations": [{"language": t.language, "statement": t.statement} for t in across.translations.all()],
        },
        "chain": [
            {"source": source_record(attribution.source), "role": attribution.role, "sourcing": attribution.sourcing,
             **({"start": attribution.start, "end": attribution.end, "exact": attribution.exact}
                if in_current_text(attribution, public) else {"start": None, "end": None, "exact": ""})}
            for attribution in chain
        ],
        "evidence": [evidence_record(item) for item in evidence],
        "history": [change_record(change) for change in claim.history.all()],
    }


def in_current_text(span, public: bool) -> bool:
    """Whether a cue's or a quote's words are written out: never an orphan's (its offsets count in
    an earlier version), and for the public never one waiting for review after a correction."""
    return span.anchor_state == AnchorState.PLACED or (not public and span.anchor_state == AnchorState.REVIEW)


def article_record(article: Article, *, public: bool = False) -> dict:
    return {
        **({"id": article.upstream_id} if article.upstream_id else {}),  # how an import knows it again
        "url": article.url, "title": article.title, "body": article.body, "language": article.language,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "status": article.status, "publisher": source_record(article.publisher),
        "mentions": [
            {"start": m.start, "end": m.end, "exact": m.exact, "published": m.is_published,
             "entity": {"name": m.entity.name, "kind": m.entity.kind, "wikidata_id": m.entity.wikidata_id,
                        "aliases": [{"name": a.name, "language": a.language} for a in m.entity.aliases.all()]}}
            for m in article.mentions.all()
        ],
        "claims": [claim_record(claim, public=public) for claim in article.claims.all()],
        "links": [{"kind": link.kind, **{f"to_{k}": v for k, v in reference(link.to_article).items()}}
                  for link in article.links_from.all()],
    }


def export_lines(*, published_only: bool = False) -> Iterator[str]:
    """Every story as a record; with `published_only`, what the public may see (each model's published())."""

    def rows(model):
        return model.objects.published() if published_only else model.objects.all()

    def spans(model):  # an orphan's offsets count in an earlier version: never written as the text's
        return rows(model).exclude(anchor_state=AnchorState.ORPHANED)

    mentions = spans(Mention).select_related("entity").prefetch_related("entity__aliases").order_by("start", "end", "entity__name")
    claims = (
        spans(Claim).for_display(published_evidence=published_only).select_related("across")
        .prefetch_related("across__translations").order_by("start", "end", "id")
    )
    links = rows(StoryLink).select_related("to_article").order_by("kind", "to_article__url", "id")
    queryset = (
        rows(Article).select_related("publisher").defer("search_vector").order_by("published_at", "url", "id")
        .prefetch_related(Prefetch("mentions", queryset=mentions), Prefetch("claims", queryset=claims),
                          Prefetch("links_from", queryset=links))
    )
    for article in queryset.iterator(chunk_size=500):
        yield json.dumps(article_record(article, public=published_only), ensure_ascii=False, sort_keys=True)
