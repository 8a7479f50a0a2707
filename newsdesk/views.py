import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.templatetags.static import static
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from newsdesk import languages
from newsdesk.context_processors import switcher_languages

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
    if not hasattr(request, "language_negotiated"):  # refused before the language middleware ran
        languages.activate_for(request)
    context = {
        "htmx": bool(request.headers.get("HX-Request")),
        # The switcher, which sends the reader to the front page: an error page repeats no address.
        "interface_languages": switcher_languages(), "LANGUAGE_CODE": translation.get_language(), "language_next": "/",
        **(context or {}),
    }
    body = loader.get_template(template_name).render(context)
    response = HttpResponse(body, status=status)
    add_never_cache_headers(response)
    return response


@csrf_exempt  # checked below: a stored public page carries no token (see language_choose)
@require_http_methods(["GET", "HEAD", "POST"])
def language_choose(request: HttpRequest) -> HttpResponse:
    """The switcher's answer: keep the language chosen (cookie; a logged-in user's profile too)
    and go back to the page it was chosen on.

    Public pages are stored whole for every reader and so carry no CSRF token: a reader without
    a session may choose without one, and a cross-site form can at most change a visitor's
    language, which an Origin of another site is refused even that. A logged-in user's choice
    writes their profile, so it needs this session's token, as every other form does; from a page
    that has none (an error page), this browser keeps the choice and the profile stays as it was.
    Asked for with GET, it is a page that lists the languages.
    """
    if request.method != "POST":
        return render(request, "language.html")
    keep_in_profile = False
    if request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
        keep_in_profile = refused is None
        if refused is not None and not same_origin(request):
            return refused
    elif not same_origin(request):
        return render_error(request, "403.html", status=403)
    code = languages.supported(request.POST.get("language"))
    back = request.POST.get("next", "")
    if (
        not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure())
        or not back.isprintable()  # a line break would split the Location header
    ):
        back = "/"
    if code is None:
        return render_error(request, "400.html", status=400)
    if keep_in_profile:
        from annotations.models import Profile

        Profile.objects.update_or_create(user=request.user, defaults={"language": code})
    translation.activate(code)
    response = HttpResponseRedirect(back, status=303)
    languages.remember(response, code)
    request.remember_language = None  # the cookie is set here already
    return response


def same_origin(request: HttpRequest) -> bool:
    """No Origin (an older browser, a script) or this site's own."""
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.get_host()}"
