"""Error pages: the status, a translated heading, and the exact message in English."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from alteram.errors import AlteramError
from alteram.web.pages.i18n import N_
from alteram.web.pages.render import page

HEADINGS = {
    "not_found": N_("Not found"),
    "invalid": N_("Something needs fixing"),
    "policy_invalid": N_("The policy file has problems"),
    "out_of_order": N_("This step is not possible now"),
    "conflict": N_("This clashes with what is already recorded"),
    "panel_unavailable": N_("No panel can be drawn now"),
    "forbidden": N_("Not allowed"),
    "unauthenticated": N_("Please sign in"),
    "csrf": N_("This form has expired or did not come from this site"),
    "rate_limited": N_("Too many failed sign-ins"),
}
GENERIC = N_("Something went wrong")


def heading(code: str) -> str:
    return HEADINGS.get(code, GENERIC)


def error_page(request: Request, exc: AlteramError) -> HTMLResponse:
    return page(
        request,
        "error.html",
        status=exc.status,
        private=True,
        code=exc.code,
        heading=heading(exc.code),
        message=exc.message,
        retry_after=None,
    )


def csrf_failed(request: Request) -> HTMLResponse:
    return page(
        request,
        "error.html",
        status=403,
        private=True,
        code="csrf",
        heading=heading("csrf"),
        message="the form's security token is missing or wrong; reload the page and try again",
        retry_after=None,
    )


def rate_limited(request: Request, retry_after: int) -> HTMLResponse:
    return page(
        request,
        "error.html",
        status=429,
        private=True,
        headers={"Retry-After": str(retry_after)},
        code="rate_limited",
        heading=heading("rate_limited"),
        message=f"too many failed sign-ins from your address; try again in {retry_after} s",
        retry_after=retry_after,
    )


def not_found_page(request: Request) -> HTMLResponse:
    """The HTML 404 for an unknown path outside ``/api/`` (which answers JSON)."""
    return page(request, "not_found.html", status=404, path=request.url.path)
