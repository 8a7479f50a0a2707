import hashlib

import langcodes
import pgtrigger
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from slugify import slugify

from articles.search import LISTING_ORDER, SEARCH_CONFIGS, search_config_expression, search_vector_expression
from articles.text import Folded, IsNFC, has_no_bidi_controls, name_key, to_name, to_nfc, typed_name_key
from newsdesk.history import tracked

LANGUAGE_TAG_REGEX = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


def normalise_language_tag(tag: str) -> str:
    """Return the standard form of a BCP 47 tag ('EN_us' -> 'en-US'), or raise ValidationError."""
    cleaned = tag.strip().replace("_", "-")
    if not cleaned or not langcodes.tag_is_valid(cleaned):
        raise ValidationError(_("%(tag)r is not a BCP 47 language tag such as en, id or ko-KR."), params={"tag": tag})
    return langcodes.standardize_tag(cleaned)


def slug_of(text: str, max_length: int = 80) -> str:
    """`text` as a slug, transliterated to ASCII; empty if it has no letters or digits."""
    # The transliteration named, not left to python-slugify's choice of what is installed: the
    # same slugs wherever the app runs, and no failed import of Unidecode for every slug.
    return slugify(text, max_length=max_length, word_boundary=True, backend="text-unidecode")


def unique_slug(model: type[models.Model], text: str, *, instance_pk=None, max_length: int = 80) -> str:
    """A slug for `text` (transliterated to ASCII) that no other row of `model` uses."""
    base = slug_of(text, max_length) or model._meta.model_name
    slug, n = base, 2
    while model._default_manager.filter(slug=slug).exclude(pk=instance_pk).exists():
        slug = f"{base[: max_length - 6]}-{n}"
        n += 1
    return slug


# Each parallel save of the same name can lose once to each of the others (see below).
SLUG_ATTEMPTS = 10


def save_with_free_slug(instance: models.Model, text: str, save) -> None:
    """Call `save` (the model's own save) with a slug for `text` that no other row uses.

    unique_slug() looks before the INSERT leaps, so two parallel saves of the same name pick the
    same slug: the second one's INSERT then waits on the slug's unique index, fails once the first
    commits, and is tried again, inside a savepoint, with the next free slug. A slug given by the
    caller is kept, and a failure on any other constraint is not tried again.
    """
    if instance.slug:
        return save()
    model = type(instance)
    for attempt in range(SLUG_ATTEMPTS):
        instance.slug = unique_slug(model, text, instance_pk=instance.pk)
        try:
            with transaction.atomic():
                return save()
        except IntegrityError:
            taken = model._default_manager.filter(slug=instance.slug).exclude(pk=instance.pk).exists()
            if not taken or attempt == SLUG_ATTEMPTS - 1:
                instance.slug = ""
                raise


# Blank, or an http(s) address: never javascript:, data: or a file path, whoever writes the row.
WEB_ADDRESS = Q(url="") | Q(url__iregex=r"^https?://")


class WebAddressField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is left out, as Django 6 will."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class SourceKind(models.TextChoices):
    PUBLICATION = "publication", _("publication")
    NEWS_AGENCY = "news_agency", _("news agency")
    BROADCASTER = "broadcaster", _("broadcaster")
    GOVERNMENT = "government", _("government body")
    ORGANISATION = "organisation", _("organisation")
    PERSON = "person", _("named person")
    ANONYMOUS = "anonymous", _("unnamed person or group")
    DOCUMENT = "document", _("document")


class Named(models.Model):
    """What a source and an entity share: a name, never empty, and the slug of their public page
    (chosen by save_with_free_slug), a description, when it was made; listed by name."""

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="%(class)s_name_not_empty"),
            models.CheckConstraint(condition=has_no_bidi_controls("name"), name="%(class)s_name_no_bidi_controls"),
        ]

    def __str__(self) -> str:
        return self.name


