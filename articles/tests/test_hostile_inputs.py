"""Input that crashed a page: operator runs in a search, ids in other scripts' digits, NUL bytes.
Each case answers with results, an empty result or a 4xx with its reason; never a 500."""

import random
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from annotations.models import Mention, RejectedSuggestion, StoryLink
from annotations.tests.makers import make_claim, make_entity, make_mention
from articles.tests.makers import make_article
from articles.tests.makers import post_import

# The page cache's keys hold the query string, longer than memcached would take: not this file's concern.

HTMX = {"HX-Request": "true"}
NUL_REFUSED = "holds a NUL character"

OPERATORS = ["-", "|", "!", "&", "(", ")", '"', "<->", "<2>", "'", ":*", "\\", "or ", "OR ", "- ", "-!", '-"', "\u2212"]
HOSTILE_QUERIES = [
    *[op * n for op in OPERATORS for n in (33, 400)],
    "-" * 2000,
    "- " * 40 + "Kremlin",
    "Kremlin " + "-" * 40 + "Moscow",
    "Kremlin" + "-" * 40,
    '"Kremlin ' + "-" * 40,
    '"' * 101 + "Kremlin",
    '"Kremlin said',
    'Kremlin"' + "-" * 40 + "x",
    "-(-\"-or|&!<->" * 40,
    "(" * 200 + "Kremlin" + ")" * 3,
    "-\u3000" * 40 + "Kremlin",
    "-.-,-;-:" * 30,
    " ".join(f"-w{i}" for i in range(300)),
    " or ".join(f"w{i}" for i in range(300)),
    "김정은 " + "-" * 40 + "러시아",
    "\u202e" * 50 + "-" * 50,
]


def random_queries(n: int) -> list[str]:
    pieces = ["-"] * 12 + ["|", "!", "&", "(", ")", '"', "<->", " ", "\t", "or", "x", "Kremlin", "'", ":", "*", "\u3000"]
    draw = random.Random(13)
    return ["".join(draw.choice(pieces) for _ in range(draw.randint(1, 250))) for _ in range(n)]


@pytest.fixture
def stories(db):
    return (
        make_article(title="Kremlin statement", body="The Kremlin said the train left Pyongyang."),
        make_article(title="Moscow talks", body="The Kremlin met Moscow officials."),
        make_article(title="김정은 방러", body="김정은은 러시아로 떠났다.", language="ko"),  # the `simple` configuration, prefixes
    )


@pytest.mark.parametrize("q", HOSTILE_QUERIES + random_queries(120))
def test_public_search_never_fails_on_runs_of_operators(client, stories, q):
    response = client.get(reverse("articles:search"), {"q": q})
    assert response.status_code == 200


def test_a_run_of_minus_signs_is_one_minus(client, stories):
    def titles(q: str) -> set[str]:
        page = client.get(reverse("articles:search"), {"q": q}).content.decode()
        return {story.title for story in stories if story.title in page}

    assert titles("Kremlin -Moscow") == {"Kremlin statement"}
    assert titles("Kremlin " + "-" * 40 + "Moscow") == titles("Kremlin - - -- !-Moscow") == {"Kremlin statement"}
    assert titles("-" * 33) == set()
    assert titles("anti-war-------Kremlin") == set(), "a hyphenated word keeps its hyphens"


@pytest.mark.parametrize("raw", ["%ED%A0%80", "Kremlin%ED%B0%80", "%C0%AD" * 40, "%FF%FE", "-%ED%A0%80" * 40])
def test_public_search_takes_broken_utf8_and_lone_surrogates(client, stories, raw):
    assert client.get(reverse("articles:search") + "?q=" + raw).status_code == 200


@pytest.mark.parametrize("q", HOSTILE_QUERIES[::4] + random_queries(20))
def test_desk_searches_never_fail_on_runs_of_operators(editor_client, stories, q):
    story = stories[0]
    assert editor_client.get(reverse("desk:inbox"), {"q": q}).status_code in {200, 422}  # 422: over 200 characters
    assert editor_client.get(reverse("desk:story-link-search", args=[story.pk]), {"q": q}).status_code == 200


