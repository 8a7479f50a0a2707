"""A source's track record: what became of the claims it reported, on the record or from unnamed
sources. A claim's fate is its standing across stories (annotations.across), so a claim an
agency relayed from an unnamed official and the Kremlin confirmed elsewhere counts as confirmed
for the agency. Counted in the database in one query, however many claims the source reported."""

import functools
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, models
from django.db.models import Case, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Least
from django.utils.translation import gettext_lazy as _, ngettext

from newsdesk.compiled import Compiled, compile_once
from newsdesk.languages import number

from annotations.across import Standing, dated_in_sql, standings_in_sql
from annotations.models import Claim, ClaimStatus, ClaimStatusChange
from articles.models import Source

# Each fate and the standings it gathers: a claim disputed but neither confirmed nor denied is
# still open.
FATES = {
    "confirmed": (Standing.CONFIRMED,),
    "contested": (Standing.CONTESTED,),
    "denied": (Standing.DENIED,),
    "retracted": (Standing.RETRACTED,),
    "open": (Standing.DISPUTED, Standing.REPORTED, Standing.UNVERIFIED),
}
FATE_LABELS = {
    "confirmed": _("confirmed"), "contested": _("contested"), "denied": _("denied"), "retracted": _("retracted"),
    "open": _("still open"),
}
SOURCINGS = {"on_record": _("On the record"), "unnamed": _("From unnamed sources")}


def reported_by(source: Source) -> models.QuerySet:
    """One row per claim across stories the source reported and how (`sourcing`): on the record
    (its speaker or document), or from unnamed sources (an unnamed speaker it is, or relays as a
    via). Each with its `standing` from every published appearance, when it was first confirmed
    in any of them (`confirmed_at`), when the source first reported it (`reported_at`: its
    story's publication, or a status history dated before), and the source's first appearance of
    it (`appearance`). A confirmation is dated as the timeline dates it (dated()): on the
    story's own words, from the story. A claim reported both ways is a row of each."""
    published = Claim.objects.published()
    fates = standings_in_sql(published.filter(across=OuterRef("across"))).annotate(
        confirmed_at=Min(dated_in_sql("history__", ""), filter=Q(history__to_status=ClaimStatus.CONFIRMED))
    )
    first_change = ClaimStatusChange.objects.filter(claim=OuterRef("pk")).order_by("changed_at").values("changed_at")[:1]
    return (
        published.citing(source)
        .annotate(sourcing=Case(
            When(said_on_record=True, then=Value("on_record")),
            When(Q(said_unnamed=True) | Q(relayed_from_unnamed=True), then=Value("unnamed")),
            output_field=models.CharField(),
        ))
        .filter(sourcing__isnull=False)
        .annotate(
            standing=Subquery(fates.values("standing")),
            confirmed_at=Subquery(fates.values("confirmed_at")),
            told_at=Least("article__published_at", Subquery(first_change)),
        )
        .values("sourcing", "across", "standing", "confirmed_at")
        .annotate(reported_at=Min("told_at"), appearance=Min("pk"))
    )


def claims_with_fate(source: Source, sourcing: str, fate: str) -> models.QuerySet:
    """One cell of the track record: the source's first appearance of each of its claims."""
    cell = reported_by(source).filter(sourcing=sourcing, standing__in=FATES[fate]).values("appearance")
    return (
        Claim.objects.published().filter(pk__in=cell).select_related("article")
        .order_by(F("article__published_at").desc(nulls_last=True), "-id")
    )


@dataclass
class Line:
    """The track record of one sourcing: each fate's count, and the median time from the
    source's report to the claim's first confirmation, of those confirmed (none: not known)."""

    sourcing: str
    label: str
    counts: dict
    median: timedelta | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def fates(self) -> list[tuple]:
        return [(fate, FATE_LABELS[fate], n) for fate, n in self.counts.items()]

    @property
    def median_in_words(self) -> str:
        return waited_in_words(self.median) if self.median is not None else ""


def track_record(source: Source) -> list[Line]:
    """Each sourcing's line, counted in one query (record_query())."""
    rows = record_query().rows(source.pk)
    counts = {sourcing: dict.fromkeys(FATES, 0) for sourcing in SOURCINGS}
    medians = dict.fromkeys(SOURCINGS)
    fate_of = {standing: fate for fate, standings in FATES.items() for standing in standings}
    for sourcing, standing, n, median in rows:
        if sourcing in counts and standing in fate_of:
            counts[sourcing][fate_of[standing]] += n
            if standing == Standing.CONFIRMED:
                medians[sourcing] = median
    return [Line(sourcing, label, counts[sourcing], medians[sourcing]) for sourcing, label in SOURCINGS.items()]


@functools.cache
def record_query() -> Compiled:
    """The track record's query, compiled once per process (Django took longer to compile it than
    PostgreSQL to run it, about 15 ms a source page): the claims a source reported
    (reported_by()), counted by sourcing and standing, with the median time from the source's
    report to the first confirmation of those confirmed (a claim confirmed before the source
    reported it waited for nothing)."""
    return compile_once(
        lambda pk: reported_by(Source(pk=pk)),
        "SELECT sourcing, standing, count(across),"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(confirmed_at - reported_at, interval '0'))"
        " FROM ({query}) AS reported GROUP BY sourcing, standing",
    )


def waited_in_words(waited: timedelta) -> str:
    hours = waited.total_seconds() / 3600
    if hours < 1:
        minutes = round(hours * 60)
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": number(minutes)}
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", round(hours)) % {"n": number(round(hours))}
    days = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": number(days)}


# The track record as bars: a group per sourcing, a bar per fate with its word before it and its
# count after it, so that it reads without colour (the figures' table says the same).
WIDTH, LABEL, BAR, ROW, HEADING = 520, 130, 320, 22, 28


@dataclass
class Bar:
    fate: str
    label: str
    n: int
    y: str  # the bar's top
    text_y: str  # the words' baseline
    width: str
    end: str  # where its count is written


@dataclass
class Chart:
    width: int
    height: int
    headings: list  # (words, y)
    bars: list
    left: int = LABEL


def chart(lines: list[Line]) -> Chart:
    most = max((n for line in lines for n in line.counts.values()), default=0) or 1
    headings, bars, y = [], [], 0.0
    for line in lines:
        headings.append((line.label, f"{y + 18:.1f}"))
        y += HEADING
        for fate, label, n in line.fates:
            width = BAR * n / most
            bars.append(Bar(fate, label, n, f"{y + 3:.1f}", f"{y + 15:.1f}", f"{width:.1f}", f"{LABEL + width + 6:.1f}"))
            y += ROW
    return Chart(WIDTH, int(y + 6), headings, bars)
