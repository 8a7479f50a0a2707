"""A source's track record: what became of the claims it reported, on the record or from unnamed
sources, by each claim's standing across every published story; and how long confirmation took.

The fixture is the worked example told over a week, every figure counted by hand below."""

import re
from datetime import datetime, timedelta, timezone as tz

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import AttributionSpec, Claim, EvidenceSpec, StatusStep
from annotations.track_record import claims_with_fate, track_record
from articles.models import Article, Source
from articles.tests.makers import make_article, make_source

BODY = "Kim Jong Un's train has left Pyongyang for Russia, an official said. The Kremlin said the visit is on."
WORDS = "Kim Jong Un's train has left Pyongyang for Russia"
MONDAY = datetime(2023, 9, 11, 6, 0, tzinfo=tz.utc)


@pytest.fixture
def sources(db) -> dict[str, Source]:
    return {
        "yonhap": make_source(name="Yonhap", kind=Source.Kind.NEWS_AGENCY, country="KR"),
        "official": make_source(name="an unnamed official", kind=Source.Kind.ANONYMOUS, country="KR"),
        "kremlin": make_source(name="Kremlin", kind=Source.Kind.GOVERNMENT, country="RU"),
        "pyongyang": make_source(name="KCNA", kind=Source.Kind.NEWS_AGENCY, country="KP"),
        "chosun": make_source(name="Chosun Ilbo", kind=Source.Kind.PUBLICATION, country="KR"),
    }


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def tell(statement: str, hours: float, chain: list, steps: list, *, evidence=(), across=None, draft=False) -> Claim:
    """`statement` told in a story of its own, published `hours` after Monday morning."""
    story = make_article(
        title=f"{statement} ({hours} h)", body=BODY, published_at=at(hours),
        status=Article.Status.DRAFT if draft else Article.Status.PUBLISHED,
    )
    return Claim.record(
        story, start=0, end=len(WORDS), exact=WORDS, statement=statement, chain=chain, evidence=evidence,
        history=steps, across=across.across if across else None,
    )


def unnamed_via_yonhap(sources, statement: str, hours: float, *later: StatusStep, across=None, draft=False) -> Claim:
    chain = [AttributionSpec(sources["official"], "speaker", "anonymous"), AttributionSpec(sources["yonhap"], "via")]
    steps = [StatusStep("reported", "Yonhap reports it.", at=at(hours)), *later]
    return tell(statement, hours, chain, steps, across=across, draft=draft)


def kremlin_confirms(sources, hours: float, across: Claim, *, via_yonhap=False, draft=False) -> Claim:
    chain = [AttributionSpec(sources["kremlin"], "speaker", "on_record")]
    chain += [AttributionSpec(sources["yonhap"], "via")] if via_yonhap else []
    steps = [StatusStep("confirmed", "On the record.", 0, at=at(hours))]
    return tell(across.statement, hours, chain, steps, evidence=[EvidenceSpec("quote", position=0)], across=across, draft=draft)


def kcna_denies(sources, hours: float, across: Claim) -> Claim:
    chain = [AttributionSpec(sources["pyongyang"], "speaker", "on_record")]
    steps = [StatusStep("reported", "KCNA says so.", at=at(hours)), StatusStep("denied", "KCNA denies it.", at=at(hours))]
    return tell(across.statement, hours, chain, steps, across=across)


