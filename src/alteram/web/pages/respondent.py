"""The respondent platform's forms in a dispute (see docs/disputes.md), on its case page.

The platform signs in at ``/cases/{case_id}`` with the token of its notice, like any
party (:mod:`alteram.web.pages.party`); the page then shows it the response form
while the response window is open, and the compliance form once the ruling is
final. Both go through :mod:`alteram.services.disputes`, as the API does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from alteram.domain import compliance as compliance_rules
from alteram.domain.case import Case, CaseState
from alteram.domain.dispute import RESPONDENT, Compliance
from alteram.errors import AlteramError, InvalidInput
from alteram.services import disputes
from alteram.services.accounts import PARTY, Principal
from alteram.web.pages.forms import checked_form, see_other, text
from alteram.web.pages.render import get_ctx

router = APIRouter(include_in_schema=False)
ANSWERS = (Compliance.IMPLEMENTED.value, Compliance.DECLINED.value)


def is_respondent(case: Case, who: Principal) -> bool:
    """The platform disputed in this case, signed in with the token of its notice."""
    return (
        case.dispute is not None
        and who.kind == PARTY
        and who.subject == case.id
        and who.party_id == RESPONDENT
    )


def respondent_view(case: Case, who: Principal, now: datetime) -> dict[str, Any] | None:
    """What the respondent's part of the page shows, or ``None`` for anyone else."""
    if not is_respondent(case, who):
        return None
    d = case.dispute
    assert d is not None
    deadline = compliance_rules.compliance_deadline(case)
    return {
        "response_open": (
            case.state is CaseState.AWAITING_REPLY
            and case.reply_closed_at is None
            and d.response is None
            and now < case.reply_deadline
        ),
        "respond_left": case.reply_deadline - now,
        "compliance_open": deadline is not None and d.compliance is None and now < deadline,
        "compliance_deadline": deadline,
        "compliance_left": (deadline - now) if deadline else None,
        "answers": ANSWERS,
    }


def _act(request: Request, case_id: str, form: FormData, what: str) -> Response:
    from alteram.web.pages.party import _who, case_page

    who = _who(request, case_id)
    if who is None:
        return see_other(f"/cases/{case_id}")
    ctx = get_ctx(request)
    values = {k: text(form, k) for k in ("statement", "compliance", "note")}
    try:
        if what == "response":
            disputes.respond(ctx, case_id, who, values["statement"])
        else:
            if values["compliance"] not in ANSWERS:
                raise InvalidInput("choose implemented or declined", field="compliance")
            answer = Compliance(values["compliance"])
            disputes.answer(ctx, case_id, who, answer, values["note"].strip() or None)
    except AlteramError as exc:
        return case_page(request, case_id, who, problem=exc, status=exc.status, values=values)
    return see_other(f"/cases/{case_id}?done={what}")


@router.post("/cases/{case_id}/response")
async def response(request: Request, case_id: str) -> Response:
    return await checked_form(request, lambda r, f: _act(r, case_id, f, "response"))


@router.post("/cases/{case_id}/compliance")
async def compliance(request: Request, case_id: str) -> Response:
    return await checked_form(request, lambda r, f: _act(r, case_id, f, "compliance"))
