"""``alteram export site DIR``: a static copy of the public record whose links all work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alteram.cli import app
from alteram.services.context import Context
from alteram.site import count_files, export_site
from conftest import FakeClock
from pages_kit import parse
from record_scenario import Record, build

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
