"""Importing stories from JSON Lines, RSS/Atom feeds, HTML pages and plain text.

Every input becomes a stream of `Item`s (or `Problem`s, for what could not be read), and every
item is stored in its own transaction, so a bad item never leaves half a record and never stops
the rest; new stories that need only their row share one transaction a chunk (store_chunk),
which the database takes whole or not at all, and then they are stored one by one. Stories are recognised again by canonical URL or, without one, by a hash of their
text: importing the same file twice changes nothing, and a story whose text changed upstream
becomes a new version of it (annotations.corrections.propose), pending for an editor unless its
publisher's corrections are accepted automatically.

JSON Lines files are read twice, streaming: the stories first, then their claims and links, so
that a claim's evidence and a story link may name a story that comes later in the file.
"""

import io
import os
import random
import re
import time
from collections.abc import Container, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote
from typing import IO

import courlan
import feedparser
from feedparser.encodings import convert_to_utf8
import html_text
import pghistory
import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from annotations.models import (
    AttributionSpec, Claim, ClaimAcrossStories, ClaimTranslation, Entity, EntityAlias, EvidenceSpec, Mention, StatusStep,
    StoryLink, check_rules_now, rule_refusal,
)
from articles.import_records import Invalid, check_record, parse_line, parse_moment
from articles.models import Article, Source, body_hash, normalise_language_tag, slug_of, unique_slug
from articles.text import detect_language, to_name, to_nfc
from newsdesk.languages import number as shown_number

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
    record: dict | None = None  # the checked JSON Lines record, for its annotations
    upstream_id: str = ""  # the feed item's guid or the record's id
    feed_id: int | None = None  # the Feed polled that brought it
    line: int = 0  # its line in a JSON Lines file
    # What of a JSON Lines story waits for the second pass: its claims whose evidence names a
    # story not stored yet, and its links to such stories (their positions in the record).
    deferred: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())


@dataclass
class Problem:
    position: str
    reason: str


# More than a desk upload may hold (IMPORT_MAX_UPLOAD_STORIES); a command-line import of a
# million stories does not keep a million titles.
STORIES_LISTED = 5_000


@dataclass
class Report:
    """What an import did. Its messages are written when they are made, in the language active
    then (the desk's reader's, the command's environment's), and kept as text."""

    imported: int = 0
    duplicates: int = 0
    changed: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)
    # What the stories changed upstream did to their annotations: carried over (versions made
    # current at once), or would do once accepted (pending versions).
    annotations: dict = field(default_factory=lambda: {"moved": 0, "review": 0, "orphaned": 0, "pending": 0})
    # The stories imported, as [id, title], for the desk's links to them (the first STORIES_LISTED).
    stories: list[list] = field(default_factory=list)

    def add(self, kind: str, position: str, message: str = "") -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if message:
            self.messages.append(f"{position}: {message}")

    def imported_story(self, article: "Article") -> None:
        if len(self.stories) < STORIES_LISTED:
            self.stories.append([article.pk, article.title])

    def count_annotations(self, carried, *, pending: bool) -> None:
        if pending:
            self.annotations["pending"] += carried.moved + carried.review + carried.orphaned
        else:
            for kind in ("moved", "review", "orphaned"):
                self.annotations[kind] += getattr(carried, kind)

    def merge(self, other: "Report") -> None:
        for kind in ("imported", "duplicates", "changed", "failed"):
            setattr(self, kind, getattr(self, kind) + getattr(other, kind))
        for kind, count in other.annotations.items():
            self.annotations[kind] = self.annotations.get(kind, 0) + count
        self.messages += other.messages
        self.stories += other.stories[: max(0, STORIES_LISTED - len(self.stories))]

    @property
    def total(self) -> int:
        return self.imported + self.duplicates + self.changed + self.failed

    def summary(self) -> str:
        text = gettext(
            "%(imported)s imported, %(duplicates)s skipped as duplicates, "
            "%(changed)s changed upstream (kept as new versions), %(failed)s failed"
        ) % {kind: shown_number(getattr(self, kind)) for kind in ("imported", "duplicates", "changed", "failed")}
        moved, review, orphaned, pending = (self.annotations.get(k, 0) for k in ("moved", "review", "orphaned", "pending"))
        if moved or review or orphaned:
            text += "; " + gettext(
                "annotations of the corrected stories: %(moved)s moved with their words, %(review)s to review, "
                "%(orphaned)s orphaned"
            ) % {"moved": shown_number(moved), "review": shown_number(review), "orphaned": shown_number(orphaned)}
        if pending:
            text += "; " + ngettext(
                "%(n)s annotation waits on a new version to be accepted",
                "%(n)s annotations wait on new versions to be accepted", pending,
            ) % {"n": shown_number(pending)}
        return text


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
        raise Unimportable(
            gettext("the address %(url)s is not an http(s) URL and was dropped") % {"url": repr(url[:80])})
    normalised = courlan.normalize_url(url, strict=True)
    return normalised.split("#", 1)[0][:2000]


def parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    try:
        return parse_moment(str(value))
    except (ValueError, OverflowError) as error:
        raise Unimportable(gettext("published_at %(value)s is not a real date and time (%(error)s)")
                           % {"value": repr(str(value)[:40]), "error": error}) from None


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


