import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import pgtrigger
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.db.models.functions import MD5, Greatest, Least, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from annotations.highlighting import PARAGRAPH_BREAK
from articles.models import (
    LANGUAGE_TAG_REGEX,
    WEB_ADDRESS,
    Article,
    Named,
    Source,
    WebAddressField,
    normalise_language_tag,
    save_with_free_slug,
)
from articles.text import (
    Folded,
    has_no_bidi_controls,
    is_grapheme_boundary,
    language_scores,
    name_key,
    to_name,
    to_nfc,
    typed_name_key,
)
from newsdesk.history import tracked

class StaleVersion(Exception):
    """The claim changed after the form was shown: nothing was saved."""


CONTEXT_LENGTH = 32  # code points of prefix and suffix kept with each quote, as in W3C TextQuoteSelector


class AnchorState(models.TextChoices):
    """Where a span stands after its story's text was corrected (annotations.corrections)."""

    PLACED = "placed", _("placed")  # on its words in the current text
    REVIEW = "review", _("needs review")  # on the best candidate, hidden from the public until confirmed
    ORPHANED = "orphaned", _("orphaned")  # its words are gone: kept with the version they were in


class Anchored(models.Model):
    """What every span of a story's text carries (mentions, claims, attribution cues, quotes):
    whether a correction left it on its words. An orphaned span's offsets and words are those of
    `orphaned_in`, the version its words were last found in, not the current text's."""

    anchor_state = models.CharField(
        _("anchoring"), max_length=10, choices=AnchorState.choices, default=AnchorState.PLACED, db_default=AnchorState.PLACED
    )
    orphaned_in = models.ForeignKey(
        "articles.ArticleVersion", verbose_name=_("orphaned in version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(anchor_state__in=AnchorState.values), name="%(app_label)s_%(class)s_anchor_state_valid"),
            models.CheckConstraint(
                condition=Q(anchor_state="orphaned", orphaned_in__isnull=False) | (~Q(anchor_state="orphaned") & Q(orphaned_in__isnull=True)),
                name="%(app_label)s_%(class)s_orphan_has_version",
            ),
        ]

    def anchored_text(self, article: Article) -> str:
        """The text this span's offsets count into: the current body, or an orphan's old version."""
        if self.anchor_state == AnchorState.ORPHANED and self.orphaned_in_id is not None:
            return self.orphaned_in.body
        return article.body


class TextSpan(models.Model):
    """A span of an article's body: code point offsets plus the quoted text and its context.

    `start` and `end` count Unicode code points into the NFC body (W3C TextPositionSelector);
    `exact`, `prefix` and `suffix` are the TextQuoteSelector, which lets us re-anchor a span and
    lets us refuse one whose offsets do not point at the text the editor saw.
    """

    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    exact = models.TextField(_("quoted text"))
    prefix = models.CharField(_("text before"), max_length=CONTEXT_LENGTH, blank=True)
    suffix = models.CharField(_("text after"), max_length=CONTEXT_LENGTH, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="%(app_label)s_%(class)s_span_order"
            ),
        ]

    def span_article(self) -> Article:
        return self.article

    def anchor(self) -> None:
        """Check the span against the body (an orphan's, against its version's) and fill in its
        context; raise ValidationError if off."""
        body = self.anchored_text(self.span_article()) if isinstance(self, Anchored) else self.span_article().body
        check_span(body, self.start, self.end, self.exact)
        self.prefix = body[max(0, self.start - CONTEXT_LENGTH) : self.start]
        self.suffix = body[self.end : self.end + CONTEXT_LENGTH]

    def clean(self) -> None:
        super().clean()
        if self.start is not None and self.end is not None and self.exact is not None and self.has_article():
            self.anchor()

    def has_article(self) -> bool:
        try:
            return self.span_article() is not None
        except ObjectDoesNotExist:
            return False

    def save(self, *args, **kwargs) -> None:
        self.exact = to_nfc(self.exact)
        self.anchor()
        super().save(*args, **kwargs)


def check_span(body: str, start, end, exact: str) -> None:
    if start is None or end is None:
        raise ValidationError(_("A span needs both a start and an end offset."))
    if not 0 <= start < end:
        raise ValidationError(
            _("A span must start at 0 or later and end after it starts (got %(start)s–%(end)s)."),
            params={"start": start, "end": end},
        )
    if end > len(body):
        raise ValidationError(
            _("The span %(start)s–%(end)s runs past the end of the text, which is %(length)s characters long."),
            params={"start": start, "end": end, "length": len(body)},
        )
    for edge in (start, end):
        if not is_grapheme_boundary(body, edge):
            raise ValidationError(
                _(
                    "The span %(start)s–%(end)s cuts a character in two (an emoji, a flag or a letter and its "
                    "accent): select whole characters."
                ),
                params={"start": start, "end": end},
            )
    found = body[start:end]
    if found != to_nfc(exact):
        raise ValidationError(
            _("The text at %(start)s–%(end)s is “%(found)s”, not “%(exact)s”: the offsets do not match the quote."),
            params={"start": start, "end": end, "found": found[:80], "exact": exact[:80]},
        )


class EntityKind(models.TextChoices):
    PERSON = "person", _("person")
    ORGANISATION = "organisation", _("organisation")
    PLACE = "place", _("place")
    EVENT = "event", _("event")


class EntityQuerySet(models.QuerySet):
    def published(self):
        """Entities the public may see: those a published mention names (see Mention.objects.published())."""
        return self.filter(self._public())

    def not_published(self):
        """Entities the public may not see: the counterpart of published()."""
        return self.exclude(self._public())

    def with_public(self):
        """Each with `public`: whether the public may see it (published()'s test, asked of each
        row: an Exists over one entity's mentions, not a second scan of every entity)."""
        return self.annotate(public=self._public())

    @staticmethod
    def _public():
        return Exists(Mention.objects.published().filter(entity=OuterRef("pk")))

    def same_name(self, name: str):
        """Entities whose name or an alias is `name` to an editor (articles.text.name_key)."""
        key = typed_name_key(name)
        aliases = EntityAlias.objects.alias(key=name_key(F("name_folded"))).filter(entity=OuterRef("pk"), key=key)
        return self.alias(key=name_key(F("name_folded"))).filter(Q(key=key) | Exists(aliases))

    def with_story_count(self):
        """Each with `story_count`: how many stories name it (in a subquery: no row per mention)."""
        stories = (
            Mention.objects.filter(entity=OuterRef("pk")).order_by().values("entity")
            .annotate(n=models.Count("article", distinct=True)).values("n")
        )
        return self.annotate(story_count=models.functions.Coalesce(models.Subquery(stories), 0))


