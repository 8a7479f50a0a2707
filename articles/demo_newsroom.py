"""Load the demo newsroom (articles/demo_stories.py) idempotently: a second run adds nothing."""

from datetime import datetime

from django.db import transaction

from annotations.models import (
    AttributionSpec, Claim, ClaimAcrossStories, ClaimTranslation, Entity, EntityAlias, EvidenceSpec, Mention, StatusStep,
    StoryLink,
)
from articles import demo_stories as demo
from articles.models import Article, Source
from articles.text import occurrences

DEMO_URL = "https://demo.newsdesk.example/{key}"


def load_demo() -> dict[str, int]:
    """Create whatever part of the demo newsroom is missing; return how many rows were added."""
    added = {"sources": 0, "entities": 0, "articles": 0, "mentions": 0, "claims": 0, "links": 0}
    with transaction.atomic():
        sources = {key: ensure_source(*values, added=added) for key, values in demo.SOURCES.items()}
        entities = {key: ensure_entity(*values, added=added) for key, values in demo.ENTITIES.items()}
        articles = {key: ensure_article(key, story, sources, added=added) for key, story in demo.STORIES.items()}
        for article in articles.values():
            tag_entities(article, entities.values(), added=added)
        across: dict[str, ClaimAcrossStories] = {}
        for spec in demo.CLAIMS:
            ensure_claim(spec, articles, sources, across, added=added)
        for from_key, kind, to_key in demo.LINKS:
            _, created = StoryLink.objects.get_or_create(
                from_article=articles[from_key], to_article=articles[to_key], kind=kind
            )
            added["links"] += created
    return added


def ensure_source(name: str, kind: str, country: str, url: str, *, added: dict) -> Source:
    source, created = Source.objects.get_or_create(
        name=name, kind=kind, country=country, defaults={"url": url}
    )
    added["sources"] += created
    return source


def ensure_entity(name: str, kind: str, wikidata_id: str, aliases: list, *, added: dict) -> Entity:
    entity, created = Entity.objects.get_or_create(wikidata_id=wikidata_id, defaults={"name": name, "kind": kind})
    added["entities"] += created
    for alias in aliases:
        alias_name, language = (alias, "") if isinstance(alias, str) else alias
        EntityAlias.objects.get_or_create(entity=entity, name=alias_name, defaults={"language": language})
    return entity


def ensure_article(key: str, story: dict, sources: dict, *, added: dict) -> Article:
    published_at = datetime.fromisoformat(story["published_at"]) if story["published_at"] else None
    article, created = Article.objects.get_or_create(
        url=DEMO_URL.format(key=key),
        defaults={
            "title": story["title"],
            "body": story["body"],
            "language": story["language"],
            "publisher": sources[story["publisher"]],
            "status": story["status"],
            "published_at": published_at,
        },
    )
    added["articles"] += created
    return article


def names_of(entity: Entity) -> list[str]:
    return [entity.name] + [alias.name for alias in entity.aliases.all()]


def tag_entities(article: Article, entities, *, added: dict) -> None:
    """Tag every whole-word occurrence of each entity's names, longest names first."""
    taken: list[tuple[int, int]] = []
    candidates = sorted(((name, entity) for entity in entities for name in names_of(entity)), key=lambda c: -len(c[0]))
    for name, entity in candidates:
        for start, end in occurrences(article.body, name):
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            _, created = Mention.objects.get_or_create(
                article=article, entity=entity, start=start, end=end, defaults={"exact": article.body[start:end]}
            )
            added["mentions"] += created


def ensure_claim(spec: dict, articles: dict, sources: dict, across: dict, *, added: dict) -> None:
    article = articles[spec["story"]]
    if spec["exact"] not in article.body:
        return  # a story loaded by an earlier version of the demo, before these words were in it
    start = article.body.index(spec["exact"])
    end = start + len(spec["exact"])
    existing = Claim.objects.filter(article=article, start=start, end=end).select_related("across").first()
    if existing is not None:
        if spec.get("claim"):
            across.setdefault(spec["claim"], existing.across)
        return
    chain = [AttributionSpec(sources[source], role, sourcing) for source, role, sourcing in spec["chain"]]
    evidence = [evidence_spec(e, articles) for _, _, e in spec["changes"] if e is not None]
    history, named = [], 0
    for status, reason, e in spec["changes"]:
        history.append(StatusStep(status, reason, named if e is not None else None))
        named += e is not None
    claim = Claim.record(
        article, start=start, end=end, exact=spec["exact"], statement=spec.get("statement", ""), chain=chain,
        evidence=evidence, history=history, across=across.get(spec.get("claim")),
    )
    if spec.get("claim") and spec["claim"] not in across:
        across[spec["claim"]] = claim.across
        for language, wording in spec.get("translations", {}).items():
            ClaimTranslation.objects.create(claim=claim.across, language=language, statement=wording)
    added["claims"] += 1


def evidence_spec(spec, articles: dict) -> EvidenceSpec:
    """The demo's evidence, with story keys turned into articles."""
    kind, target = spec
    return {
        "quote": lambda: EvidenceSpec("quote", position=target),
        "article": lambda: EvidenceSpec("article", article=articles[target]),
        "url": lambda: EvidenceSpec("url", url=target),
    }[kind]()


def correct_demo() -> int:
    """Make the demo's corrections (demo.CORRECTIONS) that are not made yet; return how many.

    `make run` calls this after load_demo, so that a new editor finds a corrected story with its
    public note, an earlier version, and a claim waiting in the review queue. The tests' demo
    (load_demo alone) stays uncorrected."""
    from annotations.corrections import correct

    made = 0
    for spec in demo.CORRECTIONS:
        article = Article.objects.filter(url=DEMO_URL.format(key=spec["story"])).first()
        old, new = spec["replace"]
        if article is None or article.text_version != 1 or old not in article.body:
            continue
        correct(article, body=article.body.replace(old, new, 1), note=spec["note"], public_note=spec["public_note"])
        made += 1
    return made
