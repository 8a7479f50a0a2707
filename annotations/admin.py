from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from annotations import history, meaning
from articles.admin_inlines import (
    LoadedAutocompleteFormSet,
    NoLostUpdatesForm,
    SharedChoicesField,
    StackedInline,
    TabularInline,
)
from annotations.forms import ClaimStatusForm, StaleVersion
from annotations.models import (
    AnchorReview,
    Attribution,
    Claim,
    ClaimAcrossStories,
    ClaimTranslation,
    ClaimStatusChange,
    Entity,
    EntityAlias,
    Evidence,
    Mention,
    RejectedSuggestion,
    StorySuggestion,
    ClaimMatch,
    StoryLink,
    check_rules_now,
    rule_refusal,
)
from newsdesk.parameters import id_or_404


class ClaimRuleRefused(Exception):
    """PostgreSQL refused an admin's save under a claim rule; the message is the rule's."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ClaimRulesAdmin(admin.ModelAdmin):
    """An admin whose saves and deletes are checked against the claim rules before its
    transaction ends (the rules' triggers are deferred to commit): a refusal becomes an error on
    the form, or a message on the list, in the rule's words, and nothing of it is saved."""

    def check_claim_rules(self) -> None:
        try:
            check_rules_now()
        except IntegrityError as error:
            message = rule_refusal(error)
            if message is None:
                raise
            raise ClaimRuleRefused(message) from None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.check_claim_rules()  # before the admin logs the change and says it succeeded

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.check_claim_rules()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self.check_claim_rules()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "claim_rule_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                raise ValidationError(refusal, code="claim_rule")

        return RefusedForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ClaimRuleRefused as refusal:
            # The same form again, as it was sent, with the rule as its error.
            request.claim_rule_refusal = refusal.message
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ClaimRuleRefused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except ClaimRuleRefused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def records_creator(row) -> bool:
    return any(field.name == "created_by" for field in row._meta.fields)


class RecordsCreator:
    """An admin whose added rows record who added them (`created_by`), the rows added in its
    inlines too (a mention added on a story's page, evidence on a claim's)."""

    def save_model(self, request, obj, form, change):
        if not change and records_creator(obj):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for added in formset.extra_forms:
            if added.instance.pk is None and records_creator(added.instance):
                added.instance.created_by = request.user
        super().save_formset(request, form, formset, change)


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    fields = ["name", "language"]
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = NoLostUpdatesForm
    list_display = ["name", "kind", "wikidata_id", "mention_count"]
    ordering = ["name"]  # Meta.ordering does not apply to a query with aggregates
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name", "wikidata_id"]
    readonly_fields = ["created_at"]
    fields = ["name", "slug", "kind", "wikidata_id", "description", "created_at", "seen_change"]
    inlines = [EntityAliasInline]
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mention_count=Count("mentions", distinct=True))

    @admin.display(description=_("mentions"), ordering="mention_count")
    def mention_count(self, entity: Entity) -> int:
        return entity.mention_count

    def has_merge_permission(self, request) -> bool:
        # Merging deletes the entities folded in. (An action's `permissions` asks for any one of
        # them, not all: hence a permission of its own.)
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description=_("Merge the selected entities into one"), permissions=["merge"])
    def merge(self, request, queryset):
        entities = list(queryset.order_by("pk"))
        if len(entities) < 2:
            self.message_user(request, gettext("Select at least two entities to merge."), messages.WARNING)
            return None
        if "keep" in request.POST:
            keep = next((e for e in entities if str(e.pk) == request.POST["keep"]), None)
            if keep is None:
                self.message_user(request, gettext("Choose one of the selected entities to keep."), messages.ERROR)
                return None
            moved = keep.merge([e for e in entities if e.pk != keep.pk])
            self.message_user(
                request,
                " ".join([
                    ngettext("Merged %(merged)s entity into “%(name)s”:", "Merged %(merged)s entities into “%(name)s”:",
                             moved["merged"]),
                    ngettext("%(mentions)s mention moved,", "%(mentions)s mentions moved,", moved["mentions"]),
                    ngettext("%(aliases)s alias added.", "%(aliases)s aliases added.", moved["aliases"]),
                ])
                % {**moved, "name": keep.name},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Merge entities"),
            "entities": entities,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/annotations/entity/merge_confirmation.html", context)


@admin.register(EntityAlias)
class EntityAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "entity", "language"]
    list_filter = ["entity__kind", "language"]
    list_select_related = ["entity"]
    search_fields = ["name", "entity__name"]
    autocomplete_fields = ["entity"]


