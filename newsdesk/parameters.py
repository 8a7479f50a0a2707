"""What a request's parameters may hold before any of them reaches a query.

PostgreSQL's text can hold no NUL character: a parameter with one, wherever it ends up (a search
box, an admin changelist's ?q= or list filter, the admin's autocomplete ?term=, a form field), is
an error in the database, so it is refused here, once, for every page. And an id or a number
typed in a request is read by one rule, ascii_number(); a date's year, month or day in a filter
(`…__year=`) is one within the calendar's range.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext

from newsdesk.views import render_error

# Django's IDs are bigints; a number past the largest one names no row.
BIGINT_MAX = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def ascii_number(text) -> int | None:
    """The whole number `text` spells in ASCII digits (within a bigint), or None.

    int() and str.isdigit() accept far more: '²' (isdigit, but int() refuses it), '٣' and '１'
    (other scripts' digits), ' 1', '+1', '1_000'. None of them is an id a page of ours wrote.
    """
    if not isinstance(text, str) or not ASCII_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= BIGINT_MAX else None


def id_or_404(text) -> int:
    """The id a URL names (ascii_number), or 404: for paths whose id is any text, as the admin's are."""
    number = ascii_number(text)
    if number is None:
        raise Http404("not an id")
    return number


def holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    sent = [request.GET]
    if request.method == "POST":
        # Form-encoded or multipart, parsed once as the view would. (An upload's name is not
        # checked: Django's parser drops its unprintable characters.)
        sent.append(request.POST)
    return any(
        "\x00" in name or any("\x00" in value for value in values) for query in sent for name, values in query.lists()
    )


def refuse_nul(get_response):
    """400, with the reason, for a request whose path or parameters (names or values) hold NUL.

    A cookie holding NUL is dropped instead (as if it had not been sent): the session middleware
    would look a session key up with it, and a refusal would lock out whoever was given the cookie.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name or "\x00" in value]:
            del request.COOKIES[name]
        if holds_nul(request):
            reason = gettext(
                "The request holds a NUL character (U+0000), which no field can take. Remove it and send it again."
            )
            return render_error(request, "400.html", status=400, context={"reason": reason})
        if (refused := date_part_out_of_range(request)) is not None:
            reason = gettext("“%(name)s” must be a whole number from %(low)s to %(high)s.") % refused
            return render_error(request, "400.html", status=400, context={"reason": reason})
        return get_response(request)

    return middleware


# The admin's date drill-down (date_hierarchy: ?published_at__year=…&…__month=…&…__day=…) adds one
# to the year or month it is given, in Python's and PostgreSQL's dates: outside these it fails.
DATE_PARTS = {"year": (1, 9998), "month": (1, 12), "day": (1, 31)}


def date_part_out_of_range(request: HttpRequest) -> dict | None:
    for name in request.GET:
        part = name.rpartition("__")[2]
        if "__" in name and part in DATE_PARTS:
            low, high = DATE_PARTS[part]
            number = ascii_number(request.GET[name])
            if number is None or not low <= number <= high:
                return {"name": name, "low": low, "high": high}
    return None


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose id is read by ascii_number(): '٣' or ' 3' names no row."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, models.Model) and ascii_number(str(value)) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    """An IntegerField read by ascii_number(): no sign, no spaces, no other script's digits."""

    def to_python(self, value):
        if value not in self.empty_values and ascii_number(str(value)) is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
