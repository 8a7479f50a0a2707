from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.vary import vary_on_headers

from annotations.models import Attribution, Claim, Mention, StoryLink
from articles.models import Article


def render_page_or_results(request: HttpRequest, template_name: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or for htmx only its `results` partial (a history restore gets the page)."""
    if request.htmx and not request.htmx.history_restore_request:
        template_name += "#results"
    return render(request, template_name, context, status=status)


@vary_on_headers("HX-Request")
def article_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Article.objects.published().for_listing(), 25).get_page(request.GET.get("page"))
    return render_page_or_results(request, "articles/article_list.html", {"page": page})


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().select_related("publisher"), slug=slug)
    mentions = Mention.objects.published().filter(article=article).select_related("entity")
    claims = (
        Claim.objects.published()
        .filter(article=article)
        .prefetch_related(
            Prefetch("attributions", queryset=Attribution.objects.select_related("source").order_by("position"))
        )
    )
    links = (
        StoryLink.objects.published()
        .touching(article)
        .select_related("from_article", "to_article")
        .order_by("kind", "id")
    )
    entities = {m.entity_id: m.entity for m in mentions}.values()
    related = [(link, link.to_article if link.from_article_id == article.id else link.from_article) for link in links]
    context = {"article": article, "entities": sorted(entities, key=lambda e: e.name), "claims": claims, "related": related}
    return render(request, "articles/article_detail.html", context)
