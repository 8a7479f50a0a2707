import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache

logger = logging.getLogger("newsdesk")


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages that name no icon (the admin's): ours."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not: for load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


# Errors a database outage raises: the server is gone (OperationalError) or the connection broke
# under us (InterfaceError). A statement or lock timeout is an OperationalError too.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a generic page that names nothing of the failure.

    When the database is what failed, answer 503 with Retry-After instead: the request may simply
    be sent again in a moment. The page is rendered without touching the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable: %s", type(error).__name__)
        response = render_error(request, "503.html", status=503)
        response["Retry-After"] = "5"
        return response
    return render_error(request, "500.html", status=500)


def render_error(request: HttpRequest, template_name: str, *, status: int, context: dict | None = None) -> HttpResponse:
    """An error page from a template that reads no user, session or database (and `context`)."""
    context = {"htmx": bool(request.headers.get("HX-Request")), **(context or {})}
    body = loader.get_template(template_name).render(context)
    response = HttpResponse(body, status=status)
    add_never_cache_headers(response)
    return response
