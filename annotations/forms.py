from django import forms
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from annotations.models import (
    Attribution, Claim, ClaimAcrossStories, ClaimTranslation, Entity, Evidence, EvidenceSpec, Mention, StaleVersion,
    StoryLink, check_span, rules_checked,
)
from articles import page_cache
from articles.filtering import StoryFilterForm
from articles.admin_inlines import NoLostUpdatesForm
from articles.importing import Unimportable, canonical_url, count_stories
from articles.models import Article, Source, normalise_language_tag
from articles.search import AsYouType, newest_matches
from articles.text import to_name, to_nfc
from newsdesk.languages import number
from newsdesk.parameters import IdChoiceField, WholeNumberField


class NameField(forms.CharField):
    """A name as the models store it (articles.text.to_name): one of invisible controls only is blank."""

    def to_python(self, value) -> str:
        return to_name(super().to_python(value))


class InboxFilterForm(StoryFilterForm):
    """The inbox filters, over every story the editor may see. Every value comes from a fixed set
    or is parsed; nothing reaches a query raw."""

    key = "pk"

    q = forms.CharField(label=_("Search stories, claims, sources and entities"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any status"))] + Article.Status.choices
    )
    unverified = forms.BooleanField(label=_("Has unverified claims"), required=False)
    # The inbox's link to what arrived since the editor's last visit (stories added after then).
    since = forms.DateTimeField(label=_("Added since"), required=False, widget=forms.HiddenInput)

    field_order = ["q", "status", "source", "language", "date_from", "date_to", "entity", "unverified", "since"]

    def __init__(self, data=None, *, user, generation: str | None = None):
        super().__init__(
            data, articles=Article.objects.visible_to(user), mentions=Mention.objects.visible_to(user),
            entities=Entity.objects.all(), generation=generation,
        )
        self.claims = Claim.objects.visible_to(user)

    def narrow(self, articles, data: dict):
        """As StoryFilterForm narrows them, then by status, unverified claims and the words typed
        (the SEARCH_POOL newest matches)."""
        articles = super().narrow(articles, data)
        if data["status"]:
            articles = articles.filter(status=data["status"])
        if data["unverified"]:
            articles = articles.filter(Exists(self.claims.filter(article=OuterRef("pk"), status=Claim.Status.UNVERIFIED)))
        if data["since"]:
            articles = articles.filter(created_at__gt=data["since"])
        if data["q"]:
            articles = articles.filter(pk__in=newest_matches(articles, AsYouType(data["q"])))
        return articles


class FreshKeyInput(forms.HiddenInput):
    """A new random key each time the form is written out, whatever was sent: a form shown again
    (after an htmx swap, a refusal) is a new submission, while a double click sends the same one."""

    def format_value(self, value) -> str:
        return page_cache.fresh_key()

    def build_attrs(self, base_attrs, extra_attrs=None) -> dict:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("id", None)  # no label points at it, and a page may hold the same form many times
        return attrs


class SubmissionKeyField(forms.UUIDField):
    """The key of one submission of a create form (see annotations.models.Submission). Optional:
    a page from before keys, or a script, sends none and is not recognised when sent twice."""

    widget = FreshKeyInput
    default_error_messages = {
        "invalid": _("This form's submission key is damaged, so it was not sent. Reload the page and send it again."),
    }

    def __init__(self, **kwargs):
        super().__init__(label=_("Submission key"), required=False, **kwargs)


class SpanForm(forms.Form):
    """A selection in the body, in code points, with the text the editor saw."""

    start = WholeNumberField(min_value=0, max_value=10_000_000, widget=forms.HiddenInput)
    end = WholeNumberField(min_value=1, max_value=10_000_000, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, max_length=5000, widget=forms.HiddenInput)

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_span(self.article.body, cleaned["start"], cleaned["end"], cleaned["exact"])
            except ValidationError as error:
                raise ValidationError(
                    gettext("The selection could not be placed in the story: %(why)s Select the text again.")
                    % {"why": " ".join(error.messages)}
                ) from None
        return cleaned


class MentionForm(SpanForm):
    errors_shown_inline = ("new_entity_name", "new_entity_kind")  # beside their inputs; _form_errors.html shows the rest
    entity = IdChoiceField(
        label=_("Entity"), required=False, queryset=Entity.objects.all(), widget=forms.HiddenInput
    )
    new_entity_name = NameField(label=_("New entity's name"), required=False, max_length=300)
    new_entity_kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—")] + Entity.Kind.choices)
    create_another = forms.BooleanField(
        label=_("Create another entity of this name and kind, although one exists"), required=False
    )
    every_occurrence = forms.BooleanField(label=_("Tag every occurrence in this story"), required=False)
    submission = SubmissionKeyField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "mention-%s")  # the claim form beside it has fields of the same names
        super().__init__(*args, **kwargs)
        self.same_named: list[Entity] = []  # the entities the typed name already names, to pick from

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("entity") is not None:
            return cleaned
        name = cleaned.get("new_entity_name", "")
        if not name:
            self.add_error("new_entity_name", gettext("Pick an entity from the list, or name a new one."))
            return cleaned
        kind = cleaned.get("new_entity_kind")
        matches = list(Entity.objects.same_name(name).with_story_count().order_by("name", "pk")[:SAME_NAMED_SHOWN])
        chosen = typed_name_is(self, matches, name=name, kind=kind, same_kind=[m for m in matches if m.kind == kind])
        if chosen is not None:
            cleaned["entity"] = chosen
        elif not matches and not kind:
            self.add_error("new_entity_kind", gettext("No entity is called “%(name)s” yet: say what kind it is to create it.") % {"name": name})
        return cleaned


