"""The transparency log end to end: appends in the case's transaction, the public
endpoints, and `alteram log verify` catching every kind of tampering, on every backend."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select
from typer.testing import CliRunner

from alteram.errors import VerificationFailed
from alteram.logcheck import Source, db_source, http_source, verify_log
from alteram.services import log as log_service
from alteram.services.context import Context
from alteram.storage import tables as t
from alteram.storage.log import split_bundle
from alteram.storage.store import Store
from alteram.tlog import (
    Verifier,
    leaf_hash,
    root,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from conftest import People

N = 600  # crosses two level-0 tile boundaries


def fill(store: Store, n: int = N, start: int = 0) -> None:
    with store.transaction() as tx:
        tx.log.append([f'{{"i":{i}}}'.encode() for i in range(start, start + n)])


def leaves(store: Store) -> list[bytes]:
    with store.transaction() as tx:
        return [leaf for _, leaf in tx.log.entries(0, 10**9)]


def rewrite_bundle(store: Store, bundle: int, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    """Tamper with the stored leaves of one bundle, behind the log's back."""
    b = t.log_bundles.c
    with store.transaction() as tx:
        pieces = tx.conn.execute(select(b.leaves).where(b.idx == bundle).order_by(b.pos)).scalars()
        blob = b"".join(pieces)
        new = b"".join(struct.pack(">I", len(x)) + x for x in edit(split_bundle(blob)))
        tx.conn.execute(delete(t.log_bundles).where(b.idx == bundle))
        tx.conn.execute(insert(t.log_bundles).values(idx=bundle, pos=0, leaves=new))
    store.tiles.clear()


def key(ctx: Context) -> str:
    return log_service.verifier_key(ctx)


def source(ctx: Context) -> Source:
    log_service.checkpoint(ctx)
    return db_source(ctx.store.url, key(ctx))


