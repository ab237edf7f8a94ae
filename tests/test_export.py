"""`alteram export sor` and `alteram export jsonl`, on every storage backend.

Every exported statement of reasons is validated against the JSON Schema kept in
src/alteram/schemas/dsa_sor.schema.json (the DSA Transparency Database API's
fields and values).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

import alteram
import factories
from alteram import export
from alteram.cli import app
from alteram.domain.case import Case
from alteram.domain.remedy import Remedy
from alteram.domain.vote import Ballot
from alteram.services.context import Context
from alteram.storage import decisions as store
from conftest import FakeClock
from factories import T0
from record_scenario import H, Record, build

SCHEMA_PATH = Path(alteram.__file__).parent / "schemas" / "dsa_sor.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
runner = CliRunner()


@pytest.fixture
def record(ctx: Context, clock: FakeClock) -> Record:
    return build(ctx, clock)


@pytest.fixture
def env(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI on the test's database, with notice links like the ``ctx`` fixture's."""
    monkeypatch.setenv("ALTERAM_DATABASE_URL", store_url)
    monkeypatch.setenv("ALTERAM_LOG_KEY", str(tmp_path / "log.key"))
    monkeypatch.setenv("ALTERAM_BASE_URL", "https://alteram.test")
    monkeypatch.delenv("ALTERAM_POLICY", raising=False)


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["export", *args])
    return result.exit_code, result.stdout, result.stderr


def puid(record: Record, key: str, kind: str) -> str:
    return f"alteram-{record.ids[key]}-{kind}"