def read_jsonl(stream: IO[bytes], name: str, share: tuple[int, int] | None = None,
               lines: Container[int] | None = None) -> Iterator[Item | Problem]:
    """The stories of a JSON Lines file, each record checked whole (articles/import_records.py);
    with `share` (k, n), only those of every n-th line from k; with `lines`, only those lines."""
    where = position_words()
    for number, raw in enumerate(stream, start=1):
        if share is not None and number % share[1] != share[0]:
            continue
        if lines is not None and number not in lines:
            continue
        position = where % {"file": name, "line": number}
        if len(raw) > settings.IMPORT_MAX_ITEM_BYTES:
            yield Problem(position, gettext("the line is %(size)s bytes long; the limit is %(limit)s")
                          % {"size": shown_number(len(raw)), "limit": shown_number(settings.IMPORT_MAX_ITEM_BYTES)})
            continue
        if not raw.strip():
            continue
        try:
            record = check_record(parse_line(raw))
        except Invalid as error:
            listed, more = error.problems[:20], len(error.problems) - 20
            if more > 0:
                listed.append(ngettext("and %(n)s more problem", "and %(n)s more problems", more)
                              % {"n": shown_number(more)})
            yield Problem(position, "; ".join(listed))
            continue
        yield item_from_record(record, position, number)


def position_words() -> str:
    """How a report names a line of a JSON Lines file ("news.jsonl, line 3"), in the active
    language: a template of %(file)s and %(line)s. A line's number is not grouped (line 12345),
    as an editor's "go to line" takes it."""
    return gettext("%(file)s, line %(line)s")


def line_number_in(name: str):
    """A function giving the line a report message about file `name` names (0 for none), read
    back through the position's words in the active language: the messages of a parallel import
    are put back in the file's order by it."""
    before, _, after = (position_words() % {"file": name, "line": "\0"}).partition("\0")
    pattern = re.compile(re.escape(before) + r"(\d+)" + re.escape(after) + ": ")

    def line_number(message: str) -> int:
        match = pattern.match(message)
        return int(match.group(1)) if match else 0

    return line_number


def item_from_record(record: dict, position: str, number: int = 0) -> Item:
    """An item from a checked record (import_records.check_record)."""
    return Item(
        position=position, title=record["title"], body=record["body"], url=record["url"],
        language=record["language"], published_at=record["published_at"], publisher=record["publisher"],
        status=record["status"], record=record, line=number, upstream_id=record.get("id", ""),
    )


ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.I)
# What may stand before a feed's root element: white space, the XML declaration and other
# processing instructions, comments, and the DOCTYPE up to its end or to the "[" that opens an
# internal subset (quoted identifiers may hold either character).
PROLOG_PART = re.compile(
    r"""[\s\ufeff]+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*(?P<subset>\[)?>?""", re.S | re.I
)


def declared_entities(data: bytes) -> str:
    """Why the feed is refused, if it declares entities (the billion-laughs bomb, or one that
    names a local file); empty if it does not.

    The text is read as feedparser will read it, with its own choice of encoding (a byte order
    mark, the XML declaration, or sniffing UTF-16 and UTF-32), so that no encoding, padding or
    comment hides a declaration from this check that the parser would then see."""
    text = convert_to_utf8({}, data, feedparser.FeedParserDict()).decode("utf-8", "replace")
    position = 0
    while match := PROLOG_PART.match(text, position):
        if match["subset"]:
            return gettext("the feed declares XML entities (its DOCTYPE has an internal subset)")
        position = match.end()
    # Past the prolog a declaration is not XML, but feedparser's lenient parser, used when the
    # strict one fails, would still read it.
    if ENTITY_DECLARATION.search(text):
        return gettext("the feed declares XML entities")
    return ""


def read_feed(data: bytes, name: str) -> Iterator[Item | Problem]:
    # Entities declared in the file are refused before any parser sees them; feedparser only
    # ever gets bytes, never a path. Its own sanitizer is off: it keeps a script's code as text,
    # while html_text drops it.
    refusal = declared_entities(data)
    if refusal:
        yield Problem(name, gettext("%(refusal)s, which are never expanded here; the file was refused")
                      % {"refusal": refusal})
        return
    parsed = feedparser.parse(io.BytesIO(data), resolve_relative_uris=False, sanitize_html=False)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        yield Problem(name, gettext("no stories could be read from the feed (%(reason)s)")
                      % {"reason": reason or gettext("it has no items")})
        return
    feed_title = clean_text(parsed.feed.get("title", "")).strip()
    feed_language = parsed.feed.get("language", "")
    for number, entry in enumerate(parsed.entries, start=1):
        position = gettext("%(file)s, item %(item)s") % {"file": name, "item": number}
        try:
            yield item_from_entry(entry, position, feed_title, feed_language,
                                  atom=str(parsed.get("version", "")).startswith("atom"))
        except Unimportable as error:
            yield Problem(position, str(error))


def entry_html(entry) -> str:
    for content in entry.get("content", []) or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary", "") or entry.get("description", "")


# A tag (a letter after "<", as in "<b>" or "</span>") or an entity reference ("&amp;", "&#8217;").
MARKUP = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);")


def feed_title_text(title: str, title_type: str, atom: bool) -> str:
    """A feed title reduced to its text, as feed readers show it, white space folded.

    An Atom title declared html or xhtml is read as HTML once: what is still escaped in it is
    meant as text ("History of the &lt;blink&gt; tag"). An RSS title has no declared type
    (feedparser guesses), and one that still holds markup once read was escaped twice, as many
    feeds send; it, and an Atom title of type "text" that holds markup, are read as HTML (once
    more)."""
    declared_html = atom and ("html" in title_type)
    text = html_to_text(title) if "html" in title_type else clean_text(title)
    if not declared_html and MARKUP.search(text):
        text = html_to_text(text)
    return " ".join(text.split())


