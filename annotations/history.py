"""An article's history as a readable timeline, and undoing one change from it.

The rows come from the event tables that the database triggers fill (see newsdesk/history.py),
so the timeline also shows changes made in the admin, by `update()` or by raw SQL. Undoing
goes through the models again: the undo is itself a change, recorded like any other, and it
is refused with a reason when it would break a rule or clash with a later change.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from annotations.models import AnchorState, Attribution, Claim, ClaimAcrossStories, ClaimStatusChange, ClaimTranslation, Evidence, Mention, StoryLink, rules_checked
from articles.models import Article, Source

# The kinds of row an article's timeline holds, by the name used in URLs. Children of a claim
# come after it, in the order a deleted claim is restored (evidence may cite an attribution).
KINDS: dict[str, type[models.Model]] = {
    "article": Article,
    "mention": Mention,
    "claim": Claim,
    "attribution": Attribution,
    "evidence": Evidence,
    "claimstatuschange": ClaimStatusChange,
    "storylink": StoryLink,
}
CLAIM_CHILDREN = [Attribution, Evidence, ClaimStatusChange]

# Kept up to date by the application, not said by anyone: not shown, never undone.
BOOKKEEPING = {
    "id", "created_at", "updated_at", "version", "content_hash", "prefix", "suffix", "created_by", "slug", "text_version",
}

SHOWN_CHARACTERS = 300

# Where a correction left a span (annotations.corrections): decided in the review queue, which
# keeps each span waiting or orphaned beside an open review. Set back from the history, a span
# would wait with nothing in the queue to decide it (hidden from the public for good).
ANCHORING = {"anchor_state", "orphaned_in"}


def not_from_history() -> str:
    return gettext(
        "Where a correction left an annotation is decided in the review queue, not undone from the "
        "history: tag the words again, or decide it in the review queue."
    )


class CannotUndo(Exception):
    """The change cannot be undone now; the message says why."""


def event_model(model: type[models.Model]) -> type[models.Model]:
    return apps.get_model(model._meta.app_label, f"{model.__name__}Event")


def kind_of(model: type[models.Model]) -> str:
    return next(key for key, value in KINDS.items() if value is model)


def snapshot_fields(model: type[models.Model]) -> list[models.Field]:
    """The tracked model's fields that its event rows copy."""
    copied = {f.name for f in event_model(model)._meta.concrete_fields}
    return [f for f in model._meta.concrete_fields if f.name in copied]


def snapshot(event, model) -> dict:
    return {f.attname: getattr(event, f.attname) for f in snapshot_fields(model)}


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class Change:
    kind: str
    model: type[models.Model]
    event: models.Model
    before: dict | None
    after: dict | None
    user: str
    url: str
    summary: str = ""
    fields: list[FieldChange] | None = None
    claim_statement: str = ""  # of the claim it belongs to, for a claim's child rows

    @property
    def action(self) -> str:
        return self.event.pgh_label

    @property
    def at(self) -> datetime:
        return self.event.pgh_created_at

    @property
    def object_id(self) -> int:
        return self.event.pgh_obj_id

    @property
    def undo_label(self):
        if self.action == "delete":
            return _("Restore")
        if self.action == "insert":
            return None if self.model in (Article, ClaimStatusChange) else _("Remove again")
        return _("Undo") if self.fields else None

    @property
    def description(self) -> str:
        verb = {"insert": _("added"), "update": _("changed"), "delete": _("deleted")}[self.action]
        return f"{self.model._meta.verbose_name.capitalize()} {verb}"


def event_filters(article_id: int) -> dict[type, Q]:
    """For each kind of row, which of its events belong to the article's timeline."""
    claim_ids = event_model(Claim).objects.filter(article_id=article_id).values("pgh_obj_id")
    return {
        Article: Q(pgh_obj_id=article_id),
        Mention: Q(article_id=article_id),
        Claim: Q(article_id=article_id),
        Attribution: Q(claim_id__in=claim_ids),
        Evidence: Q(claim_id__in=claim_ids),
        ClaimStatusChange: Q(claim_id__in=claim_ids),
        StoryLink: Q(from_article_id=article_id) | Q(to_article_id=article_id),
    }


def article_events(article_id: int) -> dict[type, list]:
    """Every recorded event of the article and of what belongs to it, deleted rows included."""
    events = {}
    for model, condition in event_filters(article_id).items():
        rows = event_model(model).objects.filter(condition).select_related("pgh_context").order_by("pgh_id")
        if model is Article:
            rows = rows.defer("body")
        events[model] = list(rows)
    return events


def latest_events(article_id: int) -> list[int | None]:
    """The id of the latest event of each kind of row in the article's timeline: any change to
    the story or to what belongs to it, made anywhere (the desk, the admin, raw SQL), moves one."""
    latest = []
    for model, condition in event_filters(article_id).items():
        latest.append(event_model(model).objects.filter(condition).aggregate(latest=models.Max("pgh_id"))["latest"])
    return latest


