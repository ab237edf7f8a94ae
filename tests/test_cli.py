"""The CLI, run in-process (CliRunner) and, for `serve` and `panel verify`, as real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from alteram.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ALTERAM_DATABASE_URL", url)
    monkeypatch.setenv("ALTERAM_LOG_KEY", str(tmp_path / "log.key"))
    monkeypatch.delenv("ALTERAM_POLICY", raising=False)
    return {"ALTERAM_DATABASE_URL": url, "ALTERAM_LOG_KEY": str(tmp_path / "log.key")}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_then_tokens_print_only_the_token_on_stdout(env: dict[str, str]) -> None:
    assert run("db", "upgrade")[0] == 0
    code, out, err = run("juror", "add", "Maryam", "--languages", "fa,en")
    assert code == 0, err
    assert out.strip().startswith("alt_ju_") and len(out.strip().splitlines()) == 1
    assert "shown once" in err
    code, out, _ = run("token", "create", "--platform", "forum.example")
    assert code == 0 and out.strip().startswith("alt_pl_")
    code, out, _ = run("token", "create", "--admin")
    assert code == 0 and out.strip().startswith("alt_ad_")


def test_juror_link_and_token_revoke(env: dict[str, str]) -> None:
    from alteram.config import Settings
    from alteram.services import accounts
    from alteram.services.accounts import hash_token

    code, out, err = run("juror", "add", "Maryam", "--languages", "fa", "--link")
    assert code == 0, err
    token, link = out.strip().splitlines()
    juror_id = err.split("juror ", 1)[1].split(" ", 1)[0]
    assert token.startswith("alt_ju_") and "/juror/link/" in link
    code, out, _ = run("juror", "link", juror_id, "--minutes", "5")
    assert code == 0 and "/juror/link/" in out and out.strip() != link
    assert run("juror", "link", "jnobody")[0] == 4
    assert run("juror", "link", juror_id, "--minutes", "0")[0] == 2
    platform = run("token", "create", "--platform", "forum.example")[1].strip()
    code, out, _ = run("token", "revoke", hash_token(platform)[:16])
    assert code == 0 and out.startswith(f"revoked token {hash_token(platform)[:16]} of platform")
    code, out, _ = run("token", "revoke", "--juror", juror_id)
    assert code == 0 and out.strip() == f"revoked 1 token(s) of juror {juror_id}"
    assert run("token", "revoke", hash_token(platform)[:16])[0] == 4  # gone already
    assert run("token", "revoke")[0] == 2
    from alteram.cli import build_context

    ctx = build_context(Settings())
    for gone in (platform, token):
        with pytest.raises(Exception, match="unknown or revoked"):
            accounts.authenticate(ctx, gone)
    with ctx.store.read() as tx:
        assert tx.log.size() == 3  # the juror added and the two revocations, on the log


def test_policy_publish(env: dict[str, str], tmp_path: Path) -> None:
    from alteram.domain import policy_file

    default = Path(policy_file.__file__).with_name("default_policy.yaml").read_text()
    new = tmp_path / "next.yaml"
    new.write_text(default.replace('version: "2026.11-1"', 'version: "2026.12-9"'))
    code, out, err = run("policy", "publish", str(new))
    assert code == 0, err
    assert out.strip().endswith("version 2026.12-9, in force for new cases")
    code, _, err = run("policy", "publish", str(new))
    assert code == 5 and "exists already" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\ntitle: t\ncategories: []\n")
    code, _, err = run("policy", "publish", str(bad))
    assert code == 2 and "bad.yaml:3: categories" in err
    from alteram.cli import build_context
    from alteram.config import Settings

    assert build_context(Settings()).policy.version == "2026.12-9"  # a new process sees it


def test_token_create_needs_exactly_one_kind(env: dict[str, str]) -> None:
    run("db", "upgrade")
    code, _, err = run("token", "create")
    assert code == 2 and "exactly one" in err


def test_juror_add_without_languages_is_a_clear_error(env: dict[str, str]) -> None:
    run("db", "upgrade")
    code, _, err = run("juror", "add", "Nobody", "--languages", " ,")
    assert code == 2
    assert err.strip() == "error: a juror reads at least one language, e.g. en or fa"


def test_policy_check_ok_and_line_numbered_problems(tmp_path: Path) -> None:
    from alteram.domain import policy_file

    default = Path(policy_file.__file__).with_name("default_policy.yaml")
    code, out, _ = run("policy", "check", str(default))
    assert code == 0 and out.startswith("OK: ")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\ntitle: t\ncategories: []\ndeadlines:\n  reply: PT0S\n")
    code, _, err = run("policy", "check", str(bad))
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"{bad}:3: categories")
    assert lines[1].startswith(f"{bad}:5: deadlines.reply")


def test_worker_once_advances_nothing_on_an_empty_database(env: dict[str, str]) -> None:
    run("db", "upgrade")
    code, out, _ = run("worker", "--once")
    assert code == 0 and "0 case(s) advanced" in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_and_panel_verify_against_a_live_server(env: dict[str, str]) -> None:
    """Start `alteram serve`, walk a case to a drawn panel, then `panel verify` it;
    a tampered copy of the draw must be reported as a mismatch."""
    run("db", "upgrade")
    _, ptok, _ = run("token", "create", "--platform", "forum.example")
    juror_tokens: dict[str, str] = {}
    for i in range(5):
        code, out, err = run("juror", "add", f"J{i}", "--languages", "en")
        assert code == 0
        juror_id = err.split("juror ", 1)[1].split(" ", 1)[0]
        juror_tokens[juror_id] = out.strip()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "alteram", "serve", "--port", str(port)],
        env={**os.environ, **env, "ALTERAM_BASE_URL": base},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/v1/policy", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        auth = {"Authorization": f"Bearer {ptok.strip()}"}
        report = {
            "content": {
                "platform_id": "42",
                "url": "https://forum.example/p/42",
                "author": {"handle": "@sara@forum.example"},
                "language": "en",
            },
            "category": "harassment",
            "explanation": "targets me",
            "reporter": {"handle": "@ali@forum.example"},
        }
        filed = httpx.post(f"{base}/api/v1/reports", json=report, headers=auth).json()
        case_id = filed["case_id"]
        notices = httpx.get(f"{base}/api/v1/cases/{case_id}/notices", headers=auth).json()
        author = next(n for n in notices["notices"] if n["party"] == "author")
        assert author["url"] == f"{base}/cases/{case_id}"
        assert author["token"] not in author["url"]
        r = httpx.post(
            f"{base}/api/v1/cases/{case_id}/reply",
            json={"waive": True},
            headers={"Authorization": f"Bearer {author['token']}"},
        )
        assert r.json()["state"] == "voting"
        code, out, err = run("panel", "verify", case_id, "--url", base)
        assert code == 0, err
        assert out.startswith("OK round 1: 3 of 5 eligible")
        # a juror recuses: the replacement draw is verified too
        chosen = httpx.get(f"{base}/api/v1/cases/{case_id}").json()["panels"][0]["chosen"]
        r = httpx.post(
            f"{base}/api/v1/cases/{case_id}/recusal",
            json={"reason": "I know the author."},
            headers={"Authorization": f"Bearer {juror_tokens[chosen[0]]}"},
        )
        assert r.status_code == 200, r.text
        new = r.json()["replacement"]["chosen"]
        code, out, err = run("panel", "verify", case_id, "--url", base)
        assert code == 0, err
        assert out.startswith("OK round 1: 3 of 5 eligible")
        assert f"{chosen[0]} recused, replaced by {new} (1 of 2 eligible)" in " ".join(out.split())
        # --pool: every eligible juror was in the pool the log records, at each draw
        code, out, err = run("panel", "verify", case_id, "--url", base, "--pool")
        assert code == 0, err
        lines = " ".join(out.split())
        assert "OK POOL round 1 (panel_drawn): 5 eligible were in the pool" in lines
        assert "OK POOL round 1 (juror_replaced): 2 eligible were in the pool" in lines
        assert "MISMATCH" not in lines and "NOTE" not in lines
        code, _, err = run("panel", "verify", "nope", "--url", base)
        assert code == 6 and "404" in err
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_verify_draw_catches_a_tampered_panel() -> None:
    from alteram.domain.panel import draw, verify_draw

    ids = [f"j{i}" for i in range(6)]
    seed, chosen = draw("c1", 1, "ab" * 32, ids, 3)
    assert verify_draw("c1", 1, "ab" * 32, ids, chosen, seed) == []
    other = next(j for j in ids if j not in chosen)
    tampered = [other, *chosen[1:]]
    assert verify_draw("c1", 1, "ab" * 32, ids, tampered, seed)


def test_token_create_for_an_authority_needs_its_jurisdiction(env: dict[str, str]) -> None:
    run("db", "upgrade")
    code, out, err = run(
        "token", "create", "--authority", "Landgericht Berlin", "--jurisdiction", "de"
    )
    assert code == 0, err
    assert out.strip().startswith("alt_au_") and "(Landgericht Berlin, DE)" in err
    code, _, err = run("token", "create", "--authority", "Landgericht Berlin")
    assert code == 2 and "--jurisdiction" in err
    code, _, err = run("token", "create", "--authority", "Court", "--jurisdiction", "ZZ")
    assert code == 2 and "unknown jurisdiction 'ZZ'" in err


def test_juror_list_shows_the_pool_without_tokens(env: dict[str, str]) -> None:
    code, token, err = run("juror", "add", "Maryam Rostami", "--languages", "fa,en")
    first = err.split("juror ", 1)[1].split(" ", 1)[0]
    run("juror", "add", "Jun", "--languages", "en")
    run("juror", "deactivate", first)
    code, out, err = run("juror", "list")
    assert code == 0 and err.strip() == "1 of 2 juror(s) active"
    lines = sorted(out.strip().splitlines())
    assert f"{first}\tinactive\tfa,en\t0 open seat(s)\tMaryam Rostami" in lines
    assert any(line.endswith("\tactive\ten\t0 open seat(s)\tJun") for line in lines)
    assert token.strip() not in out


def test_juror_deactivate_and_activate_go_on_the_log(env: dict[str, str]) -> None:
    import json

    from sqlalchemy import select

    from alteram.cli import build_context
    from alteram.config import Settings
    from alteram.storage import tables as t

    code, _, err = run("juror", "add", "Maryam Rostami", "--languages", "fa,EN", "--handles", "@m")
    assert code == 0, err
    juror_id = err.split("juror ", 1)[1].split(" ", 1)[0]
    code, _, err = run("juror", "deactivate", juror_id)
    assert code == 0
    assert err.strip() == f"juror {juror_id} deactivated (juror_deactivated is on the log)"
    code, _, err = run("juror", "deactivate", juror_id)
    assert code == 0 and err.strip() == f"juror {juror_id} is already inactive"
    code, _, err = run("juror", "activate", juror_id)
    assert code == 0 and "reactivated (juror_reactivated is on the log)" in err
    code, _, err = run("juror", "activate", "jnobody")
    assert code == 4 and err.strip() == "error: no juror 'jnobody'"

    ctx = build_context(Settings())
    with ctx.store.read() as tx:
        rows = tx.conn.execute(
            select(t.events.c.case_id, t.events.c.type, t.events.c.payload).order_by(t.events.c.seq)
        ).all()
        leaves = [leaf for _, leaf in tx.log.entries(0, 10)]
        assert tx.jurors()[0].active is True
    assert [(c, ty) for c, ty, _ in rows] == [
        (f"account:juror:{juror_id}", "juror_added"),
        (f"account:juror:{juror_id}", "juror_deactivated"),
        (f"account:juror:{juror_id}", "juror_reactivated"),
    ]
    added, gone, back = (json.loads(leaf) for leaf in leaves)
    assert added == {
        "type": "juror_added",
        "case_id": f"account:juror:{juror_id}",
        "at": added["at"],
        "juror_id": juror_id,
        "languages": ["fa", "en"],
    }
    assert gone["open_seats"] == 0 and back["juror_id"] == juror_id
    assert all(b"Maryam" not in leaf and b"@m" not in leaf for leaf in leaves)


def test_db_upgrade_seals_notice_tokens_stored_in_the_clear(env: dict[str, str]) -> None:
    from sqlalchemy import select, update

    from alteram.cli import build_context
    from alteram.config import Settings
    from alteram.services import accounts, seal
    from alteram.services.reports import file_report
    from alteram.storage import tables as t
    from factories import report_request

    ctx = build_context(Settings())
    platform_id, _ = accounts.create_platform(ctx, "forum.example")
    filed = file_report(ctx, platform_id, report_request())
    n = t.notices.c
    with ctx.store.transaction() as tx:  # as an earlier version stored them: in the clear
        plain = seal.opened(ctx, tx.notices_for(filed.case_id))
        for row in plain:
            tx.conn.execute(update(t.notices).where(n.id == row["id"]).values(token=row["token"]))
    ctx.store.dispose()
    code, _, err = run("db", "upgrade")
    assert code == 0 and f"sealed the tokens of {len(plain)} notice(s)" in err
    ctx = build_context(Settings())
    with ctx.store.read() as tx:
        stored = tx.conn.execute(select(n.token).order_by(n.id)).scalars().all()
        assert all(s.startswith(seal.PREFIX) for s in stored)
        assert seal.opened(ctx, tx.notices_for(filed.case_id)) == plain
    ctx.store.dispose()
    code, _, err = run("db", "upgrade")
    assert code == 0 and "sealed" not in err  # nothing left in the clear
