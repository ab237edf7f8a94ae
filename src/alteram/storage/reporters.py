"""The reporting parties of cases, stored as rows beside the case documents.

A case's document leaves out ``Case.reporters``; they are rows of
``case_reporters`` (``seq`` is the n of the party id ``rn``). Loading a case
loads them all, except when filing a batch: then only the reporters of that
batch are needed (to know who is already a party), and ``Case.reporter_parties``
numbers the new ones.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, select

from alteram.domain.case import Case
from alteram.domain.content import Party, Role
from alteram.storage import tables as t
from alteram.storage.bulk import insert_rows, select_in

CHUNK = 900  # bound parameters per statement, well under SQLite's limit


def _party(seq: int, handle: str) -> Party:
    return Party(id=f"r{seq}", role=Role.REPORTER, handle=handle)


def load(conn: Connection, cases: Sequence[Case], handles: Collection[str] | None = None) -> None:
    """Set each case's ``reporters`` from the stored rows: all of them, or (``handles``
    given) only those with these handles."""
    by_id = {c.id: c for c in cases}
    found: dict[str, list[tuple[int, str]]] = {c.id: [] for c in cases}
    if handles is None:
        keys, column = sorted(by_id), "case_id"
    else:
        keys, column = sorted(set(handles)), "handle"
    sql = f"SELECT case_id, seq, handle FROM case_reporters WHERE {column} IN ({{}})"  # noqa: S608
    for case_id, seq, handle in select_in(conn, sql, keys, CHUNK):
        if case_id in found:
            found[case_id].append((int(seq), handle))
    for case_id, rows in found.items():
        by_id[case_id].reporters = [_party(seq, h) for seq, h in sorted(rows)]


def save(conn: Connection, cases: Sequence[Case], stored: dict[str, int]) -> None:
    """Insert the reporters added since ``stored[case.id]`` (how many were stored when the
    case was loaded; 0 for a new case), then record the new counts in ``stored``."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        known = stored.get(case.id)
        if known is None:  # not loaded in this transaction: ask the database
            known = count(conn, case.id)
        rows += [
            {"case_id": case.id, "seq": int(p.id[1:]), "handle": p.handle}
            for p in case.reporters
            if int(p.id[1:]) > known
        ]
        stored[case.id] = case.reporter_parties
    insert_rows(conn, t.case_reporters, rows)


def count(conn: Connection, case_id: str) -> int:
    from sqlalchemy import func

    r = t.case_reporters.c
    q = select(func.coalesce(func.max(r.seq), 0)).where(r.case_id == case_id)
    return int(conn.execute(q).scalar_one())
