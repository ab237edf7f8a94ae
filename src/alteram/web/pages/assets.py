"""The stylesheet and htmx, served from the package (never a CDN), with a validator."""

from __future__ import annotations

import functools
import hashlib
import importlib.resources

from fastapi import APIRouter, Request
from starlette.responses import Response

router = APIRouter(include_in_schema=False)
ASSETS = {
    "style.css": "text/css; charset=utf-8",
    # htmx 4.0.1 from the npm package htmx.org (Zero-Clause BSD, htmx.LICENSE.txt): only
    # the juror's vote form loads it, and that form works the same without it
    "htmx.min.js": "text/javascript; charset=utf-8",
}


@functools.cache
def asset(name: str) -> tuple[bytes, str]:
    """The asset's bytes and its ETag."""
    data = importlib.resources.files("alteram.web").joinpath("static", name).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


@router.get("/static/{name}")
def static(name: str, request: Request) -> Response:
    if name not in ASSETS:
        return Response("not found\n", status_code=404, media_type="text/plain")
    data, etag = asset(name)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=ASSETS[name], headers=headers)
