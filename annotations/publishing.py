"""Before a story goes live: what is still open in it (the publish checklist), and the state the
editor saw it in, so that a confirmation given for one state of the story never publishes another."""

import hashlib
import json
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext, ngettext

from annotations import history
from annotations.models import Claim
from annotations.suggestions import suggestions_for
from articles.models import Article


@dataclass
class Checklist:
    pending_suggestions: int  # places in the text the Suggested mentions panel still offers
    unverified_claims: int  # shown to readers as unverified
    hidden_claims: int  # kept off the public page (not published)
    undated: bool
    state: str  # what a confirmation of this checklist names (see `checklist`)

    @property
    def can_publish(self) -> bool:
        return not self.undated  # Article.publish refuses an undated story; the rest is the editor's call

    def refusal(self) -> str:
        return gettext(
            "No publication date: set the date it was published in the story's details; it cannot be published without one."
        ) if self.undated else ""

    def notes(self) -> list[str]:
        """What is still open but the editor's to decide, one sentence each."""
        notes = []
        if n := self.pending_suggestions:
            notes.append(ngettext(
                "%(n)s suggested mention is still pending: a known name in the story, neither tagged nor rejected.",
                "%(n)s suggested mentions are still pending: known names in the story, neither tagged nor rejected.",
                n,
            ) % {"n": n})
        if n := self.unverified_claims:
            notes.append(ngettext(
                "%(n)s claim is unverified: readers will see it marked unverified.",
                "%(n)s claims are unverified: readers will see them marked unverified.",
                n,
            ) % {"n": n})
        if n := self.hidden_claims:
            notes.append(ngettext(
                "%(n)s claim is kept off the public page: readers will not see it.",
                "%(n)s claims are kept off the public page: readers will not see them.",
                n,
            ) % {"n": n})
        return notes

    def items(self) -> list[str]:
        """The whole list, the refusal first; or that nothing is left open."""
        items = [self.refusal()] if self.undated else []
        items += self.notes()
        return items or [gettext(
            "Nothing is left open: no suggested mention is pending, every claim has a status, and the story has its date."
        )]


def checklist(article: Article) -> Checklist:
    """What an editor should see before `article` goes live.

    Its `state` names the story as it stands: a change anywhere in its timeline (the desk, the
    admin, an import, raw SQL: each writes a history event) or in what the checklist counts (a
    new entity elsewhere brings new suggestions) gives another state, so that a confirmation
    given for what the editor saw does not publish a story that has changed since."""
    pending = len({(s.start, s.end) for s in suggestions_for(article)})
    claims = Claim.objects.filter(article=article).aggregate(
        unverified=Count("pk", filter=Q(is_published=True, status=Claim.Status.UNVERIFIED)),
        hidden=Count("pk", filter=Q(is_published=False)),
    )
    counts = [pending, claims["unverified"], claims["hidden"], article.published_at is None]
    seen = [counts, article.status, history.latest_events(article.pk)]
    state = hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:20]
    return Checklist(*counts, state=state)
