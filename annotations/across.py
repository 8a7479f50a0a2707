"""A claim followed across stories: its standing, derived from its appearances, and its timeline.

The standing rule lives here and nowhere else (README, "A claim across stories"). Both take the
appearances as loaded by `appearances_of()` (each a story's Claim, with its story, chain and status
history): the public's are the published ones, an editor's all of them.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import wraps

from django.contrib.postgres.aggregates import BoolAnd, BoolOr
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import date_format, get_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from annotations.models import (
    Attribution, Claim, ClaimAcrossStories, ClaimStatus, ClaimStatusChange, Evidence, statement_language,
)
from articles.models import Article, Source
from newsdesk.languages import number


class Standing(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    CONTESTED = "contested", _("contested")
    RETRACTED = "retracted", _("retracted")
    DENIED = "denied", _("denied")
    DISPUTED = "disputed", _("disputed")
    REPORTED = "reported", _("reported")
    UNVERIFIED = "unverified", _("unverified")


CONTRADICTING = (ClaimStatus.DENIED, ClaimStatus.DISPUTED)
# When no story confirms it and not every story retracted it: the strongest status still standing.
STRONGEST_FIRST = (ClaimStatus.DENIED, ClaimStatus.DISPUTED, ClaimStatus.REPORTED, ClaimStatus.UNVERIFIED)

# A first status change made this soon after its appearance was recorded was recorded with it:
# it is what the story itself said (Claim.record), so it dates from the story, not the editor.
RECORDED_WITH = timedelta(minutes=1)


# What the standing, the timeline and the claim page read of each appearance, and no more: a
# claim told in hundreds of stories makes as many rows of each.
APPEARANCE_FIELDS = (
    "id", "article", "across", "statement", "status", "created_at", "is_published", "start", "end", "exact",
    "article__title", "article__slug", "article__language", "article__published_at", "article__status",
    "article__publisher", "article__publisher__name", "article__publisher__kind", "article__publisher__url",
    "article__publisher__slug",
)
CHAIN_FIELDS = ("id", "claim", "position", "role", "sourcing", "source", "source__name", "source__kind", "source__slug")
CHANGE_FIELDS = (
    "id", "claim", "from_status", "to_status", "changed_at", "public_explanation", "evidence", "evidence__kind",
    "evidence__article", "evidence__article__status", "evidence__article__published_at", "evidence__other_claim",
    "evidence__other_claim__article", "evidence__other_claim__article__status",
    "evidence__other_claim__article__published_at",
)


def appearances_of(across: ClaimAcrossStories, *, public: bool) -> list[Claim]:
    """The claim's appearances with what the standing and the timeline read: each one's story
    and outlet, chain, and status history with what each change rests on, in three queries.

    The chains and histories are read in one query each and handed to each appearance as its
    prefetched `attributions` and `history` (what prefetch_related stores, without building a
    queryset per appearance: for a claim told in hundreds of stories that was most of the page's
    time)."""
    appearances = list(
        (Claim.objects.published() if public else Claim.objects.all()).filter(across=across)
        .select_related("article__publisher")
        .only(*APPEARANCE_FIELDS)
        .order_by("article__published_at", "created_at", "id")
    )
    ids = [appearance.pk for appearance in appearances]
    chains: dict[int, list] = {pk: [] for pk in ids}
    histories: dict[int, list] = {pk: [] for pk in ids}
    chain = Attribution.objects.filter(claim__in=ids).select_related("source").only(*CHAIN_FIELDS)
    for attribution in chain.order_by("claim", "position"):
        chains[attribution.claim_id].append(attribution)
    changes = ClaimStatusChange.objects.filter(claim__in=ids).select_related(
        "evidence__article", "evidence__other_claim__article"
    ).only(*CHANGE_FIELDS)
    for change in changes.order_by("changed_at", "id"):
        histories[change.claim_id].append(change)
    for appearance in appearances:
        appearance._prefetched_objects_cache = {"attributions": chains[appearance.pk], "history": histories[appearance.pk]}
    return appearances


def public_wording(across: ClaimAcrossStories, appearances: list[Claim], language: str) -> tuple[str, str]:
    """What readers are shown as the claim, and its language: the wording an editor wrote for it in
    their language; else the statement of the first published story that tells it in their
    language; else that of the first published story to tell it. `appearances` are the published
    ones, first told first. The statement as first recorded is never shown by itself: the story
    it was recorded from may be a draft."""
    primary = language.split("-")[0].lower()
    for translation in across.translations.all():
        if translation.language.split("-")[0].lower() == primary:
            return translation.statement, translation.language
    # Only the stories in the reader's language are looked at (a statement is mostly its story's
    # language), and only until one fits: a claim may be told in hundreds of stories.
    for appearance in appearances:
        if appearance.article.language.split("-")[0].lower() == primary:
            found = statement_language(appearance.statement, appearance.exact, appearance.article.language)
            if found.split("-")[0].lower() == primary:
                return appearance.statement, found
    first = appearances[0]
    return first.statement, statement_language(first.statement, first.exact, first.article.language)


def appeared_at(appearance: Claim) -> datetime:
    """When the appearance's story told it: the story's publication, else when it was recorded."""
    return appearance.article.published_at or appearance.created_at


def per_appearance(function):
    """Worked out once per appearance loaded: the standing, the timeline and its picture all ask."""

    @wraps(function)
    def once(appearance: Claim):
        known = appearance.__dict__.setdefault("_across", {})
        if function.__name__ not in known:
            known[function.__name__] = function(appearance)
        return known[function.__name__]

    return once


@per_appearance
def told_with(appearance: Claim) -> list:
    """The status changes that say what the story itself said, in order: the first, made as the
    appearance was recorded (reported, or confirmed on the evidence named: Claim.record) or dated
    before it (an import's history), and every change resting on the story's own on-the-record
    words (a quote of its chain) that follows. The changes after them are moments of their own."""
    told = []
    for change in appearance.history.all():
        own_words = change.evidence is not None and change.evidence.kind == Evidence.Kind.QUOTE
        recorded_with = (
            not told and change.to_status in Claim.STATUSES_TO_RECORD_WITH
            and change.changed_at <= appearance.created_at + RECORDED_WITH
        )
        if not (own_words or recorded_with):
            break
        told.append(change)
    return told


def status_told(appearance: Claim) -> str:
    told = told_with(appearance)
    return told[-1].to_status if told else ClaimStatus.UNVERIFIED


def moment_of_status(appearance: Claim) -> datetime:
    """When the appearance came to hold its current status."""
    later = later_changes(appearance)
    return later[-1][1] if later else appeared_at(appearance)


@per_appearance
def later_changes(appearance: Claim) -> list[tuple]:
    """The changes after the story's own word, each with when it happened (dated()), never before
    the one it followed: an appearance's marks keep the order its status moved in."""
    told = told_with(appearance)
    floor, later = appeared_at(appearance), []
    for change in list(appearance.history.all())[len(told):]:
        floor = max(floor, dated(change, appearance))
        later.append((change, floor))
    return later


def dated(change, appearance: Claim) -> datetime:
    """When a change of status happened in the world, as far as what it rests on says: on the
    record in the story itself, when the story told it; on another published story (or a claim of
    one), when that story was published; else when an editor recorded it."""
    evidence = change.evidence
    if evidence is not None:
        if evidence.kind == Evidence.Kind.QUOTE:
            return appeared_at(appearance)
        story = evidence.article if evidence.kind == Evidence.Kind.ARTICLE else (
            evidence.other_claim.article if evidence.kind == Evidence.Kind.CLAIM else None
        )
        if story is not None and story.status == Article.Status.PUBLISHED and story.published_at:
            return story.published_at
    return change.changed_at


def dated_in_sql(change: str = "", appearance: str = "claim__") -> Case:
    """dated(), the same rule in SQL: when the status change at `change` (a path to a
    ClaimStatusChange, "" for one itself) happened in the world, its claim being at `appearance`.
    Change one, change the other: test_the_sql_date_of_a_change_agrees_with_dated() compares them."""

    def published_story(story: str) -> Q:
        return Q(**{f"{story}__status": Article.Status.PUBLISHED, f"{story}__published_at__isnull": False})

    evidence = f"{change}evidence"
    return Case(
        When(**{f"{evidence}__kind": Evidence.Kind.QUOTE}, then=Coalesce(f"{appearance}article__published_at", f"{appearance}created_at")),
        When(Q(**{f"{evidence}__kind": Evidence.Kind.ARTICLE}) & published_story(f"{evidence}__article"),
             then=F(f"{evidence}__article__published_at")),
        When(Q(**{f"{evidence}__kind": Evidence.Kind.CLAIM}) & published_story(f"{evidence}__other_claim__article"),
             then=F(f"{evidence}__other_claim__article__published_at")),
        default=F(f"{change}changed_at"),
    )


@per_appearance
def chain_words(appearance: Claim) -> str:
    return appearance.chain_in_words()


@per_appearance
def sourcing_of(appearance: Claim) -> str:
    """How the appearance is sourced, as the timeline draws it: "on_record" when a named source of
    its chain speaks on the record, "unnamed" when its chain has only unnamed sources, "none"."""
    chain = list(appearance.attributions.all())
    if not chain:
        return "none"
    if any(
        a.role in (Attribution.Role.SPEAKER, Attribution.Role.DOCUMENT) and not a.is_unnamed() for a in chain
    ):
        return "on_record"
    return "unnamed"


def on_record_source(appearance: Claim) -> Source | None:
    for attribution in appearance.attributions.all():
        if attribution.role in (Attribution.Role.SPEAKER, Attribution.Role.DOCUMENT) and not attribution.is_unnamed():
            return attribution.source
    return None


@dataclass
class Verdict:
    standing: str
    reason: str
    deciding: list = field(default_factory=list)  # the appearances the reason names

    @property
    def label(self) -> str:
        return str(Standing(self.standing).label)


def where(appearance: Claim) -> dict:
    return {
        "date": date_format(timezone.localtime(moment_of_status(appearance)), "DATE_FORMAT"),
        "story": appearance.article.title,
        "outlet": appearance.article.publisher.name,
    }


def standing(appearances) -> Verdict:
    """The claim's standing from its appearances, with its reason in words:

    confirmed in one or more and contradicted (denied, disputed) in none → confirmed;
    confirmed in one and contradicted in another → contested; retracted in all → retracted;
    otherwise the strongest status of those not retracted (denied, disputed, reported,
    unverified). The earliest appearance with the deciding status is the one named.
    """
    appearances = sorted(appearances, key=lambda a: (moment_of_status(a), a.pk))
    if not appearances:
        return Verdict(Standing.UNVERIFIED, gettext("No story carries this claim yet."))
    confirmed = [a for a in appearances if a.status == ClaimStatus.CONFIRMED]
    contradicted = [a for a in appearances if a.status in CONTRADICTING]
    if confirmed and not contradicted:
        first = confirmed[0]
        source = on_record_source(first)
        if source is not None:
            reason = gettext("Confirmed on %(date)s by %(source)s, on the record, in “%(story)s” (%(outlet)s).") % (
                where(first) | {"source": source.name}
            )
        else:
            reason = gettext("Confirmed on %(date)s in “%(story)s” (%(outlet)s), on its evidence.") % where(first)
        return Verdict(Standing.CONFIRMED, reason, [first])
    if confirmed:
        first, against = confirmed[0], contradicted[0]
        reason = gettext(
            "Confirmed on %(date)s in “%(story)s” (%(outlet)s), but %(verdict)s on %(other_date)s in "
            "“%(other_story)s” (%(other_outlet)s)."
        ) % (where(first) | {f"other_{k}": v for k, v in where(against).items()} | {"verdict": against.get_status_display()})
        return Verdict(Standing.CONTESTED, reason, [first, against])
    if all(a.status == ClaimStatus.RETRACTED for a in appearances):
        last = appearances[-1]
        reason = gettext("Retracted in every story that carried it, last on %(date)s in “%(story)s” (%(outlet)s).") % where(last)
        return Verdict(Standing.RETRACTED, reason, [last])
    remaining = [a for a in appearances if a.status != ClaimStatus.RETRACTED]
    strongest = next(status for status in STRONGEST_FIRST if any(a.status == status for a in remaining))
    first = next(a for a in remaining if a.status == strongest)
    if strongest == ClaimStatus.UNVERIFIED:
        reason = gettext("Recorded in “%(story)s” (%(outlet)s), with no one to attribute it to yet.") % where(first)
    else:
        reason = gettext("%(status)s on %(date)s in “%(story)s” (%(outlet)s), %(chain)s; confirmed in no story.") % (
            where(first) | {"status": capfirst(first.get_status_display()), "chain": first.chain_in_words()}
        )
    return Verdict(strongest, reason, [first])


def standings_in_sql(appearances: models.QuerySet) -> models.QuerySet:
    """standing(), the same rule in SQL, for counting many claims in the database: one row per
    claim across stories of `appearances` (its `across` and `standing`), from booleans aggregated
    over them. Change one, change the other: test_the_sql_standing_agrees_with_standing()
    compares them row by row."""

    def any_with(*statuses) -> BoolOr:
        return BoolOr(Q(status__in=statuses))

    strongest = {f"any_{status}": any_with(status) for status in STRONGEST_FIRST}
    return appearances.order_by().values("across").alias(
        any_confirmed=any_with(ClaimStatus.CONFIRMED), any_contradicting=any_with(*CONTRADICTING),
        all_retracted=BoolAnd(Q(status=ClaimStatus.RETRACTED)), **strongest,
    ).annotate(standing=Case(
        When(any_confirmed=True, any_contradicting=False, then=Value(Standing.CONFIRMED)),
        When(any_confirmed=True, then=Value(Standing.CONTESTED)),
        When(all_retracted=True, then=Value(Standing.RETRACTED)),
        *(When(**{name: True}, then=Value(status)) for name, status in zip(strongest, STRONGEST_FIRST)),
        default=Value(Standing.UNVERIFIED),
        output_field=models.CharField(),
    ))


@dataclass
class Moment:
    """One mark of the timeline: an appearance (a story tells the claim) or a later change of an
    appearance's status."""

    at: datetime
    appearance: Claim
    status: str  # the appearance's status from this moment on
    change: object = None  # the ClaimStatusChange, for a later change of status
    from_status: str = ""
    explanation: str = ""  # what readers are told of it (the change's public explanation)

    @property
    def is_appearance(self) -> bool:
        return self.change is None

    @property
    def outlet(self) -> Source:
        return self.appearance.article.publisher

    @property
    def sourcing(self) -> str:
        return sourcing_of(self.appearance)

    @property
    def status_label(self) -> str:
        return str(ClaimStatus(self.status).label)

    @property
    def chain(self) -> str:
        return chain_words(self.appearance)

    @property
    def from_label(self) -> str:
        return str(ClaimStatus(self.from_status).label) if self.from_status else ""


def timeline(appearances) -> list[Moment]:
    """Every appearance and every later change of an appearance's status, in time order."""
    moments = []
    for appearance in appearances:
        told = told_with(appearance)
        explained = next((change.public_explanation for change in reversed(told) if change.public_explanation), "")
        moments.append(Moment(appeared_at(appearance), appearance, status_told(appearance), explanation=explained))
        for change, at in later_changes(appearance):
            moments.append(Moment(at, appearance, change.to_status, change, change.from_status, change.public_explanation))
    # Ties keep the story's own telling before what was said of it later.
    return sorted(moments, key=lambda m: (m.at, not m.is_appearance, m.appearance.pk, m.change.pk if m.change else 0))


# The timeline as a picture: time across, one row per outlet, a mark per moment, coloured by the
# status it leaves (classes of our stylesheet: the CSP refuses style attributes) and shaped by
# how the appearance is sourced, with the status written beside it, so it reads without colour.
WIDTH, LEFT, RIGHT, TOP, ROW, BOTTOM = 700, 170, 60, 8, 56, 44
MARK = 8  # half a mark's width
MAX_ROWS = 12
CLOSE = 90  # marks nearer than this in one row put their words on alternate sides


@dataclass
class Mark:
    """A moment drawn: its place and, written out once, the coordinates the SVG reads."""

    x: float
    y: float
    moment: Moment
    label_y: float

    def __post_init__(self) -> None:
        x, y = self.x, self.y
        self.cx, self.cy, self.label_at = f"{x:.1f}", f"{y:.1f}", f"{self.label_y:.1f}"
        self.left, self.top = f"{x - MARK:.1f}", f"{y - MARK:.1f}"
        self.triangle = f"{x:.1f},{y - MARK:.1f} {x + MARK:.1f},{y + MARK:.1f} {x - MARK:.1f},{y + MARK:.1f}"
        self.shape, self.label = self.moment.sourcing, self.moment.status_label
        self.css = f"mark status-{self.moment.status}" + ("" if self.moment.is_appearance else " mark-change")


@dataclass
class Picture:
    width: int
    height: int
    rows: list  # (outlet name, y)
    marks: list
    ticks: list  # (x, text, anchor)
    axis_y: str
    left: int = LEFT
    outlet_x: int = LEFT - 16
    right: int = WIDTH - RIGHT


def picture(moments: list[Moment]) -> Picture:
    """The timeline drawn: one row per outlet in the order they first told the claim; past
    MAX_ROWS, the outlets that came later share the last row, so that a claim told by a hundred
    outlets is still a picture taken in at a glance (the table lists every one)."""
    outlets: list[str] = []
    for moment in moments:
        if moment.outlet.name not in outlets:
            outlets.append(moment.outlet.name)
    names = {name: name for name in outlets}
    if len(outlets) > MAX_ROWS:
        later = outlets[MAX_ROWS - 1:]
        shared = ngettext("%(n)s other outlet", "%(n)s other outlets", len(later)) % {"n": number(len(later))}
        names.update((name, shared) for name in later)
        outlets = outlets[: MAX_ROWS - 1] + [shared]
    row_of = {name: TOP + ROW * i + ROW / 2 for i, name in enumerate(outlets)}
    axis_y = TOP + ROW * len(outlets) + 8
    span_start = moments[0].at if moments else None
    span = (moments[-1].at - moments[0].at).total_seconds() if moments else 0
    inner = WIDTH - LEFT - RIGHT

    def x_of(at: datetime) -> float:
        return LEFT + (inner * (at - span_start).total_seconds() / span if span else inner / 2)

    marks, last = [], {}
    for moment in moments:
        x, y = x_of(moment.at), row_of[names[moment.outlet.name]]
        previous = last.get(y)  # (x, words above, status) of the row's mark before
        close = previous is not None and x - previous[0] < CLOSE
        above = close and not previous[1]
        mark = Mark(x, y, moment, y - MARK - 6 if above else y + MARK + 16)
        if close and previous[2] == moment.status:
            mark.label = ""  # a run of marks of one status says it once
        marks.append(mark)
        last[y] = (x, above, moment.status)
    shown = "DATETIME_FORMAT" if span < 3 * 24 * 3600 else "DATE_FORMAT"
    ticks = []
    if moments:
        first, last = (timezone.localtime(m.at) for m in (moments[0], moments[-1]))
        ticks.append((LEFT, date_format(first, shown), "start"))
        if span:
            ticks.append((WIDTH - RIGHT, date_format(last, shown), "end"))
    rows = [(name, f"{y:.1f}") for name, y in row_of.items()]
    ticks = [(f"{x:.1f}", text, anchor) for x, text, anchor in ticks]
    return Picture(WIDTH, int(axis_y + BOTTOM), rows, marks, ticks, f"{axis_y:.1f}")


@dataclass
class Row:
    """A moment as the timeline's table writes it, each cell worked out once."""

    at: str  # ISO 8601, for <time datetime>
    when: str
    outlet: str
    url: str
    language: str
    title: str
    what: str  # safe HTML
    chain: str
    here: bool  # the appearance the page is about


PLACEHOLDER = "2718281828"


def table(moments: list[Moment], here: int | None = None) -> list[Row]:
    told = {}  # "told as <strong>reported</strong>", once per status
    # Worked out once, not once a row: a claim told in hundreds of stories has hundreds of rows.
    before, after = reverse("articles:claim-detail", args=[int(PLACEHOLDER)]).rsplit(PLACEHOLDER, 1)
    shown = get_format("DATETIME_FORMAT")
    rows = []
    for moment in moments:
        appearance = moment.appearance
        if moment.is_appearance:
            if moment.status not in told:
                told[moment.status] = mark_safe(  # the message's markup is ours; the status is escaped
                    gettext("told as <strong>%(status)s</strong>") % {"status": escape(moment.status_label)}
                )
            what = told[moment.status]
        else:
            what = format_html("{} → <strong>{}</strong>", moment.from_label, moment.status_label)
            published = appearance.article.published_at
            if published is not None and moment.change.changed_at > published:
                # Honest about corrections: readers of the story saw the earlier status first.
                what = format_html("{} ({})", what, gettext("changed after the story was published"))
        if moment.explanation:
            what = format_html("{}: {}", what, moment.explanation)
        at = timezone.localtime(moment.at)
        rows.append(Row(
            at.isoformat(), dateformat.format(at, shown), moment.outlet.name, f"{before}{appearance.pk}{after}",
            appearance.article.language, appearance.article.title, what, capfirst(moment.chain), appearance.pk == here,
        ))
    return rows

