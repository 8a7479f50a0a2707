"""schema.org JSON-LD for article pages: the NewsArticle and a ClaimReview per verdict."""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.html import _json_script_escapes
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.safestring import SafeString, mark_safe

from annotations.models import Attribution, Claim, Entity
from articles.models import Article, ArticleVersion, Source
from articles.text import without_bidi_controls

# How each verdict reads on a 1–5 scale, as fact-checkers' ClaimReview markup does; its name is
# the status's, in the page's language (the review says which: inLanguage).
RATINGS = {
    Claim.Status.CONFIRMED: 5,
    Claim.Status.DISPUTED: 2,
    Claim.Status.DENIED: 1,
    Claim.Status.RETRACTED: 1,
}

ENTITY_TYPES = {"person": "Person", "organisation": "Organization", "place": "Place", "event": "Event"}
PERSON_KINDS = {Source.Kind.PERSON, Source.Kind.ANONYMOUS}


def source_node(source: Source) -> dict:
    node = {"@type": "Person" if source.kind in PERSON_KINDS else "Organization", "name": source.name}
    if source.url:
        node["url"] = source.url
    return node


def entity_node(entity: Entity, absolute) -> dict:
    node = {"@type": ENTITY_TYPES[entity.kind], "name": entity.name, "url": absolute(entity.get_absolute_url())}
    if entity.wikidata_id:
        node["sameAs"] = f"https://www.wikidata.org/wiki/{entity.wikidata_id}"
    return node


def claim_review(claim: Claim, article_url: str, absolute) -> dict:
    value, name = RATINGS[claim.status], capfirst(str(Claim.Status(claim.status).label))
    speakers = [a for a in claim.attributions.all() if a.role == Attribution.Role.SPEAKER]
    item = {
        "@type": "Claim",
        "text": claim.statement,
        "appearance": {"@type": "NewsArticle", "url": article_url},
    }
    if claim.article.published_at:  # an editor may read a draft's page before it has a date
        item["datePublished"] = claim.article.published_at.isoformat()
    if speakers:
        item["author"] = source_node(speakers[0].source)
    decided = [change.changed_at for change in claim.history.all() if change.to_status == claim.status]
    return {
        "@type": "ClaimReview",
        "url": absolute(claim.get_absolute_url()),
        "claimReviewed": claim.statement,
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": settings.SITE_NAME, "url": absolute("/")},
        "inLanguage": get_language(),
        "datePublished": (decided[-1] if decided else claim.updated_at).date().isoformat(),
        "reviewRating": {
            "@type": "Rating", "ratingValue": value, "bestRating": 5, "worstRating": 1, "alternateName": name,
        },
    }


def correction_node(version: ArticleVersion) -> dict:
    """A public correction note as schema.org's CorrectionComment."""
    return {"@type": "CorrectionComment", "text": version.public_note, "datePublished": version.accepted_at.isoformat()}


def article_graph(article: Article, entities, claims, absolute, corrections=()) -> dict:
    url = absolute(article.get_absolute_url())
    news = {
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "headline": article.title[:110],
        **({"datePublished": article.published_at.isoformat()} if article.published_at else {}),
        "dateModified": article.updated_at.isoformat(),
        "inLanguage": article.language,
        "publisher": source_node(article.publisher),
        "mainEntityOfPage": url,
        "mentions": [entity_node(entity, absolute) for entity in entities],
    }
    if article.url:
        news["isBasedOn"] = article.url
    if corrections:
        news["correction"] = [correction_node(version) for version in corrections]
    reviews = [claim_review(claim, url, absolute) for claim in claims if claim.status in RATINGS]
    return {"@context": "https://schema.org", "@graph": [news, *reviews]}


def as_script_text(data: dict) -> SafeString:
    """JSON for a <script type="application/ld+json">, with <, > and & escaped so no text can end it,
    and without bidirectional controls: a statement quoted from a story's text may hold them."""
    return mark_safe(without_bidi_controls(json.dumps(data, ensure_ascii=False)).translate(_json_script_escapes))


# A claim across stories is rated by its standing (annotations/across.py): contested sits between.
STANDING_RATINGS = {"confirmed": 5, "contested": 3, "disputed": 2, "denied": 1, "retracted": 1}


def appearance_node(appearance: Claim, story_url) -> dict:
    article = appearance.article
    node = {
        "@type": "NewsArticle",
        "url": story_url(article),
        "headline": article.title[:110],
        "inLanguage": article.language,
        "publisher": source_node(article.publisher),
    }
    if article.published_at:
        node["datePublished"] = article.published_at.isoformat()
    return node


def claim_graph(statement: tuple[str, str], appearances: list, verdict, absolute) -> dict:
    """The claim page's ClaimReview: the claim across stories as its first published story words it
    (`statement`: the words and their language), each story it appears in (the public's
    appearances, first told first), and its standing as the rating."""
    from annotations.across import moment_of_status

    # One address worked out, the others written from it: a claim may be told in hundreds of stories.
    before, after = absolute(reverse("articles:detail", args=["slug-of-the-story"])).rsplit("slug-of-the-story", 1)

    def story_url(article: Article) -> str:
        return f"{before}{article.slug}{after}"

    first = appearances[0]
    item = {
        "@type": "Claim",
        "text": statement[0],
        "inLanguage": statement[1],
        "appearance": [appearance_node(appearance, story_url) for appearance in appearances],
        "firstAppearance": appearance_node(first, story_url),
    }
    if first.article.published_at:
        item["datePublished"] = first.article.published_at.isoformat()
    speakers = [a for a in first.attributions.all() if a.role == Attribution.Role.SPEAKER]
    if speakers:
        item["author"] = source_node(speakers[0].source)
    decided = verdict.deciding[-1] if verdict.deciding else first
    review = {
        "@type": "ClaimReview",
        "url": absolute(first.get_absolute_url()),
        "claimReviewed": statement[0],
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": settings.SITE_NAME, "url": absolute("/")},
        "inLanguage": get_language(),
        "datePublished": moment_of_status(decided).date().isoformat(),
    }
    if verdict.standing in STANDING_RATINGS:
        review["reviewRating"] = {
            "@type": "Rating", "ratingValue": STANDING_RATINGS[verdict.standing], "bestRating": 5, "worstRating": 1,
            "alternateName": capfirst(verdict.label), "ratingExplanation": verdict.reason,
        }
    return {"@context": "https://schema.org", "@graph": [review]}
