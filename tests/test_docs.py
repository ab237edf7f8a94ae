"""The documentation covers what the code offers.

Fails when a CLI command or option, an API route, a setting, an error code, a
request or ballot field, a case state or a remedy is missing from the docs;
when the settings table in docs/configuration.md is not the one the code
generates; when a relative link or anchor in the docs points nowhere; and when
the panel-draw algorithm or its worked example in docs/panel-draw.md disagrees
with the code.

Run ``python tests/test_docs.py`` to regenerate the settings table.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main
from pydantic import BaseModel

from alteram import errors
from alteram.cli import app as cli_app
from alteram.config import settings_table
from alteram.domain.case import CaseState
from alteram.domain.events import ReplyWindowClosed, event_hash
from alteram.domain.panel import draw, draw_seed
from alteram.domain.policy_file import load_default_policy
from alteram.domain.remedy import Remedy
from alteram.domain.ruling import StatementOfReasons
from alteram.domain.standing_panel import StandingVote
from alteram.domain.vote import Ballot
from alteram.services.context import Context
from alteram.services.disputes import ComplianceRequest, DisputeRequest, ResponseRequest
from alteram.services.reports import ReportRequest
from alteram.storage.store import Store
from alteram.web import api
from alteram.web.api import AppealRequest, RecusalRequest, ReplyRequest
from alteram.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
TABLE_START = "<!-- settings-table:start"
TABLE_END = "<!-- settings-table:end -->"


def read(path: Path) -> str:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


# -- README and CHANGELOG ------------------------------------------------------------


def test_readme_names_the_two_commands() -> None:
    text = read(README)
    for command in ("make run", "make test"):
        assert command in text, f"README.md does not mention `{command}`"


def test_changelog_has_an_unreleased_section() -> None:
    assert "## [Unreleased]" in read(ROOT / "CHANGELOG.md")


# -- the CLI -------------------------------------------------------------------------


def walk_commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every command path of the Typer app, groups included, with its click command."""
    yield path, command
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from walk_commands(sub, f"{path} {name}")


COMMANDS = list(walk_commands(typer.main.get_command(cli_app), "alteram"))
LEAVES = [(p, c) for p, c in COMMANDS if not getattr(c, "commands", None)]


def section(text: str, heading: str) -> str:
    """The body under a ``## heading`` up to the next heading of level 1 or 2."""
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^#{{1,2}} |\Z)", text, re.M | re.S)
    assert match, f"docs/cli.md has no section '## {heading}'"
    return match.group(1)


def test_cli_walk_finds_the_commands() -> None:
    paths = {p for p, _ in LEAVES}
    assert {"alteram juror add", "alteram panel verify", "alteram serve"} <= paths


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_every_command_path_is_in_cli_md(path: str) -> None:
    assert path in read(DOCS / "cli.md"), f"docs/cli.md does not mention `{path}`"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_option_and_argument_is_documented_in_its_section(path: str, command: Any) -> None:
    body = section(read(DOCS / "cli.md"), f"`{path}`")
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option":
            for opt in [*param.opts, *param.secondary_opts]:
                assert opt in body, f"docs/cli.md, section `{path}`, does not mention {opt}"
        else:
            name = param.name.upper()
            assert name in body, f"docs/cli.md, section `{path}`, does not mention {name}"


# -- the API -------------------------------------------------------------------------


def flatten(routes: list[Any]) -> Iterator[Any]:
    """Routes with a path; included routers (however FastAPI nests them) opened up."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from flatten(list(inner.routes))
        elif getattr(route, "path", None) is not None:
            yield route


@pytest.fixture(scope="module")
def api_entries(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """``(method, path)`` of every route under /api/v1 (method ``""`` for a mount)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('docs') / 'routes.db'}"
    store = Store(url)
    try:
        web = create_app(Context(store=store, policy=load_default_policy()))
        entries: set[tuple[str, str]] = set()
        for route in [*flatten(list(web.routes)), *flatten(list(api.router.routes))]:
            methods = getattr(route, "methods", None) or {""}
            entries |= {(m, route.path) for m in methods if m != "HEAD"}
        for path, operations in web.openapi()["paths"].items():
            entries |= {(m.upper(), path) for m in operations}
    finally:
        store.dispose()
    return {(m, p) for m, p in entries if p.startswith("/api/v1")}


def test_every_api_route_is_in_api_md(api_entries: set[tuple[str, str]]) -> None:
    text = read(DOCS / "api.md")
    assert ("POST", "/api/v1/cases/{case_id}/votes") in api_entries
    for method, path in sorted(api_entries):
        assert path in text, f"docs/api.md does not mention {path}"
        if method:
            assert f"{method} {path}" in text, f"docs/api.md does not mention `{method} {path}`"


