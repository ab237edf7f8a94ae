"""The jurors' sign-in: juror id and password (argon2id, set from a one-time sign-in link
an administrator issued), or a juror token; sign-out ends a password session's token.
Every failed attempt counts towards the sign-in rate limit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from alteram.errors import AlteramError
from alteram.services import accounts
from alteram.web.pages.errors import rate_limited
from alteram.web.pages.forms import checked_form, do_sign_in, limiter, see_other, sign_out
from alteram.web.pages.forms import text as field
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import (
    JUROR_AREA,
    client_address,
    session_token_hash,
    set_session,
)

router = APIRouter(include_in_schema=False)


def signin_form(
    request: Request, problem: AlteramError | None = None, juror_id: str = ""
) -> Response:
    status = 200 if problem is None else (problem.status if problem.status != 400 else 401)
    return page(
        request,
        "juror_signin.html",
        status=status,
        private=True,
        path="/juror",
        problem=problem,
        juror_id=juror_id,
    )


@router.post("/juror/signin")
async def signin(request: Request) -> Response:
    def then(request: Request, form: FormData) -> Response:
        return do_sign_in(
            request,
            form,
            JUROR_AREA,
            accept=lambda who: True,
            success_url="/juror",
            failure=lambda exc: signin_form(request, exc),
        )

    return await checked_form(request, then)


def _password_signin(request: Request, form: FormData) -> Response:
    ctx = get_ctx(request)
    address = client_address(request)
    wait = limiter(request).retry_after(address)
    if wait:
        return rate_limited(request, wait)
    juror_id = field(form, "juror_id", 64).strip()
    try:
        token = accounts.password_sign_in(ctx, juror_id, field(form, "password", 200))
    except AlteramError as exc:
        limiter(request).failed(address)
        return signin_form(request, exc, juror_id)
    limiter(request).succeeded(address)
    response = see_other("/juror")
    set_session(response, ctx, token, JUROR_AREA)
    return response


@router.post("/juror/signin/password")
async def password_signin(request: Request) -> Response:
    return await checked_form(request, _password_signin)


def _link_page(
    request: Request, secret: str, problem: AlteramError | None = None, status: int = 200
) -> Response:
    juror_id = ""
    try:
        juror_id = accounts.link_holder(get_ctx(request), secret)
    except AlteramError as exc:
        problem, status = problem or exc, exc.status
    return page(
        request,
        "juror_link.html",
        status=status,
        private=True,
        path="/juror/link",
        secret=secret if juror_id else "",
        juror_id=juror_id,
        problem=problem,
    )


@router.get("/juror/link/{secret}")
def link(request: Request, secret: str) -> Response:
    """A one-time sign-in link: shows the form that uses it (a GET never uses it up,
    so a mail scanner opening the link does not spend it)."""
    return _link_page(request, secret[:100])


def _use_link(request: Request, form: FormData) -> Response:
    ctx = get_ctx(request)
    address = client_address(request)
    wait = limiter(request).retry_after(address)
    if wait:
        return rate_limited(request, wait)
    secret = field(form, "secret", 100)
    try:
        _, token = accounts.use_signin_link(
            ctx, secret, field(form, "password", 200), field(form, "again", 200)
        )
    except AlteramError as exc:
        if exc.status == 401:
            limiter(request).failed(address)
        return _link_page(request, secret, exc, exc.status)
    limiter(request).succeeded(address)
    response = see_other("/juror")
    set_session(response, ctx, token, JUROR_AREA)
    return response


@router.post("/juror/link")
async def use_link(request: Request) -> Response:
    return await checked_form(request, _use_link)


def _signout(request: Request) -> Response:
    ctx = get_ctx(request)
    token_hash = session_token_hash(ctx, request, JUROR_AREA)
    if token_hash is not None:
        accounts.end_session(ctx, token_hash)
    return sign_out(request, JUROR_AREA, "/juror")


@router.post("/juror/signout")
async def signout(request: Request) -> Response:
    return await checked_form(request, lambda r, _: _signout(r))