class Names:
    """The words a timeline shows for stored values: related rows by name, choices by label."""

    def __init__(self, events: dict[type, list]):
        # One query per related model and one for the users, however many rows: the same
        # queries whether or not any row names one.
        wanted: dict[type, set] = {}
        for model, rows in events.items():
            for field in snapshot_fields(model):
                if field.is_relation and field.name not in BOOKKEEPING:
                    ids = wanted.setdefault(field.related_model, set())
                    ids.update(getattr(row, field.attname) for row in rows)
        self.related: dict[type, dict] = {}
        for model, ids in wanted.items():
            rows = model._base_manager.filter(pk__in=ids - {None})
            if model is Article:
                rows = rows.defer("body", "search_vector")
            self.related[model] = {row.pk: row for row in rows}
        user_ids = {
            (row.pgh_context.metadata or {}).get("user")
            for rows in events.values() for row in rows if getattr(row, "pgh_context", None) is not None
        }
        users = get_user_model()._base_manager.filter(pk__in=[i for i in user_ids if isinstance(i, int)])
        self.users = {user.pk: user for user in users}

    def value(self, field: models.Field, value) -> str:
        if value is None or value == "":
            return "—"
        if field.is_relation:
            row = self.related.get(field.related_model, {}).get(value)
            return str(row) if row is not None else gettext("#%(id)s (deleted)") % {"id": value}
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return Truncator(str(value)).chars(SHOWN_CHARACTERS)

    def who(self, event) -> tuple[str, str]:
        metadata = (event.pgh_context.metadata or {}) if event.pgh_context else {}
        user = self.users.get(metadata.get("user"))
        if user is not None:
            name = user.get_username()
        elif metadata.get("user") is not None:
            name = gettext("a user since deleted (#%(id)s)") % {"id": metadata["user"]}
        elif metadata.get("command"):
            name = gettext("the %(command)s command") % {"command": metadata["command"]}
        else:
            name = gettext("outside the app (database)")
        return name, metadata.get("url", "")


def summary_of(model, values: dict, names: Names) -> str:
    fields = {f.attname: f for f in snapshot_fields(model)}

    def shown(attname):
        return names.value(fields[attname], values.get(attname))

    if model is Article:
        return shown("title")
    if model is Mention:
        return f"{shown('entity_id')}: “{shown('exact')}”"
    if model is Claim:
        return f"“{shown('statement')}” ({shown('status')})"
    if model is Attribution:
        return f"{shown('source_id')}, {shown('role')}, {shown('sourcing')}"
    if model is Evidence:
        return f"{shown('kind')}"
    if model is ClaimStatusChange:
        return f"{shown('from_status')} → {shown('to_status')}: {shown('reason')}"
    return f"{shown('from_article_id')} → {shown('to_article_id')} ({shown('kind')})"


def changed_fields(model, before: dict, after: dict) -> list[models.Field]:
    return [
        f for f in snapshot_fields(model)
        if f.name not in BOOKKEEPING and before.get(f.attname) != after.get(f.attname)
        # A claim's state recorded before claims were followed across stories names none: giving it
        # one (migration 0016), or taking it away (that migration undone), was nobody's change, and
        # nothing to undo. No claim is without one otherwise (claim_has_claim_across_stories).
        and not (model is Claim and f.name == "across" and None in (before.get(f.attname), after.get(f.attname)))
    ]


def timeline(article: Article) -> list[Change]:
    """The article's changes, newest first, each with its before and after in words."""
    events = article_events(article.pk)
    names = Names(events)
    changes = []
    for model, rows in events.items():
        kind = kind_of(model)
        last: dict[int, dict] = {}
        for row in rows:
            values = snapshot(row, model)
            before = last.get(row.pgh_obj_id)
            user, url = names.who(row)
            change = Change(kind, model, row, before=None, after=None, user=user, url=url)
            if row.pgh_label == "insert":
                change.after = values
                change.summary = summary_of(model, values, names)
            elif row.pgh_label == "delete":
                change.before = values
                change.summary = summary_of(model, values, names)
            else:
                change.before, change.after = before, values
                change.summary = summary_of(model, values, names)
                if before is not None:
                    change.fields = [
                        FieldChange(str(f.verbose_name), names.value(f, before[f.attname]), names.value(f, values[f.attname]))
                        for f in changed_fields(model, before, values)
                    ]
                    if not change.fields:
                        # Only bookkeeping moved (a version bump): nothing an editor said.
                        last[row.pgh_obj_id] = values
                        continue
            last[row.pgh_obj_id] = values
            changes.append(change)
    statements = {row.pgh_obj_id: row.statement for row in events[Claim]}  # the latest, by pgh_id order
    for change in changes:
        claim_id = change.object_id if change.model is Claim else getattr(change.event, "claim_id", None)
        change.claim_statement = statements.get(claim_id, "")
    changes.sort(key=lambda c: (c.at, list(KINDS).index(c.kind), c.event.pgh_id), reverse=True)
    return changes


