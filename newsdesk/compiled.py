"""Queries compiled once per process, for the few that pages run on every request where Django
takes longer to compile the query than PostgreSQL to run it (a source's track record, the
workspace's suggestion decisions)."""

from dataclasses import dataclass

from django.db import connection

# A key no row has. Wherever it lands among a compiled query's parameters, the key of the row
# asked about goes instead.
ANY_ROW = -7_301_409


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple
    places: frozenset

    def rows(self, pk: int) -> list[tuple]:
        params = [pk if n in self.places else value for n, value in enumerate(self.params)]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def compile_once(queryset_for, around: str = "{query}") -> Compiled:
    """`queryset_for(ANY_ROW)`'s SQL, written into `around` in the place of "{query}", with the
    places of the row's key among its parameters. Call it under functools.cache."""
    inner, params = queryset_for(ANY_ROW).query.sql_with_params()
    places = frozenset(n for n, value in enumerate(params) if value == ANY_ROW)
    if not places:
        raise RuntimeError("the compiled query does not name the row it is about")
    return Compiled(around.replace("{query}", inner), params, places)