# --- Ids and numbers: only ASCII digits ------------------------------------------------------


def spellings_of(pk: int) -> list[str]:
    """`pk` as int() or str.isdigit() would read it, but no page of ours writes it."""
    digits = str(pk)
    spellings = [
        digits.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),  # Arabic-Indic: int() reads them
        digits.translate(str.maketrans("0123456789", "０１２３４５６７８９")),  # fullwidth
        digits.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),  # superscripts: isdigit() yes, int() no
        f" {digits}", f"{digits} ", f"+{digits}", f"-{digits}", f"{digits}.0", f"{digits}e0", "1e3", "²",
        "9" * 30, str(2**63), str(2**64 + pk),
    ]
    if len(digits) > 1:
        spellings.append(f"{digits[0]}_{digits[1:]}")  # int() takes underscores
    return spellings


@pytest.fixture
def pair(db):
    # Enough rows that the ids have two digits, so that 1_2 and the like name a row.
    for _ in range(11):
        make_article()
    return make_article(title="Here"), make_article(title="There")


def test_ids_in_other_digits_name_no_story_to_link_or_decide(editor_client, pair):
    story, other = pair
    for spelling in spellings_of(other.pk):
        for name in ("desk:story-link-create", "desk:related-decide"):
            data = {"to_article": spelling, "kind": "follow_up", "action": "confirm"}
            response = editor_client.post(reverse(name, args=[story.pk]), data, headers=HTMX)
            assert response.status_code == 422, (name, spelling, response.status_code)
    assert not StoryLink.objects.exists()


def test_ids_and_offsets_in_other_digits_name_no_suggestion(editor_client, pair):
    story, _ = pair
    entity = make_entity(name="Kim Jong Un")
    for _ in range(11):
        make_entity()
    for field, value in [("entity", entity.pk), ("start", 0), ("end", 11)]:
        for spelling in spellings_of(value) if value else ["٠", "０", " 0", "-0"]:
            data = {"entity": entity.pk, "start": 0, "end": 11} | {field: spelling}
            response = editor_client.post(reverse("desk:suggestion-reject", args=[story.pk]), data, headers=HTMX)
            assert response.status_code == 422, (field, spelling, response.status_code)
    assert not RejectedSuggestion.objects.exists()


def test_desk_filters_and_hidden_numbers_read_only_ascii_digits(editor_client, pair):
    story, _ = pair
    mention = make_mention(story)
    for spelling in spellings_of(mention.entity.pk) + spellings_of(story.publisher.pk):
        for name in ("entity", "source"):
            assert editor_client.get(reverse("desk:inbox"), {name: spelling}).status_code == 422, (name, spelling)
    for spelling in spellings_of(mention.start + 12) + spellings_of(mention.end):
        data = {"start": spelling, "end": mention.end, "exact": mention.exact, "entity": mention.entity.pk}
        response = editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers=HTMX)
        assert response.status_code == 422, spelling
    assert Mention.objects.count() == 1


def test_admin_pages_named_by_an_id_in_other_digits_are_404(maintainer_client, pair):
    story, _ = pair
    claim = make_claim(story)
    for pk, route in [(story.pk, "articles/article/{}/history/"), (claim.pk, "annotations/claim/{}/status/")]:
        for spelling in spellings_of(pk) + ["abc", "²"]:
            response = maintainer_client.get("/admin/" + route.format(quote(spelling)))
            assert response.status_code == 404, (route, spelling, response.status_code)


# --- NUL, wherever a parameter reaches SQL ---------------------------------------------------


def admin_filter_parameters(model_admin, user) -> list[str]:
    """The query parameters of every list filter of a changelist, as its filters name them."""
    request = RequestFactory().get("/")
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    return [name for spec in changelist.filter_specs for name in spec.expected_parameters()]


