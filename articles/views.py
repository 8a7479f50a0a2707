"""The public, read-only site. Every query starts from .published(): nothing else exists here."""

from functools import wraps

from django import forms
from django.core.cache import cache
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Count, Exists, F, Func, OuterRef, Value
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.vary import vary_on_headers

from annotations.highlighting import segments
from annotations.models import Attribution, Claim, Entity, Mention, StoryLink
from articles.annotation_export import annotation_collection
from articles import page_cache
from articles.models import Article, Source
from newsdesk.paging import CappedPaginator, KnownCountPaginator
from articles import search
from articles.search import WebSearch, newest_matches, stored_config
from articles.structured_data import article_graph, as_script_text


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
COMPANION_STORIES = 200  # an entity's "named with" list looks at its most recent stories


def render_page_or_results(request: HttpRequest, template_name: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx only its `results` partial (a history restore gets the page)."""
    if request.htmx and not request.htmx.history_restore_request:
        template_name += "#results"
    return render(request, template_name, context, status=status)


class StoryFilterForm(forms.Form):
    """The front page's filters; values outside these choices are ignored, never queried."""

    source = forms.ChoiceField(label=_("Publisher"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    entity = forms.SlugField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        publishers, languages = published_facets()
        self.fields["source"].choices = [("", _("all publishers"))] + publishers
        self.fields["language"].choices = [("", _("all languages"))] + [(code, code) for code in languages]


def published_facets() -> tuple[list[tuple[str, str]], list[str]]:
    """The publishers and languages of published stories, for the filters: two scans of the
    archive, so kept in the cache until content changes (the public pages' generation)."""

    def compute():
        published = Article.objects.published()
        publishers = Source.objects.filter(Exists(published.filter(publisher=OuterRef("pk")))).order_by("name")
        languages = published.order_by("language").values_list("language", flat=True).distinct()
        return [(s.slug, s.name) for s in publishers], list(languages)

    return cache.get_or_set(f"facets:published:{page_cache.generation()}", compute, 600)


def published_stories_naming(entity: Entity):
    # The story is published, so a published mention of it is one marked so (Mention.published()
    # would join the story again).
    return Article.objects.published().filter(
        Exists(Mention.objects.filter(article=OuterRef("pk"), entity=entity, is_published=True))
    )


@vary_on_headers("HX-Request")
@public_page
def article_list(request: HttpRequest) -> HttpResponse:
    form = StoryFilterForm(request.GET or None)
    articles = Article.objects.published()
    entity = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["source"]:
            articles = articles.filter(publisher__slug=data["source"])
        if data["language"]:
            articles = articles.filter(language=data["language"])
        if data["entity"]:
            # Only an entity named in something published exists for the public.
            named = Mention.objects.published().filter(entity=OuterRef("pk"))
            entity = Entity.objects.filter(Exists(named), slug=data["entity"]).first()
            articles = published_stories_naming(entity) & articles if entity else articles.none()
    page = CappedPaginator(articles.for_listing(), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "entity": entity, "query": query.urlencode()}
    return render_page_or_results(request, "articles/article_list.html", context)


@public_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().select_related("publisher"), slug=slug)
    mentions = list(Mention.objects.published().filter(article=article).select_related("entity").order_by("start"))
    claims = list(Claim.objects.published().filter(article=article).for_display().order_by("start", "id"))
    links = StoryLink.objects.published().touching(article).select_related("from_article", "to_article")
    related = [(link, link.to_article if link.from_article_id == article.pk else link.from_article) for link in links]
    entities = sorted({m.entity_id: m.entity for m in mentions}.values(), key=lambda e: e.name.lower())
    for number, claim in enumerate(claims, start=1):
        claim.number = number
    graph = article_graph(article, entities, claims, request.build_absolute_uri)
    context = {
        "article": article, "segments": segments(article.body, mentions, claims), "claims": claims,
        "entities": entities, "related": sorted(related, key=lambda pair: (pair[0].kind, pair[1].title)),
        "json_ld": as_script_text(graph),
    }
    response = render(request, "articles/article_detail.html", context)
    response["Content-Language"] = article.language
    return response


@public_page
def article_annotations(request: HttpRequest, slug: str) -> JsonResponse:
    """The W3C Web Annotation export of the article's published mentions and claims."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    mentions = Mention.objects.published().filter(article=article).select_related("entity").order_by("start", "id")
    claims = Claim.objects.published().filter(article=article).for_display().order_by("start", "id")
    data = annotation_collection(article, mentions, claims, request.build_absolute_uri)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    return response


@public_page
def entity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entity = get_object_or_404(Entity.objects.prefetch_related("aliases"), slug=slug)
    stories = published_stories_naming(entity)
    if not stories.exists():
        raise Http404
    page = CappedPaginator(stories.for_listing(), 25).get_page(request.GET.get("page"))
    # The entities named most often with this one, in its most recent stories (an entity in tens
    # of thousands of stories would otherwise cost a scan of all their mentions).
    # The ids are read first: as a subquery, a planner misled by stale statistics could run it
    # once per mention. The stories are published, so their published mentions are those marked so.
    recent = list(stories.order_by("-published_at", "-id").values_list("pk", flat=True)[:COMPANION_STORIES])
    companions = (
        Entity.objects.filter(mentions__article__in=recent, mentions__is_published=True)
        .exclude(pk=entity.pk)
        .annotate(shared=Count("mentions__article", distinct=True))
        .order_by("-shared", "name")[:10]
    )
    return render(request, "articles/entity_detail.html", {"entity": entity, "page": page, "companions": companions})


@public_page
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    claims = Claim.objects.published().filter(attributions__source=source).distinct()
    stories = Article.objects.published().filter(publisher=source)
    if not stories.exists() and not claims.exists():
        raise Http404
    page = CappedPaginator(stories.for_listing(), 25).get_page(request.GET.get("page"))
    sourcing = dict(
        Attribution.objects.filter(source=source, claim__in=claims)
        .values_list("sourcing")
        .annotate(n=Count("id"))
        .order_by()
    )
    claim_list = list(claims.select_related("article").order_by("-article__published_at", "start"))
    by_status = [(label, [c for c in claim_list if c.status == value]) for value, label in Claim.Status.choices]
    context = {
        "source": source, "page": page, "by_status": [(label, items) for label, items in by_status if items],
        "on_record": sourcing.get(Attribution.Sourcing.ON_RECORD, 0),
        "anonymous": sourcing.get(Attribution.Sourcing.ANONYMOUS, 0) + sourcing.get(Attribution.Sourcing.NOT_FOR_ATTRIBUTION, 0),
    }
    return render(request, "articles/source_detail.html", context)


@public_page
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.published().for_display(), pk=pk)
    evidence = [e for e in claim.evidence.all() if evidence_is_public(e)]
    return render(request, "articles/claim_detail.html", {"claim": claim, "article": claim.article, "evidence": evidence})


def evidence_is_public(evidence) -> bool:
    if evidence.article_id is not None:
        return evidence.article.is_published
    if evidence.other_claim_id is not None:
        return evidence.other_claim.is_published and evidence.other_claim.article.is_published
    return True


MAX_QUERY_LENGTH = 500
# Private-use characters mark the matches in ts_headline's output, so that the snippet can be
# escaped as plain text first and only then given its <mark> elements.
MATCH_START, MATCH_END = "\ue000", "\ue001"


class SearchForm(StoryFilterForm):
    q = forms.CharField(label=_("Search"), required=False, strip=True)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    field_order = ["q", "language", "source", "date_from", "date_to"]


@vary_on_headers("HX-Request")
@public_page
def article_search(request: HttpRequest) -> HttpResponse:
    """Full-text search, each story stemmed in its own language, with web-search syntax."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "page": None, "notice": "", "q": ""}
    status = 200
    if form.is_bound and not form.is_valid():
        status = 422
    elif form.is_bound and form.cleaned_data["q"]:
        data = form.cleaned_data
        q = data["q"]
        if len(q) > MAX_QUERY_LENGTH:
            q = q[:MAX_QUERY_LENGTH]
            context["notice"] = _("Your search was long, so only its first %(n)s characters were used.") % {
                "n": MAX_QUERY_LENGTH
            }
        articles = Article.objects.published()
        if data["source"]:
            articles = articles.filter(publisher__slug=data["source"])
        if data["language"]:
            articles = articles.filter(language=data["language"])
        if data["date_from"]:
            articles = articles.filter(published_at__date__gte=data["date_from"])
        if data["date_to"]:
            articles = articles.filter(published_at__date__lte=data["date_to"])
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
            .order_by("-rank", "-published_at", "-id")
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
    return render_page_or_results(request, "articles/article_search.html", context, status=status)


def snippet_html(headline: str):
    """ts_headline's text, escaped, with its match markers turned into <mark> elements."""
    escaped = escape(headline)
    return mark_safe(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))
