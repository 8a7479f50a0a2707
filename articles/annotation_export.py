"""An article's published annotations as a W3C Web Annotation AnnotationCollection.

The story's own words (statements, quotes) are in the story's language; the words we write about
them (the chain in words, the collection's label) are in the interface's language of the request,
and each textual body says which (`language`)."""

from django.urls import reverse
from django.utils.translation import get_language, gettext

from annotations.models import Claim, Mention, TextSpan
from articles.models import Article

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def text_state(article: Article, absolute) -> dict:
    """Which version of the story's text the selectors refer to (W3C TimeState): the one current
    now, since when, and its own address, where that text stays readable once corrected."""
    from articles.models import ArticleVersion

    number, since = article.text_version, article.created_at
    if number > 1:  # corrected: since its current version was accepted
        current = article.versions.filter(number=number).only("accepted_at").first()
        since = current.accepted_at if current and current.accepted_at else article.updated_at
    return {
        "type": "TimeState", "sourceDate": since.isoformat(),
        "cached": absolute(reverse("articles:version", args=[article.slug, number])),
    }


def target(span: TextSpan, article_url: str, state: dict | None = None) -> dict:
    return {
        "source": article_url,
        **({"state": state} if state else {}),
        "selector": [
            {"type": "TextQuoteSelector", "exact": span.exact, "prefix": span.prefix, "suffix": span.suffix},
            # Code point offsets into the article's NFC text, as the model specifies.
            {"type": "TextPositionSelector", "start": span.start, "end": span.end},
        ],
    }


def mention_annotation(mention: Mention, article_url: str, absolute, state: dict | None = None) -> dict:
    entity = mention.entity
    identity = {"type": "SpecificResource", "source": absolute(entity.get_absolute_url()), "purpose": "identifying"}
    bodies = [{"type": "TextualBody", "value": entity.name, "purpose": "tagging"}, identity]
    if entity.wikidata_id:
        bodies.append({"type": "SpecificResource", "source": f"http://www.wikidata.org/entity/{entity.wikidata_id}", "purpose": "identifying"})
    return {
        "id": f"{article_url}#mention-{mention.pk}",
        "type": "Annotation",
        "motivation": "identifying",
        "created": mention.created_at.isoformat(),
        "body": bodies,
        "target": target(mention, article_url, state),
    }


def claim_annotation(claim: Claim, article_url: str, absolute, language: str, state: dict | None = None) -> dict:
    """A claim, assessed; the other published stories that tell the same claim across stories are
    linked (purpose "linking") by their own annotations' ids, and the claim across stories by its
    key (urn:uuid), the same in every story's export."""
    elsewhere = getattr(claim.across, "told_elsewhere", [])
    links = [
        {"type": "SpecificResource", "source": f"urn:uuid:{claim.across.key}", "purpose": "identifying"},
        *({"type": "SpecificResource", "source": absolute(other.get_absolute_url()), "purpose": "linking",
           "language": other.article.language} for other in elsewhere),
    ]
    return {
        "id": absolute(claim.get_absolute_url()),
        "type": "Annotation",
        "motivation": "assessing",
        "created": claim.created_at.isoformat(),
        "modified": claim.updated_at.isoformat(),
        "body": [
            {"type": "TextualBody", "value": claim.statement, "purpose": "describing", "language": language},
            {"type": "TextualBody", "value": claim.status, "purpose": "assessing"},
            {"type": "TextualBody", "value": claim.chain_in_words(), "purpose": "commenting", "language": get_language()},
            *links,
        ],
        "target": target(claim, article_url, state),
    }


def annotation_collection(article: Article, mentions, claims, absolute) -> dict:
    article_url = absolute(article.get_absolute_url())
    state = text_state(article, absolute)
    items = [mention_annotation(m, article_url, absolute, state) for m in mentions]
    items += [claim_annotation(c, article_url, absolute, article.language, state) for c in claims]
    collection_url = absolute(f"{article.get_absolute_url()}annotations.jsonld")
    return {
        "@context": CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": gettext("Annotations of “%(title)s”") % {"title": article.title},
        "total": len(items),
        "first": {"id": f"{collection_url}#page-1", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }
