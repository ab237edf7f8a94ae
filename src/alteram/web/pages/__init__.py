"""The web pages for every role, server-rendered (Jinja2), in English and Persian.

``router`` holds every page route: the public record, the parties' case pages,
the jurors' and the administrators' pages, and the stylesheet. No page needs
JavaScript. See docs/web.md.
"""

from __future__ import annotations

from fastapi import APIRouter

from alteram.web.pages import (
    admin,
    assets,
    dispute,
    juror,
    juror_signin,
    juror_standing,
    orders,
    party,
    public,
    respondent,
)

router = APIRouter(include_in_schema=False)
for _sub in (
    public.router,
    orders.router,
    party.router,
    respondent.router,
    dispute.router,
    juror_signin.router,
    juror.router,
    juror_standing.router,
    admin.router,
    assets.router,
):
    router.include_router(_sub)
