"""What every request handler needs, built once per app."""

from __future__ import annotations

import dataclasses
import functools

from flask import current_app, request
from sqlalchemy.orm import Session, sessionmaker

from api.metrics import MetricsCache
from domain.config import Settings
from storage import Storage, open_storage
from tasks.admission import Admission
from tasks.sending import TaskSender


@dataclasses.dataclass
class ApiContext:
    settings: Settings
    sessions: sessionmaker[Session]
    #: what hands messages to the broker (Celery's; a test passes tests.stubs.RecordingSender)
    sender: TaskSender

    @functools.cached_property
    def metrics_cache(self) -> MetricsCache:
        return MetricsCache(self.settings.metrics_min_interval_s)

    @functools.cached_property
    def storage(self) -> Storage:
        return open_storage(self.settings)

    def admission(self) -> Admission:
        """Jobs this request admits inside its transaction, sent after its commit."""
        return Admission(self.settings, self.sessions, self.sender)

    def base_url(self) -> str:
        return self.settings.public_url or request.host_url.rstrip("/")


def ctx() -> ApiContext:
    return current_app.extensions["talkfarm"]
