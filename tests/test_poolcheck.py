"""Panel draws checked against the juror pool on the public log (alteram.poolcheck)."""

from __future__ import annotations

import json
from typing import Any

from alteram import poolcheck
from alteram.services import accounts, proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from conftest import People
from pages_kit import file_case


def records(ctx: Context) -> list[dict[str, Any]]:
    with ctx.store.read() as tx:
        return [json.loads(leaf) for _, leaf in tx.log.entries(0, tx.log.size())]


def test_a_draw_is_checked_against_the_pool_the_log_records(ctx: Context, people: People) -> None:
    gone = people.jurors[0].id
    accounts.set_juror_active(ctx, gone, False)
    filed = file_case(ctx, people.platform_id, post="pool")
    author = Principal(kind="party", subject=filed.case_id, party_id="author")
    proceedings.reply(ctx, filed.case_id, author, None, waive=True)
    log = records(ctx)

    (draw,) = poolcheck.pools_at_draws(log, filed.case_id)
    assert draw.type == "panel_drawn" and draw.round == 1
    assert gone in draw.inactive and gone not in draw.eligible
    found = poolcheck.check(draw)
    assert found.out_of_pool == [] and found.unknown == []
    assert found.not_eligible == len(draw.active) - len(draw.eligible)
    assert len(draw.eligible) == len(people.jurors) - 1  # everyone else reads English

    # A log in which an eligible juror had been deactivated before the draw: caught.
    seated = draw.eligible[0]
    at = next(i for i, r in enumerate(log) if r["type"] == "panel_drawn")
    deactivated = {"type": "juror_deactivated", "juror_id": seated, "open_seats": 0}
    (forged,) = poolcheck.pools_at_draws([*log[:at], deactivated, *log[at:]], filed.case_id)
    assert poolcheck.check(forged).out_of_pool == [seated]
    # A juror the pool record never mentions is reported as unknown, not as a mismatch.
    unrecorded = [r for r in log if r.get("juror_id") != seated]
    (partial,) = poolcheck.pools_at_draws(unrecorded, filed.case_id)
    assert poolcheck.check(partial).unknown == [seated]
    assert poolcheck.check(partial).out_of_pool == []
    # Another case's draws are not this case's.
    assert poolcheck.pools_at_draws(log, "c-other") == []