@dataclass
class Entry:
    """One thing someone did (one request or command, one transaction), as one row in words:
    a status change is a status history row and the claim's new status; marking a claim is the
    claim, its chain and its evidence. `changes` are the rows it wrote, the main one first."""

    changes: list[Change]
    sentence: str

    @property
    def main(self) -> Change:
        return self.changes[0]

    @property
    def at(self) -> datetime:
        return self.main.at

    @property
    def user(self) -> str:
        return self.main.user

    @property
    def place(self) -> str:
        return place_of(self.main)

    @property
    def details(self) -> list[Change]:
        return [change for change in self.changes if change.summary or change.fields]


def place_of(change: Change) -> str:
    metadata = (change.event.pgh_context.metadata or {}) if change.event.pgh_context else {}
    url = metadata.get("url", "")
    if url.startswith("/desk/"):
        return gettext("in the desk")
    if url.startswith("/admin/"):
        return gettext("in the admin")
    if metadata.get("command"):
        return gettext("by a command")
    if url:
        return gettext("through the site")
    return gettext("directly in the database")


def group_key(change: Change) -> tuple:
    # One request or command is one context; without one (raw SQL, a shell) the events of one
    # transaction share their time, the transaction's start (NOW()).
    return (change.event.pgh_context_id, change.at)


# Which row of a group says what was done: the first kind found, in this order.
MAIN_ORDER = [
    ("article", "delete"), ("claim", "insert"), ("claim", "delete"), ("claimstatuschange", "insert"),
    ("article", "insert"), ("article", "update"), ("mention", "insert"), ("mention", "delete"),
    ("attribution", "insert"), ("attribution", "delete"), ("attribution", "update"), ("evidence", "insert"),
    ("evidence", "delete"), ("evidence", "update"), ("storylink", "insert"), ("storylink", "delete"),
    ("storylink", "update"), ("claim", "update"), ("mention", "update"),
]


def main_rank(change: Change) -> int:
    key = (change.kind, change.action)
    return MAIN_ORDER.index(key) if key in MAIN_ORDER else len(MAIN_ORDER)


def entries(article: Article, claim: Claim | None = None) -> list[Entry]:
    """The article's history (or one claim's), newest first, one entry per thing someone did."""
    changes = timeline(article)
    if claim is not None:
        changes = [c for c in changes if claim_of(c) == claim.pk]
    groups: dict[tuple, list[Change]] = {}
    for change in changes:
        groups.setdefault(group_key(change), []).append(change)
    result = []
    for group in groups.values():
        group.sort(key=main_rank)
        if group[0].kind == "claimstatuschange":
            # The claim's status move is the same change: its undo is the status change's undo.
            status_move = [c for c in group if c.kind == "claim" and c.action == "update" and moved_status(c)]
            group = status_move + [c for c in group if c not in status_move]
        result.append(Entry(group, sentence_for(group)))
    return result


def changes_since(claim: Claim, version: int | None) -> list[Entry]:
    """What was done to `claim` since it was at `version` (what an editor with a stale form
    missed), newest first: who, when and why, in the history's words."""
    moved = event_model(Claim).objects.filter(pgh_obj_id=claim.pk, version__gt=version or 0).order_by("pgh_id").first()
    if moved is None:
        return []
    return [entry for entry in entries(claim.article, claim=claim) if entry.at >= moved.pgh_created_at]


def claim_of(change: Change) -> int | None:
    if change.model is Claim:
        return change.object_id
    return getattr(change.event, "claim_id", None)


def moved_status(change: Change) -> bool:
    return bool(change.before and change.after and change.before.get("status") != change.after.get("status"))


def quoted(text: str) -> str:
    return "“%s”" % Truncator(text or "").chars(80)


