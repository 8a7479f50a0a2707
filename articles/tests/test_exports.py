"""The article page's JSON-LD and the W3C annotation export, validated against ../shared schemas."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft4Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from annotations.models import Attribution, Source
from annotations.tests.makers import add_attribution, make_claim, make_entity, make_mention, quote_evidence
from articles.tests.makers import make_article, make_source

SHARED = Path(settings.BASE_DIR).parent / "shared" / "testdata"
W3C = SHARED / "w3c-annotation"
CLAIMREVIEW = SHARED / "claimreview"
BASE = "https://x.invalid/definitions/"

# The MUST checks of the Web Annotation model, composed from the wpt definitions as wpt does.
ANNOTATION_MUSTS = [
    {"required": ["@context"], "properties": {"@context": {"oneOf": [
        {"$ref": "annotations.json#/definitions/contextValueFound"},
        {"$ref": "annotations.json#/definitions/contextValueInArrayFound"}]}}},
    {"$ref": "id.json#/definitions/idValueFound"},
    {"$ref": "annotations.json#/definitions/annotationTypeValueFound"},
    {"required": ["target"]},
    {"properties": {"target": {"oneOf": [
        {"$ref": "bodyTarget.json#/definitions/targetResourcesFound"},
        {"type": "array", "minItems": 1, "items": {"$ref": "bodyTarget.json#/definitions/targetResourcesFound"}}]}}},
    {"not": {"required": ["body", "bodyValue"]}},
    {"properties": {"body": {"oneOf": [
        {"$ref": "bodyTarget.json#/definitions/bodyResourcesFound"},
        {"type": "array", "minItems": 1, "items": {"$ref": "bodyTarget.json#/definitions/bodyResourcesFound"}}]}}},
    {"$ref": "annotations.json#/definitions/bodyValueValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/createdValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/modifiedValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/generatedValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/rightsValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/canonicalValidIfPresent"},
    {"$ref": "otherProperties.json#/definitions/viaValidIfPresent"},
    {"$ref": "annotations.json#/definitions/motivationRecognizedIfPresent"},
]
COLLECTION_MUSTS = [
    {"required": ["@context"], "properties": {"@context": {"oneOf": [
        {"$ref": "collections.json#/definitions/contextValueFound"},
        {"$ref": "collections.json#/definitions/contextValueInArrayFound"}]}}},
    {"$ref": "id.json#/definitions/idValueFound"},
    {"$ref": "collections.json#/definitions/annotationCollectionTypeValueFound"},
    {"$ref": "collections.json#/definitions/totalFound"},
    {"$ref": "collections.json#/definitions/firstValidIfPresent"},
]


def registry() -> Registry:
    resources = []
    for path in (W3C / "schemas").glob("*.json"):
        contents = json.loads(path.read_text())
        contents["id"] = BASE + path.name
        resources.append((BASE + path.name, Resource(contents=contents, specification=DRAFT4)))
    return Registry().with_resources(resources)


def validator(checks: list) -> Draft4Validator:
    return Draft4Validator({"id": BASE + "composed.json", "allOf": checks}, registry=registry())


ANNOTATION = validator(ANNOTATION_MUSTS)
COLLECTION = validator(COLLECTION_MUSTS)


def test_the_composed_checks_accept_the_w3c_examples_and_refuse_the_invalid_ones():
    for path in sorted((W3C / "examples").glob("anno*.json")):
        assert ANNOTATION.is_valid(json.loads(path.read_text())), path.name
    parsed = []
    for path in (W3C / "invalid").glob("*.json"):
        try:
            parsed.append(json.loads(path.read_text()))
        except ValueError:
            continue  # not even JSON: invalid before any schema
    refused = [data for data in parsed if not ANNOTATION.is_valid(data)]
    assert parsed and len(refused) >= len(parsed) * 0.8, (len(refused), len(parsed))
    assert COLLECTION.is_valid(json.loads((W3C / "examples" / "collection1.json").read_text()))


@pytest.fixture
def story(db):
    article = make_article(body="👍🏽 Kim Jong Un met Putin, the Kremlin said. Yonhap reported it first.", language="en")
    make_mention(article, "Kim Jong Un", entity=make_entity(name="Kim Jong Un", wikidata_id="Q56226"))
    make_mention(article, "Putin")
    claim = make_claim(article, "Kim Jong Un met Putin")
    attribution = add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.change_status("confirmed", by=None, reason="On record", evidence=quote_evidence(attribution))
    reported = make_claim(article, "Yonhap reported it first")
    add_attribution(reported, make_source(name="an official", kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
    add_attribution(reported, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role=Attribution.Role.VIA)
    reported.change_status("reported", by=None, reason="Reported")
    make_claim(article, "the Kremlin said", is_published=False)
    return article


def test_annotation_export_is_a_valid_w3c_collection_with_code_point_positions(client, story):
    response = client.get(f"{story.get_absolute_url()}annotations.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    data = response.json()
    assert COLLECTION.is_valid(data), list(COLLECTION.iter_errors(data))
    items = data["first"]["items"]
    assert data["total"] == len(items) == 4, "two mentions and two published claims"
    for item in items:
        assert ANNOTATION.is_valid({"@context": data["@context"], **item}), list(ANNOTATION.iter_errors(item))
        quote, position = item["target"]["selector"]
        assert story.body[position["start"] : position["end"]] == quote["exact"]
    kim = next(i for i in items if i["motivation"] == "identifying" and i["body"][0]["value"] == "Kim Jong Un")
    assert kim["target"]["selector"][1] == {"type": "TextPositionSelector", "start": 3, "end": 14}
    assert {"type": "SpecificResource", "source": "http://www.wikidata.org/entity/Q56226", "purpose": "identifying"} in kim["body"]
    statuses = {i["body"][1]["value"] for i in items if i["motivation"] == "assessing"}
    assert statuses == {"confirmed", "reported"}


def test_annotation_export_of_a_draft_is_404(client, db):
    draft = make_article(status="draft", published_at=None)
    assert client.get(f"{draft.get_absolute_url()}annotations.jsonld").status_code == 404


def claim_review_problems(node: dict) -> list[str]:
    """Google's required ClaimReview properties (the shared schema) and its numeric rules."""
    schema = json.loads((CLAIMREVIEW / "google-factcheck-requirements.schema.json").read_text())
    problems = [error.message for error in Draft202012Validator(schema).iter_errors(node)]
    rating = node.get("reviewRating", {})
    worst, best, value = rating.get("worstRating", 1), rating.get("bestRating", 5), rating.get("ratingValue")
    if not (1 <= worst < best) or (value is not None and not worst <= value <= best):
        problems.append("rating out of range")
    return problems


