"""Canonical text: what every article body and every span offset is measured against."""

import re
import unicodedata

import regex
from django.db import models


def to_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# The invisible controls that reorder the text around them (embeddings, overrides, isolates and
# the direction marks; "Trojan Source"): in a name or a title they can only make it read as
# something else, in <title>, in JSON-LD or on the desk. Arabic and Hebrew letters are not
# controls, and right-to-left names are shown right to left without them.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_CONTROL = "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # one of them, in Python's and PostgreSQL's regexes
_NO_BIDI_CONTROLS = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi_controls(text: str) -> str:
    return text.translate(_NO_BIDI_CONTROLS)


def to_name(text: str) -> str:
    """A name or a title as it is stored: trimmed, without bidirectional controls, NFC."""
    return to_nfc(without_bidi_controls(text).strip())


def has_no_bidi_controls(field: str) -> models.Q:
    """The CHECK that keeps the controls out of `field`, whatever writes the row."""
    return ~models.Q(**{f"{field}__regex": BIDI_CONTROL})


class IsNFC(models.Func):
    """`expr IS NFC NORMALIZED`, so the database itself refuses a body that is not NFC."""

    template = "(%(expressions)s IS NFC NORMALIZED)"
    output_field = models.BooleanField()


class Folded(models.Func):
    """Text lower-cased, compatibility-decomposed and stripped of combining accents.

    The key for case- and accent-insensitive matching in any script (“Jöng-Ün” finds “jong-un”,
    “da nang” finds “Đà Nẵng”).
    The same SQL builds the stored column and folds the query, so both sides always agree.
    """

    # Letters with a stroke do not decompose (Đà Nẵng, Łódź, Øresund): translate maps them.
    template = (
        r"translate(regexp_replace(normalize(lower(%(expressions)s), NFKD), '[\u0300-\u036f]', '', 'g'),"
        r" 'đħıłøŧ', 'dhilot')"
    )
    output_field = models.TextField()


def name_key(folded: models.Expression) -> models.Func:
    """A folded name (Folded, or a stored name_folded) with each run of white space and hyphens
    made one space: two names with the same key are the same name to an editor ("kim  jong un",
    "KIM JONG UN", "Kim Jong Ün" in NFC or NFD, and the romanisation "Kim Jong-un"). The desk and
    the importer both find existing entities and sources by it."""
    return models.Func(
        folded, models.Value(r"[\s\-\u2010-\u2015]+"), models.Value(" "), models.Value("g"),
        function="regexp_replace", output_field=models.TextField(),
    )


def typed_name_key(name: str) -> models.Func:
    return name_key(Folded(models.Value(to_name(name))))


def lock_typed_name(scope: str, name: str) -> None:
    """Hold, to the end of the transaction, a lock on `name` as name_key compares names, within
    `scope` ("entity"): of two editors creating the same new name at once, the second waits, then
    sees the first one's row (one entity per thing), however each typed it."""
    from django.db import connection
    from django.db.models.sql import Query

    query = Query(None)
    key, params = typed_name_key(name).resolve_expression(query).as_sql(query.get_compiler(connection=connection), connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock(hashtextextended(%s || {key}, 0))", [f"{scope}:", *params])


# Scripts written without spaces, or whose words take particles straight after a name
# (김정은은, 러시아로): there only the start of a match must fall on a word edge.
UNSPACED_END = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]$")


def occurrences(body: str, text: str) -> list[tuple[int, int]]:
    """Every place `text` stands in `body` as a whole word (where the script has word edges)."""
    edge_after = "" if UNSPACED_END.search(text) else r"(?!\w)"
    pattern = re.compile(r"(?<!\w)" + re.escape(text) + edge_after)
    return [match.span() for match in pattern.finditer(body)]


GRAPHEME = regex.compile(r"\X")


def is_grapheme_boundary(text: str, index: int) -> bool:
    """Whether `index` falls between two user-perceived characters (grapheme clusters) of `text`."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    # Below U+0300 (ASCII, Latin-1, Latin Extended) nothing joins its neighbour but CR LF; most
    # offsets in a story land there, and re-anchoring checks hundreds of them per correction.
    if before < "\u0300" and after < "\u0300" and not (before == "\r" and after == "\n"):
        return True
    # Clusters are short; look at a window around the index rather than the whole text.
    for match in GRAPHEME.finditer(text, max(0, index - 64), min(len(text), index + 64)):
        if match.start() >= index:
            return match.start() == index
    return False


def detect_language(text: str) -> str:
    """The BCP 47 tag of the language `text` is written in, as py3langid judges it."""
    import langcodes
    import py3langid

    code, _ = py3langid.classify(text[:5000])
    return langcodes.standardize_tag(code)


def language_scores(text: str) -> list[tuple[str, float]]:
    """Each language py3langid knows, with how likely `text` is in it (a log-probability)."""
    import py3langid

    return py3langid.rank(text[:5000])
