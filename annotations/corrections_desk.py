"""The desk's side of corrections (annotations/corrections.py): correcting a story's text, its
versions and the difference between any two, accepting or rejecting a text changed upstream,
and the review queue of annotations a correction could not carry over with certainty."""

from django import forms
from django.contrib import messages
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST

from annotations import corrections
from annotations.highlighting import around
from annotations.models import AnchorReview, AnchorState
from annotations.views import desk_article, editor_required
from articles.models import Article, ArticleVersion
from articles.reanchoring import diff_words
from newsdesk.paging import CappedPaginator
from newsdesk.parameters import WholeNumberField, id_or_404

NOTE_LENGTH = 2000


class CorrectionForm(forms.Form):
    """The story's text corrected, and why: for editors, for readers, or both."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    title = forms.CharField(label=_("Title"), max_length=500)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 24, "dir": "auto"}), strip=False)
    public_note = forms.CharField(
        label=_("Correction note for readers"), required=False, max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the public page as “Corrected on <date>: <note>” if the story is published. Leave empty "
                    "for a change readers need not be told of (a typo)."),
    )
    note = forms.CharField(
        label=_("Internal note"), required=False, max_length=NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the text changed, for the desk: the story's history keeps it."),
    )

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.fields["body"].max_length = settings.IMPORT_MAX_ARTICLE_CHARS
        self.fields["body"].widget.attrs.update(lang=article.language)
        if not article.is_published:  # readers see no draft: a draft's text is simply edited
            del self.fields["public_note"]

    def clean(self):
        data = super().clean()
        said = data.get("note", "").strip() or data.get("public_note", "").strip()
        if not self.errors and self.article.is_published and not said:
            raise ValidationError(gettext("Say why the text changed: an internal note, a public correction note, or both."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(c, c) for c in AnchorReview.Decision.values if c != "superseded"])
    confirm = forms.BooleanField(required=False)
    start = WholeNumberField(required=False)
    end = WholeNumberField(required=False)
    exact = forms.CharField(required=False, strip=False, max_length=settings.IMPORT_MAX_ARTICLE_CHARS)


@editor_required
def article_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the story's text. The new text becomes the current version at once; every
    annotation is carried over, sent to review or orphaned, and the page says how many."""
    article = desk_article(request, pk)
    if not request.user.has_perm("articles.change_article"):
        raise PermissionDenied
    initial = {"version": article.text_version, "title": article.title, "body": article.body}
    form = CorrectionForm(request.POST or None, article=article, initial=initial)
    status, context_extra = 200, {}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                version, carried = corrections.correct(
                    article, body=data["body"].replace("\r\n", "\n"), title=data["title"], by=request.user,
                    note=data["note"], public_note=data.get("public_note", ""), expected_version=data["version"],
                )
            except ValidationError as error:
                if error.code == "stale":
                    # The editor's text stays; the form now starts from the version that is current,
                    # so that saving again (having compared) is possible.
                    data = request.POST.copy()
                    data["version"] = desk_article(request, pk).text_version
                    form = CorrectionForm(data, article=article)
                    form.is_valid()
                    context_extra["stale"] = True
                form.add_error(None, error)
            else:
                messages.success(request, gettext(
                    "Corrected: version %(number)s is now the story's text. Annotations: %(carried)s."
                ) % {"number": version.number, "carried": carried.summary()})
                return redirect("desk:article", pk=article.pk)
        status = 422
    context = {"article": article, "form": form} | context_extra
    return render(request, "annotations/article_correct.html", context, status=status)


def version_of(article: Article, number) -> ArticleVersion:
    try:
        return article.versions.get(number=int(number))
    except (ArticleVersion.DoesNotExist, ValueError, TypeError):
        raise Http404("no such version") from None


