"""Until annotations.models has Claim.record with chain, evidence and history (the commit
"Claim rules held by PostgreSQL at commit"): the same names, on the old path. Temporary."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from annotations.models import Attribution, Claim, ClaimStatusChange, Evidence


@dataclass
class ChainLink:
    source: object
    role: str
    sourcing: str
    start: int | None = None
    end: int | None = None
    exact: str = ""


@dataclass
class EvidenceSpec:
    kind: str
    link: int | None = None
    article: object = None
    claim: object = None
    url: str = ""
    note: str = ""


@dataclass
class StatusStep:
    to: str
    reason: str
    evidence: int | None = None
    at: object = None


def check_rules_now() -> None:
    pass


def rule_refusal(error) -> str | None:
    return None


def record(article, *, start, end, exact, statement="", note="", is_published=True, chain=(), evidence=(), history=()):
    from articles.models import Article  # noqa: F401

    statement = (statement or exact).strip()
    found = Claim.objects.filter(article=article, start=start, end=end, statement=statement).first()
    if found:
        return found
    claim = Claim(article=article, start=start, end=end, exact=exact, statement=statement, note=note,
                  is_published=is_published)
    claim.save()
    links = [Attribution.objects.create(claim=claim, position=i, source=link.source, role=link.role,
                                        sourcing=link.sourcing, start=link.start, end=link.end, exact=link.exact)
             for i, link in enumerate(chain)]
    proofs = []
    for spec in evidence:
        if spec.kind == "claim":
            raise ValidationError("claim evidence needs the new Claim.record")
        target = {"quote": spec.link, "article": spec.article, "url": spec.url}[spec.kind]
        problems = Evidence.problems_with((spec.kind, target), links, article)
        if problems:
            raise ValidationError(problems)
        proofs.append(Evidence.make(claim, (spec.kind, target), links, note=spec.note))
    for step in history:
        proof = proofs[step.evidence] if step.evidence is not None else None
        made = claim.change_status(step.to, by=None, reason=step.reason, evidence=proof)
        if step.at:
            ClaimStatusChange.objects.filter(pk=made.pk).update(changed_at=step.at)
    return claim
