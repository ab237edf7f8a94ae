"""The ``alteram`` command line (Typer). Errors exit non-zero with one clear line."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from alteram import __version__
from alteram.config import Settings
from alteram.domain.dispute import DisputeRules
from alteram.domain.panel import verify_panel
from alteram.domain.policy_file import load_default_policy, load_policy_file
from alteram.errors import (
    AlteramError,
    InvalidInput,
    PolicyInvalid,
    Unavailable,
    VerificationFailed,
)
from alteram.export import export_app
from alteram.integrations.email import mailer_from
from alteram.services import accounts, policies
from alteram.services.context import Context
from alteram.services.log import default_origin, load_or_create_signer
from alteram.services.outbox import send_pending
from alteram.services.proceedings import advance_due
from alteram.storage import migrate
from alteram.storage.store import Store

app = typer.Typer(
    help="alteram: due-process content moderation. Settings come from ALTERAM_* variables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # never print local variables (tokens) on a crash
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
policy_app = typer.Typer(help="The published standard.", no_args_is_help=True)
juror_app = typer.Typer(help="The juror pool.", no_args_is_help=True)
token_app = typer.Typer(help="Credentials for platforms and administrators.", no_args_is_help=True)
panel_app = typer.Typer(help="Panels and their verifiable draw.", no_args_is_help=True)
log_app = typer.Typer(help="The public transparency log.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (policy_app, "policy"),
    (juror_app, "juror"),
    (token_app, "token"),
    (panel_app, "panel"),
    (log_app, "log"),
):
    app.add_typer(sub, name=name)
app.add_typer(export_app, name="export")

err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def clean_errors(fn: F) -> F:
    """Turn any AlteramError into one line on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PolicyInvalid as exc:
            for problem in exc.problems:
                typer.echo(problem, err=True)
            raise typer.Exit(exc.exit_code) from None
        except AlteramError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def build_context(settings: Settings) -> Context:
    """The policy in force and a store on a database brought up to date."""
    policy = load_policy_file(settings.policy) if settings.policy else load_default_policy()
    try:
        migrate.upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        reason = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
        raise Unavailable(f"cannot use the database: {reason.strip().splitlines()[0]}") from None
    store = Store(
        settings.database_url,
        cache_mb=settings.sqlite_cache_mb,
        checkpoint_pages=settings.sqlite_checkpoint_pages,
    )
    origin = settings.log_origin or default_origin(settings.base_url)
    signer = load_or_create_signer(settings.log_key, origin)
    ctx = Context(
        store=store,
        policy=policy,
        base_url=settings.base_url,
        signer=signer,
        max_media_bytes=settings.max_media_bytes,
        max_media_pixels=settings.max_media_pixels,
        mailer=mailer_from(settings),
        disputes=DisputeRules(
            compliance_window=timedelta(days=settings.dispute_compliance_days),
            per_contact=settings.dispute_limit_per_contact,
            per_ip=settings.dispute_limit_per_ip,
        ),
    )
    policies.refresh(ctx, force=True)  # a published version overrides the file
    return ctx


def _settings_for(host: str, port: int, **overrides: Any) -> Settings:
    """Settings where notice links point at the address served, unless ALTERAM_BASE_URL says."""
    if "ALTERAM_BASE_URL" not in os.environ:
        overrides["base_url"] = f"http://{host}:{port}"
    return Settings(**overrides)


