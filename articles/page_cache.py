"""The public pages, kept whole for anonymous readers, and dropped the moment content changes.

Every page a reader without a session gets (200, `Cache-Control: public`) is stored under its
URL and the current *generation*; any change to a story, a source, an entity or an annotation
moves the generation on, so that no stored page is ever served again (`invalidate`). Editors
and anyone with a session never get a stored page: theirs can show their session.

The cache is shared by every process of the site (Redis with CACHE_URL; otherwise files under
var/cache), so that a change saved by one gunicorn worker or by an import command empties the
pages of all of them. A stored page is served before sessions, authentication and the views run:
no database query at all.
"""

import contextlib
import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import models, transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response

GENERATION = "public-pages:generation"
SKIPPED_PREFIXES = ("/desk/", "/admin/", "/accounts/", "/healthz", "/static/", "/bench/")
LONGEST_URL = 600
KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Vary", "ETag", "Link")


def generation() -> int:
    value = cache.get(GENERATION)
    if value is None:
        cache.add(GENERATION, 1, timeout=None)
        value = cache.get(GENERATION, 1)
    return value


_batch = threading.local()


def invalidate() -> None:
    """Forget every stored page: now, and again when the current transaction commits (so that
    a page rendered meanwhile from the old state is not the one that stays)."""
    if getattr(_batch, "depth", 0):
        _batch.changed = True
        return
    bump()
    transaction.on_commit(bump)


@contextlib.contextmanager
def one_invalidation():
    """Within the block (an import of thousands of stories), forget the pages once, at the end."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
        if not _batch.depth and getattr(_batch, "changed", False):
            _batch.changed = False
            bump()
            transaction.on_commit(bump)


def bump() -> None:
    try:
        cache.incr(GENERATION)
    except ValueError:
        cache.add(GENERATION, 2, timeout=None)


def cacheable_request(request) -> bool:
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(SKIPPED_PREFIXES)
        and len(request.get_full_path()) <= LONGEST_URL
    )


def page_key(request, host: str, gen: int) -> str:
    """The page's key: its generation, and the address it was asked for in full. The scheme and
    the host (port included) are part of it, since a page's links, sitemap and feed name them."""
    fragment = "htmx" if request.headers.get("HX-Request") else "page"
    return f"public-page:{gen}:{fragment}:{request.scheme}://{host}{request.get_full_path()}"


def middleware(get_response):
    """Serve a stored public page, or store the one the view renders (see the module's text)."""

    def serve(request):
        if not cacheable_request(request):
            return get_response(request)
        try:
            host = request.get_host()  # as ALLOWED_HOSTS accepts it; behind a proxy, USE_X_FORWARDED_HOST
        except DisallowedHost:
            return get_response(request)  # neither served nor stored: Django answers 400 further on
        key = page_key(request, host, generation())
        stored = cache.get(key)
        if stored is not None:
            return replay(request, stored)
        response = get_response(request)
        if storable(request, response):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.status_code, headers, response.content), settings.PUBLIC_PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
        return response

    return serve


def storable(request, response) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "public" in response.get("Cache-Control", "")
        and (user is None or not user.is_authenticated)
    )


def replay(request, stored) -> HttpResponse:
    status, headers, content = stored
    etag = headers.get("ETag")
    conditional = get_conditional_response(request, etag=etag)
    if conditional is not None:
        response = conditional
        for name in ("Cache-Control", "Vary", "ETag"):
            if name in headers:
                response[name] = headers[name]
    else:
        response = HttpResponse(content if request.method == "GET" else b"", status=status)
        for name, value in headers.items():
            response[name] = value
        response["Content-Length"] = str(len(content))
    response["X-Page-Cache"] = "hit"
    return response


class ContentQuerySet(models.QuerySet):
    """The queryset of every content model: bulk writes, which send no signals, empty the cache too.

    (Raw SQL does not pass here; a page it changes is dropped when PUBLIC_PAGE_CACHE_SECONDS run out.)
    """

    def update(self, **kwargs) -> int:
        rows = super().update(**kwargs)
        if rows:
            invalidate()
        return rows

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None) -> int:
        rows = super().bulk_update(objs, fields, batch_size=batch_size)
        if rows:
            invalidate()
        return rows

    bulk_update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            invalidate()
        return created

    bulk_create.alters_data = True
