"""Canonical text: what every article body and every span offset is measured against."""

import re
import unicodedata

from django.db import models


def to_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


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


# Scripts written without spaces, or whose words take particles straight after a name
# (김정은은, 러시아로): there only the start of a match must fall on a word edge.
UNSPACED_END = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]$")


def occurrences(body: str, text: str) -> list[tuple[int, int]]:
    """Every place `text` stands in `body` as a whole word (where the script has word edges)."""
    edge_after = "" if UNSPACED_END.search(text) else r"(?!\w)"
    pattern = re.compile(r"(?<!\w)" + re.escape(text) + edge_after)
    return [match.span() for match in pattern.finditer(body)]
