"""The editors' desk: the inbox and the article workspace, where stories are annotated."""

import functools
import hashlib
import json
import logging
import re
from functools import wraps
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, RestrictedError, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from annotations.forms import (
    ArticleDetailsForm,
    ChainFormSet,
    ClaimForm,
    ClaimAttributionForm,
    ClaimJoinForm,
    ClaimMatchForm,
    ClaimSplitForm,
    ClaimStatusForm,
    ClaimTranslationForm,
    ImportForm,
    InboxFilterForm,
    SAME_NAMED_SHOWN,
    MentionForm,
    StaleVersion,
    StoryLinkForm,
    already_linked,
    twin_refusal,
    why_no_link,
)
from annotations import desk_search, history, matching, meaning, publishing
from annotations.across import appearances_of, standing, timeline
from annotations.highlighting import around, segments
from annotations.related import decide as decide_related, related_suggestions
from annotations.suggestions import Suggestion, SuggestionGroup, occurrences_to_tag, suggestion_groups
from annotations.roles import EDITORS
from annotations.models import (
    AnchorReview,
    AnchorState,
    Attribution,
    AttributionSpec,
    Claim,
    ClaimAcrossStories,
    Entity,
    EntityAlias,
    Evidence,
    Mention,
    Profile,
    RejectedSuggestion,
    StoryLink,
    StorySuggestion,
    Submission,
    check_span,
    rules_checked,
)
from articles import page_cache, uploads
from articles.importing import Report
from articles.models import UNDATED_REFUSAL, Article, ArticleVersion, Feed, FeedQuerySet, ImportJob, Source
from articles.views import kept_parts, render_page_or_results
from articles import search
from articles.text import Folded, lock_typed_name, to_name
from newsdesk.compiled import Compiled, compile_once
from newsdesk.languages import number
from newsdesk.paging import CappedPaginator
from newsdesk.parameters import ascii_number

logger = logging.getLogger("newsdesk.desk")