def validate(statement: dict[str, Any]) -> None:
    errors = sorted(VALIDATOR.iter_errors(statement), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


# -- the schema ---------------------------------------------------------------------------


def test_the_schema_is_valid_and_says_where_it_comes_from() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert "transparency.dsa.ec.europa.eu/page/api-documentation" in SCHEMA["$comment"]
    assert "consulted on" in SCHEMA["$comment"]
    assert set(SCHEMA["properties"]) == set(export.FIELDS)


def test_the_mapping_table_uses_only_allowed_values() -> None:
    props = SCHEMA["properties"]
    for visibility, _ in export.VISIBILITY.values():
        assert visibility in props["decision_visibility"]["items"]["enum"]
    for category in [*export.CATEGORY.values(), export.CATEGORY_OTHER]:
        assert category in props["category"]["enum"]
    assert set(export.EEA) == set(props["territorial_scope"]["items"]["enum"])
    assert set(export.VISIBILITY) == set(Remedy) - {Remedy.NO_ACTION}


@pytest.mark.parametrize(
    "broken",
    [
        {"decision_visibility": ["DECISION_VISIBILITY_DELETED"]},
        {"application_date": "01-12-2026"},
        {"puid": "has spaces"},
        {"territorial_scope": ["IR"]},
        {"decision_visibility": ["DECISION_VISIBILITY_OTHER"]},  # needs its explanation
        {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"},  # needs the legal ground
        {"category": "STATEMENT_CATEGORY_HATE"},
        {"automated_decision": "No"},
        {"decision_facts": "x" * 5001},
        {"case_id": "c1"},
    ],
)
def test_the_schema_catches_what_the_database_would_refuse(broken: dict[str, Any]) -> None:
    good = {
        "puid": "alteram-c1-r1",
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "policy 1, rule X",
        "incompatible_content_explanation": "why",
        "category": "STATEMENT_CATEGORY_VIOLENCE",
        "content_type": ["CONTENT_TYPE_TEXT"],
        "content_date": "2026-11-02",
        "territorial_scope": ["DE"],
        "application_date": "2026-11-02",
        "decision_facts": "facts",
        "source_type": "SOURCE_TYPE_OTHER_NOTIFICATION",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    }
    validate(good)
    assert list(VALIDATOR.iter_errors({**good, **broken}))


# -- statements of reasons ----------------------------------------------------------------


def test_one_valid_statement_per_restrictive_decision(record: Record) -> None:
    statements = list(export.statements(record.ctx, page=2))  # several pages
    for s in statements:
        validate(s)
    with record.ctx.store.transaction() as tx:
        decided = [case for _, case in store.with_cases(tx.conn, None, 100)]
    restrictive = [c for c in decided if export.restriction(c) is not None]
    assert len(decided) == 5 and len(restrictive) == 4  # A (cleared) restricted nothing
    assert len(statements) == len(restrictive)
    assert [s["puid"] for s in statements] == [
        puid(record, "B", "r1"),  # oldest decision first
        puid(record, "E", "interim"),
        puid(record, "C", "r1"),
        puid(record, "D", "r1"),
    ]
    assert len({s["puid"] for s in statements}) == 4


def test_the_statements_map_remedies_grounds_and_scope(record: Record) -> None:
    by = {s["puid"]: s for s in export.statements(record.ctx)}
    b = by[puid(record, "B", "r1")]
    assert b["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert b["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert "HAR-1" in b["incompatible_content_ground"]
    assert b["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert b["content_language"] == "FA" and b["content_type"] == ["CONTENT_TYPE_TEXT"]
    assert b["territorial_scope"] == sorted(export.EEA)
    assert (b["content_date"], b["application_date"]) == ("2026-11-02", "2026-11-02")
    assert "end_date_visibility_restriction" not in b
    assert b["automated_detection"] == "No"
    assert b["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert b["source_type"] == "SOURCE_TYPE_OTHER_NOTIFICATION"
    assert b["decision_ground_reference_url"] == "https://alteram.test/api/v1/policy"

    c = by[puid(record, "C", "r1")]  # the label, lifted when the appeal cleared the post
    assert c["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    assert (c["application_date"], c["end_date_visibility_restriction"]) == (
        "2026-11-02",
        "2026-11-03",
    )
    assert "On appeal" in c["decision_facts"]

    d = by[puid(record, "D", "r1")]  # geo-restriction resting on a compatible law
    assert d["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert d["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "Strafgesetzbuch §130" in d["illegal_content_legal_ground"]
    assert d["territorial_scope"] == ["DE"]
    assert d["source_type"] == "SOURCE_ARTICLE_16"
    assert d["category"] == "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"
    assert "interim measure (removal)" in d["decision_facts"]

    e = by[puid(record, "E", "interim")]  # cleared, but an interim measure applied
    assert e["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DEMOTED"]
    assert e["category"] == "STATEMENT_CATEGORY_VIOLENCE"
    assert (e["application_date"], e["end_date_visibility_restriction"]) == (
        "2026-11-02",
        "2026-11-02",
    )
    assert "a panel's ruling" in e["decision_facts"]


def test_export_sor_json(record: Record, env: None, tmp_path: Path) -> None:
    out = tmp_path / "sor.json"
    code, stdout, stderr = run("sor", "--format", "json", "--output", str(out))
    assert code == 0, stderr
    assert stdout == ""
    assert "4 statement(s) of reasons from 5 decision(s)" in stderr
    assert not out.with_name("sor.json.partial").exists()
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported == list(export.statements(record.ctx))
    for s in exported:
        validate(s)


def test_export_sor_to_stdout_quietly(record: Record, env: None) -> None:
    code, stdout, stderr = run("sor", "--quiet")
    assert code == 0 and stderr == ""
    assert json.loads(stdout) == list(export.statements(record.ctx))


def test_export_sor_csv_has_the_same_fields(record: Record, env: None) -> None:
    code, stdout, stderr = run("sor", "--format", "csv", "--quiet")
    assert code == 0, stderr
    rows = list(csv.DictReader(io.StringIO(stdout, newline="")))
    statements = list(export.statements(record.ctx))
    assert len(rows) == len(statements) == 4
    assert list(rows[0]) == list(export.FIELDS) == list(SCHEMA["properties"])
    for row, s in zip(rows, statements, strict=True):
        back: dict[str, Any] = {}
        for name, cell in row.items():
            if cell == "":
                continue
            is_list = SCHEMA["properties"][name].get("type") == "array"
            back[name] = json.loads(cell) if is_list else cell
        assert back == s
        validate(back)


def test_export_of_an_empty_instance(env: None) -> None:
    code, stdout, _ = run("sor", "--quiet")
    assert code == 0 and json.loads(stdout) == []
    code, stdout, _ = run("sor", "--format", "csv", "--quiet")
    assert code == 0 and stdout.splitlines() == [",".join(export.FIELDS)]
    code, stdout, _ = run("jsonl", "--quiet")
    assert code == 0 and stdout == ""


def test_a_bad_format_or_output_is_a_clear_error(env: None, tmp_path: Path) -> None:
    code, _, stderr = run("sor", "--format", "xml")
    assert code == 2 and "xml" in stderr
    code, _, stderr = run("sor", "--output", str(tmp_path / "missing" / "sor.json"))
    assert code == 2 and stderr.startswith("error: cannot write")


# -- the log as JSON lines ----------------------------------------------------------------


def test_export_jsonl_is_the_log_in_order(record: Record, env: None, tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    code, _, stderr = run("jsonl", "--output", str(out))
    assert code == 0, stderr
    with record.ctx.store.transaction() as tx:
        size = tx.log.size()
        leaves = [leaf for _, leaf in tx.log.entries(0, size)]
    assert f"{size} log entries" in stderr
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and lines[:-1] == leaves
    assert size > 50
    records = [json.loads(line) for line in lines[:-1]]
    pool = [r for r in records if r["case_id"].startswith("account:juror:")]
    cases = [r for r in records if r not in pool]
    assert {r["type"] for r in pool} == {"juror_added"}  # the jurors, added first
    assert records[: len(pool)] == pool and cases[0]["type"] == "case_opened"
    assert {r["case_id"] for r in cases} == set(record.ids.values())
    assert sum(r["type"] == "ruling_issued" for r in records) == 6  # C was ruled twice


def test_export_jsonl_streams_in_pages(record: Record) -> None:
    buffer = io.BytesIO()
    ticks: list[int] = []
    n = export.write_lines(export.log_lines(record.ctx, ticks.append, page=7), buffer)
    with record.ctx.store.transaction() as tx:
        size = tx.log.size()
    assert n == size == sum(ticks) and max(ticks) == 7
    assert len(buffer.getvalue().splitlines()) == size


# -- the mapping, case by case (pure: no database) ------------------------------------------


def decided(
    category: str,
    first: Ballot,
    appeal: Ballot | None = None,
    *,
    text: str = "Woman, life, freedom.",
    **report_kw: Any,
) -> Case:
    """A case ruled by a panel voting ``first`` unanimously, then, if given, appealed by
    the author and ruled by the appeal panel voting ``appeal``."""
    pool = factories.pool(12)
    first_report = factories.report("r-1", category, **report_kw)
    case, _ = Case.open("c-unit", factories.content(text=text), first_report, factories.POLICY, T0)
    factories.to_voting(case, pool)
    factories.vote_panel(case, [first] * 3)
    if appeal is not None:
        case.file_appeal("author", "It is lawful.", T0 + H, factories.POLICY, pool)
        factories.vote_panel(case, [appeal] * 5, at=T0 + 2 * H)
    return case


def sor(case: Case) -> dict[str, Any]:
    s = export.statement(case, factories.POLICY, "https://alteram.test/")
    assert s is not None
    validate(s)
    return s


def test_an_appeal_that_changes_the_remedy_replaces_it() -> None:
    removal = factories.violation(["HAR-1"], Remedy.REMOVAL)
    s = sor(decided("harassment", removal, factories.violation(["HAR-1"], Remedy.LABEL)))
    assert s["puid"] == "alteram-c-unit-r2"
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    assert "replaced the remedy of the first ruling" in s["decision_facts"]
    assert "end_date_visibility_restriction" not in s


def test_a_context_note_is_another_restriction_with_its_explanation() -> None:
    s = sor(decided("harassment", factories.violation(["HAR-1"], Remedy.CONTEXT_NOTE)))
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert "context note" in s["decision_visibility_other"]


def test_content_without_text_is_another_content_type() -> None:
    s = sor(decided("harassment", factories.violation(["HAR-1"], Remedy.AGE_GATE), text=""))
    assert s["content_type"] == ["CONTENT_TYPE_OTHER"]
    assert "no copy" in s["content_type_other"]
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED"]


def test_a_geo_restriction_outside_the_eea_has_no_eu_scope() -> None:
    geo = factories.violation(["INC-1"], Remedy.GEO_RESTRICTION, jurisdictions=["TR"])
    s = sor(decided("incitement", geo, jurisdiction="TR", legal_basis="TR-TCK-216-1"))
    assert s["territorial_scope"] == []
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "Türk Ceza Kanunu Art. 216(1)" in s["illegal_content_legal_ground"]


def test_no_statement_without_a_restriction() -> None:
    case = decided("harassment", factories.no_violation())
    assert export.restriction(case) is None
    assert export.statement(case, factories.POLICY, "https://alteram.test") is None
