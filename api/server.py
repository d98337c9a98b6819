"""Run the API under gunicorn from `talkfarm api` (the same server as in production)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from api.app import create_app
from domain.config import Settings
from domain.structured_logs import json_dict_config
from media.tts import language


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints (no py.typed)
    def __init__(self, settings: Settings, options: dict):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.settings)
        # in each server process before it takes requests: the first job without a
        # `language` would otherwise wait for the language detector's model
        language.preload()
        return app


def serve(settings: Settings, host: str, port: int, processes: int = 2, threads: int = 8) -> None:
    _Gunicorn(settings, {
        "bind": f"{host}:{port}",
        "workers": processes,
        # threads let a slow upload not block polls on the same process
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 20,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        **_json_logs(settings),
    }).run()


def _json_logs(settings: Settings) -> dict:
    """TALKFARM_LOG_FORMAT=json: gunicorn's own lines as JSON too (it configures its loggers itself)."""
    if settings.log_format != "json":
        return {}

    return {"logconfig_dict": json_dict_config(("gunicorn.error",))}  # no access log, as in text