class SourceQuerySet(models.QuerySet):
    def same_name(self, name: str):
        """Sources whose name is `name` to an editor (articles.text.name_key), of any kind and country."""
        return self.alias(key=name_key(Folded("name"))).filter(key=typed_name_key(name))

    def with_story_count(self):
        """Each with `story_count`: how many stories it published or is cited in (in subqueries)."""
        from annotations.models import Attribution

        cited = (
            Attribution.objects.filter(source=OuterRef("pk")).order_by().values("source")
            .annotate(n=Count("claim__article", distinct=True)).values("n")
        )
        published = Article.objects.filter(publisher=OuterRef("pk")).order_by().values("publisher").annotate(n=Count("pk")).values("n")
        return self.annotate(story_count=Coalesce(Subquery(cited), 0) + Coalesce(Subquery(published), 0))

    def published(self):
        """Sources the public may see: the publisher of a published story, or a source cited in
        the chain of a published claim (see Claim.objects.published())."""
        return self.filter(self._public())

    def not_published(self):
        """Sources the public may not see: the counterpart of published()."""
        return self.exclude(self._public())

    def with_public(self):
        """Each with `public`: whether the public may see it (published()'s test, asked of each row)."""
        return self.annotate(public=self._public())

    @staticmethod
    def _public():
        from annotations.models import Claim  # annotations' models are built on these

        return Exists(Article.objects.published().filter(publisher=OuterRef("pk"))) | Exists(
            Claim.objects.published().filter(attributions__source=OuterRef("pk"))
        )