def item_from_entry(entry, position: str, feed_title: str, feed_language: str, atom: bool = False) -> Item:
    title_type = (entry.get("title_detail") or {}).get("type", "text/plain")
    title = entry.get("title", "")
    title = feed_title_text(title, title_type, atom)
    body = html_to_text(entry_html(entry))
    if not title and not body:
        raise Unimportable(gettext("the item has neither a title nor any text"))
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime(*moment[:6], tzinfo=UTC) if moment else None
    language = entry.get("language") or (entry.get("title_detail") or {}).get("language") or feed_language or ""
    return Item(
        position=position, title=title or body[:120], body=body or title, url=entry.get("link", "") or "",
        language=language, published_at=published, publisher={"name": feed_title} if feed_title else {},
        upstream_id=clean_text(str(entry.get("id") or ""))[:500].strip(),
    )


def read_html(data: bytes, name: str) -> Iterator[Item | Problem]:
    import trafilatura

    document = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
    )
    if document is None or not (document.text or "").strip():
        yield Problem(name, gettext("no article text could be found in the page"))
        return
    try:
        date = parse_time(document.date) if document.date else None
    except Unimportable:
        date = None  # a page's date is a guess of trafilatura's; an impossible one is left out
    yield Item(
        position=name, title=clean_text(document.title or "").strip() or canonical_text(document.text)[:120],
        body=document.text, url=document.url or "", language=document.language or "", published_at=date,
        publisher={"name": document.sitename} if document.sitename else {},
    )


def read_text(data: bytes, name: str) -> Iterator[Item | Problem]:
    try:
        text = data.decode(text_encoding(data[:4]) or "utf-8-sig")
    except UnicodeDecodeError as error:
        yield Problem(name, gettext("not UTF-8 text (%(reason)s at byte %(byte)s)")
                      % {"reason": error.reason, "byte": error.start})
        return
    title, _, body = clean_text(text).strip().partition("\n")
    if not title.strip() or not body.strip():
        yield Problem(name, gettext("a text file needs a title on its first line and the story below it"))
        return
    yield Item(position=name, title=title.strip(), body=text_paragraphs(body))


def text_paragraphs(body: str) -> str:
    """A plain-text story's paragraphs, blank-line separated as every stored body is: if the
    story has a blank line anywhere (the ones between the title and the story do not count),
    blank lines separate paragraphs and the lines between them are joined (canonical_text folds
    them); otherwise each line is a paragraph."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if any(not line.strip() for line in lines):
        return "\n".join(lines)
    return "\n\n".join(lines)


FEED_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]", re.I)


def count_stories(upload, fmt: str = "auto") -> int:
    """How many stories an uploaded file holds, without storing any: the lines of a JSON Lines
    file that are not blank, the items (or entries) of a feed, else one."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if fmt == "auto":
        fmt = detect_format(head, getattr(upload, "name", "") or "")
    try:
        if fmt == "jsonl":
            return sum(1 for line in upload if line.strip())
        if fmt == "feed":
            data = upload.read()
            encoding = text_encoding(data[:4])
            if encoding and encoding.startswith(("utf-16", "utf-32")):
                data = data.decode(encoding, errors="ignore").encode("utf-8")
            return len(FEED_ITEM.findall(data))
        return 1
    finally:
        upload.seek(0)


def looks_binary(head: bytes) -> bool:
    return text_encoding(head) is None and b"\x00" in head[:8192]


def read_items(path: Path, fmt: str = "auto", share: tuple[int, int] | None = None,
               lines: Container[int] | None = None) -> Iterator[Item | Problem]:
    name = path.name
    size = path.stat().st_size
    if size == 0:
        yield Problem(name, gettext("the file is empty"))
        return
    with path.open("rb") as stream:
        head = stream.read(8192)
        if fmt == "auto":
            fmt = detect_format(head, name)
        if fmt in ("html", "text") and looks_binary(head):
            yield Problem(name, gettext("the file is binary, not text"))
            return
        stream.seek(0)
        if fmt == "jsonl":
            yield from read_jsonl(stream, name, share, lines)
            return
        if size > settings.IMPORT_MAX_FILE_BYTES:
            yield Problem(name, gettext(
                "the file is %(size)s bytes; %(format)s files are read whole and the limit is %(limit)s"
            ) % {"size": shown_number(size), "format": fmt, "limit": shown_number(settings.IMPORT_MAX_FILE_BYTES)})
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
            # Said in words that fit both the desk's picker and the command's --source, whose help names it.
            raise Unimportable(
                gettext("the story names no publisher, and no publisher was chosen for stories that name none"))
        return default
    kind = str(details.get("kind") or Source.Kind.PUBLICATION)
    if kind not in Source.Kind:
        raise Unimportable(gettext("publisher kind %(kind)s is not one of %(kinds)s")
                           % {"kind": repr(kind), "kinds": ", ".join(Source.Kind.values)})
    country = str(details.get("country") or "").upper()[:2]
    url = str(details.get("url") or "")[:2000]
    return Source.named(name, kind, country, url=url if url.startswith(("http://", "https://")) else "")


