"""Newsdesk settings: one file, every value from an environment variable (see README)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _, to_language

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see README, Configuration); for development, "
            "`make run` writes a .env with DEBUG=1, which manage.py reads"
        )
    SECRET_KEY = "development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "csp",
    "axes",
    # The job queue on PostgreSQL: feed polls and desk uploads (articles/tasks.py; README, Feeds).
    "procrastinate.contrib.django",
    "articles",
    "annotations",
]

MIDDLEWARE = [
    # First: a body over its route's limit is refused before anything reads it (REQUEST_MAX_BODY_BYTES).
    "newsdesk.middleware.request_body_limit",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The interface's language, before anything renders (newsdesk/languages.py); the refusals
    # above activate it themselves (render_error), and static files never depend on it.
    "newsdesk.languages.middleware",
    # Cache-Control: private, no-store on the desk's, the log-in pages' and the admin's responses.
    "newsdesk.middleware.private_pages_are_never_stored",
    # Content-Security-Policy on every response, with a fresh nonce each time (see CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    "newsdesk.middleware.csp_nonce_on_every_response",
    # A parameter holding NUL is refused (400) before anything reads it (newsdesk/parameters.py).
    "newsdesk.parameters.refuse_nul",
    # Public pages for readers without a session, stored whole (articles/page_cache.py).
    "articles.page_cache.middleware",
    # ETags from the content and 304s for conditional requests; public pages carry no per-request token.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A logged-in user's language from their profile, when this browser has no choice of its own.
    "newsdesk.languages.profile_middleware",
    # Who changed what, through which page: the context of the history triggers' rows.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Log-in throttling; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsdesk.urls"
WSGI_APPLICATION = "newsdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "newsdesk.context_processors.csp_nonce",
                "newsdesk.context_processors.interface_languages",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]
# Form inputs written in Python, character for character what Django's templates write.
FORM_RENDERER = "newsdesk.widgets.QuickRenderer"

# With DATABASE_URL unset, an embedded PostgreSQL starts with its data in var/ (see
# newsdesk/embedded_postgres.py). There is no SQLite fallback: we use PostgreSQL's text search,
# constraints and Unicode normalisation.
#
# Two roles (newsdesk/least_privilege.py): the app connects as DATABASE_URL's role, which owns
# nothing and may only read and write rows (history rows: only add them); `migrate` connects as
# the tables' owner, DATABASE_OWNER_URL's role, and then grants the app's role what it needs.
# Without DATABASE_OWNER_URL the app's role is also the owner, as before (less safe: it can
# empty the history tables or switch their triggers off). The embedded server has both roles.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
if DATABASE_OWNER_URL and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_OWNER_URL needs DATABASE_URL, the app's own role (see README, Configuration)")
# Who connects, and where; the database is always DATABASE_URL's (or the test database).
CONNECTION_KEYS = ("USER", "PASSWORD", "HOST", "PORT")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))}
    DATABASE_OWNER = None
    if DATABASE_OWNER_URL:
        _owner = dj_database_url.parse(DATABASE_OWNER_URL)
        DATABASE_OWNER = {key: _owner.get(key, "") for key in CONNECTION_KEYS}
else:
    from newsdesk import embedded_postgres

    DATABASES = {"default": embedded_postgres.database_settings(BASE_DIR / "var")}
    _embedded = DATABASES["default"]
    DATABASE_OWNER = {**{key: _embedded.get(key, "") for key in CONNECTION_KEYS}, "USER": embedded_postgres.OWNER}
# The app's own connection, kept apart: the tests and `migrate` point "default" at the owner.
DATABASE_APP = {key: DATABASES["default"].get(key, "") for key in CONNECTION_KEYS}
# A connection is checked before a request reuses it, so the app recovers by itself when the
# database comes back. No statement may run for ever, nor wait for ever on a lock: a request
# fails cleanly (503) instead of holding a worker. 0 turns a limit off (for a long migration).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 5000)  # milliseconds
DATABASE_LOCK_TIMEOUT = env_int("DATABASE_LOCK_TIMEOUT", 3000)  # milliseconds
# A page's queries are short: starting parallel workers for one costs more (about 10 ms) than
# it saves, and takes cores from the other requests.
DATABASE_PARALLEL_WORKERS = env_int("DATABASE_PARALLEL_WORKERS", 0)
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT} -c lock_timeout={DATABASE_LOCK_TIMEOUT} "
    f"-c max_parallel_workers_per_gather={DATABASE_PARALLEL_WORKERS}"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages: English, the source, and every language with a catalogue under
# locale/ (README, Languages). Only those whose catalogue is complete are offered to readers
# (newsdesk/languages.py); a story's own language is separate (any BCP 47 tag).
LANGUAGE_CODE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
# A folder is named as gettext names a locale (pt_BR), the language as Django does (pt-br).
LANGUAGES = [("en", _("English"))] + [
    (to_language(folder.name), _(LANG_INFO[to_language(folder.name)]["name"]))
    for folder in sorted(LOCALE_PATHS[0].iterdir())
    if (folder / "LC_MESSAGES" / "django.po").exists() and to_language(folder.name) in LANG_INFO
    and folder.name != "en"
]
# The reader's choice of language (the switcher on every page), kept for a year; like the other
# cookies, HTTPS only (unless DEBUG), never read by scripts, not sent on cross-site requests.
LANGUAGE_COOKIE_NAME = "language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates and numbers as each language writes them (newsdesk/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["newsdesk.formats"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The cache: Redis with CACHE_URL (redis://host:6379/0), shared by every process; otherwise files
# under var/cache, shared by the processes of one machine. Public pages are kept in it for
# PUBLIC_PAGE_CACHE_SECONDS (0: not at all) and dropped as soon as any content changes.
# The keys are those of this database: two sites (or a test server) never share pages.
import hashlib  # noqa: E402

_database = DATABASES["default"]
CACHE_KEY_PREFIX = hashlib.sha256(
    f"{_database.get('HOST')}|{_database.get('PORT')}|{_database['NAME']}".encode()
).hexdigest()[:12]
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache" / CACHE_KEY_PREFIX),
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600)

# Imports: the largest JSON Lines line, feed/HTML/text file (read whole) and story accepted.
IMPORT_MAX_ITEM_BYTES = env_int("IMPORT_MAX_ITEM_BYTES", 5_000_000)
IMPORT_MAX_FILE_BYTES = env_int("IMPORT_MAX_FILE_BYTES", 20_000_000)
IMPORT_MAX_ARTICLE_CHARS = env_int("IMPORT_MAX_ARTICLE_CHARS", 1_000_000)
# A file uploaded at /desk/import/ is kept in the database and imported by a worker, at its own
# pace (articles/uploads.py), so the request no longer bounds it: what a worker imports in a few
# minutes (about 700 short stories a second; a JSON Lines file is read line by line, a feed, an
# HTML page or a text file whole, up to IMPORT_MAX_FILE_BYTES). The upload is held in memory
# while it is received and stored, a few times its size at most.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 50_000_000)
IMPORT_MAX_UPLOAD_STORIES = env_int("IMPORT_MAX_UPLOAD_STORIES", 100_000)

# Feeds polled in the background (articles/fetching.py, articles/polling.py; README, Feeds).
# Hosts and ranges a feed may be fetched from although they are not public addresses (loopback,
# private, link-local…), for tests and closed networks: "127.0.0.1,10.1.0.0/16,feeds.internal".
FEEDS_ALLOW_NETWORKS = env_list("FEEDS_ALLOW_NETWORKS", "")
# The largest feed accepted, counted as it is read and after decompression; more is cut off.
FEEDS_MAX_BYTES = env_int("FEEDS_MAX_BYTES", 10_000_000)
FEEDS_CONNECT_TIMEOUT = env_int("FEEDS_CONNECT_TIMEOUT", 10)  # seconds
FEEDS_READ_TIMEOUT = env_int("FEEDS_READ_TIMEOUT", 20)  # seconds without a byte
FEEDS_TOTAL_SECONDS = env_int("FEEDS_TOTAL_SECONDS", 60)  # a whole fetch, redirects included
FEEDS_PER_HOST = env_int("FEEDS_PER_HOST", 2)  # concurrent requests to one host, across all workers
FEEDS_PAUSE_AFTER_FAILURES = env_int("FEEDS_PAUSE_AFTER_FAILURES", 10)  # in a row
# How often the workers look for feeds whose next poll has come (seconds; a divisor of 60).
FEEDS_SCHEDULE_SECONDS = env_int("FEEDS_SCHEDULE_SECONDS", 15)
if FEEDS_SCHEDULE_SECONDS < 1 or 60 % FEEDS_SCHEDULE_SECONDS:
    raise ImproperlyConfigured(f"FEEDS_SCHEDULE_SECONDS must divide 60 (1, 2, 3, 5, 10, 15, 20, 30), not {FEEDS_SCHEDULE_SECONDS}")
# Jobs one worker runs at once (feed polls wait on the network, so several); `manage.py work --concurrency`.
WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", 4)
FEEDS_USER_AGENT = os.environ.get(
    "FEEDS_USER_AGENT", "Newsdesk/1.0 feed reader (+https://github.com/newsdesk; polls each feed at its interval)"
)

# Request bodies, refused (413) over the limit before anything reads them: forms are small, and
# only the desk's upload may take more, its file and the form's other fields, boundaries and
# part headers around it (for a request with a session; newsdesk.middleware.request_body_limit).
# Django's own limits agree: form fields up to the same size, and an upload is kept in memory,
# never spooled to a file.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 1_048_576)
IMPORT_MAX_REQUEST_BYTES = max(REQUEST_MAX_BODY_BYTES, IMPORT_MAX_UPLOAD_BYTES + 65_536)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_REQUEST_BYTES

# The newsroom's name, as the author of its ClaimReview markup.
SITE_NAME = os.environ.get("SITE_NAME", "Newsdesk")

# History context only for requests that may write; reading pages pays nothing for it.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:inbox"
LOGOUT_REDIRECT_URL = "articles:list"

# Production hardening. Everything below is on unless DEBUG is on; a deployment behind a
# TLS-terminating proxy sets SECURE_PROXY_SSL_HEADER so that Django sees the original scheme.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Cookies: HTTPS only, never read by scripts (htmx gets the CSRF token from hx-headers), not sent
# on cross-site requests, and, being __Host- cookies, bound to this host and path "/".
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_NAME = "__Host-sessionid" if SESSION_COOKIE_SECURE else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if CSRF_COOKIE_SECURE else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Proxy headers are believed only when the deployment says a proxy sets them.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False
# How many proxies in front of the app append to X-Forwarded-For; 0: the header is ignored and
# the client is the connection's address (what log-in throttling counts by).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Content Security Policy (django-csp): our own origin only, no inline code, no eval. Scripts
# on private pages carry the response's nonce; public pages load scripts from 'self' only,
# which keeps them cacheable (the same bytes for every reader) while each response still
# sends a fresh nonce.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# Log-in throttling (django-axes): 10 failures for one account, or from one address, lock it
# for 15 minutes (every further failure starts the 15 minutes again), so an account sees at
# most 40 guesses an hour. Lock-outs are logged; the page says when to try again.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "newsdesk.auth_backend.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# A success resets nothing: axes would reset every failure of the address, the other accounts'
# included (nine guesses, one log-in to one's own account, again), and even a reset of only the
# account's own failures from that address would hand out new guesses to whoever shares it with
# the account's owner. Failures end only by expiring, 15 minutes after the last one.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "newsdesk.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Lock-out log lines name the account and the address (passwords are never logged).
AXES_SENSITIVE_PARAMETERS: list[str] = []
# /healthz is probed over plain HTTP from inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per record: control characters in a message (a username with a newline or an
    # ANSI escape) are written escaped, so nobody can forge or hide log lines.
    "formatters": {"one_line": {"()": "newsdesk.logging.OneLineFormatter", "format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "one_line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # pgserver narrates every start and stop of the embedded server at INFO; procrastinate every
    # job, the schedule's every 15 s among them. A worker logs each poll and upload itself
    # (articles/polling.py, articles/uploads.py), and procrastinate's warnings and errors.
    "loggers": {"pgserver": {"level": "WARNING"}, "procrastinate": {"level": "WARNING"}},
}

# The model that gives a claim's statement its meaning across languages (annotations/meaning.py):
# a dotted path to a class with `name`, `dimensions` and `encode(texts)`. Vectors of another
# encoder are never compared with its own; `manage.py embed_statements` recomputes them.
SENTENCE_ENCODER = "annotations.meaning.UniversalSentenceEncoder"