def sentence_for(group: list[Change]) -> str:
    """What was done, in the words an editor would use, naming who did it."""
    main = min(group, key=main_rank)
    values = main.after if main.after is not None else main.before
    who = main.user
    others = len(group) - 1
    kind, action = main.kind, main.action
    statement = claim_statement(group, main)
    if kind == "claimstatuschange":
        change = main.event
        field = ClaimStatusChange._meta.get_field("from_status")
        labels = dict(field.flatchoices)
        return gettext("%(who)s changed the status of the claim %(claim)s from %(from)s to %(to)s: %(reason)s") % {
            "who": who, "claim": statement, "from": labels.get(change.from_status, change.from_status),
            "to": labels.get(change.to_status, change.to_status), "reason": change.reason,
        }
    if kind == "claim" and action == "insert":
        return gettext("%(who)s marked the claim %(claim)s") % {"who": who, "claim": statement}
    if kind == "claim" and action == "delete":
        return gettext("%(who)s removed the claim %(claim)s") % {"who": who, "claim": statement}
    if kind == "claim" and main.fields and [f.label for f in main.fields] == [str(Claim._meta.get_field("across").verbose_name)]:
        if split_off(main):
            return gettext("%(who)s split the claim %(claim)s off into a claim of its own") % {"who": who, "claim": statement}
        return gettext("%(who)s made the claim %(claim)s one with the claim %(other)s, told in other stories") % {
            "who": who, "claim": statement, "other": quoted(main.fields[0].after),
        }
    if kind == "claim":
        return gettext("%(who)s changed the claim %(claim)s: %(fields)s") % {
            "who": who, "claim": statement, "fields": ", ".join(f.label for f in main.fields or []),
        }
    if kind == "attribution":
        verb = {
            "insert": gettext("%(who)s added %(what)s to the chain of the claim %(claim)s"),
            "delete": gettext("%(who)s removed %(what)s from the chain of the claim %(claim)s"),
            "update": gettext("%(who)s changed %(what)s in the chain of the claim %(claim)s"),
        }[action]
        return verb % {"who": who, "what": main.summary, "claim": statement}
    if kind == "evidence":
        verb = {
            "insert": gettext("%(who)s added evidence (%(what)s) to the claim %(claim)s"),
            "delete": gettext("%(who)s removed evidence (%(what)s) from the claim %(claim)s"),
            "update": gettext("%(who)s changed evidence (%(what)s) of the claim %(claim)s"),
        }[action]
        return verb % {"who": who, "what": main.summary, "claim": statement}
    if kind == "mention":
        count = sum(1 for c in group if c.kind == "mention" and c.action == action)
        verb = {
            "insert": gettext("%(who)s tagged %(what)s"),
            "delete": gettext("%(who)s removed the tag %(what)s"),
            "update": gettext("%(who)s changed the tag %(what)s"),
        }[action]
        sentence = verb % {"who": who, "what": main.summary}
        if count > 1:
            sentence += " " + ngettext("(%(n)s place)", "(%(n)s places)", count) % {"n": count}
        return sentence
    if kind == "storylink":
        verb = {
            "insert": gettext("%(who)s linked the stories %(what)s"),
            "delete": gettext("%(who)s removed the story link %(what)s"),
            "update": gettext("%(who)s changed the story link %(what)s"),
        }[action]
        return verb % {"who": who, "what": main.summary}
    if kind == "article":
        if action == "insert":
            return gettext("%(who)s added the story") % {"who": who}
        if action == "delete":
            return gettext("%(who)s deleted the story") % {"who": who}
        if values and main.before and main.before.get("status") != values.get("status"):
            labels = dict(Article._meta.get_field("status").flatchoices)
            return gettext("%(who)s set the story to %(status)s") % {"who": who, "status": labels.get(values["status"])}
        return gettext("%(who)s changed the story: %(fields)s") % {
            "who": who, "fields": ", ".join(f.label for f in main.fields or []),
        }
    return ngettext("%(who)s changed %(n)s row", "%(who)s changed %(n)s rows", others + 1) % {"who": who, "n": others + 1}


def split_off(change: Change) -> bool:
    """Whether a change of the claim across stories a claim is an appearance of made that claim
    (Claim.split_off), rather than joined one that was there (Claim.join)."""
    if change.event.pgh_context_id is None:
        return False
    return event_model(ClaimAcrossStories).objects.filter(
        pgh_obj_id=change.after["across_id"], pgh_label="insert", pgh_context_id=change.event.pgh_context_id
    ).exists()


def claim_statement(group: list[Change], main: Change) -> str:
    claim_id = claim_of(main)
    for change in group:
        if change.model is Claim and change.object_id == claim_id:
            values = change.after if change.after is not None else change.before
            return quoted(values.get("statement", ""))
    return quoted(main.claim_statement) if main.claim_statement else gettext("#%(id)s (deleted)") % {"id": claim_id}


def find_event(article: Article, kind: str, event_id: int):
    """The event `event_id` of `kind`, if it belongs to this article; else 404."""
    model = KINDS.get(kind)
    if model is None:
        raise Http404("no such kind of change")
    Event = event_model(model)
    event = Event.objects.filter(pgh_id=event_id).first()
    if event is None:
        raise Http404("no such change")
    if model is Article:
        owner_ids = {event.pgh_obj_id}
    elif model in (Mention, Claim):
        owner_ids = {event.article_id}
    elif model is StoryLink:
        owner_ids = {event.from_article_id, event.to_article_id}
    else:
        owner_ids = set(event_model(Claim).objects.filter(pgh_obj_id=event.claim_id).values_list("article_id", flat=True))
    if article.pk not in owner_ids:
        raise Http404("that change is not this article's")
    return model, event


def required_permission(model, action: str, before: dict | None, after: dict | None) -> list[str]:
    codename = {"update": "change", "insert": "delete", "delete": "add"}[action]
    perms = [f"{model._meta.app_label}.{codename}_{model._meta.model_name}"]
    if model is Article and before and after and before.get("status") != after.get("status"):
        perms.append("articles.publish_article")
    return perms


