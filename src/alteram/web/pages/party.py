"""The parties' pages: the author and each reporter, signed in with their case's token.

``GET /cases/{case_id}`` shows the sign-in form, or, once signed in, the case as
the party may see it (:func:`alteram.web.views.case_view`): what is alleged and
under which rules, the deadline and the time left, the reply form (author), the
ruling with its reasons, and the appeal form while the window is open. Replies
and appeals go through :mod:`alteram.services.proceedings`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from alteram.domain.case import Case, CaseState
from alteram.errors import AlteramError, Forbidden
from alteram.services import proceedings
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.services.policies import policy_for
from alteram.web.media import image_response
from alteram.web.pages.errors import error_page
from alteram.web.pages.forms import (
    checked_form,
    do_sign_in,
    see_other,
    sign_out,
    signin_page,
    text,
)
from alteram.web.pages.i18n import N_
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.respondent import respondent_view
from alteram.web.pages.security import current_principal, party_area
from alteram.web.views import case_view, ruling_view

router = APIRouter(include_in_schema=False)

HEADING = N_("Follow your case")
EXPLANATION = N_(
    "Paste the personal token that came with your notice to see the case, reply or appeal."
)


def load_case(ctx: Context, case_id: str) -> tuple[Case, list[dict[str, Any]]]:
    """The case as of now (see ``proceedings.current_case``) and its reports."""
    case = proceedings.current_case(ctx, case_id)
    with ctx.store.read() as tx:
        return case, tx.reports_for(case_id)


def _signin(request: Request, case_id: str, problem: AlteramError | None = None) -> Response:
    return signin_page(
        request,
        area_name="party",
        action=f"/cases/{case_id}/signin",
        problem=problem,
        status=401 if problem else 200,
        path=f"/cases/{case_id}",
        heading=HEADING,
        explanation=EXPLANATION,
    )


def case_page(
    request: Request,
    case_id: str,
    who: Principal,
    *,
    problem: AlteramError | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    ctx = get_ctx(request)
    case, reports = load_case(ctx, case_id)
    view = case_view(case, who, reports)
    now = ctx.now()
    platform = respondent_view(case, who, now)
    role = "platform" if platform is not None else view["viewer"]
    policy = policy_for(ctx, case.policy_version)  # the version the author was notified under
    alleged = [policy.category(c) for c in case.heard_categories or case.categories]
    hearing_open = (
        case.state is CaseState.AWAITING_REPLY
        and case.reply_closed_at is None
        and now < case.reply_deadline
    )
    appeal_open = (
        case.state is CaseState.RULED
        and case.appeal_deadline is not None
        and now < case.appeal_deadline
    )
    latest = ruling_view(case.rulings[-1], case) if case.rulings else None
    may_appeal = appeal_open and not (
        role == "author" and latest is not None and not latest["violation"]
    )
    return page(
        request,
        "party_case.html",
        status=status,
        private=True,
        path=f"/cases/{case_id}",
        case=case,
        view=view,
        role=role,
        alleged=alleged,
        hearing_open=hearing_open,
        reply_left=case.reply_deadline - now,
        appeal_open=appeal_open,
        may_appeal=may_appeal,
        appeal_left=(case.appeal_deadline - now) if case.appeal_deadline else None,
        latest=latest,
        earlier=[ruling_view(r, case) for r in case.rulings[:-1]],
        rules={r.id: r.text for c in policy.categories for r in c.rules},
        media=[f"/cases/{case_id}/media/{sha}" for sha in case.content.media],
        evidence=[
            f"/cases/{case_id}/media/{sha}" for sha in (case.reply.evidence if case.reply else [])
        ],
        problem=problem,
        values=values or {},
        done=request.query_params.get("done", ""),
        platform=platform,
    )


def _who(request: Request, case_id: str) -> Principal | None:
    who = current_principal(get_ctx(request), request, party_area(case_id))
    return who if who is not None and who.subject == case_id else None


@router.get("/cases/{case_id}")
def show(request: Request, case_id: str) -> Response:
    who = _who(request, case_id)
    try:
        if who is None:
            load_case(get_ctx(request), case_id)  # 404 for a case that does not exist
            return _signin(request, case_id)
        return case_page(request, case_id, who)
    except AlteramError as exc:
        return error_page(request, exc)


@router.post("/cases/{case_id}/signin")
async def signin(request: Request, case_id: str) -> Response:
    def then(request: Request, form: FormData) -> Response:
        return do_sign_in(
            request,
            form,
            party_area(case_id),
            accept=lambda who: who.subject == case_id,
            success_url=f"/cases/{case_id}",
            failure=lambda exc: _signin(request, case_id, exc),
        )

    return await checked_form(request, then)


@router.post("/cases/{case_id}/signout")
async def signout(request: Request, case_id: str) -> Response:
    return await checked_form(
        request, lambda r, _: sign_out(r, party_area(case_id), f"/cases/{case_id}")
    )


def _act(request: Request, case_id: str, form: FormData, what: str) -> Response:
    who = _who(request, case_id)
    if who is None:
        return see_other(f"/cases/{case_id}")
    ctx = get_ctx(request)
    values = {k: text(form, k) for k in ("statement", "grounds")}
    try:
        if what == "reply":
            waive = text(form, "action") == "waive"
            files = [
                f.file.read()
                for f in form.getlist("evidence")
                if isinstance(f, UploadFile) and (f.filename or f.size)
            ]
            statement = None if waive else values["statement"]
            proceedings.reply(ctx, case_id, who, statement, waive, [] if waive else files)
        else:
            proceedings.appeal(ctx, case_id, who, values["grounds"])
    except AlteramError as exc:
        return case_page(request, case_id, who, problem=exc, status=exc.status, values=values)
    return see_other(f"/cases/{case_id}?done={what}")


@router.post("/cases/{case_id}/reply")
async def reply(request: Request, case_id: str) -> Response:
    return await checked_form(
        request, lambda r, f: _act(r, case_id, f, "reply"), max_files=proceedings.MAX_EVIDENCE
    )


@router.get("/cases/{case_id}/media/{sha256}")
def media(request: Request, case_id: str, sha256: str) -> Response:
    """An image of the case (the post's, or the author's evidence), re-encoded without
    metadata, for the signed-in parties of this case only."""
    who = _who(request, case_id)
    try:
        if who is None:
            raise Forbidden("sign in with your case token to see the case's images")
        case, _ = load_case(get_ctx(request), case_id)
        return image_response(get_ctx(request), case, who, sha256)
    except AlteramError as exc:
        return error_page(request, exc)


@router.post("/cases/{case_id}/appeal")
async def appeal(request: Request, case_id: str) -> Response:
    return await checked_form(request, lambda r, f: _act(r, case_id, f, "appeal"))