@admin.register(Mention)
class MentionAdmin(RecordsCreator, admin.ModelAdmin):
    list_display = ["exact", "entity", "article", "start", "end", "is_published"]
    list_filter = ["is_published", "entity__kind"]
    list_select_related = ["entity", "article"]
    search_fields = ["exact", "entity__name", "article__title"]
    autocomplete_fields = ["article", "entity"]
    readonly_fields = ["prefix", "suffix", "created_by", "created_at"]
    fields = ["start", "end", "exact", "prefix", "suffix", "article", "entity", "is_published", "created_by", "created_at"]


class AttributionChainFormSet(LoadedAutocompleteFormSet):
    """Checks the chain as a whole, as it will be once saved, against the claim's rules."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        chain = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form) and form.instance.source_id
        ]
        positions = [attribution.position for attribution in chain]
        if len(positions) != len(set(positions)):
            raise ValidationError(gettext("Two links of the chain have the same position; number them 0, 1, 2…"))
        claim = self.instance
        evidence = claim.confirming_evidence() if claim.pk is not None else None
        problems = Claim.rule_violations(claim.status, chain, evidence)
        if problems:
            raise ValidationError(problems)


class AttributionInline(TabularInline):
    model = Attribution
    formset = AttributionChainFormSet
    fields = ["position", "source", "role", "sourcing", "start", "end", "exact"]
    autocomplete_fields = ["source"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


class EvidenceInline(StackedInline):
    model = Evidence
    fk_name = "claim"
    fields = ["kind", "attribution", "article", "other_claim", "url", "note"]
    autocomplete_fields = ["article", "other_claim"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "attribution":
            claim_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Attribution.objects.filter(
                claim_id=claim_id, sourcing=Attribution.Sourcing.ON_RECORD
            ).select_related("source")
            kwargs["form_class"] = SharedChoicesField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("attribution__source", "article", "other_claim")


class StatusHistoryInline(admin.TabularInline):
    model = ClaimStatusChange
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason", "public_explanation", "evidence"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "changed_by", "evidence__attribution__source", "evidence__article", "evidence__other_claim"
        )


@admin.register(Claim)
class ClaimAdmin(RecordsCreator, ClaimRulesAdmin):
    form = NoLostUpdatesForm
    list_display = ["statement", "status", "article", "is_published", "updated_at"]
    list_filter = ["status", "is_published", "article__language"]
    list_select_related = ["article"]
    search_fields = ["statement", "exact", "article__title"]
    autocomplete_fields = ["article", "across"]
    readonly_fields = ["status", "version", "prefix", "suffix", "created_by", "created_at", "updated_at"]
    fields = [
        "article", "start", "end", "exact", "statement", "status", "note", "across", "is_published",
        "version", "prefix", "suffix", "created_by", "created_at", "updated_at", "seen_change",
    ]
    inlines = [AttributionInline, EvidenceInline, StatusHistoryInline]
    change_form_template = "admin/annotations/claim/change_form.html"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "across" in form.changed_data:
            obj.bump_version()  # a join or split here is a change of the claim, as in the desk
        meaning.give([obj.statement, obj.across.statement])  # suggestions find what the admin wrote

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/status/",
                self.admin_site.admin_view(self.status_change_view),
                name="annotations_claim_status",
            )
        ]
        return urls + super().get_urls()

    def status_change_view(self, request, object_id):
        claim = get_object_or_404(Claim.objects.select_related("article"), pk=id_or_404(object_id))
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        related = [other for _, other in StoryLink.objects.order_by("kind", "id").with_other_ends(claim.article)]
        initial = {"status": claim.status, "version": claim.version}
        form = ClaimStatusForm(request.POST or None, claim=claim, related=related, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                form.save(by=request.user)
            except StaleVersion:
                form.add_error(None, gettext(
                    "Someone changed this claim while you were looking at it; its current state is shown above."
                    " Check it and send the change again."
                ))
                for entry in history.changes_since(claim, form.cleaned_data["version"]):
                    form.add_error(None, "%s: %s" % (date_format(timezone.localtime(entry.at), "DATETIME_FORMAT"), entry.sentence))
                form.data = form.data.copy()
                form.data["version"] = claim.version
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request, gettext("The claim is now %(status)s.") % {"status": claim.get_status_display()},
                    messages.SUCCESS,
                )
                return redirect("admin:annotations_claim_change", claim.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change the status of a claim"),
            "claim": claim,
            "form": form,
            "opts": self.model._meta,
            "original": claim,
        }
        return render(request, "admin/annotations/claim/status_change.html", context)

    def history_view(self, request, object_id, extra_context=None):
        """The claim's changes from the story's history (the desk's words), instead of the
        admin log, which knows nothing of a status change or of a change made in the desk."""
        claim = get_object_or_404(Claim.objects.select_related("article"), pk=id_or_404(object_id))
        if not self.has_view_or_change_permission(request, claim):
            raise PermissionDenied
        page = Paginator(history.entries(claim.article, claim=claim), 100).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %(claim)s") % {"claim": claim},
            "subtitle": None,
            "object": claim,
            "article": claim.article,
            "page": page,
            "opts": self.model._meta,
            "can_undo": False,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/annotations/claim/object_history.html", context)


class WordingsFormSet(BaseInlineFormSet):
    """One wording per language (en and en-US are one), and none in the claim's own language,
    across the rows sent together: the model's checks see each row alone."""

    def clean(self):
        super().clean()
        seen = {self.instance.language.split("-")[0].lower()} if self.instance.language else set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE") or not form.cleaned_data.get("language"):
                continue
            primary = form.cleaned_data["language"].split("-")[0].lower()
            if primary in seen:
                form.add_error("language", gettext("One wording per language, and none in the claim's own: this language has one."))
            seen.add(primary)


class ClaimTranslationInline(admin.TabularInline):
    model = ClaimTranslation
    formset = WordingsFormSet
    fields = ["language", "statement"]
    extra = 0


class AppearanceInline(admin.TabularInline):
    """The claim's appearances, each a story's claim; they are edited, joined and split from there."""

    model = Claim
    fk_name = "across"
    fields = ["article", "exact", "status", "is_published"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("appearance")
    verbose_name_plural = _("appearances")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")


@admin.register(ClaimAcrossStories)
class ClaimAcrossStoriesAdmin(RecordsCreator, admin.ModelAdmin):
    list_display = ["statement", "language", "appearance_count", "created_at"]
    list_filter = ["language"]
    ordering = ["-created_at", "-id"]
    search_fields = ["statement", "translations__statement", "appearances__statement"]
    fields = ["statement", "language", "key", "created_by", "created_at"]
    readonly_fields = ["key", "created_by", "created_at"]
    inlines = [ClaimTranslationInline, AppearanceInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance  # its statement and every wording, as the desk gives them meaning
        meaning.give([claim.statement, *claim.translations.values_list("statement", flat=True)])

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(appearance_count=Count("appearances"))

    @admin.display(description=_("appearances"), ordering="appearance_count")
    def appearance_count(self, obj) -> int:
        return obj.appearance_count


class ChangesItsClaim:
    """An admin of a claim's child rows (its chain, its evidence): saving or deleting one is a
    change of the claim, so the claim's version and "updated" move, as in the desk."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.claim.bump_version()

    def delete_model(self, request, obj):
        claim = obj.claim
        super().delete_model(request, obj)
        claim.bump_version()

    def delete_queryset(self, request, queryset):
        claims = list(Claim.objects.filter(pk__in=queryset.values("claim_id")))
        super().delete_queryset(request, queryset)
        for claim in claims:
            claim.bump_version()


@admin.register(Attribution)
class AttributionAdmin(ChangesItsClaim, ClaimRulesAdmin):
    list_display = ["claim", "position", "source", "role", "sourcing"]
    list_filter = ["role", "sourcing", "source__kind"]
    list_select_related = ["claim", "source"]
    search_fields = ["source__name", "claim__statement"]
    autocomplete_fields = ["claim", "source"]
    actions = None  # bulk deletion would skip the chain rules

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class ChainCheckingForm(form_class):
            def clean(self):
                cleaned = super().clean()
                attribution = self.instance
                if attribution.claim_id and attribution.source_id:
                    others = [a for a in attribution.claim.attributions.select_related("source") if a.pk != attribution.pk]
                    if any(a.position == attribution.position for a in others):
                        raise ValidationError({"position": gettext("Another link of this chain has that position.")})
                    attribution.claim.check_rules(chain=others + [attribution])
                return cleaned

        return ChainCheckingForm

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None:
            rest = [a for a in obj.claim.attributions.select_related("source") if a.pk != obj.pk]
            if Claim.rule_violations(obj.claim.status, rest, obj.claim.confirming_evidence()):
                return False
        return super().has_delete_permission(request, obj)


@admin.register(Evidence)
class EvidenceAdmin(ChangesItsClaim, RecordsCreator, ClaimRulesAdmin):
    list_display = ["claim", "kind", "url", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["claim", "attribution__source", "article", "other_claim"]
    search_fields = ["claim__statement", "url", "note"]
    autocomplete_fields = ["claim", "attribution", "article", "other_claim"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(ClaimStatusChange)
class ClaimStatusChangeAdmin(admin.ModelAdmin):
    """The status history is a record: it can be read, never written or erased here."""

    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "from_status"]
    list_select_related = ["claim", "changed_by"]
    search_fields = ["claim__statement", "reason", "public_explanation"]
    date_hierarchy = "changed_at"
    readonly_fields = [
        "claim", "from_status", "to_status", "changed_by", "changed_at", "reason", "public_explanation", "evidence"
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StoryLink)
class StoryLinkAdmin(RecordsCreator, admin.ModelAdmin):
    list_display = ["from_article", "kind", "to_article", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["from_article", "to_article"]
    search_fields = ["from_article__title", "to_article__title", "note"]
    autocomplete_fields = ["from_article", "to_article"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(RejectedSuggestion)
class RejectedSuggestionAdmin(admin.ModelAdmin):
    """Entity suggestions editors turned down: deleting one offers the suggestion again."""

    list_display = ["entity", "article", "start", "end", "rejected_by", "rejected_at"]
    list_select_related = ["entity", "article", "rejected_by"]
    search_fields = ["entity__name", "article__title"]
    autocomplete_fields = ["article", "entity"]
    readonly_fields = ["rejected_by", "rejected_at"]


@admin.register(StorySuggestion)
class StorySuggestionAdmin(admin.ModelAdmin):
    """Editors' decisions on suggested related stories: deleting a dismissal offers the pair again."""

    list_display = ["from_article", "to_article", "state", "score", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["from_article", "to_article", "decided_by"]
    search_fields = ["from_article__title", "to_article__title"]
    autocomplete_fields = ["from_article", "to_article"]
    readonly_fields = ["score", "how", "decided_by", "decided_at"]


@admin.register(ClaimMatch)
class ClaimMatchAdmin(admin.ModelAdmin):
    """Editors' decisions on suggested matches, with the score and how each was found. A joined
    match is undone in the desk (split it off); deleting a dismissal offers the match again."""

    list_display = ["claim", "candidate", "decision", "score", "almost_certain", "decided_by", "decided_at"]
    list_filter = ["decision", "almost_certain"]
    list_select_related = ["claim", "candidate", "decided_by"]
    search_fields = ["claim__statement", "candidate__statement"]
    readonly_fields = ["claim", "candidate", "decision", "score", "almost_certain", "how", "decided_by", "decided_at"]

    def has_add_permission(self, request) -> bool:
        return False  # a decision is an editor's, made in the desk


@admin.register(AnchorReview)
class AnchorReviewAdmin(admin.ModelAdmin):
    """What corrections could not carry over with certainty, and what editors decided; decided in
    the desk's review queue, which shows the old and the new context side by side."""

    list_display = ["article", "kind", "state", "reason", "created_at", "decision", "decided_by"]
    list_filter = ["state", "decision", "reason"]
    list_select_related = ["article", "decided_by"]
    search_fields = ["article__title", "old_exact"]
    readonly_fields = [
        "article", "mention", "claim", "attribution", "evidence", "state", "reason", "from_version", "to_version",
        "old_start", "old_end", "old_exact", "new_start", "new_end", "quote_similarity", "context_similarity",
        "created_at", "decision", "decided_by", "decided_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
