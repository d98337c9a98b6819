"""What every request handler needs, built once per app."""

from __future__ import annotations

import dataclasses
import functools

from flask import current_app, request
from sqlalchemy.orm import Session, sessionmaker

from api.metrics import MetricsCache
from domain.config import Settings
from storage import Storage, open_storage


@dataclasses.dataclass
class ApiContext:
    settings: Settings
    sessions: sessionmaker[Session]

    @functools.cached_property
    def metrics_cache(self) -> MetricsCache:
        return MetricsCache(self.settings.metrics_min_interval_s)

    @functools.cached_property
    def storage(self) -> Storage:
        return open_storage(self.settings)

    def base_url(self) -> str:
        return self.settings.public_url or request.host_url.rstrip("/")


def ctx() -> ApiContext:
    return current_app.extensions["talkfarm"]