def undo(article: Article, kind: str, event_id: int, *, user) -> str:
    """Undo one change of the article's timeline; return what was done, in words.

    An update is undone field by field (only the fields it changed, and only while they still
    hold what it wrote); an insert is undone by removing the row; a delete by restoring the row
    with its id, and for a claim the chain, evidence and status history deleted with it.
    """
    model, event = find_event(article, kind, event_id)
    values = snapshot(event, model)
    try:
        # The claim rules are checked before the undo's transaction ends: an undo that would
        # leave a claim breaking one is refused with the rule's words, and nothing of it stays.
        with rules_checked():
            if event.pgh_label == "update":
                message = undo_update(model, event, values, user=user)
            elif event.pgh_label == "insert":
                message = undo_insert(model, event, user=user)
            else:
                message = restore(model, event, values, user=user)
    except ValidationError as error:
        raise CannotUndo(" ".join(error.messages)) from None
    return message


@dataclass
class Question:
    """An undo readers would see, asked before it is done: what changes for them (`effects`), and
    what the confirming press sends back (`token`). `stale`: a confirmation was sent, for effects
    that are no longer these (the story or the row changed since the question was asked)."""

    kind: str
    event_id: int
    effects: list[str]
    token: str
    stale: bool = False
    beside_change: bool = False  # shown beside its change in the timeline (set by the page)


def undo_or_ask(article: Article, kind: str, event_id: int, *, user, confirm: str = "") -> "str | Question":
    """Undo the change, as undo() does, if readers would see nothing of it or `confirm` is the
    token of the Question about it; else the Question, and nothing done. An undo that would be
    refused is refused (CannotUndo) before anything is asked."""
    with transaction.atomic():
        # The story is locked from the question to the undo: it is not published in between.
        Article.objects.select_for_update().filter(pk=article.pk).values("pk").get()
        article.refresh_from_db(fields=["status", "published_at"])
        effects = public_effects(article, kind, event_id)
        token = effects_token(effects)
        if effects and confirm != token:
            try_undo(article, kind, event_id, user=user)
            return Question(kind, event_id, effects, token, stale=bool(confirm))
        return undo(article, kind, event_id, user=user)


class _Trial(Exception):
    pass


def try_undo(article: Article, kind: str, event_id: int, *, user) -> None:
    """Raise CannotUndo if undo() would refuse; leave nothing of it either way (a savepoint rolled
    back: its rows, its history events and what it would have done at commit all go)."""
    try:
        with transaction.atomic():
            undo(article, kind, event_id, user=user)
            raise _Trial
    except _Trial:
        pass


def check_permission(user, perms: list[str]) -> None:
    if not user.has_perms(perms):
        raise CannotUndo(gettext("You may not undo this kind of change."))


def previous_event(model, event):
    """The row as it stood before `event`: the state an undo of that update puts back."""
    Event = event_model(model)
    return Event.objects.filter(pgh_obj_id=event.pgh_obj_id, pgh_id__lt=event.pgh_id).order_by("-pgh_id").first()


def undo_update(model, event, after: dict, *, user) -> str:
    previous = previous_event(model, event)
    if previous is None:
        raise CannotUndo(gettext("No earlier state of this row was recorded."))
    before = snapshot(previous, model)
    fields = changed_fields(model, before, after)
    if not fields:
        raise CannotUndo(gettext("This change only moved bookkeeping; there is nothing to undo."))
    check_permission(user, required_permission(model, "update", before, after))
    if any(field.name in ANCHORING for field in fields):
        raise CannotUndo(not_from_history())
    obj = model._base_manager.select_for_update().filter(pk=event.pgh_obj_id).first()
    if obj is None:
        raise CannotUndo(gettext("It has been deleted since; restore it first."))
    for field in fields:
        if getattr(obj, field.attname) != after[field.attname]:
            raise CannotUndo(
                gettext("“%(field)s” was changed again later; undo that change first.") % {"field": field.verbose_name}
            )
    old_status = getattr(obj, "status", None)
    if model is Claim and any(field.name == "across" for field in fields):
        bring_back_claim_across(before["across_id"])
    for field in fields:
        setattr(obj, field.attname, before[field.attname])
    validate(obj)
    update_fields = [f.name for f in fields]
    if model is Claim and obj.status != old_status:
        # A claim's status goes back the way every status moves, recorded in its history.
        set_status_back(obj, old_status, user=user)
        update_fields.remove("status")
    if update_fields:
        model._base_manager.filter(pk=obj.pk).update(**{f: getattr(obj, model._meta.get_field(f).attname) for f in update_fields})
    if model is Claim:
        Claim.objects.filter(pk=obj.pk).update(version=F("version") + 1, updated_at=timezone.now())
    labels = ", ".join(str(f.verbose_name) for f in fields)
    return gettext("Undone: %(what)s set back (%(fields)s).") % {"what": model._meta.verbose_name, "fields": labels}


def set_status_back(claim: Claim, current: str, *, user) -> None:
    """Move `claim` (which holds the status to go back to) from `current` back to it, through
    change_status; a confirmation rests again on the evidence its last confirmation named."""
    target = claim.status
    claim.status = claim._saved_status = current
    evidence = None
    if target == Claim.Status.CONFIRMED:
        earlier = claim.history.filter(to_status=target, evidence__isnull=False).select_related("evidence").order_by("-id").first()
        evidence = earlier.evidence if earlier is not None else None
    try:
        claim.change_status(target, by=user, reason=gettext("Undone from the history."), evidence=evidence)
    except ValidationError as error:
        raise CannotUndo(" ".join(error.messages)) from None


