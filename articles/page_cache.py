"""The public pages, kept whole for anonymous readers, and dropped the moment content changes.

Every page a reader without a session gets (200, `Cache-Control: public`) is stored under the
address it was asked for (scheme, host as Django validated it with its port, path and query) and
the current *generation*. Editors and anyone with a session never get a stored page: theirs can
show their session.

Pages are dropped by PostgreSQL, whatever writes the rows: the desk, the admin, an undo or
restore, an import, QuerySet.update() and bulk writes, raw SQL. Every content table (`content_tables`:
each table of the articles and annotations apps but the history's event tables and the desk's
own bookkeeping) has a statement trigger, attached by `migrate` (`install_triggers`), that moves
the generation, a pair read in one query (`generation`):

- the sequence `articles_page_changes`, advanced by every statement that changes content, at
  once and for every session: a page rendered afterwards, in that transaction or any other, gets
  a new key;
- the count `articles_page_generation`, raised by a deferred trigger as the changing transaction
  commits and visible with its commit: a page another request rendered from the old rows while
  the change was not committed is stored under a key that nobody asks for once it is.

A change that is rolled back leaves the count as it was; the sequence has moved, so the pages
kept before it are rendered again, and those rendered meanwhile by other sessions show the rows
that were kept. (Only a page rendered inside the changing transaction itself, after its change,
could show rows later rolled back; the middleware reads the generation before the view runs,
outside any transaction, so no request does that.) The SQL is migrations/0007_page_generation.py.

Costs and limits. Each request for a public page reads the generation, even for a stored page:
one query, which is also the request's connection health check (CONN_HEALTH_CHECKS); README,
Benchmarks, has the figures. Each committing transaction that changed content updates the one
row of the count, so such commits queue on that row for a moment; `SET CONSTRAINTS ALL
IMMEDIATE` (check_rules_now) runs the deferred trigger early, and the row then stays locked
until that transaction ends. The count's update expects READ COMMITTED, the app's isolation
level. The cache is shared by every process of the site (Redis with CACHE_URL; otherwise files
under var/cache). A stored page is served before sessions, authentication and the views run.
"""

import contextvars
import hashlib
import time
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django_htmx.middleware import HtmxDetails

from newsdesk.languages import offered, page_language

SKIPPED_PREFIXES = ("/desk/", "/admin/", "/accounts/", "/healthz", "/static/")
LONGEST_URL = 600
KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Vary", "ETag", "Link")

CONTENT_APPS = ("articles", "annotations")
# Tables of those apps that no public page, feed, sitemap or export reads: the desk's own
# bookkeeping (a user's profile, a form's submission key, the suggestions an editor turned down
# or decided, the feeds' subscriptions and health, which every poll writes, and the uploads).
DESK_ONLY = {"annotations.Profile", "annotations.Submission", "annotations.RejectedSuggestion", "annotations.StorySuggestion",
             "articles.Feed", "articles.ImportJob"}
TRIGGER = "articles_page_changed"
# With the sequence's own oid: a database restored from a backup (pg_restore --clean, or into a
# new database) counts from the backup's numbers again, but in a sequence made anew, so nothing
# kept before the restore is served after it.
GENERATION_QUERY = (
    "SELECT changes.last_value, (SELECT value FROM articles_page_generation WHERE id = 1),"
    " 'articles_page_changes'::regclass::oid FROM articles_page_changes AS changes"
)


def generation() -> str:
    """The generation the stored pages of the moment are kept under (see the module's text)."""
    if (
        connection.connection is not None and connection.health_check_enabled
        and not connection.health_check_done and not connection.in_atomic_block
    ):
        # Django checks a reused connection with a query of its own (CONN_HEALTH_CHECKS) before
        # a request's first one; this query is that check, so a stored page costs one round trip.
        try:
            with connection.connection.cursor() as cursor:
                value = read_generation(cursor)
        except Exception:  # noqa: BLE001 - the connection is unusable: Django reconnects below
            connection.close()
        else:
            connection.health_check_done = True
            return value
    with connection.cursor() as cursor:
        return read_generation(cursor)


def read_generation(cursor) -> str:
    cursor.execute(GENERATION_QUERY)
    changes, committed, made = cursor.fetchone()
    return f"{changes}.{committed}.{made}"


