"""The quote as evidence: the words of the story an on-record source said, selected by the
editor, kept valid on every path and quoted on the public pages (issue 14, finding 6)."""

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from annotations.models import Claim, Evidence, EvidenceSpec
from annotations.tests.makers import add_attribution, make_claim
from articles.exporting import export_lines
from articles.importing import import_paths
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

BODY = ("Kremlin mengatakan: “Atas undangan Presiden Putin, kunjungan itu akan berlangsung dalam beberapa hari "
        "mendatang.” Menurut Yonhap, kereta sudah berangkat.")
QUOTE = "Atas undangan Presiden Putin, kunjungan itu akan berlangsung dalam beberapa hari mendatang"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def claim(db) -> Claim:
    story = make_article(title="Kim ke Rusia", body=BODY, language="id")
    claim = make_claim(story, "kunjungan itu akan berlangsung dalam beberapa hari mendatang")
    add_attribution(claim, make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT))
    claim.change_status("reported", by=None, reason="The story says so")
    claim.refresh_from_db()
    return claim


def status_url(claim):
    return reverse("desk:claim-status-update", args=[claim.pk])


def confirm_on(claim, **fields) -> dict:
    start = claim.article.body.index(QUOTE)
    kremlin = claim.attributions.get(source__name="Kremlin")
    return {"status": "confirmed", "reason": "Kremlin statement", "evidence": f"attribution:{kremlin.pk}",
            "evidence_url": "", "version": claim.version, "quote_start": start, "quote_end": start + len(QUOTE),
            "quote_exact": QUOTE} | fields


def test_the_evidence_menu_names_only_the_chains_own_quotable_links(editor_client, claim):
    add_attribution(claim, make_source(name="an official", kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
    # A via on the record relays another's words: it is no quote that confirms (found by a new editor).
    add_attribution(claim, make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY), role="via")
    page = editor_client.get(reverse("desk:article", args=[claim.article_id])).content.decode()
    card = page.split(f'id="claim-{claim.pk}"')[1].split("</article>")[0]
    assert card.count("on-record quote: Kremlin") == 1
    menu = card.split('name="evidence"')[1].split("</select>")[0]
    assert "an official" not in menu and "Yonhap" not in menu
    assert "quote of link" not in page and "named speaker" in page  # Mark claim: one choice


def test_an_editor_confirms_on_the_selected_words_and_readers_see_them(editor_client, client, claim):
    response = editor_client.post(status_url(claim), confirm_on(claim), headers=HTMX)
    assert response.status_code == 200, response.content.decode()
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.kind, evidence.exact, evidence.attribution.source.name) == ("quote", QUOTE, "Kremlin")
    claim.refresh_from_db()
    assert claim.status == "confirmed" and claim.history.last().evidence == evidence
    desk = editor_client.get(reverse("desk:article", args=[claim.article_id])).content.decode()
    card = desk.split(f'id="claim-{claim.pk}"')[1].split("</article>")[0]
    assert f'class="quoted-evidence">{QUOTE}</q>' in card, "the editor's card shows the words too"
    for page in (claim.get_absolute_url(), claim.article.get_absolute_url()):
        text = client.get(page, headers={"Accept-Language": "en"}).content.decode()  # not the story's Indonesian
        assert f"“{QUOTE}”" in text.replace('<q lang="id" class="quoted-evidence">', "“").replace("</q>", "”"), page
        assert "Kremlin, on the record" in text, page


@pytest.mark.parametrize("fields, why", [
    ({"quote_start": 0, "quote_end": 10_000, "quote_exact": QUOTE}, "runs past the end"),
    ({"quote_exact": "Words nobody said at all"}, "the offsets do not match"),
    ({"evidence": "url", "evidence_url": "https://example.org/kremlin"}, "choose that source under Evidence"),
])
def test_selected_words_that_do_not_hold_are_refused_and_nothing_recorded(editor_client, claim, fields, why):
    response = editor_client.post(status_url(claim), confirm_on(claim, **fields), headers=HTMX)
    assert response.status_code == 422 and why in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == "reported" and not Evidence.objects.exists()


def test_a_forged_post_naming_another_claims_attribution_records_nothing(editor_client, claim):
    other = make_claim(make_article(body=BODY), "Menurut Yonhap")
    foreign = add_attribution(other, make_source(name="Kremlin elsewhere", kind=Source.Kind.GOVERNMENT))
    response = editor_client.post(status_url(claim), confirm_on(claim, evidence=f"attribution:{foreign.pk}"), headers=HTMX)
    assert response.status_code == 422
    assert not Evidence.objects.exists() and Claim.objects.get(pk=claim.pk).status == "reported"


def test_a_quote_on_an_anonymous_link_is_refused(editor_client, claim):
    anonymous = add_attribution(claim, make_source(name="an official", kind=Source.Kind.ANONYMOUS), sourcing="anonymous")
    response = editor_client.post(status_url(claim), confirm_on(claim, evidence=f"attribution:{anonymous.pk}"), headers=HTMX)
    assert response.status_code == 422 and not Evidence.objects.exists()
    problems = Evidence.problems_with(EvidenceSpec("quote", attribution=anonymous, start=0, end=7, exact="Kremlin"), [],
                                      claim.article)
    assert problems and "on-the-record" in problems[0]


def test_the_database_refuses_quoted_words_that_are_not_the_storys_on_every_path(claim):
    start = claim.article.body.index(QUOTE)
    evidence = Evidence.make(claim, EvidenceSpec("quote", attribution=claim.attributions.get(), start=start,
                                                 end=start + len(QUOTE), exact=QUOTE))
    for sql, values in [
        ("UPDATE annotations_evidence SET exact = %s WHERE id = %s", ["Something else said", evidence.pk]),
        ('UPDATE annotations_evidence SET start = 0, "end" = 10000 WHERE id = %s', [evidence.pk]),
    ]:
        with pytest.raises(IntegrityError, match="claim_quote_span_in_story|quoted words"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():  # words with no offsets, or offsets on a web address
        Evidence.objects.filter(pk=evidence.pk).update(start=None, end=None)
    assert Evidence.objects.get(pk=evidence.pk).exact == QUOTE


def test_the_quoted_words_go_through_export_and_import(db, tmp_path, claim):
    start = claim.article.body.index(QUOTE)
    evidence = Evidence.make(claim, EvidenceSpec("quote", attribution=claim.attributions.get(), start=start,
                                                 end=start + len(QUOTE), exact=QUOTE))
    claim.change_status("confirmed", by=None, reason="Kremlin", evidence=evidence)
    (line,) = list(export_lines())
    record = json.loads(line)
    assert record["claims"][0]["evidence"][0] | {"note": ""} == {
        "kind": "quote", "link": 0, "start": start, "end": start + len(QUOTE), "exact": QUOTE, "note": ""}
    Article.objects.all().delete()
    path = tmp_path / "story.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert import_paths([path]).failed == 0
    assert Evidence.objects.get().exact == QUOTE
    assert list(export_lines()) == [line]
    Article.objects.all().delete()
    record["claims"][0]["evidence"][0]["exact"] = "Not these words"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = import_paths([path])
    assert report.failed == 1 and "quoted words could not be placed" in " ".join(report.messages)
    assert not Claim.objects.exists()
