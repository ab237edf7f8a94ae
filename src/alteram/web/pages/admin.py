"""The administrators' pages: the juror pool, platforms and their tokens, the policy
(check, publish, versions) and the jurisdictions table.

An administrator runs the institution and **cannot decide cases**: no route
here reads or writes a case, a vote, a ruling or a remedy (a test walks every
``/admin`` route to hold this). Tokens are shown once, on the page that
creates them, and are never stored in plain text.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from alteram.domain.policy_file import parse_policy
from alteram.errors import AlteramError, InvalidInput, PolicyInvalid
from alteram.services import accounts, policies
from alteram.services.accounts import Principal
from alteram.web.pages.forms import checked_form, do_sign_in, see_other, sign_out, signin_page
from alteram.web.pages.forms import text as field
from alteram.web.pages.i18n import N_
from alteram.web.pages.render import get_ctx, page
from alteram.web.pages.security import ADMIN_AREA, current_principal, session_token_hash

router = APIRouter(include_in_schema=False)

HEADING = N_("Administration")
EXPLANATION = N_(
    "Paste an administrator token. Administrators run the juror pool, the platforms and "
    "the policy; they cannot decide, hide or restore content."
)
MAX_POLICY = 500_000


def _signin(request: Request, problem: AlteramError | None = None) -> Response:
    return signin_page(
        request,
        area_name="admin",
        action="/admin/signin",
        problem=problem,
        status=401 if problem else 200,
        path="/admin",
        heading=HEADING,
        explanation=EXPLANATION,
    )


def _who(request: Request) -> Principal | None:
    return current_principal(get_ctx(request), request, ADMIN_AREA)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@router.get("/admin")
def home(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _signin(request)
    return page(request, "admin_home.html", private=True, path="/admin", who=who)


@router.post("/admin/signin")
async def signin(request: Request) -> Response:
    def then(request: Request, form: FormData) -> Response:
        return do_sign_in(
            request,
            form,
            ADMIN_AREA,
            accept=lambda who: True,
            success_url="/admin",
            failure=lambda exc: _signin(request, exc),
        )

    return await checked_form(request, then)


@router.post("/admin/signout")
async def signout(request: Request) -> Response:
    return await checked_form(request, lambda r, _: sign_out(r, ADMIN_AREA, "/admin"))


# -- jurors -----------------------------------------------------------------------------------


def jurors_page(
    request: Request,
    who: Principal,
    *,
    created: tuple[str, str] | None = None,
    link: tuple[str, str] | None = None,
    revoked: tuple[str, int] | None = None,
    problem: AlteramError | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    ctx = get_ctx(request)
    with ctx.store.read() as tx:
        pool = tx.jurors()
    return page(
        request,
        "admin_jurors.html",
        status=problem.status if problem else 200,
        private=True,
        path="/admin/jurors",
        who=who,
        pool=pool,
        created=created,
        link=link,
        link_minutes=accounts.LINK_MINUTES,
        revoked=revoked,
        problem=problem,
        values=values or {},
    )


@router.get("/admin/jurors")
def jurors(request: Request) -> Response:
    who = _who(request)
    return _signin(request) if who is None else jurors_page(request, who)


def _add_juror(request: Request, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    values = {k: field(form, k, 2000) for k in ("name", "languages", "conflicts", "handles")}
    try:
        juror, token = accounts.add_juror(
            get_ctx(request),
            values["name"],
            _csv(values["languages"]),
            _csv(values["conflicts"]),
            _csv(values["handles"]),
        )
        link = accounts.issue_signin_link(get_ctx(request), juror.id)
    except AlteramError as exc:
        return jurors_page(request, who, problem=exc, values=values)
    return jurors_page(request, who, created=(juror.id, token), link=(juror.id, link))


@router.post("/admin/jurors")
async def add_juror(request: Request) -> Response:
    return await checked_form(request, _add_juror)


def _set_active(request: Request, juror_id: str, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    try:
        accounts.set_juror_active(get_ctx(request), juror_id, field(form, "active") == "1")
    except AlteramError as exc:
        return jurors_page(request, who, problem=exc)
    return see_other("/admin/jurors")


@router.post("/admin/jurors/{juror_id}/active")
async def set_active(request: Request, juror_id: str) -> Response:
    return await checked_form(request, lambda r, f: _set_active(r, juror_id, f))


def _juror_link(request: Request, juror_id: str) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    try:
        link = accounts.issue_signin_link(get_ctx(request), juror_id)
    except AlteramError as exc:
        return jurors_page(request, who, problem=exc)
    return jurors_page(request, who, link=(juror_id, link))


@router.post("/admin/jurors/{juror_id}/link")
async def juror_link(request: Request, juror_id: str) -> Response:
    """A one-time sign-in link for the juror (shown once), to set or reset a password."""
    return await checked_form(request, lambda r, _: _juror_link(r, juror_id))


def _revoke_juror(request: Request, juror_id: str) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    try:
        n = accounts.revoke_all(get_ctx(request), accounts.JUROR, juror_id)
    except AlteramError as exc:
        return jurors_page(request, who, problem=exc)
    return jurors_page(request, who, revoked=(juror_id, n))


@router.post("/admin/jurors/{juror_id}/revoke")
async def revoke_juror(request: Request, juror_id: str) -> Response:
    """End every token, session, password and sign-in link of a juror, at once."""
    return await checked_form(request, lambda r, _: _revoke_juror(r, juror_id))


# -- platforms -----------------------------------------------------------------------------------


def platforms_page(
    request: Request,
    who: Principal,
    *,
    created: tuple[str, str, str] | None = None,
    revoked: str | None = None,
    problem: AlteramError | None = None,
) -> Response:
    ctx = get_ctx(request)
    with ctx.store.read() as tx:
        rows = tx.platforms()
    for row in rows:
        row["token_list"] = accounts.holder_tokens(ctx, accounts.PLATFORM, row["id"])
    return page(
        request,
        "admin_platforms.html",
        status=problem.status if problem else 200,
        private=True,
        path="/admin/platforms",
        who=who,
        platforms=rows,
        created=created,
        revoked=revoked,
        problem=problem,
    )


@router.get("/admin/platforms")
def platforms(request: Request) -> Response:
    who = _who(request)
    return _signin(request) if who is None else platforms_page(request, who)


def _new_platform_token(request: Request, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    name = field(form, "name", 200)
    try:
        platform_id, token = accounts.create_platform(get_ctx(request), name)
    except AlteramError as exc:
        return platforms_page(request, who, problem=exc)
    return platforms_page(request, who, created=(platform_id, name.strip(), token))


@router.post("/admin/platforms")
async def new_platform_token(request: Request) -> Response:
    return await checked_form(request, _new_platform_token)


def _revoke(request: Request, token_id: str | None, platform_id: str | None) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    ctx = get_ctx(request)
    try:
        if token_id is not None:
            accounts.revoke_token(ctx, token_id)
            done = token_id
        else:
            accounts.revoke_all(ctx, accounts.PLATFORM, platform_id or "")
            done = platform_id or ""
    except AlteramError as exc:
        return platforms_page(request, who, problem=exc)
    return platforms_page(request, who, revoked=done)


@router.post("/admin/platforms/{platform_id}/revoke")
async def revoke_platform(request: Request, platform_id: str) -> Response:
    """Revoke every token of a platform, at once."""
    return await checked_form(request, lambda r, _: _revoke(r, None, platform_id))


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: str) -> Response:
    """Revoke one platform token by its id."""
    return await checked_form(request, lambda r, _: _revoke(r, token_id, None))


# -- the policy ------------------------------------------------------------------------------------


def policy_page(
    request: Request,
    who: Principal,
    *,
    checked: str | None = None,
    problems: list[str] | None = None,
    summary: str | None = None,
    published: str | None = None,
    status: int = 200,
) -> Response:
    ctx = get_ctx(request)
    return page(
        request,
        "admin_policy.html",
        status=status,
        private=True,
        path="/admin/policy",
        who=who,
        policy=ctx.policy,
        versions=policies.versions(ctx),
        checked=checked,
        problems=problems or [],
        summary=summary,
        published=published,
    )


@router.get("/admin/policy")
def policy(request: Request) -> Response:
    who = _who(request)
    return _signin(request) if who is None else policy_page(request, who)


def _read_policy(form: FormData) -> tuple[str, str]:
    """The uploaded file's text (or the pasted text) and its name."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = upload.file.read(MAX_POLICY + 1)
        if len(raw) > MAX_POLICY:
            raise InvalidInput(f"the policy file is over {MAX_POLICY} bytes", field="file")
        try:
            return raw.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            raise InvalidInput("the policy file is not UTF-8 text", field="file") from None
    pasted = field(form, "text", MAX_POLICY)
    if not pasted.strip():
        raise InvalidInput("choose a policy file or paste its text", field="file")
    return pasted, "pasted policy"


