"""A tiny CMS-side webhook receiver for talkfarm.

It does the two things every receiver must: verify the Standard Webhooks
signature (with any Standard Webhooks library; here `standardwebhooks`) and
process each event once, deduplicating on the `webhook-id` header, because a
delivery can arrive more than once.

    python examples/cms_receiver.py --secret whsec_... --port 9000

Give several --secret values while rotating: a delivery is accepted if any
signature on it matches any of them.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable

from flask import Flask, request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Inbox:
    """Events seen, once each, in arrival order (a CMS would write to its database)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events: dict[str, dict] = {}
        self.deliveries = 0  # every POST that passed the signature check, duplicates included
        self.times_seen: dict[str, int] = {}  # per webhook-id, duplicates included
        self.rejected = 0

    def add(self, event_id: str, event: dict) -> bool:
        with self.lock:
            self.deliveries += 1
            self.times_seen[event_id] = self.times_seen.get(event_id, 0) + 1
            if event_id in self.events:
                return False
            self.events[event_id] = event
            return True


def make_app(
    secrets: list[str],
    inbox: Inbox,
    on_event: Callable[[dict], None] | None = None,
    fail_while: Callable[[], bool] = lambda: False,
) -> Flask:
    app = Flask("cms_receiver")
    verifiers = [Webhook(secret) for secret in secrets]

    @app.post("/talkfarm")
    def receive():
        if fail_while():
            return "CMS busy", 500  # talkfarm will retry, with the same webhook-id
        body = request.get_data()
        headers = {k.lower(): v for k, v in request.headers.items()}
        for verifier in verifiers:
            try:
                event = verifier.verify(body, headers)
                break
            except WebhookVerificationError:
                continue
        else:
            with inbox.lock:
                inbox.rejected += 1
            return "bad signature", 401
        if inbox.add(headers["webhook-id"], event) and on_event:
            on_event(event)
        return "", 204

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--secret", action="append", required=True)
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()

    def show(event: dict) -> None:
        data = event["data"]
        print(
            json.dumps(
                {
                    "type": event["type"],
                    "id": data.get("id"),
                    "status": data.get("status"),
                    "url": (data.get("output") or {}).get("url"),
                }
            ),
            flush=True,
        )

    make_app(args.secret, Inbox(), show).run(host="0.0.0.0", port=args.port)


if __name__ == "__main__":
    main()