def undo_insert(model, event, *, user) -> str:
    if model in (Article, ClaimStatusChange):
        raise CannotUndo(gettext("This is not undone from the history."))
    check_permission(user, required_permission(model, "insert", None, None))
    obj = model._base_manager.select_for_update().filter(pk=event.pgh_obj_id).first()
    if obj is None:
        raise CannotUndo(gettext("It has already been removed."))
    if model is Attribution:
        try:
            obj.claim.remove_attribution(obj)
        except ValidationError as error:
            raise CannotUndo(" ".join(error.messages)) from None
    else:
        try:
            with transaction.atomic():
                obj.delete()
        except (models.ProtectedError, models.RestrictedError, IntegrityError):
            raise CannotUndo(gettext("Something else refers to it now; it cannot be removed.")) from None
    return gettext("Removed again: %(what)s.") % {"what": model._meta.verbose_name}


def validate(obj) -> None:
    try:
        obj.full_clean(validate_unique=True, validate_constraints=True)
    except ValidationError as error:
        raise CannotUndo(" ".join(error.messages)) from None


def restore(model, event, values: dict, *, user) -> str:
    check_permission(user, required_permission(model, "delete", None, None))
    if model is Article:
        raise CannotUndo(gettext("A deleted story is restored by a maintainer, not from its own page."))
    if model is Claim and not ClaimAcrossStories.objects.filter(pk=values.get("across_id")).exists():
        # Deleted before claims were followed across stories: it comes back as a claim of its own.
        values = values | {"across_id": new_claim_across_stories(values).pk}
    from annotations.corrections import back_in_queue

    restored = restore_row(model, values)
    # A span deleted while it waited for review, or orphaned, comes back to the review queue.
    back = [restored]
    children = 0
    if model is Claim:
        for child in CLAIM_CHILDREN:
            check_permission(user, required_permission(child, "delete", None, None))
            deleted_with_it = event_model(child).objects.filter(
                claim_id=restored.pk, pgh_label="delete", pgh_created_at=event.pgh_created_at
            ).order_by("pgh_id")
            for row in deleted_with_it:
                if not child._base_manager.filter(pk=row.pgh_obj_id).exists():
                    back.append(restore_row(child, snapshot(row, child)))
                    children += 1
    for span in back:
        if hasattr(span, "anchor_state"):
            back_in_queue(span)
    if children:
        return ngettext("Restored: %(what)s, with %(n)s row deleted with it.", "Restored: %(what)s, with %(n)s rows deleted with it.", children) % {
            "what": model._meta.verbose_name, "n": children,
        }
    return gettext("Restored: %(what)s.") % {"what": model._meta.verbose_name}


def bring_back_claim_across(across_id: int) -> None:
    """The claim across stories an undone join or split puts a claim back into, restored as it was
    last recorded (its wordings with it) if a maintainer has deleted it since it was left empty."""
    if ClaimAcrossStories.objects.filter(pk=across_id).exists():
        return
    Event = event_model(ClaimAcrossStories)
    last = Event.objects.filter(pgh_obj_id=across_id).order_by("-pgh_id").first()
    if last is None:
        raise CannotUndo(gettext("The claim it was one with is gone, with no record of it to bring back."))
    restore_row(ClaimAcrossStories, snapshot(last, ClaimAcrossStories))
    if last.pgh_label == "delete":
        wordings = event_model(ClaimTranslation).objects.filter(
            claim_id=across_id, pgh_label="delete", pgh_created_at=last.pgh_created_at
        ).order_by("pgh_id")
        for row in wordings:
            if not ClaimTranslation.objects.filter(pk=row.pgh_obj_id).exists():
                restore_row(ClaimTranslation, snapshot(row, ClaimTranslation))


def new_claim_across_stories(values: dict) -> ClaimAcrossStories:
    article = Article.objects.only("language").filter(pk=values["article_id"]).first()
    if article is None:
        raise CannotUndo(gettext("Its story has been deleted since."))
    return ClaimAcrossStories.objects.create(statement=values["statement"], language=article.language)


def restore_row(model, values: dict):
    if model._base_manager.filter(pk=values["id"]).exists():
        raise CannotUndo(gettext("It exists again already."))
    obj = model(**values)
    validate(obj)
    try:
        with transaction.atomic():
            model._base_manager.bulk_create([obj])
            # Saving stamps auto_now(_add) fields with the time of the restore; put the recorded ones back.
            stamped = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
            if stamped:
                model._base_manager.filter(pk=obj.pk).update(**{f.attname: values[f.attname] for f in stamped})
    except IntegrityError:
        raise CannotUndo(gettext("It clashes with a row made since (the same span or link exists again).")) from None
    return obj


