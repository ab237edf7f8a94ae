"""Case documents: how a case is stored and read back, and the open cases kept parsed.

A case is a JSON document (``cases.doc``, without its reporters: they are rows of
``case_reporters``) beside a few columns. Two of its numbers, ``report_count`` and
``reporter_parties``, are columns as well, and the columns win over the document's
copies (NULL: the document's are right). A report that only joins a case, the
bulk of a mass report, changes nothing else (``Case.report_mark``), so it updates
those columns and leaves the document as it is.

:class:`OpenCases` keeps the open cases that filing batches loaded, parsed, each
with the ``version`` it was stored at (every write of a case adds one). Parsing a
case document costs more than the rest of filing a report that joins it. A batch
*takes* a cached case out, so no two transactions ever share one object, and the
cases it saved are put back only after its commit: a rolled-back batch leaves
nothing behind. A case written by anything else (another process, a vote, a
deadline) has a newer version, and its stale copy is never used.
"""

from __future__ import annotations

from typing import Any

from alteram.domain.case import Case
from alteram.storage import tables as t

_EXCLUDE = {"reporters"}  # rows of case_reporters

# The columns a case is read from, for joins with other tables (see :func:`pop_case`).
COLUMNS = (t.cases.c.doc, t.cases.c.report_count, t.cases.c.reporter_parties)


def parse(doc: str, report_count: int | None, reporter_parties: int | None) -> Case:
    """The case stored as ``doc`` with these count columns (``None``: the document's)."""
    case = Case.model_validate_json(doc)
    if report_count is not None:
        case.report_count = report_count
    if reporter_parties is not None:
        case.reporter_parties = max(case.reporter_parties, reporter_parties)
    return case


def pop_case(values: dict[str, Any]) -> Case:
    """The case in a row selected with :data:`COLUMNS`, taking those keys out of it."""
    return parse(values.pop("doc"), values.pop("report_count"), values.pop("reporter_parties"))


def dump(case: Case) -> str:
    return case.model_dump_json(exclude=_EXCLUDE)


def counts(case: Case) -> dict[str, Any]:
    """The count columns of ``case``."""
    return {"report_count": case.report_count, "reporter_parties": case.reporter_parties}


class OpenCases:
    """Parsed open cases by id, each with the version it was stored at.

    Plain dict operations (atomic under the GIL); when full, the oldest go."""

    def __init__(self, capacity: int = 5_000) -> None:  # about 5 to 20 KB each
        self._cases: dict[str, tuple[int, Case]] = {}
        self.capacity = capacity

    def __len__(self) -> int:
        return len(self._cases)

    def take(self, case_id: str, version: int) -> Case | None:
        """Remove and return the cached case if it is the stored ``version``."""
        entry = self._cases.pop(case_id, None)
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def put(self, case_id: str, version: int, case: Case) -> None:
        if not case.accepts_reports:
            self._cases.pop(case_id, None)
            return
        case.reporters = []  # a batch loads the reporters it needs
        self._cases[case_id] = (version, case)
        while len(self._cases) > self.capacity:
            try:
                del self._cases[next(iter(self._cases))]
            except (StopIteration, KeyError, RuntimeError):
                break

    def clear(self) -> None:
        self._cases.clear()
