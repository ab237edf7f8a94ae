"""``alteram export``: the public record as files.

``export sor``
    One EU DSA statement of reasons per **restrictive** decision, with the field
    names and allowed values of the DSA Transparency Database API, as a JSON
    array or CSV. ``src/alteram/schemas/dsa_sor.schema.json`` describes one
    statement (and says where its values come from); the tests validate every
    exported statement against it.
``export jsonl``
    Every entry of the public transparency log, in log order, one per line:
    line *n* (from 0) is leaf *n* byte for byte, so SHA-256(0x00 ‖ line) is its
    RFC 9162 leaf hash.

Both stream: they read pages of ``PAGE`` rows and write as they go, never
holding the whole export in memory, and show a progress bar on stderr when it
is a terminal (``--quiet`` hides it). ``--output FILE`` is written as
``FILE.partial`` and renamed when complete, so a failed export leaves no
half-written ``FILE``.

A decision is restrictive (:func:`restriction`) when some restriction of the
content followed from the case: its latest ruling orders a remedy other than
``no_action``; or an earlier ruling did and the appeal lifted it (the statement
then carries the end date); or an interim measure was applied. One decision
gives at most one statement, about the restriction in that order.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from alteram.domain.case import Case, CaseMode
from alteram.domain.policy import Policy
from alteram.domain.remedy import Remedy
from alteram.domain.ruling import Ruling
from alteram.errors import AlteramError, InvalidInput
from alteram.services.context import Context
from alteram.storage import decisions as store

PAGE = 1000

# -- alteram → DSA Transparency Database values: the one mapping table --------------------
#
# Remedies become `decision_visibility` (alteram restricts only the visibility of the
# content; never money, service or account). A context note is not a label in the
# database's sense (the content is shown as it is, with context beside it), so it is
# DECISION_VISIBILITY_OTHER with the explanation in `decision_visibility_other`. A
# geo-restriction disables access in the named jurisdictions only (`territorial_scope`).
#
# Categories become `category` (the API v2 list, in force since 1 July 2025); the other
# categories reported on the case go to `category_addition`. A category of an operator's
# own policy that is not listed here becomes STATEMENT_CATEGORY_OTHER_VIOLATION_TC.

OTHER = "DECISION_VISIBILITY_OTHER"
VISIBILITY: dict[Remedy, tuple[str, str | None]] = {
    Remedy.CONTEXT_NOTE: (
        OTHER,
        "A context note is shown beside the content, which stays visible.",
    ),
    Remedy.LABEL: ("DECISION_VISIBILITY_CONTENT_LABELLED", None),
    Remedy.REDUCED_DISTRIBUTION: ("DECISION_VISIBILITY_CONTENT_DEMOTED", None),
    Remedy.AGE_GATE: ("DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED", None),
    Remedy.GEO_RESTRICTION: ("DECISION_VISIBILITY_CONTENT_DISABLED", None),
    Remedy.REMOVAL: ("DECISION_VISIBILITY_CONTENT_REMOVED", None),
}
CATEGORY: dict[str, str] = {
    "incitement": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "threat": "STATEMENT_CATEGORY_VIOLENCE",
    "privacy": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "child_sexual_abuse": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "harassment": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "defamation": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "spam": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
}
CATEGORY_OTHER = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"

# `territorial_scope` takes EU/EEA country codes only (Greece is GR).
# fmt: off
EEA = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
    "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU",
    "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)
# fmt: on

ILLEGAL = "DECISION_GROUND_ILLEGAL_CONTENT"
INCOMPATIBLE = "DECISION_GROUND_INCOMPATIBLE_CONTENT"

# Every field a statement may carry, in the order of the CSV columns.
FIELDS = (
    "puid",
    "decision_visibility",
    "decision_visibility_other",
    "end_date_visibility_restriction",
    "decision_ground",
    "decision_ground_reference_url",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "category",
    "category_addition",
    "content_type",
    "content_type_other",
    "content_language",
    "content_date",
    "territorial_scope",
    "application_date",
    "decision_facts",
    "source_type",
    "automated_detection",
    "automated_decision",
)


@dataclass(frozen=True)
class Restriction:
    """What restricted the content, from when to when (``ended`` ``None``: still in force)."""

    remedy: Remedy
    jurisdictions: list[str]
    started: datetime
    ended: datetime | None
    ruling: Ruling | None  # None for an interim measure


def restriction(case: Case) -> Restriction | None:
    """The restriction a statement of reasons describes, or ``None`` if there was none."""
    if not case.rulings:
        return None
    latest = case.rulings[-1]
    if latest.remedy is not Remedy.NO_ACTION:
        return Restriction(
            latest.remedy, list(latest.jurisdictions), latest.issued_at, None, latest
        )
    for earlier in reversed(case.rulings[:-1]):
        if earlier.remedy is not Remedy.NO_ACTION:
            return Restriction(
                earlier.remedy,
                list(earlier.jurisdictions),
                earlier.issued_at,
                latest.issued_at,
                earlier,
            )
    if case.interim is not None:
        i = case.interim
        return Restriction(i.remedy, [], i.applied_at, i.ended_at, None)
    return None


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _day(at: datetime) -> str:
    return at.date().isoformat()


def _title(policy: Policy, category_id: str) -> str:
    found = [c for c in policy.categories if c.id == category_id]
    return found[0].title if found else category_id


def _law_title(policy: Policy, code: str, law_id: str) -> str:
    try:
        return f"{policy.law(code, law_id).title} ({code})"
    except InvalidInput:  # the policy in force no longer lists it
        return f"{law_id} ({code})"


def _content(case: Case) -> dict[str, Any]:
    types: list[str] = []
    other: list[str] = []
    if case.content.text:
        types.append("CONTENT_TYPE_TEXT")
    if case.content.media:
        other.append("media files, kept by alteram as evidence by their SHA-256")
    if not types and not other:
        other.append("the content at its URL; alteram kept no copy")
    out: dict[str, Any] = {"content_type": types + (["CONTENT_TYPE_OTHER"] if other else [])}
    if other:
        out["content_type_other"] = _cut("; ".join(other), 500)
    lang = (case.content.language or "").split("-")[0]
    if re.fullmatch(r"[a-z]{2}", lang):
        out["content_language"] = lang.upper()
    return out


def _ground(case: Case, r: Restriction, policy: Policy) -> dict[str, Any]:
    title = _title(policy, case.category)
    if r.ruling is None:  # an interim measure
        assert case.interim is not None
        interim_title = _title(policy, case.interim.category)
        return {
            "decision_ground": INCOMPATIBLE,
            "incompatible_content_ground": _cut(
                f"alteram policy {case.policy_version}, emergency category {interim_title}: "
                "an interim measure until a panel reviews the case",
                500,
            ),
            "incompatible_content_explanation": _cut(
                f"The policy marks the category {interim_title} as an emergency (imminent "
                "harm that cannot wait for the hearing), so its interim remedy applies from "
                "filing until a panel rules or the review deadline passes.",
                2000,
            ),
        }
    laws = [
        _law_title(policy, c.jurisdiction, c.law_id)
        for c in case.cited_laws
        if c.compatible and c.jurisdiction in r.jurisdictions
    ]
    if r.remedy is Remedy.GEO_RESTRICTION and laws:
        return {
            "decision_ground": ILLEGAL,
            "illegal_content_legal_ground": _cut("; ".join(laws), 500),
            "illegal_content_explanation": _cut(r.ruling.statement.ground, 2000),
        }
    rules = ", ".join(r.ruling.rules) or "none cited"
    return {
        "decision_ground": INCOMPATIBLE,
        "incompatible_content_ground": _cut(
            f"alteram policy {r.ruling.policy_version}, category {title}, rules {rules}", 500
        ),
        "incompatible_content_explanation": _cut(r.ruling.statement.ground, 2000),
    }


def _facts(case: Case, r: Restriction, policy: Policy) -> str:
    parts: list[str] = []
    if r.ruling is not None:
        s = r.ruling.statement
        parts += [s.decision, s.facts_and_circumstances, s.how_decided]
        if r.ended is not None:
            lifted = case.rulings[-1]
            parts.append(f"On appeal, on {_day(lifted.issued_at)}: {lifted.statement.decision}")
        elif r.ruling.round > 1 and case.rulings[0].remedy is not Remedy.NO_ACTION:
            first = case.rulings[0]
            parts.append(
                f"This appeal ruling replaced the remedy of the first ruling of "
                f"{_day(first.issued_at)} ({first.remedy.value})."
            )
        if case.interim is not None:
            parts.append(
                f"An interim measure ({case.interim.remedy.value}) applied from "
                f"{_day(case.interim.applied_at)} preceded the ruling."
            )
    else:
        assert case.interim is not None
        i = case.interim
        title = _title(policy, i.category)
        parts.append(
            f"Interim measure ({i.remedy.value}) applied when the case was filed under the "
            f"emergency category {title}, to last until a panel reviews it "
            f"(deadline {i.expires_at.isoformat()})."
        )
        if i.ended_at is not None:
            how = "a panel's ruling" if i.end_reason == "ruling" else "its review deadline"
            parts.append(f"It ended on {_day(i.ended_at)} by {how}.")
        if case.rulings:
            parts.append(f"The ruling: {case.rulings[-1].statement.decision}")
    return _cut(" ".join(p for p in parts if p), 5000)


def statement(case: Case, policy: Policy, base_url: str) -> dict[str, Any] | None:
    """The DSA statement of reasons of a decided case, or ``None`` if it restricted nothing."""
    r = restriction(case)
    if r is None:
        return None
    visibility, other = VISIBILITY[r.remedy]
    kind = f"r{r.ruling.round}" if r.ruling is not None else "interim"
    category = CATEGORY.get(case.category, CATEGORY_OTHER)
    additions = [CATEGORY.get(c, CATEGORY_OTHER) for c in case.categories]
    scope = sorted(set(r.jurisdictions) & set(EEA)) if r.jurisdictions else list(EEA)
    out: dict[str, Any] = {
        "puid": re.sub(r"[^A-Za-z0-9_-]", "_", f"alteram-{case.id}-{kind}"),
        "decision_visibility": [visibility],
    }
    if other is not None:
        out["decision_visibility_other"] = other
    if r.ended is not None:
        out["end_date_visibility_restriction"] = _day(r.ended)
    out |= _ground(case, r, policy)
    out["decision_ground_reference_url"] = f"{base_url.rstrip('/')}/api/v1/policy"
    out["category"] = category
    if extra := sorted(set(additions) - {category}):
        out["category_addition"] = extra
    out |= _content(case)
    out |= {
        # alteram does not know when the content was posted; it existed by the first report.
        "content_date": _day(case.opened_at),
        "territorial_scope": scope,
        "application_date": _day(r.started),
        "decision_facts": _facts(case, r, policy),
        # A report citing a law is a notice of illegal content (DSA Art. 16); other
        # reports are notices under the platform's terms.
        # A legal order (docs/orders.md) is not an Art. 16 notice: another notification.
        "source_type": "SOURCE_ARTICLE_16"
        if case.cited_laws and case.mode is not CaseMode.ORDER
        else "SOURCE_TYPE_OTHER_NOTIFICATION",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    }
    return {k: out[k] for k in FIELDS if k in out}


# -- streaming --------------------------------------------------------------------------

Tick = Callable[[int], None]


def _no_tick(_: int) -> None:
    return None


def statements(ctx: Context, tick: Tick = _no_tick, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every statement of reasons, oldest decision first, read ``page`` decisions at a time
    (one short transaction per page); ``tick(n)`` after each page of ``n`` decisions."""
    after: tuple[datetime, str] | None = None
    while True:
        with ctx.store.transaction() as tx:
            rows = store.with_cases(tx.conn, after, page)
        for _, case in rows:
            s = statement(case, ctx.policy, ctx.base_url)
            if s is not None:
                yield s
        tick(len(rows))
        if len(rows) < page:
            return
        last = rows[-1][0]
        after = (last["ruled_at"], last["case_id"])


