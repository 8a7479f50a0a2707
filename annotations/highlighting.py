"""Cut an article body into segments so that overlapping and nested spans render as valid HTML.

Each segment is a run of text covered by the same set of annotations. The template renders one
element per segment, carrying its code point offset (`data-start`) so that the browser can turn
a selection back into code point offsets, and the ids of the mentions and claims that cover it.
Segments never nest, so no overlap can produce crossed tags; the text of each segment is escaped
by the template like any other text.
"""

from dataclasses import dataclass, field
from itertools import pairwise


@dataclass
class Segment:
    start: int
    text: str
    mentions: list[int] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def mention_ids(self) -> str:
        return " ".join(map(str, self.mentions))

    @property
    def claim_ids(self) -> str:
        return " ".join(map(str, self.claims))


def segments(body: str, mentions=(), claims=()) -> list[Segment]:
    """Split `body` at every span boundary; `mentions` and `claims` have id, start and end."""
    cuts = {0, len(body)}
    for span in [*mentions, *claims]:
        cuts.update((max(0, min(span.start, len(body))), max(0, min(span.end, len(body)))))
    bounds = sorted(cuts)
    pieces = [Segment(a, body[a:b]) for a, b in pairwise(bounds) if a < b]
    for kind, spans in (("mentions", mentions), ("claims", claims)):
        for span in spans:
            for piece in pieces:  # bodies hold hundreds of spans at most; a scan is fine
                if span.start <= piece.start and piece.end <= span.end:
                    getattr(piece, kind).append(span.id)
    return pieces