def assert_refused(response) -> None:
    assert response.status_code == 400, response.status_code
    assert NUL_REFUSED in response.content.decode()


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_changelist_refuses_nul_in_its_search_and_filters(maintainer_client, maintainer, model):
    make_mention(make_article())
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert_refused(maintainer_client.get(url, {"q": "\x00"}))
    assert_refused(maintainer_client.get(url, {"q": "Kim\x00Jong"}))
    parameters = admin_filter_parameters(model_admin, maintainer)
    for name in parameters:
        assert_refused(maintainer_client.get(url, {name: "\x00"}))
    assert maintainer_client.get(url, {"q": "Kim"}).status_code == 200


def test_admin_autocomplete_refuses_nul_for_every_autocomplete_field(maintainer_client, db):
    fields = [(model, name) for model, ma in admin.site._registry.items() for name in ma.autocomplete_fields]
    assert fields, "the admin has autocomplete fields"
    for model, name in fields:
        query = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": name}
        assert_refused(maintainer_client.get(reverse("admin:autocomplete"), query | {"term": "\x00"}))
        assert maintainer_client.get(reverse("admin:autocomplete"), query | {"term": "k"}).status_code == 200


def test_desk_and_public_searches_and_filters_refuse_nul(client, editor_client, stories):
    story = stories[0]
    for url, name in [
        (reverse("desk:inbox"), "q"), (reverse("desk:inbox"), "language"), (reverse("desk:entity-search"), "q"),
        (reverse("desk:source-search"), "q"), (reverse("desk:source-search"), "chain-1-source_query"),
        (reverse("desk:story-link-search", args=[story.pk]), "q"), (reverse("articles:search"), "q"),
        (reverse("articles:search"), "source"), (reverse("articles:list"), "entity"), (reverse("articles:list"), "page"),
    ]:
        assert_refused(editor_client.get(url, {name: "Kim\x00"}))
        assert_refused(editor_client.get(url + "?" + quote("\x00") + "=1"))  # in a parameter's name
    assert_refused(client.get("/search/?q=%00"))
    assert_refused(client.get(reverse("articles:detail", args=[story.slug]) + "%00"))


def test_forms_refuse_nul_in_posts_and_the_log_in(client, editor_client, stories):
    from django.core.files.uploadedfile import SimpleUploadedFile

    story = stories[0]
    data = {"start": 4, "end": 11, "exact": "Kremlin", "new_entity_name": "Krem\x00lin", "new_entity_kind": "organisation"}
    assert_refused(editor_client.post(reverse("desk:mention-create", args=[story.pk]), data, headers=HTMX))
    # An upload's name is not a parameter: Django's parser drops its unprintable characters.
    upload = SimpleUploadedFile("stories\x00.txt", b"Title\nBody.")
    assert post_import(editor_client, {"file": upload, "format": "auto"}).status_code == 200
    assert_refused(client.post(reverse("login"), {"username": "edna\x00", "password": "x"}))
    assert not Mention.objects.exists()


def test_a_cookie_holding_nul_is_ignored_not_looked_up(client, stories):
    from django.conf import settings

    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijkl"
    assert client.get(reverse("desk:inbox")).status_code == 302  # no session: to the log-in page
    assert client.get(reverse("articles:list")).status_code == 200


# --- Feeds that declare entities, however they are dressed -----------------------------------

BOMB = """<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rss version="2.0"><channel><title>Bomb</title><item><title>&d;</title><description>Body of the bomb.</description></item></channel></rss>"""
XXE = """<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Leak</title><item><title>Stolen</title><description>&secret;</description></item></channel></rss>"""
FEED = """<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Kabar [daily] > weekly</title><language>en</language><item><title>Kim arrives</title>
<link>https://kabar.example/kim</link><description>Kim Jong Un arrived in Vladivostok [by train].</description></item></channel></rss>"""


def declared(encoding: str) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n'


