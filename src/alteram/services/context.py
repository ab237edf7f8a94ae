"""What every use case needs: the store, the policy in force, a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alteram.domain.case import Case
from alteram.domain.dispute import DisputeRules
from alteram.domain.events import Event
from alteram.domain.policy import Policy
from alteram.errors import NotFound
from alteram.integrations.email import Mailer, NullMailer
from alteram.storage.store import Store, Tx
from alteram.tlog import Signer

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    store: Store
    policy: Policy
    clock: Clock = field(default=utcnow)
    base_url: str = "http://127.0.0.1:8000"
    signer: Signer | None = None  # the log's key; an ephemeral one is made if unset
    max_media_bytes: int = 20_000_000
    max_media_pixels: int = 50_000_000
    mailer: Mailer = field(default_factory=NullMailer)  # e-mail notices (services.outbox)
    disputes: DisputeRules = field(default_factory=DisputeRules)
    # Published policy versions (alteram.services.policies): each parsed version by its
    # id, and how often (seconds) a process looks for a newer one in the database.
    policies: dict[str, Policy] = field(default_factory=dict)
    policy_refresh_seconds: float = 1.0
    policy_checked_at: float = float("-inf")

    def now(self) -> datetime:
        return self.clock()


@dataclass
class Unit:
    """One transaction's worth of work on one case."""

    tx: Tx
    case: Case
    now: datetime
    events: list[Event]
    policy: Policy  # the version the case was opened under


@contextmanager
def case_unit(ctx: Context, case_id: str) -> Iterator[Unit]:
    """Load a case locked for update, bring its deadlines up to date, then let the
    caller act; on exit save the case and append every event, in one transaction."""
    with ctx.store.transaction() as tx:
        case = tx.get_case(case_id, lock=True)
        if case is None:
            raise NotFound(f"no case {case_id!r}", field="case_id")
        now = ctx.now()
        from alteram.services.policies import policy_for

        policy = policy_for(ctx, case.policy_version, tx)
        unit = Unit(tx=tx, case=case, now=now, events=[], policy=policy)
        unit.events += case.advance(now, policy, tx.jurors(active_only=True))
        yield unit
        from alteram.services.reports import record_notices

        record_notices(tx, ctx, unit.events)  # notices a step caused (a ruling in a dispute)
        tx.update_case(case, now)
        tx.append_events(unit.events)
        from alteram.services.standing import after_final

        after_final(tx, ctx, unit.events, now)  # a clearing final ruling: reporters' standing
    if unit.events:
        from alteram.services.log import after_append

        after_append(ctx)
