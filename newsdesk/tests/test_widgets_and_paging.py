from html.parser import HTMLParser

import pytest
from django import forms

from articles.models import Article
from articles.tests.makers import make_articles
from newsdesk.paging import CappedPaginator
from newsdesk.widgets import QuickSelect


class Options(HTMLParser):
    """The <select>'s attributes and its options as (value, selected, label)."""

    def __init__(self, html: str):
        super().__init__()
        self.select, self.options, self._current = {}, [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.select = dict(attrs)
        elif tag == "option":
            attrs = dict(attrs)
            self._current = [attrs["value"], "selected" in attrs, ""]

    def handle_data(self, data):
        if self._current is not None:
            self._current[2] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self.options.append(tuple(self._current))
            self._current = None


CHOICES = [("", "any"), ("a&b", "Tom & <Jerry>"), ("x", 'say "hi"'), ("42", "Forty-two")]


@pytest.mark.parametrize("value", ["x", "42", "", "a&b", "missing"])
def test_quick_select_renders_what_djangos_select_renders(value):
    class Slow(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, required=True, widget=forms.Select(attrs={"class": "narrow"}))

    class Quick(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, required=True, widget=QuickSelect(attrs={"class": "narrow"}))

    slow, quick = Options(str(Slow({"pick": value})["pick"])), Options(str(Quick({"pick": value})["pick"]))
    assert quick.options == slow.options
    assert quick.select == slow.select  # name, id, class, required, aria-invalid when invalid
    assert "<Jerry>" not in str(Quick({"pick": value})["pick"])


def test_quick_select_takes_model_choices(db):
    stories = make_articles(3)

    class Pick(forms.Form):
        story = forms.ModelChoiceField(queryset=Article.objects.order_by("pk"), required=False, widget=QuickSelect)

    options = Options(str(Pick({"story": stories[1].pk})["story"])).options
    assert options[0] == ("", False, "---------")
    assert [(value, selected) for value, selected, _ in options[1:]] == [
        (str(s.pk), s == stories[1]) for s in sorted(stories, key=lambda s: s.pk)
    ]


def test_a_capped_paginator_counts_up_to_its_cap_and_says_there_are_more():
    paginator = CappedPaginator(list(range(12)), 2, cap=5)
    assert (paginator.count, paginator.num_pages, paginator.capped) == (5, 3, True)
    assert list(paginator.page(3)) == [4]
    small = CappedPaginator(list(range(4)), 2, cap=5)
    assert (small.count, small.num_pages, small.capped) == (4, 2, False)
    exact = CappedPaginator(list(range(5)), 2, cap=5)
    assert (exact.count, exact.capped) == (5, False)


def test_a_capped_paginator_counts_a_queryset_in_the_database(db, django_assert_num_queries):
    make_articles(7)
    paginator = CappedPaginator(Article.objects.order_by("-id"), 2, cap=5)
    with django_assert_num_queries(1):
        assert (paginator.count, paginator.capped, paginator.num_pages) == (5, True, 3)


class Everything(forms.Form):
    name = forms.CharField(max_length=20, initial='say "hi" & <b>bye</b>')
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    count = forms.IntegerField(min_value=0, required=False, widget=forms.NumberInput(attrs={"step": 2, "data-x": True}))
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    ok = forms.BooleanField(required=False)
    site = forms.URLField(required=False, disabled=True, initial="https://example.org/?a=1&b=<2>", assume_scheme="https")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    address = forms.EmailField(required=False)


@pytest.mark.parametrize("data", [
    None,
    {"name": "", "count": "x", "ok": "on", "note": "line one\n<script>alert(1)</script> & more", "secret": "s3\"cr<et"},
    {"name": "Kim Jong Un", "hidden": '"><img src=x>', "when": "2026-11-28", "address": "a@b.example", "note": ""},
])
def test_quick_renderer_writes_what_djangos_templates_write(data):
    from django.forms.renderers import DjangoTemplates

    from newsdesk.widgets import QuickRenderer

    for field in Everything(data):
        quick = field.field.widget.render(field.html_name, field.value(), field.build_widget_attrs({"id": field.auto_id}), QuickRenderer())
        plain = field.field.widget.render(field.html_name, field.value(), field.build_widget_attrs({"id": field.auto_id}), DjangoTemplates())
        assert quick == plain, field.name
    assert "<script>" not in str(Everything(data))
