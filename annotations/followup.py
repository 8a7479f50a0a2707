"""The follow-up queue: claims a story reported that no story has confirmed or denied since,
oldest report first — what an editor should chase today."""

from datetime import timedelta

from django import forms
from django.contrib.postgres.aggregates import BoolOr
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.vary import vary_on_headers

from annotations.models import OPEN_STATUSES, SETTLING_STATUSES, Attribution, Claim, ClaimAcrossStories, Entity, Mention
from annotations.views import editor_required
from articles.filtering import KeyField, story_facets
from articles.models import Article, Source
from articles.views import render_page_or_results
from newsdesk.paging import CappedPaginator
from newsdesk.parameters import ascii_number

WINDOWS = {
    "6h": (timedelta(hours=6), _("6 hours ago")),
    "24h": (timedelta(hours=24), _("24 hours ago")),
    "48h": (timedelta(hours=48), _("48 hours ago")),
    "7d": (timedelta(days=7), _("7 days ago")),
}
DEFAULT_WINDOW = "48h"
# How far back the queue looks, from the latest report: claims reported longer ago than this are
# old news, not what to chase today (and leaving them out keeps the queue quick at any size).
HORIZON = timedelta(days=30)
ORDERS = {
    "oldest": ((F("first_reported_at").asc(), "across"), _("oldest report first")),
    "widest": ((F("story_count").desc(), F("first_reported_at").asc(), "across"), _("most widely told first")),
}


class FollowUpForm(forms.Form):
    """The queue's filters. Only the sources and entities of open claims are offered (and the one
    chosen, if it is no longer among them); a value that names nothing is refused, never queried."""

    errors_shown_inline = ()  # annotations/_form_errors.html shows every error

    window = forms.ChoiceField(
        label=_("First reported more than"), required=False, choices=[(key, label) for key, (span, label) in WINDOWS.items()]
    )
    order = forms.ChoiceField(label=_("Order"), required=False, choices=[(key, label) for key, (order, label) in ORDERS.items()])
    source = KeyField(
        label=_("Cited source"), required=False, queryset=Source.objects.none(), empty_label=_("any source"),
        error_messages={"invalid_choice": _("There is no such source to filter by.")},
    )
    entity = KeyField(
        label=_("Names entity"), required=False, queryset=Entity.objects.none(), empty_label=_("any entity"),
        error_messages={"invalid_choice": _("There is no such entity to filter by.")},
    )
    language = forms.ChoiceField(label=_("Story language"), required=False)

    def __init__(self, data=None, *, user):
        if data is not None and not data.get("window"):
            data = data.copy()  # the list shows the window it applies, not the first offered
            data["window"] = DEFAULT_WINDOW
        super().__init__(data, initial={"window": DEFAULT_WINDOW})
        # The desk is for editors, who see every story and claim: drafts too.
        self.appearances = Claim.objects.visible_to(user)
        self.mentions = Mention.objects.visible_to(user)
        # Offered: the sources and entities of the reports within the horizon.
        self.since = horizon_start()
        self.reports = Claim.objects.filter(pk__in=Claim.objects.report_ids_between(self.since, timezone.now()))
        cited = Attribution.objects.filter(claim__in=self.reports).values("source")
        named = Mention.objects.filter(
            article__claims__in=self.reports, start__gte=F("article__claims__start"), end__lte=F("article__claims__end"),
        ).values("entity")
        self.fields["source"].queryset = Source.objects.filter(Q(pk__in=cited) | self.chosen("source")).order_by("name", "pk")
        self.fields["entity"].queryset = Entity.objects.filter(Q(pk__in=named) | self.chosen("entity")).order_by("name", "pk")
        languages = story_facets(Article.objects.visible_to(user))[1]
        self.fields["language"].choices = [("", _("all languages"))] + [(code, code) for code in languages]

    def chosen(self, name: str) -> Q:
        """The row the address names, so that the list still offers it (ids only: ascii_number())."""
        pk = ascii_number(self.data.get(name)) if self.is_bound else None
        return Q(pk=pk) if pk is not None else Q(pk__in=[])

    def claims(self):
        """The open claims first reported before the window chosen, narrowed by each filter sent, in
        the order chosen; none when a value was refused."""
        if self.is_bound and not self.is_valid():
            return []
        data = self.cleaned_data if self.is_bound else {}
        since = timezone.now() - WINDOWS[data.get("window") or DEFAULT_WINDOW][0]
        # One pass over the appearances of the claims reported within the horizon, claim by claim:
        # open or settled, when first reported, in how many stories. Filters narrow the claims.
        appearances = Claim.objects.filter(across__in=self.reports.values("across"))
        narrowed = self.appearances
        if data.get("source"):
            appearances = appearances.filter(across__in=narrowed.filter(attributions__source=data["source"]).values("across"))
        if data.get("entity"):
            # As ClaimAcrossStoriesQuerySet.matching() finds them: tagged within an appearance's words.
            within = self.mentions.filter(
                entity=data["entity"], article=OuterRef("article"), start__gte=OuterRef("start"), end__lte=OuterRef("end")
            )
            appearances = appearances.filter(across__in=narrowed.filter(Exists(within)).values("across"))
        if data.get("language"):
            appearances = appearances.filter(across__in=narrowed.filter(article__language=data["language"]).values("across"))
        is_open = Q(status__in=OPEN_STATUSES)
        rows = appearances.values("across").annotate(
            reported=BoolOr(is_open), settled=BoolOr(Q(status__in=SETTLING_STATUSES)),
            first_reported_at=Min(Coalesce("article__published_at", "created_at"), filter=is_open),
            story_count=Count("article", distinct=True),
        ).filter(reported=True, settled=False, first_reported_at__lte=since)
        # Read once: the pager counts the list rather than running the pass twice.
        return list(rows.order_by(*ORDERS[data.get("order") or "oldest"][0]))


