import unicodedata

import pytest
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from annotations.tests.makers import make_mention
from articles.models import Article, Source
from articles.search import SEARCH_CONFIGS, Matches, config_for, WebSearch, bitmap_scans_only
from articles.tests.makers import make_article, make_source, run_sql


def test_body_is_stored_as_nfc(db):
    decomposed = unicodedata.normalize("NFD", "Café in Đà Nẵng, 한국어")
    article = make_article(body=decomposed, title=unicodedata.normalize("NFD", "Crème"))
    article.refresh_from_db()
    assert article.body == unicodedata.normalize("NFC", decomposed)
    assert article.title == "Crème"


def test_database_refuses_a_body_that_is_not_nfc(db):
    article = make_article()
    with pytest.raises(IntegrityError, match="article_text_nfc"):
        run_sql("UPDATE articles_article SET body = %s WHERE id = %s", ["Cafe\u0301", article.pk])
    with pytest.raises(IntegrityError, match="article_text_nfc"):
        Article.objects.filter(pk=article.pk).update(body="Cafe\u0301")


def test_status_outside_the_fixed_set_is_refused_by_orm_and_sql(db):
    article = make_article()
    with pytest.raises(IntegrityError, match="article_status_valid"):
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(status="archived")
    with pytest.raises(IntegrityError, match="article_status_valid"):
        run_sql("UPDATE articles_article SET status = 'archived' WHERE id = %s", [article.pk])
    article.status = "archived"
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "status" in error.value.message_dict


def test_bulk_create_cannot_skip_the_rules(db):
    publisher = make_source()
    with pytest.raises(IntegrityError, match="article_language_bcp47"):
        with transaction.atomic():
            Article.objects.bulk_create(
                [Article(title="x", slug="x", body="y", language="not a language!", publisher=publisher)]
            )


def test_language_tag_is_validated_and_standardised(db):
    article = make_article(language="EN_us")
    article.full_clean()
    assert article.language == "en-US"
    article.language = "english please"
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "BCP 47" in str(error.value.message_dict["language"])


def test_published_article_must_have_a_publication_time(db):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    with pytest.raises(IntegrityError, match="article_published_has_time"):
        run_sql("UPDATE articles_article SET status = 'published' WHERE id = %s", [article.pk])
    with pytest.raises(ValidationError, match="no publication date"):
        article.publish()  # never with the time of publishing here as its date
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT and article.published_at is None


def test_source_kind_and_country_come_from_fixed_sets(db):
    source = make_source()
    with pytest.raises(IntegrityError, match="source_kind_valid"):
        run_sql("UPDATE articles_source SET kind = 'blogger' WHERE id = %s", [source.pk])
    with pytest.raises(IntegrityError, match="source_country_iso"):
        run_sql("UPDATE articles_source SET country = 'kr' WHERE id = %s", [source.pk])


def test_two_sources_with_the_same_name_kind_and_country_are_refused(db):
    make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    with pytest.raises(IntegrityError, match="source_unique_name"):
        make_source(name="YONHAP", kind=Source.Kind.NEWS_AGENCY, country="KR")


def test_body_of_an_annotated_story_cannot_change(db):
    mention = make_mention()
    article = Article.objects.get(pk=mention.article_id)
    article.body = "Something else entirely."
    with pytest.raises(ValidationError, match="anchored"):
        article.full_clean()
    with pytest.raises(ValidationError, match="anchored"):
        article.save()


@pytest.mark.parametrize(
    "language, config", [("id", "indonesian"), ("en-GB", "english"), ("ru", "russian"), ("ko", "simple"), ("pt-BR", "portuguese")]
)
def test_search_vector_uses_the_configuration_of_the_article_language(db, language, config):
    article = make_article(language=language)
    assert Article.objects.get(pk=article.pk).search_config == config_for(language) == config
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector = setweight(to_tsvector(%s::regconfig, title), 'A') "
            "|| setweight(to_tsvector(%s::regconfig, body), 'B') FROM articles_article WHERE id = %s",
            [config, config, article.pk],
        )
        assert cursor.fetchone()[0] is True


def test_indonesian_word_forms_share_a_stem_in_the_search_vector(db):
    article = make_article(language="id", title="Kunjungan", body="Para pejabat mengunjungi Pyongyang.")
    assert Article.objects.filter(pk=article.pk, search_vector=SearchQuery("kunjungi", config="indonesian")).exists()
    assert Article.objects.filter(pk=article.pk, search_vector=SearchQuery("berkunjung", config="indonesian")).exists()
    english = make_article(language="en", body="The officials visited Pyongyang.")
    assert Article.objects.filter(pk=english.pk, search_vector=SearchQuery("visits", config="english")).exists()
    assert not Article.objects.filter(pk=english.pk, search_vector=SearchQuery("kunjungi", config="indonesian")).exists()


def test_every_search_configuration_has_its_own_gin_index_without_a_pending_list(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'articles_article'")
        indexes = dict(cursor.fetchall())
    for config in SEARCH_CONFIGS:
        definition = indexes[f"article_fts_{config}"]
        assert "USING gin (search_vector)" in definition
        assert f"WHERE (search_config = '{config}'::text)" in definition
        assert "WITH (fastupdate=off)" in definition


def test_a_search_is_answered_by_each_languages_index_without_reading_vectors(db):
    for language in ["en", "id", "ko", "ru"]:
        make_article(language=language, body="Ministers met in Pyongyang.")
    matching = Article.objects.filter(Matches(WebSearch("ministers Pyongyang"))).values("pk")
    sql, params = matching.query.sql_with_params()
    with bitmap_scans_only(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    scanned = {node["Index Name"] for node in nodes(plan) if node["Node Type"] == "Bitmap Index Scan"}
    assert scanned == {"article_fts_english", "article_fts_indonesian", "article_fts_russian", "article_fts_simple"}
    assert not any("search_vector" in node.get("Filter", "") for node in nodes(plan))
    assert set(matching.values_list("language", flat=True)) == {"en", "id", "ko", "ru"}


def test_b5_only_web_addresses_are_stored_as_urls(db):
    article = make_article(url="https://example.org/story")
    for hostile in ["javascript:alert(1)", "data:text/html,<script>", "/etc/passwd"]:
        with pytest.raises(IntegrityError, match="article_url_http"):
            run_sql("UPDATE articles_article SET url = %s WHERE id = %s", [hostile, article.pk])
        article.url = hostile
        with pytest.raises(ValidationError) as error:
            article.full_clean()
        assert "url" in error.value.message_dict


def test_body_change_is_caught_even_when_the_body_was_not_loaded(db):
    mention = make_mention()
    article = Article.objects.defer("body").get(pk=mention.article_id)
    article.body = "Rewritten."
    with pytest.raises(ValidationError, match="anchored"):
        article.save()