@tracked("name_folded")
class Entity(Named):
    """A canonical person, organisation, place or event, known by aliases in any script."""

    objects = EntityQuerySet.as_manager()

    Kind = EntityKind

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    wikidata_id = models.CharField(
        _("Wikidata id"), max_length=20, blank=True, help_text=_("Such as Q42; blank if unknown")
    )
    name_folded = models.GeneratedField(expression=Folded("name"), output_field=models.TextField(), db_persist=True)

    class Meta(Named.Meta):
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        constraints = Named.Meta.constraints + [
            models.CheckConstraint(condition=Q(kind__in=EntityKind.values), name="entity_kind_valid"),
            models.CheckConstraint(condition=Q(wikidata_id__regex=r"^(Q[1-9][0-9]*)?$"), name="entity_wikidata_id_form"),
            models.UniqueConstraint(
                fields=["wikidata_id"], condition=~Q(wikidata_id=""), name="entity_unique_wikidata_id"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("articles:entity-detail", args=[self.slug])

    def clean(self) -> None:
        self.name = to_name(self.name)

    def save(self, *args, **kwargs) -> None:
        self.name = to_name(self.name)
        self.wikidata_id = self.wikidata_id.strip().upper()
        save_with_free_slug(self, self.name, lambda: super(Entity, self).save(*args, **kwargs))

    def merge(self, others) -> dict[str, int]:
        """Fold `others` into this entity: their mentions and aliases move here, nothing is lost.

        Each duplicate's own name becomes an alias of this entity. A mention that would
        duplicate one already here (same article, same span) is dropped, since it says the same.
        """
        moved = {"mentions": 0, "aliases": 0, "merged": 0}
        with transaction.atomic():
            known_aliases = {a.lower() for a in self.aliases.values_list("name", flat=True)} | {self.name.lower()}
            for other in others:
                if other.pk == self.pk:
                    continue
                for name, language in [(other.name, "")] + list(other.aliases.values_list("name", "language")):
                    if name.lower() not in known_aliases:
                        EntityAlias.objects.create(entity=self, name=name, language=language)
                        known_aliases.add(name.lower())
                        moved["aliases"] += 1
                here = set(self.mentions.values_list("article_id", "start", "end"))
                for mention in other.mentions.all():
                    if (mention.article_id, mention.start, mention.end) in here:
                        mention.delete()
                    else:
                        moved["mentions"] += Mention.objects.filter(pk=mention.pk).update(entity=self)
                if not self.wikidata_id and other.wikidata_id:
                    self.wikidata_id, other.wikidata_id = other.wikidata_id, ""
                    other.save(update_fields=["wikidata_id"])
                    self.save(update_fields=["wikidata_id"])
                if not self.description and other.description:
                    self.description = other.description
                    self.save(update_fields=["description"])
                other.delete()
                moved["merged"] += 1
        return moved


@tracked("name_folded")
class EntityAlias(models.Model):
    entity = models.ForeignKey(Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=300)
    language = models.CharField(_("language"), max_length=35, blank=True, help_text=_("BCP 47 tag, optional"))
    name_folded = models.GeneratedField(expression=Folded("name"), output_field=models.TextField(), db_persist=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(F("entity"), Lower("name"), name="alias_unique_per_entity"),
            models.CheckConstraint(condition=~Q(name=""), name="alias_name_not_empty"),
            models.CheckConstraint(condition=has_no_bidi_controls("name"), name="alias_name_no_bidi_controls"),
            models.CheckConstraint(
                condition=Q(language="") | Q(language__regex=LANGUAGE_TAG_REGEX), name="alias_language_bcp47"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = to_name(self.name)
        if self.language:
            self.language = normalise_language_tag(self.language)

    def save(self, *args, **kwargs) -> None:
        self.name = to_name(self.name)
        super().save(*args, **kwargs)


class AnnotationQuerySet(models.QuerySet):
    def published(self):
        """Annotations the public may see: published themselves, on a published article, and on
        their words (a correction may have left one waiting for review, or orphaned)."""
        return self.filter(is_published=True, anchor_state=AnchorState.PLACED, article__status=Article.Status.PUBLISHED)

    def not_published(self):
        return self.exclude(is_published=True, anchor_state=AnchorState.PLACED, article__status=Article.Status.PUBLISHED)

    def published_in_published_stories(self):
        """published(), for a query that already holds the stories published (an Exists under
        Article.objects.published()): the story's status is not read again, for a join of every
        published story (the commonest entity's page took half a second at a million stories)."""
        return self.filter(is_published=True, anchor_state=AnchorState.PLACED)

    def published_on(self, stories):
        """published(), for the annotations of `stories` (ids): each story's status is read once,
        not again for each of its annotations (that join tripled the cost of an entity's companions)."""
        return self.filter(
            is_published=True, anchor_state=AnchorState.PLACED, article__in=Article.objects.published().filter(pk__in=stories)
        )

    def in_text(self):
        """The annotations the story's current text shows: all but the orphans."""
        return self.exclude(anchor_state=AnchorState.ORPHANED)

    def visible_to(self, user):
        if user.has_perm("articles.view_article"):
            return self
        return self.published()


class ClaimQuerySet(AnnotationQuerySet):
    def report_ids_between(self, start: datetime, end: datetime) -> list[int]:
        """The ids of the appearances that report (or dispute) their claim in a story told between
        the two moments (published then, or a draft recorded then): found through the index on
        publication times, not by looking at every claim."""
        reports = self.filter(status__in=OPEN_STATUSES)
        published = reports.filter(article__published_at__gte=start, article__published_at__lte=end)
        unpublished = reports.filter(article__published_at__isnull=True, created_at__gte=start, created_at__lte=end)
        return sorted(set(published.values_list("pk", flat=True)) | set(unpublished.values_list("pk", flat=True)))

    def for_display(self, *, published_evidence: bool = False):
        """Claims with what the desk's cards, the public pages and the export read: the chain in
        order, the status history in order, the evidence with what it names (with
        `published_evidence`, only what the public may see of it). A claim's article is not
        loaded: read the claims through `article.claims`, or select the article where needed."""
        evidence = Evidence.objects.published() if published_evidence else Evidence.objects.all()
        return self.prefetch_related(
            models.Prefetch("attributions", queryset=Attribution.objects.select_related("source").order_by("position")),
            models.Prefetch(
                "history", queryset=ClaimStatusChange.objects.with_evidence_dates().select_related("changed_by").order_by("changed_at", "id")
            ),
            models.Prefetch(
                "evidence",
                queryset=evidence.select_related("attribution__source", "article", "other_claim__article").defer(
                    # The stories evidence names are shown by their titles: not their texts.
                    "article__body", "article__search_vector", "other_claim__article__body", "other_claim__article__search_vector",
                ).order_by("id"),
            ),
        )

    def citing(self, source: Source):
        """Claims whose chain names `source`, each with how (SourceLedger's rows, and the track
        record's): `said_on_record`, as its speaker or document on the record; `said_unnamed`, so
        but not on the record; `relayed`, as a via; `relayed_from_unnamed`, as a via of a chain
        whose speaker or document is unnamed (Attribution.is_unnamed())."""
        chain = Attribution.objects.filter(claim=OuterRef("pk"))
        own, said = chain.filter(source=source), chain.filter(source=source).exclude(role=AttributionRole.VIA)
        unnamed = chain.exclude(role=AttributionRole.VIA).filter(
            ~Q(sourcing=AttributionSourcing.ON_RECORD) | Q(source__kind=Source.Kind.ANONYMOUS)
        )
        return self.filter(Exists(own)).annotate(
            said_on_record=Exists(said.filter(sourcing=AttributionSourcing.ON_RECORD)),
            said_unnamed=Exists(said.exclude(sourcing=AttributionSourcing.ON_RECORD)),
            relayed=Exists(own.filter(role=AttributionRole.VIA)),
            relayed_from_unnamed=ExpressionWrapper(
                Exists(own.filter(role=AttributionRole.VIA)) & Exists(unnamed), output_field=models.BooleanField()
            ),
        )

    def with_claims_across(self):
        """Claims with the claim across stories each is an appearance of (and its wordings), and
        `elsewhere_count`: how many other stories' claims are appearances of it. Its standing and
        timeline are read apart (annotations/across.py): a claim told in hundreds of stories
        costs a story's workspace nothing more."""
        others = (
            Claim.objects.filter(across=OuterRef("across")).exclude(pk=OuterRef("pk")).order_by()
            .values("across").annotate(n=models.Count("pk")).values("n")
        )
        return self.select_related("across").prefetch_related("across__translations").annotate(
            elsewhere_count=models.functions.Coalesce(models.Subquery(others), 0)
        )


class Annotation(TextSpan, Anchored):
    """What a mention and a claim share: a span of one article's body, shown to readers when
    both it and the article are published and it stands on its words (not waiting for review
    after a correction, not orphaned), and who made it when."""

    # article.mentions, article.claims
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="%(class)ss")
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Shown to readers once the article is published.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta(TextSpan.Meta):
        abstract = True
        ordering = ["article", "start"]
        constraints = TextSpan.Meta.constraints + Anchored.Meta.constraints


@tracked()
class Mention(Annotation):
    """An entity named at a span of an article's body."""

    entity = models.ForeignKey(
        Entity, verbose_name=_("entity"), on_delete=models.PROTECT, related_name="mentions",
        db_index=False,  # mention_entity_article below starts with it
    )

    class Meta(Annotation.Meta):
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        # The stories that name an entity, read off the index alone (entity pages, related
        # stories): an entity named in tens of thousands of stories is still one index range.
        indexes = [models.Index(fields=["entity", "article"], name="mention_entity_article")]
        constraints = Annotation.Meta.constraints + [
            # An orphan keeps its old version's offsets, which may be another mention's now.
            models.UniqueConstraint(
                fields=["article", "entity", "start", "end"], condition=~Q(anchor_state="orphaned"), name="mention_unique_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity} @ {self.start}–{self.end}"

    def anchor(self) -> None:
        """A name never runs from one paragraph into the next, whichever path writes it (the desk,
        the admin, an import: each saves through here)."""
        super().anchor()
        if PARAGRAPH_BREAK.search(self.exact):
            raise ValidationError(_(
                "A name never runs from one paragraph into the next: select the name alone, within its paragraph."
            ))


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("unverified")
    REPORTED = "reported", _("reported")
    CONFIRMED = "confirmed", _("confirmed")
    DISPUTED = "disputed", _("disputed")
    DENIED = "denied", _("denied")
    RETRACTED = "retracted", _("retracted")


# --- The claim rules ---------------------------------------------------------------------------
#
# Each rule of the trade that spans several rows has a name, one message, a Python statement in
# Claim.rule_violations() (which explains it before anything is written) and a SQL statement in
# the function claim_rules_check (annotations/migrations/0008_claim_rules.py), which deferred
# constraint triggers run at commit whenever a claim, one of its attributions, its evidence, its
# status history or a cited source's kind changes. So the rules hold on every path a row can
# take: the desk, the admin, undo and restore, an import, QuerySet.update() and raw SQL. The
# database refuses with SQLSTATE 23514 (check_violation) and the rule's name as the constraint.

CLAIM_RULES = {
    "claim_unnamed_source_on_record": _("%(source)s is an unnamed source, so it cannot be cited on the record."),
    "claim_confirmed_on_record": _(
        "A claim whose every speaker is anonymous, or that has no speaker at all, cannot be confirmed on a web "
        "address or on its own word: a confirmation needs a named speaker or document of the chain cited on the "
        "record, or another story or claim as its evidence. Add an on-the-record speaker, or keep it as reported."
    ),
    "claim_confirmed_names_evidence": _(
        "A confirmed claim must name its evidence: an on-record quote in this story, another article, another "
        "claim or a web address."
    ),
    "claim_reported_attributed": _("A reported claim needs at least one attribution: who reports it?"),
    "claim_status_recorded": _(
        "A claim's status changes only through a recorded status change, which says who, when, why and on what "
        "evidence."
    ),
    "claim_quote_evidence_on_record": _(
        "Quoted evidence must be an on-the-record link of this claim's own chain, from a named source."
    ),
    "claim_quote_span_in_story": _(
        "The quoted words must be words of the claim's own story, at the offsets given: select them again."
    ),
    "spans_follow_body": _(
        "A story's text changes only as a new version, which carries its annotations over: an annotation would "
        "no longer stand on its words."
    ),
    "body_is_current_version": _(
        "A story's text is its current version's: change it with a correction, which keeps every version."
    ),
    "version_text_kept": _("A version's text is kept as it was: correct the story to make a new one."),
    "claim_article_evidence_elsewhere": _("Evidence from another article must name another article."),
    "claim_claim_evidence_elsewhere": _("Evidence from a claim elsewhere must name a claim of another story."),
}

def confirms_elsewhere(evidence) -> bool:
    """Whether `evidence` (an Evidence or an EvidenceSpec) confirms a claim whatever its own
    chain says: another story, or a claim of another story that is itself confirmed."""
    kind = getattr(evidence, "kind", None)
    if kind == "article":
        return True
    if kind == "claim":
        other = evidence.claim if isinstance(evidence, EvidenceSpec) else evidence.other_claim
        return other is not None and other.status == ClaimStatus.CONFIRMED
    return False


def rule_message(rule: str, source: str = "") -> str:
    return str(CLAIM_RULES[rule]) % {"source": source}  # a message without %(source)s is left as it is


def rule_refusal(error: IntegrityError) -> str | None:
    """The rule's message if `error` is PostgreSQL refusing a claim rule, else None."""
    diag = getattr(error.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name not in CLAIM_RULES:
        return None
    return rule_message(name, getattr(diag, "message_detail", None) or "")


def check_rules_now() -> None:
    """Run the claim rules' deferred triggers now rather than at commit (IntegrityError if one
    refuses), so that a view can answer with the rule instead of failing as it commits."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def rules_checked():
    """A transaction whose claim rules are checked at its end: a refusal comes out as a
    ValidationError carrying the rule's message, and nothing of the transaction is kept."""
    try:
        with transaction.atomic():
            yield
            check_rules_now()
    except IntegrityError as error:
        message = rule_refusal(error)
        if message is None:
            raise
        raise ValidationError(message) from None


def claim_rules_trigger(name: str, func: str, *, operation=None, condition=None) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.After, timing=pgtrigger.Deferred, func=func, condition=condition,
        operation=operation or (pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete),
    )


# A child row (attribution, evidence, status change) re-checks the claim it left and the one it joined.
CHECK_CLAIM_OF_CHILD_ROW = (
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM claim_rules_check(OLD.claim_id); END IF; "
    "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN "
    "PERFORM claim_rules_check(NEW.claim_id); END IF; RETURN NULL;"
)


@dataclass
class AttributionSpec:
    """One attribution of a chain as Claim.record takes it: the source, its role, how it is
    sourced, and optionally the span of the words that attribute the claim."""

    source: Source
    role: str = "speaker"
    sourcing: str = "on_record"
    start: int | None = None
    end: int | None = None
    exact: str = ""


@dataclass
class EvidenceSpec:
    """Evidence before it is stored, however it came (a form, a JSON Lines record, the demo).

    `kind` "quote" names an attribution of the chain being recorded by its `position` or an
    attribution already stored (`attribution`); "article" an `article`; "claim" a `claim`;
    "url" a `url`.
    """

    kind: str
    position: int | None = None
    attribution: "Attribution | None" = None
    article: Article | None = None
    claim: "Claim | None" = None
    url: str = ""
    note: str = ""
    start: int | None = None  # a quote's words in the story, if selected: code point offsets and text
    end: int | None = None
    exact: str = ""

    def has_span(self) -> bool:
        return self.start is not None or self.end is not None or bool(self.exact)


@dataclass
class StatusStep:
    """One change of status as Claim.record takes it; `evidence` indexes the evidence list."""

    to: str
    reason: str
    evidence: int | None = None
    at: datetime | None = None
    public_explanation: str = ""


class ClaimAcrossStoriesQuerySet(models.QuerySet):
    def published(self):
        """Claims the public may see: those with a published appearance (Claim.objects.published())."""
        return self.filter(Exists(Claim.objects.published().filter(across=OuterRef("pk"))))

    def not_published(self):
        return self.exclude(Exists(Claim.objects.published().filter(across=OuterRef("pk"))))

    def with_appearances(self):
        """Claims that appear in a story at all: one left without appearances by a join or a split
        is kept (so that undoing either puts the appearance back into it) but listed nowhere."""
        return self.filter(Exists(Claim.objects.filter(across=OuterRef("pk"))))

    def matching(self, q: str):
        """Claims an editor's words find, ignoring case and accents: in the statement or one of its
        wordings (the claim's, a translation's, an appearance's), the name of an entity tagged
        within an appearance's words, or the name of a source of an appearance's chain."""
        folded = Folded(Value(q))
        sources = Attribution.objects.filter(claim=OuterRef("pk")).alias(folded=Folded("source__name")).filter(folded__contains=folded)
        named = Q(entity__name_folded__contains=folded) | Exists(
            EntityAlias.objects.filter(entity=OuterRef("entity"), name_folded__contains=folded)
        )
        entities = Mention.objects.filter(
            named, article=OuterRef("article"), start__gte=OuterRef("start"), end__lte=OuterRef("end")
        )
        appearances = (
            Claim.objects.filter(across=OuterRef("pk")).alias(folded=Folded("statement"))
            .filter(Q(folded__contains=folded) | Exists(sources) | Exists(entities))
        )
        translations = ClaimTranslation.objects.filter(claim=OuterRef("pk")).alias(folded=Folded("statement")).filter(folded__contains=folded)
        return self.alias(folded=Folded("statement")).filter(
            Q(folded__contains=folded) | Exists(translations) | Exists(appearances)
        )

    def with_first_appearance(self):
        """Each with how many stories tell it and the first of them: `appearance_count`,
        `first_title`, `first_outlet`, `first_language`, `first_published_at`, and the ids
        `first_claim_id` and `first_article_id` (to link to that story's claim)."""
        first = Claim.objects.filter(across=OuterRef("pk")).order_by(
            F("article__published_at").asc(nulls_last=True), "created_at", "id"
        )
        count = Claim.objects.filter(across=OuterRef("pk")).order_by().values("across").annotate(n=models.Count("pk")).values("n")
        return self.annotate(
            appearance_count=models.Subquery(count),
            first_title=models.Subquery(first.values("article__title")[:1]),
            first_outlet=models.Subquery(first.values("article__publisher__name")[:1]),
            first_language=models.Subquery(first.values("article__language")[:1]),
            first_published_at=models.Subquery(first.values("article__published_at")[:1]),
            first_claim_id=models.Subquery(first.values("pk")[:1]),
            first_article_id=models.Subquery(first.values("article")[:1]),
        )

    def still_open(self):
        """Claims neither confirmed nor denied: some story reports or disputes them and none
        confirms or denies them, which is to say that their standing (annotations.across.standing)
        is reported or disputed. Retracted appearances are left aside, as standing() leaves them;
        a claim only ever recorded as unverified has not been reported yet."""
        appearances = Claim.objects.filter(across=OuterRef("pk"))
        return self.filter(Exists(appearances.filter(status__in=OPEN_STATUSES))).exclude(
            Exists(appearances.filter(status__in=SETTLING_STATUSES))
        )

    def with_first_report(self):
        """Each with its first report: `first_report_id`, the appearance in the story that came out
        first (annotations.across.appeared_at) among those that report or dispute it, and
        `first_reported_at`, when it came out; and `story_count`, how many stories tell it at all."""
        first = open_reports().order_by("told_at", "id")
        stories = (
            Claim.objects.filter(across=OuterRef("pk")).order_by().values("across")
            .annotate(n=models.Count("article", distinct=True)).values("n")
        )
        return self.annotate(
            first_report_id=models.Subquery(first.values("pk")[:1]),
            first_reported_at=models.Subquery(first.values("told_at")[:1]),
            story_count=models.Subquery(stories),
            disputed=Exists(Claim.objects.filter(across=OuterRef("pk"), status=ClaimStatus.DISPUTED)),
        )


# The statuses that keep a claim open (it is told as reported or disputed somewhere) and those that
# settle it (ClaimAcrossStoriesQuerySet.still_open).
OPEN_STATUSES = (ClaimStatus.REPORTED, ClaimStatus.DISPUTED)
SETTLING_STATUSES = (ClaimStatus.CONFIRMED, ClaimStatus.DENIED)


def open_reports():
    """The appearances of the claim named by OuterRef("pk") that keep it open, each with `told_at`:
    when its story came out (annotations.across.appeared_at), else when it was recorded."""
    return Claim.objects.filter(across=OuterRef("pk"), status__in=OPEN_STATUSES).annotate(
        told_at=models.functions.Coalesce("article__published_at", "created_at")
    )


# How much likelier (log-probability) a language must be than the likeliest of the expected ones
# (the story's, English, the interface's) to be taken instead: a sentence is short, and a detector
# takes one for Nynorsk or Malay that an editor wrote in English or Indonesian.
UNEXPECTED_LANGUAGE_MARGIN = 20


def statement_language(statement: str, exact: str, story_language: str) -> str:
    """The language a claim's statement is in: its story's when it is the story's own words, else
    the language it is written in (an editor may sum up a Korean story in English)."""
    if to_nfc(statement.strip()) == to_nfc(exact.strip()) or len(statement.split()) < 3:
        return story_language
    story = story_language.split("-")[0].lower()
    scores = dict(language_scores(statement))
    expected = [code for code in dict.fromkeys([story, "en", *(code for code, _ in settings.LANGUAGES)]) if code in scores]
    if not expected:
        return story_language
    likeliest = max(expected, key=lambda code: (scores[code], code == story))
    top, top_score = max(scores.items(), key=lambda item: item[1])
    chosen = top if top_score - scores[likeliest] > UNEXPECTED_LANGUAGE_MARGIN else likeliest
    return story_language if chosen == story else chosen


@tracked()
class ClaimAcrossStories(models.Model):
    """One checkable statement followed across stories, outlets and languages. Each story's
    Claim is one of its appearances, with that story's span, chain and status; the claim's
    standing is derived from them (standing()), and its timeline is all of them in time order.

    Its statement is in the language it was first recorded in; editors add its wording in
    other languages (translations). It is never deleted with its last appearance: a join or a
    split that is undone puts the appearance back into the claim it left.
    """

    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    statement = models.TextField(_("statement"), help_text=_("The checkable statement, as first recorded."))
    language = models.CharField(_("language"), max_length=35, help_text=_("BCP 47 tag of the statement's language"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ClaimAcrossStoriesQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("claim across stories")
        verbose_name_plural = _("claims across stories")
        # Suggestions map the nearest vectors (keyed by md5) back to the wordings that have them.
        indexes = [models.Index(MD5("statement"), name="claim_across_statement_md5")]
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="claim_across_statement_not_empty"),
            models.CheckConstraint(condition=Q(language__regex=LANGUAGE_TAG_REGEX), name="claim_across_language_bcp47"),
        ]

    def __str__(self) -> str:
        return self.statement[:80]

    def save(self, *args, **kwargs) -> None:
        self.statement = to_nfc(self.statement.strip())
        super().save(*args, **kwargs)

    def wording_in(self, language: str) -> tuple[str, str]:
        """The statement in `language` if an editor wrote it (or it was recorded so), else as first
        recorded: (wording, its language tag). Reads the prefetched translations."""
        primary = language.split("-")[0].lower()
        if self.language.split("-")[0].lower() == primary:
            return self.statement, self.language
        for translation in self.translations.all():
            if translation.language.split("-")[0].lower() == primary:
                return translation.statement, translation.language
        return self.statement, self.language


@tracked()
class ClaimTranslation(models.Model):
    """A claim's statement worded in another language, as an editor wrote it."""

    claim = models.ForeignKey(
        ClaimAcrossStories, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=35, help_text=_("BCP 47 tag, such as id or ko"))
    statement = models.TextField(_("statement"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation of a claim")
        verbose_name_plural = _("translations of claims")
        indexes = [models.Index(MD5("statement"), name="claim_translation_md5")]
        constraints = [
            models.UniqueConstraint(F("claim"), Lower("language"), name="claim_translation_one_per_language"),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_translation_not_empty"),
            models.CheckConstraint(condition=Q(language__regex=LANGUAGE_TAG_REGEX), name="claim_translation_language_bcp47"),
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.statement[:80]}"

    def clean(self) -> None:
        self.statement = to_nfc((self.statement or "").strip())
        if self.language:
            self.language = normalise_language_tag(self.language)
            problem = self.language_problem()
            if problem:
                raise ValidationError({"language": problem})

    def language_problem(self) -> str:
        """Why this wording's language cannot be added to its claim, or ""."""
        primary = self.language.split("-")[0].lower()
        if primary in ("und", "mul", "zxx", "mis"):
            return gettext("Name a language: “%(tag)s” says none.") % {"tag": self.language}
        if self.claim_id is not None:
            if primary == self.claim.language.split("-")[0].lower():
                return gettext("The claim was first recorded in that language; its statement is its wording there.")
            others = self.claim.translations.exclude(pk=self.pk).values_list("language", flat=True)
            if any(other.split("-")[0].lower() == primary for other in others):
                return gettext("The claim has a wording in that language already: change that one.")
        return ""

    def save(self, *args, **kwargs) -> None:
        self.statement = to_nfc(self.statement.strip())
        self.language = normalise_language_tag(self.language)
        super().save(*args, **kwargs)


@tracked()
class Claim(Annotation):
    """A statement made in an article, with its attribution chain, status, evidence and history.

    The rules of the trade that span several rows live in `rule_violations()`; `change_status()`
    is the only way a status changes, and it records who, when, why and on what evidence.
    """

    Status = ClaimStatus

    statement = models.TextField(_("statement"), help_text=_("The claim in words; defaults to the quoted text."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UNVERIFIED)
    note = models.TextField(_("note"), blank=True)
    # Null in the schema only so that history recorded before claims were followed across stories
    # fits (its events name none); claim_has_claim_across_stories refuses a claim without one.
    across = models.ForeignKey(
        ClaimAcrossStories, verbose_name=_("claim across stories"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="appearances",
        help_text=_("The claim this is an appearance of; left empty, this appearance becomes a claim of its own."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta(Annotation.Meta):
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [models.Index(MD5("statement"), name="claim_statement_md5")]
        constraints = TextSpan.Meta.constraints + [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=~Q(statement=""), name="claim_statement_not_empty"),
            models.CheckConstraint(condition=Q(across__isnull=False), name="claim_has_claim_across_stories"),
            # A double submit of the same claim finds this and returns the claim it made.
            # Over the statement's hash: a btree entry holds at most about 2,700 bytes, which a long
            # statement (in Korean, three bytes a character) would exceed.
            models.UniqueConstraint(
                F("article"), F("start"), F("end"), MD5("statement"), condition=~Q(anchor_state="orphaned"),
                name="claim_unique_statement",
            ),
        ]
        triggers = [
            claim_rules_trigger(
                "claim_rules", "PERFORM claim_rules_check(NEW.id); RETURN NULL;", operation=pgtrigger.Insert | pgtrigger.Update
            ),
        ]

    # The statuses a claim may be recorded with straight from the story, with no reason typed:
    # the story reports it, or the evidence named confirms it. Every other needs its reason.
    STATUSES_TO_RECORD_WITH = (ClaimStatus.UNVERIFIED, ClaimStatus.REPORTED, ClaimStatus.CONFIRMED)

    def __str__(self) -> str:
        return self.statement[:80]

    def get_absolute_url(self) -> str:
        return reverse("articles:claim-detail", args=[self.pk])

    @staticmethod
    def needs_confirmation(current: str, new: str) -> bool:
        """Whether moving from `current` to `new` is grave enough to ask the editor to confirm it:
        a denial, a retraction, or any step down from confirmed."""
        return current != new and (new in (ClaimStatus.DENIED, ClaimStatus.RETRACTED) or current == ClaimStatus.CONFIRMED)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_status = instance.status if "status" in field_names else None
        return instance

    def save(self, *args, **kwargs) -> None:
        if not self.statement:
            self.statement = self.exact
        self.statement = to_nfc(self.statement)
        saved_status = getattr(self, "_saved_status", None)
        if self._state.adding and self.status != self.Status.UNVERIFIED:
            raise ValidationError(_("A new claim starts unverified; give it a status with change_status()."))
        if saved_status is not None and saved_status != self.status:
            raise ValidationError(_("A claim's status changes only through change_status(), which keeps its history."))
        if self.across_id is None:
            # A new appearance is a claim of its own until an editor (or an import) joins it to another.
            self.across = ClaimAcrossStories.objects.create(
                statement=self.statement, language=statement_language(self.statement, self.exact, self.article.language),
                created_by=self.created_by,
            )
        super().save(*args, **kwargs)
        self._saved_status = self.status

    def validate_constraints(self, exclude=None) -> None:
        if self.across_id is None:  # save() makes it a claim of its own
            exclude = set(exclude or ()) | {"across"}
        super().validate_constraints(exclude)

    def chain_in_words(self) -> str:
        """The chain as a reader says it: “according to Yonhap, citing an unnamed official”.

        Each speaker (or document) starts a strand of the chain and the vias after it relay it;
        independent strands are joined with a semicolon.
        """
        attributions = sorted(self.attributions.all(), key=lambda attribution: attribution.position)
        if not attributions:
            return gettext("no attribution yet")
        strands: list[list[Attribution]] = []
        for attribution in attributions:
            if attribution.role == Attribution.Role.VIA and strands:
                strands[-1].append(attribution)
            else:
                strands.append([attribution])
        phrases = []
        for strand in strands:
            outermost, *inner = reversed(strand)
            words = gettext("according to %(source)s") % {"source": outermost.source.name}
            for attribution in inner:
                words += gettext(", citing %(source)s") % {"source": attribution.source.name}
            phrases.append(words)
        return "; ".join(phrases)

    @staticmethod
    def rule_violations(status: str, chain, evidence=None) -> list[str]:
        """What the rules of the trade forbid about a claim with this status, chain and evidence.

        `chain` is the claim's attributions (anything with `role`, `sourcing` and `source`);
        `evidence` is what the status change names (anything with a `kind`), or None. The same
        rules hold in the database (CLAIM_RULES): this says them in words before it has to refuse.
        """
        problems = []
        for attribution in chain:
            if attribution.source.kind == Source.Kind.ANONYMOUS and attribution.sourcing == Attribution.Sourcing.ON_RECORD:
                problems.append(rule_message("claim_unnamed_source_on_record", attribution.source.name))
        if status == Claim.Status.CONFIRMED:
            on_record = any(
                attribution.role in (Attribution.Role.SPEAKER, Attribution.Role.DOCUMENT)
                and attribution.sourcing == Attribution.Sourcing.ON_RECORD
                and attribution.source.kind != Source.Kind.ANONYMOUS
                for attribution in chain
            )
            if not on_record and not confirms_elsewhere(evidence):
                problems.append(rule_message("claim_confirmed_on_record"))
            if evidence is None:
                problems.append(rule_message("claim_confirmed_names_evidence"))
        if status == Claim.Status.REPORTED and not chain:
            problems.append(rule_message("claim_reported_attributed"))
        return problems

    def confirming_evidence(self) -> "Evidence | None":
        """The evidence the claim's latest status change names (what a confirmation rests on)."""
        latest = self.history.select_related("evidence").order_by("-id").first()
        return latest.evidence if latest is not None else None

    def check_rules(self, *, status: str | None = None, chain=None, evidence=...) -> None:
        chain = list(self.attributions.select_related("source")) if chain is None else chain
        if evidence is ...:
            evidence = self.confirming_evidence()
        problems = self.rule_violations(status or self.status, chain, evidence)
        if problems:
            raise ValidationError(problems)

    @classmethod
    def record(
        cls, article: Article, *, start: int, end: int, exact: str, statement: str = "", note: str = "",
        is_published: bool = True, chain: Sequence = (), evidence=(), history: Sequence[StatusStep] = (),
        status: str | None = None, reason: str = "", by=None, across: "ClaimAcrossStories | None" = None,
    ) -> "Claim":
        """Create a claim with its chain, evidence and status history at once, or raise
        ValidationError with every rule the claim would break. The one way a claim is made: the
        desk, the importer and the demo all come here.

        `chain` holds AttributionSpecs (or (source, role, sourcing) triples), speaker first;
        `evidence` an EvidenceSpec or a list of them; `history` the StatusSteps in order, each
        naming its evidence by index. Without `history`, a `status` other than unverified is one
        step, resting on the first evidence. With `across`, the claim is an appearance of that
        claim across stories; without, it is a claim of its own. Recording the same statement at the same span again
        returns the claim already recorded, so a double submit creates one row.
        """
        exact, statement = to_nfc(exact), to_nfc(statement.strip() or exact)
        check_span(article.body, start, end, exact)
        chain = [given if isinstance(given, AttributionSpec) else AttributionSpec(*given) for given in chain]
        evidence = [evidence] if isinstance(evidence, EvidenceSpec) else [e for e in (evidence or ()) if e is not None]
        if not history and status and status != cls.Status.UNVERIFIED:
            # A reported or confirmed claim is the story's own word (and its evidence); a claim
            # recorded as disputed, denied or retracted says why, like any change of status.
            default = gettext("Recorded from the story.") if status in cls.STATUSES_TO_RECORD_WITH else ""
            history = [StatusStep(status, reason or default, 0 if evidence else None)]
        attributions = [
            Attribution(position=i, source=given.source, role=given.role, sourcing=given.sourcing,
                        start=given.start, end=given.end, exact=to_nfc(given.exact or ""))
            for i, given in enumerate(chain)
        ]
        problems = cls.problems_recording(article, attributions, evidence, history)
        if problems:
            raise ValidationError(problems)
        try:
            with transaction.atomic():
                claim = cls.objects.create(
                    article=article, start=start, end=end, exact=exact, statement=statement, note=note,
                    is_published=is_published, created_by=by, across=across,
                )
                for attribution in attributions:
                    attribution.claim = claim
                    attribution.save()
                proofs = [Evidence.make(claim, spec, attributions, by=by) for spec in evidence]
                for step in history:
                    proof = proofs[step.evidence] if step.evidence is not None else None
                    change = claim.change_status(
                        step.to, by=by, reason=step.reason, evidence=proof, public_explanation=step.public_explanation
                    )
                    if step.at is not None:
                        ClaimStatusChange.objects.filter(pk=change.pk).update(changed_at=step.at)
        except IntegrityError:
            existing = cls.objects.in_text().filter(article=article, start=start, end=end, statement=statement).first()
            if existing is None:
                raise
            return existing
        return claim

    @classmethod
    def problems_recording(cls, article: Article, attributions: list, evidence: list, history: Sequence) -> list[str]:
        """Every rule a new claim with this chain, evidence and history would break, in words."""
        problems = []
        for attribution in attributions:
            if attribution.role not in Attribution.Role.values or attribution.sourcing not in Attribution.Sourcing.values:
                problems.append(gettext("Each link of the chain needs a role and a sourcing from their lists."))
            if attribution.start is not None or attribution.end is not None or attribution.exact:
                try:
                    check_span(article.body, attribution.start, attribution.end, attribution.exact)
                except ValidationError as error:
                    problems += error.messages
        for spec in evidence:
            problems += Evidence.problems_with(spec, attributions, article)
        current = cls.Status.UNVERIFIED
        for step in history:
            if step.to not in cls.Status.values:
                problems.append(gettext("%(status)r is not a claim status.") % {"status": step.to})
                continue
            if step.to == current:
                problems.append(gettext("The claim is already %(status)s.") % {"status": cls.Status(step.to).label})
            if not (step.reason or "").strip():
                problems.append(gettext("Say why the status changes."))
            named = None
            if step.evidence is not None:
                if not 0 <= step.evidence < len(evidence):
                    problems.append(gettext("A status change names evidence that is not in the claim's evidence."))
                else:
                    named = evidence[step.evidence]
            problems += cls.rule_violations(step.to, attributions, named)
            current = step.to
        moments = [step.at for step in history if step.at is not None]
        if moments != sorted(moments):
            problems.append(gettext("The status changes must be given in the order they happened (by their times)."))
        return list(dict.fromkeys(str(p) for p in problems))

    def add_attribution(self, source: Source, *, role: str, sourcing: str, by=None) -> "Attribution":
        """Append an attribution to the chain, if the claim's rules still hold with it."""
        with transaction.atomic():
            Claim.objects.select_for_update().filter(pk=self.pk).first()
            chain = list(self.attributions.select_related("source"))
            attribution = Attribution(
                claim=self, source=source, role=role, sourcing=sourcing,
                position=max((a.position for a in chain), default=-1) + 1,
            )
            self.check_rules(chain=chain + [attribution])
            attribution.save()
            self.bump_version()
        return attribution

    def remove_attribution(self, attribution: "Attribution") -> None:
        """Take an attribution out of the chain, if the claim's rules still hold without it."""
        with transaction.atomic():
            Claim.objects.select_for_update().filter(pk=self.pk).first()
            chain = [a for a in self.attributions.select_related("source") if a.pk != attribution.pk]
            self.check_rules(chain=chain)
            if Evidence.objects.filter(attribution=attribution).exists():
                raise ValidationError(_("This link is cited as evidence; it cannot be removed."))
            attribution.delete()
            self.bump_version()

    def join(self, across: "ClaimAcrossStories", *, expected_version: int | None = None) -> bool:
        """Make this appearance one of `across`'s: the same claim, told in another story. The claim
        it leaves is kept, even with no appearance left, so that undoing the join (history) puts it
        back. False if it was one already (nothing done); StaleVersion as change_status()."""
        with transaction.atomic():
            current = Claim.objects.select_for_update().get(pk=self.pk)
            if current.across_id == across.pk:
                return False  # joined already: the same join sent twice, or at once from two tabs
            if expected_version is not None and current.version != expected_version:
                raise StaleVersion
            self.move_to(across)
        return True

    def split_off(self, *, by=None, expected_version: int | None = None) -> "ClaimAcrossStories":
        """Take this appearance out of its claim into a claim of its own, worded as this story words it."""
        with transaction.atomic():
            current = Claim.objects.select_for_update().get(pk=self.pk)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersion
            if not Claim.objects.filter(across_id=current.across_id).exclude(pk=self.pk).exists():
                raise ValidationError(_("This claim appears in no other story: there is nothing to split it from."))
            across = ClaimAcrossStories.objects.create(
                statement=current.statement, language=statement_language(current.statement, current.exact, self.article.language),
                created_by=by,
            )
            self.move_to(across)
        return across

    def move_to(self, across: "ClaimAcrossStories") -> None:
        self.updated_at = timezone.now()
        Claim.objects.filter(pk=self.pk).update(across=across, version=F("version") + 1, updated_at=self.updated_at)
        self.across = across
        self.version = Claim.objects.values_list("version", flat=True).get(pk=self.pk)

    def bump_version(self) -> None:
        self.updated_at = timezone.now()
        Claim.objects.filter(pk=self.pk).update(version=F("version") + 1, updated_at=self.updated_at)
        self.version = Claim.objects.values_list("version", flat=True).get(pk=self.pk)

    def change_status(
        self, new_status: str, *, by, reason: str, evidence: "Evidence | None" = None, expected_version: int | None = None,
        public_explanation: str = "",
    ) -> "ClaimStatusChange":
        """Move the claim to `new_status`, recording who, when, why and on what evidence.

        `reason` is for editors only; `public_explanation`, if any, is what readers see on the
        claim's public timeline. Nothing an editor did not write there is shown to the public.

        With `expected_version`, raise StaleVersion unless the claim is still at that version
        once its row is locked: of two editors saving the same version at once, one wins.
        """
        if new_status not in self.Status.values:
            raise ValidationError(_("%(status)r is not a claim status.") % {"status": new_status})
        problems = []
        if not reason.strip():
            problems.append(_("Say why the status changes."))
        if evidence is not None and evidence.claim_id != self.pk:
            problems.append(_("The evidence must be this claim's own."))
        with transaction.atomic():
            current = Claim.objects.select_for_update().get(pk=self.pk)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersion
            if current.status == new_status:
                problems.append(_("The claim is already %(status)s.") % {"status": current.get_status_display()})
            chain = list(self.attributions.select_related("source"))
            # A confirmation must name the evidence it rests on, not merely have some on file.
            problems += self.rule_violations(new_status, chain, evidence)
            if problems:
                raise ValidationError(problems)
            change = ClaimStatusChange.objects.create(
                claim=self, from_status=current.status, to_status=new_status, changed_by=by,
                reason=reason.strip(), evidence=evidence, public_explanation=to_nfc(public_explanation.strip()),
            )
            self.updated_at = timezone.now()
            Claim.objects.filter(pk=self.pk).update(status=new_status, version=F("version") + 1, updated_at=self.updated_at)
            self.status = self._saved_status = new_status
            self.version = current.version + 1
        return change


class AttributionRole(models.TextChoices):
    SPEAKER = "speaker", _("speaker")
    VIA = "via", _("via")
    DOCUMENT = "document", _("document")


class AttributionSourcing(models.TextChoices):
    ON_RECORD = "on_record", _("on the record")
    ANONYMOUS = "anonymous", _("anonymous")
    NOT_FOR_ATTRIBUTION = "not_for_attribution", _("not for attribution")


@tracked()
class Attribution(Anchored):
    """One attribution of a claim's chain: who said it, who relayed it, what it comes from.

    The optional cue span (`start`, `end`, `exact`) marks the words that attribute the claim,
    such as “the Kremlin said”.
    """

    Role = AttributionRole

    Sourcing = AttributionSourcing

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="attributions")
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("0 is the first link of the chain."))
    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="attributions")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SPEAKER)
    sourcing = models.CharField(_("sourcing"), max_length=30, choices=Sourcing.choices, default=Sourcing.ON_RECORD)
    start = models.PositiveIntegerField(_("cue start"), null=True, blank=True)
    end = models.PositiveIntegerField(_("cue end"), null=True, blank=True)
    exact = models.TextField(_("cue text"), blank=True, help_text=_("The words that attribute the claim, if marked."))

    class Meta:
        ordering = ["claim", "position"]
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        constraints = Anchored.Meta.constraints + [
            models.CheckConstraint(condition=Q(role__in=AttributionRole.values), name="attribution_role_valid"),
            models.CheckConstraint(condition=Q(sourcing__in=AttributionSourcing.values), name="attribution_sourcing_valid"),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True) & Q(exact=""))
                | (Q(start__gte=0) & Q(start__lt=F("end")) & ~Q(exact="")),
                name="attribution_cue_span_order",
            ),
            models.UniqueConstraint(
                fields=["claim", "position"], name="attribution_unique_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]
        triggers = [claim_rules_trigger("claim_rules", CHECK_CLAIM_OF_CHILD_ROW)]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.source} ({self.get_sourcing_display()})"

    def is_unnamed(self) -> bool:
        """Whether a reader cannot tell who this is: cited anonymously or not for attribution,
        or a source that is itself unnamed ("an unnamed official")."""
        return self.sourcing != Attribution.Sourcing.ON_RECORD or self.source.kind == Source.Kind.ANONYMOUS

    def clean(self) -> None:
        if self.start is not None or self.end is not None or self.exact:
            if self.claim_id is not None:
                check_span(self.anchored_text(self.claim.article), self.start, self.end, self.exact)

    def save(self, *args, **kwargs) -> None:
        # The chain rules are checked on the whole chain by whoever edits it (Claim.check_rules):
        # one attribution at a time, a correct edit can pass through a state the rules forbid.
        self.exact = to_nfc(self.exact)
        if self.start is not None or self.end is not None or self.exact:
            check_span(self.anchored_text(self.claim.article), self.start, self.end, self.exact)
        super().save(*args, **kwargs)


class EvidenceKind(models.TextChoices):
    QUOTE = "quote", _("on-record quote in this story")
    ARTICLE = "article", _("another article")
    CLAIM = "claim", _("a claim elsewhere")
    URL = "url", _("web address")


class EvidenceQuerySet(models.QuerySet):
    def published(self):
        """Evidence the public may see: of a published claim, and naming only what the public may
        see (another story, published; another claim, published). A quote is one of the claim's own
        attributions and a web address is public, so both are shown with their claim."""
        return self.filter(self._public())

    def not_published(self):
        """Evidence the public may not see: the counterpart of published()."""
        return self.exclude(self._public())

    @staticmethod
    def _public():
        return (
            Q(claim__in=Claim.objects.published())
            & (Q(article__isnull=True) | Q(article__in=Article.objects.published()))
            & (Q(other_claim__isnull=True) | Q(other_claim__in=Claim.objects.published()))
        )


@tracked()
class Evidence(Anchored):
    """What a claim's status rests on: an on-record quote here, another article or claim, a URL.

    What evidence names, and the evidence a status change names, cannot be deleted on its own
    (RESTRICT), but goes with its claim when the claim is deleted.
    """

    objects = EvidenceQuerySet.as_manager()

    Kind = EvidenceKind

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    attribution = models.ForeignKey(
        Attribution, verbose_name=_("on-record attribution"), null=True, blank=True, on_delete=models.RESTRICT,
        related_name="+",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    other_claim = models.ForeignKey(
        Claim, verbose_name=_("other claim"), null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    url = WebAddressField(_("web address"), max_length=2000, blank=True)
    # A quote's own words in the story (optional): the span of the body the editor selected.
    start = models.PositiveIntegerField(_("quote start"), null=True, blank=True)
    end = models.PositiveIntegerField(_("quote end"), null=True, blank=True)
    exact = models.TextField(_("quoted words"), blank=True, default="", db_default="", help_text=_("The words of the story quoted, if selected."))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = Anchored.Meta.constraints + [
            models.CheckConstraint(condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(kind="quote", attribution__isnull=False, article__isnull=True, other_claim__isnull=True, url="")
                    | Q(kind="article", attribution__isnull=True, article__isnull=False, other_claim__isnull=True, url="")
                    | Q(kind="claim", attribution__isnull=True, article__isnull=True, other_claim__isnull=False, url="")
                    | (Q(kind="url", attribution__isnull=True, article__isnull=True, other_claim__isnull=True) & ~Q(url=""))
                ),
                name="evidence_names_one_thing",
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True) & Q(exact=""))
                # Both offsets named: a comparison with NULL would pass a CHECK.
                | (Q(kind="quote", start__isnull=False, end__isnull=False) & Q(start__gte=0) & Q(start__lt=F("end"))
                   & ~Q(exact="")),
                name="evidence_quote_span_order",
            ),
            models.CheckConstraint(condition=~Q(other_claim=F("claim")), name="evidence_not_its_own_claim"),
            models.CheckConstraint(condition=WEB_ADDRESS, name="evidence_url_http"),
        ]
        triggers = [claim_rules_trigger("claim_rules", CHECK_CLAIM_OF_CHILD_ROW)]

    @staticmethod
    def problems_with(spec: EvidenceSpec, chain: list, article: Article) -> list[str]:
        """What is wrong with evidence `spec` for a claim on `article` whose chain is `chain`."""
        if spec.kind == "quote":
            if spec.attribution is not None:
                attribution = spec.attribution
            elif isinstance(spec.position, int) and 0 <= spec.position < len(chain):
                attribution = chain[spec.position]
            else:
                return [gettext("The quoted evidence must be one of the links of this claim's chain.")]
            if attribution.sourcing != Attribution.Sourcing.ON_RECORD or attribution.source.kind == Source.Kind.ANONYMOUS:
                return [gettext("Only an on-the-record link of the chain, from a named source, can serve as evidence.")]
            if spec.has_span():
                try:
                    check_span(article.body, spec.start, spec.end, spec.exact)
                except ValidationError as error:
                    return [gettext("The quoted words could not be placed in the story: %(why)s") % {"why": " ".join(error.messages)}]
        elif spec.has_span():
            return [gettext("Only a quote from the chain can carry selected words of the story.")]
        elif spec.kind == "article":
            if spec.article is None or spec.article.pk == article.pk:
                return [rule_message("claim_article_evidence_elsewhere")]
        elif spec.kind == "claim":
            if spec.claim is None or spec.claim.article_id == article.pk:
                return [rule_message("claim_claim_evidence_elsewhere")]
        elif spec.kind == "url":
            if not str(spec.url).lower().startswith(("https://", "http://")):
                return [gettext("Evidence must be a web address starting with https:// or http://.")]
        else:
            return [gettext("Unknown kind of evidence.")]
        return []

    @classmethod
    def make(cls, claim: Claim, spec: EvidenceSpec, chain: list = (), *, by=None) -> "Evidence":
        """Store evidence `spec` for `claim`: the one constructor of evidence. A quote names a
        attribution of `chain` (the claim's attributions, as stored) by position, or a stored one."""
        targets = {
            "quote": {"attribution": spec.attribution or (chain[spec.position] if spec.position is not None else None)},
            "article": {"article": spec.article},
            "claim": {"other_claim": spec.claim},
            "url": {"url": spec.url},
        }
        span = {"start": spec.start, "end": spec.end, "exact": to_nfc(spec.exact)} if spec.has_span() else {}
        return cls.objects.create(claim=claim, kind=spec.kind, created_by=by, note=spec.note, **targets[spec.kind], **span)

    def save(self, *args, **kwargs) -> None:
        self.exact = to_nfc(self.exact)
        if self.start is not None or self.end is not None or self.exact:
            check_span(self.anchored_text(self.claim.article), self.start, self.end, self.exact)
        super().save(*args, **kwargs)

    def quoted_words(self) -> str:
        """The quote's words as readers see them: the selected words, else the cue of its attribution;
        never words a correction orphaned (they are an earlier version's, no longer the story's)."""
        if self.exact:
            return self.exact if self.anchor_state != AnchorState.ORPHANED else ""
        cue = self.attribution if self.attribution_id else None
        return cue.exact if cue is not None and cue.anchor_state != AnchorState.ORPHANED else ""

    def __str__(self) -> str:
        target = {
            self.Kind.QUOTE: lambda: str(self.attribution),
            self.Kind.ARTICLE: lambda: str(self.article),
            self.Kind.CLAIM: lambda: str(self.other_claim),
            self.Kind.URL: lambda: self.url,
        }.get(self.kind, lambda: "")()
        return f"{self.get_kind_display()}: {target}"

    def clean(self) -> None:
        if self.kind == self.Kind.QUOTE and self.attribution_id is not None:
            if self.attribution.claim_id != self.claim_id:
                raise ValidationError({"attribution": _("The quote must be one of this claim's own attributions.")})
            if self.attribution.sourcing != Attribution.Sourcing.ON_RECORD:
                raise ValidationError({"attribution": _("Only an on-the-record attribution is evidence.")})
        if self.start is not None or self.end is not None or self.exact:
            if self.kind != self.Kind.QUOTE:
                raise ValidationError({"exact": _("Only a quote from the chain can carry selected words of the story.")})
            if self.claim_id is not None:
                check_span(self.anchored_text(self.claim.article), self.start, self.end, self.exact)
        if self.kind == self.Kind.ARTICLE and self.article_id is not None and self.article_id == self.claim.article_id:
            raise ValidationError({"article": _("Evidence from another article must name another article.")})


class ClaimStatusChangeQuerySet(models.QuerySet):
    def with_evidence_dates(self):
        """With what dates each change in the world (annotations.across.dated): its evidence and
        the story that evidence names, without their texts."""
        return self.select_related("evidence__article", "evidence__other_claim__article").defer(
            "evidence__article__body", "evidence__article__search_vector",
            "evidence__other_claim__article__body", "evidence__other_claim__article__search_vector",
        )


@tracked()
class ClaimStatusChange(models.Model):
    """One change of a claim's status. Rows are only ever added, never changed."""

    objects = ClaimStatusChangeQuerySet.as_manager()

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(_("from"), max_length=20, choices=Claim.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Claim.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    reason = models.TextField(_("internal reason"), help_text=_("Why the status changed, for editors only."))
    public_explanation = models.TextField(
        _("public explanation"), blank=True, default="", db_default="",  # a raw INSERT that names none says none
        help_text=_("Shown to readers on the claim's public timeline; blank shows only the change itself."),
    )
    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )

    class Meta:
        ordering = ["claim", "changed_at", "id"]
        verbose_name = _("claim status change")
        verbose_name_plural = _("claim status history")
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=Claim.Status.values) & Q(to_status__in=Claim.Status.values),
                name="status_change_statuses_valid",
            ),
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="status_change_changes"),
            models.CheckConstraint(
                condition=~Q(to_status="confirmed") | Q(evidence__isnull=False), name="status_change_confirmed_has_evidence"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="status_change_has_reason"),
        ]
        triggers = [claim_rules_trigger("claim_rules", CHECK_CLAIM_OF_CHILD_ROW)]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class StoryLinkQuerySet(models.QuerySet):
    def published(self):
        """Links the public may see: both stories are published."""
        return self.filter(from_article__status=Article.Status.PUBLISHED, to_article__status=Article.Status.PUBLISHED)

    def not_published(self):
        return self.exclude(from_article__status=Article.Status.PUBLISHED, to_article__status=Article.Status.PUBLISHED)

    def visible_to(self, user):
        if user.has_perm("articles.view_article"):
            return self
        return self.published()

    def touching(self, article: Article):
        """Links from or to `article`: a link shows from both sides."""
        return self.filter(Q(from_article=article) | Q(to_article=article))

    def with_other_ends(self, article: Article) -> list[tuple["StoryLink", Article]]:
        """Each link from or to `article`, with the story at its other end."""
        links = self.touching(article).select_related("from_article", "to_article")
        return [(link, link.other_end(article)) for link in links]

    def between(self, article: Article, other: Article):
        """Links between the two stories, whichever way round they were made (story_link_unique_pair)."""
        return self.filter(Q(from_article=article, to_article=other) | Q(from_article=other, to_article=article))


