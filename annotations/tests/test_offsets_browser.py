"""The desk's script turns DOM selections (UTF-16) into code point offsets, across segments."""

import pytest

from annotations.models import Mention
from annotations.tests.makers import make_claim, make_entity
from articles.tests.makers import make_article

pytestmark = pytest.mark.browser

BODY = "\n\n".join(
    [
        "👍🏽 A skin-toned thumb, then Kim Jong Un.",
        "🇰🇷🇮🇩 Two flags, then 김정은 위원장이 말했다.",
        "👨‍👩‍👧 A family, q\u0307 with a combining dot, then Putin.",
        "مرحبا بالعالم and שלום עולם, right to left, then Yonhap.",
        "Cafe\u0301 written decomposed, stored composed.",
    ]
)

TARGETS = ["Kim Jong Un", "김정은", "위원장이 말했다", "q\u0307 with", "Putin", "مرحبا", "שלום עולם", "Yonhap", "Café", "Jong Un.\n\n🇰🇷"]

SPANS_OF = """(targets) => {
  const body = document.querySelector("[data-article-body]");
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = []; let full = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, full.length]); full += walker.currentNode.data; }
  const locate = (pos, isEnd) => {
    for (const [node, start] of nodes) {
      if (isEnd ? pos <= start + node.data.length : pos < start + node.data.length) return [node, pos - start];
    }
  };
  const spans = targets.map((text) => {
    const at = full.indexOf(text);
    const range = document.createRange();
    range.setStart(...locate(at, false));
    range.setEnd(...locate(at + text.length, true));
    return NewsdeskOffsets.selectionSpan(body, range);
  });
  return { text: body.textContent, spans: spans };
}"""


def test_selections_become_code_point_offsets_in_every_script(editor_page):
    page = editor_page
    article = make_article(body=BODY, language="und")
    # Annotations split the body into segments, some nested and overlapping.
    kim = make_entity(name="Kim Jong Un")
    for text in ["Kim Jong Un", "Jong Un", "김정은"]:
        start = article.body.index(text)
        Mention.objects.create(article=article, entity=kim, start=start, end=start + len(text), exact=text)
    make_claim(article, "Two flags, then 김정은 위원장이 말했다.")
    make_claim(article, "then Putin")

    page.goto(f"/desk/articles/{article.pk}/")
    page.wait_for_function("() => window.NewsdeskOffsets !== undefined")  # a function: an expression would be eval()ed, which the CSP refuses
    result = page.evaluate(SPANS_OF, TARGETS)

    assert result["text"] == article.body, "the rendered text is exactly the stored text"
    for target, span in zip(TARGETS, result["spans"], strict=True):
        start = article.body.index(target)
        expected = target.strip()
        assert span == {"start": start, "end": start + len(expected), "exact": expected}, target
