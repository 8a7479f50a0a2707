"""A source's page counts how it is cited by its role in each chain: what it said itself (on the
record or not) and what it only relayed, with how many of those came from an unnamed source."""

import re

import pytest

from annotations.tests.makers import add_attribution, make_claim
from articles.models import Source
from articles.tests.makers import make_article, make_source

BODY = (
    "The visit will take place in the coming days, the Kremlin said. The train has left for Russia, "
    "an unnamed official told Yonhap. Kim wants food and energy, US officials said, via Yonhap. "
    "Putin is at a forum in Vladivostok, TASS reported. The Kremlin confirmed the date to Yonhap. "
    "A draft line relayed by Yonhap."
)


@pytest.fixture
def sources(db) -> dict[str, Source]:
    story = make_article(title="Kim Jong Un's train leaves for Russia", body=BODY)
    kremlin = make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT, country="RU")
    yonhap = make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR")
    official = make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS)
    us = make_source(name="US officials", kind=Source.Kind.GOVERNMENT, country="US")
    tass = make_source(name="TASS", kind=Source.Kind.NEWS_AGENCY, country="RU")

    add_attribution(make_claim(story, "The visit will take place in the coming days"), kremlin)
    train = make_claim(story, "The train has left for Russia")
    add_attribution(train, official, sourcing="anonymous")
    add_attribution(train, yonhap, role="via")
    wants = make_claim(story, "Kim wants food and energy")
    add_attribution(wants, us, sourcing="not_for_attribution")
    add_attribution(wants, yonhap, role="via")
    add_attribution(make_claim(story, "Putin is at a forum in Vladivostok"), tass)
    date = make_claim(story, "The Kremlin confirmed the date")
    add_attribution(date, kremlin)
    add_attribution(date, yonhap, role="via")
    hidden = make_claim(story, "A draft line relayed by Yonhap", is_published=False)
    add_attribution(hidden, official, sourcing="anonymous")
    add_attribution(hidden, yonhap, role="via")
    return {"kremlin": kremlin, "yonhap": yonhap, "official": official, "us": us, "tass": tass}


def ledger(client, source: Source) -> dict[str, list[str]]:
    """Each list of the page's ledger (by its anchor), as the statements it links to, and the
    figures of the summary, each checked to link to the list of the same length."""
    page = client.get(source.get_absolute_url()).content.decode()
    lists = {}
    for anchor in ("made-on-record", "made-unnamed", "relayed", "relayed-from-unnamed"):
        section = page.split(f'id="{anchor}"')[1].split("<h3")[0].split("</section>")[0]
        lists[anchor] = re.findall(r'<a href="/claims/\d+/"[^>]*>(.*?)</a>', section)
        figure = re.search(rf'<a href="#{anchor}">(\d+)', page)
        # (the share from unnamed sources is said only of a source that relayed any)
        assert (int(figure.group(1)) if figure else 0) == len(lists[anchor]), anchor
    return lists


def test_a_news_agency_that_only_relayed_is_never_counted_on_the_record(client, sources):
    yonhap = ledger(client, sources["yonhap"])
    assert yonhap["made-on-record"] == [] and yonhap["made-unnamed"] == []
    assert sorted(yonhap["relayed"]) == ["Kim wants food and energy", "The Kremlin confirmed the date", "The train has left for Russia"]
    assert sorted(yonhap["relayed-from-unnamed"]) == ["Kim wants food and energy", "The train has left for Russia"]


def test_every_figure_of_the_worked_example(client, sources):
    kremlin = ledger(client, sources["kremlin"])
    assert sorted(kremlin["made-on-record"]) == ["The Kremlin confirmed the date", "The visit will take place in the coming days"]
    assert kremlin["made-unnamed"] == kremlin["relayed"] == kremlin["relayed-from-unnamed"] == []
    official = ledger(client, sources["official"])
    assert official["made-unnamed"] == ["The train has left for Russia"]  # not the unpublished one
    assert official["made-on-record"] == official["relayed"] == []
    us = ledger(client, sources["us"])
    assert us["made-unnamed"] == ["Kim wants food and energy"] and us["made-on-record"] == []
    tass = ledger(client, sources["tass"])
    assert tass["made-on-record"] == ["Putin is at a forum in Vladivostok"] and tass["relayed"] == []
