"""The public, read-only site. Every query starts from .published(): nothing else exists here."""

from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import Paginator
from django.db.models import Count, F, Func, Prefetch, Value
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy as _, ngettext
from django.views.decorators.vary import vary_on_headers

from annotations.highlighting import blocks, linked_runs, paragraphs, segments
from annotations.across import appearances_of, picture, public_wording, standing, table, timeline
from annotations.models import Claim, ClaimAcrossStories, Entity, Evidence, Mention, StoryLink
from annotations.track_record import FATE_LABELS, FATES, SOURCINGS, chart, claims_with_fate, track_record
from articles.annotation_export import annotation_collection
from articles.filtering import StoryFilterForm, published_stories_naming
from articles.models import Article, ArticleVersion, Source
from newsdesk.languages import activate_story_language
from newsdesk.paging import CappedPaginator, KnownCountPaginator
from articles import page_cache, search
from articles.search import LISTING_ORDER, WebSearch, newest_matches, stored_config
from articles.structured_data import article_graph, as_script_text, claim_graph


def public_page(view):
    """Readers' pages may be kept by browsers and shared caches for a minute; a logged-in
    editor's copy is private and revalidated, since it can show their session."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])
        return response

    return wrapper


PUBLIC_MAX_AGE = 60
TIMELINE_PAGE = 50
COMPANION_STORIES = 200  # an entity's "named with" list looks at its most recent stories


def kept_parts(request: HttpRequest, gen: str, template_name: str, names: tuple, parts: tuple, make_context,
               *, forms: bool = False, unchanged=None) -> dict:
    """The partials `names` of a page's template, rendered from `make_context()` once per
    content generation for every reader (page_cache.kept(); `parts` is what else they depend
    on). The page around them, the reader's own, renders per request; it may read the context's
    `kept_values` too, kept with them. With `forms`, the partials
    may hold forms: their CSRF token and submission keys are filled in per reader
    (page_cache.kept_forms()). `unchanged()`, if given, is asked once they are made: False
    (what else they depend on changed meanwhile) serves them to this request without keeping them."""

    def make() -> dict:
        context = make_context()
        if forms:
            context["csrf_token"] = page_cache.placeholder("csrf")
        rendered = {name: render_to_string(f"{template_name}#{name}", context, request) for name in names}
        value = rendered | {"status": context.get("response_status", 200)} | context.get("kept_values", {})
        return value if unchanged is None or unchanged() else page_cache.NotKept(value)

    keep = page_cache.kept_forms if forms else page_cache.kept
    return keep(gen, request, template_name, parts, make)


def render_kept(request: HttpRequest, template_name: str, names: tuple, make_context) -> HttpResponse:
    """A public page whose every part but the reader's own (the header, their session) is the same
    for every reader at this address: those parts kept per content generation (kept_parts())."""
    gen = page_cache.request_generation(request)  # before any row is read
    parts = kept_parts(request, gen, template_name, names, (request.get_full_path(),), make_context)
    return render(request, template_name, {"kept": parts}, status=parts["status"])


def render_page_or_results(request: HttpRequest, template_name: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx only its `results` partial (a history restore gets the page)."""
    if request.htmx and not request.htmx.history_restore_request:
        template_name += "#results"
    return render(request, template_name, context, status=status)


class FrontPageForm(StoryFilterForm):
    """The front page's filters: a publisher, a language, and an entity (from the entity's page)."""

    date_from = date_to = None


@vary_on_headers("HX-Request")
@public_page
def article_list(request: HttpRequest) -> HttpResponse:
    form = FrontPageForm.for_public(request.GET or None)
    articles = form.stories()
    status = 422 if form.is_bound and not form.is_valid() else 200
    entity = form.cleaned_data.get("entity") if status == 200 and form.is_bound else None
    page = CappedPaginator(articles.for_listing(), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "entity": entity, "query": query.urlencode()}
    return render_page_or_results(request, "articles/article_list.html", context, status=status)


