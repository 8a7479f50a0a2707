"""A JSON Lines story record, read and checked whole before anything of it is stored.

`parse_line` refuses a line nested deeper than any story can be before `json.loads` sees it, so
a recursion bomb (`[` a hundred thousand times) is a report line, never a RecursionError.
`check_record` checks every field's type, range and length against the columns it is stored in
and returns the record cleaned (text without NUL, other controls or lone surrogates, in NFC;
defaults filled in); or raises `Invalid` with every problem, each naming its field, such as
"mentions[2].start must be a whole number, got 'abc'". The problems are written in the active
language (the field's name and the value quoted stay as the file has them).
"""

import json
import re
import uuid
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

from annotations.models import Attribution, Claim, Entity, Evidence, StoryLink
from articles.models import Article, Source, normalise_language_tag
from articles.text import to_name, to_nfc
from newsdesk.languages import number

# A story is nested five levels deep (record → claims → claim → chain → attribution → source).
MAX_DEPTH = 10
# The most of each kind of annotation one story may carry.
MAX_MENTIONS = 3000
MAX_CLAIMS = 500
MAX_CHAIN = 20
MAX_EVIDENCE = 20
MAX_HISTORY = 50
MAX_ALIASES = 100
MAX_LINKS = 500
MAX_TRANSLATIONS = 100
MAX_STATEMENT = 2000  # a claim's wording, as the desk takes it
MAX_OFFSET = 2**31 - 1  # the largest PositiveIntegerField
# The internal reason of an imported status change whose record gives only a public explanation.
NO_INTERNAL_REASON = "Imported; the file gave only the public explanation."

