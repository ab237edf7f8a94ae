"""Browsable API docs served from the package: Swagger UI without any CDN or inline script."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>alteram API</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<noscript><p>This page needs JavaScript. The API description itself is plain JSON at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></noscript>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body></html>
"""

_INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null
  });
};
"""


def install(app: FastAPI) -> None:
    app.mount("/api/v1/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/api/v1/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    @app.get("/api/v1/docs/init.js", include_in_schema=False)
    def init() -> Response:
        return Response(_INIT, media_type="text/javascript")
