"""A webhook receiver for ops/compose-check and ops/compose-chaos: it answers
every POST with 204 and appends the delivery (headers and raw body) as one
JSON line to SINK_FILE, for the host to verify the signatures and count the
deliveries. Standard library only, so it runs in the talkfarm image as is."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SINK_FILE = os.environ.get("SINK_FILE", "/sink/deliveries.jsonl")
_lock = threading.Lock()


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = {
            "received_at": time.time(),
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        with _lock, open(SINK_FILE, "a") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 — the healthcheck
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("SINK_PORT", "9000"))), Sink).serve_forever()
