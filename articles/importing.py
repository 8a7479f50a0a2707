"""Importing stories from JSON Lines, RSS/Atom feeds, HTML pages and plain text.

Every input becomes a stream of `Item`s (or `Problem`s, for what could not be read), and every
item is stored in its own transaction, so a bad item never leaves half a record and never stops
the rest. Stories are recognised again by canonical URL or, without one, by a hash of their
text: importing the same file twice changes nothing, and a story whose text changed upstream is
reported, not overwritten (annotations are anchored in the old text).

JSON Lines files are read twice, streaming: the stories first, then their claims and links, so
that a claim's evidence and a link may name a story that comes later in the file.
"""

import io
import os
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote
from typing import IO

import courlan
import feedparser
import html_text
import langcodes
import psycopg
import py3langid
from slugify import slugify
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations.models import ChainLink, Claim, Entity, EntityAlias, EvidenceSpec, Mention, StatusStep, StoryLink, check_rules_now, rule_refusal
from articles.page_cache import one_invalidation
from articles.models import Article, Source, body_hash, normalise_language_tag, unique_slug
from articles.text import to_nfc

FORMATS = ("jsonl", "feed", "html", "text")
SURROGATES = re.compile(r"[\ud800-\udfff]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Unimportable(Exception):
    """An item, or a whole file, that cannot be imported; the message says why."""


@dataclass
class Item:
    position: str
    title: str
    body: str
    url: str = ""
    language: str = ""
    published_at: datetime | None = None
    publisher: dict = field(default_factory=dict)
    status: str = ""
    record: dict | None = None  # the JSON Lines object, for its annotations


@dataclass
class Problem:
    position: str
    reason: str


@dataclass
class Report:
    imported: int = 0
    duplicates: int = 0
    changed: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)

    def add(self, kind: str, position: str, message: str = "") -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if message:
            self.messages.append(f"{position}: {message}")

    def merge(self, other: "Report") -> None:
        for kind in ("imported", "duplicates", "changed", "failed"):
            setattr(self, kind, getattr(self, kind) + getattr(other, kind))
        self.messages += other.messages

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.changed + self.failed

    def summary(self) -> str:
        return (
            f"{self.imported} imported, {self.duplicates} skipped as duplicates, "
            f"{self.changed} changed upstream (not overwritten), {self.failed} failed"
        )


# --- Canonical text, URLs and languages -------------------------------------------------------


def clean_text(text: str) -> str:
    """Text without NUL and other control characters or lone surrogates, in NFC."""
    return to_nfc(CONTROL.sub("", SURROGATES.sub("", text)))


def canonical_text(text: str) -> str:
    """Paragraphs separated by one blank line, white space inside them folded, NFC, no controls."""
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML fragment: block elements become paragraphs, markup goes."""
    if not markup.strip():
        return ""
    text = html_text.extract_text(markup, guess_layout=True)
    return canonical_text(text)


def canonical_url(url: str) -> str:
    """The story's address without tracking parameters or fragment; '' if it is not http(s)."""
    url = clean_text(url).strip()
    if not url:
        return ""
    if not re.match(r"^https?://", url, re.I):
        raise Unimportable(f"the address {url[:80]!r} is not an http(s) URL and was dropped")
    normalised = courlan.normalize_url(url, strict=True)
    return normalised.split("#", 1)[0][:2000]


def detect_language(text: str) -> str:
    code, _ = py3langid.classify(text[:5000])
    return langcodes.standardize_tag(code)


def parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise Unimportable(f"published_at {str(value)[:40]!r} is not an ISO 8601 date and time")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


# --- Reading each format -------------------------------------------------------------------------


BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
]
NUL_PATTERNS = [(b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le")]


def text_encoding(head: bytes) -> str | None:
    """The encoding a byte order mark or the NULs of '<' in UTF-16/32 announce, if any."""
    for mark, encoding in BOMS:
        if head.startswith(mark):
            return encoding
    for pattern, encoding in NUL_PATTERNS:
        if head.startswith(pattern):
            return encoding
    return None


def detect_format(head: bytes, name: str = "") -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    encoding = text_encoding(head)
    text = head.decode(encoding or "latin-1", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if text.startswith("{"):
        return "jsonl"
    html = re.search(r"<(!doctype html|html|head|body)[\s>]", text)
    if re.search(r"<(rss|feed|rdf:rdf|channel)[\s>]", text) or (text.startswith(("<?xml", "<!--")) and not html):
        return "feed"
    return "html" if html else "text"


def read_jsonl(stream: IO[bytes], name: str, share: tuple[int, int] | None = None) -> Iterator[Item | Problem]:
    """The stories of a JSON Lines file; with `share` (k, n), only those of every n-th line from k."""
    for number, raw in enumerate(stream, start=1):
        if share is not None and number % share[1] != share[0]:
            continue
        position = f"{name}, line {number}"
        if len(raw) > settings.IMPORT_MAX_ITEM_BYTES:
            yield Problem(position, f"the line is {len(raw):,} bytes long; the limit is {settings.IMPORT_MAX_ITEM_BYTES:,}")
            continue
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            yield Problem(position, f"not UTF-8 text ({error.reason} at byte {error.start})")
            continue
        except ValueError as error:
            yield Problem(position, f"not valid JSON ({error})")
            continue
        if not isinstance(record, dict):
            yield Problem(position, f"a story must be a JSON object, not {type(record).__name__}")
            continue
        try:
            yield item_from_record(record, position)
        except Unimportable as error:
            yield Problem(position, str(error))


def item_from_record(record: dict, position: str) -> Item:
    title, body = record.get("title"), record.get("body")
    if not isinstance(title, str) or not isinstance(body, str):
        raise Unimportable("a story needs a text title and a text body")
    publisher = record.get("publisher") or {}
    if not isinstance(publisher, dict):
        raise Unimportable("publisher must be an object with name, kind and country")
    return Item(
        position=position, title=title, body=body, url=str(record.get("url") or ""),
        language=str(record.get("language") or ""), published_at=parse_time(record.get("published_at")),
        publisher=publisher, status=str(record.get("status") or ""), record=record,
    )


ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)


def read_feed(data: bytes, name: str) -> Iterator[Item | Problem]:
    # Entities declared in the file (the billion-laughs bomb, or one that names a local file)
    # are refused before any parser sees them; feedparser only ever gets bytes, never a path.
    # Its own sanitizer is off: it keeps a script's code as text, while html_text drops it.
    if ENTITY_DECLARATION.search(data[:65536]):
        yield Problem(name, "the feed declares XML entities, which are never expanded here; the file was refused")
        return
    parsed = feedparser.parse(io.BytesIO(data), resolve_relative_uris=False, sanitize_html=False)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        yield Problem(name, f"no stories could be read from the feed ({reason or 'it has no items'})")
        return
    feed_title = clean_text(parsed.feed.get("title", "")).strip()
    feed_language = parsed.feed.get("language", "")
    for number, entry in enumerate(parsed.entries, start=1):
        position = f"{name}, item {number}"
        try:
            yield item_from_entry(entry, position, feed_title, feed_language)
        except Unimportable as error:
            yield Problem(position, str(error))


def entry_html(entry) -> str:
    for content in entry.get("content", []) or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary", "") or entry.get("description", "")


def item_from_entry(entry, position: str, feed_title: str, feed_language: str) -> Item:
    title_type = (entry.get("title_detail") or {}).get("type", "text/plain")
    title = entry.get("title", "")
    title = " ".join((html_to_text(title) if "html" in title_type else clean_text(title)).split())
    body = html_to_text(entry_html(entry))
    if not title and not body:
        raise Unimportable("the item has neither a title nor any text")
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime(*moment[:6], tzinfo=UTC) if moment else None
    language = entry.get("language") or (entry.get("title_detail") or {}).get("language") or feed_language or ""
    return Item(
        position=position, title=title or body[:120], body=body or title, url=entry.get("link", "") or "",
        language=language, published_at=published, publisher={"name": feed_title} if feed_title else {},
    )


def read_html(data: bytes, name: str) -> Iterator[Item | Problem]:
    import trafilatura

    document = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
    )
    if document is None or not (document.text or "").strip():
        yield Problem(name, "no article text could be found in the page")
        return
    date = parse_time(document.date) if document.date else None
    yield Item(
        position=name, title=clean_text(document.title or "").strip() or canonical_text(document.text)[:120],
        body=document.text, url=document.url or "", language=document.language or "", published_at=date,
        publisher={"name": document.sitename} if document.sitename else {},
    )


def read_text(data: bytes, name: str) -> Iterator[Item | Problem]:
    try:
        text = data.decode(text_encoding(data[:4]) or "utf-8-sig")
    except UnicodeDecodeError as error:
        yield Problem(name, f"not UTF-8 text ({error.reason} at byte {error.start})")
        return
    title, _, body = clean_text(text).strip().partition("\n")
    if not title.strip() or not body.strip():
        yield Problem(name, "a text file needs a title on its first line and the story below it")
        return
    yield Item(position=name, title=title.strip(), body=body)


def looks_binary(head: bytes) -> bool:
    return text_encoding(head) is None and b"\x00" in head[:8192]


def read_items(path: Path, fmt: str = "auto", share: tuple[int, int] | None = None) -> Iterator[Item | Problem]:
    name = path.name
    size = path.stat().st_size
    if size == 0:
        yield Problem(name, "the file is empty")
        return
    with path.open("rb") as stream:
        head = stream.read(8192)
        if fmt == "auto":
            fmt = detect_format(head, name)
        if fmt in ("html", "text") and looks_binary(head):
            yield Problem(name, "the file is binary, not text")
            return
        stream.seek(0)
        if fmt == "jsonl":
            yield from read_jsonl(stream, name, share)
            return
        if size > settings.IMPORT_MAX_FILE_BYTES:
            yield Problem(name, f"the file is {size:,} bytes; {fmt} files are read whole and the limit is {settings.IMPORT_MAX_FILE_BYTES:,}")
            return
        data = stream.read()
    reader = {"feed": read_feed, "html": read_html, "text": read_text}[fmt]
    yield from reader(data, name)


# --- Storing ---------------------------------------------------------------------------------------


def publisher_for(details: dict, default: Source | None, known: dict | None = None) -> Source:
    """The source a story or a chain names, found again by name, kind and country, or created.
    `known` remembers the sources an import has already met, sparing a query per story."""
    key = source_key(details)
    if known is not None and key in known:
        return known[key]
    source = find_or_create_source(details, default)
    if known is not None:
        known[key] = source
    return source


def source_key(details: dict) -> tuple[str, str, str]:
    return (str(details.get("name") or "").lower(), str(details.get("kind") or ""), str(details.get("country") or "").upper())


def find_or_create_source(details: dict, default: Source | None) -> Source:
    name = clean_text(str(details.get("name") or "")).strip()
    if not name:
        if default is None:
            raise Unimportable("the story names no publisher; give one with --source")
        return default
    kind = str(details.get("kind") or Source.Kind.PUBLICATION)
    if kind not in Source.Kind.values:
        raise Unimportable(f"publisher kind {kind!r} is not one of {', '.join(Source.Kind.values)}")
    country = str(details.get("country") or "").upper()[:2]
    url = str(details.get("url") or "")[:2000]
    return Source.named(name, kind, country, url=url if url.startswith(("http://", "https://")) else "")


def prepare(item: Item) -> tuple[dict, list[str]]:
    """The article's fields from an item, and the notes on what was cleaned."""
    notes = []
    title = " ".join(clean_text(item.title).split())[:500]
    body = canonical_text(item.body)
    if not title or not body:
        raise Unimportable("the story has no title or no text once cleaned")
    if len(body) > settings.IMPORT_MAX_ARTICLE_CHARS:
        raise Unimportable(f"the story is {len(body):,} characters long; the limit is {settings.IMPORT_MAX_ARTICLE_CHARS:,}")
    try:
        url = canonical_url(item.url)
    except Unimportable as error:
        url = ""
        notes.append(str(error))
    language = ""
    if item.language:
        try:
            language = normalise_language_tag(item.language)
        except ValidationError:
            notes.append(f"language {item.language[:20]!r} is not a BCP 47 tag; detected instead")
    language = language or detect_language(f"{title}\n{body}")
    status = item.status or Article.Status.DRAFT
    if status not in Article.Status.values:
        raise Unimportable(f"status {status!r} is not one of {', '.join(Article.Status.values)}")
    return {"title": title, "body": body, "url": url, "language": language, "status": status,
            "published_at": item.published_at}, notes


RETRIES = 3


def store_article(item: Item, *, default_source: Source | None, publish: bool, report: Report,
                  known_sources: dict | None = None) -> Article | None:
    """Store one story in its own transaction.

    A story with a URL is first simply inserted: the unique URL is the database's to check, and
    most stories of an import are new, so this saves a round trip each. If the INSERT meets a
    story already there, or a taken slug, or another importer running beside this one (a
    deadlock, both creating the same entity or source), the story is tried again looking first.
    """
    for attempt in range(RETRIES):
        try:
            return store_article_once(item, default_source=default_source, publish=publish, report=report,
                                      known_sources=known_sources, optimistic=attempt == 0,
                                      last_try=attempt == RETRIES - 1)
        except (IntegrityError, OperationalError) as error:
            if known_sources is not None:
                known_sources.clear()  # a source created in the rolled-back transaction is gone
            if attempt == RETRIES - 1 or not is_collision(error):
                raise
    return None


def is_collision(error: Exception) -> bool:
    cause = error.__cause__
    return isinstance(cause, (psycopg.errors.DeadlockDetected, psycopg.errors.UniqueViolation,
                              psycopg.errors.SerializationFailure))


def store_article_once(item: Item, *, default_source: Source | None, publish: bool, report: Report,
                       known_sources: dict | None, optimistic: bool, last_try: bool) -> Article | None:
    try:
        fields, notes = prepare(item)
    except Unimportable as error:
        report.add("failed", item.position, str(error))
        return None
    if publish:
        fields["status"] = Article.Status.PUBLISHED
    slug = slugify(fields["title"], max_length=80, word_boundary=True) or "article"
    existing, slug_taken = (None, False) if optimistic and fields["url"] else look_up(fields, slug)
    if existing is not None:
        return known_story(existing, fields, item, report)
    mentions = (item.record or {}).get("mentions") or []
    # One INSERT is a transaction of its own; a story that creates rows besides gets one.
    known = known_sources is not None and source_key(item.publisher) in known_sources
    try:
        with transaction.atomic() if mentions or not known else nullcontext():
            fields["publisher"] = publisher_for(item.publisher, default_source, known_sources)
            # prepare() checked the fields and the database enforces every constraint: a
            # violation comes back as IntegrityError, handled below.
            article = Article(**fields, slug=unique_slug(Article, fields["title"]) if slug_taken else slug)
            article.save()
            store_mentions(article, mentions)
    except (Unimportable, ValidationError) as error:
        if known_sources is not None:
            known_sources.clear()
        report.add("failed", item.position, "; ".join(getattr(error, "messages", [str(error)])))
        return None
    except (IntegrityError, OperationalError) as error:
        if not last_try and is_collision(error):
            raise  # store_article tries again, looking first
        report.add("failed", item.position, f"the database refused the story ({error.__cause__ or error})".splitlines()[0])
        return None
    report.add("imported", item.position, "; ".join(notes))
    return article


def known_story(existing: Article, fields: dict, item: Item, report: Report) -> Article | None:
    """A story already stored: the same text is a duplicate; other text changed upstream."""
    if existing.content_hash == body_hash(fields["body"]):
        report.add("duplicates", item.position)
        return existing
    report.add("changed", item.position, f"“{existing.title}” changed upstream; the stored text was kept")
    return None


def look_up(fields: dict, slug: str) -> tuple[Article | None, bool]:
    """The story already stored under this URL (or, without one, this text), and whether the
    slug is taken: one round trip, since an import asks this of every story."""
    digest = body_hash(fields["body"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.title, a.content_hash, EXISTS (SELECT 1 FROM articles_article WHERE slug = %s) "
            "FROM (SELECT 1) AS one LEFT JOIN articles_article a ON "
            "CASE WHEN %s <> '' THEN a.url = %s ELSE a.url = '' AND a.content_hash = %s END LIMIT 1",
            [slug, fields["url"], fields["url"], digest],
        )
        pk, title, content_hash, slug_taken = cursor.fetchone()
    existing = Article(pk=pk, title=title, content_hash=content_hash) if pk is not None else None
    return existing, slug_taken


def find_existing(fields: dict) -> Article | None:
    stories = Article.objects.only("pk", "title", "content_hash").order_by()
    if fields["url"]:
        return stories.filter(url=fields["url"]).first()
    return stories.filter(content_hash=body_hash(fields["body"]), url="").first()


def story_named(reference: dict) -> Article | None:
    """The story a link or an evidence names: by its URL, or by the hash of its text."""
    if reference.get("url") or reference.get("to_url"):
        return Article.objects.filter(url=canonical_url(str(reference.get("url") or reference.get("to_url")))).first()
    if reference.get("hash") or reference.get("to_hash"):
        return Article.objects.filter(content_hash=str(reference.get("hash") or reference.get("to_hash"))).first()
    return None


def entity_for(details: dict) -> Entity:
    if not isinstance(details, dict) or not str(details.get("name") or "").strip():
        raise Unimportable("a mention needs an entity with a name")
    wikidata = str(details.get("wikidata_id") or "").strip().upper()
    kind = str(details.get("kind") or "")
    if kind not in Entity.Kind.values:
        raise Unimportable(f"entity kind {kind!r} is not one of {', '.join(Entity.Kind.values)}")
    found = Entity.objects.filter(wikidata_id=wikidata).first() if wikidata else None
    found = found or Entity.objects.filter(name=clean_text(details["name"]).strip(), kind=kind).first()
    entity = found or Entity.objects.create(name=clean_text(details["name"])[:300], kind=kind, wikidata_id=wikidata)
    for alias in details.get("aliases") or []:
        if isinstance(alias, dict) and str(alias.get("name") or "").strip():
            name = clean_text(alias["name"]).strip()[:300]
            if not entity.aliases.filter(name__iexact=name).exists():
                EntityAlias.objects.create(entity=entity, name=name, language=str(alias.get("language") or "")[:35])
    return entity


def store_mentions(article: Article, mentions: list) -> None:
    for mention in mentions:
        if not isinstance(mention, dict):
            raise Unimportable("each mention must be an object")
        Mention.objects.get_or_create(
            article=article, entity=entity_for(mention.get("entity")), start=mention.get("start"), end=mention.get("end"),
            defaults={"exact": str(mention.get("exact") or ""), "is_published": bool(mention.get("published", True))},
        )


def store_annotations(article: Article, record: dict, position: str, report: Report) -> None:
    """The claims and links of a JSON Lines story, once every story of the file is stored."""
    try:
        with transaction.atomic():
            for claim in record.get("claims") or []:
                store_claim(article, claim)
            for link in record.get("links") or []:
                other = story_named(link)
                if other is None or other.pk == article.pk:
                    raise Unimportable(f"a link points at {str(link.get('to_url') or link.get('to_hash'))[:80]!r}, which is not a story here")
                StoryLink.objects.get_or_create(from_article=article, to_article=other, kind=str(link.get("kind")))
            check_rules_now()
    except IntegrityError as error:
        reason = rule_refusal(error) or str(error.__cause__ or error).splitlines()[0]
        report.messages.append(f"{position}: the story was imported but its claims and links were not ({reason})")
        report.failed += 1
    except (Unimportable, ValidationError, AttributeError, TypeError, KeyError) as error:
        report.messages.append(f"{position}: the story was imported but its claims and links were not ({error})")
        report.failed += 1


def store_claim(article: Article, data: dict) -> None:
    """A JSON Lines claim, through the one constructor of claims (Claim.record)."""
    chain = [
        ChainLink(publisher_for(link.get("source") or {}, None), link.get("role"), link.get("sourcing"),
                  link.get("start"), link.get("end"), str(link.get("exact") or ""))
        for link in data.get("chain") or []
    ]
    evidence = [evidence_spec(spec, len(chain)) for spec in data.get("evidence") or []]
    history = [
        StatusStep(str(change.get("to")), str(change.get("reason") or ""), change.get("evidence"), parse_time(change.get("at")))
        for change in data.get("history") or []
    ]
    Claim.record(
        article, start=data.get("start"), end=data.get("end"), exact=str(data.get("exact") or ""),
        statement=str(data.get("statement") or data.get("exact") or ""), note=str(data.get("note") or ""),
        is_published=bool(data.get("published", True)), chain=chain, evidence=evidence, history=history,
    )


def evidence_spec(spec: dict, chain_length: int) -> EvidenceSpec:
    """Evidence as a JSON Lines record gives it: stories are named by URL or text hash."""
    kind, note = spec.get("kind"), str(spec.get("note") or "")
    if kind == "quote":
        target = spec.get("link")
        if not isinstance(target, int) or not 0 <= target < chain_length:
            raise Unimportable("quoted evidence must name a link of the chain by its position")
        return EvidenceSpec("quote", link=target, note=note)
    if kind == "article":
        target = story_named(spec)
        if target is None:
            raise Unimportable(f"evidence names {str(spec.get('url') or spec.get('hash'))[:80]!r}, which is not a story here")
        return EvidenceSpec("article", article=target, note=note)
    if kind == "url":
        return EvidenceSpec("url", url=canonical_url(str(spec.get("url") or "")), note=note)
    raise Unimportable(f"evidence kind {kind!r} is not quote, article or url")


def import_paths(paths: Iterable[Path], *, fmt: str = "auto", source: Source | None = None, publish: bool = False,
                 progress=None, jobs: int = 1) -> Report:
    """Import every file; with jobs > 1, JSON Lines files are shared between that many processes."""
    report = Report()
    with one_invalidation():  # the public pages are forgotten once, not once per story
        for path in paths:
            if jobs > 1 and is_jsonl(path, fmt):
                part = import_in_parallel(path, jobs=jobs, source=source, publish=publish, progress=progress)
            else:
                with fast_commits():
                    part = import_all([path], fmt=fmt, source=source, publish=publish, progress=progress)
            report.merge(part)
    return report


def is_jsonl(path: Path, fmt: str) -> bool:
    if fmt != "auto":
        return fmt == "jsonl"
    with path.open("rb") as stream:
        return detect_format(stream.read(8192), path.name) == "jsonl"


def import_in_parallel(path: Path, *, jobs: int, source: Source | None, publish: bool, progress) -> Report:
    """Each process takes every jobs-th line of the file; the claims and links come after."""
    import multiprocessing

    from articles import import_workers

    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    database = dict(connection.settings_dict)
    # The workers connect to this very database; told through DATABASE_URL, their settings never
    # start (or register with) an embedded server of their own.
    with environment(DATABASE_URL=database_url(database)), context.Pool(
        jobs, initializer=import_workers.start, initargs=(counter, database)
    ) as pool:
        tasks = [(path, (k, jobs), source.pk if source else None, publish) for k in range(jobs)]
        result = pool.map_async(import_workers.import_share, tasks)
        while not result.ready():
            result.wait(0.2)
            if progress:
                progress(Report(imported=counter.value))
        parts = result.get()
    report = Report()
    pending = {}
    for part, part_pending in parts:
        report.merge(part)
        pending.update(part_pending)
    report.messages.sort(key=line_number)
    if pending:
        with fast_commits():
            store_second_pass(path, pending, report)
    return report


@contextmanager
def environment(**values):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    host = quote(settings_dict.get("HOST") or "", safe="")  # a socket folder is percent-encoded
    port = settings_dict.get("PORT") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{host}{':' + str(port) if port else ''}/{quote(settings_dict['NAME'], safe='')}"


def import_share_of(task, counter) -> tuple[Report, dict]:
    """In a worker process: import every n-th line of a file; return the report and the stories
    whose claims and links the parent stores afterwards."""
    path, share, source_pk, publish = task
    source = Source.objects.get(pk=source_pk) if source_pk else None
    report, pending, known = Report(), {}, {}
    with fast_commits(), one_invalidation():
        for entry in read_items(path, "jsonl", share):
            if isinstance(entry, Problem):
                report.add("failed", entry.position, entry.reason)
            else:
                article = store_article(entry, default_source=source, publish=publish, report=report, known_sources=known)
                if article is not None and entry.record and (entry.record.get("claims") or entry.record.get("links")):
                    pending[entry.position] = article.pk
            with counter.get_lock():
                counter.value += 1
    connection.close()
    return report, pending


def line_number(message: str) -> int:
    match = re.search(r", line (\d+):", message)
    return int(match.group(1)) if match else 0


@contextmanager
def fast_commits():
    """Commit each story without waiting for the disk flush (synchronous_commit off).

    Every story is still all-or-nothing; a crash of the database server can lose only the last
    moments of an import, which a re-run (idempotent) then adds again. Ten times the speed.
    """
    if connection.in_atomic_block:  # inside a caller's transaction (tests): leave it alone
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def import_all(paths, *, fmt, source, publish, progress) -> Report:
    report = Report()
    known_sources: dict = {}
    for path in paths:
        pending = []  # (article id, line) of JSON Lines stories whose annotations come second
        for entry in read_items(path, fmt):
            if isinstance(entry, Problem):
                report.add("failed", entry.position, entry.reason)
            else:
                article = store_article(
                    entry, default_source=source, publish=publish, report=report, known_sources=known_sources
                )
                if article is not None and entry.record and (entry.record.get("claims") or entry.record.get("links")):
                    pending.append((article.pk, entry.position))
            if progress:
                progress(report)
        if pending:
            store_second_pass(path, dict((position, pk) for pk, position in pending), report)
    return report


def store_second_pass(path: Path, articles_by_position: dict, report: Report) -> None:
    for entry in read_items(path, "jsonl"):
        if isinstance(entry, Item) and entry.position in articles_by_position:
            article = Article.objects.get(pk=articles_by_position[entry.position])
            store_annotations(article, entry.record, entry.position, report)
