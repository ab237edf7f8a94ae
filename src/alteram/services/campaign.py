"""The campaign object of a case, computed when it is read (it decides nothing)."""

from __future__ import annotations

from alteram.domain.campaign import Campaign, assess
from alteram.services.context import Context
from alteram.storage import campaign as queries


def campaign_of(ctx: Context, case_id: str) -> Campaign:
    with ctx.store.read() as tx:
        facts, first_seen, unfounded, co_cases = queries.inputs(tx.conn, case_id)
    return assess(facts, first_seen, unfounded, co_cases)
