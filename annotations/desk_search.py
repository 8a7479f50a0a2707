"""What the desk's search box finds besides stories: claims, sources and entities, a few of each
with how many match, in one query each (the count is a window over the matches, read with them)."""

from django.db.models import Count, Exists, OuterRef, Q, Value, Window

from annotations.models import ClaimAcrossStories, Entity, EntityAlias
from articles.models import Source
from articles.text import Folded, to_name
from newsdesk.languages import number

SHOWN = 5  # of each kind; the page for it (a claim's join search, the pickers) lists more
# The claims searched: the most recent ones. Matching a claim reads its wordings, its appearances'
# entities and sources; over every claim of a large archive that is seconds, not a search box.
CLAIM_POOL = 2_000


def found(q: str) -> dict[str, list]:
    """The claims, sources and entities the words name, SHOWN of each; each row carries `total`,
    how many match in all (none when no row does)."""
    q = to_name(q)
    if not q:
        return {"claims": [], "sources": [], "entities": []}
    folded = Folded(Value(q))
    total = Window(Count("pk"))
    recent = ClaimAcrossStories.objects.order_by("-pk").values("pk")
    claims = (
        ClaimAcrossStories.objects.filter(pk__in=recent[:CLAIM_POOL]).with_appearances().matching(q).with_first_appearance()
        .annotate(total=total).order_by("-created_at", "-id")
    )
    sources = (
        Source.objects.alias(folded=Folded("name")).filter(folded__contains=folded).with_public()
        .annotate(total=total, starts=Q(folded__startswith=folded))
        .order_by("-starts", "name", "pk")
    )
    aliases = EntityAlias.objects.filter(entity=OuterRef("pk"), name_folded__contains=folded)
    entities = (
        # Whether each is public is asked of its own mentions: as Exists(Entity.objects.published()
        # .filter(pk=…)) the planner joined every entity to every published mention (2.8 s at a
        # million stories, against 3 ms).
        Entity.objects.filter(Q(name_folded__contains=folded) | Exists(aliases)).with_public()
        .annotate(total=total, starts=Q(name_folded__startswith=folded))
        .order_by("-starts", "name", "pk")
    )
    return {
        "claims": list(claims[:SHOWN]), "sources": list(sources[:SHOWN]), "entities": list(entities[:SHOWN]),
        "claim_pool": number(CLAIM_POOL) if recent[CLAIM_POOL:CLAIM_POOL + 1].exists() else None,
    }