@public_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    gen = page_cache.request_generation(request)  # before any row is read: see page_cache.kept()
    # The story with its claims, names and links is the same for every reader: made once per
    # content generation, with what the page around it needs of the story, so that a reader's
    # page reads no row of it. What is the reader's own (the header, their session) renders
    # around it. Where the reader's language is not negotiated, the page speaks the story's.
    negotiated = getattr(request, "language_negotiated", True)

    def make_context() -> dict:
        article = get_object_or_404(Article.objects.published().select_related("publisher"), slug=slug)
        activate_story_language(request, article.language)
        return story_context(request, article) | {"kept_values": {"title": article.title, "language": article.language}}

    parts = kept_parts(request, gen, "articles/article_detail.html", ("head", "main"), (slug, negotiated), make_context)
    activate_story_language(request, parts["language"])
    response = render(request, "articles/article_detail.html", {"kept": parts})
    response["Content-Language"] = parts["language"]
    return response


def story_context(request: HttpRequest, article: Article) -> dict:
    """What every reader sees of a story's page: the story, its claims, what it names and links
    to, and its structured data (JSON-LD)."""
    mentions = list(Mention.objects.published().filter(article=article).select_related("entity").order_by("start"))
    claims = list(article.claims.published().for_display().order_by("start", "id"))
    related = StoryLink.objects.published().with_other_ends(article)
    entities = sorted({m.entity_id: m.entity for m in mentions}.values(), key=lambda e: e.name.lower())
    for number, claim in enumerate(claims, start=1):
        claim.number = number
    # One query for both: the notes of every correction made after publication (a withheld text's
    # too: the note belongs to the act of correcting), and the earlier texts readers may read.
    versions = [] if article.text_version == 1 else list(  # never corrected: no version to look for
        article.versions.exclude(state__in=[ArticleVersion.State.PENDING, ArticleVersion.State.REJECTED])
        .only("number", "state", "public_note", "accepted_at", "corrects_public", "was_public", "withheld")
        .order_by("-number")
    )
    corrections = [v for v in versions if v.corrects_public and v.public_note and v.accepted_at]
    for newer, older in zip(versions, versions[1:]):  # newest first: each text stood until the next came
        older.until = newer.accepted_at
    graph = article_graph(article, entities, claims, request.build_absolute_uri, corrections)
    shown_statuses = {claim.status for claim in claims}  # the legend explains these only
    context = {
        "article": article, "claims": claims, "corrections": corrections,
        "earlier_versions": [v for v in versions if v.state == ArticleVersion.State.EARLIER and v.was_public and not v.withheld],
        "paragraphs": linked_runs(paragraphs(article.body, segments(article.body, mentions, claims)), mentions),
        "entities": entities, "related": sorted(related, key=lambda pair: (pair[0].kind, pair[1].title)),
        "claim_statuses": [(v, label) for v, label in Claim.Status.choices if v in shown_statuses],
        "json_ld": as_script_text(graph),
    }
    return context


@public_page
def article_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """An earlier version of a published story, as readers saw it: its text alone (annotations
    follow the current text). A version withheld from the public says so and why not more."""
    article = get_object_or_404(Article.objects.published().select_related("publisher"), slug=slug)
    if number == article.text_version:  # the current text (version 1 of a story never corrected)
        return redirect(article)
    version = get_object_or_404(
        article.versions.filter(was_public=True).exclude(state__in=[ArticleVersion.State.PENDING, ArticleVersion.State.REJECTED]),
        number=number,
    )
    if version.state == ArticleVersion.State.CURRENT:
        return redirect(article)
    activate_story_language(request, article.language)
    replaced_by = article.versions.filter(number__gt=version.number, state__in=[
        ArticleVersion.State.CURRENT, ArticleVersion.State.EARLIER]).order_by("number").first()
    context = {"article": article, "version": version, "replaced_by": replaced_by,
               "paragraphs": [] if version.withheld else blocks(version.body)}
    response = render(request, "articles/article_version.html", context, status=410 if version.withheld else 200)
    response["Content-Language"] = article.language
    return response