def prepare(item: Item) -> tuple[dict, list[str]]:
    """The article's fields from an item, and the notes on what was cleaned."""
    notes = []
    title = " ".join(to_name(clean_text(item.title)).split())[:500]
    body = canonical_text(item.body)
    if not title or not body:
        raise Unimportable(gettext("the story has no title or no text once cleaned"))
    if len(body) > settings.IMPORT_MAX_ARTICLE_CHARS:
        raise Unimportable(gettext("the story is %(length)s characters long; the limit is %(limit)s")
                           % {"length": shown_number(len(body)),
                              "limit": shown_number(settings.IMPORT_MAX_ARTICLE_CHARS)})
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
            notes.append(gettext("language %(language)s is not a BCP 47 tag; detected instead")
                         % {"language": repr(item.language[:20])})
    language = language or detect_language(f"{title}\n{body}")
    status = item.status or Article.Status.DRAFT
    if status not in Article.Status:
        raise Unimportable(gettext("status %(status)s is not one of %(statuses)s")
                           % {"status": repr(status), "statuses": ", ".join(Article.Status.values)})
    return {"title": title, "body": body, "url": url, "language": language, "status": status,
            "published_at": item.published_at, "upstream_id": item.upstream_id}, notes


# Two importers storing stories that name the same new entities and sources meet again and
# again; each retry waits a little longer, at random, so that one of them goes first.
RETRIES = 6


def store_article(item: Item, *, default_source: Source | None, publish: bool, report: Report,
                  known_sources: dict | None = None, look_first: bool = False) -> Article | None:
    """Store one story in its own transaction.

    A story with a URL is first simply inserted: the unique URL is the database's to check, and
    most stories of an import are new, so this saves a round trip each. If the INSERT meets a
    story already there, or a taken slug, or another importer running beside this one (a
    deadlock, both creating the same entity or source), the story is tried again looking first.
    A feed polled again brings mostly stories already stored: with `look_first` every story looks
    first, sparing each known one a failed INSERT and its rollback.
    """
    for attempt in range(RETRIES):
        try:
            return store_article_once(item, default_source=default_source, publish=publish, report=report,
                                      known_sources=known_sources, optimistic=attempt == 0 and not look_first,
                                      last_try=attempt == RETRIES - 1)
        except (IntegrityError, OperationalError) as error:
            if known_sources is not None:
                known_sources.clear()  # a source created in the rolled-back transaction is gone
            if attempt == RETRIES - 1 or not is_collision(error):
                raise
            time.sleep(random.uniform(0, 0.02 * attempt))
    return None


def is_collision(error: Exception) -> bool:
    cause = error.__cause__
    return isinstance(cause, (psycopg.errors.DeadlockDetected, psycopg.errors.UniqueViolation,
                              psycopg.errors.SerializationFailure))


def store_article_once(item: Item, *, default_source: Source | None, publish: bool, report: Report,
                       known_sources: dict | None, optimistic: bool, last_try: bool) -> Article | None:
    try:
        fields, notes = story_fields(item, publish=publish)
    except Unimportable as error:
        report.add("failed", item.position, str(error))
        return None
    slug = first_slug(fields["title"])
    # Whether this import has met the publisher before (then its INSERT creates nothing besides).
    known = known_sources is not None and source_key(item.publisher) in known_sources
    if fields["upstream_id"]:
        # An upstream id is its publisher's (two feeds may both number items "1"): the story is
        # looked for under its publisher, found or created first.
        try:
            fields["publisher"] = publisher_for(item.publisher, default_source, known_sources)
        except Unimportable as error:
            report.add("failed", item.position, str(error))
            return None
    existing, slug_taken = (None, False) if optimistic and (fields["url"] or fields["upstream_id"]) else look_up(fields, slug)
    record = item.record or {}
    if existing is not None:
        story = known_story(existing, fields, item, report)
        if story is not None:  # its annotations, stored with it, are looked at again in the second pass
            item.deferred = (tuple(range(len(record.get("claims", ())))), tuple(range(len(record.get("links", ())))))
        return story
    annotated = bool(record.get("mentions") or record.get("claims") or record.get("links"))
    # One INSERT is a transaction of its own; a story that creates rows besides gets one, which
    # holds the story with its mentions and claims: stored whole or not at all. Inside a caller's
    # transaction the INSERT gets a savepoint, so that a refused story leaves it usable.
    try:
        with transaction.atomic() if annotated or not known or connection.in_atomic_block else nullcontext():
            fields["publisher"] = publisher_for(item.publisher, default_source, known_sources)
            # prepare() and check_record() checked the fields and the database enforces every
            # constraint: a violation comes back as IntegrityError, handled below.
            article = Article(**fields, feed_id=item.feed_id,
                              slug=unique_slug(Article, fields["title"]) if slug_taken else slug)
            article.save()
            if annotated:
                item.deferred = store_annotations(article, record, first_pass=True, notes=notes)
    except (Unimportable, ValidationError) as error:
        if known_sources is not None:
            known_sources.clear()
        report.add("failed", item.position, "; ".join(getattr(error, "messages", [str(error)])))
        return None
    except (IntegrityError, OperationalError) as error:
        if not last_try and is_collision(error):
            raise  # store_article tries again, looking first
        if known_sources is not None:
            known_sources.clear()
        report.add("failed", item.position, refusal(error, gettext("the database refused the story")))
        return None
    except DatabaseError as error:
        if known_sources is not None:
            known_sources.clear()
        report.add("failed", item.position, refusal(error, gettext("the database refused the story")))
        return None
    report.add("imported", item.position, "; ".join(notes))
    report.imported_story(article)
    return article


