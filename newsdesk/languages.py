"""Which language the interface speaks to a request, and the reader's choice of it.

The order (README, Languages): the reader's explicit choice (the switcher on every page, kept in
a cookie and, for a logged-in user, in their profile, which a log-in copies into the cookie);
else the first language of `Accept-Language` that we offer; else, on a story's page, the story's
own language when we offer it (`activate_story_language`); else English. Only complete languages
are offered (`newsdesk.translations.complete_languages`): a catalogue with a fault is never
chosen, whatever a cookie or a header asks. No URL carries the language: every response says it
depends on `Accept-Language` and `Cookie` (Vary), and the page cache keeps one copy per language
(`page_language`, read in articles/page_cache.py before sessions exist).
"""

import os
from collections.abc import Mapping
from functools import cache

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.http import HttpRequest, HttpResponse
from django.utils import formats, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

COOKIE = settings.LANGUAGE_COOKIE_NAME


@cache
def offered() -> tuple[str, ...]:
    """The languages the interface offers: those of settings.LANGUAGES whose catalogue is
    complete, English (the source) first. Read once per process."""
    from newsdesk.translations import complete_languages

    known = [code for code, _name in settings.LANGUAGES]
    complete = set(complete_languages())
    return tuple(code for code in known if code == settings.LANGUAGE_CODE or code in complete)


def local_name(code: str) -> str:
    """A language's name in that language, as the switcher lists it ("Bahasa Indonesia")."""
    return LANG_INFO.get(code, {}).get("name_local", code)


# Tags ISO 639 withdrew that old systems (Java, older Android) still send.
LEGACY_TAGS = {"in": "id", "iw": "he", "ji": "yi"}


def supported(tag: str | None) -> str | None:
    """The offered language a BCP 47 tag asks for ("id-ID" → "id"), or None."""
    if not tag or len(tag) > 35:
        return None
    tag = tag.strip().replace("_", "-").lower()
    primary = tag.split("-")[0]
    for candidate in (tag, primary, LEGACY_TAGS.get(primary)):
        if candidate in offered():
            return candidate
    return None


# The variables gettext reads for the language of messages, in its order: the first one set wins.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language a command speaks (import_articles, export_articles): the one the environment
    names, in gettext's order: the first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that is set
    decides ("id_ID.UTF-8" → "id"; of LANGUAGE's colon list, "id:en", the first language we
    offer). English for "C" or "POSIX", for nothing set, and for a language we do not offer.
    Unlike gettext, LANGUAGE counts even when the locale is C: it is the one asked for by name."""
    environ = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "").strip()
        if not value:
            continue
        for name in value.split(":") if variable == "LANGUAGE" else [value]:
            tag = name.split(".")[0].split("@")[0]  # "id_ID.UTF-8", "sr_RS@latin"
            if tag not in ("C", "POSIX") and (code := supported(tag)):
                return code
        break
    return settings.LANGUAGE_CODE


def chosen(request: HttpRequest) -> str | None:
    """The reader's explicit choice, from the cookie the switcher (or a log-in) set."""
    return supported(request.COOKIES.get(COOKIE))


def from_header(request: HttpRequest) -> str | None:
    """The first language of Accept-Language, by its q order, that we offer."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for tag, quality in parse_accept_lang_header(header[:500]):
        if quality > 0 and tag != "*" and (code := supported(tag)):
            return code
    return None


def page_language(request: HttpRequest) -> str:
    """What a page's language depends on, for the page cache's key: the choice or the header's
    language, or "-" when neither names one (a story's page then speaks the story's language)."""
    return chosen(request) or from_header(request) or "-"


def middleware(get_response):
    """Activate the request's language before anything renders (error pages included), and say
    on the way out what the response depended on."""

    def handle(request: HttpRequest) -> HttpResponse:
        choice = activate_for(request)
        try:
            response = get_response(request)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            response.headers.setdefault("Content-Language", translation.get_language())
        finally:
            # The thread's language is the request's only while it lasts: the next thing the
            # thread does (a command, a test, another request) starts from English again.
            translation.deactivate()
        remembered = getattr(request, "remember_language", None)
        if remembered and remembered != choice:
            remember(response, remembered)
        return response

    return handle


def profile_middleware(get_response):
    """A logged-in user whose browser holds no choice (a session begun before they chose in
    another browser, a cookie cleared) speaks the language of their profile, which this browser
    keeps from then on (the cookie, set by `middleware`). Runs after authentication."""

    def handle(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and chosen(request) is None:
            from annotations.models import Profile

            code = supported(Profile.objects.filter(user=user).values_list("language", flat=True).first())
            if code:
                translation.activate(code)
                request.LANGUAGE_CODE = code
                request.language_negotiated = True
                request.remember_language = code
        return get_response(request)

    return handle


def activate_for(request: HttpRequest) -> str | None:
    """Activate the request's language (the choice, else the header's, else English) and
    return the reader's explicit choice, if any."""
    choice = chosen(request)
    negotiated = choice or from_header(request)
    request.language_negotiated = negotiated is not None
    translation.activate(negotiated or settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = translation.get_language()
    return choice


def activate_story_language(request: HttpRequest, story_language: str) -> None:
    """On a story's page, with neither a choice nor a header naming one of ours, speak the
    story's own language when we offer it."""
    if not getattr(request, "language_negotiated", True) and (code := supported(story_language)):
        translation.activate(code)
        request.LANGUAGE_CODE = code


def remember(response: HttpResponse, code: str) -> None:
    response.set_cookie(
        COOKIE, code, max_age=settings.LANGUAGE_COOKIE_AGE, path="/", samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


def number(value: int | float) -> str:
    """A count as the active language writes it (1,234 in English, 1.234 in Indonesian)."""
    return formats.number_format(value, force_grouping=True)


def bring_back_choice(sender, request: HttpRequest, user, **kwargs) -> None:
    """At a log-in, the language the user chose before (in any browser) becomes this one's."""
    from annotations.models import Profile

    code = supported(Profile.objects.filter(user=user).values_list("language", flat=True).first())
    if request is not None and code:
        request.remember_language = code
        translation.activate(code)