class StoryLinkKind(models.TextChoices):
    SAME_EVENT = "same_event", _("same event")
    FOLLOW_UP = "follow_up", _("follow-up")
    EARLIER_COVERAGE = "earlier_coverage", _("earlier coverage")
    CONTRADICTS = "contradicts", _("contradicts")
    TRANSLATION_OF = "translation_of", _("translation of")
    CITES = "cites", _("cites")


@tracked()
class StoryLink(models.Model):
    """A typed relation between two articles, such as two reports of the same event."""

    Kind = StoryLinkKind

    from_article = models.ForeignKey(
        Article, verbose_name=_("from article"), on_delete=models.CASCADE, related_name="links_from"
    )
    to_article = models.ForeignKey(Article, verbose_name=_("to article"), on_delete=models.CASCADE, related_name="links_to")
    kind = models.CharField(_("relation"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = StoryLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("story link")
        verbose_name_plural = _("story links")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=StoryLinkKind.values), name="story_link_kind_valid"),
            models.CheckConstraint(condition=~Q(from_article=F("to_article")), name="story_link_not_to_itself"),
            # One link of a kind between two stories, whichever way round it was made.
            models.UniqueConstraint(
                Least("from_article", "to_article"), Greatest("from_article", "to_article"), F("kind"),
                name="story_link_unique_pair",
                violation_error_message=_(
                    "These two stories are already linked this way (in one direction or the other)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_article} — {self.get_kind_display()} — {self.to_article}"

    def clean(self) -> None:
        if self.from_article_id is not None and self.from_article_id == self.to_article_id:
            raise ValidationError(_("A story cannot be linked to itself."))

    def other_end(self, article: Article) -> Article:
        """The story this link relates `article` to, whichever way round the link was made."""
        return self.to_article if self.from_article_id == article.pk else self.from_article


class RejectedSuggestion(models.Model):
    """An entity suggestion an editor turned down for this story: it is not offered again."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="rejected_suggestions")
    entity = models.ForeignKey(Entity, verbose_name=_("entity"), on_delete=models.CASCADE, related_name="+")
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("rejected by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected"), auto_now_add=True)

    class Meta:
        verbose_name = _("rejected suggestion")
        verbose_name_plural = _("rejected suggestions")
        constraints = [
            models.UniqueConstraint(fields=["article", "entity", "start", "end"], name="rejected_suggestion_unique"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="rejected_suggestion_span_order"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} @ {self.start}–{self.end}"


class StorySuggestion(models.Model):
    """An editor's decision on a suggested related story: confirmed (a link was made) or dismissed.

    The score and how the pair was found are kept as they were when the editor decided.
    """

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        DISMISSED = "dismissed", _("dismissed")

    from_article = models.ForeignKey(Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="+")
    to_article = models.ForeignKey(Article, verbose_name=_("suggested story"), on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    how = models.TextField(_("how it was found"))
    state = models.CharField(_("decision"), max_length=20, choices=State.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        verbose_name = _("related-story decision")
        verbose_name_plural = _("related-story decisions")
        constraints = [
            models.UniqueConstraint(fields=["from_article", "to_article"], name="story_suggestion_unique_pair"),
            models.CheckConstraint(condition=Q(state__in=["confirmed", "dismissed"]), name="story_suggestion_state_valid"),
            models.CheckConstraint(condition=~Q(from_article=F("to_article")), name="story_suggestion_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.from_article_id} → {self.to_article_id}: {self.state}"


class EmbeddingField(models.Field):
    """A statement's vector: pgvector's `vector` where the database has the extension (the
    migration creates it where the server offers it), else a plain `real[]`. Read and written by
    annotations/meaning.py in SQL; the column's type is asked of the table (meaning.column_type())."""

    def __init__(self, *args, dimensions: int = 512, **kwargs):
        self.dimensions = dimensions
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["dimensions"] = self.dimensions
        return name, path, args, kwargs

    def db_type(self, connection) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            has_vector = cursor.fetchone() is not None
        return f"vector({self.dimensions})" if has_vector else "real[]"


class StatementVector(models.Model):
    """The meaning of one wording of a claim, as its encoder saw it: keyed by the MD5 of the text,
    so that every claim, appearance and translation with the same words shares one vector."""

    digest = models.CharField(_("digest"), max_length=32, primary_key=True)
    encoder = models.CharField(_("encoder"), max_length=60)
    embedding = EmbeddingField(_("vector"), dimensions=512)
    created_at = models.DateTimeField(_("computed"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement vector")
        verbose_name_plural = _("statement vectors")

    def __str__(self) -> str:
        return f"{self.digest} ({self.encoder})"


class ClaimMatch(models.Model):
    """An editor's decision on a suggested match: this appearance is (joined) or is not (dismissed)
    the same claim as a claim told elsewhere. The score and how the match was found are kept as
    they were when the editor decided; a dismissed match is not offered again."""

    class Decision(models.TextChoices):
        JOINED = "joined", _("the same claim: joined")
        DISMISSED = "dismissed", _("not the same claim")

    claim = models.ForeignKey(Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="matches")
    candidate = models.ForeignKey(
        ClaimAcrossStories, verbose_name=_("suggested claim"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    almost_certain = models.BooleanField(_("almost certainly the same"), default=False)
    how = models.TextField(_("how it was found"))
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), auto_now=True)

    class Meta:
        verbose_name = _("claim match decision")
        verbose_name_plural = _("claim match decisions")
        constraints = [
            models.UniqueConstraint(fields=["claim", "candidate"], name="claim_match_unique_pair"),
            models.CheckConstraint(condition=Q(decision__in=["joined", "dismissed"]), name="claim_match_decision_valid"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="claim_match_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} ~ {self.candidate_id}: {self.decision}"


class Submission(models.Model):
    """A desk form as it was sent, under the random key rendered with it, and what it was answered.

    The same form sent again (a double click, a retried request) carries the same key. Its INSERT
    of the key (Submission.take, inside the view's transaction) waits on the key's unique index
    until the first one commits, then finds the first one's answer and gives it again instead of
    making the rows twice. A refused form is rolled back with its rows, key included, so sending
    it again is a new try. Only the account, page and contents that first sent a key get its answer.
    """

    key = models.UUIDField(_("key"), unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("form"), max_length=40)
    digest = models.CharField(_("digest of what was sent"), max_length=64)
    status = models.PositiveSmallIntegerField(_("answer's status"), null=True, blank=True)
    message = models.TextField(_("answer"), blank=True)
    made = models.JSONField(_("rows made"), default=dict, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def answered(self) -> bool:
        return self.status is not None

    @classmethod
    def take(cls, key, *, user, kind: str, digest: str) -> "Submission":
        """This submission, its key inserted now; or the earlier one that sent the same key, answered.

        Call it inside the transaction that makes the rows. Without a key (an old page, a script)
        there is nothing to find again: the submission returned is never stored. ValidationError
        if the key was sent by another account, from another page or with other contents.
        """
        if key is None:
            return cls(user=user, kind=kind, digest=digest)
        if not connection.in_atomic_block:
            raise RuntimeError("Submission.take() belongs inside the transaction that makes the rows.")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {cls._meta.db_table} (key, user_id, kind, digest, message, made, created_at) "
                "VALUES (%s, %s, %s, %s, '', '{}', %s) ON CONFLICT (key) DO NOTHING RETURNING id",
                [key, user.pk, kind, digest, timezone.now()],
            )
            inserted = cursor.fetchone()
        if inserted:
            return cls(pk=inserted[0], key=key, user=user, kind=kind, digest=digest)
        return cls.earlier(key, user=user, kind=kind, digest=digest)

    @classmethod
    def earlier(cls, key, *, user, kind: str, digest: str) -> "Submission | None":
        """The answered submission that sent `key` before, None if none did (see take)."""
        earlier = cls.objects.filter(key=key).first()
        if earlier is None:
            return None
        if (earlier.user_id, earlier.kind, earlier.digest) != (user.pk, kind, digest) or not earlier.answered:
            # Nothing of the earlier answer is said: the key may be another editor's.
            raise ValidationError(
                gettext(
                    "This form was sent before, from another account or page or with other contents, so it was not "
                    "sent again. Check the story as it is now, and send the form again if it still needs to be."
                )
            )
        return earlier

    def answer(self, status: int, message: str, made: dict | None = None) -> None:
        """Keep what this submission was answered, for the same form sent again."""
        self.status, self.message, self.made = status, message, made or {}
        if self.pk is not None:
            Submission.objects.filter(pk=self.pk).update(status=status, message=message, made=self.made)

    @staticmethod
    @contextmanager
    def one_at_a_time(key):
        """Hold the key for a form whose work commits in many transactions (an import): a twin
        waits here (a session lock of PostgreSQL's) until the first one has stored its answer."""
        if key is None:
            yield
            return
        lock = int.from_bytes(key.bytes[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
            except DatabaseError:
                pass  # the connection is gone, and its lock with it


class ReviewDecision(models.TextChoices):
    ACCEPTED = "accepted", _("new place accepted")
    PLACED = "placed", _("placed on other words")
    REMOVED = "removed", _("removed")
    SUPERSEDED = "superseded", _("superseded by a later correction")


class AnchorReviewQuerySet(models.QuerySet):
    def open(self):
        return self.filter(decision="")

    def for_queue(self):
        """The open reviews, newest first, with what the queue shows of each."""
        return self.open().select_related(
            "article", "from_version", "mention__entity", "claim", "attribution__source", "attribution__claim",
            "evidence__claim", "evidence__attribution__source",
        ).order_by("-created_at", "-id")


class AnchorReview(models.Model):
    """One span a correction could not carry over with certainty: placed on the best candidate
    and waiting for an editor (`state` review), or orphaned. Its old place is kept here (offsets
    into `from_version`'s text), so the queue shows the old words in their context beside the
    new; the span itself carries its state (Anchored), which hides it from the public until an
    editor decides. Exactly one of the four spans is named."""

    objects = AnchorReviewQuerySet.as_manager()
    Decision = ReviewDecision

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="anchor_reviews")
    mention = models.ForeignKey("Mention", null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    claim = models.ForeignKey("Claim", null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    attribution = models.ForeignKey("Attribution", null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    evidence = models.ForeignKey("Evidence", null=True, blank=True, on_delete=models.CASCADE, related_name="reviews")
    state = models.CharField(_("state"), max_length=10, choices=[c for c in AnchorState.choices if c[0] != "placed"])
    reason = models.CharField(_("reason"), max_length=40)
    from_version = models.ForeignKey(
        "articles.ArticleVersion", verbose_name=_("from version"), on_delete=models.CASCADE, related_name="+"
    )
    to_version = models.ForeignKey(
        "articles.ArticleVersion", verbose_name=_("to version"), on_delete=models.CASCADE, related_name="+"
    )
    old_start = models.PositiveIntegerField(_("old start"))
    old_end = models.PositiveIntegerField(_("old end"))
    old_exact = models.TextField(_("old words"))
    new_start = models.PositiveIntegerField(_("new start"), null=True, blank=True)
    new_end = models.PositiveIntegerField(_("new end"), null=True, blank=True)
    quote_similarity = models.FloatField(_("words alike"), default=0)
    context_similarity = models.FloatField(_("context alike"), default=0)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=12, choices=ReviewDecision.choices, blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("annotation to review")
        verbose_name_plural = _("annotations to review")
        indexes = [models.Index(fields=["-created_at", "-id"], condition=Q(decision=""), name="anchor_review_open")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(mention__isnull=False, claim__isnull=True, attribution__isnull=True, evidence__isnull=True)
                    | Q(mention__isnull=True, claim__isnull=False, attribution__isnull=True, evidence__isnull=True)
                    | Q(mention__isnull=True, claim__isnull=True, attribution__isnull=False, evidence__isnull=True)
                    | Q(mention__isnull=True, claim__isnull=True, attribution__isnull=True, evidence__isnull=False)
                ),
                name="anchor_review_one_span",
            ),
            models.CheckConstraint(condition=Q(state__in=["review", "orphaned"]), name="anchor_review_state_valid"),
            models.CheckConstraint(condition=Q(decision__in=["", *ReviewDecision.values]), name="anchor_review_decision_valid"),
            models.CheckConstraint(
                condition=Q(state="orphaned", new_start__isnull=True, new_end__isnull=True)
                | Q(state="review", new_start__isnull=False, new_end__gt=F("new_start")),
                name="anchor_review_new_place",
            ),
        ]

    @property
    def span(self):
        return self.mention or self.claim or self.attribution or self.evidence

    @property
    def kind(self) -> str:
        return next(name for name in ("mention", "claim", "attribution", "evidence") if getattr(self, f"{name}_id"))


class Profile(models.Model):
    """A logged-in user's own settings: the interface language they chose with the switcher,
    which every log-in of theirs, in any browser, brings back (newsdesk/languages.py); and when
    they last looked at the desk's inbox, which says what arrived since."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    language = models.CharField(_("interface language"), max_length=15, blank=True)
    inbox_seen_at = models.DateTimeField(_("inbox last seen"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def inbox_seen(cls, user, at) -> None:
        """Remember that `user` looked at the inbox `at` then: one UPDATE, or on a first visit
        (no profile yet) one upsert."""
        if not cls.objects.filter(user=user).update(inbox_seen_at=at):
            cls.objects.bulk_create(
                [cls(user=user, inbox_seen_at=at)], update_conflicts=True, unique_fields=["user"], update_fields=["inbox_seen_at"],
            )