def error_classes() -> list[type[errors.AlteramError]]:
    found: list[type[errors.AlteramError]] = []
    todo: list[type[errors.AlteramError]] = [errors.AlteramError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return [c for c in found if c.__module__ == errors.__name__]


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.code)
def test_every_error_code_is_in_the_api_error_table(cls: type[errors.AlteramError]) -> None:
    rows = [line for line in read(DOCS / "api.md").splitlines() if line.startswith("| `")]
    row = next((r for r in rows if r.startswith(f"| `{cls.code}` |")), None)
    assert row is not None, f"docs/api.md has no row for error code `{cls.code}`"
    assert f"| {cls.status} |" in row, f"docs/api.md: `{cls.code}` is HTTP {cls.status}"
    assert f"| {cls.exit_code} |" in row, f"docs/api.md: `{cls.code}` exits {cls.exit_code}"


def field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from field_paths(kind, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}"


@pytest.mark.parametrize(
    "model",
    [
        ReportRequest,
        ReplyRequest,
        AppealRequest,
        RecusalRequest,
        Ballot,
        StatementOfReasons,
        DisputeRequest,
        ResponseRequest,
        ComplianceRequest,
        StandingVote,
    ],
)
def test_every_request_and_ballot_field_is_in_api_md(model: type[BaseModel]) -> None:
    text = read(DOCS / "api.md")
    for path in field_paths(model):
        assert f"`{path}`" in text or f'"{path}"' in text, (
            f"docs/api.md lacks {model.__name__}.{path}"
        )


def test_every_state_and_remedy_is_in_api_md() -> None:
    text = read(DOCS / "api.md")
    for value in [*(s.value for s in CaseState), *(r.value for r in Remedy)]:
        assert f"`{value}`" in text, f"docs/api.md does not mention `{value}`"


# -- configuration -------------------------------------------------------------------


def settings_markdown() -> str:
    """The settings table, generated from :func:`alteram.config.settings_table`."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for env, default, help_ in settings_table():
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            value = default
        shown = "*(unset)*" if value is None else f"`{value}`"
        lines.append(f"| `{env}` | {shown} | {help_} |")
    return "\n".join(lines)


def table_in_docs(text: str) -> str:
    start = text.index(TABLE_START)
    start = text.index("\n", start) + 1
    return text[start : text.index(TABLE_END, start)].strip()


def test_every_setting_is_in_configuration_md() -> None:
    text = read(DOCS / "configuration.md")
    for env, _, _ in settings_table():
        assert env in text, f"docs/configuration.md does not mention {env}"


def test_settings_table_is_the_generated_one() -> None:
    assert table_in_docs(read(DOCS / "configuration.md")) == settings_markdown(), (
        "docs/configuration.md's settings table is stale: run `python tests/test_docs.py`"
    )


# -- links ---------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = unicodedata.normalize("NFKC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    body = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+?)\s*$", body, re.M)}


DOC_FILES = [README, ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_and_anchors_resolve(doc: Path) -> None:
    text = read(doc)
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", prose):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (doc.parent / file_part).resolve() if file_part else doc
        assert linked.exists(), f"{doc.name}: link to missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(read(linked)), f"{doc.name}: no anchor #{anchor} in {target}"


# -- the panel draw ------------------------------------------------------------------


def doc_draw_function() -> Any:
    """The ``draw`` function of the stand-alone script in docs/panel-draw.md."""
    text = read(DOCS / "panel-draw.md")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code, "docs/panel-draw.md has no Python script"
    definitions = code.group(1).split("\nbase, case_id =")[0]
    namespace: dict[str, Any] = {}
    exec(compile(definitions, "docs/panel-draw.md", "exec"), namespace)
    return namespace["draw"]


def test_the_documented_script_draws_what_the_code_draws() -> None:
    doc_draw = doc_draw_function()
    eligible = [f"j{i:012x}" for i in range(0, 400, 7)]
    for round_, k in ((1, 3), (2, 5)):
        for case_id in ("c9c681601b271", "c000000000001", "cé-ünïcode"):
            opening = event_hash(
                ReplyWindowClosed(case_id=case_id, at=datetime(2026, 1, 1, tzinfo=UTC), reason="x")
            )
            expected = draw(case_id, round_, opening, eligible, k)
            assert tuple(doc_draw(case_id, round_, opening, eligible, k)) == expected


def test_the_worked_example_matches_the_code() -> None:
    text = read(DOCS / "panel-draw.md")
    event = ReplyWindowClosed(
        case_id="c9c681601b271",
        at=datetime(2026, 11, 24, 12, 45, 23, 528498, tzinfo=UTC),
        reason="replied",
    )
    opening = event_hash(event)
    seed = draw_seed("c9c681601b271", 1, opening).hex()
    eligible = re.findall(r"^\| `(j[0-9a-f]{12})` \|", text, re.M)
    assert len(eligible) == 9
    _, chosen = draw("c9c681601b271", 1, opening, eligible, 3)
    for value in (opening, seed, *chosen):
        assert value in text, f"docs/panel-draw.md should show {value}"
    assert f"chosen = {chosen!r}".replace("'", '"') in text.replace("`", "")


if __name__ == "__main__":
    target = DOCS / "configuration.md"
    content = target.read_text(encoding="utf-8")
    old = table_in_docs(content)
    target.write_text(content.replace(old, settings_markdown()), encoding="utf-8")
    print(f"wrote the settings table in {target.relative_to(ROOT)}")