def content_tables() -> set[str]:
    """The tables whose rows a public page, feed, sitemap or export can show: those of the
    content apps, every model a new one, unless it is history or named in DESK_ONLY."""
    from newsdesk.least_privilege import history_tables

    desk_only = {apps.get_model(label)._meta.db_table for label in DESK_ONLY}
    return content_app_tables() - history_tables() - desk_only


def content_app_tables() -> set[str]:
    return {
        model._meta.db_table
        for label in CONTENT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give every content table the trigger that moves the generation, and drop every stored page.
    Run by `migrate`, as the tables' owner, after every migration: a table added since gets its
    trigger. Idempotent."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('articles_page_changed') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return  # migrated back to before articles 0007
        tables = set(connection.introspection.table_names(cursor))
        for table in sorted(content_tables() & tables):
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {connection.ops.quote_name(table)} FOR EACH STATEMENT EXECUTE FUNCTION articles_page_changed()"
            )
        # The desk's claim cards name who changed a status: an account renamed (in the admin, say)
        # is renamed there at once. Only a statement naming the column: a log-in's last_login is not.
        users = connection.ops.quote_name(get_user_model()._meta.db_table)
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER UPDATE OF username ON {users}"
            " FOR EACH STATEMENT EXECUTE FUNCTION articles_page_changed()"
        )
        # A table no page reads (any more) moves nothing: a feed's poll, say, writes its health.
        for table in sorted(content_app_tables() & tables - content_tables()):
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {connection.ops.quote_name(table)}")
        # A migration may have written rows of a table that had no trigger yet, or changed what
        # a page shows in another way: the pages stored before it go.
        cursor.execute("SELECT nextval('articles_page_changes')")


def cacheable_request(request) -> bool:
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")  # a HEAD is answered from a stored GET, never stored itself
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(SKIPPED_PREFIXES)
        and len(request.get_full_path()) <= LONGEST_URL
    )


def page_key(request, host: str, gen: str) -> str:
    """The page's key: its generation, its language, and the address it was asked for in full.
    The scheme and the host (port included) are part of it, since a page's links, sitemap and
    feed name them."""
    htmx = HtmxDetails(request)  # as the views will read it (render_page_or_results)
    fragment = "htmx" if htmx and not htmx.history_restore_request else "page"
    address = f"{request.scheme}://{host}{request.get_full_path()}"
    # One copy per language the page can be in: the reader's choice or Accept-Language's, as
    # newsdesk.languages resolves them (never the raw header), or "-" for neither.
    # The languages offered are in it too: a catalogue completed (or broken) by a new release
    # changes every page's switcher.
    language = f"{page_language(request)}/{'.'.join(offered())}"
    # Hashed: a key of any length and any characters is one every cache backend takes.
    return f"public-page:{gen}:{fragment}:{language}:{hashlib.sha256(address.encode()).hexdigest()}"


def middleware(get_response):
    """Serve a stored public page, or store the one the view renders (see the module's text)."""

    def serve(request):
        if not cacheable_request(request):
            return get_response(request)
        try:
            host = request.get_host()  # the Host header, port included, as ALLOWED_HOSTS accepts it
        except DisallowedHost:
            return get_response(request)  # neither served nor stored: Django answers 400 further on
        request.page_generation = generation()
        key = page_key(request, host, request.page_generation)
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
        and request.method == "GET"  # a HEAD's response has no ETag (ConditionalGetMiddleware): not one to replay
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


def request_generation(request) -> str:
    """The generation as this request first read it (the page cache reads it before the view
    runs, for a reader without a session); read now if not yet."""
    if getattr(request, "page_generation", None) is None:
        request.page_generation = generation()
    return request.page_generation


