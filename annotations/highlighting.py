"""Cut an article body into segments so that overlapping and nested spans render as valid HTML.

Each segment is a run of text covered by the same set of annotations. The template renders one
element per segment, carrying its code point offset (`data-start`) so that the browser can turn
a selection back into code point offsets, and the ids of the mentions and claims that cover it.
Segments never nest, so no overlap can produce crossed tags; the text of each segment is escaped
by the template like any other text.
"""

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import pairwise

from articles.text import is_grapheme_boundary


@dataclass
class Segment:
    start: int
    text: str
    mentions: list[int] = field(default_factory=list)
    claims: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    # A span covering it waits for review after a correction (the desk marks it; readers never see it).
    review: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def mention_ids(self) -> str:
        return " ".join(map(str, self.mentions))

    @property
    def claim_ids(self) -> str:
        return " ".join(map(str, self.claims))

    @property
    def claim_status(self) -> str:
        """The status a highlight shows: of the claims covering this text, the one a reader
        should be most careful about (a denied claim inside a confirmed one shows as denied)."""
        return min(self.statuses, key=CAUTION.index, default="")


# The claim statuses from the one that most needs a reader's care to the one that needs least.
CAUTION = ["retracted", "denied", "disputed", "unverified", "reported", "confirmed"]


def segments(body: str, mentions=(), claims=()) -> list[Segment]:
    """Split `body` at every span boundary; `mentions` and `claims` have id, start and end.

    Each span's first and last piece are found by bisection (its ends are cuts, so pieces
    start there), and the span is added to the pieces between only: the work grows with the
    spans and the text they cover, not with spans times pieces, so a long story with
    hundreds of spans costs no more per span than a short one."""
    def clamp(offset: int) -> int:
        return max(0, min(offset, len(body)))

    bounds = sorted({0, len(body), *(clamp(span.start) for span in [*mentions, *claims]),
                     *(clamp(span.end) for span in [*mentions, *claims])})
    pieces = [Segment(a, body[a:b]) for a, b in pairwise(bounds) if a < b]
    starts = [piece.start for piece in pieces]
    for kind, spans in (("mentions", mentions), ("claims", claims)):
        for span in spans:
            covered = pieces[bisect_left(starts, clamp(span.start)) : bisect_left(starts, clamp(span.end))]
            review = getattr(span, "anchor_state", "placed") == "review"
            status = getattr(span, "status", None) if kind == "claims" else None
            for piece in covered:
                getattr(piece, kind).append(span.id)
                if review:
                    piece.review = True
                if status in CAUTION:
                    piece.statuses.append(status)
    return pieces


# A paragraph break: a line break followed by one or more lines holding nothing but white space.
# Line breaks are \n, \r\n or a lone \r, as a body typed into a form may hold.
LINE_BREAK = r"(?:\r\n|\r(?!\n)|\n)"  # a CR before an LF is part of that line break, never one of its own
PARAGRAPH_BREAK = re.compile(rf"{LINE_BREAK}(?:[^\S\r\n]*{LINE_BREAK})+")


@dataclass
class Run:
    """Consecutive pieces of a paragraph that belong to one mention (`mention`, which the public
    page links to its entity), or to none (None)."""

    mention: object | None
    pieces: list[Segment] = field(default_factory=list)


@dataclass
class Block:
    """A paragraph of the body (its segments, cut at the paragraph's ends) or the white space
    between paragraphs (no pieces), which the public page keeps as text between its <p> elements
    so that the body's text content stays the stored body, character for character."""

    start: int
    text: str
    pieces: list[Segment] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)  # the pieces again, grouped by mention: linked_runs()

    @property
    def is_paragraph(self) -> bool:
        return bool(self.text.strip())


def blocks(body: str) -> list[Block]:
    """The body as paragraphs and the gaps between them; a paragraph of only white space (before
    the first paragraph, say) is a gap too. A single line break inside a paragraph stays in it."""
    out: list[Block] = []
    position = 0
    for gap in [*PARAGRAPH_BREAK.finditer(body), None]:
        end = gap.start() if gap else len(body)
        if position < end:
            out.append(Block(position, body[position:end]))
        if gap:
            out.append(Block(gap.start(), gap.group()))
            position = gap.end()
    return out


