"""Migrations 0014 (case counts as columns), 0015 (log pieces), 0016 (one index on
case_reporters), on stored data."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from alteram.services.context import Context
from alteram.services.reports import ReportRequest, file_report
from alteram.storage import tables as t
from alteram.storage.migrate import alembic_config, upgrade
from alteram.storage.store import Store
from alteram.tlog import leaf_hash, verify_inclusion
from conftest import make_people
from factories import report_request


def _leaves_and_root(store: Store) -> tuple[list[bytes], bytes, int]:
    with store.transaction() as tx:
        size = tx.log.size()
        return [leaf for _, leaf in tx.log.entries(0, size)], tx.log.root(size), size


def test_log_pieces_merge_on_downgrade_and_split_back_unchanged(store_url: str) -> None:
    store = Store(store_url)
    for start, n in ((0, 3), (3, 250), (253, 9), (262, 1), (263, 300)):  # pieces everywhere
        with store.transaction() as tx:
            tx.log.append([f'{{"i":{i}}}'.encode() for i in range(start, start + n)])
    leaves, root, size = _leaves_and_root(store)
    with store.transaction() as tx:
        pieces = tx.conn.execute(select(func.count()).select_from(t.log_bundles)).scalar_one()
    assert size == 563 and pieces > 3  # appended as pieces: more rows than bundles
    store.dispose()

    command.downgrade(alembic_config(store_url), "0014")  # one row per bundle and tile
    store = Store(store_url)
    with store.transaction() as tx:
        rows = tx.conn.execute(text("SELECT idx, leaves FROM log_bundles ORDER BY idx")).all()
        tiles = tx.conn.execute(text("SELECT count(*) FROM log_tiles WHERE level = 0")).all()
    assert [r[0] for r in rows] == [0, 1, 2] and tiles[0][0] == 3
    store.dispose()

    upgrade(store_url)
    store = Store(store_url)
    again, root_again, _ = _leaves_and_root(store)
    assert again == leaves and root_again == root
    with store.transaction() as tx:  # proofs read the merged tiles, and appends go on
        proof = tx.log.inclusion_proof(300, size)
        tx.log.append([b'{"i":563}'])
    verify_inclusion(leaf_hash(leaves[300]), 300, size, proof, root)  # raises if wrong
    store.dispose()


def test_case_counts_go_back_into_documents_on_downgrade(ctx: Context) -> None:
    people = make_people(ctx)
    for i in range(3):
        body = {
            "content": {
                "platform_id": "p",
                "url": "https://forum.example/p",
                "author": {"handle": "@a@forum.example"},
            },
            "category": "harassment",
            "explanation": "x",
            "reporter": {"handle": f"u{i}"},
        }
        file_report(ctx, people.platform_id, ReportRequest.model_validate(body))
    with ctx.store.transaction() as tx:
        doc = json.loads(tx.conn.execute(select(t.cases.c.doc)).scalar_one())
    assert doc["report_count"] == 1  # the columns hold the counts now
    ctx.store.dispose()
    command.downgrade(alembic_config(ctx.store.url), "0013")
    store = Store(ctx.store.url)
    with store.transaction() as tx:
        doc = json.loads(tx.conn.execute(text("SELECT doc FROM cases")).scalar_one())
    assert (doc["report_count"], doc["reporter_parties"]) == (3, 3)
    store.dispose()
    upgrade(ctx.store.url)


def _reporters(store: Store) -> list[tuple[str, int, str]]:
    with store.transaction() as tx:
        q = text("SELECT case_id, seq, handle FROM case_reporters ORDER BY case_id, seq")
        return [(r[0], int(r[1]), r[2]) for r in tx.conn.execute(q)]


def test_case_reporters_keep_their_rows_and_unique_handles_across_0016(ctx: Context) -> None:
    people = make_people(ctx)
    for post, handle in (("p1", "u1"), ("p1", "u2"), ("p2", "u1"), ("p1", "u1")):
        file_report(ctx, people.platform_id, report_request(post, handle))
    rows = _reporters(ctx.store)
    assert len(rows) == 3  # u1 reported p1 twice: one party
    url = ctx.store.url
    ctx.store.dispose()
    for target in ("0015", "head"):
        if target == "head":
            upgrade(url)
        else:
            command.downgrade(alembic_config(url), target)
        store = Store(url)
        assert _reporters(store) == rows
        case_id, _, handle = rows[0]
        with pytest.raises(IntegrityError), store.transaction() as tx:  # still one party
            tx.conn.execute(insert(t.case_reporters).values(case_id=case_id, seq=99, handle=handle))
        store.dispose()


def test_notice_tokens_stored_before_0017_stay_readable_and_sealed_ones_fit(ctx: Context) -> None:
    from alteram.services import seal

    people = make_people(ctx)
    filed = file_report(ctx, people.platform_id, report_request())
    with ctx.store.transaction() as tx:
        sealed = seal.opened(ctx, tx.notices_for(filed.case_id))
    url = ctx.store.url
    ctx.store.dispose()
    command.downgrade(alembic_config(url), "0016")
    store = Store(url)
    n = t.notices.c
    with store.transaction() as tx:  # as stored before sealing: the token itself
        for notice in sealed:
            tx.conn.execute(
                t.notices.update().where(n.id == notice["id"]).values(token=notice["token"])
            )
        if tx.conn.dialect.name == "postgresql":  # the column as 0016 made it (downgrading
            # keeps it wide)
            tx.conn.execute(text("ALTER TABLE notices ALTER COLUMN token TYPE VARCHAR(100)"))
    store.dispose()
    upgrade(url)
    store = Store(url)
    with store.transaction() as tx:
        rows = tx.notices_for(filed.case_id)
        long = seal.PREFIX + "x" * 150  # a sealed token is about 110 characters
        tx.conn.execute(t.notices.update().where(n.id == rows[0]["id"]).values(token=long))
        assert tx.notices_for(filed.case_id)[0]["token"] == long  # PostgreSQL: the column grew
    assert [r["token"] for r in seal.opened(ctx, rows)] == [s["token"] for s in sealed]
    store.dispose()
