"""Full-text search: which PostgreSQL text search configuration serves which language, and how
a query finds the newest matching stories on the indexes alone, however large the archive.

Each article stores the name of its language's configuration (`search_config`, a generated
column: a CASE over the primary subtag of its BCP 47 tag) and its search vector (title and body
stemmed with that configuration). Each configuration has its own partial GIN index, so a query
is read once per configuration in use and each reading is answered by that language's index
alone (TextQuery). Every configuration named here ships with PostgreSQL 14 and later (and with
the embedded server); other languages fall back to `simple`, which splits words and lower-cases
them without stemming.
"""

import re
from contextlib import contextmanager
from functools import cached_property

from django.contrib.postgres.search import SearchVector
from django.db import connection, models, transaction
from django.db.models import Case, F, Func, Min, Q, Value, When
from django.db.models.functions import Cast, Lower
from django.db.models.lookups import Exact

LANGUAGE_SEARCH_CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}


class RegConfigField(models.TextField):
    """A PostgreSQL `regconfig`: the name of a text search configuration."""

    def db_type(self, connection) -> str:
        return "regconfig"


class PrimarySubtag(Func):
    """The primary language subtag of a BCP 47 tag: 'pt' of 'pt-BR'."""

    function = "split_part"
    output_field = models.TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value("-"), Value(1), **extra)


STEMMED_CONFIGS = sorted(set(LANGUAGE_SEARCH_CONFIGS.values()))
SEARCH_CONFIGS = [*STEMMED_CONFIGS, "simple"]


def search_config_expression(language_field: str = "language") -> Case:
    """The name of the configuration for the article's language (stored as its own column)."""
    primary = Lower(PrimarySubtag(F(language_field)))
    return Case(
        *[When(Exact(primary, Value(code)), then=Value(config)) for code, config in sorted(LANGUAGE_SEARCH_CONFIGS.items())],
        default=Value("simple"),
        output_field=models.TextField(),
    )


def search_regconfig_expression(language_field: str = "language") -> Case:
    # Constants cast to regconfig are resolved once, when the column is created, which keeps
    # the expression immutable as PostgreSQL requires of a generated column.
    primary = Lower(PrimarySubtag(F(language_field)))
    return Case(
        *[
            When(Exact(primary, Value(code)), then=Cast(Value(config), RegConfigField()))
            for code, config in sorted(LANGUAGE_SEARCH_CONFIGS.items())
        ],
        default=Cast(Value("simple"), RegConfigField()),
        output_field=RegConfigField(),
    )


def search_vector_expression() -> SearchVector:
    """Title weighted A, body B, each stemmed with the article's own language."""
    config = search_regconfig_expression()
    return SearchVector("title", weight="A", config=config) + SearchVector("body", weight="B", config=config)


def stored_config() -> Cast:
    """The article's configuration, for ranking and highlighting in its own language."""
    return Cast(F("search_config"), RegConfigField())


def config_for(language: str) -> str:
    """In Python, what search_config_expression() computes in SQL."""
    return LANGUAGE_SEARCH_CONFIGS.get(language.split("-", 1)[0].lower(), "simple")


def languages_in_use(table: str = "articles_article") -> list[str]:
    """The stories' distinct language tags in a few index probes (a loose scan of the language
    index) rather than a pass over the archive."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH RECURSIVE used(language) AS (
                    SELECT min(language) FROM {table}
                    UNION ALL
                    SELECT (SELECT min(language) FROM {table} WHERE language > used.language)
                    FROM used WHERE used.language IS NOT NULL
                ) SELECT language FROM used WHERE language IS NOT NULL"""
        )
        return [language for (language,) in cursor.fetchall()]


class TextQuery:
    """What a reader or editor typed, read in each story's own language.

    Each story is matched only with its own configuration: `(search_config = 'english' AND
    search_vector @@ <query read in English>) OR …`, one arm per configuration in use. Every
    arm is answered by that configuration's partial GIN index alone, so no row's vector is read
    to decide whether it matches.
    """

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def configs(self) -> list[str]:
        """Only the configurations stories use, so that the query and its plan stay small."""
        return sorted({config_for(language) for language in languages_in_use()})

    def tsquery(self, config: str) -> tuple[str, list]:
        raise NotImplementedError

    def sql(self, vector: str, config_column: str) -> tuple[str, list]:
        arms, params = [], []
        for config in self.configs:  # names from our own table, never typed text
            query, query_params = self.tsquery(config)
            arms.append(f"({config_column} = '{config}' AND {vector} @@ {query})")
            params += query_params
        return f"({' OR '.join(arms) or 'false'})", params


# Every lexeme of a parsed query ('word') made a prefix ('word':*).
PREFIXED = "regexp_replace(websearch_to_tsquery('simple', %s)::text, $$('(?:[^']|'')*')$$, $$\\1:*$$, 'g')::tsquery"


# A run of minus signs with nothing but spaces or punctuation between them ("--x", "- - -x",
# "-!-(-x"), outside a quoted phrase and not inside a hyphenated word. websearch_to_tsquery reads
# each of its signs as one more NOT waiting for a word, on a stack of 32: 33 of them in a row fail
# the whole query ("tsquery stack too small"). Each run is read as a single minus.
NEGATION_RUN = re.compile(r'(?<!\w)-(?:[^\w"]*-)+')


def websearch_text(text: str) -> str:
    """What a reader typed, as websearch_to_tsquery may be given it: runs of minus signs become one."""
    return NEGATION_RUN.sub("-", text)


class WebSearch(TextQuery):
    """Web-search syntax (“phrases”, -word, or). Languages without a stemmer in PostgreSQL
    (configuration `simple`: Korean, Japanese…) glue particles and endings to words, so there
    each word also matches as a prefix: “김정은” finds “김정은은” and “김정은이”."""

    def __init__(self, text: str):
        super().__init__(websearch_text(text))

    def tsquery(self, config: str) -> tuple[str, list]:
        if config == "simple":
            return PREFIXED, [self.text]
        return f"websearch_to_tsquery('{config}', %s)", [self.text]


class AsYouType(TextQuery):
    """Every word typed, stemmed in the story's language, or as typed with the last word as a
    prefix (so “pyongy” already finds Pyongyang); in languages without a stemmer every word is a
    prefix. Only word characters reach the query."""

    def __init__(self, text: str):
        super().__init__(text)
        self.words = re.findall(r"\w+", text)[:12]

    def tsquery(self, config: str) -> tuple[str, list]:
        if not self.words:
            return "''::tsquery", []
        prefixed = " & ".join([f"'{w}'" for w in self.words[:-1]] + [f"'{self.words[-1]}':*"])
        if config == "simple":
            return "to_tsquery('simple', %s)", [" & ".join(f"'{w}':*" for w in self.words)]
        stemmed = " & ".join(f"'{w}'" for w in self.words)
        return f"(to_tsquery('{config}', %s) || to_tsquery('simple', %s))", [stemmed, prefixed]


class Matches(Func):
    """A filter: the story matches the TextQuery."""

    output_field = models.BooleanField()

    def __init__(self, query: TextQuery):
        super().__init__(F("search_vector"), F("search_config"))
        self.query = query

    def as_sql(self, compiler, connection, **extra_context):
        (vector, _), (config, _) = (compiler.compile(expression) for expression in self.source_expressions)
        return self.query.sql(vector, config)


SEARCH_POOL = 200  # the most recent matches that are ranked and paged
WINDOW = 2_000  # the newest stories read in order when a query matches many


@contextmanager
def bitmap_scans_only():
    """Within the block, the planner must read matches off the indexes (a bitmap of them),
    never walk a listing in order testing each row's vector, whatever it estimates."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        yield
        # Inside an outer transaction SET LOCAL would outlive the block. (When the block fails,
        # rolling it back undoes the SET, and a RESET would only hide the error.)
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")


# The listings' order: newest first, the undated stories last (they are drafts: a published
# story has a date), then the highest id. The listings' indexes follow it, NULLS LAST included.
LISTING_ORDER = (F("published_at").desc(nulls_last=True), F("id").desc())


def newest_matches(stories, query: TextQuery, pool: int | None = None, window: int = WINDOW) -> list[int]:
    """The ids of the `pool` most recent stories of `stories` that match `query`, newest first
    (the listings' order: newest first, then highest id, no publication time last).

    Cheap whatever the query: the planner's estimate of how many rows a text query matches can
    be far off (“week agreed” is rarer than either word, “talks -capital” far rarer than
    “talks”), and a wrong guess costs a walk through the archive or a visit to every match. So:

    1. From the indexes alone, at most 4 × pool matches: if there are fewer, that is all of them.
    2. Otherwise the query is common: the newest `window` stories, read in order, usually hold
       a pool of them.
    3. Otherwise (many matches, few of them recent) the older stories period by period, newest
       first, each period's matches read off the indexes, until the pool is full.
    """
    pool = pool or SEARCH_POOL
    query.configs  # looked up before the planner is restricted: it is a walk down an index
    matching = stories.filter(Matches(query)).order_by()
    few_sql, few_params = matching.values("id", "published_at")[: 4 * pool].query.sql_with_params()
    with bitmap_scans_only(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT few.id, count(*) OVER () FROM ({few_sql}) few "
            f"ORDER BY few.published_at DESC NULLS LAST, few.id DESC LIMIT %s",
            [*few_params, pool],
        )
        rows = cursor.fetchall()
    if not rows or rows[0][1] < 4 * pool:
        return [pk for pk, _ in rows]
    recent_sql, recent_params = (
        stories.order_by(*LISTING_ORDER).values("id", "published_at", "search_config", "search_vector")[:window]
        .query.sql_with_params()
    )
    match_sql, match_params = query.sql('recent."search_vector"', 'recent."search_config"')
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT recent."id" FROM ({recent_sql}) recent WHERE {match_sql} '
            f'ORDER BY recent."published_at" DESC NULLS LAST, recent."id" DESC LIMIT %s',
            [*recent_params, *match_params, pool],
        )
        newest = [pk for (pk,) in cursor.fetchall()]
    if len(newest) == pool:
        return newest
    last = list(stories.order_by(*LISTING_ORDER).values_list("published_at", "id")[window - 1 : window])
    if not last:
        return newest  # the window held every story, so every match
    found = newest
    for period in periods_after(stories.model, *last[0]):
        with bitmap_scans_only():
            found += matching.filter(period).order_by(*LISTING_ORDER).values_list("pk", flat=True)[: pool - len(found)]
        if len(found) >= pool:
            break
    return found


def periods_after(model, published_at, pk) -> list[Q]:
    """The stories after (published_at, pk) in the listings' order, cut into periods, newest
    first, each about four times as long as the one before (1/16, 3/16 and 12/16 of the time
    left). Reading the matches of a word period by period visits about as many rows as the
    pool holds, not every match in the archive; each period costs a reading of the indexes."""
    if published_at is None:  # the window ended among the stories without a time: they come last
        return [Q(published_at__isnull=True, id__lt=pk)]
    oldest = model.objects.aggregate(oldest=Min("published_at"))["oldest"]
    rest = Q(published_at=published_at, id__lt=pk)
    upper = published_at
    periods = []
    for fraction in (1 / 16, 1 / 4):
        lower = upper - (upper - oldest) * fraction
        # The first period also holds the rest of the window's own moment: they come just
        # before it in the order.
        periods.append(Q(published_at__gte=lower, published_at__lt=upper) | (rest if not periods else Q()))
        upper = lower
    periods.append(Q(published_at__lt=upper) | Q(published_at__isnull=True))
    return periods
