"""Precedent end to end: a cleared photo re-uploaded shrunk, recompressed or mirrored under
a new URL is answered with the precedent and never becomes a new case."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageOps
from sqlalchemy import func, select

from alteram.services.context import Context
from alteram.storage import tables as t
from conftest import FakeClock, People

API = "/api/v1"


def photo(seed: int = 7, size: int = 640) -> Image.Image:
    """A deterministic photo-like picture: smooth shapes plus texture (PDQ quality is high)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    base = np.stack(
        [
            128 + 100 * np.sin(6 * x + seed),
            128 + 100 * np.cos(5 * y - seed),
            128 + 100 * np.sin(4 * (x + y) + 2 * seed),
        ],
        axis=-1,
    )
    for _ in range(12):
        cx, cy = rng.uniform(0.1, 0.9, 2).tolist()
        r = rng.uniform(0.04, 0.15)
        mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        base[mask] = rng.uniform(0, 255, 3)
    base += rng.normal(0, 8, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str = "JPEG", **kw: Any) -> str:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return base64.b64encode(buf.getvalue()).decode()


def report(post: str, reporter: str, media: str | None, **extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "platform_id": post,
        "url": f"https://forum.example/p/{post}",
        "author": {"handle": "@photographer@forum.example"},
        "language": "en",
    }
    if media is not None:
        content["media"] = [{"data": media}]
    return {
        "content": content,
        "category": "incitement",
        "explanation": "this photo incites",
        "reporter": {"handle": reporter},
        **extra,
    }


def count(ctx: Context, table: Any) -> int:
    with ctx.store.transaction() as tx:
        return int(tx.conn.execute(select(func.count()).select_from(table)).scalar_one())


def clear(client: TestClient, people: People, clock: FakeClock, case_id: str) -> None:
    """Hear nobody (the deadline passes), three jurors clear it, nobody appeals."""
    clock.advance(timedelta(days=8))
    case = client.get(f"{API}/cases/{case_id}").json()
    for juror in case["panel"]["draw"]["chosen"]:
        ballot = {"violation": False, "reasons": "A press photo of a protest: protected."}
        r = client.post(
            f"{API}/cases/{case_id}/votes", json=ballot, headers=people.juror_auth(juror)
        )
        assert r.status_code == 201
    clock.advance(timedelta(days=15))
    assert client.get(f"{API}/cases/{case_id}").json()["state"] == "final"


def test_a_cleared_photo_is_not_tried_again_in_any_copy(
    client: TestClient, people: People, clock: FakeClock, ctx: Context
) -> None:
    auth = people.platform_auth
    original = photo()
    first = client.post(f"{API}/reports", json=report("orig", "r1", encode(original)), headers=auth)
    case_id = first.json()["case_id"]
    clear(client, people, clock, case_id)

    copies = {
        "shrunk": encode(original.resize((200, 200)), quality=60),
        "recompressed": encode(original, quality=35),
        "mirrored": encode(ImageOps.mirror(original), "PNG"),
    }
    for name, media in copies.items():
        r = client.post(
            f"{API}/reports", json=report(f"copy-{name}", f"fresh-{name}", media), headers=auth
        )
        assert r.status_code == 202
        filed = r.json()
        assert filed["case_state"] == "closed_precedent", name
        view = client.get(f"{API}/cases/{filed['case_id']}").json()
        assert view["precedent"]["case_id"] == case_id
        assert view["precedent"]["match"] in ("pdq", "exact_media")
        assert view["precedent"]["distance"] <= 31
        assert view["panel"] is None
    notices = client.get(f"{API}/cases/{filed['case_id']}/notices", headers=auth).json()["notices"]
    assert any(case_id in n["text"] and n["party"] == "reporter" for n in notices)
    assert not any(n["party"] == "author" for n in notices)  # nothing to answer

    # An unrelated photo is new content.
    other = client.post(
        f"{API}/reports", json=report("other", "r9", encode(photo(99))), headers=auth
    )
    assert other.json()["case_state"] == "awaiting_reply"

    # New grounds reopen a copy's case: the author is heard and a panel tries it.
    grounds = report(
        "copy-shrunk", "r10", copies["shrunk"], new_grounds="It was reposted to call for an attack."
    )
    r = client.post(f"{API}/reports", json=grounds, headers=auth).json()
    assert r["case_state"] == "awaiting_reply"
    assert client.get(f"{API}/cases/{r['case_id']}").json()["precedent"]["case_id"] == case_id


def test_one_case_per_content_whatever_the_url(
    client: TestClient, people: People, ctx: Context
) -> None:
    auth = people.platform_auth
    media = encode(photo(3))
    ids = {
        client.post(f"{API}/reports", json=report(f"url-{i}", f"u{i}", media), headers=auth).json()[
            "case_id"
        ]
        for i in range(4)
    }
    assert len(ids) == 1
    assert count(ctx, t.media) == 1  # stored once, however many reports carry it
    assert client.get(f"{API}/cases/{ids.pop()}").json()["report_count"] == 4


