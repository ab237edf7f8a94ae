"""Evidence and precedent: fingerprint what is reported, find the case it belongs to.

Each distinct media file is decoded (hostile-input safe), fingerprinted and
stored once, content-addressed. A report on content with no case yet is matched
against the fingerprints of every case: an open case for the same media or text
(under another URL or platform id) takes the report; otherwise a final ruling on
an exact or near-duplicate copy is the precedent (see ``Case.open``).

The index lives in each process and catches up from the ``prints`` table, so
several workers stay in step. It maps fingerprints to case ids only; whether a
case is open or final, and what it found, is read from the database when it
matches, so a final ruling binds copies the moment it is committed.
"""

from __future__ import annotations

import base64
import binascii
import threading
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alteram.domain.case import Case, CaseState
from alteram.domain.content import Precedent
from alteram.errors import InvalidInput
from alteram.fingerprint import (
    MATCH_DISTANCE,
    ImageFingerprint,
    ImageIndex,
    TextFingerprint,
    TextIndex,
    decode_image,
    image_fingerprint,
    sanitized,
    sha256,
    text_fingerprint,
)
from alteram.storage import evidence as store
from alteram.storage.store import Tx

if TYPE_CHECKING:
    from datetime import datetime

    from alteram.services.reports import ContentIn

TEXT = "text"
MAX_CANDIDATES = 10


@dataclass
class Evidence:
    media: list[str] = field(default_factory=list)
    images: list[ImageFingerprint] = field(default_factory=list)
    text: TextFingerprint | None = None

    def prints(self) -> list[tuple[str, str, int | None]]:
        out: list[tuple[str, str, int | None]] = []
        for image in self.images:
            out.append((store.MEDIA_SHA256, image.sha256, None))
            out.append((store.PDQ, image.pdq, image.quality))
        if self.text is not None and not self.text.empty:
            minhash = self.text.minhash.hex() if self.text.minhash else ""
            out.append((TEXT, f"{self.text.exact_sha256}:{minhash}", None))
        return out