@public_page
def article_annotations(request: HttpRequest, slug: str) -> JsonResponse:
    """The W3C Web Annotation export of the article's published mentions and claims."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    mentions = Mention.objects.published().filter(article=article).select_related("entity").order_by("start", "id")
    elsewhere = (
        Claim.objects.published().exclude(article=article).select_related("article")
        .defer("article__body", "article__search_vector").order_by("article__published_at", "id")
    )
    claims = (
        article.claims.published().for_display().order_by("start", "id")
        .prefetch_related(Prefetch("across__appearances", queryset=elsewhere, to_attr="told_elsewhere"))
    )
    data = annotation_collection(article, mentions, claims, request.build_absolute_uri)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    return response


@public_page
def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_kept(request, "articles/entity_detail.html", ("title", "main"), lambda: entity_context(request, slug))


def entity_context(request: HttpRequest, slug: str) -> dict:
    entity = get_object_or_404(Entity.objects.published().prefetch_related("aliases"), slug=slug)
    stories = published_stories_naming(entity)
    # Counted from the entity's mentions, one index range in story order (with each story's status
    # looked up), not by walking the published stories for a mention of it: 17 ms, not 110–260,
    # for an entity named in 15,000 of a million stories.
    counting = Mention.objects.published().filter(entity=entity).order_by("article").values("article").distinct()
    page = CappedPaginator(stories.for_listing(), 25, counting=counting).get_page(request.GET.get("page"))
    # The entities named most often with this one, in its most recent stories (an entity in tens
    # of thousands of stories would otherwise cost a scan of all their mentions).
    # The ids are read first: as a subquery, a planner misled by stale statistics could run it
    # once per mention.
    recent = list(stories.order_by(*LISTING_ORDER).values_list("pk", flat=True)[:COMPANION_STORIES])
    shared = list(
        Mention.objects.published_on(recent).exclude(entity=entity).values("entity")
        .annotate(stories=Count("article", distinct=True)).order_by("-stories", "entity__name")[:10]
    )
    named = Entity.objects.in_bulk([row["entity"] for row in shared])
    companions = [(named[row["entity"]], row["stories"]) for row in shared]
    return {"entity": entity, "page": page, "companions": companions}


@dataclass
class SourceLedger:
    """How a source is cited in published claims, by its role in each chain: what it said itself
    (as speaker, or the document the words come from), on the record or not, and what it only
    relayed (as a *via*), with how many of those came from an unnamed source."""

    on_record: list
    unnamed: list
    relayed: list
    relayed_from_unnamed: list

    @classmethod
    def of(cls, source: Source) -> "SourceLedger":
        claims = (
            Claim.objects.published().citing(source).select_related("article")
            .order_by("-article__published_at", "start", "id")
        )
        ledger = cls([], [], [], [])
        for claim in claims:
            if claim.said_on_record:
                ledger.on_record.append(claim)
            elif claim.said_unnamed:
                ledger.unnamed.append(claim)
            if claim.relayed:
                ledger.relayed.append(claim)
            if claim.relayed_from_unnamed:
                ledger.relayed_from_unnamed.append(claim)
        return ledger


@public_page
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render_kept(request, "articles/source_detail.html", ("title", "main"), lambda: source_context(request, slug))


def source_context(request: HttpRequest, slug: str) -> dict:
    source = get_object_or_404(Source.objects.published(), slug=slug)
    stories = Article.objects.published().filter(publisher=source)
    page = CappedPaginator(stories.for_listing(), 25).get_page(request.GET.get("page"))
    record = track_record(source)
    context = {
        "source": source, "page": page, "ledger": SourceLedger.of(source), "record": record, "chart": chart(record),
        "has_record": any(line.total for line in record),
    }
    # One cell of the track record listed, as its figure links to: ?sourcing=unnamed&fate=confirmed
    sourcing, fate = request.GET.get("sourcing"), request.GET.get("fate")
    if sourcing in SOURCINGS and fate in FATES:
        claims = CappedPaginator(claims_with_fate(source, sourcing, fate), 25).get_page(request.GET.get("claims"))
        context["cell"] = {"sourcing": SOURCINGS[sourcing], "fate": FATE_LABELS[fate], "claims": claims,
                           "query": f"sourcing={sourcing}&fate={fate}"}
    return context


@public_page
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim as told in one story (this appearance), and the claim across every story the
    public can read: its standing with its reason, its timeline as a picture and as a table."""
    return render_kept(request, "articles/claim_detail.html", ("title", "head", "main"), lambda: claim_context(request, pk))


