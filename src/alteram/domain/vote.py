"""A juror's structured, sealed vote (DESIGN invariants 5 and 6)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from alteram.domain.events import canonical_json
from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST, Category, Policy
from alteram.domain.remedy import Remedy
from alteram.errors import InvalidInput


class Ballot(BaseModel):
    """What a juror submits. Validated against the policy by :func:`check_ballot`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    violation: bool
    rules: tuple[str, ...] = ()
    test: dict[str, str] = {}
    rabat: dict[str, str] = {}
    remedy: Remedy = Remedy.NO_ACTION
    jurisdictions: tuple[str, ...] = ()
    lesser_remedies_insufficient: dict[str, str] = {}
    reasons: str


class Vote(BaseModel):
    model_config = ConfigDict(frozen=True)
    juror_id: str
    round: int
    cast_at: datetime
    ballot: Ballot

    def commitment(self) -> str:
        """SHA-256 of the vote's canonical JSON: published while the vote is sealed."""
        return hashlib.sha256(canonical_json(self.model_dump(mode="json"))).hexdigest()


def _blank(text: str | None) -> bool:
    return not text or not text.strip()


def check_ballot(
    ballot: Ballot, policy: Policy, categories: list[Category], allowed_geo: set[str]
) -> None:
    """Raise :class:`InvalidInput` naming the first field that must be fixed.

    ``categories`` are those the author was heard on: cited rules must belong to
    them. ``allowed_geo`` holds the jurisdictions where a geo-restriction may rest
    on a cited law that the policy marks compatible with human-rights law.
    """
    heard_rules = {r.id for c in categories for r in c.rules}
    if _blank(ballot.reasons):
        raise InvalidInput("reasons must explain the vote", field="reasons")
    for rule_id in ballot.rules:
        if policy.rule(rule_id) is None:
            raise InvalidInput(f"rule {rule_id!r} is not in policy {policy.version}", field="rules")
        if rule_id not in heard_rules:
            raise InvalidInput(
                f"rule {rule_id!r} is outside what the author was notified of and heard on; "
                "valid: " + ", ".join(sorted(heard_rules)),
                field="rules",
            )
    if ballot.violation:
        if not ballot.rules:
            raise InvalidInput("a violation must cite at least one policy rule", field="rules")
        for part in THREE_PART_TEST:
            if _blank(ballot.test.get(part)):
                raise InvalidInput(
                    f"a violation must answer the three-part test: {part} is missing",
                    field=f"test.{part}",
                )
        if any(c.incitement for c in categories):
            for factor in RABAT_FACTORS:
                if _blank(ballot.rabat.get(factor)):
                    raise InvalidInput(
                        f"incitement must answer the six Rabat factors: {factor} is missing",
                        field=f"rabat.{factor}",
                    )
    elif ballot.remedy is not Remedy.NO_ACTION:
        raise InvalidInput("without a violation the only remedy is no_action", field="remedy")
    for rung in ballot.remedy.lower_rungs():
        if _blank(ballot.lesser_remedies_insufficient.get(rung.value)):
            raise InvalidInput(
                f"say why {rung.value} would not suffice before choosing {ballot.remedy.value}",
                field=f"lesser_remedies_insufficient.{rung.value}",
            )
    if ballot.remedy is Remedy.GEO_RESTRICTION:
        if not ballot.jurisdictions:
            raise InvalidInput("a geo_restriction names its jurisdictions", field="jurisdictions")
        for code in ballot.jurisdictions:
            policy.jurisdiction(code, field="jurisdictions")
            if code not in allowed_geo:
                raise InvalidInput(
                    f"no report cites a law of {code} that the policy marks compatible with "
                    "international human-rights law; a geo-restriction cannot rest on it",
                    field="jurisdictions",
                )
    elif ballot.jurisdictions:
        raise InvalidInput("jurisdictions apply only to a geo_restriction", field="jurisdictions")
