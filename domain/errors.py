"""Errors with stable codes, shared by the API, the workers, webhooks and logs.

A caller's mistake is a ``ProblemError`` with a 4xx status; the API renders it
as ``application/problem+json`` and the CLI prints it and exits non-zero.
A job's failure is a ``JobFailure`` whose code lands on the job.
"""

from __future__ import annotations

from typing import Any


class ProblemError(Exception):
    """A request the caller must change: RFC 9457 problem details."""

    status = 400

    def __init__(
        self,
        code: str,
        detail: str,
        status: int | None = None,
        *,
        title: str | None = None,
        errors: Any = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status
        self.title = title or code.replace("_", " ").capitalize()
        self.errors = errors
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://talkfarm.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def not_found(what: str) -> ProblemError:
    return ProblemError(f"{what}_not_found", f"No {what} with that id for this tenant.", 404)


class JobFailure(Exception):
    """A stage failed. ``retryable`` failures are retried; the rest end the job."""

    def __init__(self, code: str, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


class StaleAttempt(Exception):
    """This attempt no longer owns its job (a newer attempt, a cancel, a hand-back)."""


class Interrupted(Exception):
    """The worker is draining: hand the job back without counting an attempt."""