# What readers never see of a row: setting back only these changes no public page.
INTERNAL_FIELDS = {Claim: {"note"}, Evidence: {"note"}, StoryLink: {"note"}}


def public_effects(article: Article, kind: str, event_id: int) -> list[str]:
    """What readers will see change if this change is undone, one plain sentence each; none when
    the undo touches nothing public: the story is not published before or after it, the row is
    kept off the public page, or only internal notes go back. An undo that asks nothing of the
    public needs no second press; one that does is confirmed against these very sentences.
    Whether the undo is allowed (a later change, a rule) is decided when it is done, not here."""
    model, event = find_event(article, kind, event_id)
    action = event.pgh_label
    if action == "insert" and model in (Article, ClaimStatusChange):
        return []  # not undone from the history
    rows, now, before = [event], snapshot(event, model), None
    if action == "insert":
        # What a removal takes away is the row as it is now, not as it was made.
        current = model._base_manager.filter(pk=event.pgh_obj_id).first()
        if current is None:
            return []
        rows, now = [current], {f.attname: getattr(current, f.attname) for f in snapshot_fields(model)}
    if action == "update":
        previous = previous_event(model, event)
        if previous is None:
            return []
        rows.append(previous)
        before = snapshot(previous, model)
    names = Names({model: rows})
    if model is Article:
        return story_effects(article, now, before, names) if before is not None else []
    if not article.is_published:
        return []
    if model is StoryLink:
        return story_link_effects(article, action, now, before, names)
    if model is Mention or model is Claim:
        return annotation_effects(model, event, action, now, before, names)
    claim = Claim._base_manager.filter(pk=now["claim_id"]).first()
    if claim is None or not claim.is_published:
        return []
    return claim_part_effects(model, claim, action, now, before, names)


def effects_token(effects: list[str]) -> str:
    """What a confirmation of an undo names: the public effects the editor was shown."""
    return hashlib.sha256("\n".join(effects).encode()).hexdigest()[:20]


def public_fields(model, now: dict, before: dict) -> list[models.Field]:
    internal = INTERNAL_FIELDS.get(model, set())
    return [f for f in changed_fields(model, before, now) if f.name not in internal]


def story_effects(article: Article, now: dict, before: dict, names: Names) -> list[str]:
    published = Article.Status.PUBLISHED
    public_now = article.status == published
    fields = public_fields(Article, now, before)
    public_after = before["status"] == published if any(f.name == "status" for f in fields) else public_now
    if public_now and not public_after:
        status = names.value(Article._meta.get_field("status"), before["status"])
        return [gettext(
            "The story will be taken off the public site (set back to %(status)s): its public page goes away, "
            "and it leaves the front page, the feed, search and the sitemap."
        ) % {"status": status}]
    if public_after and not public_now:
        from annotations.publishing import checklist  # publishing reads the history: imported here, not at the top

        return [gettext(
            "The story will be published again: its public page comes back, with its published annotations, "
            "on the front page, the feed, search and the sitemap."
        )] + checklist(article).items()
    if not public_now:
        return []
    effects = []
    for field in fields:
        old, new = names.value(field, before[field.attname]), names.value(field, now[field.attname])
        if field.name == "title":
            effects.append(gettext("The public page of this story will show the title “%(old)s” instead of “%(new)s”.") % {"old": old, "new": new})
        elif field.name == "published_at":
            effects.append(gettext("The public page of this story will show the date %(old)s instead of %(new)s.") % {"old": old, "new": new})
        elif field.name == "publisher":
            effects.append(gettext("The public page of this story will name %(old)s as its publisher instead of %(new)s.") % {"old": old, "new": new})
        else:
            effects.append(gettext("The public page of this story will show its %(field)s as “%(old)s” instead of “%(new)s”.") % {
                "field": field.verbose_name, "old": old, "new": new,
            })
    return effects


