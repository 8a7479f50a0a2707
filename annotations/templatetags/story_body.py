"""A story's body as markup, one element per segment (annotations.highlighting).

A 50,000-character story with 600 spans is about 1,200 segments. Through the template language
each segment cost a dozen variable lookups and tag renderings (a tenth of a second for the
desk's body alone, on the big story of issue 21); here each is one formatted string. Text and
attributes are escaped with html.escape, which is what django.utils.html.escape does inside
(without its check for lazy strings, a tenth of this filter's time on 2,500 calls): the markup
is the same, character for character, as the templates wrote it before.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from annotations.highlighting import Block, Segment

register = template.Library()


@register.filter
def desk_markup(pieces: list[Segment]) -> SafeString:
    """The workspace's body: each segment a <span>, or a <mark> where spans cover it, carrying
    its code point offset and the ids of what covers it (desk.js reads them)."""
    review_title = escape(gettext("needs review after a correction"))
    out = []
    for s in pieces:
        if not (s.mentions or s.claims):
            out.append(f'<span data-start="{s.start}">{escape(s.text)}</span>')
            continue
        classes = "hl-mention" if s.mentions else ""
        if s.claims:
            classes += f" hl-claim hl-{escape(s.claim_status)}"
        if s.review:
            classes += " hl-review"
        title = f' title="{review_title}"' if s.review else ""
        out.append(
            f'<mark data-start="{s.start}" class="{classes}"{title} data-mentions="{escape(s.mention_ids)}"'
            f' data-claims="{escape(s.claim_ids)}">{escape(s.text)}</mark>'
        )
    return mark_safe("".join(out))


@register.filter
def public_markup(blocks: list[Block]) -> SafeString:
    """The public page's body: each paragraph a <p> (the white space between them as text), each
    run of a mention a link to its entity, each claimed piece a <mark> of its status."""
    urls: dict[int, str] = {}  # an entity named 40 times is reversed once
    out = []
    for block in blocks:
        if not block.is_paragraph:
            out.append(escape(block.text))
            continue
        out.append("<p>")
        for run in block.runs:
            if run.mention:
                entity = run.mention.entity
                if entity.pk not in urls:
                    urls[entity.pk] = escape(entity.get_absolute_url())
                out.append(f'<a class="mention-span" href="{urls[entity.pk]}">')
            for s in run.pieces:
                if s.claims:
                    out.append(f'<mark class="claim-span hl-{escape(s.claim_status)}" data-claims="{escape(s.claim_ids)}">'
                               f"{escape(s.text)}</mark>")
                else:
                    out.append(escape(s.text))
            if run.mention:
                out.append("</a>")
        out.append("</p>")
    return mark_safe("".join(out))