def horizon_start():
    """Where the queue's horizon begins: HORIZON before the latest report (today, in a newsroom at
    work; an archive or the demo, whose news is older, still shows its last month)."""
    reports = Claim.objects.filter(status__in=OPEN_STATUSES)
    published = (
        reports.filter(article__published_at__isnull=False).order_by("-article__published_at")
        .values_list("article__published_at", flat=True).first()
    )
    recorded = reports.filter(article__published_at__isnull=True).aggregate(latest=Max("created_at"))["latest"]
    latest = max([moment for moment in (published, recorded) if moment is not None], default=timezone.now())
    return min(latest, timezone.now()) - HORIZON


def claims_of(rows: list[dict]) -> list[ClaimAcrossStories]:
    """The page's claims, in the page's order, each with its first report (with_first_report())."""
    found = ClaimAcrossStories.objects.filter(pk__in=[row["across"] for row in rows]).with_first_report().in_bulk()
    return [found[row["across"]] for row in rows if row["across"] in found]


def with_first_reports(claims: list[ClaimAcrossStories]) -> list[ClaimAcrossStories]:
    """Each claim with `first_report`, the appearance its first_report_id names, with its story,
    outlet and chain: two queries for the whole page."""
    reports = (
        Claim.objects.filter(pk__in=[claim.first_report_id for claim in claims])
        .select_related("article__publisher").defer("article__body", "article__search_vector")
        .prefetch_related(Prefetch("attributions", queryset=Attribution.objects.select_related("source").order_by("position")))
    )
    by_id = {report.pk: report for report in reports}
    for claim in claims:
        claim.first_report = by_id.get(claim.first_report_id)  # None if it changed since the page was counted
    return claims


@editor_required
@vary_on_headers("HX-Request")
def claim_follow_up(request: HttpRequest) -> HttpResponse:
    form = FollowUpForm(request.GET or None, user=request.user)
    page = CappedPaginator(form.claims(), 25).get_page(request.GET.get("page"))
    page.object_list = with_first_reports(claims_of(list(page.object_list)))
    query = request.GET.copy()
    query.pop("page", None)
    status = 422 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render_page_or_results(request, "annotations/claim_follow_up.html", context, status=status)