@pytest.fixture
def week(sources) -> dict[str, Claim]:
    """Seven claims first told from an unnamed official via Yonhap, and what became of each."""
    train = unnamed_via_yonhap(sources, "The train has left", 0)
    kremlin_confirms(sources, 30, train)  # confirmed 30 hours after Yonhap reported it
    visit = unnamed_via_yonhap(sources, "The visit is this week", 4)
    kremlin_confirms(sources, 14, visit)  # 10 hours after
    date = kremlin_confirms(sources, 5, unnamed_via_yonhap(sources, "The date is set", 6))
    # (told on the record by the Kremlin at 5 h, an hour before Yonhap's unnamed report: 0 hours)
    shells = unnamed_via_yonhap(sources, "Shells are on the table", 1)
    kremlin_confirms(sources, 11, shells)
    kcna_denies(sources, 20, shells)  # confirmed in one story, denied in another: contested
    food = unnamed_via_yonhap(
        sources, "Food aid is agreed", 2, StatusStep("retracted", "Yonhap withdrew it.", at=at(50))
    )  # retracted in the one story that told it
    energy = unnamed_via_yonhap(sources, "Energy is agreed", 3)  # still reported: open
    unnamed_via_yonhap(sources, "Energy is agreed", 40, across=energy)  # told twice, one claim
    kremlin_confirms(sources, 41, energy, draft=True)  # a draft's confirmation changes nothing
    tanks = unnamed_via_yonhap(sources, "Tanks are agreed", 8)
    kcna_denies(sources, 9, tanks)  # reported, then denied elsewhere: denied
    unnamed_via_yonhap(sources, "A draft's claim", 7, draft=True)  # counts nowhere
    # Yonhap on the record, and a Kremlin statement it only relayed (on the record: neither row).
    on_record = tell("Yonhap saw the train", 12, [AttributionSpec(sources["yonhap"])], [StatusStep("reported", "Seen.", at=at(12))])
    relayed = kremlin_confirms(sources, 13, tell("Putin invited Kim", 13, [], []), via_yonhap=True)
    return {
        "train": train, "visit": visit, "date": date, "shells": shells, "food": food, "energy": energy,
        "tanks": tanks, "on_record": on_record, "relayed": relayed,
    }


def figures(source: Source) -> dict[str, tuple]:
    return {line.sourcing: (line.counts, line.median) for line in track_record(source)}


NOTHING = {"confirmed": 0, "contested": 0, "denied": 0, "retracted": 0, "open": 0}


def test_an_agencys_unnamed_reports_are_judged_by_what_became_of_each_claim_in_every_story(sources, week):
    record = figures(sources["yonhap"])
    # train, visit, date confirmed; shells contested; tanks denied; food retracted; energy open.
    assert record["unnamed"] == (
        {"confirmed": 3, "contested": 1, "denied": 1, "retracted": 1, "open": 1},
        timedelta(hours=10),  # median of 30, 10 and 0 hours
    )
    assert record["on_record"] == (NOTHING | {"open": 1}, None)  # "Yonhap saw the train"


def test_the_unnamed_speaker_has_the_same_record_and_the_kremlin_its_own(sources, week):
    assert figures(sources["official"])["unnamed"] == figures(sources["yonhap"])["unnamed"]
    assert figures(sources["official"])["on_record"] == (NOTHING, None)
    # train, visit, date, Putin invited Kim confirmed on the record at once; shells contested.
    # Not energy: only a draft confirms it.
    assert figures(sources["kremlin"]) == {
        "on_record": (NOTHING | {"confirmed": 4, "contested": 1}, timedelta(0)),
        "unnamed": (NOTHING, None),
    }


def test_each_cell_lists_the_sources_first_appearance_of_each_of_its_claims(sources, week):
    def listed(sourcing: str, fate: str) -> list[str]:
        return sorted(claim.statement for claim in claims_with_fate(sources["yonhap"], sourcing, fate))

    assert listed("unnamed", "confirmed") == ["The date is set", "The train has left", "The visit is this week"]
    assert listed("unnamed", "open") == ["Energy is agreed"]
    assert [c.pk for c in claims_with_fate(sources["yonhap"], "unnamed", "open")] == [week["energy"].pk]
    assert listed("on_record", "open") == ["Yonhap saw the train"]
    assert listed("on_record", "confirmed") == []


def test_a_source_that_reported_nothing_has_an_empty_record(sources, week):
    assert figures(sources["chosun"]) == {"on_record": (NOTHING, None), "unnamed": (NOTHING, None)}