def _check_policy(request: Request, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    try:
        text, name = _read_policy(form)
        checked = parse_policy(text, source=name)
    except PolicyInvalid as exc:
        return policy_page(request, who, checked="invalid", problems=exc.problems, status=422)
    except InvalidInput as exc:
        return policy_page(request, who, checked="invalid", problems=[exc.message], status=422)
    summary = (
        f"{checked.title}, version {checked.version}: {len(checked.categories)} categories, "
        f"{sum(len(c.rules) for c in checked.categories)} rules, "
        f"{len(checked.jurisdictions)} jurisdictions"
    )
    return policy_page(request, who, checked="valid", summary=summary)


@router.post("/admin/policy/check")
async def check_policy(request: Request) -> Response:
    return await checked_form(request, _check_policy, max_files=1)


def _publish_policy(request: Request, form: FormData) -> Response:
    who = _who(request)
    if who is None:
        return see_other("/admin")
    ctx = get_ctx(request)
    try:
        text, name = _read_policy(form)
        token_hash = session_token_hash(ctx, request, ADMIN_AREA) or ""
        by = f"admin page, admin token {token_hash[:16]}"
        published = policies.publish(ctx, text, source=name, by=by)
    except PolicyInvalid as exc:
        return policy_page(request, who, checked="invalid", problems=exc.problems, status=422)
    except AlteramError as exc:
        return policy_page(
            request, who, checked="invalid", problems=[exc.message], status=exc.status
        )
    return policy_page(request, who, published=published.version)


@router.post("/admin/policy/publish")
async def publish_policy(request: Request) -> Response:
    """Validate an uploaded or pasted policy and, if valid, put it in force for new cases
    (stored as a new version; the publication is an event on the public log)."""
    return await checked_form(request, _publish_policy, max_files=1)


# -- jurisdictions ---------------------------------------------------------------------------------


@router.get("/admin/jurisdictions")
def jurisdictions(request: Request) -> Response:
    """The policy's jurisdictions table: which local laws are compatible with
    international human-rights law, and why. Edited by publishing a new policy."""
    who = _who(request)
    if who is None:
        return _signin(request)
    return page(
        request,
        "admin_jurisdictions.html",
        private=True,
        path="/admin/jurisdictions",
        who=who,
        policy=get_ctx(request).policy,
    )
