"""Errors the media library raises, each with a stable code.

Media knows nothing of HTTP or jobs: it says *what* is wrong with its input
(``avatar_no_face``, ``asset_unreadable``, ``voice_unknown``). The API maps a
``MediaError`` to a 422 problem+json; the worker turns one into a job failure
that is not retried, since the same input fails the same way again.
"""

from __future__ import annotations


class MediaError(Exception):
    """This input cannot be used; ``code`` is stable across the API, webhooks and logs."""

    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


class AvatarError(MediaError):
    """The portrait cannot be used; raised at upload and at render."""
