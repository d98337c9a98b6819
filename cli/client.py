"""A small HTTP client for the CLI's client commands. Problems from the API
become ``ClientProblem`` so the CLI can print them and exit non-zero."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from domain.config import Settings


class ClientProblem(Exception):
    def __init__(self, status: int, code: str, detail: str, body: dict | None = None):
        super().__init__(f"{code}: {detail}")
        self.status, self.code, self.detail, self.body = status, code, detail, body or {}


def local_key_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "secrets" / "api-key"


class FarmClient:
    def __init__(self, settings: Settings):
        self.base = settings.api_url.rstrip("/")
        key = settings.api_key
        if not key:
            path = local_key_path(settings)
            if path.exists():
                key = path.read_text().strip()
        if not key:
            raise ClientProblem(
                0,
                "no_api_key",
                f"No API key: set TALKFARM_API_KEY, or run `talkfarm up` once to create {local_key_path(settings)}.",
            )
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, self.base + path, timeout=kwargs.pop("timeout", 60), **kwargs)
        except requests.ConnectionError as exc:
            raise ClientProblem(
                0, "api_unreachable", f"Cannot reach the API at {self.base}: is `talkfarm up` running?"
            ) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"code": f"http_{response.status_code}", "detail": response.text[:300]}
            raise ClientProblem(response.status_code, body.get("code", "error"), body.get("detail", ""), body)
        return response

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET a document; parameters that are None are left out."""
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None}).json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._call("POST", path, json=body if body is not None else {}).json()

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", path, json=body).json()

    def delete(self, path: str) -> None:
        self._call("DELETE", path)

    def text(self, path: str) -> str:
        """GET a text document (a CSV header)."""
        return self._call("GET", path).text

    def upload_batch(self, path: Path, form: dict[str, str]) -> dict[str, Any]:
        """POST /v1/batches with a CSV or JSONL file and form fields (``template_id``, ``version``, ``defaults``)."""
        with open(path, "rb") as fh:
            return self._call("POST", "/v1/batches", files={"file": (path.name, fh)}, data=form, timeout=300).json()

    def upload_asset(self, path: Path, purpose: str | None = None) -> dict[str, Any]:
        """Upload a file; ``purpose`` (portrait, background, logo, music, narration, font) defaults by its kind. The
        asset's document, and ``reused``: whether the API answered with the asset it already had of these bytes
        (200) rather than storing them (201)."""
        form = {"purpose": purpose} if purpose else None
        with open(path, "rb") as fh:
            response = self._call("POST", "/v1/assets", files={"file": (path.name, fh)}, data=form, timeout=300)
        return {**response.json(), "reused": response.status_code == 200}

    def submit(self, spec: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._call("POST", "/v1/jobs", json=spec, headers=headers).json()

    def job(self, job_id: str, etag: str | None = None) -> tuple[dict[str, Any] | None, str | None]:
        headers = {"If-None-Match": etag} if etag else {}
        response = self._call("GET", f"/v1/jobs/{job_id}", headers=headers)
        if response.status_code == 304:
            return None, etag
        return response.json(), response.headers.get("ETag")

    def download(self, url: str, dest: Path) -> None:
        with requests.get(url, stream=True, timeout=300) as response:
            if response.status_code >= 400:
                raise ClientProblem(
                    response.status_code,
                    "download_failed",
                    f"Downloading the video failed: HTTP {response.status_code}",
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "wb") as fh:
                for chunk in response.iter_content(1024 * 1024):
                    fh.write(chunk)

    def verify(self, path: Path) -> dict[str, Any]:
        with open(path, "rb") as fh:
            return self._call("POST", "/v1/verify", files={"file": (path.name, fh)}, timeout=600).json()