SAME_NAMED_SHOWN = 12


def described(row) -> str:
    """An existing entity or source as a refusal names it: name, kind, country or Wikidata id, stories."""
    details = [row.get_kind_display()]
    if getattr(row, "country", ""):
        details.append(row.country)
    if getattr(row, "wikidata_id", ""):
        details.append(row.wikidata_id)
    stories = getattr(row, "story_count", None)
    if stories is not None:
        details.append(ngettext("named in %(n)s story", "named in %(n)s stories", stories) % {"n": stories})
    return f"“{row.name}” ({', '.join(details)})"


def typed_name_is(form, matches: list, *, name: str, kind: str, same_kind: list, exact=None):
    """The existing row a typed name is, or None. One entity (or source) per thing: a name that
    is exactly one known row's, with no kind chosen, is that row; several are refused, listed to
    pick from; a new one beside a same-named row of the same kind needs "create another".
    `exact` is a match a new row could only duplicate (a source of the same name, kind and country)."""
    if exact is not None:
        return exact
    if not kind:
        if len(matches) == 1:
            return matches[0]
        if matches:
            form.same_named = matches
            form.add_error(None, gettext("“%(name)s” is the name of several: %(list)s. Pick the one meant from the list.") % {
                "name": name, "list": "; ".join(map(described, matches)),
            })
        return None
    if same_kind and not form.cleaned_data.get("create_another"):
        form.same_named = same_kind
        form.add_error(None, twin_refusal(same_kind))
    return None


def twin_refusal(same_kind: list) -> str:
    return gettext(
        "%(existing)s already exists. Pick it from the list, or tick “Create another” to make a second one of the same name."
    ) % {"existing": "; ".join(map(described, same_kind))}