def kept(gen: str, request, name: str, parts: tuple, make):
    """What `make()` returns, made once per content generation and kept in the cache beside the
    stored pages: the part of a public page that is the same for every reader (the story, its
    claims and names), so that a logged-in reader's page, which is never stored whole, renders
    only what is theirs around it.

    `gen` is request_generation(), read before the view read any row, as the page cache reads it: a part
    made from rows that changed meanwhile is kept under a key nobody asks for once the change is
    committed. `parts` is everything else the value depends on; the active language, the scheme
    and the host (which the value's absolute addresses name) are added here. `make()` must
    return a value the cache can pickle, and nothing that belongs to one reader: no CSRF token,
    no nonce, no name of theirs. A release's `migrate` moves the generation (install_triggers()),
    so no part rendered by an older release's templates outlives it."""
    if settings.PUBLIC_PAGE_CACHE_SECONDS <= 0 or len(request.get_full_path()) > LONGEST_URL:
        value = make()  # an address longer than any link of ours is not worth a place in the cache
        return value.value if isinstance(value, NotKept) else value
    host = request.get_host()  # validated by ALLOWED_HOSTS, as the page cache's key
    address = repr((name, parts, get_language(), request.scheme, host))
    key = f"public-part:{gen}:{name}:{hashlib.sha256(address.encode()).hexdigest()}"
    value = cache.get(key)
    if value is None:
        value = made_once(key, make)
    return value


@dataclass(frozen=True)
class NotKept:
    """What a `make()` returns for a value that must not be kept (what it was made from changed
    while it was made): served to this request, then made again for the next."""

    value: object


def store(key: str, value):
    if isinstance(value, NotKept):
        return value.value
    cache.set(key, value, settings.PUBLIC_PAGE_CACHE_SECONDS)
    return value


# After a change every process asks for the same parts at once; one makes each while the others
# wait for it, so that the cores go to that one and to PostgreSQL rather than to making it
# again. A waiter waits no longer than MAKING_WAIT (then makes it too): a maker that died
# holds the others back only that long, until MAKING_LOCK lets its claim lapse.
MAKING_WAIT = 2.0
MAKING_POLL = 0.005
MAKING_LOCK = 10


def made_once(key: str, make):
    claim = f"{key}:making"
    if cache.add(claim, 1, MAKING_LOCK):
        try:
            return store(key, make())
        finally:
            cache.delete(claim)
    deadline = time.monotonic() + MAKING_WAIT
    while time.monotonic() < deadline:
        time.sleep(MAKING_POLL)
        value = cache.get(key)
        if value is not None:
            return value
        if cache.get(claim) is None:  # made just now, or the maker failed (a 404, an error)
            value = cache.get(key)
            if value is not None:
                return value
            break  # this request finds out for itself
    return store(key, make())


# While a part with forms is made to be kept (kept_forms()), what belongs to one reader and one
# showing of a form is written as a placeholder, filled in for each reader as it is served. A
# placeholder holds NUL, which no text from PostgreSQL can hold, between < and >, which
# escaping takes out of any other text: no story, name or query can write one. It is marked
# safe so that the CSRF tag and the widgets write it as it is.
KEEPING_FORMS = contextvars.ContextVar("keeping_forms", default=False)
PLACEHOLDERS = {what: mark_safe(f"<\x00kept {what}\x00>") for what in ("csrf", "submission-key")}  # noqa: S308


def placeholder(what: str) -> SafeString:
    return PLACEHOLDERS[what]


def fresh_key() -> str:
    """A form's submission key (annotations.forms.FreshKeyInput): new each time it is written out,
    or a placeholder for one while a part is made to be kept."""
    return placeholder("submission-key") if KEEPING_FORMS.get() else str(uuid.uuid4())


def kept_forms(gen: str, request, name: str, parts: tuple, make) -> dict:
    """kept(), for parts that hold forms: `make()` renders with `csrf_token` set to
    placeholder("csrf") in its context, and every submission key it writes is a placeholder.
    What is served has this reader's CSRF token in the one place and a new key in each of the
    others, as if rendered for them: two readers, or two showings, never share a key."""

    def make_with_placeholders():
        keeping = KEEPING_FORMS.set(True)
        try:
            return make()
        finally:
            KEEPING_FORMS.reset(keeping)

    value = kept(gen, request, name, parts, make_with_placeholders)
    # Only the rendered parts (safe HTML) are filled in; a value kept beside them (a title) stays
    # plain text, escaped where it is shown.
    return {part: filled_in(text, request) if isinstance(text, SafeString) else text for part, text in value.items()}


def filled_in(text: str, request) -> SafeString:
    text = text.replace(placeholder("csrf"), get_token(request))
    pieces = text.split(placeholder("submission-key"))
    out = [pieces[0]]
    for piece in pieces[1:]:
        out += [str(uuid.uuid4()), piece]
    return mark_safe("".join(out))  # noqa: S308 - HTML we rendered; a token and keys of hex and dashes put in