@editor_required
def article_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the story, what made each, and the difference between any two (by
    default, the current one and the one before it, or a pending one and the current)."""
    article = desk_article(request, pk)
    versions = list(article.versions.select_related("created_by", "accepted_by", "withheld_by").order_by("-number"))
    pending = next((v for v in versions if v.state == ArticleVersion.State.PENDING), None)
    current = next((v for v in versions if v.state == ArticleVersion.State.CURRENT), None)
    if pending is not None and current is not None:
        pending.preview = corrections.preview(article, current, pending)
    compared = None
    if len(versions) >= 2:
        default_new = pending or current
        default_old = current if pending else next((v for v in versions if v.number < current.number), None)
        new = version_of(article, request.GET["b"]) if request.GET.get("b") else default_new
        old = version_of(article, request.GET["a"]) if request.GET.get("a") else default_old
        if old is not None and new is not None:
            compared = {"old": old, "new": new, "runs": diff_words(old.body, new.body),
                        "title_changed": old.title != new.title, "same": old.body == new.body and old.title == new.title}
    context = {"article": article, "versions": versions, "pending": pending, "current": current, "compared": compared}
    return render(request, "annotations/article_versions.html", context)


@editor_required
@require_POST
def version_decide(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Accept or reject a text found changed upstream."""
    article = desk_article(request, pk)
    if not request.user.has_perm("articles.change_article"):
        raise PermissionDenied
    version = version_of(article, number)
    try:
        if request.POST.get("decision") == "accept":
            carried = corrections.accept(version, by=request.user, public_note=request.POST.get("public_note", "")[:NOTE_LENGTH],
                                         note=request.POST.get("note", "")[:NOTE_LENGTH])
            message = gettext("Version %(number)s is now the story's text. Annotations: %(carried)s.") % {
                "number": version.number, "carried": carried.summary()}
        elif request.POST.get("decision") == "reject":
            corrections.reject(version, by=request.user, note=request.POST.get("note", "")[:NOTE_LENGTH])
            message = gettext("Version %(number)s was rejected; the story keeps its text.") % {"number": version.number}
        else:
            raise ValidationError(gettext("Choose to accept or to reject the new version."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, message)
    return redirect("desk:article-versions", pk=article.pk)


def with_contexts(reviews: list[AnchorReview]) -> list[AnchorReview]:
    """Each review with what the queue shows of it: the old words in their old context, the new
    place in the current text, what it is and why it waits."""
    for review in reviews:
        review.reason_words = REASONS.get(review.reason, review.reason.replace("_", " "))
        old_text = review.from_version.body
        review.old_before, review.old_after = around(old_text, review.old_start, review.old_end)
        if review.state == AnchorState.REVIEW and review.span is not None:
            span = review.span
            review.new_before, review.new_after = around(review.article.body, span.start, span.end)
            review.new_exact = span.exact
        review.describe = describe(review)
    return reviews


def describe(review: AnchorReview) -> str:
    span = review.span
    if review.kind == "mention":
        return gettext("Mention of %(entity)s") % {"entity": span.entity.name}
    if review.kind == "claim":
        return gettext("Claim: %(statement)s") % {"statement": span.statement}
    if review.kind == "attribution":
        return gettext("Attribution cue of “%(statement)s”: %(source)s") % {
            "statement": span.claim.statement, "source": span.source.name}
    return gettext("Quote confirming “%(statement)s”") % {"statement": span.claim.statement}


# What each reason of articles/reanchoring.py (and of make_current) means, in words.
REASONS = {
    "words_changed": _("its words were changed"),
    "short_quote_changed": _("its few words were changed"),
    "approximate": _("its words were found only approximately"),
    "several_occurrences": _("its words stand in more than one place"),
    "context_changed": _("its words were found elsewhere, among other words"),
    "short_quote_elsewhere": _("its few words were found only elsewhere, among other words"),
    "only_other_occurrences": _("its words stand only where other copies of them stood before"),
    "not_found": _("its words are no longer in the story"),
    "duplicate": _("the same annotation already stands on its new place"),
    "restored": _("it was restored from the history as it was, waiting for a decision"),
    "source_gone": _("the source that confirmed it on the record is no longer named in the story"),
}


@editor_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Every annotation a correction sent to review or orphaned, across stories, newest first."""
    reviews = AnchorReview.objects.for_queue()
    article = None
    if request.GET.get("article"):
        article = get_object_or_404(Article, pk=id_or_404(request.GET["article"]))
        reviews = reviews.filter(article=article)
    page = CappedPaginator(reviews, 20).get_page(request.GET.get("page"))
    page.object_list = with_contexts(list(page.object_list))
    # The texts imports found changed upstream, waiting to be accepted or rejected, newest first.
    pending = ArticleVersion.objects.filter(state=ArticleVersion.State.PENDING).select_related("article").defer(
        "body", "article__body", "article__search_vector").order_by("-created_at", "-id")
    if article is not None:
        pending = pending.filter(article=article)
    context = {"page": page, "article": article, "query": f"article={article.pk}" if article else "",
               "pending": list(pending[:PENDING_SHOWN])}
    return render(request, "annotations/review_queue.html", context)


PENDING_SHOWN = 50


def queue_item(review: AnchorReview) -> AnchorReview:
    """One review as the queue shows it, read again (after a decision was asked or refused)."""
    return with_contexts(list(AnchorReview.objects.for_queue().filter(pk=review.pk)))[0]


@editor_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(AnchorReview, pk=pk)
    form = DecisionForm(request.POST)
    status = 200
    if not form.is_valid():
        message, status = gettext("The decision could not be read: choose accept, place or remove."), 422
    elif (form.cleaned_data["decision"] == AnchorReview.Decision.REMOVED and review.kind in ("mention", "claim")
          and not form.cleaned_data["confirm"] and not review.decision):
        # Removing a mention or a claim deletes it (a claim with its chain and status history):
        # the first press asks, naming what goes; only the second does it.
        context = {"review": queue_item(review), "confirming": True}
        if request.htmx:
            return render(request, "annotations/review_queue.html#review-item", context)
        return render(request, "annotations/review_confirm.html", context)
    else:
        data = form.cleaned_data
        try:
            message = corrections.decide(review, data["decision"], by=request.user, start=data["start"], end=data["end"],
                                         exact=data["exact"])
        except ValidationError as error:
            message, status = " ".join(error.messages), 422
    if request.htmx:
        remaining = AnchorReview.objects.open().filter(article=review.article_id).count()
        context = {"message": message, "failed": status != 200, "review": review, "remaining": remaining}
        if status != 200 and AnchorReview.objects.open().filter(pk=review.pk).exists():
            context["review"] = queue_item(review)
            return render(request, "annotations/review_queue.html#review-item", context, status=status)
        return render(request, "annotations/review_queue.html#review-done", context, status=status)
    (messages.success if status == 200 else messages.error)(request, message)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/desk/review/") else reverse("desk:review-queue"))
