"""The HTTP API (Flask + flask-smorest). ``create_app()`` is the WSGI factory:
``gunicorn 'api.app:create_app()'``."""

from __future__ import annotations

import http
import logging
from typing import Any

from flask import Flask, Response
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from api import (
    api_keys,
    api_reference,
    assets,
    auth,
    batches,
    brand_kits,
    catalog,
    drafts,
    files,
    job_history,
    job_retry,
    jobs,
    openapi_shapes,
    pools,
    previews,
    problems,
    request_bounds,
    template_batches,
    templates,
    usage,
    verify,
    web,
    webhooks,
    workers,
)
from api.app_version import VERSION
from api.context import ApiContext
from api.schemas import BatchEventSchema, JobEventSchema, JobSpecSchema, ProblemSchema
from domain.config import Settings
from domain.db import session_factory
from tasks.sending import CelerySender, TaskSender


class ProblemApi(Api):  # type: ignore[misc]  # flask-smorest ships no type hints (no py.typed)
    """flask-smorest, with every error response documented as problem+json."""

    def _register_responses(self):
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
                prepare_response(response, self.spec, problems.PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error; `code` says which.", "schema": ProblemSchema}
        prepare_response(response, self.spec, problems.PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def create_app(settings: Settings | None = None, sender: TaskSender | None = None) -> Flask:
    """The WSGI app. ``sender`` hands messages to the broker: Celery's unless a test brings its own."""
    settings = settings or Settings.from_env()
    app = Flask("talkfarm")
    app.config.update(
        API_TITLE="talkfarm",
        API_VERSION=VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=max(settings.max_asset_bytes, settings.max_video_bytes) + 1024 * 1024,
        API_SPEC_OPTIONS={
            "info": {"description": "Scripts and portraits in; watermarked, lip-synced MP4s out.", "version": VERSION},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
        JSON_SORT_KEYS=False,
    )
    app.extensions["talkfarm"] = ApiContext(
        settings=settings, sessions=session_factory(settings), sender=sender or CelerySender(settings)
    )
    api = ProblemApi(app, spec_kwargs={"extra_plugins": [openapi_shapes.ServerRefusals()]})
    openapi_shapes.install(api)
    problems.install(app)
    app.before_request(auth.authenticate)
    request_bounds.install(app)  # after auth: only a tenant's bodies are parsed
    app.after_request(_no_content_no_type)

    _document_problems(api)

    # The request is JobRequest: a generated client names the job's inline `spec` object JobSpec, and two
    # schemas by one name make openapi-python-client drop Job, JobEvent and JobList.
    api.spec.components.schema("JobRequest", schema=JobSpecSchema)
    api.spec.components.schema("BatchCreate", schema=batches.BatchCreateSchema)
    api.spec.components.schema("TemplateBatchCreate", schema=template_batches.TemplateBatchCreateSchema)
    for module in (
        assets,
        jobs,
        job_history,
        job_retry,
        drafts,
        batches,
        webhooks,
        verify,
        pools,
        workers,
        usage,
        catalog,
        api_keys,
        files,
        brand_kits,
        templates,
        previews,
    ):
        api.register_blueprint(module.blp)
    request_bounds.learn_body_types(app, api.spec.to_dict())
    app.register_blueprint(api_reference.blp)  # /docs: the reference, drawn from /openapi.json
    web.install(app)  # the web page, served by this same process
    logging.getLogger(__name__).debug("API ready with pools %s", ",".join(settings.pools))
    return app


def _no_content_no_type(response: Response) -> Response:
    """A 204 has no body, so it names no media type (flask-smorest gives every answer ``application/json``)."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response


def _document_problems(api: Api) -> None:
    response = {"description": "The request could not be applied; `code` says why.", "schema": ProblemSchema}
    prepare_response(response, api.spec, problems.PROBLEM_JSON)
    api.spec.components.response("Problem", response)
    _document_webhooks(api)


def _document_webhooks(api: Api) -> None:
    """Webhook events, in OpenAPI 3.1's `webhooks` shape under `x-webhooks`
    (the spec is 3.0.3): Standard Webhooks headers, one body per event."""
    api.spec.components.schema("JobEvent", schema=JobEventSchema)
    api.spec.components.schema("BatchEvent", schema=BatchEventSchema)
    headers = [
        {"in": "header", "name": name, "required": True, "schema": {"type": "string"}, "description": doc}
        for name, doc in (
            ("webhook-id", "Stable event id; the same on every retry. Deduplicate on it."),
            ("webhook-timestamp", "Unix seconds when this attempt was signed."),
            ("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256>`; two during a secret rotation."),
        )
    ]
    events = {}
    for event, schema in (
        ("job.succeeded", "JobEvent"),
        ("job.failed", "JobEvent"),
        ("job.canceled", "JobEvent"),
        ("batch.completed", "BatchEvent"),
    ):
        events[event] = {
            "post": {
                "summary": f"{event} (Standard Webhooks)",
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                },
                "responses": {
                    "2XX": {"description": "Received."},
                    "410": {"description": "Gone: talkfarm disables the endpoint."},
                },
            }
        }
    api.spec.options["x-webhooks"] = events