def annotation_effects(model, event, action: str, now: dict, before: dict | None, names: Names) -> list[str]:
    """A mention or a claim of a published story: what its removal, restoring or setting back shows."""
    current = model._base_manager.filter(pk=event.pgh_obj_id).first()
    fields = {f.name: f for f in snapshot_fields(model)}

    def said(values: dict) -> dict:
        if model is Claim:
            return {"claim": quoted(values["statement"]), "status": names.value(fields["status"], values["status"])}
        return {"text": quoted(values["exact"]), "entity": names.value(fields["entity"], values["entity_id"])}

    gone = {
        Mention: gettext("The public page of this story will no longer tag %(text)s as %(entity)s."),
        Claim: gettext("The public page of this story will lose the claim %(claim)s (%(status)s)."),
    }[model]
    back = {
        Mention: gettext("The public page of this story will tag %(text)s as %(entity)s again."),
        Claim: gettext("The public page of this story will show the claim %(claim)s (%(status)s) again."),
    }[model]
    if action == "insert":
        return [gone % said(now)] if current is not None and current.is_published else []
    if action == "delete":
        return [back % said(now)] if now["is_published"] else []
    if current is None:
        return []
    changed = public_fields(model, now, before)
    shown_now = current.is_published
    shown_after = before["is_published"] if fields["is_published"] in changed else shown_now
    if shown_now and not shown_after:
        return [gone % said(now)]
    if shown_after and not shown_now:
        return [back % said(before)]
    if not shown_now:
        return []
    effects = []
    span_moved = False
    for field in changed:
        old, new = names.value(field, before[field.attname]), names.value(field, now[field.attname])
        if field.name in ("start", "end", "exact"):
            if not span_moved:
                span_moved = True
                effects.append(gettext("The public page of this story will mark %(old)s instead of %(new)s for %(what)s.") % {
                    "old": quoted(before["exact"]), "new": quoted(now["exact"]),
                    "what": said(now).get("claim") or said(now)["entity"],
                })
        elif model is Claim and field.name == "status":
            effects.append(gettext("The public page of this story will show the claim %(claim)s as %(old)s instead of %(new)s.") % {
                "claim": quoted(now["statement"]), "old": old, "new": new,
            })
        elif model is Claim and field.name == "statement":
            effects.append(gettext("The public page of this story will show the claim %(old)s instead of %(new)s.") % {
                "old": quoted(before["statement"]), "new": quoted(now["statement"]),
            })
        elif model is Claim and field.name == "across":
            effects.append(gettext(
                "The public page of the claim %(claim)s will follow it across the stories of the claim %(old)s, "
                "not those of %(new)s."
            ) % {"claim": quoted(now["statement"]), "old": quoted(old), "new": quoted(new)})
        elif model is Mention and field.name == "entity":
            effects.append(gettext("The public page of this story will tag %(text)s as %(old)s instead of %(new)s.") % {
                "text": quoted(now["exact"]), "old": old, "new": new,
            })
        else:
            effects.append(gettext("The public page of this story will show the %(field)s of %(what)s as “%(old)s” instead of “%(new)s”.") % {
                "field": field.verbose_name, "what": said(now).get("claim") or quoted(now["exact"]), "old": old, "new": new,
            })
    return effects


def claim_part_effects(model, claim: Claim, action: str, now: dict, before: dict | None, names: Names) -> list[str]:
    """A link of a published claim's chain, its evidence or its status history."""
    statement = quoted(claim.statement)
    if model is Attribution:
        fields = {f.name: f for f in snapshot_fields(Attribution)}

        def link(values: dict) -> str:
            source = names.related.get(Source, {}).get(values["source_id"])
            return gettext("%(source)s (%(role)s, %(sourcing)s)") % {
                "source": source.name if source is not None else names.value(fields["source"], values["source_id"]),
                "role": names.value(fields["role"], values["role"]),
                "sourcing": names.value(fields["sourcing"], values["sourcing"]),
            }

        if action == "insert":
            return [gettext("The public page of this story will no longer name %(link)s in the chain of the claim %(claim)s.") % {
                "link": link(now), "claim": statement}]
        if action == "delete":
            return [gettext("The public page of this story will name %(link)s in the chain of the claim %(claim)s again.") % {
                "link": link(now), "claim": statement}]
        if not public_fields(model, now, before):
            return []
        return [gettext("The public page of this story will name %(old)s in the chain of the claim %(claim)s instead of %(new)s.") % {
            "old": link(before), "new": link(now), "claim": statement}]
    if model is Evidence:
        what = summary_of(Evidence, now, names)
        if action == "insert":
            return [gettext("The public page of the claim %(claim)s will no longer show its evidence (%(what)s).") % {
                "claim": statement, "what": what}]
        if action == "delete":
            return [gettext("The public page of the claim %(claim)s will show its evidence (%(what)s) again.") % {
                "claim": statement, "what": what}]
        if not public_fields(model, now, before):
            return []
        return [gettext("The public page of the claim %(claim)s will show its evidence as it was before (%(what)s).") % {
            "claim": statement, "what": summary_of(Evidence, before, names)}]
    return [gettext("The public timeline of the claim %(claim)s will change.") % {"claim": statement}]


def story_link_effects(article: Article, action: str, now: dict, before: dict | None, names: Names) -> list[str]:
    other_id = now["to_article_id"] if now["from_article_id"] == article.pk else now["from_article_id"]
    other = Article.objects.published().filter(pk=other_id).only("title").first()
    if other is None:
        return []  # a link is public only between two published stories
    kind = StoryLink._meta.get_field("kind")
    words = {"other": quoted(other.title), "kind": names.value(kind, now["kind"])}
    if action == "insert":
        return [gettext("The public pages of this story and of %(other)s will no longer show them as related (%(kind)s).") % words]
    if action == "delete":
        return [gettext("The public pages of this story and of %(other)s will show them as related (%(kind)s) again.") % words]
    if not public_fields(StoryLink, now, before):
        return []
    return [gettext("The public pages of this story and of %(other)s will show them as %(old)s instead of %(kind)s.") % (
        words | {"old": names.value(kind, before["kind"])})]