def _serve(ctx: Context, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from alteram.web.app import create_app

    web = create_app(
        ctx,
        max_body_bytes=settings.max_body_bytes,
        max_report_bytes=settings.max_report_bytes,
        tick_seconds=settings.tick_seconds,
    )
    uvicorn.run(web, host=host, port=port, log_level="info")


@app.command()
@clean_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (and apply deadlines in a timer loop)."""
    settings = _settings_for(host, port)
    _serve(build_context(settings), settings, host, port)


@app.command()
@clean_errors
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    database: Annotated[
        Path, typer.Option(help="SQLite file for the demo; recreated on every start.")
    ] = Path("alteram-demo.db"),
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after seeding.")] = True,
) -> None:
    """Seed realistic sample cases into a fresh SQLite file and serve them."""
    from alteram.demo import seed_demo

    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    settings = _settings_for(host, port, database_url=url)
    ctx = build_context(settings)
    seeded = seed_demo(ctx)
    base = settings.base_url.rstrip("/")
    lines = [
        f"alteram demo on {base}   (database: {database}, recreated on every start)",
        f"Web pages {base}/ (Persian: {base}/?lang=fa)   Public log {base}/log",
        f"API docs {base}/api/v1/docs   OpenAPI {base}/api/v1/openapi.json",
        "",
        "Tokens (send as 'Authorization: Bearer TOKEN'):",
        f"  platform forum.example   {seeded.platform_token}",
        f"  administrator            {seeded.admin_token}",
    ]
    lines += [f"  juror {jid} {name:<18} {token}" for jid, name, token in seeded.jurors]
    lines += [f"  author of {cid}    {token}" for cid, token in seeded.author_links]
    lines += [f"  a reporter of {cid} {token}" for cid, token in seeded.reporter_links]
    lines += [f"  appellant of {cid} {token}" for cid, token in seeded.appellant_links]
    lines += [f"  platform in {cid}  {token}" for cid, token in seeded.respondent_links]
    with ctx.store.read() as tx:
        seats = {jid: [s.case_id for s in tx.open_seats(jid)] for jid, _, _ in seeded.jurors}
    lines += [
        "",
        f"Juror sign-in (web pages): open a one-time link, choose a password, then sign in "
        f"at {base}/juror with the juror id and that password. Links work once, for 24 hours:",
    ]
    for jid, name, _ in seeded.jurors:
        link = accounts.issue_signin_link(ctx, jid, minutes=24 * 60)
        sits = f"   on the panel of {', '.join(seats[jid])}" if seats[jid] else ""
        lines.append(f"  {jid} {name:<18} {link}{sits}")
    lines += ["", f"Administrator: sign in at {base}/admin with the administrator token above."]
    lines += ["", "Sample cases:"]
    lines += [f"  {cid}  {state:<15} {what}" for cid, state, what in seeded.cases]
    lines += ["", "Disputes (a user against a platform's decision):"]
    lines += [f"  {cid}  {state:<15} {what}" for cid, state, what in seeded.disputes]
    lines += ["", f"Legal orders ({base}/orders):"]
    lines += [f"  {oid}  {outcome:<20} {what}" for oid, outcome, what in seeded.orders]
    first = seeded.cases[0][0]
    lines += [
        "",
        "Try:",
        f"  curl -s {base}/api/v1/cases/{first}",
        f"  curl -s {base}/api/v1/cases/{first}/ruling",
        f"  alteram panel verify {first} --url {base}",
    ]
    for line in lines:
        print(line)
    if serve_:
        _serve(ctx, settings, host, port)


@app.command()
@clean_errors
def worker(
    once: Annotated[
        bool, typer.Option(help="Apply due deadlines and send due e-mail once, then exit.")
    ] = False,
) -> None:
    """Apply due deadlines and send due e-mail notices in a loop; run as many as you
    like beside `serve`."""
    settings = Settings()
    ctx = build_context(settings)
    while True:
        changed = advance_due(ctx)
        delivery = send_pending(ctx)
        if once:
            print(f"{changed} case(s) advanced")
            if ctx.mailer.enabled:
                print(f"{delivery.sent} e-mail(s) sent, {delivery.failed} failed")
            return
        time.sleep(settings.tick_seconds)


@db_app.command("upgrade")
@clean_errors
def db_upgrade() -> None:
    """Create or migrate the database at ALTERAM_DATABASE_URL, and seal the tokens of
    notices stored in the clear by an earlier version."""
    from alteram.services.seal import seal_stored

    ctx = build_context(Settings())
    sealed = seal_stored(ctx)
    ctx.store.dispose()
    if sealed:
        err.print(f"sealed the tokens of {sealed} notice(s) stored in the clear")
    err.print("database is up to date")


@policy_app.command("publish")
@clean_errors
def policy_publish(file: Annotated[Path, typer.Argument(help="A policy YAML file.")]) -> None:
    """Validate a policy file and put it in force for new cases (logged)."""
    ctx = build_context(Settings())
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file}: {exc}", field="file") from None
    policy = policies.publish(ctx, text, source=str(file), by="alteram policy publish")
    print(f"published: {policy.title} version {policy.version}, in force for new cases")


@policy_app.command("check")
@clean_errors
def policy_check(file: Annotated[Path, typer.Argument(help="A policy YAML file.")]) -> None:
    """Validate a policy file; print each problem as file:line: path: message."""
    policy = load_policy_file(file)
    print(f"OK: {policy.title} version {policy.version}")


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@juror_app.command("add")
@clean_errors
def juror_add(
    name: Annotated[str, typer.Argument(help="The juror's name (kept private).")],
    languages: Annotated[str, typer.Option(help="Languages read, e.g. fa,en.")],
    conflicts: Annotated[
        str | None, typer.Option(help="Handles or domains the juror must not judge.")
    ] = None,
    handles: Annotated[str | None, typer.Option(help="The juror's own accounts.")] = None,
    link: Annotated[
        bool, typer.Option("--link", help="Also print a one-time sign-in link.")
    ] = False,
) -> None:
    """Add a juror; prints the juror's API token on stdout (shown once) and, with --link,
    a one-time sign-in link for the web pages on the next line."""
    ctx = build_context(Settings())
    juror, token = accounts.add_juror(ctx, name, _csv(languages), _csv(conflicts), _csv(handles))
    err.print(f"juror {juror.id} added; the token below is shown once")
    print(token)
    if link:
        err.print(
            f"then a one-time sign-in link (valid {accounts.LINK_MINUTES} minutes) "
            "where the juror sets a password"
        )
        print(accounts.issue_signin_link(ctx, juror.id))


@juror_app.command("list")
@clean_errors
def juror_list() -> None:
    """The juror pool: one line per juror (id, active or not, languages, open seats)."""
    ctx = build_context(Settings())
    with ctx.store.read() as tx:
        rows = [(j, len(tx.open_seats(j.id))) for j in tx.jurors()]
    ctx.store.dispose()
    for juror, seats in rows:
        state = "active" if juror.active else "inactive"
        print(
            f"{juror.id}\t{state}\t{','.join(juror.languages)}\t{seats} open seat(s)\t{juror.name}"
        )
    err.print(f"{sum(j.active for j, _ in rows)} of {len(rows)} juror(s) active")


@juror_app.command("link")
@clean_errors
def juror_link(
    juror_id: Annotated[str, typer.Argument(help="The juror's public id.")],
    minutes: Annotated[
        int, typer.Option(help="How long the link works (it works once).")
    ] = accounts.LINK_MINUTES,
) -> None:
    """Issue a one-time sign-in link where the juror sets (or resets) a password."""
    ctx = build_context(Settings())
    link = accounts.issue_signin_link(ctx, juror_id, minutes)
    err.print(f"one-time sign-in link for juror {juror_id}, valid {minutes} minutes:")
    print(link)


def _set_active(juror_id: str, active: bool) -> None:
    ctx = build_context(Settings())
    changed = accounts.set_juror_active(ctx, juror_id, active)
    done = "reactivated" if active else "deactivated"
    if changed:
        err.print(f"juror {juror_id} {done} (juror_{done} is on the log)")
    else:
        err.print(f"juror {juror_id} is already {'active' if active else 'inactive'}")


@juror_app.command("deactivate")
@clean_errors
def juror_deactivate(
    juror_id: Annotated[str, typer.Argument(help="The juror's public id.")],
) -> None:
    """Take a juror out of future draws; the seats they hold stay theirs."""
    _set_active(juror_id, False)


@juror_app.command("activate")
@clean_errors
def juror_activate(
    juror_id: Annotated[str, typer.Argument(help="The juror's public id.")],
) -> None:
    """Put a deactivated juror back in the pool for future draws."""
    _set_active(juror_id, True)


@token_app.command("revoke")
@clean_errors
def token_revoke(
    token_id: Annotated[
        str | None,
        typer.Argument(help="A token's id (first 16 hex digits of its SHA-256, on /admin)."),
    ] = None,
    platform: Annotated[
        str | None, typer.Option(help="Revoke every token of this platform id.")
    ] = None,
    juror: Annotated[
        str | None,
        typer.Option(help="Revoke every token, the password and sign-in links of this juror."),
    ] = None,
) -> None:
    """Revoke tokens at once; each revocation is a tokens_revoked event on the log."""
    if sum(x is not None for x in (token_id, platform, juror)) != 1:
        typer.echo("error: give exactly one of TOKEN_ID, --platform ID or --juror ID", err=True)
        raise typer.Exit(2)
    ctx = build_context(Settings())
    if token_id is not None:
        kind, holder = accounts.revoke_token(ctx, token_id)
        print(f"revoked token {token_id} of {kind} {holder}")
    else:
        kind = accounts.PLATFORM if platform else accounts.JUROR
        holder = platform or juror or ""
        n = accounts.revoke_all(ctx, kind, holder)
        print(f"revoked {n} token(s) of {kind} {holder}")


@token_app.command("create")
@clean_errors
def token_create(
    platform: Annotated[str | None, typer.Option(help="Create a platform token.")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="Create an admin token.")] = False,
    authority: Annotated[
        str | None,
        typer.Option(help="Create a token for an issuing authority (court or government body)."),
    ] = None,
    jurisdiction: Annotated[
        str | None,
        typer.Option(help="With --authority: its jurisdiction, a code of the policy's table."),
    ] = None,
) -> None:
    """Create a platform, authority or admin token; prints it on stdout (shown once)."""
    if sum((bool(platform), admin, bool(authority))) != 1:
        typer.echo(
            "error: give exactly one of --platform NAME, --authority NAME or --admin", err=True
        )
        raise typer.Exit(2)
    if bool(authority) != bool(jurisdiction):
        typer.echo("error: --authority NAME needs --jurisdiction CC (and only it)", err=True)
        raise typer.Exit(2)
    ctx = build_context(Settings())
    if platform:
        platform_id, token = accounts.create_platform(ctx, platform)
        err.print(f"platform {platform_id} ({platform}); the token below is shown once")
    elif authority and jurisdiction:
        authority_id, token = accounts.create_authority(ctx, authority, jurisdiction)
        err.print(
            f"authority {authority_id} ({authority}, {jurisdiction.upper()}); "
            "the token below is shown once"
        )
    else:
        token = accounts.create_admin_token(ctx)
        err.print("admin token; shown once")
    print(token)


@panel_app.command("verify")
@clean_errors
def panel_verify(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    url: Annotated[str, typer.Option(help="Base URL of an alteram instance.")] = (
        "http://127.0.0.1:8000"
    ),
    pool: Annotated[
        bool,
        typer.Option(
            "--pool", help="Also check each draw's eligible jurors against the pool on the log."
        ),
    ] = False,
) -> None:
    """Recompute every panel draw of a case from its public inputs, and the draw of each
    juror who replaced one who recused; with --pool, read the whole public log and check
    that every eligible juror was in the pool at the draw."""
    try:
        resp = httpx.get(f"{url.rstrip('/')}/api/v1/cases/{case_id}", timeout=30)
    except httpx.HTTPError as exc:
        raise VerificationFailed(f"cannot fetch the case from {url}: {exc}") from None
    if resp.status_code != 200:
        raise VerificationFailed(f"{url} answered {resp.status_code} for case {case_id}")
    panels = resp.json().get("panels", [])
    if not panels:
        raise VerificationFailed(f"case {case_id} has no panel drawn yet")
    failed = False
    for p in panels:
        replacements = p.get("replacements") or []
        problems = verify_panel(
            case_id,
            p["round"],
            p["opening_event_hash"],
            p["eligible"],
            p["chosen"],
            p["seed"],
            replacements,
        )
        label = f"round {p['round']}: {len(p['chosen'])} of {len(p['eligible'])} eligible"
        if replacements:
            label += ", " + ", ".join(
                f"{r['recused']} recused, replaced by {r['chosen']} "
                f"(1 of {len(r['eligible'])} eligible)"
                for r in replacements
            )
        if problems:
            failed = True
            print(f"MISMATCH {label}: " + "; ".join(problems))
        else:
            print(f"OK {label}: chosen {', '.join(p['chosen'])}")
    if pool:
        failed = _check_pool(url, case_id) or failed
    if failed:
        raise VerificationFailed(f"the panel draw of case {case_id} does not match its inputs")


def _check_pool(url: str, case_id: str) -> bool:
    """Print what the log says of the pool at each draw of the case; True on a mismatch.
    Reads the log up to its latest signed checkpoint, as ``alteram log verify`` does."""
    import json

    from alteram import poolcheck
    from alteram.logcheck import http_source
    from alteram.tlog import Verifier, verify_checkpoint

    source = http_source(url, None)
    try:
        signed = verify_checkpoint(source.note, Verifier.from_key_string(source.key))
        records = [json.loads(leaf) for _, leaf in source.entries(signed.size)]
    finally:
        source.close()
    failed = False
    for draw in poolcheck.pools_at_draws(records, case_id):
        found = poolcheck.check(draw)
        label = f"POOL round {draw.round} ({draw.type}): {len(draw.eligible)} eligible"
        if found.out_of_pool:
            failed = True
            print(f"MISMATCH {label}: out of the pool at the draw: {', '.join(found.out_of_pool)}")
        else:
            print(
                f"OK {label} were in the pool; {found.not_eligible} more in the pool were "
                "not eligible (parties, conflicts, language)"
            )
        if found.unknown:
            print(
                f"NOTE {label}: not on the pool record: {', '.join(found.unknown)} "
                "(added before pool changes were logged, or never added)"
            )
    return failed


@log_app.command("verify")
@clean_errors
def log_verify(
    source: Annotated[
        str,
        typer.Argument(
            help="URL of a running alteram, or a database URL (sqlite:///…, postgresql://…)."
        ),
    ],
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="An earlier checkpoint you saved: the log must have only grown since."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(help="The verifier key to trust (required for a database source)."),
    ] = None,
    save: Annotated[
        Path | None, typer.Option(help="Write the verified checkpoint here, for next time.")
    ] = None,
) -> None:
    """Recompute the whole log and check it against its signed checkpoint."""
    from rich.progress import Progress

    from alteram.logcheck import db_source, http_source, verify_log

    web = source.startswith(("http://", "https://"))
    src = http_source(source, key) if web else db_source(source, key)
    earlier = checkpoint.read_text() if checkpoint else None
    try:
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("verifying entries", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            cp = verify_log(src, earlier, progress)
    finally:
        src.close()
    if save is not None:
        save.write_text(src.note)
    since = f"; consistent with the saved checkpoint {checkpoint}" if checkpoint else ""
    print(f"OK: log {cp.origin} has {cp.size} entries, root {cp.root.hex()}{since}")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
