from itertools import count

from django.db import connection, transaction
from django.utils import timezone

from articles.models import Article, Source

_numbers = count(1)

BODY = "Kim Jong Un travelled to Russia, the Kremlin said. Yonhap reported the train had left Pyongyang."


def make_source(**overrides) -> Source:
    n = next(_numbers)
    fields = {"name": f"Source {n}", "kind": Source.Kind.PUBLICATION, "country": "ID"} | overrides
    return Source.objects.create(**fields)


def make_article(**overrides) -> Article:
    n = next(_numbers)
    fields = {
        "title": f"Story {n}",
        "body": BODY,
        "language": "en",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now(),
    } | overrides
    if "publisher" not in fields:
        fields["publisher"] = make_source()
    return Article.objects.create(**fields)


def make_articles(n: int, **overrides) -> list[Article]:
    publisher = overrides.pop("publisher", None) or make_source()
    return [make_article(publisher=publisher, **overrides) for _ in range(n)]


def run_sql(sql: str, params=()) -> None:
    """Raw SQL in its own savepoint, as a script or psql would send it, past every Django check."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
