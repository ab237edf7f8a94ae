"""The public decisions: filtered, searchable, paged; one with its log inclusion proof.

Each filter is checked here and a bad value is refused with ``422 invalid``,
naming the parameter in ``field`` and the valid values in the message.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from alteram.domain.case import Case
from alteram.domain.remedy import Remedy
from alteram.errors import InvalidInput, NotFound
from alteram.services import proceedings
from alteram.services.context import Context
from alteram.storage import decisions as store
from alteram.storage import orders as order_store
from alteram.storage.decisions import DecisionFilter
from alteram.tlog import leaf_hash

OUTCOMES = ("violation", "no_violation")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_WORDS, MAX_WORD = 10, 100
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next: str | None


@dataclass(frozen=True)
class Inclusion:
    """An RFC 9162 inclusion proof of one log entry in the tree of ``tree_size`` leaves."""

    log_index: int
    tree_size: int
    leaf: bytes
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]

    def to_dict(self) -> dict[str, Any]:
        """Hashes as in RFC 9162 / transparency-dev: proof hashes in standard base64."""
        return {
            "log_index": self.log_index,
            "tree_size": self.tree_size,
            "leaf": base64.b64encode(self.leaf).decode(),
            "leaf_hash": self.leaf_hash.hex(),
            "root_hash": self.root_hash.hex(),
            "inclusion_proof": [base64.b64encode(h).decode() for h in self.proof],
        }


@dataclass(frozen=True)
class Detail:
    row: dict[str, Any]
    case: Case
    timeline: list[dict[str, Any]]
    inclusion: Inclusion | None


# -- parsing the filters ------------------------------------------------------------


def _choice(value: str | None, valid: list[str] | tuple[str, ...], field: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in valid:
        raise InvalidInput(f"unknown {field} {value!r}; valid: {', '.join(valid)}", field=field)
    return value


def _day(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidInput(f"{field} must be a date as YYYY-MM-DD, got {value!r}", field=field)


def _words(q: str | None) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(store.fold(w) for w in (q or "").split()))
    if len(words) > MAX_WORDS:
        raise InvalidInput(f"q may hold at most {MAX_WORDS} words", field="q")
    if any(len(w) > MAX_WORD for w in words):
        raise InvalidInput(f"each word of q may be at most {MAX_WORD} characters", field="q")
    return words


def parse_filter(
    ctx: Context,
    *,
    category: str | None = None,
    outcome: str | None = None,
    remedy: str | None = None,
    jurisdiction: str | None = None,
    language: str | None = None,
    ruled_from: str | None = None,
    ruled_to: str | None = None,
    q: str | None = None,
) -> DecisionFilter:
    """Check every filter; dates are whole UTC days, ``to`` included."""
    if category:
        with ctx.store.read() as tx:
            seen = store.categories(tx.conn)
        valid = list(dict.fromkeys([*(c.id for c in ctx.policy.categories), *seen]))
        category = _choice(category, valid, "category")
    code = jurisdiction.strip().upper() if jurisdiction else None
    if code:
        _choice(code, [j.code for j in ctx.policy.jurisdictions], "jurisdiction")
    lang = language.strip().lower() if language else None
    if lang and not _LANGUAGE.match(lang):
        raise InvalidInput(
            f"language must be a language code such as en or fa, got {language!r}",
            field="language",
        )
    first, last = _day(ruled_from, "from"), _day(ruled_to, "to")
    if first and last and first > last:
        raise InvalidInput(f"from ({first}) is after to ({last})", field="from")
    return DecisionFilter(
        category=category or None,  # an empty filter means any category, as for the others
        outcome=_choice(outcome, OUTCOMES, "outcome"),
        remedy=_choice(remedy, [r.value for r in Remedy], "remedy"),
        jurisdiction=code or None,
        language=lang or None,
        ruled_from=datetime.combine(first, time(), UTC) if first else None,
        ruled_before=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        words=_words(q),
    )


# -- the cursor ---------------------------------------------------------------------


def encode_cursor(row: dict[str, Any]) -> str:
    """An opaque key of the last row shown: its ruling time and case id."""
    raw = json.dumps([row["ruled_at"].isoformat(), row["case_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, case_id = json.loads(raw)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not isinstance(case_id, str):
            raise ValueError(cursor)
        return when.astimezone(UTC), case_id
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput(
            "cursor is not one this API gave: pass the `next` of the previous page",
            field="cursor",
        ) from None


# -- the use cases --------------------------------------------------------------------


def list_decisions(
    ctx: Context, f: DecisionFilter, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page:
    """A page of decisions, newest ruling first; ``next`` is the cursor of the next page."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    after = decode_cursor(cursor) if cursor else None
    with ctx.store.read() as tx:
        rows = store.find(tx.conn, f, limit + 1, after)
        orders = order_store.by_case(tx.conn, [r["case_id"] for r in rows])
    for r in rows:  # a ruling on a legal order links its order (docs/orders.md)
        r["order_id"] = orders.get(r["case_id"])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows=rows, next=encode_cursor(rows[-1]) if more else None)


def get_decision(ctx: Context, case_id: str) -> Detail:
    """One decision with the case, its public log entries and an inclusion proof of its
    ``ruling_issued`` entry against the current size of the log."""
    proceedings.current_case(ctx, case_id)  # a passed deadline is applied first
    with ctx.store.read() as tx:
        row = store.get(tx.conn, case_id)
        case = tx.get_case(case_id)
        if row is None or case is None:
            state = case.state.value if case is not None else "gone"
            raise NotFound(f"case {case_id} has no decision yet: it is {state}", field="case_id")
        row["order_id"] = order_store.by_case(tx.conn, [case_id]).get(case_id)
        index = store.ruling_log_index(tx.conn, case_id)
        inclusion = None
        if index is not None:
            size = tx.log.size()
            leaf = tx.log.leaf(index)
            inclusion = Inclusion(
                log_index=index,
                tree_size=size,
                leaf=leaf,
                leaf_hash=leaf_hash(leaf),
                root_hash=tx.log.root(size),
                proof=tx.log.inclusion_proof(index, size),
            )
        return Detail(
            row=row, case=case, timeline=store.timeline(tx.conn, case_id), inclusion=inclusion
        )
