"""The public transparency log: checkpoint, key, entries, tiles and proofs. No auth.

Hashes are standard base64, as in RFC 9162 and transparency-dev.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from alteram.errors import InvalidInput, NotFound
from alteram.services import log as log_service
from alteram.services.context import Context
from alteram.tlog import leaf_hash
from alteram.web.api import get_ctx

router = APIRouter(prefix="/api/v1/log", tags=["log"])
Ctx = Annotated[Context, Depends(get_ctx)]
MAX_PAGE = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@router.get("/checkpoint", response_class=PlainTextResponse)
def get_checkpoint(ctx: Ctx) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note)."""
    return PlainTextResponse(log_service.checkpoint(ctx), headers={"Cache-Control": "no-cache"})


@router.get("/key", response_class=PlainTextResponse)
def get_key(ctx: Ctx) -> PlainTextResponse:
    """The verifier key of the checkpoints' signer (``name+keyid+base64``)."""
    return PlainTextResponse(log_service.verifier_key(ctx) + "\n")


@router.get("/entries")
def get_entries(
    ctx: Ctx,
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int | None, Query(ge=1, description="exclusive; at most start+1000")] = None,
    format: Annotated[Literal["json", "base64"], Query()] = "json",
) -> dict[str, Any]:
    """Leaves ``[start, end)`` in log order; ``next`` gives the following page."""
    end = start + MAX_PAGE if end is None else end
    if end <= start:
        raise InvalidInput("end must be greater than start", field="end")
    end = min(end, start + MAX_PAGE)
    with ctx.store.read() as tx:
        size = tx.log.size()
        rows = tx.log.entries(start, min(end, size))
    entries: list[dict[str, Any]] = []
    for index, leaf in rows:
        item: dict[str, Any] = {"index": index, "leaf_hash": b64(leaf_hash(leaf))}
        if format == "base64":
            item["leaf"] = b64(leaf)
        else:
            item["record"] = json.loads(leaf)
        entries.append(item)
    last = rows[-1][0] + 1 if rows else start
    return {
        "tree_size": size,
        "entries": entries,
        "next": f"/api/v1/log/entries?start={last}&format={format}" if last < size else None,
    }


@router.get("/tiles/{level}/{index}")
def get_tile(level: int, index: int, ctx: Ctx) -> Response:
    """The stored hashes of nodes ``[256·index, 256·index+256)`` at ``level``, raw bytes
    (32 per hash; fewer than 256 for the right edge)."""
    with ctx.store.read() as tx:
        tile = tx.log.tile(level, index)
    if tile is None:
        raise NotFound(f"no tile {level}/{index}")
    return Response(tile, media_type="application/octet-stream")


@router.get("/proofs/inclusion")
def inclusion(
    ctx: Ctx,
    index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """RFC 9162 §2.1.3 inclusion proof of leaf ``index`` in the tree of ``tree_size``."""
    with ctx.store.read() as tx:
        proof = tx.log.inclusion_proof(index, tree_size)
        leaf = tx.log.leaf(index)
    return {
        "index": index,
        "tree_size": tree_size,
        "leaf_hash": b64(leaf_hash(leaf)),
        "hashes": [b64(h) for h in proof],
    }


@router.get("/proofs/consistency")
def consistency(
    ctx: Ctx,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """RFC 9162 §2.1.4 consistency proof between tree sizes ``first`` ≤ ``second``."""
    with ctx.store.read() as tx:
        proof = tx.log.consistency_proof(first, second)
    return {"first": first, "second": second, "hashes": [b64(h) for h in proof]}
