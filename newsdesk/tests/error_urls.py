"""Views that fail on purpose, for the error page tests, beside the real routes."""

from django.db import OperationalError
from django.urls import path

from newsdesk.urls import handler500, urlpatterns as real


def broken(request):
    raise RuntimeError("SENTINEL internal detail /work/main")


def database_gone(request):
    raise OperationalError("SENTINEL connection to server at 127.0.0.1 failed")


urlpatterns = [path("broken/", broken), path("database-gone/", database_gone), *real]
__all__ = ["handler500", "urlpatterns"]