@tracked()
class Source(Named):
    """Anyone information comes from: a publisher, an agency, a body, a named or unnamed person."""

    objects = SourceQuerySet.as_manager()

    Kind = SourceKind

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166 two-letter code, such as KR or ID; blank if none")
    )
    url = WebAddressField(_("web address"), max_length=2000, blank=True)
    accepts_upstream_versions = models.BooleanField(
        _("accept its corrections automatically"), default=False, db_default=False,
        help_text=_(
            "When an import finds one of this publisher's stories changed upstream, make the new text current at once "
            "(annotations are carried over or flagged) instead of waiting for an editor to accept it."
        ),
    )

    class Meta(Named.Meta):
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = Named.Meta.constraints + [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=Q(country__regex=r"^([A-Z]{2})?$"), name="source_country_iso"),
            models.UniqueConstraint(models.functions.Lower("name"), F("kind"), F("country"), name="source_unique_name"),
            models.CheckConstraint(condition=WEB_ADDRESS, name="source_url_http"),
        ]
        # A source that becomes unnamed may not stay on the record anywhere (annotations' claim rules).
        triggers = [
            pgtrigger.Trigger(
                name="claim_rules", when=pgtrigger.After, timing=pgtrigger.Deferred, operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("kind"),
                func="PERFORM claim_rules_check(cited.claim_id) FROM (SELECT DISTINCT claim_id FROM "
                "annotations_attribution WHERE source_id = NEW.id) AS cited; RETURN NULL;",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})" if self.country else self.name

    def clean(self) -> None:
        self.name = to_name(self.name)
        self.country = self.country.upper()

    def save(self, *args, **kwargs) -> None:
        self.name = to_name(self.name)
        save_with_free_slug(self, f"{self.name} {self.country}", lambda: super(Source, self).save(*args, **kwargs))

    def get_absolute_url(self) -> str:
        return reverse("articles:source-detail", args=[self.slug])

    @classmethod
    def named(cls, name: str, kind: str = SourceKind.PUBLICATION, country: str = "", url: str = "") -> "Source":
        """The source of this name (any case, accents or Unicode form: SourceQuerySet.same_name),
        kind and country, created if there is none yet.

        Two parallel calls may both find none: the second one's INSERT then fails on
        source_unique_name once the first commits, and it returns the first one's row.
        """
        name, country = to_name(name)[:300], country.strip().upper()
        found = cls.objects.same_name(name).filter(kind=kind, country=country).order_by("pk").first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(name=name, kind=kind, country=country, url=url)
        except IntegrityError:
            # Lower() as in source_unique_name (and read off its index): iexact compares UPPER(),
            # which folds some letters (the Kelvin sign, final sigma) differently.
            same = cls.objects.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)), kind=kind, country=country)
            found = same.first()
            if found is None:
                raise
            return found


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Articles the public may read."""
        return self.filter(status=Article.Status.PUBLISHED)

    def not_published(self):
        """Drafts and withdrawn articles: the counterpart of published()."""
        return self.exclude(status=Article.Status.PUBLISHED)

    def visible_to(self, user):
        """Editors see every article; everyone else only published ones."""
        if user.has_perm("articles.view_article"):
            return self
        return self.published()

    def for_listing(self):
        return self.select_related("publisher").defer("body", "search_vector").order_by(*LISTING_ORDER)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


# Single-row inserts go straight into the GIN index instead of a pending list that every
# search must scan until (auto)vacuum merges it: measured in bench/gin_pending.py.
GIN_FASTUPDATE = False


@tracked("search_vector", "search_config", "feed")
class Article(models.Model):
    Status = ArticleStatus

    title = models.CharField(_("title"), max_length=500)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, blank=True)
    body = models.TextField(_("body"), help_text=_("Plain text, paragraphs separated by a blank line."))
    language = models.CharField(
        _("language"), max_length=35, help_text=_("BCP 47 tag of the story's language, such as id, en or ko.")
    )
    publisher = models.ForeignKey(
        Source, verbose_name=_("publisher"), on_delete=models.PROTECT, related_name="articles"
    )
    url = WebAddressField(_("web address"), max_length=2000, blank=True)
    upstream_id = models.CharField(
        _("upstream identifier"), max_length=500, blank=True, default="", db_default="",
        help_text=_("The feed item's guid or the JSON Lines record's id: how an import knows the publisher's story again."),
    )
    published_at = models.DateTimeField(_("publication time"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The feed that brought it (articles/polling.py): the inbox counts what arrived by itself.
    # Blank for a story uploaded, typed in or imported from the command line.
    feed = models.ForeignKey(
        "Feed", verbose_name=_("brought by feed"), null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="articles",
    )
    # The number of the version `body` is (ArticleVersion): 1 for a story never corrected, which
    # has no version rows, so its pages need not look for any.
    text_version = models.PositiveIntegerField(_("text version"), default=1, db_default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    content_hash = models.CharField(
        _("content hash"), max_length=64, editable=False, db_index=True,
        help_text=_("SHA-256 of the NFC body: how an import recognises a story it has already seen without a URL."),
    )
    search_config = models.GeneratedField(
        expression=search_config_expression(), output_field=models.TextField(), db_persist=True
    )
    search_vector = models.GeneratedField(
        expression=search_vector_expression(), output_field=SearchVectorField(), db_persist=True
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = list(LISTING_ORDER)
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish and withdraw articles"))]
        indexes = [
            # One GIN index per language's configuration, each holding only that language's
            # stories: a query read in English is answered by the English index alone, with no
            # row's vector read to check its language (articles.search.TextQuery).
            *[
                GinIndex(
                    fields=["search_vector"], name=f"article_fts_{config}", condition=Q(search_config=config),
                    fastupdate=GIN_FASTUPDATE,
                )
                for config in SEARCH_CONFIGS
            ],
            models.Index(fields=["language"], name="article_language"),
            # What arrived since an editor last looked at the inbox (annotations.views.article_inbox).
            models.Index(fields=["created_at"], name="article_created"),
            # The listings' order (newest first, then id), for the front page the published only:
            # a page of them is read off the index, and counted from it, however large the archive.
            models.Index(*LISTING_ORDER, name="article_listing"),
            models.Index(*LISTING_ORDER, condition=Q(status="published"), name="article_published_listing"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ArticleStatus.values), name="article_status_valid"),
            models.CheckConstraint(condition=Q(language__regex=LANGUAGE_TAG_REGEX), name="article_language_bcp47"),
            models.CheckConstraint(condition=~Q(title=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=has_no_bidi_controls("title"), name="article_title_no_bidi_controls"),
            models.CheckConstraint(condition=IsNFC("body") & IsNFC("title"), name="article_text_nfc"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="article_unique_url"),
            # A feed's guid or a file's id is its publisher's: two feeds may both number items "1".
            models.UniqueConstraint(
                fields=["publisher", "upstream_id"], condition=~Q(upstream_id=""), name="article_unique_upstream_id"
            ),
            models.CheckConstraint(condition=WEB_ADDRESS, name="article_url_http"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_body = values[field_names.index("body")] if "body" in field_names else None
        return instance

    def validate_constraints(self, exclude=None) -> None:
        # The database computes search_vector; leaving it out spares resolving its 30-way CASE
        # for every constraint (about 80 ms a story), and no constraint reads it.
        super().validate_constraints(exclude={*(exclude or ()), "search_vector", "search_config"})

    def clean(self) -> None:
        self.title = to_name(self.title)
        self.body = to_nfc(self.body)
        if self.language:
            try:
                self.language = normalise_language_tag(self.language)
            except ValidationError as error:
                raise ValidationError({"language": error.messages}) from None
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            raise ValidationError({"published_at": UNDATED_REFUSAL})
        if self.body_changed() and self.has_annotations() and not getattr(self, "_revising", False):
            raise ValidationError({"body": BODY_CHANGED_REFUSAL})

    def save(self, *args, **kwargs) -> None:
        self.normalise()
        if self.body_changed() and self.has_annotations() and not getattr(self, "_revising", False):
            raise ValidationError(BODY_CHANGED_REFUSAL)
        save_with_free_slug(self, self.title, lambda: super(Article, self).save(*args, **kwargs))
        self._loaded_body = self.body

    def normalise(self) -> None:
        """The stored form of its title, text and language, and the text's hash: what save()
        writes, and what an import writes when it inserts many stories at once."""
        # Bodies become NFC once, here, so that every offset refers to the same code points.
        self.title = to_name(self.title)
        self.body = to_nfc(self.body)
        self.language = normalise_language_tag(self.language)
        self.content_hash = body_hash(self.body)

    def body_changed(self) -> bool:
        if self.pk is None:
            return False
        loaded = getattr(self, "_loaded_body", None)
        if loaded is None:  # loaded with the body deferred, or built by hand: ask the database
            loaded = Article.objects.filter(pk=self.pk).values_list("body", flat=True).first()
        return loaded is not None and loaded != self.body

    def has_annotations(self) -> bool:
        """Whether its text may change only as a new version: annotations are anchored in it, or
        it has versions already (annotations.corrections)."""
        return self.mentions.exists() or self.claims.exists() or self.versions.exists()

    def publish(self, *, by=None) -> None:
        """Publish the story; an undated one is refused (ValidationError): the date a reader sees
        is the story's own, never the moment someone pressed Publish."""
        if self.published_at is None:
            raise ValidationError(UNDATED_REFUSAL)
        self.status = self.Status.PUBLISHED
        self.save(update_fields=["status", "updated_at"])
        # The text readers now see was public: it stays readable once a correction replaces it.
        self.versions.filter(state=ArticleVersion.State.CURRENT).update(was_public=True)

    def withdraw(self, *, by=None) -> None:
        self.status = self.Status.WITHDRAWN
        self.save(update_fields=["status", "updated_at"])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def text_direction(self) -> str:
        return "rtl" if langcodes.Language.get(self.language).maximize().script in RTL_SCRIPTS else "ltr"


