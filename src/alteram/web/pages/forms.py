"""Shared pieces of the pages that take input: CSRF checks, form fields, sign-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alteram.errors import AlteramError, Unauthenticated
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.web.pages.errors import csrf_failed, rate_limited
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import (
    Area,
    SignInLimiter,
    clear_session,
    client_address,
    csrf_valid,
    set_session,
    sign_in,
    web_key,
)

MAX_TOKEN = 200


def text(form: FormData, name: str, limit: int = 50_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def limiter(request: Request) -> SignInLimiter:
    state = request.app.state
    if getattr(state, "signin_limiter", None) is None:
        state.signin_limiter = SignInLimiter()
    found: SignInLimiter = state.signin_limiter
    return found


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def checked_form(
    request: Request, then: Callable[[Request, FormData], Response], *, max_files: int = 0
) -> Response:
    """Read the form; refuse it with a 403 page without a valid CSRF token; else run
    ``then`` (synchronous: it may use the database) in the thread pool."""
    form = await request.form(max_files=max_files, max_fields=200)
    ctx = get_ctx(request)
    if not csrf_valid(web_key(ctx), request, text(form, "csrf", 200)):
        return csrf_failed(request)
    return await run_in_threadpool(then, request, form)


def signin_page(
    request: Request,
    *,
    area_name: str,
    action: str,
    problem: AlteramError | None = None,
    status: int = 200,
    path: str | None = None,
    **values: Any,
) -> Response:
    return page(
        request,
        "signin.html",
        status=status,
        private=True,
        path=path,
        area_name=area_name,
        action=action,
        problem=problem,
        **values,
    )


def do_sign_in(
    request: Request,
    form: FormData,
    area: Area,
    *,
    accept: Callable[[Principal], bool],
    success_url: str,
    failure: Callable[[AlteramError], Response],
) -> Response:
    """Check the pasted token (rate-limited per address) and set the session cookie."""
    ctx: Context = get_ctx(request)
    address = client_address(request)
    wait = limiter(request).retry_after(address)
    if wait:
        return rate_limited(request, wait)
    token = text(form, "token", MAX_TOKEN).strip()
    try:
        who = sign_in(ctx, token, area)
        if not accept(who):
            raise Unauthenticated("this token is for another case or role")
    except AlteramError as exc:
        limiter(request).failed(address)
        return failure(exc)
    limiter(request).succeeded(address)
    response = see_other(success_url)
    set_session(response, ctx, token, area)
    return response


def sign_out(request: Request, area: Area, url: str) -> Response:
    response = see_other(url)
    clear_session(response, get_ctx(request), area)
    return response
