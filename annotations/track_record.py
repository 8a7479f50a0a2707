"""A source's track record: what became of the claims it reported, on the record or from unnamed
sources. A claim's fate is its standing across stories (annotations.across), so a claim an
agency relayed from an unnamed official and the Kremlin confirmed elsewhere counts as confirmed
for the agency. Counted in the database in one query, however many claims the source reported."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.db.models import Case, Count, F, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext_lazy as _, ngettext

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


class Median(models.Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


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
    figures = {
        f"{sourcing}_{fate}": Count("across", filter=Q(sourcing=sourcing, standing__in=standings))
        for sourcing in SOURCINGS for fate, standings in FATES.items()
    }
    # A claim confirmed before the source reported it waited for nothing.
    waited = Greatest(F("confirmed_at") - F("reported_at"), Value(timedelta(0)))
    for sourcing in SOURCINGS:
        figures[f"{sourcing}_median"] = Median(
            waited, filter=Q(sourcing=sourcing, standing=Standing.CONFIRMED), output_field=models.DurationField()
        )
    found = reported_by(source).aggregate(**figures)
    return [
        Line(sourcing, label, {fate: found[f"{sourcing}_{fate}"] for fate in FATES}, found[f"{sourcing}_median"])
        for sourcing, label in SOURCINGS.items()
    ]


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
