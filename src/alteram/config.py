"""Settings, declared once: name, default and help, read from ``ALTERAM_*``."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from alteram.storage.store import SQLITE_CACHE_MB, SQLITE_CHECKPOINT_PAGES


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALTERAM_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///alteram.db",
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql://user@host/db.",
    )
    sqlite_cache_mb: int = Field(
        default=SQLITE_CACHE_MB,
        ge=1,
        description="SQLite: each connection's page cache, in MB (a batch of reports over "
        "many cases touches thousands of pages).",
    )
    sqlite_checkpoint_pages: int = Field(
        default=SQLITE_CHECKPOINT_PAGES,
        ge=100,
        description="SQLite: the WAL's size in pages of 4 KiB at which a commit copies it "
        "into the database file (SQLite's default is 1,000). Larger: fewer copies under a "
        "burst, a larger WAL file on disk. Every commit is synced either way.",
    )
    policy: str | None = Field(
        default=None, description="Path to a policy YAML file; the packaged default if unset."
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of this instance, used in the links of notices.",
    )
    max_body_bytes: int = Field(
        default=1_000_000, description="Largest request body accepted (413 above it)."
    )
    log_key: str = Field(
        default="alteram-log.key",
        description="File holding the log's Ed25519 signing key; created on first start "
        "(keep it outside the database and back it up). It also seals the party tokens "
        "kept with notices: a new key loses those not yet fetched.",
    )
    log_origin: str | None = Field(
        default=None,
        description="The log's name in its checkpoints, used when the key is created; "
        "default: the host of ALTERAM_BASE_URL followed by /log.",
    )
    max_report_bytes: int = Field(
        default=32_000_000,
        description="Largest body of POST /api/v1/reports and :batch (reports carry media).",
    )
    max_media_bytes: int = Field(
        default=20_000_000, description="Largest media file accepted as evidence (422 above it)."
    )
    max_media_pixels: int = Field(
        default=50_000_000, description="Most pixels a media file may decode to (422 above it)."
    )
    dispute_compliance_days: int = Field(
        default=30,
        ge=1,
        description="Days a platform has to say whether it implemented a final dispute "
        "ruling; after that it is recorded as no_answer.",
    )
    dispute_limit_per_contact: int = Field(
        default=5, ge=1, description="Disputes one contact e-mail may file per day (429 above)."
    )
    dispute_limit_per_ip: int = Field(
        default=20, ge=1, description="Disputes one IP address may file per day (429 above)."
    )
    tick_seconds: float = Field(
        default=5.0,
        description="How often `serve` and `worker` apply due deadlines and send pending e-mail.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for e-mail notices; unset: no e-mail is sent (notices stay "
        "available by link). See docs/email.md.",
    )
    smtp_port: int | None = Field(
        default=None,
        description="SMTP port; default 465 with ALTERAM_SMTP_TLS, else 587 "
        "with ALTERAM_SMTP_STARTTLS, else 25.",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login name; unset: no login.")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password (never logged or shown)."
    )
    smtp_from: str | None = Field(
        default=None,
        description="The From address of e-mail notices; default: alteram@ the host of "
        "ALTERAM_BASE_URL.",
    )
    smtp_starttls: bool = Field(
        default=True,
        description="Require STARTTLS on a plain connection; false sends in the clear (only "
        "for a relay on the same host or a trusted network). Ignored with ALTERAM_SMTP_TLS.",
    )
    smtp_tls: bool = Field(
        default=False, description="Connect with TLS from the start (SMTPS, port 465)."
    )
    smtp_ca_file: str | None = Field(
        default=None,
        description="PEM file of the certificate authorities trusted for the SMTP server's "
        "certificate (STARTTLS or TLS), instead of the system's: for a relay with a private "
        "CA. The certificate is always checked.",
    )
    smtp_timeout: float = Field(
        default=30.0, description="Seconds to wait for the SMTP server at each step."
    )


def settings_table() -> list[tuple[str, str, str]]:
    """``(ENV_NAME, default, help)`` for every setting, for the docs and ``--help``."""
    rows = []
    for name, field in Settings.model_fields.items():
        rows.append((f"ALTERAM_{name.upper()}", repr(field.default), field.description or ""))
    return rows
