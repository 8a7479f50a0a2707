from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from articles import page_cache
from articles.models import Article
from newsdesk.urls import urlpatterns as newsdesk_urlpatterns


def bare(request):
    """The floor: what the same server, middleware and worker answer with no work at all."""
    return HttpResponse("ok")


def reference(request):
    """A plain Django page, the yardstick of issue 21: 20 rows through the ORM, a template that
    extends a base, `{% url %}` for each row and a CSRF token."""
    stories = Article.objects.order_by("-pk")[:20]
    return render(request, "bench/reference.html", {"stories": stories})


def change(request, pk: int):
    """A content change, as any write makes one: a full stop added to the story's title or taken
    away, so every stored page and anything kept per content generation is out of date."""
    title = Article.objects.values_list("title", flat=True).get(pk=pk)
    Article.objects.filter(pk=pk).update(title=title[:-1] if title.endswith(".") else f"{title}.")
    return HttpResponse("changed")


def page_cache_but_for_the_floor(get_response):
    """The page cache (bench.settings puts it in its place) for every page but the bench's own,
    which would otherwise pay the cache's reading of the generation, a query, and no longer be
    the floor and the yardstick."""
    cached = page_cache.middleware(get_response)

    def serve(request):
        return get_response(request) if request.path.startswith("/bench/") else cached(request)

    return serve


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/reference/", reference),
    path("bench/change/<int:pk>/", change),
    *newsdesk_urlpatterns,
]
