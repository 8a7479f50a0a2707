"""Canonical text: what every article body and every span offset is measured against."""

import unicodedata

from django.db import models


def to_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class IsNFC(models.Func):
    """`expr IS NFC NORMALIZED`, so the database itself refuses a body that is not NFC."""

    template = "(%(expressions)s IS NFC NORMALIZED)"
    output_field = models.BooleanField()