def story_fields(item: Item, *, publish: bool) -> tuple[dict, list[str]]:
    """prepare(), and the status the story is stored with."""
    fields, notes = prepare(item)
    if publish:
        fields["status"] = Article.Status.PUBLISHED
    if fields["status"] == Article.Status.PUBLISHED and fields["published_at"] is None:
        # Never the import's own time as the story's date: it waits, a draft, for its date.
        fields["status"] = Article.Status.DRAFT
        notes.append(gettext("the story has no date, so it was stored as an undated draft, not published; "
                             "set its date in the desk, then publish it"))
    return fields, notes


def first_slug(title: str) -> str:
    """The slug a story is given unless another story has it (then unique_slug's)."""
    return slug_of(title) or "article"


def refusal(error: DatabaseError, what: str) -> str:
    """The report's words for a database error: a claim rule's own message, else its first line."""
    message = rule_refusal(error) if isinstance(error, IntegrityError) else None
    if message:
        return f"{what}: {message}"
    return f"{what} ({error.__cause__ or error})".splitlines()[0]


def known_story(existing: Article, fields: dict, item: Item, report: Report) -> Article | None:
    """A story already stored: the same text is a duplicate; other text changed upstream, and is
    kept as a new version (annotations.corrections.propose): pending, for an editor to accept,
    or current at once for a publisher whose corrections are accepted automatically."""
    from annotations.corrections import propose

    if existing.content_hash == body_hash(fields["body"]):
        report.add("duplicates", item.position)
        return existing
    try:
        version, carried = propose(existing, title=fields["title"], body=fields["body"])
    except ValidationError as error:
        report.add("failed", item.position, "; ".join(error.messages))
        return None
    except DatabaseError as error:
        report.add("failed", item.position, refusal(error, gettext("the database refused the new version")))
        return None
    if version is None:
        report.add("duplicates", item.position,
                   gettext("“%(title)s” changed upstream before; that text already waits for an editor")
                   % {"title": existing.title})
    elif carried is None:
        preview = version.preview
        report.add("changed", item.position, gettext(
            "“%(title)s” changed upstream: its new text is version %(number)s, waiting for an editor to accept it "
            "(if accepted, annotations: %(carried)s)"
        ) % {"title": existing.title, "number": version.number, "carried": preview.summary()})
        report.count_annotations(preview, pending=True)
    else:
        report.add("changed", item.position, gettext(
            "“%(title)s” changed upstream: its new text is version %(number)s, accepted as its publisher's "
            "corrections are; annotations: %(carried)s"
        ) % {"title": existing.title, "number": version.number, "carried": carried.summary()})
        report.count_annotations(carried, pending=False)
    return None


