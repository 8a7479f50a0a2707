"""An article's published annotations as a W3C Web Annotation AnnotationCollection.

The story's own words (statements, quotes) are in the story's language; the words we write about
them (the chain in words, the collection's label) are in the interface's language of the request,
and each textual body says which (`language`)."""

from django.utils.translation import get_language, gettext

from annotations.models import Claim, Mention, TextSpan
from articles.models import Article

CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def target(span: TextSpan, article_url: str) -> dict:
    return {
        "source": article_url,
        "selector": [
            {"type": "TextQuoteSelector", "exact": span.exact, "prefix": span.prefix, "suffix": span.suffix},
            # Code point offsets into the article's NFC text, as the model specifies.
            {"type": "TextPositionSelector", "start": span.start, "end": span.end},
        ],
    }


def mention_annotation(mention: Mention, article_url: str, absolute) -> dict:
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
        "target": target(mention, article_url),
    }


def claim_annotation(claim: Claim, article_url: str, absolute, language: str) -> dict:
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
        "target": target(claim, article_url),
    }


def annotation_collection(article: Article, mentions, claims, absolute) -> dict:
    article_url = absolute(article.get_absolute_url())
    items = [mention_annotation(m, article_url, absolute) for m in mentions]
    items += [claim_annotation(c, article_url, absolute, article.language) for c in claims]
    collection_url = absolute(f"{article.get_absolute_url()}annotations.jsonld")
    return {
        "@context": CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": gettext("Annotations of “%(title)s”") % {"title": article.title},
        "total": len(items),
        "first": {"id": f"{collection_url}#page-1", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }
