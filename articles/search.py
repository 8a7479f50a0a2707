"""Which PostgreSQL text search configuration serves which language.

Each article's search vector is a generated column, so the mapping is SQL: a CASE over the
primary subtag of the article's BCP 47 language tag. Every configuration named here ships with
PostgreSQL 14 and later (and with the embedded server); other languages fall back to `simple`,
which splits words and lower-cases them without stemming.
"""

from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Case, F, Func, Value, When
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


def search_config_expression(language_field: str = "language") -> Case:
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


class SearchConfig(Func):
    """The same configuration as search_config_expression(), for queries: its SQL is written
    once, not built from two dozen expressions on every request (which cost more than the query).
    The stored search vector keeps the expression form, which its migration records."""

    output_field = RegConfigField()
    SQL = (
        "(CASE lower(split_part({column}, '-', 1)) "
        + " ".join(f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in sorted(LANGUAGE_SEARCH_CONFIGS.items()))
        + " ELSE 'simple'::regconfig END)"
    )

    def __init__(self, language_field: str = "language", **extra):
        super().__init__(F(language_field), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return self.SQL.format(column=column), params


def search_vector_expression() -> SearchVector:
    """Title weighted A, body B, each stemmed with the article's own language."""
    config = search_config_expression()
    return SearchVector("title", weight="A", config=config) + SearchVector("body", weight="B", config=config)


class WebSearchMatch(Func):
    """The story matches a web-search query (“phrases”, -word, or), read in the story's language.

    Languages without a stemmer in PostgreSQL (configuration `simple`: Korean, Japanese…) glue
    particles and endings to words, so there each word of the query also matches as a prefix:
    “김정은” finds “김정은은” and “김정은이”.
    """

    output_field = models.BooleanField()

    def __init__(self, query: str):
        super().__init__(F("search_vector"), SearchConfig(), Value(query))

    def as_sql(self, compiler, connection, **extra_context):
        (vector, vector_params), (config, config_params), (query, query_params) = (
            compiler.compile(expression) for expression in self.source_expressions
        )
        # Every lexeme of the parsed query ('word') becomes a prefix ('word':*).
        prefixed = f"regexp_replace(websearch_to_tsquery('simple', {query})::text, $$('(?:[^']|'')*')$$, $$\\1:*$$, 'g')::tsquery"
        exact = (
            f"(CASE WHEN {config} = 'simple'::regconfig THEN {vector} @@ {prefixed} "
            f"ELSE {vector} @@ websearch_to_tsquery({config}, {query}) END)"
        )
        exact_params = (*config_params, *vector_params, *query_params, *vector_params, *config_params, *query_params)
        # The row's own configuration decides (above); but a condition that differs per row cannot
        # use the GIN index, so the rows are first narrowed by the index: the query read with each
        # configuration, ORed (a bitmap of index scans), and only those rows are checked exactly.
        arms = [f"{vector} @@ {prefixed}"] + [
            f"{vector} @@ websearch_to_tsquery('{name}'::regconfig, {query})" for name in STEMMED_CONFIGS
        ]
        arm_params = (*vector_params, *query_params)
        for _ in STEMMED_CONFIGS:
            arm_params += (*vector_params, *query_params)
        return f"(({' OR '.join(arms)}) AND {exact})", (*arm_params, *exact_params)
