"""Jurors and the verifiable panel draw (DESIGN invariant 4).

The draw is a pure function of public inputs::

    seed = SHA-256( utf8(case_id) || 0x0A || ascii(round) || 0x0A || bytes(opening_event_hash) )
    rank(j) = SHA-256( seed || utf8(j) )        for each eligible public juror id j
    chosen  = the k eligible ids with the smallest rank (ties impossible in practice;
              broken by id)

Anyone holding the case id, the round, the opening event's hash and the list of
eligible ids can recompute the chosen panel (:func:`verify_draw`). A juror who
recuses is replaced by a draw of one with the same function, seeded by the
``juror_recused`` event's hash; :func:`verify_panel` checks the original draw and
every replacement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from alteram.errors import PanelUnavailable


class Juror(BaseModel):
    """A pool member. ``id`` is the public pseudonym; ``name`` stays private."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    languages: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = Field(default=(), description="handles or domains")
    handles: tuple[str, ...] = Field(default=(), description="the juror's own accounts")
    active: bool = True


class Replacement(BaseModel):
    """A juror drawn to replace one who recused: a draw of one over ``eligible``, seeded
    by the leaf hash of the ``juror_recused`` event (``opening_event_hash``)."""

    recused: str
    opening_event_hash: str
    seed: str
    eligible: list[str]
    chosen: str
    at: datetime


class Panel(BaseModel):
    """``chosen`` is the panel sitting now; with ``replacements`` undone it is the
    original draw (:meth:`drawn`)."""

    round: int
    size: int
    opening_event_hash: str
    seed: str
    eligible: list[str]
    chosen: list[str]
    drawn_at: datetime
    voting_deadline: datetime
    replacements: list[Replacement] = []

    def drawn(self) -> list[str]:
        """The jurors the original draw chose."""
        return undo_replacements(self.chosen, [r.model_dump() for r in self.replacements])

    def recused(self) -> list[str]:
        return [r.recused for r in self.replacements]


def normalize_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def handle_domain(handle: str) -> str | None:
    """``@alice@example.social`` → ``example.social``; a bare name has none."""
    h = normalize_handle(handle)
    return h.rsplit("@", 1)[1] if "@" in h else None


def url_domain(url: str | None) -> str | None:
    if not url:
        return None
    return (urlsplit(url).hostname or "").lower() or None


def _domain_matches(conflict: str, domain: str) -> bool:
    return domain == conflict or domain.endswith("." + conflict)


def eligible_jurors(
    pool: Iterable[Juror],
    *,
    party_handles: Iterable[str],
    earlier_panelists: Iterable[str],
    language: str | None,
    content_url: str | None,
) -> list[Juror]:
    """Active jurors who are not parties, not earlier panelists, not conflicted,
    and who read the content's language when it is known."""
    parties = {normalize_handle(h) for h in party_handles}
    domains = {d for d in (handle_domain(h) for h in parties) if d}
    host = url_domain(content_url)
    if host:
        domains.add(host)
    earlier = set(earlier_panelists)
    out: list[Juror] = []
    for juror in pool:
        if not juror.active or juror.id in earlier:
            continue
        if language and language.lower() not in {lang.lower() for lang in juror.languages}:
            continue
        if parties & {normalize_handle(h) for h in juror.handles}:
            continue
        conflicted = False
        for raw in juror.conflicts:
            c = normalize_handle(raw)
            if c in parties or any(_domain_matches(c, d) for d in domains):
                conflicted = True
                break
        if not conflicted:
            out.append(juror)
    return out


def draw_seed(case_id: str, round_: int, opening_event_hash: str) -> bytes:
    return hashlib.sha256(
        case_id.encode() + b"\n" + str(round_).encode() + b"\n" + bytes.fromhex(opening_event_hash)
    ).digest()


def rank(seed: bytes, juror_id: str) -> bytes:
    return hashlib.sha256(seed + juror_id.encode()).digest()


def draw(
    case_id: str, round_: int, opening_event_hash: str, eligible_ids: Sequence[str], k: int
) -> tuple[str, list[str]]:
    """Return ``(seed_hex, chosen_ids)``; raise if fewer than ``k`` are eligible."""
    if len(set(eligible_ids)) < k:
        raise PanelUnavailable(
            f"a panel of {k} needs {k} eligible jurors; only {len(set(eligible_ids))} are eligible"
        )
    seed = draw_seed(case_id, round_, opening_event_hash)
    ordered = sorted(set(eligible_ids), key=lambda j: (rank(seed, j), j))
    return seed.hex(), ordered[:k]


def verify_draw(
    case_id: str,
    round_: int,
    opening_event_hash: str,
    eligible_ids: Sequence[str],
    chosen_ids: Sequence[str],
    seed_hex: str | None = None,
) -> list[str]:
    """Recompute a draw; return a list of mismatches (empty means it checks out)."""
    problems: list[str] = []
    seed = draw_seed(case_id, round_, opening_event_hash)
    if seed_hex is not None and seed.hex() != seed_hex:
        problems.append(f"seed is {seed_hex}, recomputed {seed.hex()}")
    try:
        _, expected = draw(case_id, round_, opening_event_hash, eligible_ids, len(chosen_ids))
    except PanelUnavailable as exc:
        return [*problems, exc.message]
    if list(chosen_ids) != expected:
        problems.append(f"chosen {list(chosen_ids)}, recomputed {expected}")
    return problems


def _ids(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def undo_replacements(
    chosen: Sequence[str], replacements: Sequence[Mapping[str, object]]
) -> list[str]:
    """The original draw: each replacement's seat given back to the juror who recused."""
    seats = list(chosen)
    for r in reversed(replacements):
        new, old = str(r["chosen"]), str(r["recused"])
        if new in seats:
            seats[seats.index(new)] = old
    return seats


def verify_panel(
    case_id: str,
    round_: int,
    opening_event_hash: str,
    eligible_ids: Sequence[str],
    chosen_ids: Sequence[str],
    seed_hex: str | None = None,
    replacements: Sequence[Mapping[str, object]] = (),
) -> list[str]:
    """Recompute a panel: its original draw (``chosen_ids`` with the replacements undone)
    and every replacement draw of one. Returns the mismatches (empty: it checks out)."""
    drawn = undo_replacements(chosen_ids, replacements)
    problems = verify_draw(case_id, round_, opening_event_hash, eligible_ids, drawn, seed_hex)
    seats, left = list(drawn), set()
    for i, r in enumerate(replacements, 1):
        eligible = [str(j) for j in _ids(r["eligible"])]
        recused, new = str(r["recused"]), str(r["chosen"])
        if recused not in seats:
            problems.append(f"replacement {i}: {recused} was not on the panel")
        left.add(recused)
        sitting = set(seats) | left
        if sitting & set(eligible):
            clash = sorted(sitting & set(eligible))
            problems.append(f"replacement {i}: eligible includes panelists {clash}")
        problems += [
            f"replacement {i}: {p}"
            for p in verify_draw(
                case_id, round_, str(r["opening_event_hash"]), eligible, [new], str(r["seed"])
            )
        ]
        if recused in seats:
            seats[seats.index(recused)] = new
    if seats != list(chosen_ids):
        problems.append(f"the replacements lead to {seats}, the panel is {list(chosen_ids)}")
    return problems
