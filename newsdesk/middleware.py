"""Small middleware of our own; the rest is Django's and the libraries' (see settings.MIDDLEWARE)."""

import io
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from newsdesk.languages import activate_for, number
from newsdesk.views import render_error

logger = logging.getLogger("newsdesk")

# How much of a chunked body is read at a time while it is counted.
READ_SIZE = 64 * 1024


def request_body_limit(get_response):
    """Refuse a request body over its route's limit before anything reads it or spools it to disk.

    A declared Content-Length over the limit is refused (413) unread. A chunked body declares no
    length, and Django reads only Content-Length bytes of a request, so such a body would look
    empty: where the server hands it over decoded and ends the stream with it (gunicorn says so
    with `wsgi.input_terminated`), it is read here, up to one byte past the limit, and passed on
    with the length it turned out to have; where the server does not (Django's runserver), it
    cannot be read safely and is refused with 411, asking for a Content-Length.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        codings = [coding.strip().lower() for coding in request.META.get("HTTP_TRANSFER_ENCODING", "").split(",")]
        if "chunked" in codings:
            if not request.META.get("wsgi.input_terminated"):
                return render_error(request, "411.html", status=411)
            body = read_at_most(request, limit + 1)
            if body is None:
                return render_error(request, "400.html", status=400)
            if len(body) > limit:
                return body_too_large(request, limit)
            request.META["CONTENT_LENGTH"] = str(len(body))
            request._stream = io.BytesIO(body)  # what WSGIRequest reads its body from
            return get_response(request)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not (declared.isascii() and declared.isdigit()):
            return render_error(request, "400.html", status=400)
        if int(declared) > limit:
            return body_too_large(request, limit)
        return get_response(request)

    return middleware


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may hold. Only the desk's upload takes a file, and only
    from someone with a session (the view decides who may import; this is known unread)."""
    if request.path == reverse("desk:import") and settings.SESSION_COOKIE_NAME in request.COOKIES:
        return settings.IMPORT_MAX_REQUEST_BYTES
    return settings.REQUEST_MAX_BODY_BYTES


def read_at_most(request: HttpRequest, size: int) -> bytes | None:
    """Up to `size` bytes of the body as the server decoded it; None if it could not be read."""
    stream, parts, count = request.META["wsgi.input"], [], 0
    try:
        while count < size:
            part = stream.read(min(READ_SIZE, size - count))
            if not part:
                break
            parts.append(part)
            count += len(part)
    except Exception as error:  # noqa: BLE001 - the server's own (gunicorn: a malformed or cut-off chunk)
        logger.warning("request body unreadable: %s", type(error).__name__)
        return None
    return b"".join(parts)


def body_too_large(request: HttpRequest, limit: int) -> HttpResponse:
    activate_for(request)  # before the language middleware: the limit is written in the reader's language
    return render_error(request, "413.html", status=413, context={"limit": number(limit)})


# The prefixes of newsdesk/urls.py under which every page is a session's own.
PRIVATE_PATHS = ("/desk/", "/accounts/", "/admin/")


def private_pages_are_never_stored(get_response):
    """The desk, the log-in pages and the admin show a session's data: no cache, shared or the
    browser's own, may keep them (the admin's and the log-in views' never_cache, for all three).
    Public pages set their own Cache-Control (articles/views.py), which the page cache reads."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path_info.startswith(PRIVATE_PATHS):
            add_never_cache_headers(response)
        return response

    return middleware


def csp_nonce_on_every_response(get_response):
    """Make every response's Content-Security-Policy carry a fresh nonce, used or not.

    django-csp adds the nonce only when a template asked for it; public pages do not (see
    CONTENT_SECURITY_POLICY), and a policy should not depend on which page was rendered.
    """

    def middleware(request):
        str(request.csp_nonce)
        return get_response(request)

    return middleware
