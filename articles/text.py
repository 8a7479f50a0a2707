"""Canonical text: what every article body and every span offset is measured against."""

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