def test_a_claim_confirmed_before_the_source_reported_it_waited_no_time(sources):
    chain = [AttributionSpec(sources["official"], "speaker", "anonymous"), AttributionSpec(sources["chosun"], "via")]
    told = tell("The date is set", 6, chain, [StatusStep("reported", "Chosun reports it.", at=at(6))])
    kremlin_confirms(sources, 5, told)  # an hour before
    assert figures(sources["chosun"])["unnamed"] == (NOTHING | {"confirmed": 1}, timedelta(0))


# --- The page ---------------------------------------------------------------------------------

def figures_on_page(client, source: Source) -> dict[str, dict[str, str]]:
    """The track record's table as the page shows it: each row's figures by column, each count
    that is not 0 checked to link to its list."""
    page = client.get(source.get_absolute_url()).content.decode()
    table = page.split('class="track-record-table"')[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row[1], re.S)
        rows[row[0]] = [re.sub(r"<[^>]+>", "", cell) for cell in cells]
        for cell in cells[:-1]:
            assert cell == "0" or re.match(r'<a href="\?sourcing=\w+&amp;fate=\w+#track-record-claims">\d+</a>', cell)
    return rows


def test_the_source_page_shows_the_record_as_figures_each_linking_to_its_claims_and_as_a_chart(client, sources, week):
    assert figures_on_page(client, sources["yonhap"]) == {
        "On the record": ["0", "0", "0", "0", "1", "–"],
        "From unnamed sources": ["3", "1", "1", "1", "1", "10 hours"],
    }
    page = client.get(sources["yonhap"].get_absolute_url()).content.decode()
    assert re.search(r'<svg class="track-record-chart"[^>]*role="img" aria-labelledby="track-record-chart-title"', page)
    bars = re.findall(r'<g class="fate fate-\w+"><text[^>]*>([^<]+)</text>(?:<rect[^>]*/>)?<text[^>]*>(\d+)</text></g>', page)
    assert bars == [  # each bar says what it counts, and how many: no colour needed
        ("confirmed", "0"), ("contested", "0"), ("denied", "0"), ("retracted", "0"), ("still open", "1"),
        ("confirmed", "3"), ("contested", "1"), ("denied", "1"), ("retracted", "1"), ("still open", "1"),
    ]
    assert "A draft" not in page


def test_a_figures_link_lists_those_claims_each_linking_to_its_claim_page(client, sources, week):
    page = client.get(sources["yonhap"].get_absolute_url(), {"sourcing": "unnamed", "fate": "confirmed"}).content.decode()
    listed = page.split('id="track-record-claims"')[1].split("</ul>")[0]
    assert sorted(re.findall(r'<a href="/claims/\d+/"[^>]*>(.*?)</a>', listed)) == [
        "The date is set", "The train has left", "The visit is this week"
    ]
    assert f'href="/claims/{week["train"].pk}/"' in listed  # Yonhap's own telling of it
    # What no figure links to lists nothing, and fails nothing.
    page = client.get(sources["yonhap"].get_absolute_url(), {"sourcing": "secret", "fate": "draft"})
    assert page.status_code == 200 and 'id="track-record-claims"' not in page.content.decode()


def test_a_source_that_reported_nothing_says_so_in_words(client, sources, week):
    make_article(publisher=sources["chosun"])  # its page is public, with no claim
    page = client.get(sources["chosun"].get_absolute_url()).content.decode()
    assert "so it has no track record yet" in page and "track-record-chart" not in page


def test_the_source_page_costs_the_same_queries_with_two_claims_or_twenty(client, sources):
    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(sources["yonhap"].get_absolute_url(), {"sourcing": "unnamed", "fate": "open"}).status_code == 200
        return len(queries)

    first = unnamed_via_yonhap(sources, "The train has left", 0)
    kremlin_confirms(sources, 5, first)
    unnamed_via_yonhap(sources, "Energy is agreed", 1)
    two = cost()
    for hours in range(2, 20):
        told = unnamed_via_yonhap(sources, f"Claim {hours}", hours)
        if hours % 2:
            kremlin_confirms(sources, hours + 1, told)
    assert cost() == two == 7  # the source, its stories (count, page), ledger, track record, cell (count, page)