class AttributionForm(forms.Form):
    """One attribution of a claim's chain: an existing source, or a new one named here."""
    errors_shown_inline = ("new_source_kind", "new_source_country")  # beside their inputs; _form_errors.html shows the rest

    source = IdChoiceField(label=_("Source"), required=False, queryset=Source.objects.all(), widget=forms.HiddenInput)
    source_query = NameField(label=_("Source"), required=False, max_length=300)
    new_source_kind = forms.ChoiceField(
        label=_("Kind of new source"), required=False, choices=[("", "—")] + Source.Kind.choices
    )
    new_source_country = forms.CharField(label=_("Country"), required=False, max_length=2)
    create_another = forms.BooleanField(
        label=_("Create another source of this name and kind, although one exists"), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=Attribution.Role.choices, initial=Attribution.Role.SPEAKER)
    sourcing = forms.ChoiceField(label=_("Sourcing"), choices=Attribution.Sourcing.choices)

    def clean_new_source_country(self) -> str:
        country = self.cleaned_data["new_source_country"].strip().upper()
        if country and (len(country) != 2 or not country.isascii() or not country.isalpha()):
            raise ValidationError(gettext("Use a two-letter country code such as KR or ID."))
        return country

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.same_named: list[Source] = []  # the sources the typed name already names, to pick from

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("source_query", "")
        if cleaned.get("source") is not None or not name or "new_source_country" in self.errors:
            return cleaned
        kind, country = cleaned.get("new_source_kind"), cleaned.get("new_source_country", "")
        matches = list(Source.objects.same_name(name).with_story_count().order_by("name", "kind", "country", "pk")[:SAME_NAMED_SHOWN])
        same_kind = [m for m in matches if m.kind == kind]
        exact = next((m for m in same_kind if m.country == country), None)
        chosen = typed_name_is(self, matches, name=name, kind=kind, same_kind=same_kind, exact=exact)
        if chosen is not None:
            cleaned["source"] = chosen
        elif not matches and not kind:
            self.add_error(
                "new_source_kind",
                gettext("“%(name)s” is not a known source: say what kind of source it is to create it.") % {"name": name},
            )
        return cleaned

    def is_blank(self) -> bool:
        return self.cleaned_data.get("source") is None and not self.cleaned_data.get("source_query", "").strip()

    def get_source(self) -> Source:
        """The chosen source, or the new one (found again if it already exists)."""
        if self.cleaned_data["source"] is not None:
            return self.cleaned_data["source"]
        data = self.cleaned_data
        return Source.named(data["source_query"], data["new_source_kind"], data["new_source_country"])


ChainFormSet = forms.formset_factory(AttributionForm, extra=0, min_num=0, max_num=6, validate_max=True)