def is_editor(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_is_editor"):
        # Staff status alone opens the admin's door, not the desk's: a maintainer is a superuser.
        user._is_editor = user.is_superuser or user.groups.filter(name=EDITORS).exists()
    return user._is_editor


def editor_required(view):
    """The desk is for editors (and staff). Others are sent to log in, or refused with 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            if request.htmx:
                page = request.htmx.current_url_abs_path or request.get_full_path()
                response = HttpResponse(status=403)
                response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': page})}"
                return response
            return redirect_to_login(request.get_full_path())
        if not is_editor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def count_of(model, **filters):
    rows = model.objects.filter(article=OuterRef("pk"), **filters).order_by().values("article")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@editor_required
@vary_on_headers("HX-Request")
def article_inbox(request: HttpRequest) -> HttpResponse:
    gen = page_cache.request_generation(request)  # before any row is read
    # The filters and the stories listed (and what a search found besides) are the same for
    # every editor who asks the same: kept per content generation. What is the editor's own
    # renders per request.
    shared = page_cache.kept(
        gen, request, "inbox", (request.get_full_path(), request.user.has_perm("articles.view_article")),
        lambda: inbox_shared(request, gen),
    )
    status = shared["status"]
    if request.htmx and not request.htmx.history_restore_request:
        return HttpResponse(shared["results"], status=status)
    now = timezone.now()
    arrived, feeds = editors_own(request.user)
    context = {"filters": shared["filters"], "results": shared["results"], "waiting": shared["waiting"],
               "arrived": arrived, "feeds": feeds}
    response = render(request, "annotations/article_inbox.html", context, status=status)
    if request.GET.get("page", "1") == "1":
        # Only now, once the page said what arrived since the last look, is this the last look.
        Profile.inbox_seen(request.user, now)
    return response


def inbox_shared(request: HttpRequest, gen: str) -> dict:
    """What every editor sees of the inbox at this address: the filters and the stories (as
    HTML), the answer's status, and what corrections left to decide."""
    form = InboxFilterForm(request.GET or None, user=request.user, generation=gen)
    status = 422 if form.is_bound and not form.is_valid() else 200
    articles = form.stories().for_listing().annotate(
        mention_count=count_of(Mention), claim_count=count_of(Claim),
        unverified_count=count_of(Claim, status=Claim.Status.UNVERIFIED),
    )
    page = CappedPaginator(articles, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    searched = status == 200 and form.is_bound and form.cleaned_data.get("q")
    notice = ""
    if searched and page.paginator.count >= search.SEARCH_POOL:
        notice = ngettext(
            "Showing the %(n)s most recent matching story. Add words or filters to reach older ones.",
            "Showing the %(n)s most recent matching stories. Add words or filters to reach older ones.",
            search.SEARCH_POOL,
        ) % {"n": search.SEARCH_POOL}
    context = {"form": form, "page": page, "query": query.urlencode(), "notice": notice}
    if searched:
        context["found"] = desk_search.found(searched)  # claims, sources and entities too
    return {
        "status": status,
        "filters": render_to_string("annotations/article_inbox.html#filters", {"form": form}, request),
        "results": render_to_string("annotations/article_inbox.html#results", context, request),
        # What corrections left for editors (two counts, each off a partial index).
        "waiting": {"reviews": AnchorReview.objects.open().count(),
                    "versions": ArticleVersion.objects.filter(state=ArticleVersion.State.PENDING).count()},
    }


def editors_own(user) -> tuple[dict | None, dict]:
    """What the inbox says to this editor alone: how many stories were added since they last
    looked at it, and how many of those feeds brought, with the inbox's address listing just
    those (None on a first visit); and how many feeds are paused or failing. One query
    (own_query())."""
    seen, new, from_feeds, paused, failing = own_query(user.has_perm("articles.view_article")).rows(user.pk)[0]
    arrived = None if seen is None else {"new": new, "from_feeds": from_feeds, "query": urlencode({"since": seen.isoformat()})}
    return arrived, {"paused": paused, "failing": failing}


def tally(rows) -> Subquery:
    """How many `rows` there are, as a value of the outer query (an aggregate with no GROUP BY: one row)."""
    return Subquery(rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField())


@functools.cache
def own_query(sees_every_story: bool) -> Compiled:
    """editors_own()'s query, compiled once per process (three queries compiled on every visit
    were a fifth of the inbox's time): when the user last looked, the stories they may see added
    since, those from feeds, and the feeds paused and failing."""

    def of(pk):
        seen = Profile.objects.filter(user_id=pk).values("inbox_seen_at")[:1]
        stories = (Article.objects.all() if sees_every_story else Article.objects.published()).filter(
            created_at__gt=Subquery(seen)
        )
        return get_user_model().objects.filter(pk=pk).values_list(
            Subquery(seen), tally(stories), tally(stories.filter(feed__isnull=False)),
            tally(Feed.objects.filter(FeedQuerySet.PAUSED)), tally(Feed.objects.filter(FeedQuerySet.FAILING)),
        )

    return compile_once(of)


def workspace_context(request: HttpRequest, article: Article) -> dict:
    """Everything the workspace template reads, loaded in a fixed number of queries."""
    mentions = list(article.mentions.in_text().select_related("entity").order_by("start", "id"))
    claims = list(article.claims.in_text().for_display().with_claims_across().order_by("start", "id"))
    related = related_stories(article)
    related_articles = [other for _, other in related]
    entities: dict[int, dict] = {}
    for mention in mentions:
        entry = entities.setdefault(mention.entity_id, {"entity": mention.entity, "mentions": []})
        entry["mentions"].append(mention)
        mention.before, mention.after = around(article.body, mention.start, mention.end)
        mention.context = f"{mention.before}{mention.exact}{mention.after}"
    suggestions = suggestion_groups(article)
    for claim in claims:
        claim.status_form = ClaimStatusForm(claim=claim, related=related_articles, initial={"version": claim.version})
        claim.attribution_form = ClaimAttributionForm(initial={"version": claim.version}, prefix=f"attribution-{claim.pk}")
        claim.translation_form = ClaimTranslationForm(across=claim.across, prefix=f"translation-{claim.pk}")
        claim.split_form = ClaimSplitForm()
    return {
        "article": article,
        "corrections": corrections_of(article),
        "segments": segments(article.body, mentions, claims),
        "mentions": mentions,
        "entities": sorted(entities.values(), key=lambda e: e["entity"].name.lower()),
        "claims": claims,
        "related": related,
        "mention_form": MentionForm(article=article),
        "claim_form": ClaimForm(article=article, related=related_articles),
        "chain_formset": ChainFormSet(prefix="chain", initial=[{}] * 6),
        "story_link_form": StoryLinkForm(article=article),
        "link_kinds": StoryLink.Kind.choices,
        "claim_statuses": Claim.Status.choices,
        "entity_kinds": Entity.Kind.choices,
        "can_publish": request.user.has_perm("articles.publish_article"),
        "suggestion_groups": suggestions,
        "suggestion_count": sum(len(group.occurrences) for group in suggestions),
        "related_suggestions": related_suggestions(article),
        "suggestion_actions": [("desk:suggestion-accept", gettext("accept")), ("desk:suggestion-reject", gettext("reject"))],
    }


@functools.cache
def decisions_query() -> Compiled:
    """suggestion_decisions()'s query, compiled once per process (Django took longer to compile
    it than PostgreSQL to run it): the story's turned-down entities and decided related stories,
    as one row of two arrays."""

    def each(rows, *fields) -> ArraySubquery:
        pieces = [piece for field in fields for piece in (Value(":"), field)][1:]
        return ArraySubquery(rows.order_by("pk").values_list(Concat(*pieces, output_field=TextField())))

    return compile_once(lambda pk: Article.objects.filter(pk=pk).values_list(
        each(RejectedSuggestion.objects.filter(article=OuterRef("pk")), "pk", "entity_id", "start", "end"),
        each(StorySuggestion.objects.filter(Q(from_article=OuterRef("pk")) | Q(to_article=OuterRef("pk"))),
             "pk", "from_article_id", "to_article_id", "state"),
    ))


def corrections_of(article: Article) -> dict:
    """What the workspace says of corrections: a version waiting from upstream, how many
    annotations wait for review, and those a correction orphaned."""
    pending = article.versions.filter(state=ArticleVersion.State.PENDING).only("number", "created_at").first()
    if article.text_version == 1:  # never corrected: nothing can wait for review or be orphaned
        return {"pending": pending, "to_review": 0, "orphans": []}
    orphans = [*article.mentions.filter(anchor_state=AnchorState.ORPHANED).select_related("entity", "orphaned_in"),
               *article.claims.filter(anchor_state=AnchorState.ORPHANED).select_related("orphaned_in"),
               *Attribution.objects.filter(claim__article=article, anchor_state=AnchorState.ORPHANED)
               .select_related("source", "orphaned_in"),
               *Evidence.objects.filter(claim__article=article, anchor_state=AnchorState.ORPHANED)
               .select_related("claim", "orphaned_in")]
    return {"pending": pending, "to_review": article.anchor_reviews.open().count(), "orphans": orphans}


def related_stories(article: Article) -> list[tuple[StoryLink, Article]]:
    """Each link from or to the story, with the story at its other end."""
    return StoryLink.objects.order_by("kind", "id").with_other_ends(article)


def refuse_if_elsewhere(request: HttpRequest, elsewhere, pk: int, article: Article) -> None:
    """404, logged, when the row named in the URL belongs to another story than the URL's."""
    if elsewhere.filter(pk=pk).exists():
        logger.warning(
            "refused: %s %s is not part of article %s (user %s, %s %s)",
            elsewhere.model._meta.model_name, pk, article.pk, request.user.pk, request.method, request.path,
        )
        raise Http404("not this story's")


def desk_article(request: HttpRequest, pk: int) -> Article:
    return get_object_or_404(Article.objects.visible_to(request.user).select_related("publisher"), pk=pk)


@editor_required
def article_workspace(request: HttpRequest, pk: int) -> HttpResponse:
    """The workspace as every editor with the same permissions sees it, kept per content
    generation and per the editors' decisions on its suggestions (which move no generation);
    each editor's CSRF token and fresh submission keys are filled in as it is served."""
    gen = page_cache.request_generation(request)  # before any row is read
    article = desk_article(request, pk)

    def make_context() -> dict:
        return workspace_context(request, article) | {"details_form": ArticleDetailsForm(instance=article)}

    decisions = suggestion_decisions(article)
    parts = (article.pk, decisions, sorted(request.user.get_all_permissions()))
    # A decision committed while the page was made: the page may show it, so it is not kept
    # under the digest from before (which an undo of that decision would bring back).
    kept = kept_parts(request, gen, "annotations/article_workspace.html", ("workspace-page",), parts, make_context,
                      forms=True, unchanged=lambda: suggestion_decisions(article) == decisions)
    return render(request, "annotations/article_workspace.html", {"article": article, "kept": {"page": kept["workspace-page"]}})


def suggestion_decisions(article: Article) -> str:
    """A digest of every decision editors took on the story's suggestions: entities turned down,
    related stories confirmed or dismissed. These tables move no content generation (no reader
    sees them), so what the workspace kept is kept under this too; it changes with any decision,
    made, changed or undone, by any path."""
    row = decisions_query().rows(article.pk)
    return hashlib.sha256(repr(row).encode()).hexdigest()


def workspace_update(request: HttpRequest, article: Article, *, status: int = 200, extra=None) -> HttpResponse:
    """After an htmx action: the body, the side panels, and a message, swapped in place."""
    context = workspace_context(request, article) | (extra or {})
    return render(request, "annotations/article_workspace.html#workspace-update", context, status=status)


def sent_digest(request: HttpRequest) -> str:
    """What a form sent, and where to: the same key with other contents is another submission."""
    fields = sorted((name, request.POST.getlist(name)) for name in request.POST if name != "csrfmiddlewaretoken")
    digest = hashlib.sha256(json.dumps([request.path, fields]).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            for chunk in upload.chunks():
                digest.update(chunk)
    return digest.hexdigest()


def take_submission(request: HttpRequest, key, kind: str) -> Submission:
    """Inside the view's transaction: this submission, or the same one sent before (answered)."""
    return Submission.take(key, user=request.user, kind=kind, digest=sent_digest(request))


def sent_before(request: HttpRequest, form, kind: str) -> Submission | None:
    """For a form its checks refused: the same form's earlier answer, if it was sent and answered
    before. The checks see what the first sending made (the entity or source it created) and would
    refuse the second sending as a twin of it. ValidationError as Submission.take."""
    key = getattr(form, "cleaned_data", {}).get("submission")
    if key is None:
        return None
    return Submission.earlier(key, user=request.user, kind=kind, digest=sent_digest(request))


def workspace_replay(request: HttpRequest, article: Article, submission: Submission) -> HttpResponse:
    """The same form sent again: the first answer's status and message, over the workspace as it is now."""
    return workspace_update(request, article, status=submission.status, extra={"message": submission.message})


HISTORY_PAGE_SIZE = 100


def history_response(request: HttpRequest, article: Article, *, message: str = "", status: int = 200,
                     question: history.Question | None = None) -> HttpResponse:
    page = Paginator(history.entries(article), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    if question is not None:
        # The question goes beside the change it is about; on top of the list only if that change
        # is no longer on this page (newer changes pushed it to the next).
        question.beside_change = any(
            (change.kind, change.event.pgh_id) == (question.kind, question.event_id)
            for entry in page for change in entry.changes
        )
    context = {"article": article, "page": page, "message": message, "failed": status >= 400, "question": question}
    template = "annotations/article_history.html"
    if request.htmx and not request.htmx.boosted:
        template += "#history"
    return render(request, template, context, status=status)


@editor_required
@vary_on_headers("HX-Request")
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change to the story and its annotations: who, when, through which page, before and after."""
    return history_response(request, desk_article(request, pk))


@editor_required
@require_POST
def history_undo(request: HttpRequest, pk: int, kind: str, event_id: int) -> HttpResponse:
    """Undo one change of the timeline, or restore what it deleted; one readers would see is
    asked first, saying what changes for them (history.undo_or_ask)."""
    article = desk_article(request, pk)
    try:
        done = history.undo_or_ask(article, kind, event_id, user=request.user, confirm=request.POST.get("confirm", ""))
    except history.CannotUndo as error:
        return history_response(request, article, message=str(error), status=422)
    if isinstance(done, history.Question):
        message = gettext("What this undo changes for readers has changed since you were asked: read it again.") if done.stale else ""
        return history_response(request, article, message=message, status=409 if done.stale else 200, question=done)
    return history_response(request, desk_article(request, pk), message=done)


@editor_required
@require_POST
def mention_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    form = MentionForm(request.POST, article=article)
    if not form.is_valid():
        try:
            if earlier := sent_before(request, form, "mention"):
                return workspace_replay(request, article, earlier)
        except ValidationError as error:
            form.add_error(None, error)
        return workspace_update(request, article, status=422, extra={"mention_form": form, "open_panel": "mention"})
    data = form.cleaned_data
    try:
        with transaction.atomic():
            submission = take_submission(request, data["submission"], "mention")
            if submission.answered:
                return workspace_replay(request, article, submission)
            entity = data["entity"] or new_entity(form)
            spans, left_out = [(data["start"], data["end"])], []
            if data["every_occurrence"]:
                spans, left_out = occurrences_to_tag(article, entity, data["exact"], spans[0])
            created, there = [], []
            for start, end in spans:
                mention, made = Mention.objects.in_text().get_or_create(
                    article=article, entity=entity, start=start, end=end,
                    defaults={"exact": article.body[start:end], "created_by": request.user},
                )
                (created if made else there).append(mention.pk)
            if created:
                message = gettext("Tagged %(n)s × %(entity)s.") % {"n": len(created), "entity": entity.name}
            else:
                message = gettext("“%(text)s” is tagged as %(entity)s already; nothing was changed.") % {
                    "text": data["exact"], "entity": entity.name,
                }
            if left_out:
                message += " " + ngettext(
                    "%(n)s occurrence inside a longer name was left untagged (%(names)s); to tag it, select it and tag it alone.",
                    "%(n)s occurrences inside longer names were left untagged (%(names)s); to tag one, select it and tag it alone.",
                    len(left_out),
                ) % {"n": len(left_out), "names": ", ".join(f"“{name}”" for name in dict.fromkeys(left_out))}
            submission.answer(200, message, {"entity": entity.pk, "mentions": created})
    except ValidationError as error:
        form.add_error(None, error)
        return workspace_update(request, article, status=422, extra={"mention_form": form, "open_panel": "mention"})
    # The focus goes back to the story, just after the tag made (or found there already).
    return workspace_update(request, article, extra={"message": message, "just_made": f"mention:{(created + there)[0]}" if created or there else ""})


def new_entity(form: MentionForm) -> Entity:
    """The entity the form names anew. The form checked for a same-named one of its kind; asked
    again here under a lock on the name, as another editor may have just made it (ValidationError)."""
    name, kind = form.cleaned_data["new_entity_name"], form.cleaned_data["new_entity_kind"]
    lock_typed_name("entity", name)
    if not form.cleaned_data.get("create_another"):
        if twins := list(Entity.objects.same_name(name).filter(kind=kind).with_story_count()[:SAME_NAMED_SHOWN]):
            form.same_named = twins
            raise ValidationError(twin_refusal(twins))
    return Entity.objects.create(name=name, kind=kind)


def suggestion_from(request: HttpRequest, article: Article) -> tuple[Entity, int, int]:
    """The entity and span a suggestion form names, checked against the story (ValidationError)."""
    entity_pk, start, end = (ascii_number(request.POST.get(name, "")) for name in ("entity", "start", "end"))
    entity = Entity.objects.filter(pk=entity_pk).first() if entity_pk is not None else None
    if entity is None or start is None or end is None:
        raise ValidationError(gettext("This suggestion names no entity or span of the story."))
    check_span(article.body, start, end, article.body[start:end] if 0 <= start < end <= len(article.body) else "")
    return entity, start, end


def suggestion_group_from(request: HttpRequest, article: Article) -> SuggestionGroup | None:
    """The group of suggestions an "all" form names by its entities (`group`), as the story
    stands now: None if it has none pending any more (ValidationError if the form names none)."""
    ids = [ascii_number(value) for value in request.POST.getlist("group")[:50]]
    if not ids or None in ids:
        raise ValidationError(gettext("Choose whose suggestions these are: each entity has its own accept all and reject all."))
    key = tuple(sorted(set(ids)))
    return next((group for group in suggestion_groups(article) if group.key == key), None)


def suggestions_chosen(request: HttpRequest, article: Article) -> list[Suggestion]:
    """What an accept form takes: one suggestion, or with action=all those of one group as the
    entity chosen (ValidationError). Never every suggestion of the story at once: an editor
    accepts entity by entity."""
    if request.POST.get("action") != "all":
        entity, start, end = suggestion_from(request, article)
        return [Suggestion(entity, start, end, article.body[start:end])]
    group = suggestion_group_from(request, article)
    entity_pk = ascii_number(request.POST.get("entity", ""))
    if group is None:
        return []
    entity = next((e for e in group.entities if e.pk == entity_pk), None)
    if entity is None:
        raise ValidationError(gettext("Choose which entity these suggestions name."))
    return [s for o in group.occurrences for s in o.suggestions if s.entity.pk == entity.pk]


@editor_required
@require_POST
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Tag a suggested name, or with action=all every suggestion of one entity (`group`, `entity`)."""
    article = desk_article(request, pk)
    try:
        chosen = suggestions_chosen(request, article)
    except ValidationError as error:
        return workspace_update(request, article, status=422, extra={"message": " ".join(error.messages)})
    if not chosen:
        return workspace_update(request, article, extra={"message": gettext("These suggestions were decided already.")})
    created = 0
    with transaction.atomic():
        for s in chosen:
            _, made = Mention.objects.in_text().get_or_create(
                article=article, entity=s.entity, start=s.start, end=s.end,
                defaults={"exact": article.body[s.start:s.end], "created_by": request.user},
            )
            created += made
    if request.POST.get("action") == "all":
        message = ngettext(
            "Tagged %(n)s suggested mention of %(entity)s.", "Tagged %(n)s suggested mentions of %(entity)s.", created
        ) % {"n": created, "entity": chosen[0].entity.name}
    else:
        message = ngettext("Tagged %(n)s suggested mention.", "Tagged %(n)s suggested mentions.", created) % {"n": created}
    return workspace_update(request, article, extra={"message": message})


@editor_required
@require_POST
def suggestion_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn a suggestion down for this story: it is not offered again. With action=all, every
    suggestion of one group (`group`): for a name of several entities, as each of them."""
    article = desk_article(request, pk)
    try:
        if request.POST.get("action") == "all":
            group = suggestion_group_from(request, article)
            turned_down = [(s.entity, s.start, s.end) for o in group.occurrences for s in o.suggestions] if group else []
        else:
            turned_down = [suggestion_from(request, article)]
    except ValidationError as error:
        return workspace_update(request, article, status=422, extra={"message": " ".join(error.messages)})
    with transaction.atomic():
        for entity, start, end in turned_down:
            RejectedSuggestion.objects.get_or_create(
                article=article, entity=entity, start=start, end=end, defaults={"rejected_by": request.user}
            )
    if request.POST.get("action") != "all":
        message = gettext("Suggestion rejected.")
    elif group is None:
        message = gettext("These suggestions were decided already.")
    else:
        n = len(group.occurrences)
        message = ngettext("Rejected %(n)s suggestion of %(name)s.", "Rejected %(n)s suggestions of %(name)s.", n) % {
            "n": n, "name": group.label,
        }
    return workspace_update(request, article, extra={"message": message})


@editor_required
@require_POST
def related_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm a suggested related story (a link of the chosen kind is made) or dismiss it."""
    article = desk_article(request, pk)
    other_pk = ascii_number(request.POST.get("to_article", ""))
    other = Article.objects.visible_to(request.user).filter(pk=other_pk).first() if other_pk is not None else None
    kind = request.POST.get("kind", "")
    confirm = request.POST.get("action") == "confirm"
    if other is None or other.pk == article.pk or (confirm and kind not in StoryLink.Kind.values):
        return workspace_update(request, article, status=422, extra={"message": gettext("Choose a suggested story and a kind of link.")})
    if confirm:  # the links form's rules: only to a published story, once a pair and kind
        reason = why_no_link(article, other)
        if reason is None and StoryLink.objects.between(article, other).filter(kind=kind).exists():
            reason = already_linked(other, kind)
        if reason:
            return workspace_update(request, article, status=422, extra={"message": reason})
    with transaction.atomic():
        decide_related(article, other, confirm=confirm, kind=kind, by=request.user)
    message = gettext("Linked to “%(title)s”.") if confirm else gettext("Suggestion “%(title)s” dismissed.")
    return workspace_update(request, article, extra={"message": message % {"title": other.title}})


@editor_required
@require_POST
def mention_delete(request: HttpRequest, pk: int, mention_pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    refuse_if_elsewhere(request, Mention.objects.exclude(article=article), mention_pk, article)
    deleted, _ = Mention.objects.filter(article=article, pk=mention_pk).delete()
    message = gettext("Mention removed.") if deleted else gettext("That mention was already removed.")
    return workspace_update(request, article, extra={"message": message})


@editor_required
@require_POST
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    related = [other for _, other in related_stories(article)]
    form = ClaimForm(request.POST, article=article, related=related)
    chain_formset = ChainFormSet(request.POST, prefix="chain")
    valid = form.is_valid() & chain_formset.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            with rules_checked():
                submission = take_submission(request, data["submission"], "claim")
                if submission.answered:
                    return workspace_replay(request, article, submission)
                chain = [
                    AttributionSpec(given.get_source(), given.cleaned_data["role"], given.cleaned_data["sourcing"])
                    for given in chain_formset.forms
                    if not given.is_blank()
                ]
                claim = Claim.record(
                    article, start=data["start"], end=data["end"], exact=data["exact"],
                    statement=data["statement"], note=data["note"], chain=chain, status=data["status"],
                    evidence=form.evidence_spec(chain), by=request.user,
                )
                submission.answer(200, gettext("Claim recorded."), {"claim": claim.pk, "chain": [given.source.pk for given in chain]})
                just_made = f"claim:{claim.pk}"
        except ValidationError as error:
            form.add_error(None, error)
            valid = False
    else:
        try:
            if earlier := sent_before(request, form, "claim"):
                return workspace_replay(request, article, earlier)
        except ValidationError as error:
            form.add_error(None, error)
    if not valid:
        extra = {"claim_form": form, "chain_formset": chain_formset, "open_panel": "claim"}
        return workspace_update(request, article, status=422, extra=extra)
    meaning.give([claim.statement])
    return workspace_update(request, article, extra={"message": gettext("Claim recorded."), "just_made": just_made})



def claim_answer(request: HttpRequest, claim: Claim, *, message: str = "", status: int = 200, extra=None) -> HttpResponse:
    """After a change of a claim's place among the claims across stories: the workspace in place
    for htmx, else the whole workspace page, saying what was done."""
    extra = {"message": message, **(extra or {})}
    if request.htmx:
        return workspace_update(request, claim.article, status=status, extra=extra)
    context = workspace_context(request, claim.article) | {"details_form": ArticleDetailsForm(instance=claim.article)} | extra
    return render(request, "annotations/article_workspace.html", context, status=status)


@editor_required
@vary_on_headers("HX-Request")
def claim_across(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim across stories that a story's claim is an appearance of, as the desk sees it
    (drafts included): its standing with its reason, and its timeline. The claim card loads it
    when opened; a claim told in hundreds of stories costs the workspace nothing until then."""
    claim = desk_claim(request, pk)
    appearances = appearances_of(claim.across, public=False)
    context = {
        "claim": claim, "across": claim.across, "verdict": standing(appearances), "moments": timeline(appearances),
        "appearance_count": len(appearances),
    }
    return render_page_or_results(request, "annotations/claim_across.html", context)


@editor_required
@vary_on_headers("HX-Request")
def claim_join_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Claims told in other stories that this one may be the same as: by statement (in any of its
    wordings), by an entity named in its words, or by a source of its chain."""
    claim = desk_claim(request, pk)
    q = to_name(request.GET.get("q", ""))[:200]
    results = []
    if q:
        results = list(
            ClaimAcrossStories.objects.with_appearances().matching(q).exclude(pk=claim.across_id)
            .with_first_appearance().order_by("-created_at", "-id")[:10]
        )
    context = {"claim": claim, "article": claim.article, "q": q, "results": results}
    return render_page_or_results(request, "annotations/claim_join_search.html", context)


@editor_required
@require_POST
def claim_join(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    form = ClaimJoinForm(request.POST)
    if not form.is_valid():
        return claim_answer(request, claim, message=" ".join(e for errors in form.errors.values() for e in errors), status=422)
    across = form.cleaned_data["across"]
    try:
        claim.join(across, expected_version=form.cleaned_data["version"])  # sent twice: joined once
    except StaleVersion:
        return claim_conflict(request, claim, form)
    return claim_answer(request, claim, message=joined_message(across))


def joined_message(across: ClaimAcrossStories) -> str:
    count = across.appearances.count()
    return ngettext(
        "The claim is now one with “%(statement)s”, told in %(n)s story.",
        "The claim is now one with “%(statement)s”, told in %(n)s stories.", count,
    ) % {"statement": across.statement, "n": number(count)}


@editor_required
@vary_on_headers("HX-Request")
def claim_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """Claims told in other stories that the story's claims may be the same as, best first. Only
    reads: each statement's meaning was computed when it was recorded (or by embed_statements)."""
    article = desk_article(request, pk)
    claims = list(article.claims.select_related("article").order_by("start", "id"))
    found = matching.suggestions_for(claims)
    rows = [(claim, found.get(claim.pk, [])) for claim in claims if found.get(claim.pk)]
    context = {"article": article, "rows": rows, "claim_count": len(claims)}
    return render_page_or_results(request, "annotations/claim_matches.html", context)


@editor_required
@require_POST
def claim_match_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Join the claim to a suggested match, or dismiss the match; the decision is kept either way."""
    claim = desk_claim(request, pk)
    form = ClaimMatchForm(request.POST)
    if not form.is_valid():
        return claim_answer(request, claim, message=" ".join(e for errors in form.errors.values() for e in errors), status=422)
    across, join = form.cleaned_data["across"], form.cleaned_data["decision"] == "join"
    if across.pk == claim.across_id:  # a join sent twice: joined once, and said so again
        return claim_answer(request, claim, message=joined_message(across))
    if form.cleaned_data["version"] != claim.version:  # decided on a claim that changed since
        return claim_conflict(request, claim, form)
    try:
        with transaction.atomic():
            matching.decide(claim, across, join=join, by=request.user)
            if join:
                claim.join(across, expected_version=form.cleaned_data["version"])
    except StaleVersion:
        return claim_conflict(request, claim, form)
    if not join:
        return claim_answer(request, claim, message=gettext("Not the same claim: “%(statement)s” will not be offered for it again.") % {
            "statement": across.statement})
    return claim_answer(request, claim, message=joined_message(across))


@editor_required
@require_POST
def claim_split(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    form = ClaimSplitForm(request.POST)
    if not form.is_valid():
        return claim_answer(request, claim, message=" ".join(e for errors in form.errors.values() for e in errors), status=422)
    message = gettext("The claim is now a claim of its own, told in this story only.")
    try:
        with transaction.atomic():
            submission = take_submission(request, form.cleaned_data["submission"], "claim-split")
            if submission.answered:
                return claim_answer(request, claim, message=submission.message, status=submission.status)
            claim.split_off(by=request.user, expected_version=form.cleaned_data["version"])
            submission.answer(200, message, {"across": claim.across_id})
    except StaleVersion:
        return claim_conflict(request, claim, form)
    except ValidationError as error:
        return claim_answer(request, claim, message=" ".join(error.messages), status=422)
    return claim_answer(request, claim, message=message)


@editor_required
@require_POST
def claim_translation_create(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    form = ClaimTranslationForm(request.POST, across=claim.across, prefix=f"translation-{claim.pk}")
    if not form.is_valid():
        return claim_answer(request, claim, status=422, extra={"failed_claim_id": claim.pk, "failed_translation_form": form})
    translation = form.save(by=request.user)
    meaning.give([translation.statement])
    message = gettext("The claim’s wording in %(language)s is kept.") % {"language": translation.language}
    return claim_answer(request, claim, message=message)


def desk_claim(request: HttpRequest, pk: int) -> Claim:
    claims = Claim.objects.filter(article__in=Article.objects.visible_to(request.user)).select_related("article")
    return get_object_or_404(claims, pk=pk)


def claim_conflict(request: HttpRequest, claim: Claim, form) -> HttpResponse:
    """409: the claim changed since the editor loaded it. Show both; keep what they typed."""
    article = claim.article
    missed = history.changes_since(claim, form.cleaned_data.get("version"))
    extra = {"conflict_claim_id": claim.pk, "conflict_form": form, "conflict_changes": missed}
    return workspace_update(request, article, status=409, extra=extra)


@editor_required
@require_POST
def claim_status_update(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    related = [other for _, other in related_stories(claim.article)]
    form = ClaimStatusForm(request.POST, claim=claim, related=related)
    if form.is_stale():
        form.is_valid()  # what they typed is shown again, with what is wrong with it
        return claim_conflict(request, claim, form)
    if form.keeps_status():
        message = gettext("The claim is already %(status)s; nothing was changed.") % {"status": claim.get_status_display()}
        return workspace_update(request, claim.article, extra={"message": message})
    if not form.is_valid():
        return workspace_update(request, claim.article, status=422, extra={"failed_claim_id": claim.pk, "failed_form": form})
    try:
        form.save(by=request.user)
    except StaleVersion:
        return claim_conflict(request, claim, form)
    except ValidationError as error:
        form.add_error(None, error)
        return workspace_update(request, claim.article, status=422, extra={"failed_claim_id": claim.pk, "failed_form": form})
    message = gettext("The claim is now %(status)s.") % {"status": claim.get_status_display()}
    return workspace_update(request, claim.article, extra={"message": message})


@editor_required
@require_POST
def claim_attribution_create(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    form = ClaimAttributionForm(request.POST, prefix=f"attribution-{claim.pk}")
    if not form.is_valid():
        try:
            if earlier := sent_before(request, form, "claim-attribution"):
                return workspace_replay(request, claim.article, earlier)
        except ValidationError as error:
            form.add_error(None, error)
        return workspace_update(request, claim.article, status=422, extra={"failed_claim_id": claim.pk, "failed_attribution_form": form})
    message = gettext("Source added to the chain.")
    try:
        with rules_checked():
            # Before the version check: the same form sent again finds the version its first sending moved.
            submission = take_submission(request, form.cleaned_data["submission"], "claim-attribution")
            if submission.answered:
                return workspace_replay(request, claim.article, submission)
            if form.cleaned_data["version"] != claim.version:
                raise StaleVersion
            attribution = claim.add_attribution(
                form.get_source(), role=form.cleaned_data["role"], sourcing=form.cleaned_data["sourcing"], by=request.user
            )
            submission.answer(200, message, {"attribution": attribution.pk, "source": attribution.source_id})
    except StaleVersion:
        return claim_conflict(request, claim, form)
    except ValidationError as error:
        form.add_error(None, error)
        return workspace_update(request, claim.article, status=422, extra={"failed_claim_id": claim.pk, "failed_attribution_form": form})
    return workspace_update(request, claim.article, extra={"message": message})


@editor_required
@require_POST
def claim_delete(request: HttpRequest, pk: int) -> HttpResponse:
    claim = desk_claim(request, pk)
    article = claim.article
    try:
        with rules_checked():
            claim.delete()
    except (ValidationError, RestrictedError):
        message = gettext("Another claim cites this one as its evidence; it cannot be removed.")
        return workspace_update(request, article, status=422, extra={"message": message})
    return workspace_update(request, article, extra={"message": gettext("Claim removed.")})


@editor_required
@vary_on_headers("HX-Request")
def entity_search(request: HttpRequest) -> HttpResponse:
    """Entities whose name or an alias contains the query, ignoring case and accents; those the
    query names exactly (EntityQuerySet.same_name) first, with their kind, Wikidata id and stories."""
    q = to_name(request.GET.get("q", request.GET.get("new_entity_name", "")))[:100]
    same, entities = [], []
    if q:
        folded = Folded(Value(q))
        same = list(Entity.objects.same_name(q).with_story_count().order_by("name", "pk")[:12])
        alias_match = EntityAlias.objects.filter(entity=OuterRef("pk"), name_folded__contains=folded)
        entities = (
            Entity.objects.filter(Q(name_folded__contains=folded) | Exists(alias_match))
            .exclude(pk__in=[e.pk for e in same])
            .annotate(starts=Q(name_folded__startswith=folded))
            .order_by("-starts", "name")[:12]
        )
    return render_page_or_results(request, "annotations/entity_search.html", {"q": q, "same": same, "entities": entities})


@editor_required
@vary_on_headers("HX-Request")
def source_search(request: HttpRequest) -> HttpResponse:
    """Sources whose name contains the query, ignoring case and accents; those the query names
    exactly (SourceQuerySet.same_name) first, with their kind, country and stories."""
    # A chain row sends its own field (chain-1-source_query); the page's own form sends q.
    target = request.GET.get("target", "")
    if not re.fullmatch(r"(chain-\d|attribution-\d+)", target):
        target = ""
    q = to_name(request.GET.get(f"{target}-source_query" if target else "q", ""))[:100]
    same, sources = [], []
    if q:
        same = list(Source.objects.same_name(q).with_story_count().order_by("name", "kind", "country", "pk")[:12])
        sources = (
            Source.objects.alias(folded=Folded("name")).filter(folded__contains=Folded(Value(q)))
            .exclude(pk__in=[s.pk for s in same]).order_by("name")[:12]
        )
    context = {"q": q, "same": same, "sources": sources, "target": target}
    return render_page_or_results(request, "annotations/source_search.html", context)


@editor_required
@vary_on_headers("HX-Request")
def story_link_search(request: HttpRequest, pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    q = request.GET.get("q", "").strip()[:200]
    results = []
    if q:
        # Only stories a link can go to (StoryLinkForm): published ones.
        published = {"q": q, "status": Article.Status.PUBLISHED}
        results = InboxFilterForm(published, user=request.user).stories().for_listing().exclude(pk=article.pk)[:10]
    context = {
        "article": article, "q": q, "results": results, "link_kinds": StoryLink.Kind.choices,
        "story_link_form": StoryLinkForm(article=article),
    }
    return render_page_or_results(request, "annotations/story_link_search.html", context)


@editor_required
@require_POST
def story_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    form = StoryLinkForm(request.POST, article=article)
    if not form.is_valid():
        return story_link_refused(request, article, form)
    other, kind = form.cleaned_data["to_article"], form.cleaned_data["kind"]
    try:
        with transaction.atomic():  # a refusal (ValidationError) leaves no submission key
            submission = take_submission(request, form.cleaned_data["submission"], "story-link")
            if submission.answered:
                return workspace_replay(request, article, submission)
            if StoryLink.objects.between(article, other).filter(kind=kind).exists():
                raise ValidationError(form.already_linked())
            try:
                with transaction.atomic():
                    link = StoryLink.objects.create(from_article=article, to_article=other, kind=kind, created_by=request.user)
            except IntegrityError as error:  # a parallel request linked them first
                if getattr(getattr(error.__cause__, "diag", None), "constraint_name", None) != "story_link_unique_pair":
                    raise
                raise ValidationError(form.already_linked()) from None
            message = gettext("Linked to “%(title)s”.") % {"title": other.title}
            submission.answer(200, message, {"story_link": link.pk})
    except ValidationError as error:
        form.add_error(None, error)
        return story_link_refused(request, article, form)
    return workspace_update(request, article, extra={"message": message})


def story_link_refused(request: HttpRequest, article: Article, form: StoryLinkForm) -> HttpResponse:
    """422, the reasons beside the story links: in place for htmx, else the whole workspace."""
    reasons = [*form.non_field_errors(), *form.errors.get("submission", [])]
    extra = {"story_link_form": form, "message": " ".join(reasons) or gettext("Choose a story and a relation.")}
    if request.htmx:
        return workspace_update(request, article, status=422, extra=extra)
    context = workspace_context(request, article) | extra
    return render(request, "annotations/article_workspace.html", context, status=422)


@editor_required
@require_POST
def story_link_delete(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    article = desk_article(request, pk)
    refuse_if_elsewhere(request, StoryLink.objects.exclude(from_article=article).exclude(to_article=article), link_pk, article)
    StoryLink.objects.touching(article).filter(pk=link_pk).delete()
    return workspace_update(request, article, extra={"message": gettext("Link removed.")})


def story_header(request: HttpRequest, article: Article, *, form=None, message: str = "", status: int = 200,
                 extra=None) -> HttpResponse:
    """The workspace's header (the story's details, their form, Publish), after an htmx action;
    the whole workspace for a plain form."""
    context = {"details_form": form or ArticleDetailsForm(instance=article), "header_message": message,
               "header_failed": status >= 400} | (extra or {})
    if request.htmx:
        context |= {"article": article, "can_publish": request.user.has_perm("articles.publish_article")}
        return render(request, "annotations/article_workspace.html#story-header", context, status=status)
    return render(request, "annotations/article_workspace.html", workspace_context(request, article) | context,
                  status=status)


@editor_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish or withdraw, in two presses: the first shows what going live (or going away) means
    and asks; only the second, confirming the state of the story the editor was shown, does it."""
    article = desk_article(request, pk)
    if not request.user.has_perm("articles.publish_article"):
        raise PermissionDenied
    withdrawing = request.POST.get("action") == "withdraw"
    confirm = request.POST.get("confirm", "")
    with transaction.atomic():  # the story is locked from the check to the change: a twin press waits
        article = get_object_or_404(Article.objects.select_for_update(of=("self",)).select_related("publisher"), pk=article.pk)
        if withdrawing != article.is_published:  # a page left open: published or taken down meanwhile
            message = gettext("This story is already published.") if article.is_published else gettext("This story is not public.")
            return story_header(request, article, message=message)
        if withdrawing:
            if not confirm:
                return story_header(request, article, extra={"confirming": "withdraw"})
            article.withdraw(by=request.user)
        else:
            checklist = publishing.checklist(article)
            if not checklist.can_publish:
                return story_header(request, article, message=str(UNDATED_REFUSAL), status=422,
                                    extra={"confirming": "publish", "checklist": checklist})
            if confirm != checklist.state:
                message = gettext(
                    "The story has changed since this list was shown: here it is as it stands now. "
                    "Publish it if it still looks right."
                ) if confirm else ""
                return story_header(request, article, message=message, status=409 if confirm else 200,
                                    extra={"confirming": "publish", "checklist": checklist})
            try:
                article.publish(by=request.user)
            except ValidationError as error:
                return story_header(request, article, message=" ".join(error.messages), status=422)
    if request.htmx:  # the header as it now is, saying so; the focus stays there
        done = gettext("Withdrawn: readers no longer see it.") if withdrawing else gettext("Published: readers can read it now.")
        return story_header(request, desk_article(request, pk), message=done)
    return redirect("desk:article", pk=article.pk)


@editor_required
@require_POST
def article_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the story's title, publisher, date or web address; its history records the change."""
    article = desk_article(request, pk)
    if not request.user.has_perm("articles.change_article"):
        raise PermissionDenied
    form = ArticleDetailsForm(request.POST, instance=article)
    if form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # another story took the address meanwhile
            form.add_error("url", gettext("Another story has just been given this address; each story has its own."))
        else:
            if not request.htmx:
                return redirect("desk:article", pk=article.pk)
            return story_header(request, desk_article(request, pk), message=gettext("The story's details were saved."))
    return story_header(request, desk_article(request, pk), form=form, status=422)


@editor_required
def article_import(request: HttpRequest) -> HttpResponse:
    """Upload a file of stories: it is kept and imported by a worker (articles/uploads.py); the
    answer is at once, the upload's page, which shows the progress live and the report at the end."""
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = queue_once(request, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                status = 422
            else:
                if request.htmx:  # the progress takes the report's place; the form stays as it is
                    return render(request, "annotations/article_import.html#report", {"form": form, "job": job})
                response = redirect("desk:import-job", pk=job.pk)
                response.status_code = 303  # See Other: the upload's page is read with GET
                return response
        else:
            too_large = any(e.code == "too_large" for e in form.errors.as_data().get("file", []))
            status = 413 if too_large else 422
    limits = {"stories": number(settings.IMPORT_MAX_UPLOAD_STORIES), "bytes": number(settings.IMPORT_MAX_UPLOAD_BYTES)}
    upload = request.FILES.get("file")
    context = {"form": form, "limits": limits,
               "refused_file": Path(upload.name).name if upload is not None and status != 200 else ""}
    # An htmx upload gets its errors alone: the file stays chosen in the form.
    template = "annotations/article_import.html" + ("#report" if request.htmx else "")
    return render(request, template, context, status=status)


def queue_once(request: HttpRequest, data: dict) -> ImportJob:
    """The upload kept and its import queued, in one transaction; or, sent again with the same
    key, the first sending's upload (a twin waits on the key's row until the first commits)."""
    if data["publish"] and not request.user.has_perm("articles.publish_article"):
        raise PermissionDenied
    with transaction.atomic():
        submission = Submission.take(data["submission"], user=request.user, kind="import", digest=sent_digest(request))
        if submission.answered:
            return ImportJob.objects.get(pk=submission.made["job"])
        job = uploads.queue(user=request.user, upload=data["file"], fmt=data["format"], source=data["source"],
                            publish=data["publish"], total=data["stories"])
        submission.answer(303, gettext("The file is being imported."), {"job": job.pk})
    return job


@editor_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's progress (stories done of all, the rate), then its report; htmx asks for the
    progress alone, every second, until the job has ended."""
    job = get_object_or_404(ImportJob.objects.defer("data"), pk=pk)
    context = {"job": job, "rate": uploads.rate(job), "report": Report(**job.report) if job.report else None,
               "waited": (timezone.now() - job.created_at).total_seconds()}
    template = "annotations/import_job.html" + ("#progress" if request.htmx else "")
    return render(request, template, context)
