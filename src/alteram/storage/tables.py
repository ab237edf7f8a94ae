"""The database schema (SQLAlchemy Core). Alembic migrations create it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

platforms = Table(
    "platforms",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

jurors = Table(
    "jurors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("conflicts", JSON, nullable=False),
    Column("handles", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("party_id", String(16)),
    Column("created_at", UTCDateTime(), nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("platform_id", String(64), nullable=False),
    Column("external_id", String(500), nullable=False),
    # platform + external id while the case is open, NULL after: one open case per content.
    Column("open_key", String(600), unique=True),
    Column("state", String(32), nullable=False),
    Column("category", String(64), nullable=False),
    Column("due_at", UTCDateTime()),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("doc", Text, nullable=False),
    # The per-case secret of the party commitments in the public log (hex; never published).
    Column("commit_key", String(64), nullable=False, server_default=""),
    # The counts a joining report changes, kept beside the document and winning over its
    # copies (NULL: the document's are right); see ``alteram.storage.casedoc``.
    Column("report_count", Integer),
    Column("reporter_parties", Integer),
    Column("version", Integer, nullable=False, server_default="0"),  # +1 per write
    Index("ix_cases_due_at", "due_at"),
    Index("ix_cases_content", "platform_id", "external_id"),
)

# The reporting parties of a case (``Case.reporters``), kept beside its document: joining
# a mass-reported case adds one row instead of rewriting a document that names them all.
case_reporters = Table(
    "case_reporters",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),  # n of the party id "rn"
    Column("handle", String(500), nullable=False),
    # one handle is one party of a case; also how a batch finds its reporters' parties
    Index("uq_case_reporters_handle_case", "handle", "case_id", unique=True),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("platform_id", String(64), nullable=False),
    Column("idempotency_key", String(200)),
    Column("request_hash", String(64), nullable=False),
    Column("reporter", String(500), nullable=False),
    Column("category", String(64), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("jurisdiction", String(8)),
    Column("legal_basis", String(200)),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform_id", "idempotency_key", name="uq_reports_idempotency"),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("type", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("log_index", BigInteger),
)

# The transparency log (RFC 9162). Leaves in order; every perfect-subtree hash kept
# in tiles of 256 consecutive nodes of one level, so no proof recomputes the tree.
# Leaves are stored in bundles of 256 consecutive entries (as in C2SP tlog-tiles),
# each leaf prefixed by its length as 4 bytes big-endian. Bundles and tiles are appended
# in pieces (``pos``: the number of the piece's first leaf or node in its bundle or
# tile), never rewritten: a bundle or tile is its pieces in order.
log_bundles = Table(
    "log_bundles",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("pos", Integer, primary_key=True, autoincrement=False),
    Column("leaves", LargeBinary, nullable=False),
)

log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", BigInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("pos", Integer, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

log_state = Table(
    "log_state",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False),  # ix_notices_party serves case_id alone
    Column("party_id", String(16), nullable=False),
    Column("role", String(16), nullable=False),
    Column("handle", String(500), nullable=False),
    Column("token", String(200), nullable=False),  # sealed (services.seal)
    Column("url", String(1000), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # E-mail delivery (alteram.services.outbox). ``email`` is the party's address, personal
    # data: never in events, the public log or public pages. ``email_next_at`` is when to
    # try next (NULL: nothing to send, sent, or given up); ``email_attempts`` also fences a
    # claim; ``email_error`` is the last failure, without secrets.
    Column("email", String(254)),
    Column("emailed_at", UTCDateTime()),
    Column("email_attempts", Integer, nullable=False, server_default="0"),
    Column("email_error", String(500)),
    Column("email_next_at", UTCDateTime()),
    Index("ix_notices_email_next_at", "email_next_at"),
    Index("ix_notices_party", "case_id", "party_id"),  # a party's earlier address
)

panel_seats = Table(
    "panel_seats",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("juror_id", String(64), primary_key=True, index=True),
    Column("voted", Boolean, nullable=False),
    Column("revealed", Boolean, nullable=False),
)

# The public decisions: a read model, one row per ruled case for its latest ruling,
# upserted with the case (alteram.storage.decisions). The log index of the ruling is
# not stored: it is read from `events` when a decision is shown.
decisions = Table(
    "decisions",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("round", Integer, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("category", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("remedy", String(32), nullable=False),
    Column("jurisdictions", JSON, nullable=False),
    # ",DE,FR,": the same codes, for a LIKE filter that works on every backend.
    Column("jurisdiction_codes", String(600), nullable=False),
    Column("language", String(16)),
    Column("ruled_at", UTCDateTime(), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("report_count", Integer, nullable=False),
    Column("appealed", Boolean, nullable=False),
    Column("reversed", Boolean, nullable=False),
    Column("interim_applied", Boolean, nullable=False),
    Column("interim_outcome", String(16)),
    Column("reasons", Text, nullable=False),
    # The reasons case-folded in Python, so search is Unicode-aware on every backend.
    Column("reasons_folded", Text, nullable=False),
    Column("policy_version", String(64), nullable=False),
    Index("ix_decisions_ruled_at", "ruled_at", "case_id"),
    Index("ix_decisions_category", "category"),
)

# Evidence files, content-addressed: one row per distinct file, however many reports
# carry it. ``sanitized`` is the metadata-free re-encode shown to jurors and the public.
media = Table(
    "media",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("sanitized", LargeBinary, nullable=False),
    Column("format", String(16), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("pdq", String(64), nullable=False),
    Column("quality", SmallInteger, nullable=False),
    Column("dihedral", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The fingerprints of each case's content, append-only; the precedent index is built
# from them (and catches up by ``id``) in every process.
prints = Table(
    "prints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # media_sha256 | pdq | text_sha256 | text_minhash
    Column("value", Text, nullable=False),
    Column("quality", SmallInteger),
    UniqueConstraint("case_id", "kind", "value", name="uq_prints_case_kind_value"),
)

# Reporter standing (EU DSA Art. 23), one row per reporter (handle on a platform) once
# anything was decided about them. ``subject`` is the pseudo case id of their events in
# the log ("reporter:" + an HMAC of platform and handle under ``commit_key``, which is
# also the key of the handle's commitment there; never published).
reporter_standing = Table(
    "reporter_standing",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("platform_id", String(64), nullable=False),
    Column("reporter", String(500), nullable=False),
    Column("status", String(16), nullable=False),  # good | warned | suspended
    Column("warned_at", UTCDateTime()),
    Column("suspended_until", UTCDateTime()),
    Column("counted_from", UTCDateTime()),
    Column("reasons", JSON),  # the public record of the latest decision
    Column("appeal", JSON),  # the latest appeal: grounds, outcome, at
    Column("commit_key", String(64), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("platform_id", "reporter", name="uq_reporter_standing_reporter"),
)

# The appeal of a reporter's suspension, reviewed by a panel of jurors (EU DSA Art. 20(6)).
# ``grounds`` and ``handle``-free ``counted`` reports stay private; ``votes`` maps a juror
# id to {decision, reasons, at}; ``outcome`` is NULL while the panel sits.
standing_appeals = Table(
    "standing_appeals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject", String(64), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("grounds", Text, nullable=False),
    Column("filed_at", UTCDateTime(), nullable=False),
    Column("suspended_until", UTCDateTime()),
    Column("unfounded", Integer, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("counted", JSON, nullable=False),
    Column("panel", JSON, nullable=False),
    Column("votes", JSON, nullable=False),
    Column("deadline", UTCDateTime(), nullable=False),
    Column("outcome", String(16)),
    Column("decided_at", UTCDateTime()),
    Index("ix_standing_appeals_pending", "outcome", "deadline"),
    UniqueConstraint("subject", "round", name="uq_standing_appeals_round"),
)

# Dispute mode (EU DSA Art. 21): the appellant's contact e-mail is personal data, kept
# here only (never in the case document, the events or the log). ``email_hash`` and
# ``ip_hash`` (SHA-256) count filings for the abuse limits.
dispute_contacts = Table(
    "dispute_contacts",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("party_id", String(16), nullable=False),
    Column("email", String(320), nullable=False),
    Column("email_hash", String(64), nullable=False),
    Column("ip_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_dispute_contacts_email", "email_hash", "created_at"),
    Index("ix_dispute_contacts_ip", "ip_hash", "created_at"),
)

# Registered issuing authorities (courts, government bodies): their tokens are kind
# "authority" with this id as subject; ``jurisdiction`` bounds what they may order.
authorities = Table(
    "authorities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(300), nullable=False, unique=True),
    Column("jurisdiction", String(8), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Legal orders (alteram.services.orders), one row per order, with its case. The
# reference and notes are kept as sent (private); the public record redacts them.
orders = Table(
    "orders",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("case_id", String(64), nullable=False, unique=True),
    Column("via", String(16), nullable=False),  # authority | platform
    Column("submitter", String(64), nullable=False),  # authority id or platform id
    Column("platform_id", String(64), nullable=False),  # the recipient
    Column("authority", String(300), nullable=False),
    Column("authority_kind", String(16), nullable=False),
    Column("jurisdiction", String(8), nullable=False),
    Column("provision", String(200), nullable=False),
    Column("compatible", Boolean, nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("reference", String(300), nullable=False),
    Column("notes", Text),
    Column("private_persons", JSON, nullable=False),
    Column("measure", String(32), nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("document_kind", String(8), nullable=False),  # pdf | image (in media)
    Column("received_at", UTCDateTime(), nullable=False),
    Column("idempotency_key", String(200)),
    Column("request_hash", String(64), nullable=False),
    Index("ix_orders_received_at", "received_at", "id"),
    UniqueConstraint("submitter", "idempotency_key", name="uq_orders_idempotency"),
)

# Order documents that are PDFs, content-addressed; kept as received, never parsed or
# rendered (images go to ``media`` through the image decoder instead).
order_documents = Table(
    "order_documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Jurors' passwords (argon2id, the PHC string; never the password) and one-time sign-in
# links (only the SHA-256 of the link's secret; a row is deleted when the link is used).
juror_passwords = Table(
    "juror_passwords",
    metadata,
    Column("juror_id", String(64), primary_key=True),
    Column("hash", String(200), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

signin_links = Table(
    "signin_links",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("juror_id", String(64), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Every published version of the policy, in order; the latest is in force.
policy_versions = Table(
    "policy_versions",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=False, unique=True),
    Column("sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("published_at", UTCDateTime(), nullable=False),
    Column("published_by", String(200), nullable=False),
)