# A story's text changes only as a new version (annotations.corrections.revise), which carries
# every annotation over to the new words or flags it; never by saving the body in place.
BODY_CHANGED_REFUSAL = _(
    "Annotations are anchored in this story's text: correct it with “Correct the text” in the desk, "
    "which keeps the earlier version and carries the annotations over."
)

UNDATED_REFUSAL = _(
    "This story has no publication date: set the date it was published (Edit the story's details) before publishing it."
)


def body_hash(body: str) -> str:
    return hashlib.sha256(to_nfc(body).encode("utf-8")).hexdigest()


RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"}


class VersionState(models.TextChoices):
    CURRENT = "current", _("current")
    EARLIER = "earlier", _("earlier")
    PENDING = "pending", _("pending")  # found upstream by an import, waiting for an editor
    REJECTED = "rejected", _("rejected")


class VersionOrigin(models.TextChoices):
    ORIGINAL = "original", _("first text")
    DESK = "desk", _("corrected in the desk")
    UPSTREAM = "upstream", _("changed upstream")


@tracked()
class ArticleVersion(models.Model):
    """A story's text as it stood at one time. The story's own `body` is always its current
    version's; an earlier version is kept whole, so that its annotations' old places, a reader's
    link to what was published, and the difference between any two stay readable.

    Versions are made lazily: a story that was never corrected has none, and its first
    correction stores the text it replaces as version 1 (annotations.corrections.revise)."""

    State = VersionState
    Origin = VersionOrigin

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    note = models.TextField(_("internal note"), blank=True, help_text=_("Why the text changed, for editors."))
    public_note = models.TextField(
        _("public correction note"), blank=True,
        help_text=_("What was corrected, as readers will read it under “Corrected on …”."),
    )
    was_public = models.BooleanField(_("was public"), default=False, help_text=_("Readers saw this text once."))
    corrects_public = models.BooleanField(
        _("corrects a published text"), default=False, help_text=_("Made current while the story was published.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # What re-anchoring did when this version became current (annotations.corrections).
    moved = models.PositiveIntegerField(_("annotations moved"), default=0)
    to_review = models.PositiveIntegerField(_("annotations to review"), default=0)
    orphaned = models.PositiveIntegerField(_("annotations orphaned"), default=0)
    withheld = models.BooleanField(_("withheld from the public"), default=False)
    withheld_reason = models.TextField(_("why withheld"), blank=True)
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("withheld by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    withheld_at = models.DateTimeField(_("withheld"), null=True, blank=True)

    class Meta:
        ordering = ["article", "number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_unique_number"),
            # One current text per story, one pending upstream text at a time.
            models.UniqueConstraint(fields=["article"], condition=Q(state="current"), name="version_one_current"),
            models.UniqueConstraint(fields=["article"], condition=Q(state="pending"), name="version_one_pending"),
            models.CheckConstraint(condition=Q(state__in=VersionState.values), name="version_state_valid"),
            models.CheckConstraint(condition=Q(origin__in=VersionOrigin.values), name="version_origin_valid"),
            models.CheckConstraint(condition=IsNFC("body") & IsNFC("title"), name="version_text_nfc"),
            models.CheckConstraint(condition=~Q(withheld=True) | ~Q(withheld_reason=""), name="version_withheld_has_reason"),
            models.CheckConstraint(condition=~Q(withheld=True) | ~Q(state="current"), name="version_current_not_withheld"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]
        permissions = [("withhold_articleversion", _("Can withhold an earlier version from the public"))]

    def __str__(self) -> str:
        return f"{self.article} — v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("articles:version", args=[self.article.slug, self.number])


class FeedFormat(models.TextChoices):
    AUTO = "auto", _("detect from the content")
    FEED = "feed", _("RSS or Atom feed")
    JSONL = "jsonl", "JSON Lines"


class PollResult(models.TextChoices):
    NEW = "new", _("new stories")
    NOTHING_NEW = "nothing_new", _("nothing new")
    NOT_MODIFIED = "not_modified", _("not modified since the last poll")
    FAILED = "failed", _("failed")


class FeedQuerySet(models.QuerySet):
    def due(self, now=None):
        """Feeds switched on, not paused, whose next poll has come."""
        return self.filter(active=True, paused_at__isnull=True, next_poll_at__lte=now or timezone.now())

    def in_trouble_first(self):
        """Paused feeds first, then failing ones (most failures first), then the rest by name."""
        return self.order_by(F("paused_at").desc(nulls_last=True), "-failures", "-active", "name", "url")

    # Paused, and failing but not paused yet (Feed.in_trouble): the inbox counts both.
    PAUSED = Q(paused_at__isnull=False)
    FAILING = Q(paused_at__isnull=True, failures__gt=0)


@tracked(
    "etag", "last_modified", "last_polled_at", "next_poll_at", "last_result", "last_error", "last_messages",
    "last_new", "last_known", "last_changed", "last_failed", "failures", "imported_total",
)
class Feed(models.Model):
    """A subscription: a feed (RSS, Atom or JSON Lines over HTTP) polled in the background at its
    interval (articles/polling.py). What it brings always arrives as drafts. Maintainers manage
    feeds in the admin; editors see their health in the desk and resume a paused one."""

    Format = FeedFormat
    Result = PollResult

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="feeds",
        help_text=_("Whose feed this is; its stories' publisher unless they name another."),
    )
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("What editors call it; the address if blank."))
    url = WebAddressField(_("feed address"), max_length=2000, unique=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.AUTO)
    language = models.CharField(
        _("default language"), max_length=35, blank=True,
        help_text=_("BCP 47 tag for stories that declare none (such as id or ko); blank: detected from the text."),
    )
    publisher = models.ForeignKey(
        Source, verbose_name=_("default publisher"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("For stories that name no publisher; blank: the feed's source."),
    )
    interval = models.PositiveIntegerField(
        _("polling interval (minutes)"), default=15,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    active = models.BooleanField(_("on"), default=True, help_text=_("Polled at its interval; switched off, never."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The fetch's memory: sent back as If-None-Match and If-Modified-Since, so an unchanged feed costs a 304.
    etag = models.CharField(_("ETag"), max_length=500, blank=True, editable=False)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True, editable=False)
    # Its health (articles/polling.py keeps it; the desk's feeds page shows it).
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(_("next poll"), default=timezone.now, editable=False)
    last_result = models.CharField(_("last result"), max_length=20, choices=Result.choices, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_messages = models.JSONField(_("last poll's notes"), default=list, blank=True, editable=False)
    last_new = models.PositiveIntegerField(_("new"), default=0, editable=False)
    last_known = models.PositiveIntegerField(_("already known"), default=0, editable=False)
    last_changed = models.PositiveIntegerField(_("changed upstream"), default=0, editable=False)
    last_failed = models.PositiveIntegerField(_("failed"), default=0, editable=False)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0, editable=False)
    imported_total = models.PositiveIntegerField(_("stories brought in all"), default=0, editable=False)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True, editable=False)
    paused_reason = models.TextField(_("why paused"), blank=True, editable=False)

    objects = FeedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "url"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")
        indexes = [models.Index(fields=["next_poll_at"], condition=Q(active=True, paused_at__isnull=True), name="feed_due")]
        constraints = [
            models.CheckConstraint(condition=Q(format__in=FeedFormat.values), name="feed_format_valid"),
            models.CheckConstraint(condition=Q(url__iregex=r"^https?://"), name="feed_url_http"),
            models.CheckConstraint(condition=Q(interval__gte=1), name="feed_interval_positive"),
            models.CheckConstraint(
                condition=Q(language="") | Q(language__regex=LANGUAGE_TAG_REGEX), name="feed_language_bcp47"
            ),
            models.CheckConstraint(condition=Q(paused_at__isnull=True) | ~Q(paused_reason=""), name="feed_paused_has_reason"),
        ]

    def __str__(self) -> str:
        return self.name or self.url

    def clean(self):
        from articles.fetching import refusal

        super().clean()
        if self.url and (reason := refusal(self.url)):
            raise ValidationError({"url": reason})
        if self.language:
            try:
                self.language = normalise_language_tag(self.language)
            except ValidationError as error:
                raise ValidationError({"language": error.messages}) from None

    @property
    def default_publisher(self) -> Source:
        return self.publisher or self.source

    @property
    def in_trouble(self) -> bool:
        return self.paused_at is not None or self.failures > 0


class ImportState(models.TextChoices):
    WAITING = "waiting", _("waiting for a worker")
    RUNNING = "running", _("importing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(models.Model):
    """A file uploaded in the desk, imported by a worker (articles/tasks.py). The file is kept
    here, in the database, until its job ends, so that a worker on any machine can read it; its
    progress and, at the end, its report are kept for the page that shows them."""

    State = ImportState

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+",
    )
    name = models.CharField(_("file name"), max_length=100)
    data = models.BinaryField(_("file"), editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    format = models.CharField(_("format"), max_length=10)
    source = models.ForeignKey(
        Source, verbose_name=_("publisher for stories that name none"), null=True, on_delete=models.PROTECT,
        related_name="+",
    )
    publish = models.BooleanField(_("publish the stories"), default=False)
    # The uploader's interface language, in which the report is written.
    language = models.CharField(_("language of the report"), max_length=15, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    total = models.PositiveIntegerField(_("stories in the file"), default=0)
    done = models.PositiveIntegerField(_("stories done"), default=0)
    attempts = models.PositiveIntegerField(_("runs"), default=0)
    report = models.JSONField(_("report"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ImportState.values), name="importjob_state_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)
