"""Shared fixtures: a database per backend, a fake clock, a Context, an API client.

``store_url`` runs a test once per storage backend:

* ``sqlite``: a fresh, migrated file database in ``tmp_path``;
* ``postgres``: when ``ALTERAM_TEST_POSTGRES_URL`` is set, a fresh schema
  ``t_<hex>`` in that database, selected through libpq's ``options`` in the URL
  (``?options=-csearch_path%3Dt_<hex>``), migrated, and dropped afterwards.

A missing or unreachable PostgreSQL skips the ``postgres`` runs, unless
``ALTERAM_REQUIRE_ALL=1``: then it fails them (see :func:`require_or_skip`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from alteram.domain.panel import Juror
from alteram.domain.policy import Policy
from alteram.domain.policy_file import load_default_policy
from alteram.services import accounts
from alteram.services.context import Context
from alteram.storage.migrate import upgrade
from alteram.storage.store import Store, normalize_url
from alteram.web.app import create_app
from factories import T0  # a fixed, tz-aware start of time for every test

PG_ENV = "ALTERAM_TEST_POSTGRES_URL"
REQUIRE_ENV = "ALTERAM_REQUIRE_ALL"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against PostgreSQL")


def require_or_skip(reason: str) -> NoReturn:
    """Skip for a missing real part, or fail when ``ALTERAM_REQUIRE_ALL=1`` says all must run."""
    if os.environ.get(REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=1 requires every backend to run", pytrace=False)
    pytest.skip(reason)


# -- time ------------------------------------------------------------------------


class FakeClock:
    """A clock the test moves by hand; ``Context.clock`` calls it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now = self.now + delta
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_default_policy()


# -- databases ---------------------------------------------------------------


def with_search_path(url: str, schema: str) -> str:
    """``url`` with libpq ``options`` that put ``schema`` first on the search path."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    """The PostgreSQL server to test against, checked once per session."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        require_or_skip(f"{PG_ENV} is not set: the PostgreSQL backend does not run")
    engine = create_engine(normalize_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        shown = make_url(normalize_url(url)).render_as_string(hide_password=True)
        require_or_skip(f"PostgreSQL at {shown} is unreachable: {exc.__class__.__name__}: {exc}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_schema_url(postgres_base_url: str) -> Iterator[str]:
    """A URL whose connections all live in a fresh schema; the schema is dropped after."""
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(normalize_url(postgres_base_url))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = with_search_path(postgres_base_url, schema)
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text("SET lock_timeout = '10s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A migrated, empty database URL, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'alteram.db'}"
        upgrade(url)
        return url
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    yield s
    s.dispose()


@pytest.fixture
def ctx(store: Store, policy: Policy, clock: FakeClock) -> Context:
    return Context(store=store, policy=policy, clock=clock, base_url="https://alteram.test")


# -- people ------------------------------------------------------------------------


@dataclass
class People:
    """A platform and a pool of jurors, with their plaintext tokens."""

    ctx: Context
    platform_id: str
    platform_token: str
    jurors: list[Juror] = field(default_factory=list)
    juror_tokens: dict[str, str] = field(default_factory=dict)

    def add_jurors(
        self, n: int, languages: tuple[str, ...] = ("en", "fa"), **kw: Any
    ) -> list[Juror]:
        made = []
        for _ in range(n):
            juror, token = accounts.add_juror(
                self.ctx, f"Juror {len(self.jurors) + 1}", list(languages), **kw
            )
            self.jurors.append(juror)
            self.juror_tokens[juror.id] = token
            made.append(juror)
        return made

    def juror_auth(self, juror_id: str) -> dict[str, str]:
        return bearer(self.juror_tokens[juror_id])

    @property
    def platform_auth(self) -> dict[str, str]:
        return bearer(self.platform_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_people(ctx: Context, jurors: int = 12, platform: str = "forum.example") -> People:
    platform_id, token = accounts.create_platform(ctx, platform)
    people = People(ctx=ctx, platform_id=platform_id, platform_token=token)
    people.add_jurors(jurors)
    return people


@pytest.fixture
def people(ctx: Context) -> People:
    """A platform and twelve active jurors who read English and Persian."""
    return make_people(ctx)


# -- the API -----------------------------------------------------------------------


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    """The app in-process (no timer loop: deadlines move only with the fake clock)."""
    app = create_app(ctx, tick_seconds=0)
    with TestClient(app, base_url="https://alteram.test", raise_server_exceptions=True) as c:
        yield c