class ClaimForm(SpanForm):
    errors_shown_inline = ("evidence_url",)  # beside their inputs; _form_errors.html shows the rest
    statement = forms.CharField(
        label=_("Statement"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Defaults to the selected text; edit it to translate or clarify."),
    )
    # A new claim is unverified, reported or confirmed on its evidence; disputing, denying and
    # retracting are changes of a recorded claim, made on its card with a reason and a confirmation.
    status = forms.ChoiceField(
        label=_("Status"), initial=Claim.Status.REPORTED,
        choices=[(value, label) for value, label in Claim.Status.choices if value in Claim.STATUSES_TO_RECORD_WITH],
    )
    evidence = forms.ChoiceField(label=_("Evidence"), required=False)
    evidence_url = forms.URLField(label=_("Evidence address"), required=False, assume_scheme="https", max_length=2000)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    submission = SubmissionKeyField()

    def __init__(self, *args, related: list[Article] = (), **kwargs):
        kwargs.setdefault("auto_id", "new-claim-%s")
        super().__init__(*args, **kwargs)
        related = citable(related)
        self.related = {str(a.pk): a for a in related}
        # The chain is still being typed: one choice names its on-record speaker, whichever link it is.
        self.fields["evidence"].choices = evidence_choices(related=related, chain_being_typed=True)

    def evidence_spec(self, chain=()):
        """The evidence as Claim.record takes it, or None; an on-record quote names the first
        named speaker or document of `chain` (AttributionSpecs) cited on the record."""
        choice = self.cleaned_data.get("evidence", "")
        if choice == "quote:speaker":
            on_record = [
                i for i, given in enumerate(chain)
                if given.role in (Attribution.Role.SPEAKER, Attribution.Role.DOCUMENT)
                and given.sourcing == Attribution.Sourcing.ON_RECORD and given.source.kind != Source.Kind.ANONYMOUS
            ]
            return EvidenceSpec("quote", position=on_record[0] if on_record else None)
        return parse_evidence(choice, self.cleaned_data.get("evidence_url", ""), self.related)


def citable(related) -> list[Article]:
    """The related stories a claim may rest on: a withdrawn story is no evidence of anything."""
    return [article for article in related if article.status != Article.Status.WITHDRAWN]


def evidence_choices(*, attributions=(), related=(), chain_being_typed: bool = False) -> list[tuple[str, str]]:
    choices = [("", gettext("no evidence yet")), ("url", gettext("a web address (below)"))]
    if chain_being_typed:
        choices.append(("quote:speaker", gettext("on-record quote of the chain's named speaker")))
    for attribution in attributions:
        choices.append(
            (f"attribution:{attribution.pk}", gettext("on-record quote: %(source)s") % {"source": attribution.source.name})
        )
    for article in related:
        choices.append((f"article:{article.pk}", gettext("related story: %(title)s") % {"title": article.title}))
    return choices


def parse_evidence(choice: str, url: str, related: dict, attributions: dict | None = None) -> EvidenceSpec | None:
    """The evidence a form's choice names, as EvidenceSpec; None for none (or a stale choice)."""
    if not choice:
        return None
    if choice == "url":
        return EvidenceSpec("url", url=url)
    kind, _, key = choice.partition(":")
    if kind == "quote" and key.isascii() and key.isdigit():
        return EvidenceSpec("quote", position=int(key))
    if kind == "article" and key in related:
        return EvidenceSpec("article", article=related[key])
    if kind == "attribution" and attributions is not None and key in attributions:
        return EvidenceSpec("quote", attribution=attributions[key])
    return None


class ClaimStatusForm(forms.Form):
    """A change of a claim's status, for the desk's claim cards and the admin alike."""
    errors_shown_inline = ("reason", "public_explanation", "confirm", "evidence_url")  # beside their inputs; _form_errors.html shows the rest

    status = forms.ChoiceField(label=_("New status"), choices=Claim.Status.choices)
    reason = forms.CharField(
        label=_("Why (internal, for editors only)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    public_explanation = forms.CharField(
        label=_("Public explanation (optional, shown to readers)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence = forms.ChoiceField(label=_("Evidence"), required=False)
    evidence_url = forms.URLField(label=_("Evidence address"), required=False, assume_scheme="https", max_length=2000)
    # The words of the story the quote rests on, selected in the desk (desk.js fills them).
    quote_start = WholeNumberField(min_value=0, max_value=10_000_000, required=False, widget=forms.HiddenInput)
    quote_end = WholeNumberField(min_value=1, max_value=10_000_000, required=False, widget=forms.HiddenInput)
    quote_exact = forms.CharField(strip=False, required=False, max_length=5000, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("Yes, I mean it: this denies or retracts the claim, or takes back its confirmation"), required=False
    )
    version = WholeNumberField(widget=forms.HiddenInput)

    def __init__(self, *args, claim: Claim, related: list[Article] = (), **kwargs):
        kwargs.setdefault("auto_id", f"status-{claim.pk}-%s")  # one such form on every claim card
        super().__init__(*args, **kwargs)
        self.claim = claim
        self.initial.setdefault("status", claim.status)  # the menu starts where the claim is
        # Only the chain's own links that can be quoted as evidence: on the record, from a named source.
        # A via relays what another said: only a speaker's or a document's own words confirm.
        self.on_record = {
            str(a.pk): a for a in claim.attributions.all()
            if a.sourcing == Attribution.Sourcing.ON_RECORD and a.source.kind != Source.Kind.ANONYMOUS
            and a.role != Attribution.Role.VIA
        }
        related = citable(related)
        self.related = {str(a.pk): a for a in related}
        self.existing = {str(e.pk): e for e in claim.evidence.all()}
        choices = evidence_choices(attributions=self.on_record.values(), related=related)
        choices += [(f"evidence:{pk}", gettext("already on file: %(e)s") % {"e": e}) for pk, e in self.existing.items()]
        self.fields["evidence"].choices = choices

    def is_stale(self) -> bool:
        """Whether the form was filled in on an earlier version of the claim: someone changed it
        meanwhile. Asked before anything else, so the editor hears of that change first."""
        try:
            version = self.fields["version"].clean(self.data.get("version"))
        except ValidationError:
            return False
        return version != self.claim.version

    def keeps_status(self) -> bool:
        """Whether the form was sent with the claim's own status: there is nothing to change."""
        return self.data.get("status") == self.claim.status

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status and Claim.needs_confirmation(self.claim.status, status) and not cleaned.get("confirm"):
            self.add_error("confirm", ValidationError(
                gettext(
                    "Moving a %(current)s claim to %(status)s is a grave step: tick “Yes, I mean it” to make it. "
                    "Nothing was recorded."
                ) % {"current": self.claim.get_status_display(), "status": Claim.Status(status).label},
                code="unconfirmed",
            ))
        return cleaned

    def save(self, *, by):
        """Change the status. StaleVersion if someone else changed the claim meanwhile;
        ValidationError, naming the rule, if the rules of the trade forbid the change."""
        version = self.cleaned_data["version"]
        if version != self.claim.version:
            raise StaleVersion
        with rules_checked():  # evidence created for a change that is refused goes too
            evidence = self.evidence_object(by=by)
            return self.claim.change_status(
                self.cleaned_data["status"], by=by, reason=self.cleaned_data["reason"], evidence=evidence,
                expected_version=version, public_explanation=self.cleaned_data["public_explanation"],
            )

    def evidence_object(self, *, by):
        """The evidence named in the form, creating the row if it is new; None if none."""
        choice, url = self.cleaned_data.get("evidence", ""), self.cleaned_data.get("evidence_url", "")
        if choice.startswith("evidence:"):
            return self.existing[choice.partition(":")[2]]
        spec = parse_evidence(choice, url, self.related, self.on_record)
        data = self.cleaned_data
        span = data.get("quote_start"), data.get("quote_end"), data.get("quote_exact") or ""
        if span != (None, None, ""):
            if spec is None or spec.kind != "quote":
                raise ValidationError(gettext(
                    "Selected words are the quote of a source of the chain: choose that source under Evidence."
                ))
            spec.start, spec.end, spec.exact = span
        if spec is None:
            return None
        problems = Evidence.problems_with(spec, [], self.claim.article)
        if problems:
            raise ValidationError(problems)
        return Evidence.make(self.claim, spec, by=by)


class ClaimAttributionForm(AttributionForm):
    """An attribution added to an existing claim's chain, from its card."""

    version = WholeNumberField(widget=forms.HiddenInput)
    submission = SubmissionKeyField()

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.is_blank():
            raise ValidationError(gettext("Pick a source, or name a new one."))
        return cleaned


def why_no_link(article: Article, other: Article) -> str | None:
    """Why the desk cannot link `article` to `other` (from the links form or a suggestion), or None."""
    if other.pk == article.pk:
        return gettext("A story cannot be linked to itself.")
    # The desk links a story only to one readers can already follow: a link to a draft would
    # be shown to nobody, with no word of why.
    if not other.is_published:
        return gettext("“%(title)s” is not published (%(status)s): a story can be linked only to a published one.") % {
            "title": other.title, "status": other.get_status_display()
        }
    return None


def already_linked(other: Article, kind: str) -> str:
    """Why a second link of a pair, of the same kind, is refused (story_link_unique_pair)."""
    return gettext("“%(title)s” is already linked to this story as %(kind)s.") % {
        "title": other.title, "kind": StoryLink.Kind(kind).label,
    }


class ClaimJoinForm(forms.Form):
    """Join a story's claim to a claim told in other stories (Claim.join)."""

    across = IdChoiceField(
        label=_("Claim"), queryset=ClaimAcrossStories.objects.with_appearances(), widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That claim no longer appears in any story. Search again.")},
    )
    version = WholeNumberField(widget=forms.HiddenInput)


class ClaimMatchForm(ClaimJoinForm):
    """An editor's decision on a suggested match: the same claim (joined) or not (dismissed)."""

    decision = forms.ChoiceField(choices=[("join", "join"), ("dismiss", "dismiss")], widget=forms.HiddenInput)


class ClaimSplitForm(forms.Form):
    """Split a story's claim off into a claim of its own (Claim.split_off)."""

    version = WholeNumberField(widget=forms.HiddenInput)
    submission = SubmissionKeyField()


class ClaimTranslationForm(forms.Form):
    """The claim's statement worded in another language, as an editor writes it."""

    language = forms.CharField(
        label=_("Language of this wording"), max_length=35, help_text=_("A BCP 47 tag, such as id, en, ko or ru."),
        widget=forms.TextInput(attrs={"size": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    statement = forms.CharField(label=_("The claim in that language"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, across: ClaimAcrossStories, **kwargs):
        super().__init__(*args, **kwargs)
        self.across = across

    def clean_language(self) -> str:
        try:
            language = normalise_language_tag(self.cleaned_data["language"])
        except ValidationError:
            raise ValidationError(_("Give the language as a BCP 47 tag, such as id, en, ko or ru.")) from None
        primary = language.split("-")[0].lower()
        if primary in ("und", "mul", "zxx", "mis"):
            raise ValidationError(_("Name a language: “%(tag)s” says none.") % {"tag": language})
        if primary == self.across.language.split("-")[0].lower():
            raise ValidationError(_("The claim was first recorded in that language; its statement is its wording there."))
        return language

    def clean_statement(self) -> str:
        statement = to_nfc(self.cleaned_data["statement"].strip())
        if not statement:
            raise ValidationError(_("Write the claim in that language."))
        return statement

    def save(self, *, by) -> ClaimTranslation:
        """The wording in that language, new or in place of the one there was (en-US replaces en:
        readers are given one wording per language)."""
        language, statement = self.cleaned_data["language"], self.cleaned_data["statement"]
        primary = language.split("-")[0].lower()
        with transaction.atomic():
            # The claim's row locked: two wordings sent at once are saved one after the other.
            ClaimAcrossStories.objects.select_for_update().filter(pk=self.across.pk).values("pk").get()
            existing = [t for t in ClaimTranslation.objects.filter(claim=self.across) if t.language.split("-")[0].lower() == primary]
            if existing:
                wording = existing[0]
                wording.language, wording.statement = language, statement
                wording.save(update_fields=["language", "statement"])
                return wording
            return ClaimTranslation.objects.create(claim=self.across, language=language, statement=statement, created_by=by)


class StoryLinkForm(forms.Form):
    """A link from `article` to another story, refused with the reason where it cannot be made."""

    to_article = IdChoiceField(queryset=Article.objects.all(), widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Relation"), choices=StoryLink.Kind.choices)
    submission = SubmissionKeyField()

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article

    def clean(self):
        cleaned = super().clean()
        other = cleaned.get("to_article")
        if other is not None and (reason := why_no_link(self.article, other)):
            raise ValidationError(reason)
        return cleaned

    def already_linked(self) -> str:
        """Why a second link of the pair is refused (the view checks it once the submission is
        known not to be this one sent again)."""
        return already_linked(self.cleaned_data["to_article"], self.cleaned_data["kind"])


# Who may be picked as a story's publisher: a source of one of these kinds, or one that already
# publishes a story. An unnamed person, a document or a named person's quote is never offered.
PUBLISHER_KINDS = (Source.Kind.PUBLICATION, Source.Kind.NEWS_AGENCY, Source.Kind.BROADCASTER,
                   Source.Kind.GOVERNMENT, Source.Kind.ORGANISATION)


def publishers():
    return Source.objects.filter(
        Q(kind__in=PUBLISHER_KINDS) | Exists(Article.objects.filter(publisher=OuterRef("pk")))
    ).order_by("name", "country", "id")


class PublisherField(IdChoiceField):
    """A picker of the known publishers; an id the picker does not offer is refused."""

    def __init__(self, **kwargs):
        super().__init__(queryset=publishers(), **kwargs)

    def label_from_instance(self, source: Source) -> str:
        # The kinds' names translated once per field, not once per publisher: get_kind_display()
        # hashes every lazy name of the choices on each call (hundreds of publishers, ten kinds).
        if not hasattr(self, "kind_names"):
            self.kind_names = {kind: str(name) for kind, name in Source.Kind.choices}
        return f"{source} · {self.kind_names.get(source.kind, source.kind)}"


# A story dated further ahead than this is a typing slip (2062 for 2026), not an embargo.
FUTURE_DATE_SLACK = timedelta(days=1)


class ArticleDetailsForm(NoLostUpdatesForm):
    """The desk's correction of a story's title, publisher, date and web address (not its text)."""

    errors_shown_inline = ()

    title = NameField(label=_("Title"), max_length=500)
    publisher = PublisherField(label=_("Publisher"))
    published_at = forms.DateTimeField(
        label=_("Publication date and time"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=lazy(lambda: gettext(
            "When the publisher published it, in %(zone)s time; leave it empty if it is not known."
        ) % {"zone": settings.TIME_ZONE}, str)(),
    )
    url = forms.CharField(label=_("Web address"), required=False, max_length=2000,
                          help_text=_("The story's address on its publisher's site."))

    class Meta:
        model = Article
        fields = ["title", "publisher", "published_at", "url"]

    def clean_published_at(self):
        moment = self.cleaned_data["published_at"]
        if moment is not None and moment > timezone.now() + FUTURE_DATE_SLACK:
            raise ValidationError(
                gettext("%(date)s is in the future: give the date the story was published.")
                % {"date": moment.strftime("%Y-%m-%d %H:%M")}, code="future",
            )
        if moment is None and self.instance.is_published:
            raise ValidationError(
                gettext("A published story keeps its date: correct it, or withdraw the story first."), code="required",
            )
        return moment

    def clean_url(self):
        try:
            url = canonical_url(self.cleaned_data["url"])
        except Unimportable:
            raise ValidationError(gettext("Give an address that starts with http:// or https://."), code="invalid") from None
        other = Article.objects.filter(url=url).exclude(pk=self.instance.pk).only("title").first() if url else None
        if other is not None:
            raise ValidationError(
                gettext("“%(title)s” already has this address; each story has its own.") % {"title": other.title},
                code="unique",
            )
        return url


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("JSON Lines, an RSS or Atom feed, an HTML page or a plain-text story."))
    format = forms.ChoiceField(
        label=_("Format"), initial="auto",
        choices=[("auto", _("detect from the content")), ("jsonl", "JSON Lines"), ("feed", _("RSS or Atom feed")),
                 ("html", _("HTML page")), ("text", _("plain text: title on the first line"))],
    )
    source = PublisherField(
        label=_("Publisher, for stories that name none"), required=False,
        empty_label=_("— none: every story names its publisher —"),
    )
    publish = forms.BooleanField(label=_("Publish the imported stories"), required=False)
    submission = SubmissionKeyField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                gettext(
                    "The file is %(size)s bytes; files of up to %(limit)s bytes can be uploaded here (and up to "
                    "%(stories)s stories). Split the file, or import it with manage.py import_articles."
                ) % {"size": number(upload.size), "limit": number(limit),
                     "stories": number(settings.IMPORT_MAX_UPLOAD_STORIES)},
                code="too_large",
            )
        return upload

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            # Counted before anything is stored: a file over the limit is refused at once, whole.
            stories, limit = count_stories(upload, data.get("format") or "auto"), settings.IMPORT_MAX_UPLOAD_STORIES
            data["stories"] = stories  # the progress's whole
            if stories > limit:
                self.add_error("file", ValidationError(
                    gettext(
                        "The file holds %(stories)s stories; up to %(limit)s stories and %(bytes)s bytes can be "
                        "imported in one upload here. Split the file, or import it with manage.py import_articles."
                    ) % {"stories": number(stories), "limit": number(limit),
                         "bytes": number(settings.IMPORT_MAX_UPLOAD_BYTES)},
                    code="too_large",
                ))
        return data