def look_up(fields: dict, slug: str) -> tuple[Article | None, bool]:
    """The story already stored under this URL (or, without one, this text), and whether the
    slug is taken: one round trip, since an import asks this of every story."""
    digest = body_hash(fields["body"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.title, a.content_hash, EXISTS (SELECT 1 FROM articles_article WHERE slug = %(slug)s) "
            "FROM (SELECT 1) AS one LEFT JOIN articles_article a ON "
            "CASE WHEN %(url)s <> '' OR %(id)s <> '' "
            "THEN (%(url)s <> '' AND a.url = %(url)s) "
            "OR (%(id)s <> '' AND a.upstream_id = %(id)s AND a.publisher_id = %(publisher)s) "
            "ELSE a.url = '' AND a.upstream_id = '' AND a.content_hash = %(hash)s END LIMIT 1",
            {"slug": slug, "url": fields["url"], "id": fields.get("upstream_id", ""), "hash": digest,
             "publisher": fields["publisher"].pk if fields.get("publisher") else None},
        )
        pk, title, content_hash, slug_taken = cursor.fetchone()
    existing = Article(pk=pk, title=title, content_hash=content_hash) if pk is not None else None
    return existing, slug_taken


def story_named(reference: dict) -> Article | None:
    """The story a story link or an evidence names (a checked reference: {"url": …} or {"hash": …})."""
    stories = Article.objects.only("pk", "url", "content_hash").order_by()
    if reference.get("url"):
        return stories.filter(url=reference["url"]).first()
    if reference.get("hash"):
        return stories.filter(content_hash=reference["hash"]).first()
    return None


def named(reference: dict) -> str:
    return repr(str(reference.get("url") or reference.get("hash") or "")[:80])


class Unresolved(Unimportable):
    """A claim's evidence or a story link names a story that is not stored (yet)."""


def entity_for(details: dict) -> Entity:
    """The entity a checked mention names: by Wikidata id, else by name or alias (as the desk
    finds them: EntityQuerySet.same_name) and kind; or created."""
    wikidata, kind, name = details["wikidata_id"], details["kind"], details["name"]
    found = Entity.objects.filter(wikidata_id=wikidata).first() if wikidata else None
    found = found or Entity.objects.same_name(name).filter(kind=kind).order_by("pk").first()
    entity = found or Entity.objects.create(name=name, kind=kind, wikidata_id=wikidata)
    for alias in details["aliases"]:
        if not entity.aliases.filter(name__iexact=alias["name"]).exists():
            EntityAlias.objects.create(entity=entity, name=alias["name"], language=alias["language"])
    return entity


def store_mentions(article: Article, mentions: list[dict]) -> None:
    seen = set()
    for i, mention in enumerate(mentions):
        try:
            entity = entity_for(mention["entity"])
            if (entity.pk, mention["start"], mention["end"]) in seen:
                continue  # the same mention twice in the record
            seen.add((entity.pk, mention["start"], mention["end"]))
            Mention(article=article, entity=entity, start=mention["start"], end=mention["end"], exact=mention["exact"],
                    is_published=mention["published"]).save()
        except ValidationError as error:
            raise Unimportable(f"mentions[{i}]: {'; '.join(error.messages)}") from None


def store_annotations(article: Article, record: dict, *, first_pass: bool,
                      claims: Iterable[int] | None = None, links: Iterable[int] | None = None,
                      report: Report | None = None, position: str = "",
                      notes: list | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A JSON Lines story's mentions, claims and links.

    In the first pass (inside the story's transaction) every error is the story's: Unimportable
    names the claim or mention and why, and nothing of the story is kept. A claim whose evidence
    names a story not stored yet, and a link to one, are returned, for the second pass. There
    (`report` given) each claim and link named is stored in its own transaction, and one that
    still names no story here, or breaks a rule, is a report line.
    """
    deferred_claims, deferred_links = [], []
    if first_pass:
        store_mentions(article, record["mentions"])
    for i in range(len(record["claims"])) if claims is None else claims:
        claim = record["claims"][i]
        try:
            with transaction.atomic() if not first_pass else nullcontext():
                store_claim(article, claim, f"claims[{i}]", notes)
                if not first_pass:
                    check_rules_now()
        except Unresolved as error:
            if first_pass:
                deferred_claims.append(i)
            else:
                report.add("failed", position, f"{not_stored(f'claims[{i}]')}: {error}")
        except ValidationError as error:
            if first_pass:
                raise Unimportable(f"claims[{i}]: {'; '.join(error.messages)}") from None
            report.add("failed", position, f"{not_stored(f'claims[{i}]')}: {'; '.join(error.messages)}")
        except IntegrityError as error:
            if first_pass:
                raise
            report.add("failed", position, refusal(error, not_stored(f"claims[{i}]")))
    if first_pass and record["claims"]:
        check_rules_now()  # the claim rules the database holds at commit, now, while it can be reported
    for i in range(len(record["links"])) if links is None else links:
        link = record["links"][i]
        other = story_named(link["story"])
        if other is None:
            if first_pass:
                deferred_links.append(i)
            else:
                report.add("failed", position, gettext("%(field)s points at %(story)s, which is not a story here")
                           % {"field": f"links[{i}]", "story": named(link["story"])})
            continue
        if other.pk == article.pk:
            itself = gettext("%(field)s points at the story itself") % {"field": f"links[{i}]"}
            if first_pass:
                raise Unimportable(itself)
            report.add("failed", position, itself)
            continue
        either_way = StoryLink.objects.between(article, other).filter(kind=link["kind"])
        if not either_way.exists():
            try:
                with transaction.atomic():
                    StoryLink.objects.create(from_article=article, to_article=other, kind=link["kind"])
            except IntegrityError:
                if first_pass or not either_way.exists():
                    raise
    return tuple(deferred_claims), tuple(deferred_links)


def not_stored(field: str) -> str:
    return gettext("%(field)s was not stored") % {"field": field}


def store_claim(article: Article, data: dict, where: str, notes: list | None = None) -> Claim:
    """A checked claim, through Claim.record: raises Unresolved, before anything is stored, if
    its evidence names a story (or a claim of one) not stored here."""
    evidence = [evidence_spec(article, item, f"evidence[{k}]") for k, item in enumerate(data["evidence"])]
    chain = [
        AttributionSpec(source=publisher_for(given["source"], None), role=given["role"], sourcing=given["sourcing"],
                        start=given["start"], end=given["end"], exact=given["exact"])
        for given in data["chain"]
    ]
    history = [StatusStep(to=step["to"], reason=step["reason"], evidence=step["evidence"], at=step["at"],
                          public_explanation=step["public_explanation"])
               for step in data["history"]]
    return Claim.record(
        article, start=data["start"], end=data["end"], exact=data["exact"], statement=data["statement"],
        note=data["note"], is_published=data["published"], chain=chain, evidence=evidence, history=history,
        across=claim_across_stories(data["across"], article, where, notes) if data.get("across") else None,
    )


def claim_across_stories(data: dict, article: Article, where: str = "", notes: list | None = None) -> ClaimAcrossStories:
    """The claim across stories a record's claim names by its key: the one here, else a new one as
    the record words it (another story of the file, or of a later file, then joins it). A wording
    in a language the claim has none in yet is added (one per language: en-GB is en); what the
    claim here says already stays."""
    across, made = ClaimAcrossStories.objects.get_or_create(
        key=data["key"], defaults={"statement": data["statement"], "language": data["language"] or article.language},
    )
    if not made and notes is not None and to_nfc(data["statement"]) != across.statement:
        # Its key joins it to a claim told in other stories, which words it otherwise: said, not hidden.
        notes.append(gettext("its %(field)s joins the claim “%(here)s” already here, which the file words “%(file)s”")
                     % {"field": f"{where}.across", "here": across.statement[:80], "file": data["statement"][:80]})
    def primary(tag: str) -> str:
        return tag.split("-")[0].lower()

    known = {primary(language) for language in across.translations.values_list("language", flat=True)} | {primary(across.language)}
    for translation in data["translations"]:
        if primary(translation["language"]) not in known and primary(translation["language"]) not in ("und", "mul", "zxx", "mis"):
            ClaimTranslation.objects.create(claim=across, language=translation["language"], statement=translation["statement"])
            known.add(primary(translation["language"]))
    return across


def evidence_spec(article: Article, item: dict, where: str) -> EvidenceSpec:
    kind, note = item["kind"], item["note"]
    if kind == "quote":
        return EvidenceSpec(kind, position=item["link"], note=note, start=item["start"], end=item["end"], exact=item["exact"])
    if kind == "url":
        return EvidenceSpec(kind, url=item["url"], note=note)
    story = story_named(item["story"])
    if story is None:
        raise Unresolved(gettext("its %(field)s names %(story)s, which is not a story here")
                         % {"field": where, "story": named(item["story"])})
    if kind == "article":
        return EvidenceSpec(kind, article=story, note=note)
    claims = Claim.objects.filter(article=story, start=item["start"], end=item["end"])
    claim = (claims.filter(statement=item["statement"]) if item["statement"] else claims).order_by("pk").first()
    if claim is None:
        raise Unresolved(gettext("its %(field)s names a claim at %(start)s-%(end)s of %(story)s, which is not there")
                         % {"field": where, "start": item["start"], "end": item["end"], "story": named(item["story"])})
    return EvidenceSpec(kind, claim=claim, note=note)


def import_paths(paths: Iterable[Path], *, fmt: str = "auto", source: Source | None = None, publish: bool = False,
                 progress=None, jobs: int = 1) -> Report:
    """Import every file; with jobs > 1, JSON Lines files are shared between that many processes."""
    report = Report()
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
    # The workers write their messages in this process's language (the command's, the desk's).
    # The history's rows name who made them (the command, the desk's user) through pghistory's
    # context, which a spawned worker does not inherit: it is handed each worker, which enters
    # its own with the same words. Entered here, pghistory.context() is the caller's (or, if the
    # caller has none, a new one without words).
    with environment(DATABASE_URL=database_url(database)), pghistory.context() as history, context.Pool(
        jobs, initializer=import_workers.start, initargs=(counter, database, translation.get_language())
    ) as pool:
        tasks = [(path, (k, jobs), source.pk if source else None, publish, dict(history.metadata))
                 for k in range(jobs)]
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
    report.messages.sort(key=line_number_in(path.name))
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
    """In a worker process: import every n-th line of a file; return the report and what of its
    stories the parent stores afterwards (the second pass)."""
    path, share, source_pk, publish, history = task
    source = Source.objects.get(pk=source_pk) if source_pk else None
    report, pending, known = Report(), {}, {}

    def stored(count: int) -> None:
        with counter.get_lock():
            counter.value += count

    with pghistory.context(**history), fast_commits():
        store_entries(read_items(path, "jsonl", share), source=source, publish=publish, report=report,
                      known_sources=known, pending=pending, stored=stored)
    connection.close()
    return report, pending


def store_entry(entry: Item | Problem, *, source, publish, report: Report, known_sources: dict, pending: dict,
                look_first: bool = False) -> None:
    """Store one item, or report the problem; note what waits for the second pass in `pending`
    (line → (story id, claims, links)). Whatever goes wrong is a report line, never a crash."""
    if isinstance(entry, Problem):
        report.add("failed", entry.position, entry.reason)
        return
    try:
        article = store_article(entry, default_source=source, publish=publish, report=report, known_sources=known_sources,
                                look_first=look_first)
    except Exception as error:  # noqa: BLE001 - an import reports every item and goes on
        known_sources.clear()
        report.add("failed", entry.position, first_line(gettext("the story could not be stored (%(error)s)"), error))
        return
    if article is not None and (entry.deferred[0] or entry.deferred[1]):
        pending[entry.line] = (article.pk, *entry.deferred)


# New stories inserted together, in one statement and one transaction: the most a chunk holds.
CHUNK = 500


def store_entries(entries: Iterable[Item | Problem], *, source, publish, report: Report, known_sources: dict,
                  pending: dict, look_first: bool = False, stored=None) -> None:
    """store_entry() for each entry, in order; `stored(n)` is told as n more are done.

    A story that needs nothing but its row (it has a URL or an upstream id, and no annotations)
    waits in a chunk with the ones that follow it, and the chunk is stored at once
    (store_chunk): one INSERT and one commit for many stories instead of one each. Anything else
    (a bad line, a story to look up first, an annotated one) first stores the chunk before it,
    so the stories are stored, and their slugs given, in the file's order."""
    chunk: list[Item] = []

    def store_waiting() -> None:
        if chunk:
            store_chunk(chunk, source=source, publish=publish, report=report, known_sources=known_sources,
                        pending=pending)
            if stored:
                stored(len(chunk))
            chunk.clear()

    for entry in entries:
        if not look_first and isinstance(entry, Item) and needs_only_its_row(entry):
            chunk.append(entry)
            if len(chunk) == CHUNK:
                store_waiting()
            continue
        store_waiting()
        store_entry(entry, source=source, publish=publish, report=report, known_sources=known_sources,
                    pending=pending, look_first=look_first)
        if stored:
            stored(1)
    store_waiting()


def needs_only_its_row(item: Item) -> bool:
    record = item.record or {}
    annotated = record.get("mentions") or record.get("claims") or record.get("links")
    return bool((item.url or item.upstream_id) and not annotated)


def store_chunk(items: list[Item], *, source, publish, report: Report, known_sources: dict, pending: dict) -> None:
    """Insert the new stories of `items` in one statement and one transaction; store each of the
    others on its own, as store_entry() always has, which reports it.

    A story goes on its own when it cannot be read (store_entry says why), or when its URL,
    upstream id or slug is taken, here or by a story before it in the chunk (store_entry then
    looks first, and finds it a duplicate, a new version or a free slug). If the database
    refuses the chunk (a rule, or another importer inserting the same story meanwhile), nothing
    of it is kept and every story of it is stored on its own: a bad story is still named with
    its reason, and no story is ever half-written."""
    try:
        # The publishers too: a source made for the chunk is kept only with its stories.
        with transaction.atomic():
            ready = chunk_articles(items, source=source, publish=publish, known_sources=known_sources)
            Article.objects.bulk_create([article for article, _ in ready.values()])
    except Exception:  # noqa: BLE001 - each story is then stored, or reported, on its own
        known_sources.clear()  # a source created in the rolled-back transaction is gone
        ready = {}
    for item in items:
        if id(item) in ready:
            article, notes = ready[id(item)]
            report.add("imported", item.position, "; ".join(notes))
            report.imported_story(article)
        else:  # what it would take is taken, most likely: looking first spares a failed INSERT
            store_entry(item, source=source, publish=publish, report=report, known_sources=known_sources,
                        pending=pending, look_first=True)


def chunk_articles(items: list[Item], *, source, publish, known_sources: dict) -> dict[int, tuple[Article, list[str]]]:
    """The stories of `items` that a single INSERT may store (by id() of their item): read,
    publisher known, and nothing they would take (URL, upstream id, slug) already taken."""
    candidates = {}
    for item in items:
        try:
            fields, notes = story_fields(item, publish=publish)
            if not (fields["url"] or fields["upstream_id"]):
                continue
            fields["publisher"] = publisher_for(item.publisher, source, known_sources)
            article = Article(**fields, feed_id=item.feed_id, slug=first_slug(fields["title"]))
            article.normalise()
        except (Unimportable, ValidationError):
            continue  # store_entry reports it
        candidates[id(item)] = (article, notes)
    articles = [article for article, _ in candidates.values()]
    if not articles:
        return {}
    taken = {"url": set(), "slug": set(), "upstream_id": set()}
    # One query of three, each read off its own unique index: as one OR the planner may scan
    # the whole table for every chunk (it did, with the statistics of a table still filling).
    stories = Article.objects.order_by().values_list("url", "slug", "upstream_id")
    for url, slug, upstream_id in stories.filter(url__in=[a.url for a in articles if a.url]).exclude(url="").union(
        stories.filter(slug__in=[a.slug for a in articles]),
        stories.filter(upstream_id__in=[a.upstream_id for a in articles if a.upstream_id]).exclude(upstream_id=""),
        all=True,
    ):
        taken["url"].add(url)
        taken["slug"].add(slug)
        taken["upstream_id"].add(upstream_id)
    ready = {}
    for key, (article, notes) in candidates.items():
        takes = {"url": article.url, "slug": article.slug, "upstream_id": article.upstream_id}
        if any(value and value in taken[name] for name, value in takes.items()):
            continue
        for name, value in takes.items():
            taken[name].add(value)
        ready[key] = (article, notes)
    return ready


def first_line(words: str, error: Exception) -> str:
    """A report line for an unexpected error: `words` (with %(error)s) naming it, on one line."""
    return (words % {"error": f"{type(error).__name__}: {str(error)[:200]}"}).splitlines()[0]


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


def import_all(paths, *, fmt, source, publish, progress, subscription: bool = False, language: str = "",
               feed_id: int | None = None) -> Report:
    """Import every file in this process. A `subscription`'s stories (a feed polled, see
    articles/polling.py) are all drafts, whatever status they claim, and its feed's items are
    `source`'s, not named after the feed's title; `language` is for stories that declare none;
    `feed_id` the feed that brought them, kept on each new story."""
    report = Report()
    known_sources: dict = {}
    for path in paths:
        pending: dict = {}  # line → (story id, claims, links) of JSON Lines stories, for the second pass
        store_entries((with_defaults(entry, subscription=subscription, language=language, feed_id=feed_id)
                       for entry in read_items(path, fmt)),
                      source=source, publish=publish, report=report, known_sources=known_sources, pending=pending,
                      look_first=subscription, stored=lambda count: progress(report) if progress else None)
        if pending:
            store_second_pass(path, pending, report)
    return report


def with_defaults(entry: Item | Problem, *, subscription: bool, language: str, feed_id: int | None) -> Item | Problem:
    """The item as import_all stores it (see there)."""
    if isinstance(entry, Item):
        if subscription:
            entry.status = Article.Status.DRAFT
            if entry.record is None:
                entry.publisher = {}
        entry.language = entry.language or language
        entry.feed_id = feed_id
    return entry


def store_second_pass(path: Path, pending: dict, report: Report) -> None:
    """The claims and links that named stories not stored at the time, now that every story of
    the file is: each one stored whole in its own transaction, or a report line."""
    stories = Article.objects.in_bulk([pk for pk, _, _ in pending.values()])
    for entry in read_items(path, "jsonl", lines=pending.keys()):
        if not isinstance(entry, Item):
            continue
        pk, claims, links = pending[entry.line]
        article = stories.get(pk)
        if article is None:
            continue
        try:
            store_annotations(article, entry.record, first_pass=False, claims=claims, links=links,
                              report=report, position=entry.position)
        except Exception as error:  # noqa: BLE001 - an import reports every item and goes on
            report.add("failed", entry.position,
                       first_line(gettext("its claims and links could not be stored (%(error)s)"), error))
