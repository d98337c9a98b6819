"""The API server process: what it loads before it takes its first request."""

from __future__ import annotations

from domain.config import Settings


def test_each_server_process_loads_the_language_detector_before_its_first_request(sqlite_settings: Settings):
    from api.server import _Gunicorn
    from media.tts import language

    language._identifier.cache_clear()
    app = _Gunicorn(sqlite_settings, {"bind": "127.0.0.1:0"}).load()

    assert app.name == "talkfarm"
    # loaded: the first script without a language does not wait ~0.5–1 s for the model
    assert language._identifier.cache_info().currsize == 1
