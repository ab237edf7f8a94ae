"""The published standard: a versioned rulebook.

The model is pure data; :mod:`alteram.domain.policy_file` parses and validates
YAML text into it, with line numbers for every problem.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alteram.domain.remedy import LADDER, Remedy
from alteram.errors import InvalidInput

RABAT_FACTORS: tuple[str, ...] = (
    "context",
    "speaker",
    "intent",
    "content_and_form",
    "extent",
    "likelihood_and_imminence",
)
THREE_PART_TEST: tuple[str, ...] = ("legality", "legitimate_aim", "necessity", "proportionality")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rule(_Frozen):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Category(_Frozen):
    id: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    standard: str = Field(
        min_length=1, description="The human-rights standard, e.g. ICCPR Art. 20(2)."
    )
    description: str = ""
    emergency: bool = False
    incitement: bool = False
    interim_remedy: Remedy = Remedy.REMOVAL
    rules: tuple[Rule, ...] = Field(min_length=1)


class Deadlines(_Frozen):
    reply: timedelta = timedelta(days=7)
    voting: timedelta = timedelta(days=5)
    appeal: timedelta = timedelta(days=14)
    interim_review: timedelta = timedelta(hours=24)

    @field_validator("reply", "voting", "appeal", "interim_review")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive ISO-8601 duration such as P7D or PT24H")
        return value


class PanelSizes(_Frozen):
    first: int = Field(default=3, ge=1, le=101)
    appeal: int = Field(default=5, ge=1, le=101)

    @model_validator(mode="after")
    def _appeal_larger(self) -> PanelSizes:
        if self.appeal <= self.first:
            raise ValueError("the appeal panel must be larger than the first panel")
        return self


class Standing(_Frozen):
    """Reporter standing (EU DSA Art. 23): when manifestly unfounded reports lead to a
    warning, then to a time-limited suspension of report processing."""

    window: timedelta = timedelta(days=90)
    warn_after: int = Field(default=5, ge=1)
    suspend_after: int = Field(default=10, ge=1)
    suspension: timedelta = timedelta(days=30)
    min_share: float = Field(default=0.8, gt=0, le=1)
    # The appeal of a suspension: reviewed by a panel drawn at random (DSA Art. 20(6)).
    appeal_panel: int = Field(default=3, ge=1, le=25)
    appeal_deadline: timedelta = timedelta(days=7)

    @field_validator("window", "suspension", "appeal_deadline")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive ISO-8601 duration such as P90D or P30D")
        return value

    @model_validator(mode="after")
    def _suspend_after_warning(self) -> Standing:
        if self.suspend_after < self.warn_after:
            raise ValueError("suspend_after must be at least warn_after")
        return self


class Law(_Frozen):
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    compatible: bool
    reasoning: str = Field(min_length=1)


class Jurisdiction(_Frozen):
    code: str = Field(min_length=2, max_length=8)
    name: str = Field(min_length=1)
    laws: tuple[Law, ...] = ()


class Policy(_Frozen):
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    remedies: tuple[Remedy, ...] = LADDER
    deadlines: Deadlines = Deadlines()
    panel: PanelSizes = PanelSizes()
    jurisdictions: tuple[Jurisdiction, ...] = ()
    standing: Standing = Standing()

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if tuple(self.remedies) != LADDER:
            raise ValueError("remedies must list the whole ladder in order: " + ", ".join(LADDER))
        ids = [c.id for c in self.categories]
        if len(set(ids)) != len(ids):
            raise ValueError("category ids must be unique")
        rule_ids = [r.id for c in self.categories for r in c.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("rule ids must be unique across categories")
        codes = [j.code for j in self.jurisdictions]
        if len(set(codes)) != len(codes):
            raise ValueError("jurisdiction codes must be unique")
        return self

    # -- look-ups that raise errors naming what is valid ---------------------

    def category(self, category_id: str, *, field: str = "category") -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        valid = ", ".join(c.id for c in self.categories)
        raise InvalidInput(f"unknown category {category_id!r}; valid: {valid}", field=field)

    def rule(self, rule_id: str) -> Rule | None:
        for c in self.categories:
            for r in c.rules:
                if r.id == rule_id:
                    return r
        return None

    def jurisdiction(self, code: str, *, field: str = "jurisdiction") -> Jurisdiction:
        for j in self.jurisdictions:
            if j.code == code:
                return j
        valid = ", ".join(j.code for j in self.jurisdictions) or "none configured"
        raise InvalidInput(f"unknown jurisdiction {code!r}; valid: {valid}", field=field)

    def law(self, code: str, law_id: str, *, field: str = "legal_basis") -> Law:
        j = self.jurisdiction(code)
        for law in j.laws:
            if law.id == law_id:
                return law
        valid = ", ".join(law.id for law in j.laws) or "none listed"
        raise InvalidInput(
            f"unknown law {law_id!r} for jurisdiction {code}; valid: {valid}", field=field
        )
