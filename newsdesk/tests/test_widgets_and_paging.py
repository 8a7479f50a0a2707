import pytest
from django import forms

from articles.models import Article
from articles.tests.makers import make_articles
from newsdesk.paging import CappedPaginator


CHOICES = [("", "any"), ("a&b", "Tom & <Jerry>"), ("x", 'say "hi"'), ("42", "Forty-two")]
GROUPED = [("", "none"), ("Agencies <wire>", [("ap", "AP"), ("yna", "Yonhap & co")]), ("other", "Other")]


def rendered_both_ways(form) -> list[tuple[str, str, str]]:
    """Each field of the form as QuickRenderer writes it and as Django's own templates do.
    The quick one may not open a template: it must have written the widget itself."""
    from django.forms.renderers import DjangoTemplates

    from newsdesk.widgets import QuickRenderer

    class WithoutTemplates(QuickRenderer):
        def get_template(self, template_name):
            raise AssertionError(f"{template_name} was rendered from its template")

    def render(field, renderer):
        attrs = field.build_widget_attrs({"id": field.auto_id} if field.auto_id else {})
        return field.field.widget.render(field.html_name, field.value(), attrs, renderer)

    return [(field.name, render(field, WithoutTemplates()), render(field, DjangoTemplates())) for field in form]


class Selects(forms.Form):
    pick = forms.ChoiceField(choices=CHOICES, widget=forms.Select(attrs={"class": "narrow"}))
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    disabled = forms.ChoiceField(choices=CHOICES, required=False, disabled=True, initial="x")


@pytest.mark.parametrize("data", [None, {"pick": "x", "grouped": "yna", "many": ["a&b", "42"]}, {"pick": "missing"}])
def test_quick_renderer_writes_selects_as_djangos_templates_do(data):
    for name, quick, plain in rendered_both_ways(Selects(data)):
        assert quick == plain, name
    html = str(Selects(data))
    assert "<Jerry>" not in html and "<wire>" not in html


def test_quick_renderer_writes_model_choices_as_djangos_templates_do(db):
    stories = make_articles(3)

    class Pick(forms.Form):
        story = forms.ModelChoiceField(queryset=Article.objects.order_by("pk"), required=False)

    for name, quick, plain in rendered_both_ways(Pick({"story": stories[1].pk})):
        assert quick == plain, name
    assert f'<option value="{stories[1].pk}" selected>' in str(Pick({"story": stories[1].pk}))


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
    for name, quick, plain in rendered_both_ways(Everything(data)):
        assert quick == plain, name
    assert "<script>" not in str(Everything(data))
