from django import forms
from django.contrib import admin, messages
from django.core.validators import URLValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy as _, ngettext
from django.views.decorators.http import require_POST

from annotations import history
from annotations.admin import ClaimRulesAdmin, RecordsCreator

from annotations.models import Claim, Mention
from articles.admin_inlines import NoLostUpdatesForm, TabularInline
from articles.models import LISTING_ORDER, Article, ArticleVersion, Feed, ImportJob, Source
from articles.tasks import queue_poll
from newsdesk.parameters import id_or_404


class FeedInline(admin.TabularInline):
    """A source's feeds, to read: a feed is changed on its own page, where saving it polls it."""

    model = Feed
    fk_name = "source"
    fields = ["name", "url", "active", "last_polled_at", "last_result", "paused_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(ClaimRulesAdmin):
    form = NoLostUpdatesForm
    inlines = [FeedInline]
    list_display = ["name", "kind", "country", "article_count"]
    ordering = ["name"]  # Meta.ordering does not apply to a query with aggregates
    list_filter = ["kind", "country"]
    search_fields = ["name", "country"]
    readonly_fields = ["created_at"]
    fields = ["name", "slug", "kind", "country", "url", "description", "accepts_upstream_versions", "created_at",
              "seen_change"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(description=_("articles published"), ordering="article_count")
    def article_count(self, source: Source) -> int:
        return source.article_count


class MentionInline(TabularInline):
    model = Mention
    fields = ["entity", "start", "end", "exact", "is_published"]
    autocomplete_fields = ["entity"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entity")


class ClaimInline(admin.StackedInline):
    model = Claim
    fields = ["start", "end", "exact", "statement", "status", "is_published"]
    readonly_fields = ["status"]
    show_change_link = True
    extra = 0


class ArticleAdminForm(NoLostUpdatesForm):
    """A story's change form: setting it published asks, as the desk's Publish does, for a look at
    what is still open in it first (the checklist, shown as the reason until the box is ticked)."""

    publish_checked = forms.BooleanField(
        label=_("I have read what is still open in it: publish it"), required=False,
        help_text=_("Needed only when this save makes the story public."),
    )

    def clean(self):
        cleaned = super().clean()
        # The instance still holds the stored status here: the form writes its fields after clean().
        going_live = cleaned.get("status") == Article.Status.PUBLISHED and self.instance.status != Article.Status.PUBLISHED
        if going_live and not cleaned.get("publish_checked"):
            from annotations import publishing

            items = publishing.checklist(self.instance).items() if self.instance.pk else []
            self.add_error("publish_checked", " ".join([
                gettext("This save makes the story public."), *items,
                gettext("Tick the box below the status to publish it."),
            ]))
        return cleaned


@admin.register(Article)
class ArticleAdmin(RecordsCreator, ClaimRulesAdmin):
    form = ArticleAdminForm
    list_display = ["title", "publisher", "language", "status", "published_at", "mention_count", "claim_count"]
    ordering = list(LISTING_ORDER)
    list_filter = ["status", "language", "publisher__kind", "published_at"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "slug"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published_at"
    readonly_fields = ["created_at", "updated_at"]
    fields = ["title", "slug", "language", "publisher", "url", "upstream_id", "published_at", "status", "publish_checked",
              "body", "created_at", "updated_at", "seen_change"]
    inlines = [MentionInline, ClaimInline]
    actions = ["publish", "withdraw"]

    def get_readonly_fields(self, request, obj=None):
        # A text annotations are anchored in changes only as a new version, in the desk's
        # "Correct the text", which carries them over; the admin shows it.
        if obj is not None and obj.has_annotations():
            return [*self.readonly_fields, "body"]
        return self.readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .defer("search_vector")
            .annotate(mention_count=Count("mentions", distinct=True), claim_count=Count("claims", distinct=True))
        )

    @admin.display(description=_("mentions"), ordering="mention_count")
    def mention_count(self, article: Article) -> int:
        return article.mention_count

    @admin.display(description=_("claims"), ordering="claim_count")
    def claim_count(self, article: Article) -> int:
        return article.claim_count

    def get_urls(self):
        undo = path(
            "<path:object_id>/history/<slug:kind>/<int:event_id>/undo/",
            self.admin_site.admin_view(require_POST(self.history_undo_view)),
            name="articles_article_history_undo",
        )
        return [undo] + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        """The story's whole timeline (the desk's), with undo and restore, instead of the admin log."""
        article = get_object_or_404(Article.objects.defer("search_vector"), pk=id_or_404(object_id))
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        page = Paginator(history.entries(article), 100).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %(title)s") % {"title": article.title},
            "subtitle": None,
            "object": article,
            "article": article,
            "page": page,
            "opts": self.model._meta,
            "can_undo": self.has_change_permission(request, article),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/articles/article/object_history.html", context)

    def history_undo_view(self, request, object_id, kind, event_id):
        """Undo or restore, as the desk does: one readers would see asks first, on a page of its own."""
        article = get_object_or_404(Article.objects.defer("search_vector"), pk=id_or_404(object_id))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        try:
            done = history.undo_or_ask(article, kind, event_id, user=request.user, confirm=request.POST.get("confirm", ""))
        except history.CannotUndo as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:articles_article_history", article.pk)
        if isinstance(done, history.Question):
            what = next((entry.sentence if change is entry.main else f"{change.description}: {change.summary}"
                         for entry in history.entries(article) for change in entry.changes
                         if (change.kind, change.event.pgh_id) == (kind, event_id)), "")
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Undo a change to a public story?"),
                "subtitle": None,
                "object": article,
                "article": article,
                "opts": self.model._meta,
                "question": done,
                "what": what,
            }
            return TemplateResponse(request, "admin/articles/article/undo_confirmation.html", context,
                                    status=409 if done.stale else 200)
        self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:articles_article_history", article.pk)

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("articles.publish_article")

    @admin.action(description=_("Publish the selected articles"), permissions=["publish"])
    def publish(self, request, queryset):
        """As the desk's Publish: first each story's checklist, on a page of its own; only the
        confirmation publishes, and only the stories still in the state shown (each locked from
        the check to the change)."""
        from annotations import publishing

        articles = list(queryset.exclude(status=Article.Status.PUBLISHED).order_by("pk"))
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Publish these stories?"),
                "subtitle": None,
                "opts": self.model._meta,
                "stories": [(article, publishing.checklist(article)) for article in articles],
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/articles/article/publish_confirmation.html", context)
        published, undated, changed = 0, [], []
        for article in articles:
            with transaction.atomic():
                article = Article.objects.select_for_update(of=("self",)).get(pk=article.pk)
                checklist = publishing.checklist(article)
                if article.status == Article.Status.PUBLISHED:
                    continue
                if not checklist.can_publish:
                    undated.append(article)
                elif request.POST.get(f"state-{article.pk}") != checklist.state:
                    changed.append(article)
                else:
                    article.publish(by=request.user)
                    published += 1
        self.message_user(request, ngettext("%d article published.", "%d articles published.", published) % published)
        if undated:
            self.message_user(request, gettext(
                "Not published, because they have no publication date (set one first): %(titles)s"
            ) % {"titles": ", ".join(f"“{article.title}”" for article in undated)}, messages.ERROR)
        if changed:
            self.message_user(request, gettext(
                "Not published, because they changed after you looked at their checklists (look again): %(titles)s"
            ) % {"titles": ", ".join(f"“{article.title}”" for article in changed)}, messages.WARNING)
        return None

    @admin.action(description=_("Withdraw the selected articles"), permissions=["publish"])
    def withdraw(self, request, queryset):
        articles = list(queryset.filter(status=Article.Status.PUBLISHED))
        for article in articles:
            article.withdraw(by=request.user)
        count = len(articles)
        self.message_user(request, ngettext("%d article withdrawn.", "%d articles withdrawn.", count) % count)


class ArticleVersionAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if data.get("withheld"):
            if self.instance.state == ArticleVersion.State.CURRENT:
                raise ValidationError(gettext("The current text cannot be withheld: correct the story first."))
            if self.instance.state != ArticleVersion.State.EARLIER and not self.instance.withheld:
                # A text waiting for an editor (or turned down) was never the public's; withheld,
                # a pending one could not be accepted (the current text is never withheld).
                raise ValidationError(gettext("Only an earlier text of the story can be withheld: this one was never current."))
            if not (data.get("withheld_reason") or "").strip():
                raise ValidationError({"withheld_reason": gettext("Say why this version is withheld.")})
        return data


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    """A story's versions, read only, but for withholding an earlier one from the public (a legal
    request), with its reason: the version's public address then answers 410 Gone."""

    form = ArticleVersionAdminForm
    list_display = ["article", "number", "state", "origin", "created_at", "withheld"]
    list_filter = ["state", "origin", "withheld"]
    list_select_related = ["article"]
    search_fields = ["article__title"]
    fields = ["article", "number", "state", "origin", "title", "body", "note", "public_note", "was_public",
              "corrects_public", "created_by", "created_at", "accepted_by", "accepted_at", "moved", "to_review", "orphaned",
              "withheld", "withheld_reason", "withheld_by", "withheld_at"]
    readonly_fields = [f for f in fields if f not in ("withheld", "withheld_reason")]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("articles.withhold_articleversion")

    def save_model(self, request, obj, form, change) -> None:
        if "withheld" in form.changed_data:
            obj.withheld_by, obj.withheld_at = (request.user, timezone.now()) if obj.withheld else (None, None)
        super().save_model(request, obj, form, change)


class PausedFilter(admin.SimpleListFilter):
    title = _("paused")
    parameter_name = "paused"

    def lookups(self, request, model_admin):
        return [("yes", _("paused")), ("no", _("not paused"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(paused_at__isnull=self.value() == "no")
        return queryset


class FeedAdminForm(NoLostUpdatesForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Said before Feed.clean() asks fetching.refusal() about the address (a private or local one).
        self.fields["url"].validators = [URLValidator(schemes=["http", "https"])]
        self.fields["url"].error_messages["invalid"] = _("Enter the feed's web address, starting with http:// or https://.")


# What a maintainer sets; the rest is the feed's health, which only polls write (articles/polling.py).
FEED_SETTINGS = ["source", "name", "url", "format", "language", "publisher", "interval", "active"]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    """Feeds, managed by maintainers. Saving a feed that is on polls it at once; editors see the
    same health on the desk's feeds page and resume a paused feed there."""

    form = FeedAdminForm
    list_display = ["__str__", "url", "source", "active", "interval", "last_polled_at", "last_result", "last_counts",
                    "failures", "paused", "next_poll_at"]
    list_filter = ["active", PausedFilter, "last_result"]
    list_select_related = ["source"]
    search_fields = ["name", "url"]
    ordering = [F("paused_at").desc(nulls_last=True), "-failures", "name", "url"]  # FeedQuerySet.in_trouble_first
    autocomplete_fields = ["source", "publisher"]
    readonly_fields = ["last_polled_at", "last_result", "last_error", "notes", "last_new", "last_known", "last_changed",
                       "last_failed", "failures", "paused_at", "paused_reason", "next_poll_at", "imported_total",
                       "created_at"]
    fieldsets = [
        (None, {"fields": [*FEED_SETTINGS, "seen_change"]}),
        (_("Health"), {"fields": readonly_fields}),
    ]
    actions = ["poll_now", "resume", "switch_off"]

    @admin.display(description=_("last poll: new / known / changed / failed"))
    def last_counts(self, feed: Feed) -> str:
        return f"{feed.last_new} / {feed.last_known} / {feed.last_changed} / {feed.last_failed}" if feed.last_polled_at else ""

    @admin.display(description=_("paused"), ordering="paused_at")
    def paused(self, feed: Feed) -> str:
        if feed.paused_at is None:
            return ""
        return gettext("since %(when)s: %(reason)s") % {
            "when": formats.date_format(timezone.localtime(feed.paused_at), "SHORT_DATETIME_FORMAT"),
            "reason": feed.paused_reason,
        }

    @admin.display(description=_("last poll's notes"))
    def notes(self, feed: Feed) -> str:
        return "\n".join(feed.last_messages) or "-"

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.save()
        else:
            changed = [name for name in FEED_SETTINGS if name in form.changed_data]
            if "url" in changed:
                # What the old address's server said of its copy means nothing at the new one.
                obj.etag, obj.last_modified = "", ""
                changed += ["etag", "last_modified"]
            if changed:
                # Only what the form changed: a poll ending meanwhile keeps the health it wrote.
                obj.save(update_fields=changed)
        if obj.active and obj.paused_at is None and (not change or form.changed_data):
            # So that the maintainer sees its first poll now, not after the interval.
            transaction.on_commit(lambda: queue_poll(obj.pk, force=True))
            self.message_user(request, gettext(
                "A poll of this feed is queued: its result shows here, and on the desk's feeds page, once a worker has run it."
            ))
        elif obj.paused_at is not None:
            self.message_user(request, gettext(
                "This feed is paused, so it was not polled: resume it (an action of the list of feeds) to poll it again."
            ), messages.WARNING)

    @admin.action(description=_("Poll the selected feeds now"), permissions=["change"])
    def poll_now(self, request, queryset) -> None:
        feeds = dict(queryset.values_list("pk", "paused_at"))
        ready = [pk for pk, paused_at in feeds.items() if paused_at is None]
        queued = sum(queue_poll(pk, force=True) for pk in ready)
        self.message_user(request, ngettext("%(n)d poll queued.", "%(n)d polls queued.", queued) % {"n": queued})
        if len(ready) > queued:
            waiting = len(ready) - queued
            self.message_user(request, ngettext(
                "%(n)d feed already had a poll waiting for a worker.", "%(n)d feeds already had a poll waiting for a worker.",
                waiting,
            ) % {"n": waiting}, messages.WARNING)
        if len(feeds) > len(ready):
            paused = len(feeds) - len(ready)
            self.message_user(request, ngettext(
                "%(n)d feed is paused and was not polled: resume it instead.",
                "%(n)d feeds are paused and were not polled: resume them instead.", paused,
            ) % {"n": paused}, messages.WARNING)

    @admin.action(description=_("Resume the selected paused feeds"), permissions=["change"])
    def resume(self, request, queryset) -> None:
        from articles import polling  # as in the desk (annotations/feeds_desk.py): only resuming needs it

        feeds = list(queryset.filter(paused_at__isnull=False))
        for feed in feeds:
            polling.resume(feed)
            if feed.active:
                queue_poll(feed.pk)
        self.message_user(request, ngettext(
            "%(n)d feed resumed; it will be polled within a minute if it is on.",
            "%(n)d feeds resumed; they will be polled within a minute if they are on.", len(feeds),
        ) % {"n": len(feeds)})

    @admin.action(description=_("Switch the selected feeds off"), permissions=["change"])
    def switch_off(self, request, queryset) -> None:
        count = queryset.filter(active=True).update(active=False)
        self.message_user(request, ngettext(
            "%(n)d feed switched off: it is no longer polled.", "%(n)d feeds switched off: they are no longer polled.", count,
        ) % {"n": count})


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Files uploaded in the desk and their imports, to read. The file itself is never shown (nor
    loaded for the list): it is the uploader's, and is dropped once its job ends."""

    list_display = ["name", "user", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["user"]
    search_fields = ["name"]
    fields = ["name", "user", "size", "format", "source", "publish", "language", "state", "total", "done", "attempts",
              "error", "report", "created_at", "started_at", "finished_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("data")

    @admin.display(description=_("done"))
    def progress(self, job: ImportJob) -> str:
        return f"{job.done} / {job.total}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a job waiting or running reads its row; its page in the desk reads it after