def log_lines(ctx: Context, tick: Tick = _no_tick, page: int = PAGE) -> Iterator[bytes]:
    """Every leaf of the log as it stood when the export began, in order."""
    with ctx.store.transaction() as tx:
        size = tx.log.size()
    for start in range(0, size, page):
        with ctx.store.transaction() as tx:
            entries = tx.log.entries(start, min(start + page, size))
        for _, leaf in entries:
            yield leaf
        tick(len(entries))


def csv_cell(value: Any) -> str:
    """Lists as JSON arrays (as the Transparency Database's own CSV files hold them)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write_json(items: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    """A JSON array, written one statement at a time."""
    n = 0
    out.write(b"[")
    for item in items:
        out.write(b",\n" if n else b"\n")
        out.write(json.dumps(item, ensure_ascii=False).encode())
        n += 1
    out.write(b"\n]\n" if n else b"]\n")
    return n


def write_csv(items: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> None:
        out.write(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()

    writer.writerow(FIELDS)
    flush()
    n = 0
    for item in items:
        writer.writerow([csv_cell(item.get(f)) for f in FIELDS])
        flush()
        n += 1
    return n


def write_lines(lines: Iterator[bytes], out: IO[bytes]) -> int:
    n = 0
    for line in lines:
        out.write(line + b"\n")
        n += 1
    return n


# -- the commands -------------------------------------------------------------------------

export_app = typer.Typer(
    help="The public record as files: DSA statements of reasons, the log as JSON lines.",
    no_args_is_help=True,
)
err = Console(stderr=True)


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


OutputOption = Annotated[
    Path | None,
    typer.Option("--output", help="Write to FILE (via FILE.partial) instead of stdout."),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", help="No progress bar and no summary on stderr.")
]


def _context() -> Context:
    from alteram.cli import build_context  # here, not at the top: cli imports this module
    from alteram.config import Settings

    return build_context(Settings())


@contextmanager
def _sink(output: Path | None) -> Iterator[IO[bytes]]:
    if output is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    partial = output.with_name(output.name + ".partial")
    try:
        f = partial.open("wb")
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}", field="output") from None
    try:
        with f:
            yield f
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _progress(label: str, total: int, quiet: bool) -> Iterator[Tick]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _run(fn: Callable[[], tuple[int, str]], quiet: bool) -> None:
    try:
        n, what = fn()
    except AlteramError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
    if not quiet:
        err.print(f"{n} {what}", highlight=False)


@export_app.command("sor")
def export_sor(
    format_: Annotated[
        Format, typer.Option("--format", help="json: one JSON array; csv: one row each.")
    ] = Format.JSON,
    output: OutputOption = None,
    quiet: QuietOption = False,
) -> None:
    """DSA statements of reasons, one per restrictive decision (Transparency Database fields)."""

    def run() -> tuple[int, str]:
        ctx = _context()
        try:
            with ctx.store.transaction() as tx:
                total = store.count(tx.conn)
            with _progress("decisions", total, quiet) as tick, _sink(output) as out:
                write = write_csv if format_ is Format.CSV else write_json
                n = write(statements(ctx, tick), out)
        finally:
            ctx.store.dispose()
        return n, f"statement(s) of reasons from {total} decision(s)"

    _run(run, quiet)


@export_app.command("jsonl")
def export_jsonl(output: OutputOption = None, quiet: QuietOption = False) -> None:
    """Every log entry's public record, one JSON per line, in log order."""

    def run() -> tuple[int, str]:
        ctx = _context()
        try:
            with ctx.store.transaction() as tx:
                total = tx.log.size()
            with _progress("log entries", total, quiet) as tick, _sink(output) as out:
                n = write_lines(log_lines(ctx, tick), out)
        finally:
            ctx.store.dispose()
        return n, "log entries"

    _run(run, quiet)


@export_app.command("site")
def export_site(
    dir: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write the site.")],
    quiet: QuietOption = False,
) -> None:
    """The public record as a static website in English and Persian (works from file://)."""

    def run() -> tuple[int, str]:
        from alteram import site

        ctx = _context()
        try:
            with _progress("pages", site.count_files(ctx), quiet) as tick:
                n = site.export_site(ctx, dir, tick)
        finally:
            ctx.store.dispose()
        return n, f"files written to {dir}"

    _run(run, quiet)
