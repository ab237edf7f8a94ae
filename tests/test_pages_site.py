"""``alteram export site DIR``: a static copy of the public record whose links all work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from alteram.cli import app
from alteram.services import accounts
from alteram.services.context import Context
from alteram.site import count_files, export_site
from conftest import FakeClock, People, bearer
from factories import no_violation
from pages_kit import parse
from record_scenario import Record, build
from test_disputes_api import to_ruling, vote_all
from test_orders import notices, order_body, send

HREF = re.compile(r'(?:href|src)="([^"]*)"')


@pytest.fixture
def record(ctx: Context, clock: FakeClock) -> Record:
    return build(ctx, clock)


def check_links(root: Path) -> int:
    """Every link of every page is relative and names a file that exists; returns how many."""
    checked = 0
    for page in root.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        tree = parse(html)
        assert tree.scripts == 0 and "<form" not in html, page
        for target in HREF.findall(html):
            if target.startswith(("http://", "https://", "data:", "#")):
                continue
            assert not target.startswith("/"), f"{page}: absolute link {target}"
            path = target.split("#", 1)[0]
            assert (page.parent / path).resolve().is_file(), f"{page}: broken link {target}"
            checked += 1
    return checked


def test_the_site_has_every_page_in_both_languages(record: Record, tmp_path: Path) -> None:
    out = tmp_path / "site"
    written = export_site(record.ctx, out)
    ruled = [record.ids[k] for k in "ABCDE"]
    for prefix in ("", "fa/"):
        for name in ("index.html", "decisions.html", "stats.html", "log.html", "policy.html"):
            assert (out / prefix / name).is_file()
        for case_id in ruled:
            assert (out / prefix / "decisions" / f"{case_id}.html").is_file()
    assert not (out / "decisions" / f"{record.ids['G']}.html").exists()  # not ruled
    assert written == count_files(record.ctx) + 3  # + style.css, checkpoint, key
    assert check_links(out) > 100
    fa = (out / "fa" / "decisions" / f"{ruled[0]}.html").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in fa and 'href="../../static/style.css"' in fa
    assert f'href="../../decisions/{ruled[0]}.html" hreflang="en"' in fa  # the switcher
    key = (out / "log-key.txt").read_text().strip()
    assert key in (out / "log.html").read_text(encoding="utf-8")
    assert (out / "checkpoint.txt").read_text().startswith("alteram.test/log\n")


def test_the_decision_list_is_paged(
    record: Record, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alteram import site

    monkeypatch.setattr(site, "PAGE_SIZE", 2)
    export_site(record.ctx, tmp_path)
    assert (tmp_path / "decisions-3.html").is_file() and not (
        tmp_path / "decisions-4.html"
    ).exists()
    assert 'href="decisions-2.html"' in (tmp_path / "decisions.html").read_text(encoding="utf-8")
    assert check_links(tmp_path) > 0


def test_export_site_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALTERAM_DATABASE_URL", f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setenv("ALTERAM_LOG_KEY", str(tmp_path / "log.key"))
    monkeypatch.delenv("ALTERAM_POLICY", raising=False)
    out = tmp_path / "mirror"
    result = CliRunner().invoke(app, ["export", "site", str(out)])
    assert result.exit_code == 0, result.output
    assert "files written to" in result.output
    assert (out / "index.html").is_file() and (out / "fa" / "index.html").is_file()
    assert "No decision has been published yet." in (out / "index.html").read_text()
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = CliRunner().invoke(app, ["export", "site", str(blocked / "sub")])
    assert result.exit_code == 2 and "cannot create" in result.output


def test_the_legal_orders_and_the_dispute_facts_are_in_the_mirror(
    client: TestClient,
    people: People,
    ctx: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alteram import site

    _, tehran = accounts.create_authority(ctx, "Tehran Prosecutor's Office", "IR")
    _, berlin = accounts.create_authority(ctx, "Landgericht Berlin", "DE")
    refused = send(client, bearer(tehran), order_body("IR-PENAL-514", "IR", external_id="p-1"))
    heard = send(client, bearer(berlin), order_body(external_id="p-2"))
    assert refused.status_code == 201 and heard.status_code == 201, heard.text
    refused_id, heard_id = refused.json()["order_id"], heard.json()["order_id"]
    # the author of the heard order replies, and its panel refuses it: a decision
    heard_case = heard.json()["case_id"]
    (notice,) = notices(client, people, heard_case)
    r = client.post(
        f"/api/v1/cases/{heard_case}/reply",
        json={"statement": "Reporting on a rally."},
        headers=bearer(notice["token"]),
    )
    assert r.status_code == 200, r.text
    vote_all(client, people, heard_case, [no_violation()] * 3)
    case_id, _, _ = to_ruling(client, people, [no_violation()] * 3)
    monkeypatch.setattr(site, "PAGE_SIZE", 1)  # two order pages
    written = export_site(ctx, tmp_path)
    assert written == count_files(ctx) + 3
    for prefix in ("", "fa/"):
        for order_id in (refused_id, heard_id):
            assert (tmp_path / prefix / "orders" / f"{order_id}.html").is_file()
        assert (tmp_path / prefix / "orders-2.html").is_file()
    assert check_links(tmp_path) > 0
    listed = (tmp_path / "orders.html").read_text(encoding="utf-8") + (
        tmp_path / "orders-2.html"
    ).read_text(encoding="utf-8")
    assert f'href="orders/{refused_id}.html"' in listed and 'href="orders-2.html"' in listed
    page = (tmp_path / "orders" / f"{refused_id}.html").read_text(encoding="utf-8")
    assert "Refused: the law is incompatible with human rights" in page
    assert "IR-PENAL-514" in page and 'href="../orders.html"' in page
    assert "Anna Schmidt" not in page and "anna@example.org" not in page and "@sara" not in page
    assert "decisions/" not in page  # refused at once: no panel, no decision page
    ruled = (tmp_path / "orders" / f"{heard_id}.html").read_text(encoding="utf-8")
    assert "Refused by the panel" in ruled
    assert f'href="../decisions/{heard_case}.html"' in ruled
    assert (tmp_path / "decisions" / f"{heard_case}.html").is_file()
    fa = (tmp_path / "fa" / "orders" / f"{heard_id}.html").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in fa and "DE-STGB-130" in fa
    assert f'href="../../orders/{heard_id}.html" hreflang="en"' in fa
    assert 'href="orders.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")
    # the dispute's public facts are on its decision page; the private ones are not
    decision = (tmp_path / "decisions" / f"{case_id}.html").read_text(encoding="utf-8")
    assert "The platform's decision under dispute" in decision
    assert "Restriction not justified" in decision
    assert "REF-99812" not in decision and "peaceful protest" not in decision
    assert "The photos showed violence" not in decision
