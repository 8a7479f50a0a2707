"""Filters for text a reader typed or quoted, where it is shown outside the page's body."""

from django import template

from articles.text import without_bidi_controls

register = template.Library()


@register.filter
def no_bidi_controls(text) -> str:
    """A window's title has no element to isolate a right-to-left override in: the invisible
    controls go (a search typed or a statement quoted with U+202E would turn the rest around)."""
    return without_bidi_controls(str(text))