def claim_context(request: HttpRequest, pk: int) -> dict:
    across_id = get_object_or_404(Claim.objects.published().values_list("across_id", flat=True), pk=pk)
    across = ClaimAcrossStories.objects.prefetch_related("translations").get(pk=across_id)
    appearances = list(appearances_of(across, public=True))
    claim = next(appearance for appearance in appearances if appearance.pk == pk)
    evidence = Evidence.objects.published().filter(claim=claim).select_related(
        "attribution__source", "article", "other_claim__article"
    ).order_by("id")
    moments = timeline(appearances)
    wording, wording_language = public_wording(across, appearances, get_language())
    context = {
        "claim": claim, "article": claim.article, "evidence": evidence, "across": across,
        "appearances": appearances, "verdict": standing(appearances), "picture": picture(moments),
        "wording": wording, "wording_language": wording_language,
        "canonical": request.build_absolute_uri(appearances[0].get_absolute_url()),
    }
    # The table lists every moment, TIMELINE_PAGE at a time: a claim told in hundreds of stories.
    context["page"] = Paginator(moments, TIMELINE_PAGE).get_page(request.GET.get("page"))
    context["rows"] = table(context["page"].object_list, here=claim.pk)
    first_told = public_wording(across, appearances[:1], appearances[0].article.language)
    context["json_ld"] = as_script_text(
        claim_graph(first_told, appearances, context["verdict"], request.build_absolute_uri)
    )
    return context


MAX_QUERY_LENGTH = 500
# Private-use characters mark the matches in ts_headline's output, so that the snippet can be
# escaped as plain text first and only then given its <mark> elements.
MATCH_START, MATCH_END = "\ue000", "\ue001"


class SearchForm(StoryFilterForm):
    q = forms.CharField(label=_("Search"), required=False, strip=True)
    entity = None

    field_order = ["q", "language", "source", "date_from", "date_to"]


@vary_on_headers("HX-Request")
@public_page
def article_search(request: HttpRequest) -> HttpResponse:
    """Full-text search, each story stemmed in its own language, with web-search syntax. The
    page (or for htmx its results) is the same for every reader who asks the same: kept per
    content generation (kept_parts())."""
    gen = page_cache.request_generation(request)  # before any row is read
    template_name = "articles/article_search.html"
    if request.htmx and not request.htmx.history_restore_request:
        parts = kept_parts(request, gen, template_name, ("results",), (request.get_full_path(), "htmx"), lambda: search_context(request))
        return HttpResponse(parts["results"], status=parts["status"])
    parts = kept_parts(request, gen, template_name, ("title", "main"), (request.get_full_path(), "page"), lambda: search_context(request))
    return render(request, template_name, {"kept": parts}, status=parts["status"])


def search_context(request: HttpRequest) -> dict:
    form = SearchForm.for_public(request.GET or None)
    context = {"form": form, "page": None, "notice": "", "q": "", "response_status": 200}
    if form.is_bound and not form.is_valid():
        context["response_status"] = 422
    elif form.is_bound and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        if len(q) > MAX_QUERY_LENGTH:
            q = q[:MAX_QUERY_LENGTH]
            context["notice"] = ngettext(
                "Your search was long, so only its first %(n)s character was used.",
                "Your search was long, so only its first %(n)s characters were used.",
                MAX_QUERY_LENGTH,
            ) % {"n": MAX_QUERY_LENGTH}
        articles = form.stories()
        # Rank only what can make the pages offered: the SEARCH_POOL most recent matches (ranking
        # every match of a common word in a large archive would cost more than the search).
        typed = WebSearch(q)
        pool = newest_matches(articles, typed)
        config = stored_config()
        query = SearchQuery(typed.text, search_type="websearch", config=config)
        articles = (
            Article.objects.filter(pk__in=pool)
            .select_related("publisher")
            .defer("search_vector")
            .annotate(
                rank=SearchRank(F("search_vector"), query),
                headline=SearchHeadline(
                    # The body without the marker characters, so that only ts_headline's are marks.
                    Func(F("body"), Value(MATCH_START + MATCH_END), Value(""), function="translate"),
                    query, config=config, start_sel=MATCH_START, stop_sel=MATCH_END,
                    max_words=35, min_words=15, max_fragments=2,
                ),
            )
            .order_by("-rank", *LISTING_ORDER)
        )
        page = KnownCountPaginator(articles, 20, count=len(pool)).get_page(request.GET.get("page"))
        if page.paginator.count >= search.SEARCH_POOL:
            context["notice"] = _(
                "Showing the %(n)s most recent matching stories, best first. Add words or dates to reach older ones."
            ) % {"n": search.SEARCH_POOL}
        for article in page:
            article.snippet = snippet_html(article.headline)
        query_string = request.GET.copy()
        query_string.pop("page", None)
        context |= {"page": page, "q": q, "query": query_string.urlencode()}
    return context


def snippet_html(headline: str):
    """ts_headline's text, escaped, with its match markers turned into <mark> elements."""
    escaped = escape(headline)
    return mark_safe(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))
