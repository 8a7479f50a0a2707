from django.http import HttpResponse
from django.urls import path

from articles import page_cache
from newsdesk.urls import urlpatterns as newsdesk_urlpatterns


def bare(request):
    """The floor: what the same server, middleware and worker answer with no work at all."""
    return HttpResponse("ok")


def page_cache_but_for_the_floor(get_response):
    """The page cache (bench.settings puts it in its place) for every page but the bare view,
    which would otherwise pay the cache's reading of the generation, a query, and no longer be
    the floor."""
    cached = page_cache.middleware(get_response)

    def serve(request):
        return get_response(request) if request.path.startswith("/bench/") else cached(request)

    return serve


urlpatterns = [path("bench/bare/", bare), *newsdesk_urlpatterns]
