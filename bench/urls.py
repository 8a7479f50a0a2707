from django.http import HttpResponse
from django.urls import path

from newsdesk.urls import urlpatterns as newsdesk_urlpatterns


def bare(request):
    """The floor: what the same server, middleware and worker answer with no work at all."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *newsdesk_urlpatterns]