def store_media(
    tx: Tx,
    data_list: Sequence[str | bytes],
    now: datetime,
    *,
    max_bytes: int,
    max_pixels: int,
    field: str,
) -> list[ImageFingerprint]:
    """Decode (hostile-input safe), fingerprint and store each image once, by SHA-256.

    Items are base64 text or raw bytes; a bad one raises :class:`InvalidInput` naming
    ``{field}.{i}.data``. Returns one fingerprint per distinct file, in order."""
    out: list[ImageFingerprint] = []
    for i, item in enumerate(data_list):
        where = f"{field}.{i}.data"
        if isinstance(item, str):
            try:
                data = base64.b64decode(item, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput("not valid base64", field=where) from None
        else:
            data = item
        digest = sha256(data)
        known = store.known_media(tx.conn, digest)
        if known is not None:
            fp = ImageFingerprint(
                sha256=digest,
                pdq=known["pdq"],
                quality=int(known["quality"]),
                dihedral=tuple(known["dihedral"]),
            )
        else:
            decoded = decode_image(data, field=where, max_bytes=max_bytes, max_pixels=max_pixels)
            fp = image_fingerprint(decoded)
            store.save_media(
                tx.conn,
                sha256=digest,
                data=data,
                sanitized=sanitized(decoded),
                format=decoded.format,
                width=decoded.width,
                height=decoded.height,
                pdq=fp.pdq,
                quality=fp.quality,
                dihedral=list(fp.dihedral),
                created_at=now,
            )
        if all(f.sha256 != digest for f in out):
            out.append(fp)
    return out


def gather(
    tx: Tx,
    content: ContentIn,
    now: datetime,
    *,
    max_bytes: int,
    max_pixels: int,
    texts: Mapping[str, TextFingerprint] | None = None,
) -> Evidence:
    """Decode, fingerprint and store each media file once; fingerprint the text (or take
    its fingerprint from ``texts``, made for a whole batch by ``text_fingerprints``)."""
    ev = Evidence()
    items = [item.data for item in content.media or []]
    for fp in store_media(
        tx, items, now, max_bytes=max_bytes, max_pixels=max_pixels, field="content.media"
    ):
        ev.media.append(fp.sha256)
        ev.images.append(fp)
    if content.text:
        known = texts.get(content.text) if texts else None
        ev.text = known if known is not None else text_fingerprint(content.text)
    return ev


class PrecedentIndex:
    def __init__(self) -> None:
        self.last_id = 0
        self.exact: dict[str, set[str]] = {}
        self.images: ImageIndex[str] = ImageIndex()
        self.texts: TextIndex[str] = TextIndex()
        self._lock = threading.Lock()
        # prints indexed by add() that catch_up has not read back from the database yet
        self._local: set[tuple[str, str, str]] = set()

    def catch_up(self, tx: Tx) -> None:
        """Index the prints stored since the last catch-up (by any process), except those
        this process already indexed when it opened their case."""
        with self._lock:
            for row_id, case_id, kind, value, quality in store.prints_after(tx.conn, self.last_id):
                if (case_id, kind, value) in self._local:
                    self._local.discard((case_id, kind, value))
                else:
                    self._add(case_id, kind, value, quality)
                self.last_id = max(self.last_id, row_id)

    def add(self, case_id: str, ev: Evidence) -> None:
        """Index a case opened in this process at once, before its transaction commits
        (if that rolls back, the caller :meth:`forget` s it)."""
        with self._lock:
            for kind, value, quality in ev.prints():
                if (case_id, kind, value) not in self._local:
                    self._local.add((case_id, kind, value))
                    self._add(case_id, kind, value, quality)

    def forget(self, case_ids: Collection[str]) -> None:
        """Undo :meth:`add` for cases whose transaction rolled back: they do not exist,
        and left in the index they would take the places of real matches among a
        search's first ``MAX_CANDIDATES``."""
        ids = set(case_ids)
        with self._lock:
            gone = {p for p in self._local if p[0] in ids}
            self._local -= gone
            for case_id, kind, value in gone:
                cases = self.exact.get(value)
                if kind == store.MEDIA_SHA256 and cases is not None:
                    cases.discard(case_id)
                    if not cases:
                        del self.exact[value]
            for case_id in {case_id for case_id, _, _ in gone}:
                self.images.remove(case_id)
                self.texts.remove(case_id)

    def _add(self, case_id: str, kind: str, value: str, quality: int | None) -> None:
        if kind == store.MEDIA_SHA256:
            self.exact.setdefault(value, set()).add(case_id)
        elif kind == store.PDQ and quality is not None and quality >= 50:
            self.images.add(value, case_id)
        elif kind == TEXT:
            exact, _, minhash = value.partition(":")
            fp = TextFingerprint(exact, bytes.fromhex(minhash) if minhash else None)
            self.texts.add(fp, case_id)

    def candidates(self, ev: Evidence) -> list[tuple[str, str, float]]:
        """``(case_id, match, distance)``, best first: exact media, PDQ, text."""
        found: dict[str, tuple[int, float, str]] = {}

        def offer(case_id: str, rank: int, distance: float, match: str) -> None:
            if case_id not in found or (rank, distance) < found[case_id][:2]:
                found[case_id] = (rank, distance, match)

        for image in ev.images:
            for case_id in self.exact.get(image.sha256, ()):
                offer(case_id, 0, 0.0, "exact_media")
            if image.matchable:
                for case_id, bits in self.images.search_any(image.dihedral, MATCH_DISTANCE):
                    offer(case_id, 1, float(bits), "pdq")
        if ev.text is not None and not ev.text.empty:
            for case_id, similarity in self.texts.search(ev.text):
                match = "exact_text" if similarity >= 1.0 else "near_text"
                offer(case_id, 2, round(1.0 - similarity, 4), match)
        ranked = sorted(found.items(), key=lambda kv: kv[1][:2])
        return [(case_id, match, distance) for case_id, (_, distance, match) in ranked]


_INDEXES: weakref.WeakKeyDictionary[object, PrecedentIndex] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_for(store: object) -> PrecedentIndex:
    """One index per store (per database) in this process."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(store)
        if index is None:
            index = _INDEXES[store] = PrecedentIndex()
        return index


def resolve(
    tx: Tx, index: PrecedentIndex, ev: Evidence, pending: dict[str, Case] | None = None
) -> tuple[Case | None, Precedent | None]:
    """The case this content already has (open, or closed on a precedent), or else the
    final ruling on a copy that binds it as precedent; best match first. ``pending``
    holds cases opened earlier in the same transaction."""
    precedent: Precedent | None = None
    for case_id, match, distance in index.candidates(ev)[:MAX_CANDIDATES]:
        case = (pending or {}).get(case_id) or tx.get_case(case_id, lock=True)
        if case is None:  # indexed by a transaction that was rolled back
            continue
        if case.accepts_reports:
            return case, None
        if precedent is None and case.state is CaseState.FINAL and case.rulings:
            ruling = case.rulings[-1]
            precedent = Precedent(
                case_id=case.id,
                match=match,
                distance=distance,
                violation=ruling.violation,
                remedy=ruling.remedy,
                reasons=tuple(ruling.reasons),
            )
    return None, precedent
