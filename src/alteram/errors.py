"""The one error tree.

Every error alteram raises on purpose is an :class:`AlteramError`. Each class
carries, in one place, the HTTP status, the stable JSON ``code`` and the CLI
exit code it maps to. The domain raises these (they are plain exceptions, no
framework), the web layer renders them as ``{"error": {"code", "message",
"field"}}`` and the CLI prints the message and exits with ``exit_code``.
"""

from __future__ import annotations

from typing import Any


class AlteramError(Exception):
    status: int = 400
    code: str = "bad_request"
    exit_code: int = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return {"error": body}


class InvalidInput(AlteramError):
    """The request is well-formed but a value is wrong or missing."""

    status = 422
    code = "invalid"
    exit_code = 2


class PolicyInvalid(InvalidInput):
    """A policy file does not validate; ``problems`` lists each one with its line."""

    code = "policy_invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems) or "invalid policy")
        self.problems = problems


class Unauthenticated(AlteramError):
    status = 401
    code = "unauthenticated"
    exit_code = 3


class Forbidden(AlteramError):
    status = 403
    code = "forbidden"
    exit_code = 3


class NotFound(AlteramError):
    status = 404
    code = "not_found"
    exit_code = 4


class OutOfOrder(AlteramError):
    """A lifecycle step was asked for before (or after) its time."""

    status = 409
    code = "out_of_order"
    exit_code = 5


class Conflict(AlteramError):
    """The request clashes with stored state (e.g. an idempotency key reused)."""

    status = 409
    code = "conflict"
    exit_code = 5


class PanelUnavailable(AlteramError):
    """Not enough eligible jurors to draw a panel."""

    status = 409
    code = "panel_unavailable"
    exit_code = 5


class TooLarge(AlteramError):
    status = 413
    code = "too_large"
    exit_code = 2


class TooMany(AlteramError):
    """An abuse limit was reached (e.g. disputes per contact or per network a day)."""

    status = 429
    code = "rate_limited"
    exit_code = 5


class Unavailable(AlteramError):
    """A real part (the database) cannot be reached or used."""

    status = 503
    code = "unavailable"
    exit_code = 7


class VerificationFailed(AlteramError):
    """A public check (panel draw, log) did not match."""

    status = 409
    code = "verification_failed"
    exit_code = 6


class ReporterSuspended(Forbidden):
    """Report processing for this reporter is suspended (EU DSA Art. 23). The report
    was stored (``report_id``) but joins or opens no case."""

    code = "reporter_suspended"

    def __init__(self, message: str, *, until: str, report_id: str) -> None:
        super().__init__(message, field="reporter.handle")
        self.until = until
        self.report_id = report_id

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["error"].update(
            {"suspended_until": self.until, "report_id": self.report_id, "processed": False}
        )
        return body
