"""GET /api/v1/decisions and /decisions/{case_id}, and the read model behind them,
on every storage backend."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from alteram.services.context import Context
from alteram.storage import decisions as store
from alteram.storage import tables as t
from alteram.tlog import verify_inclusion
from conftest import FakeClock
from record_scenario import Record, build

API = "/api/v1/decisions"
RULED = ("A", "B", "C", "D", "E")
MIGRATION = Path(store.__file__).parent / "migrations" / "versions" / "0003_decisions_read_model.py"


@pytest.fixture
def record(ctx: Context, clock: FakeClock) -> Record:
    return build(ctx, clock)


def keys(record: Record, body: dict[str, Any]) -> list[str]:
    """The scenario keys (A, B …) of the decisions in a response, in order."""
    by_id = {v: k for k, v in record.ids.items()}
    return [by_id[d["case_id"]] for d in body["decisions"]]


def get(client: TestClient, **params: Any) -> dict[str, Any]:
    r = client.get(API, params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


# -- the read model ---------------------------------------------------------------------


def test_one_row_per_ruled_case_for_its_latest_ruling(record: Record) -> None:
    with record.ctx.store.transaction() as tx:
        rows = {r["case_id"]: dict(r) for r in tx.conn.execute(select(t.decisions)).mappings()}
    assert set(rows) == {record.ids[k] for k in RULED}  # G has no ruling: no row
    for key in RULED:
        case = record.case(key)
        assert rows[case.id] == store.decision_row(case)
        assert rows[case.id]["state"] == "final"
    a, c, d, e = (rows[record.ids[k]] for k in "ACDE")
    assert a["report_count"] == 12 and a["outcome"] == "no_violation"
    assert (c["round"], c["outcome"], c["remedy"]) == (2, "no_violation", "no_action")
    assert c["appealed"] and c["reversed"] and c["final"]
    assert (d["remedy"], d["jurisdictions"], d["jurisdiction_codes"]) == (
        "geo_restriction",
        ["DE"],
        ",DE,",
    )
    assert (d["interim_applied"], d["interim_outcome"]) == (True, "expired")
    assert (e["interim_applied"], e["interim_outcome"]) == (True, "ruling")
    assert not a["interim_applied"] and a["interim_outcome"] is None
    assert rows[record.ids["B"]]["language"] == "fa"


def test_the_migration_backfills_the_same_rows(record: Record) -> None:
    """0003 fills the table for cases ruled before it ran, with its own frozen copy of
    the row logic: it must agree with alteram.storage.decisions."""
    spec = importlib.util.spec_from_file_location("migration_0003", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for key in (*RULED, "G"):
        case = record.case(key)
        assert migration._row(json.loads(case.model_dump_json())) == store.decision_row(case)


# -- filters ----------------------------------------------------------------------------


# (Each table runs in one test, so the record is built once per backend.)
FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({}, ["D", "C", "E", "B", "A"]),  # newest ruling first
    ({"category": "harassment"}, ["B"]),
    ({"category": "spam"}, []),
    ({"outcome": "violation"}, ["D", "B"]),
    ({"outcome": "no_violation"}, ["C", "E", "A"]),
    ({"remedy": "geo_restriction"}, ["D"]),
    ({"remedy": "removal"}, ["B"]),
    ({"remedy": "no_action"}, ["C", "E", "A"]),
    ({"jurisdiction": "DE"}, ["D"]),
    ({"jurisdiction": "de"}, ["D"]),
    ({"jurisdiction": "FR"}, []),
    ({"language": "fa"}, ["B"]),
    ({"language": "EN"}, ["D", "C", "E", "A"]),
    ({"from": "2026-11-03"}, ["D", "C"]),
    ({"to": "2026-11-02"}, ["E", "B", "A"]),
    ({"from": "2026-11-03", "to": "2026-11-03"}, ["C"]),
    ({"from": "2026-11-10"}, []),
    ({"outcome": "violation", "language": "en"}, ["D"]),
]


def test_each_filter(record: Record, client: TestClient) -> None:
    for params, expected in FILTERS:
        assert keys(record, get(client, **params)) == expected, params


SEARCHES: list[tuple[str, list[str]]] = [
    ("protected political", ["A"]),
    ("PROTECTED   Slogan", ["A"]),  # case-insensitive, any spacing
    ("fair comment", ["C"]),  # the latest ruling's reasons only
    ("crime", []),  # C's first ruling is superseded
    ("überspitzt", ["E"]),  # Unicode case folding (SQLite's lower() is ASCII only)
    ("ÜBERSPITZT hyperbole", ["E"]),
    ("سازمان‌یافته", ["B"]),
    ("harassment protected", []),  # every word must match
    ("100%", []),  # LIKE wildcards are literal
    ("_", []),
]


def test_q_searches_the_public_reasons(record: Record, client: TestClient) -> None:
    for q, expected in SEARCHES:
        assert keys(record, get(client, q=q)) == expected, q


def test_pages_have_no_duplicates_or_gaps(record: Record, client: TestClient) -> None:
    for limit in (1, 2, 3, 4, 5, 6, 200):
        seen: list[str] = []
        pages = 0
        cursor = None
        while True:
            body = get(client, limit=limit, **({"cursor": cursor} if cursor else {}))
            pages += 1
            assert len(body["decisions"]) <= limit
            seen += keys(record, body)
            cursor = body["next"]
            if cursor is None:
                break
        assert seen == ["D", "C", "E", "B", "A"], limit
        assert pages == max(1, -(-5 // limit)), limit


def test_pages_keep_their_filters(record: Record, client: TestClient) -> None:
    first = get(client, outcome="no_violation", limit=2)
    assert keys(record, first) == ["C", "E"]
    second = get(client, outcome="no_violation", limit=2, cursor=first["next"])
    assert keys(record, second) == ["A"] and second["next"] is None


def test_an_item_carries_the_public_fields_and_a_link(record: Record, client: TestClient) -> None:
    (item,) = get(client, remedy="geo_restriction")["decisions"]
    d = record.case("D")
    assert item == {
        "case_id": d.id,
        "state": "final",
        "round": 1,
        "final": True,
        "category": "privacy",
        "outcome": "violation",
        "remedy": "geo_restriction",
        "jurisdictions": ["DE"],
        "language": "en",
        "opened_at": "2026-11-02T14:30:00Z",
        "ruled_at": "2026-11-09T15:30:00Z",
        "report_count": 1,
        "appealed": False,
        "reversed": False,
        "interim_applied": True,
        "interim_outcome": "expired",
        "policy_version": d.policy_version,
        "reasons": "\n".join(d.rulings[-1].reasons),
        "link": f"/api/v1/decisions/{d.id}",
        "order": None,  # not a ruling on a legal order
    }


BAD: list[tuple[dict[str, str], str, str]] = [
    ({"remedy": "delete"}, "remedy", "geo_restriction"),
    ({"outcome": "guilty"}, "outcome", "no_violation"),
    ({"category": "hate"}, "category", "harassment"),
    ({"jurisdiction": "XX"}, "jurisdiction", "DE"),
    ({"language": "english!"}, "language", "en or fa"),
    ({"from": "2026-13-01"}, "from", "YYYY-MM-DD"),
    ({"to": "yesterday"}, "to", "YYYY-MM-DD"),
    ({"from": "2026-11-05", "to": "2026-11-01"}, "from", "after"),
    ({"q": " ".join(f"w{i}" for i in range(11))}, "q", "10 words"),
    ({"limit": "0"}, "limit", "limit"),
    ({"limit": "201"}, "limit", "200"),
    ({"cursor": "not-a-cursor"}, "cursor", "next"),
    ({"cursor": base64.urlsafe_b64encode(b'["x", 1]').decode()}, "cursor", "next"),
]


def test_bad_filter_values_are_422_naming_the_parameter(record: Record, client: TestClient) -> None:
    for params, field, mentions in BAD:
        r = client.get(API, params=params)
        assert r.status_code == 422, r.text
        err = r.json()["error"]
        assert err["code"] == "invalid" and err["field"] == field, err
        assert mentions in err["message"], err


# -- one decision -------------------------------------------------------------------------


def test_a_decision_with_its_timeline_and_a_verifiable_inclusion_proof(
    record: Record, client: TestClient
) -> None:
    for key in RULED:
        check_decision(record, client, key)


def check_decision(record: Record, client: TestClient, key: str) -> None:
    case = record.case(key)
    r = client.get(f"{API}/{case.id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["case_id"] == case.id and body["link"] == f"{API}/{case.id}"
    assert body["ruling"]["round"] == case.rulings[-1].round
    assert body["ruling"]["statement_of_reasons"]["decision"]
    assert [e["round"] for e in body["earlier"]] == [x.round for x in case.rulings[:-1]]

    with record.ctx.store.transaction() as tx:
        events = tx.events_for(case.id)
        size = tx.log.size()
        root = tx.log.root(size)
    logged = [e for e in events if e["log_index"] is not None]
    assert body["timeline"] == [
        {
            "index": e["log_index"],
            "type": e["type"],
            "at": e["at"].isoformat().replace("+00:00", "Z"),
        }
        for e in logged
    ]
    (ruling_event,) = [e for e in logged if e["type"] == "ruling_issued"][-1:]
    assert body["log_index"] == ruling_event["log_index"]

    inc = body["inclusion"]
    assert inc["log_index"] == ruling_event["log_index"] and inc["tree_size"] == size
    assert inc["root_hash"] == root.hex()
    leaf = base64.b64decode(inc["leaf"])
    assert inc["leaf_hash"] == hashlib.sha256(b"\x00" + leaf).hexdigest()
    assert inc["leaf_hash"] == ruling_event["hash"]
    record_ = json.loads(leaf)
    assert record_["type"] == "ruling_issued" and record_["case_id"] == case.id
    assert record_["round"] == case.rulings[-1].round
    proof = [base64.b64decode(h) for h in inc["inclusion_proof"]]
    assert all(len(h) == 32 for h in proof)
    verify_inclusion(bytes.fromhex(inc["leaf_hash"]), inc["log_index"], size, proof, root)


def test_a_case_without_a_ruling_has_no_decision(record: Record, client: TestClient) -> None:
    r = client.get(f"{API}/{record.ids['G']}")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "not_found" and "awaiting_reply" in err["message"]
    r = client.get(f"{API}/c-nope")
    assert r.status_code == 404 and r.json()["error"]["field"] == "case_id"


def test_an_empty_category_filter_means_any(ctx) -> None:  # type: ignore[no-untyped-def]
    from alteram.services.decisions import parse_filter

    assert parse_filter(ctx, category="").category is None
    assert parse_filter(ctx, category="", outcome="").outcome is None