SURROGATES = re.compile(r"[\ud800-\udfff]")
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON strings, which may hold brackets; what is left of a line once they are gone and every
# byte but a bracket is deleted is its nesting skeleton.
JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
WIKIDATA_ID = re.compile(r"^Q[1-9][0-9]*$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
HASH = re.compile(r"^[0-9a-f]{64}$")


class Invalid(Exception):
    """A line that is not a story record; `problems` says everything wrong with it."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def nesting_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep the arrays and objects of a JSON text nest, counted only as far as `limit` + 1."""
    skeleton = JSON_STRING.sub(b"", raw).translate(None, NOT_BRACKETS)
    if skeleton.count(b"[") + skeleton.count(b"{") <= limit:
        return 0 if not skeleton else min(limit, len(skeleton))
    depth = deepest = 0
    for byte in skeleton:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return depth
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_line(raw: bytes):
    """The JSON value of one line, or Invalid with the reason it cannot be read."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Invalid([gettext("not UTF-8 text (%(reason)s at byte %(byte)s)")
                       % {"reason": error.reason, "byte": error.start}]) from None
    if nesting_depth(raw) > MAX_DEPTH:
        raise Invalid([gettext(
            "arrays and objects nested more than %(depth)s levels deep; no story is, so the line was not read"
        ) % {"depth": MAX_DEPTH}])
    try:
        return json.loads(text)
    except (RecursionError, MemoryError):  # never reached past the depth check, but never a crash either
        raise Invalid([gettext("the line is too deeply nested or too large to read")]) from None
    except ValueError as error:
        raise Invalid([gettext("not valid JSON (%(error)s)") % {"error": str(error)[:200]}]) from None


def clean(text: str) -> str:
    return to_nfc(CONTROLS.sub("", SURROGATES.sub("", text)))


def shown(value) -> str:
    """A value as the report quotes it: short, and in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(clean(value[:60])) + ("…" if len(value) > 60 else "")
    if isinstance(value, dict):
        return gettext("an object")
    if isinstance(value, list):
        return gettext("a list")
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def parse_moment(value: str) -> datetime:
    """A date and time from ISO 8601 text, made aware (UTC if it names no zone); ValueError if
    it is not one, or not a real date (30 February)."""
    moment = parse_datetime(value.strip())  # raises ValueError for 30 February
    if moment is None:
        raise ValueError(gettext("not an ISO 8601 date and time"))
    moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
    moment.astimezone(UTC)  # OverflowError past year 9999
    return moment


def too_long(length: int, limit: int) -> str:
    return (gettext("is %(length)s characters long; the limit is %(limit)s")
            % {"length": number(length), "limit": number(limit)})


class Checker:
    """Collects the problems of one record while its fields are read."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where} {message}")

    def text(self, where: str, value, *, required: bool = False, max_length: int | None = None,
             blank: bool = True) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(where, gettext("must be text, got %(value)s") % {"value": shown(value)})
            return ""
        value = clean(value)
        if not blank and not value.strip():
            self.fail(where, gettext("must not be blank"))
        if max_length is not None and len(value) > max_length:
            self.fail(where, too_long(len(value), max_length))
        return value

    def name(self, where: str, value, *, required: bool = False, max_length: int | None = None,
             blank: bool = True) -> str:
        """A name or a title, as the models store it (articles.text.to_name): blank once its
        invisible controls are gone is blank."""
        value = to_name(self.text(where, value, required=required, max_length=max_length))
        if not blank and not value:
            self.fail(where, gettext("must not be blank"))
        return value

    def whole(self, where: str, value, *, required: bool = True, maximum: int = MAX_OFFSET) -> int | None:
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, gettext("must be a whole number, got %(value)s") % {"value": shown(value)})
            return None
        if value < 0:
            self.fail(where, gettext("must be 0 or more, got %(value)s") % {"value": value})
            return None
        if value > maximum:
            self.fail(where, gettext("must be at most %(maximum)s, got %(value)s")
                      % {"maximum": number(maximum), "value": shown(value)})
            return None
        return value

    def span(self, where: str, data: dict, *, required: bool = True) -> tuple[int | None, int | None]:
        known = len(self.problems)
        start = self.whole(f"{where}.start", data.get("start"), required=required)
        end = self.whole(f"{where}.end", data.get("end"), required=required)
        if (start is None) != (end is None) and len(self.problems) == known:
            self.fail(where, gettext("needs both a start and an end, or neither"))
        if start is not None and end is not None and not start < end:
            self.fail(where, gettext("must end after it starts (%(start)s-%(end)s)") % {"start": start, "end": end})
        return start, end

    def flag(self, where: str, value, default: bool = True) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(where, gettext("must be true or false, got %(value)s") % {"value": shown(value)})
            return default
        return value

    def choice(self, where: str, value, choices: type[models.TextChoices], *, default: str | None = None) -> str:
        # The choices themselves, not their .values: that list is made anew at every call.
        if value in (None, "") and default is not None:
            return default
        if not isinstance(value, str) or value not in choices:
            self.fail(where, gettext("must be one of %(choices)s, got %(value)s")
                      % {"choices": ", ".join(choices.values), "value": shown(value)})
            return default or ""
        return value

    def items(self, where: str, value, maximum: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, gettext("must be a list, got %(value)s") % {"value": shown(value)})
            return []
        if len(value) > maximum:
            self.fail(where, ngettext("has %(count)s item; the limit is %(limit)s",
                                      "has %(count)s items; the limit is %(limit)s", len(value))
                      % {"count": number(len(value)), "limit": number(maximum)})
            return []
        return value

    def object(self, where: str, value, *, required: bool = True) -> dict | None:
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.fail(where, gettext("must be an object, got %(value)s") % {"value": shown(value)})
            return None
        return value

    def moment(self, where: str, value) -> datetime | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.fail(where, gettext("must be an ISO 8601 date and time, got %(value)s") % {"value": shown(value)})
            return None
        try:
            return parse_moment(value)
        except (ValueError, OverflowError) as error:
            self.fail(where, gettext("%(value)s is not a real date and time (%(error)s)")
                      % {"value": shown(value), "error": error})
            return None

    def reference(self, where: str, data: dict, prefix: str = "") -> dict:
        """A story named by its URL or the SHA-256 of its text: {"url": …} or {"hash": …}."""
        from articles.importing import Unimportable, canonical_url

        url = self.text(f"{where}.{prefix}url", data.get(f"{prefix}url"), max_length=2000)
        digest = self.text(f"{where}.{prefix}hash", data.get(f"{prefix}hash"))
        if url:
            try:
                return {"url": canonical_url(url)}
            except Unimportable as error:
                self.fail(f"{where}.{prefix}url", gettext("%(value)s is not an http(s) URL (%(error)s)")
                          % {"value": shown(url), "error": error})
                return {}
        if digest:
            if not HASH.match(digest):
                self.fail(f"{where}.{prefix}hash",
                          gettext("must be the SHA-256 of a story's text (64 hex digits), got %(value)s")
                          % {"value": shown(digest)})
                return {}
            return {"hash": digest}
        self.fail(where, gettext("needs %(url)s or %(hash)s") % {"url": f"{prefix}url", "hash": f"{prefix}hash"})
        return {}

    def source(self, where: str, data, *, required: bool) -> dict:
        data = self.object(where, data, required=required)
        if data is None:
            return {}
        country = self.text(f"{where}.country", data.get("country"))
        if country and not COUNTRY.match(country):
            self.fail(f"{where}.country", gettext("must be a two-letter country code such as KR or ID, got %(value)s")
                      % {"value": shown(country)})
        return {
            "name": self.name(f"{where}.name", data.get("name"), required=required, max_length=300, blank=not required),
            "kind": self.choice(f"{where}.kind", data.get("kind"), Source.Kind, default=Source.Kind.PUBLICATION),
            "country": country.upper(),
            "url": self.text(f"{where}.url", data.get("url"), max_length=2000),
        }

    def language(self, where: str, value) -> str:
        tag = self.text(where, value)
        if not tag:
            return ""
        if len(tag) > 35:
            self.fail(where, gettext("must be a BCP 47 tag such as en or ko, got %(value)s") % {"value": shown(tag)})
            return ""
        try:
            return normalise_language_tag(tag)
        except ValidationError:
            self.fail(where, gettext("must be a BCP 47 tag such as en or ko, got %(value)s") % {"value": shown(tag)})
            return ""


def check_record(record) -> dict:
    """The record cleaned and complete, or Invalid with every problem it has."""
    if not isinstance(record, dict):
        raise Invalid([gettext("a story must be a JSON object, not %(type)s") % {"type": type(record).__name__}])
    c = Checker()
    title = " ".join(c.name("title", record.get("title"), required=True).split())
    if len(title) > 500:
        c.fail("title", too_long(len(title), 500))
    url = c.text("url", record.get("url"), max_length=2000)
    # The record's own identifier, as its producer keeps it: how a later import knows the story
    # again (articles.importing.look_up). A whole number is taken as its digits.
    raw_id = record.get("id")
    upstream_id = c.text("id", str(raw_id) if isinstance(raw_id, int) and not isinstance(raw_id, bool) else raw_id,
                         max_length=500).strip()
    publisher = c.source("publisher", record.get("publisher"), required=False)
    out = {
        "title": title,
        "body": c.text("body", record.get("body"), required=True),
        "url": url,
        "id": upstream_id,
        "language": c.text("language", record.get("language")),  # a bad tag is detected instead, with a note
        "published_at": c.moment("published_at", record.get("published_at")),
        "status": c.choice("status", record.get("status"), Article.Status, default=Article.Status.DRAFT),
        "publisher": publisher,
        "mentions": [check_mention(c, f"mentions[{i}]", m) for i, m in enumerate(c.items("mentions", record.get("mentions"), MAX_MENTIONS))],
        "claims": [check_claim(c, f"claims[{i}]", m) for i, m in enumerate(c.items("claims", record.get("claims"), MAX_CLAIMS))],
        "links": [check_link(c, f"links[{i}]", m) for i, m in enumerate(c.items("links", record.get("links"), MAX_LINKS))],
    }
    if c.problems:
        raise Invalid(c.problems)
    return out


def check_mention(c: Checker, where: str, data) -> dict:
    data = c.object(where, data)
    if data is None:
        return {}
    start, end = c.span(where, data)
    entity = c.object(f"{where}.entity", data.get("entity")) or {}
    wikidata = c.text(f"{where}.entity.wikidata_id", entity.get("wikidata_id")).strip().upper()
    if wikidata and (len(wikidata) > 20 or not WIKIDATA_ID.match(wikidata)):
        c.fail(f"{where}.entity.wikidata_id",
               gettext("must be a Wikidata id such as Q42 (at most 20 characters), got %(value)s")
               % {"value": shown(wikidata)})
    aliases = []
    for i, alias in enumerate(c.items(f"{where}.entity.aliases", entity.get("aliases"), MAX_ALIASES)):
        here = f"{where}.entity.aliases[{i}]"
        alias = c.object(here, alias)
        if alias is not None:
            aliases.append({
                "name": c.name(f"{here}.name", alias.get("name"), required=True, max_length=300, blank=False),
                "language": c.language(f"{here}.language", alias.get("language")),
            })
    return {
        "start": start, "end": end,
        "exact": c.text(f"{where}.exact", data.get("exact"), required=True),
        "published": c.flag(f"{where}.published", data.get("published")),
        "entity": {
            "name": c.name(f"{where}.entity.name", entity.get("name"), required=True, max_length=300, blank=False),
            "kind": c.choice(f"{where}.entity.kind", entity.get("kind"), Entity.Kind),
            "wikidata_id": wikidata,
            "aliases": aliases,
        },
    }


def check_claim(c: Checker, where: str, data) -> dict:
    data = c.object(where, data)
    if data is None:
        return {}
    start, end = c.span(where, data)
    chain = []
    for i, attribution in enumerate(c.items(f"{where}.chain", data.get("chain"), MAX_CHAIN)):
        here = f"{where}.chain[{i}]"
        attribution = c.object(here, attribution)
        if attribution is None:
            continue
        cue_start, cue_end = c.span(here, attribution, required=False)
        exact = c.text(f"{here}.exact", attribution.get("exact"))
        if cue_start is not None and not exact:
            c.fail(f"{here}.exact", gettext("must quote the cue's words when the cue has a start and an end"))
        if cue_start is None and exact:
            c.fail(here, gettext("quotes a cue but gives no start and end for it"))
        chain.append({
            "source": c.source(f"{here}.source", attribution.get("source"), required=True),
            "role": c.choice(f"{here}.role", attribution.get("role"), Attribution.Role, default=Attribution.Role.SPEAKER),
            "sourcing": c.choice(f"{here}.sourcing", attribution.get("sourcing"), Attribution.Sourcing,
                                 default=Attribution.Sourcing.ON_RECORD),
            "start": cue_start, "end": cue_end, "exact": exact,
        })
    evidence = []
    for i, spec in enumerate(c.items(f"{where}.evidence", data.get("evidence"), MAX_EVIDENCE)):
        here = f"{where}.evidence[{i}]"
        spec = c.object(here, spec)
        if spec is None:
            continue
        kind = c.choice(f"{here}.kind", spec.get("kind"), Evidence.Kind)
        item = {"kind": kind, "note": c.text(f"{here}.note", spec.get("note"))}
        if kind == "quote":
            # The format's "link" is the position of an attribution of the chain above.
            position = c.whole(f"{here}.link", spec.get("link"), maximum=MAX_CHAIN)
            if position is not None and position >= len(chain):
                c.fail(f"{here}.link",
                       gettext("must name a link of the chain by its position (0 to %(last)s), got %(value)s")
                       % {"last": len(chain) - 1, "value": position})
            item["link"] = position
            item["start"], item["end"] = c.span(here, spec, required=False)
            item["exact"] = c.text(f"{here}.exact", spec.get("exact"))
            if (item["start"] is None) != (not item["exact"]):
                c.fail(here, gettext("must give the quoted words' start, end and exact together, or none of them"))
        elif kind in ("article", "claim"):
            item["story"] = c.reference(here, spec)
            if kind == "claim":
                item["start"], item["end"] = c.span(here, spec)
                item["statement"] = c.text(f"{here}.statement", spec.get("statement"))
        elif kind == "url":
            url = c.text(f"{here}.url", spec.get("url"), required=True, max_length=2000, blank=False)
            if url and not re.match(r"^https?://", url.strip(), re.I):
                c.fail(f"{here}.url", gettext("must be an http(s) address, got %(value)s") % {"value": shown(url)})
            item["url"] = url.strip()
        evidence.append(item)
    history, status = [], Claim.Status.UNVERIFIED
    for i, step in enumerate(c.items(f"{where}.history", data.get("history"), MAX_HISTORY)):
        here = f"{where}.history[{i}]"
        step = c.object(here, step)
        if step is None:
            continue
        before = step.get("from")
        if before is not None:
            before = c.choice(f"{here}.from", before, Claim.Status)
            if before and before != status:
                c.fail(f"{here}.from", gettext("is %(value)s, but the claim is %(status)s there")
                       % {"value": shown(before), "status": status})
        to = c.choice(f"{here}.to", step.get("to"), Claim.Status)
        if to and to == status:
            c.fail(f"{here}.to", gettext("is %(value)s, which the claim already is there") % {"value": shown(to)})
        proof = c.whole(f"{here}.evidence", step.get("evidence"), required=False, maximum=MAX_EVIDENCE)
        if proof is not None and proof >= len(evidence):
            c.fail(f"{here}.evidence",
                   gettext("must name an item of the claim's evidence by its position, got %(value)s")
                   % {"value": proof})
        # "reason" is the editors' own (the key's meaning before public explanations existed);
        # "public_explanation" what readers are told. A published-only export carries only the latter.
        public = c.text(f"{here}.public_explanation", step.get("public_explanation"), max_length=2000).strip()
        reason = c.text(f"{here}.reason", step.get("reason"), required=not public, blank=bool(public)).strip()
        history.append({
            "to": to, "reason": reason or NO_INTERNAL_REASON, "public_explanation": public,
            "evidence": proof, "at": c.moment(f"{here}.at", step.get("at")),
        })
        status = to or status
    return {
        "start": start, "end": end,
        "exact": c.text(f"{where}.exact", data.get("exact"), required=True),
        "statement": c.text(f"{where}.statement", data.get("statement")).strip(),
        "note": c.text(f"{where}.note", data.get("note")),
        "published": c.flag(f"{where}.published", data.get("published")),
        "chain": chain, "evidence": evidence, "history": history,
        "across": check_across(c, f"{where}.across", data.get("across")),
    }


def check_across(c: Checker, where: str, data) -> dict | None:
    """The claim across stories a claim is an appearance of: its key (the same in every story that
    tells it), its statement and language as first recorded, its wording in other languages."""
    data = c.object(where, data, required=False)
    if data is None:
        return None
    key = c.text(f"{where}.key", data.get("key"), required=True, blank=False).strip()
    try:
        key = str(uuid.UUID(key)) if key else ""
    except ValueError:
        c.fail(f"{where}.key", gettext("must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e, got %(value)s")
               % {"value": shown(key)})
    translations = []
    for i, given in enumerate(c.items(f"{where}.translations", data.get("translations"), MAX_TRANSLATIONS)):
        here = f"{where}.translations[{i}]"
        given = c.object(here, given)
        if given is None:
            continue
        language = c.language(f"{here}.language", given.get("language"))
        if not language:
            c.fail(f"{here}.language", gettext("must not be blank"))
        translations.append({
            "language": language,
            "statement": c.text(f"{here}.statement", given.get("statement"), required=True, blank=False,
                                max_length=MAX_STATEMENT).strip(),
        })
    return {
        "key": key,
        "statement": c.text(f"{where}.statement", data.get("statement"), required=True, blank=False,
                            max_length=MAX_STATEMENT).strip(),
        "language": c.language(f"{where}.language", data.get("language")),
        "translations": translations,
    }


def check_link(c: Checker, where: str, data) -> dict:
    data = c.object(where, data)
    if data is None:
        return {}
    kind = c.choice(f"{where}.kind", data.get("kind"), StoryLink.Kind)
    return {"kind": kind, "story": c.reference(where, data, prefix="to_")}


def needs_other_stories(claim: dict) -> bool:
    """Whether a claim's evidence names another story (which may be stored later)."""
    return any(item["kind"] in ("article", "claim") for item in claim["evidence"])
