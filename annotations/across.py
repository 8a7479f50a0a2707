"""A claim followed across stories: its standing, derived from its appearances, and its timeline.

The standing rule lives here and nowhere else (README, "A claim across stories"). Both take the
appearances as loaded by `appearances_of()` (each a story's Claim, with its story, chain and status
history): the public's are the published ones, an editor's all of them.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy as _

from annotations.models import Attribution, Claim, ClaimAcrossStories, ClaimStatus, Evidence
from articles.models import Article, Source


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


def appearances_of(across: ClaimAcrossStories, *, public: bool):
    """The claim's appearances with what the standing, the timeline and the pages read."""
    appearances = Claim.objects.published() if public else Claim.objects.all()
    return (
        appearances.filter(across=across)
        .select_related("article__publisher")
        .defer("article__body", "article__search_vector")
        .for_display(published_evidence=public)
        .order_by("article__published_at", "created_at", "id")
    )


def appeared_at(appearance: Claim) -> datetime:
    """When the appearance's story told it: the story's publication, else when it was recorded."""
    return appearance.article.published_at or appearance.created_at


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
WIDTH, LEFT, RIGHT, TOP, ROW, BOTTOM = 720, 180, 60, 8, 56, 44
MARK = 8  # half a mark's width
CLOSE = 90  # marks nearer than this in one row put their words on alternate sides


@dataclass
class Mark:
    x: float
    y: float
    moment: Moment
    label_y: float

    @property
    def shape(self) -> str:
        return self.moment.sourcing

    @property
    def triangle(self) -> str:
        return f"{self.x:.1f},{self.y - MARK:.1f} {self.x + MARK:.1f},{self.y + MARK:.1f} {self.x - MARK:.1f},{self.y + MARK:.1f}"

    @property
    def left(self) -> float:
        return self.x - MARK

    @property
    def top(self) -> float:
        return self.y - MARK


@dataclass
class Picture:
    width: int
    height: int
    rows: list  # (outlet name, y)
    marks: list
    ticks: list  # (x, text, anchor)
    axis_y: float
    left: int = LEFT
    right: int = WIDTH - RIGHT
    mark_size: int = 2 * MARK


def picture(moments: list[Moment]) -> Picture:
    outlets: list[str] = []
    for moment in moments:
        if moment.outlet.name not in outlets:
            outlets.append(moment.outlet.name)
    row_of = {name: TOP + ROW * i + ROW / 2 for i, name in enumerate(outlets)}
    axis_y = TOP + ROW * len(outlets) + 8
    span_start = moments[0].at if moments else None
    span = (moments[-1].at - moments[0].at).total_seconds() if moments else 0
    inner = WIDTH - LEFT - RIGHT

    def x_of(at: datetime) -> float:
        return LEFT + (inner * (at - span_start).total_seconds() / span if span else inner / 2)

    marks, last_x = [], {}
    for moment in moments:
        x, y = x_of(moment.at), row_of[moment.outlet.name]
        previous = last_x.get(y)
        above = previous is not None and x - previous[0] < CLOSE and not previous[1]
        marks.append(Mark(x, y, moment, y - MARK - 6 if above else y + MARK + 16))
        last_x[y] = (x, above)
    shown = "DATETIME_FORMAT" if span < 3 * 24 * 3600 else "DATE_FORMAT"
    ticks = []
    if moments:
        first, last = (timezone.localtime(m.at) for m in (moments[0], moments[-1]))
        ticks.append((LEFT, date_format(first, shown), "start"))
        if span:
            ticks.append((WIDTH - RIGHT, date_format(last, shown), "end"))
    return Picture(WIDTH, int(axis_y + BOTTOM), [(name, y) for name, y in row_of.items()], marks, ticks, axis_y)