def dressed(document: str) -> list[tuple[str, bytes, str]]:
    """The document as a feed may carry it: (label, bytes, import format)."""
    utf8 = declared("utf-8") + document
    return [
        ("padded past 64 KiB by a comment", (declared("utf-8") + "<!--" + "x" * 70_000 + "-->\n" + document).encode(), "auto"),
        ("padded past 64 KiB by white space", (" \n" * 40_000 + document).encode(), "feed"),
        ("UTF-16 LE with a byte order mark", b"\xff\xfe" + (declared("utf-16") + document).encode("utf-16-le"), "auto"),
        ("UTF-16 BE with a byte order mark", b"\xfe\xff" + (declared("utf-16") + document).encode("utf-16-be"), "auto"),
        ("UTF-16 LE without a mark", (declared("utf-16") + document).encode("utf-16-le"), "feed"),
        ("UTF-32", (declared("utf-32") + document).encode("utf-32"), "feed"),
        ("UTF-8 with a byte order mark", b"\xef\xbb\xbf" + utf8.encode(), "auto"),
        ("declared EBCDIC", (declared("cp037") + document).encode("cp037"), "feed"),
        ("declared UTF-7", (declared("utf-7") + document).encode("utf-7"), "feed"),
        ("comments and PIs before the DOCTYPE",
         (declared("utf-8") + "<?xml-stylesheet href='a.xsl'?><!-- a -->\n<!-- b --><?pi x?>" + document).encode(), "auto"),
    ]


@pytest.mark.parametrize("document", [BOMB, XXE], ids=["entity bomb", "external entity"])
def test_feeds_declaring_entities_are_refused_however_encoded_or_padded(tmp_path, db, document):
    from articles.importing import import_paths
    from articles.models import Article, Source

    publisher = Source.objects.create(name="Kabar", kind="publication")
    for label, data, fmt in dressed(document):
        path = tmp_path / "feed.xml"
        path.write_bytes(data)
        report = import_paths([path], fmt=fmt, source=publisher)
        assert report.failed == 1, label
        assert "declares XML entities" in report.messages[0] and "never expanded" in report.messages[0], label
    assert Article.objects.count() == 0


def test_feeds_without_entities_still_import_in_every_encoding(tmp_path, db):
    from articles.importing import import_paths
    from articles.models import Article, Source

    publisher = Source.objects.create(name="Kabar", kind="publication")
    for label, data, fmt in dressed(FEED):
        Article.objects.all().delete()
        path = tmp_path / "feed.xml"
        path.write_bytes(data)
        report = import_paths([path], fmt=fmt, source=publisher)
        assert report.failed == 0, (label, report.messages)
        assert list(Article.objects.values_list("title", flat=True)) == ["Kim arrives"], label


@pytest.mark.parametrize(
    "query",
    [
        {"published_at__year": "9999"},
        {"published_at__year": "99999999999"},
        {"published_at__year": "2024", "published_at__month": "99999999999"},
        {"published_at__year": "2024", "published_at__month": "13"},
        {"published_at__year": "2024", "published_at__month": "2", "published_at__day": "99999999999"},
        {"published_at__year": "٢٠٢٤"},
    ],
)
def test_the_admins_date_drill_down_refuses_dates_out_of_the_calendar(maintainer_client, db, query):
    """Django's date_hierarchy adds one to the year or month it is given: 9999 or more was a 500."""
    for url in (
        reverse("admin:articles_article_changelist"),
        reverse("admin:annotations_claimstatuschange_changelist"),
        reverse("admin:axes_accessattempt_changelist"),
    ):
        field = {"articles": "published_at", "annotations": "changed_at", "axes": "attempt_time"}[url.split("/")[2]]
        sent = {name.replace("published_at", field): value for name, value in query.items()}
        response = maintainer_client.get(url, sent)
        assert response.status_code == 400 and "must be a whole number from" in response.content.decode()
    ok = maintainer_client.get(reverse("admin:articles_article_changelist"), {"published_at__year": "2024"})
    assert ok.status_code == 200