def paragraphs(body: str, pieces: list[Segment]) -> list[Block]:
    """Deal `pieces` (from segments(), in order and covering the body) into the body's paragraphs:
    a segment that crosses a paragraph break becomes one part per paragraph, each with the same
    mentions and claims; the part in the gap between them is rendered as plain white space, not
    highlighted. One pass over both lists."""
    out = blocks(body)
    paragraph_blocks = [block for block in out if block.is_paragraph]
    i = 0
    for piece in pieces:
        while i < len(paragraph_blocks) and paragraph_blocks[i].start + len(paragraph_blocks[i].text) <= piece.start:
            i += 1
        j = i
        while j < len(paragraph_blocks) and paragraph_blocks[j].start < piece.end:
            block = paragraph_blocks[j]
            start, end = max(piece.start, block.start), min(piece.end, block.start + len(block.text))
            block.pieces.append(Segment(start, body[start:end], piece.mentions, piece.claims, piece.statuses, piece.review))
            j += 1
    return out


def outermost(mention) -> tuple:
    return mention.start, mention.start - mention.end, mention.id


def linked_runs(out: list[Block], mentions) -> list[Block]:
    """Group each paragraph's pieces (from paragraphs()) into runs, one per mention, for links to
    the entities. Links cannot nest: a piece several mentions cover goes with the outermost (the
    one that starts first, then the longest, then the oldest), so a name tagged inside a longer
    one is part of the longer one's link, and two crossing mentions are two links side by side.
    Claims are cut at mention edges already (segments()), so their marks sit inside the links."""
    by_id = {mention.id: mention for mention in mentions}
    for block in out:
        for piece in block.pieces:
            mention = min((by_id[i] for i in piece.mentions if i in by_id), key=outermost, default=None)
            if block.runs and block.runs[-1].mention is mention:
                block.runs[-1].pieces.append(piece)
            else:
                block.runs.append(Run(mention, [piece]))
    return out


CONTEXT_REACH = 30  # code points of the story shown either side of a span in the desk's lists
SPACE = re.compile(r"\s")


def around(body: str, start: int, end: int) -> tuple[str, str]:
    """A few words of the story either side of a span, for the desk's lists ("… menuju ⟨Rusia⟩.
    Kremlin …"): within the span's line, cut at a word edge where the script has them, with an
    ellipsis where the line goes on."""
    # Only the line ends within reach of the span matter, so only there are they looked for:
    # the work is the span's, not the story's (the desk does this for every mention and
    # suggestion of a story). A line that goes on past the reach counts as ending just past it.
    reach_start, reach_end = max(0, start - CONTEXT_REACH - 1), min(len(body), end + CONTEXT_REACH + 1)
    line_start = max(reach_start, body.rfind("\n", reach_start, start) + 1, body.rfind("\r", reach_start, start) + 1)
    line_end = min((i for i in (body.find("\n", end, reach_end), body.find("\r", end, reach_end)) if i >= 0), default=reach_end)
    before = body[max(line_start, start - CONTEXT_REACH) : start]
    if start - CONTEXT_REACH > line_start:
        first_space = SPACE.search(before)
        if first_space and first_space.end() < len(before):
            before = before[first_space.end() :]
        else:  # a script without spaces: cut between two whole characters
            cut = start - len(before)
            while not is_grapheme_boundary(body, cut):
                cut += 1
            before = body[cut:start]
        before = "…" + before
    after = body[end : min(line_end, end + CONTEXT_REACH)]
    if end + CONTEXT_REACH < line_end:
        spaces = [m.start() for m in SPACE.finditer(after)]
        if spaces and spaces[-1] > 0:
            after = after[: spaces[-1]]
        else:
            cut = end + len(after)
            while not is_grapheme_boundary(body, cut):
                cut -= 1
            after = body[end:cut]
        after += "…"
    return before, after