def claim_reviews(data: dict) -> list[dict]:
    nodes = data.get("@graph", [data])
    return [n for n in nodes if "ClaimReview" in (n["@type"] if isinstance(n["@type"], list) else [n["@type"]])]


def test_the_claimreview_checks_accept_the_valid_examples_and_refuse_the_invalid(db):
    for path in (CLAIMREVIEW / "authored").glob("*.jsonld"):
        problems = [p for node in claim_reviews(json.loads(path.read_text())) for p in claim_review_problems(node)]
        assert bool(problems) == path.name.startswith("invalid"), (path.name, problems)


def test_article_page_carries_newsarticle_and_a_claimreview_per_verdict(client, story):
    page = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    news, *reviews = data["@graph"]
    assert news["@type"] == "NewsArticle" and news["headline"] == story.title and news["inLanguage"] == "en"
    assert news["publisher"]["name"] == story.publisher.name
    kim = next(m for m in news["mentions"] if m["name"] == "Kim Jong Un")
    assert len(news["mentions"]) == 2 and kim["@type"] == "Person" and kim["sameAs"].endswith("/Q56226")
    assert len(reviews) == 1, "only the confirmed claim has a verdict; reported is not one"
    review = reviews[0]
    assert claim_review_problems(review) == []
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "Kremlin"}
    assert review["itemReviewed"]["appearance"]["url"].endswith(story.get_absolute_url())
    assert review["reviewRating"]["alternateName"] == "Confirmed"


def test_json_ld_cannot_be_broken_out_of_by_story_text(client, db):
    article = make_article(title="</script><script>alert(1)</script>")
    page = client.get(article.get_absolute_url()).content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in script
    assert json.loads(script)["@graph"][0]["headline"] == article.title