def test_appends_in_batches_keep_root_and_every_proof_right(ctx: Context) -> None:
    for start, n in ((0, 1), (1, 254), (255, 2), (257, 343)):
        fill(ctx.store, n, start)
    data = leaves(ctx.store)
    hashes = [leaf_hash(d) for d in data]
    with ctx.store.transaction() as tx:
        assert tx.log.size() == N
        for size in (1, 2, 255, 256, 257, 511, 512, N):
            expected = root(hashes[:size])
            assert tx.log.root(size) == expected
            for index in {0, size // 2, size - 1}:
                proof = tx.log.inclusion_proof(index, size)
                verify_inclusion(hashes[index], index, size, proof, expected)
        for first in (1, 3, 256, 300):
            proof = tx.log.consistency_proof(first, N)
            verify_consistency(first, N, proof, root(hashes[:first]), root(hashes))


def test_a_rolled_back_transaction_appends_nothing(ctx: Context) -> None:
    fill(ctx.store, 10)
    with pytest.raises(RuntimeError), ctx.store.transaction() as tx:
        tx.log.append([b"{}"] * 300)
        raise RuntimeError("boom")
    fill(ctx.store, 300, 10)
    expected = root([leaf_hash(d) for d in leaves(ctx.store)])
    with ctx.store.transaction() as tx:
        assert tx.log.size() == 310
        assert tx.log.root(310) == expected


def test_checkpoint_is_a_signed_note_over_the_current_root(ctx: Context) -> None:
    fill(ctx.store, 5)
    note = log_service.checkpoint(ctx)
    cp = verify_checkpoint(note, Verifier.from_key_string(key(ctx)))
    assert cp.size == 5
    assert cp.root == root([leaf_hash(d) for d in leaves(ctx.store)])
    assert log_service.checkpoint(ctx) == note  # not re-signed while the log has not grown
    fill(ctx.store, 1, 5)
    assert (
        verify_checkpoint(log_service.checkpoint(ctx), Verifier.from_key_string(key(ctx))).size == 6
    )


def test_events_land_in_the_log_with_commitments_not_handles(
    client: TestClient, people: People, ctx: Context
) -> None:
    body = {
        "content": {
            "platform_id": "p1",
            "url": "https://forum.example/p/1",
            "author": {"handle": "@sara@forum.example"},
            "language": "en",
        },
        "category": "harassment",
        "explanation": "my private explanation",
        "reporter": {"handle": "@secret-reporter@forum.example"},
    }
    r = client.post("/api/v1/reports", json=body, headers=people.platform_auth)
    assert r.status_code == 202
    page = client.get("/api/v1/log/entries").json()
    types = [e["record"]["type"] for e in page["entries"]]
    pool = ["juror_added"] * len(people.jurors)  # the pool came first
    assert types == [*pool, "case_opened", "report_filed", "notice_issued", "notice_issued"]
    raw = b"".join(
        base64.b64decode(e["leaf"])
        for e in client.get("/api/v1/log/entries", params={"format": "base64"}).json()["entries"]
    )
    for private in (b"secret-reporter", b"sara", b"my private explanation", b"Your content"):
        assert private not in raw
    with ctx.store.transaction() as tx:
        rows = tx.conn.execute(select(t.events.c.hash, t.events.c.log_index)).all()
    assert [r.log_index for r in rows] == list(range(len(pool) + 4))
    entries = client.get("/api/v1/log/entries", params={"format": "base64"}).json()["entries"]
    for row, entry in zip(rows, entries, strict=True):
        assert base64.b64decode(entry["leaf_hash"]).hex() == row.hash


def test_public_endpoints_serve_verifiable_proofs(client: TestClient, ctx: Context) -> None:
    fill(ctx.store, 40)
    verifier = Verifier.from_key_string(client.get("/api/v1/log/key").text.strip())
    r = client.get("/api/v1/log/checkpoint")
    assert r.headers["content-type"].startswith("text/plain")
    cp = verify_checkpoint(r.text, verifier)
    assert cp.size == 40
    proof = client.get("/api/v1/log/proofs/inclusion", params={"index": 7, "tree_size": 40}).json()
    verify_inclusion(
        base64.b64decode(proof["leaf_hash"]),
        7,
        40,
        [base64.b64decode(h) for h in proof["hashes"]],
        cp.root,
    )
    c = client.get("/api/v1/log/proofs/consistency", params={"first": 9, "second": 40}).json()
    with ctx.store.transaction() as tx:
        root9 = tx.log.root(9)
    verify_consistency(9, 40, [base64.b64decode(h) for h in c["hashes"]], root9, cp.root)
    bad = client.get("/api/v1/log/proofs/inclusion", params={"index": 40, "tree_size": 40})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "index"
    bad = client.get("/api/v1/log/proofs/consistency", params={"first": 9, "second": 41})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "tree_size"
    page = client.get("/api/v1/log/entries", params={"start": 30, "end": 35}).json()
    assert [e["index"] for e in page["entries"]] == [30, 31, 32, 33, 34]
    assert page["next"] == "/api/v1/log/entries?start=35&format=json"


def test_verify_passes_on_an_honest_log_from_the_api_and_the_database(
    client: TestClient, ctx: Context
) -> None:
    fill(ctx.store)
    cp = verify_log(http_source("https://alteram.test", None, client))
    assert cp.size == N
    assert verify_log(source(ctx)).root == cp.root


def _tamper(store: Store, stmt: object) -> None:
    with store.transaction() as tx:
        tx.conn.execute(stmt)  # type: ignore[call-overload]
    store.tiles.clear()


def test_a_flipped_byte_in_a_leaf_names_the_entry(ctx: Context) -> None:
    fill(ctx.store)
    src = source(ctx)
    rewrite_bundle(ctx.store, 1, lambda xs: [*xs[:65], b'{"i":32l}', *xs[66:]])  # entry 321
    with pytest.raises(VerificationFailed, match="entry 321"):
        verify_log(src)


def test_a_flipped_byte_in_a_stored_hash_is_caught(ctx: Context) -> None:
    fill(ctx.store)
    src = source(ctx)
    with ctx.store.transaction() as tx:
        blob = tx.log.tile(1, 0)
    assert blob is not None
    flipped = blob[:40] + bytes([blob[40] ^ 1]) + blob[41:]
    _tamper(
        ctx.store,
        delete(t.log_tiles).where(t.log_tiles.c.level == 1, t.log_tiles.c.idx == 0),
    )
    _tamper(ctx.store, insert(t.log_tiles).values(level=1, idx=0, pos=0, hashes=flipped))
    with pytest.raises(VerificationFailed, match=r"stored node \(level 1, index 1\)"):
        verify_log(src)


def test_a_deleted_entry_is_caught(ctx: Context) -> None:
    fill(ctx.store)
    src = source(ctx)
    rewrite_bundle(ctx.store, 0, lambda xs: [*xs[:42], *xs[43:]])
    with pytest.raises(VerificationFailed, match="entry 42: its leaf does not hash"):
        verify_log(src)


def test_a_deleted_bundle_is_caught(ctx: Context) -> None:
    fill(ctx.store)
    src = source(ctx)
    _tamper(ctx.store, delete(t.log_bundles).where(t.log_bundles.c.idx == 1))
    with pytest.raises(VerificationFailed, match="entry 256 is missing"):
        verify_log(src)


def test_a_forged_checkpoint_signature_is_caught(ctx: Context) -> None:
    fill(ctx.store, 3)
    src = source(ctx)
    src.note = src.note.replace("\n3\n", "\n4\n")
    with pytest.raises(VerificationFailed):
        verify_log(src)


def test_rewritten_history_fails_against_a_saved_checkpoint(ctx: Context, tmp_path: Path) -> None:
    """The operator re-signs a log whose past was changed: the entries and the new
    checkpoint agree, but a reader who saved an earlier checkpoint sees it."""
    fill(ctx.store, 300)
    saved = log_service.checkpoint(ctx)
    fill(ctx.store, 50, 300)
    assert verify_log(source(ctx), saved).size == 350
    # Rewrite entry 10 and rebuild everything, as a dishonest operator would.
    with ctx.store.transaction() as tx:
        data = [leaf for _, leaf in tx.log.entries(0, 350)]
        for table in (t.log_bundles, t.log_tiles, t.log_state, t.log_checkpoints):
            tx.conn.execute(delete(table))
    ctx.store.tiles.clear()
    data[10] = b'{"i":"rewritten"}'
    with ctx.store.transaction() as tx:
        tx.log.append(data)
    src = source(ctx)
    assert verify_log(src).size == 350  # self-consistent on its own...
    with pytest.raises(VerificationFailed, match="not consistent with the saved one of size 300"):
        verify_log(src, saved)  # ...but not with what the public saw before


def test_cli_log_verify_one_line_verdicts(ctx: Context, tmp_path: Path) -> None:
    from alteram.cli import app

    fill(ctx.store, 20)
    saved = tmp_path / "cp.txt"
    runner = CliRunner()
    k = key(ctx)
    log_service.checkpoint(ctx)
    ok = runner.invoke(app, ["log", "verify", ctx.store.url, "--key", k, "--save", str(saved)])
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.startswith("OK: log ") and "has 20 entries" in ok.stdout
    assert saved.read_text().startswith(
        verify_checkpoint(saved.read_text(), Verifier.from_key_string(k)).origin
    )
    no_key = runner.invoke(app, ["log", "verify", ctx.store.url])
    assert no_key.exit_code == 2 and "--key" in no_key.stderr
    rewrite_bundle(ctx.store, 0, lambda xs: [*xs[:3], b"forged", *xs[4:]])
    bad = runner.invoke(app, ["log", "verify", ctx.store.url, "--key", k])
    assert bad.exit_code == 6
    assert bad.stderr.strip().startswith("error: entry 3: its leaf does not hash")


def test_tiles_grow_by_pieces_and_a_completed_tile_is_one_row(ctx: Context) -> None:
    for i in range(300):  # one leaf per commit: the worst case for partial tiles
        fill(ctx.store, 1, i)
    tl = t.log_tiles.c
    with ctx.store.transaction() as tx:
        rows = dict(
            tx.conn.execute(
                select(tl.idx, func.count()).where(tl.level == 0).group_by(tl.idx)
            ).all()
        )
        size = tx.log.size()
        root = tx.log.root(size)
    assert rows[0] == 1 and rows[1] == 300 - 256  # merged once complete; pieces after
    hashes = [leaf_hash(d) for d in leaves(ctx.store)]
    from alteram.tlog import root as tree_root_of

    assert root == tree_root_of(hashes)


def test_concurrent_first_appends_to_an_empty_log_all_land(ctx: Context) -> None:
    """Before the log's first entry its state row does not exist: writers that race to
    make it must all succeed, one after the other (PostgreSQL: no duplicate key)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(6)

    def one(i: int) -> None:
        start.wait()
        with ctx.store.transaction() as tx:
            tx.log.append([f'{{"writer":{i}}}'.encode()])

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(one, range(6)))
    assert sorted(leaves(ctx.store)) == sorted(f'{{"writer":{i}}}'.encode() for i in range(6))