def test_evidence_is_stripped_and_shown_only_to_the_case(
    client: TestClient, people: People, ctx: Context
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buf = io.BytesIO()
    photo(5).save(buf, "JPEG", exif=exif)
    media = base64.b64encode(buf.getvalue()).decode()
    filed = client.post(
        f"{API}/reports", json=report("exif", "u1", media), headers=people.platform_auth
    ).json()
    view = client.get(f"{API}/cases/{filed['case_id']}", headers=people.platform_auth).json()
    (url,) = view["content"]["media"]
    shown = client.get(url, headers=people.platform_auth)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in shown.content and b"SecretCam" in buf.getvalue()
    assert not Image.open(io.BytesIO(shown.content)).getexif()
    assert client.get(url).status_code == 401
    juror = people.juror_auth(people.jurors[0].id)
    assert client.get(url, headers=juror).status_code == 403  # not on this case's panel


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (base64.b64encode(b"GIF89a broken").decode(), "corrupt"),
        (base64.b64encode(b"BM" + b"\0" * 64).decode(), "format"),
        ("%%% not base64", "base64"),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_half_saved(
    client: TestClient, people: People, ctx: Context, data: str, says: str
) -> None:
    r = client.post(f"{API}/reports", json=report("bad", "u1", data), headers=people.platform_auth)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["field"] == "content.media.0.data" and says in err["message"].lower()
    assert count(ctx, t.cases) == 0 and count(ctx, t.reports) == 0 and count(ctx, t.media) == 0


def test_a_multipart_upload_is_the_same_report(
    client: TestClient, people: People, ctx: Context
) -> None:
    buf = io.BytesIO()
    photo(11).save(buf, "PNG")
    body = report("multi", "u1", None)
    r = client.post(
        f"{API}/reports",
        data={"report": json.dumps(body)},
        files=[("media", ("photo.png", buf.getvalue(), "image/png"))],
        headers=people.platform_auth,
    )
    assert r.status_code == 202, r.text
    again = client.post(
        f"{API}/reports",
        json=report("multi-json", "u2", base64.b64encode(buf.getvalue()).decode()),
        headers=people.platform_auth,
    )
    assert again.json()["case_id"] == r.json()["case_id"]  # the same file, the same case
    assert count(ctx, t.media) == 1
    bad = client.post(f"{API}/reports", data={"report": "{"}, headers=people.platform_auth)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "report"
    missing = client.post(f"{API}/reports", data={"other": "x"}, headers=people.platform_auth)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "report"


def test_a_rolled_back_batch_leaves_nothing_in_the_index(
    client: TestClient,
    people: People,
    clock: FakeClock,
    ctx: Context,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cases are indexed as a batch opens them, before it commits; when the transaction
    rolls back they do not exist, and left indexed they would crowd a search's first
    MAX_CANDIDATES: a copy of cleared content must still be answered with the precedent."""
    from alteram.services.intake import Item, file_batch
    from alteram.services.precedent import MAX_CANDIDATES, gather, index_for
    from alteram.services.reports import ReportRequest
    from alteram.storage.store import Tx

    auth = people.platform_auth
    media = encode(photo(3))
    first = client.post(f"{API}/reports", json=report("orig", "r1", media), headers=auth)
    cleared = first.json()["case_id"]
    clear(client, people, clock, cleared)
    index = index_for(ctx.store)

    def fail(self: Tx, events: object) -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as m:
        m.setattr(Tx, "append_events", fail)
        for attempt in range(MAX_CANDIDATES + 2):  # each batch opens a case, then fails
            items = [
                Item(
                    people.platform_id,
                    ReportRequest.model_validate(report(f"copy-{attempt}-{k}", f"u{k}", media)),
                )
                for k in range(2)
            ]
            with pytest.raises(RuntimeError, match="disk is full"):
                file_batch(ctx, items)
    with ctx.store.transaction() as tx:
        index.catch_up(tx)
        evidence = gather(
            tx,
            ReportRequest.model_validate(report("x", "u", media)).content,
            ctx.now(),
            max_bytes=ctx.max_media_bytes,
            max_pixels=ctx.max_media_pixels,
        )
    assert [c for c, _, _ in index.candidates(evidence)] == [cleared]
    assert not any(case_id != cleared for case_id, _, _ in index._local)
    again = client.post(f"{API}/reports", json=report("copy-again", "u9", media), headers=auth)
    assert again.json()["case_state"] == "closed_precedent"
    assert (
        client.get(f"{API}/cases/{again.json()['case_id']}").json()["precedent"]["case_id"]
        == cleared
    )


def test_cases_opened_here_are_indexed_once(
    client: TestClient, people: People, ctx: Context
) -> None:
    """A case opened by this process is indexed at once; catching up from the database
    (at the next batch) must not index its prints a second time."""
    from alteram.services.precedent import index_for

    auth = people.platform_auth
    media = encode(photo(5))
    for i in range(3):
        body = report(f"text-{i}", f"u{i}", media if i == 0 else None)
        body["content"]["text"] = " ".join(
            hashlib.sha256(f"{i}{k}".encode()).hexdigest() for k in range(3)
        )
        assert client.post(f"{API}/reports", json=body, headers=auth).status_code == 202
    index = index_for(ctx.store)
    with ctx.store.transaction() as tx:
        index.catch_up(tx)
    assert len(index.texts) == index.texts.payload_count == 3
    assert len(index.images) == index.images.payload_count == 1
