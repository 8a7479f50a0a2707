"""Issue 21: a 50,000-character story with 500 mentions and 100 claims (bench/big_story.py).

Highlighting, suggestions and the body's markup must grow with the annotations, not with
segments times spans: counted in lines of Python run (operations, not seconds), the story with
four times the text and the spans costs about four times as much. And the pages make as many
queries for 500 annotations as for 5.
"""

import sys
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from annotations import highlighting, suggestions
from annotations.highlighting import linked_runs, paragraphs, segments
from annotations.suggestions import Matcher, Suggestion, pending, suggestion_groups
from annotations.templatetags import story_body
from annotations.templatetags.story_body import desk_markup, public_markup
from bench.big_story import big_story_text, make_big_story

COUNTED = {highlighting.__file__, suggestions.__file__, story_body.__file__}


def lines_run(work) -> int:
    """How many lines of highlighting, suggestions and the body's markup `work()` runs (each
    iteration of a loop or a generator counts again), whatever else it calls."""
    count = 0

    def in_counted_frame(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return in_counted_frame

    def on_call(frame, event, arg):
        return in_counted_frame if frame.f_code.co_filename in COUNTED else None

    before = sys.gettrace()
    sys.settrace(on_call)
    try:
        work()
    finally:
        sys.settrace(before)
    return count


def spans_of(plan: dict):
    """The plan's mentions and claims as the views hand them to segments(): with ids, some waiting
    for review, claims of every status, each mention with its entity."""
    entities = [SimpleNamespace(pk=i, get_absolute_url=lambda i=i: f"/entities/e{i}/") for i in range(len(plan["entities"]))]
    mentions = [
        SimpleNamespace(id=n, start=s, end=e, entity=entities[i], anchor_state="review" if n % 50 == 0 else "placed")
        for n, (i, s, e) in enumerate(plan["mentions"])
    ]
    claims = [
        SimpleNamespace(id=n, start=s, end=e, status=highlighting.CAUTION[n % 6], anchor_state="placed")
        for n, (s, e) in enumerate(plan["claims"])
    ]
    return mentions, claims


def highlight(plan: dict) -> None:
    body = plan["body"]
    mentions, claims = spans_of(plan)
    desk_markup(segments(body, mentions, claims))
    public_markup(linked_runs(paragraphs(body, segments(body, mentions, claims)), mentions))


def suggest(plan: dict) -> None:
    body = plan["body"]
    names = Matcher([(i, name) for i, (name, _) in enumerate(plan["entities"])])
    tagged = [(s, e) for _, s, e in plan["mentions"]]
    hits = names.find(body)
    offered = pending(hits, tagged, {(i, s, e) for s, e, i in hits[::40]})
    entities = [SimpleNamespace(pk=i, name=name) for i, (name, _) in enumerate(plan["entities"])]
    suggestion_groups(SimpleNamespace(body=body), [Suggestion(entities[i], s, e, body[s:e]) for s, e, i in offered])


def test_the_big_story_is_as_big_as_issue_21_says():
    plan = big_story_text()
    assert len(plan["body"]) >= 50_000 and len(plan["mentions"]) == 500 and len(plan["claims"]) == 100
    assert plan["body"].count("\n\n") >= 50  # paragraphs
    spans = sorted((s, e) for _, s, e in plan["mentions"])
    assert any(a_end >= b_end for (_, a_end), (_, b_end) in zip(spans, spans[1:]))  # a mention inside another
    claims = plan["claims"]
    assert any(s1 < s2 < e1 < e2 for (s1, e1), (s2, e2) in zip(claims, claims[1:]))  # claims that cross
    assert any("\n\n" in plan["body"][s:e] for s, e in claims)  # a claim across a paragraph break


@pytest.mark.parametrize("work", [highlight, suggest], ids=["highlighting and markup", "suggestions"])
def test_four_times_the_spans_cost_about_four_times_the_work_not_sixteen(work):
    one, four = big_story_text(scale=1), big_story_text(scale=4)
    assert len(four["mentions"]) == 4 * len(one["mentions"]) and len(four["claims"]) == 4 * len(one["claims"])
    ratio = lines_run(lambda: work(four)) / lines_run(lambda: work(one))
    # Linear work gives about 4 (n log n a little more); segments times spans gave 16.
    assert ratio <= 5, ratio


def test_the_desk_and_public_markup_escape_the_text_and_say_what_covers_it():
    body = 'Tom & "Jerry" <script>alert(1)</script>\n\nsaid \'hi\''
    mention = SimpleNamespace(id=7, start=0, end=3, anchor_state="review",
                              entity=SimpleNamespace(pk=1, get_absolute_url=lambda: "/entities/a&b/"))
    claim = SimpleNamespace(id=9, start=6, end=44, status="denied", anchor_state="placed")
    desk = desk_markup(segments(body, [mention], [claim]))
    assert desk.startswith('<mark data-start="0" class="hl-mention hl-review" title="needs review after a correction" '
                           'data-mentions="7" data-claims="">Tom</mark><span data-start="3"> &amp; </span>')
    assert '<mark data-start="6" class=" hl-claim hl-denied" data-mentions="" data-claims="9">&quot;Jerry&quot; &lt;script&gt;' in desk
    public = public_markup(linked_runs(paragraphs(body, segments(body, [mention], [claim])), [mention]))
    assert public.startswith('<p><a class="mention-span" href="/entities/a&amp;b/">Tom</a> &amp; '
                             '<mark class="claim-span hl-denied" data-claims="9">&quot;Jerry&quot; &lt;script&gt;')
    # The claim goes on across the paragraph break: a mark in each paragraph, none over the gap.
    assert public.endswith('</mark></p>\n\n<p><mark class="claim-span hl-denied" data-claims="9">sai</mark>d &#x27;hi&#x27;</p>')
    assert "<script>" not in desk + public


@pytest.mark.django_db
def test_the_workspace_and_the_public_page_make_as_many_queries_for_600_annotations_as_for_5(client, editor, count_queries):
    # Another newsroom's text (other names): neither story is suggested as related to the other.
    small = make_big_story(mentions=3, claims=2, slug="small-story", seed=5)
    big = make_big_story()
    assert (small.mentions.count(), small.claims.count(), big.mentions.count(), big.claims.count()) == (3, 2, 500, 100)
    desk = Client()
    desk.force_login(editor)
    pages = [(desk, reverse("desk:article", args=[story.pk])) for story in (small, big)]
    assert count_queries(*pages[0]) == count_queries(*pages[1])
    assert count_queries(client, small.get_absolute_url()) == count_queries(client, big.get_absolute_url())
