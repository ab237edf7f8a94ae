"""The jurors' pages: the cases assigned (sign-in is in :mod:`.juror_signin`), the case
file and the structured, sealed vote (through :func:`alteram.services.proceedings.cast_vote`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from alteram.domain.case import CaseState
from alteram.domain.order import MOST, ORDER_CHECKS
from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
from alteram.domain.remedy import LADDER, Remedy
from alteram.domain.vote import Ballot
from alteram.errors import AlteramError, Forbidden, InvalidInput
from alteram.services import proceedings, standing_review
from alteram.services.accounts import Principal
from alteram.services.campaign import campaign_of
from alteram.services.policies import policy_for
from alteram.web.media import image_response
from alteram.web.pages import orders as order_pages
from alteram.web.pages.errors import error_page
from alteram.web.pages.forms import checked_form, see_other
from alteram.web.pages.forms import text as field
from alteram.web.pages.forms import texts as fields
from alteram.web.pages.juror_signin import signin_form
from alteram.web.pages.party import load_case
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import JUROR_AREA, current_principal
from alteram.web.views import case_view

router = APIRouter(include_in_schema=False)


def _who(request: Request) -> Principal | None:
    return current_principal(get_ctx(request), request, JUROR_AREA)


@router.get("/juror")
def home(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return signin_form(request)
    ctx = get_ctx(request)
    seats: list[dict[str, Any]] = []
    with ctx.store.read() as tx:
        for seat in tx.open_seats(who.subject):
            case = tx.get_case(seat.case_id)
            if case is None:
                continue
            voted = any(v.juror_id == who.subject for v in case.votes_in(seat.round))
            policy = policy_for(ctx, case.policy_version, tx)
            seats.append(
                {
                    "case_id": seat.case_id,
                    "round": seat.round,
                    "state": seat.state,
                    "category": policy.category(case.category).title
                    if any(c.id == case.category for c in policy.categories)
                    else case.category,
                    "deadline": case.voting_deadline,
                    "voted": voted,
                }
            )
    return page(
        request,
        "juror_home.html",
        private=True,
        path="/juror",
        who=who,
        seats=seats,
        appeals=standing_review.seats(ctx, who.subject),  # suspension appeals (DSA Art. 23)
        done=request.query_params.get("done", ""),
    )


def case_file(
    request: Request,
    case_id: str,
    who: Principal,
    *,
    problem: AlteramError | None = None,
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    ctx = get_ctx(request)
    case, reports = load_case(ctx, case_id)
    view = case_view(case, who, reports)
    if view["viewer"] != "juror":
        raise Forbidden(f"you do not sit on a panel of case {case_id}")
    panel = case.panel
    assert panel is not None
    now = ctx.now()
    mine = [v for v in case.votes_in(panel.round) if v.juror_id == who.subject]
    voting = case.state in (CaseState.VOTING, CaseState.APPEAL_VOTING)
    may_vote = (
        voting
        and who.subject in panel.chosen
        and not mine
        and case.voting_deadline is not None
        and now < case.voting_deadline
    )
    heard = [policy_for(ctx, case.policy_version).category(c) for c in case.heard_categories]
    order = order_pages.juror_order(ctx, case, who)  # a legal order: its checks and limit
    by_category: dict[str, list[dict[str, Any]]] = {}
    for r in view["reports"]:
        by_category.setdefault(r["category"], []).append(r)
    return page(
        request,
        "juror_case.html",
        status=status,
        private=True,
        path=f"/juror/cases/{case_id}",
        who=who,
        case=case,
        view=view,
        campaign=campaign_of(ctx, case_id),
        reports_by_category=by_category,
        heard=heard,
        incitement=any(c.incitement for c in heard),
        allowed_geo=sorted({c.jurisdiction for c in case.cited_laws if c.compatible}),
        ladder=LADDER if order is None else LADDER[: MOST.rank + 1],
        order=order,
        order_checks=order_pages.CHECKS if order else {},
        test_parts=THREE_PART_TEST,
        rabat_factors=RABAT_FACTORS,
        may_vote=may_vote,
        media=[f"/juror/cases/{case_id}/media/{sha}" for sha in case.content.media],
        evidence=[
            f"/juror/cases/{case_id}/media/{sha}"
            for sha in (case.reply.evidence if case.reply else [])
        ],
        my_vote=mine[0] if mine else None,
        voting_left=(case.voting_deadline - now) if case.voting_deadline else None,
        problem=problem,
        values=values or {},
        done=request.query_params.get("done", ""),
    )


@router.get("/juror/cases/{case_id}")
def show(request: Request, case_id: str) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/juror")
    try:
        return case_file(request, case_id, who)
    except AlteramError as exc:
        return error_page(request, exc)


def form_values(form: FormData) -> dict[str, Any]:
    """What the juror typed, to show it again when the vote is refused."""
    values: dict[str, Any] = {
        "violation": field(form, "violation"),
        "rules": fields(form, "rules"),
        "remedy": field(form, "remedy"),
        "jurisdictions": fields(form, "jurisdictions"),
        "reasons": field(form, "reasons"),
    }
    for part in (*THREE_PART_TEST, *ORDER_CHECKS):
        values[f"test_{part}"] = field(form, f"test_{part}")
    for factor in RABAT_FACTORS:
        values[f"rabat_{factor}"] = field(form, f"rabat_{factor}")
    for rung in LADDER:
        values[f"lesser_{rung.value}"] = field(form, f"lesser_{rung.value}")
    return values


def ballot_from(values: dict[str, Any]) -> Ballot:
    """The form's answers as a :class:`Ballot`; blank answers are left out."""
    if values["violation"] not in ("yes", "no"):
        raise InvalidInput("say whether the post breaks a rule", field="violation")
    try:
        remedy = Remedy(values["remedy"] or Remedy.NO_ACTION.value)
    except ValueError:
        raise InvalidInput("choose a remedy from the ladder", field="remedy") from None
    try:
        return Ballot(
            violation=values["violation"] == "yes",
            rules=tuple(values["rules"]),
            test={
                p: v
                for p in (*THREE_PART_TEST, *ORDER_CHECKS)
                if (v := values[f"test_{p}"]).strip()
            },
            rabat={f: v for f in RABAT_FACTORS if (v := values[f"rabat_{f}"]).strip()},
            remedy=remedy,
            jurisdictions=tuple(values["jurisdictions"]),
            lesser_remedies_insufficient={
                r.value: v
                for r in remedy.lower_rungs()
                if (v := values[f"lesser_{r.value}"]).strip()
            },
            reasons=values["reasons"],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidInput(f"{where}: {first.get('msg', 'invalid')}", field=where) from None


def _vote(request: Request, case_id: str, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/juror")
    values = form_values(form)
    try:
        proceedings.cast_vote(get_ctx(request), case_id, who.subject, ballot_from(values))
    except AlteramError as exc:
        try:
            return case_file(request, case_id, who, problem=exc, status=exc.status, values=values)
        except AlteramError as again:
            return error_page(request, again)
    return see_other(f"/juror/cases/{case_id}?done=vote")


@router.post("/juror/cases/{case_id}/vote")
async def vote(request: Request, case_id: str) -> Response:
    return await checked_form(request, lambda r, f: _vote(r, case_id, f))


@router.get("/juror/cases/{case_id}/lesser")
def lesser(request: Request, case_id: str) -> Response:
    """The vote form's "why not a lesser remedy?" fields for the remedy chosen: only the
    rungs below it. htmx swaps it in when the remedy changes; without JavaScript the
    form shows every rung, and the ballot check is the same either way."""
    who = _who(request)
    if who is None:
        return error_page(request, Forbidden("sign in with your juror id and password"))
    try:
        case_file_of(request, case_id, who)
        remedy = Remedy(request.query_params.get("remedy") or Remedy.NO_ACTION.value)
    except ValueError:
        remedy = Remedy.NO_ACTION
    except AlteramError as exc:
        return error_page(request, exc)
    values = {
        f"lesser_{r.value}": request.query_params.get(f"lesser_{r.value}", "")[:50_000]
        for r in LADDER
    }
    return page(
        request,
        "juror_lesser.html",
        private=True,
        path=f"/juror/cases/{case_id}",
        ladder=LADDER,
        rungs=list(remedy.lower_rungs()),
        values=values,
        problem=None,
    )


def case_file_of(request: Request, case_id: str, who: Principal) -> None:
    """Refuse anyone who does not sit on a panel of the case."""
    case, reports = load_case(get_ctx(request), case_id)
    if case_view(case, who, reports)["viewer"] != "juror":
        raise Forbidden(f"you do not sit on a panel of case {case_id}")


@router.get("/juror/cases/{case_id}/media/{sha256}")
def media(request: Request, case_id: str, sha256: str) -> Response:
    """An image of the case (the post's, or the author's evidence), re-encoded without
    metadata, for a signed-in juror of one of the case's panels only."""
    who = _who(request)
    try:
        if who is None:
            raise Forbidden("sign in with your juror token to see the case's images")
        ctx = get_ctx(request)
        case, _ = load_case(ctx, case_id)
        return image_response(ctx, case, who, sha256)
    except AlteramError as exc:
        return error_page(request, exc)


def _recuse(request: Request, case_id: str, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/juror")
    reason = field(form, "reason", 5_000)
    try:
        proceedings.recuse(get_ctx(request), case_id, who.subject, reason)
    except AlteramError as exc:
        try:
            return case_file(
                request, case_id, who, problem=exc, status=exc.status, values={"reason": reason}
            )
        except AlteramError as again:
            return error_page(request, again)
    return see_other("/juror?done=recused")


@router.post("/juror/cases/{case_id}/recuse")
async def recuse(request: Request, case_id: str) -> Response:
    return await checked_form(request, lambda r, f: _recuse(r, case_id, f))
