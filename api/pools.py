"""/v1/pools, /healthz and /metrics."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from api.app_version import VERSION
from api.auth import require_operator
from api.context import ctx
from api.metrics import may_read_metrics
from api.problems import database_unavailable, schema_not_current
from api.schemas import HealthSchema, PoolsSchema
from domain.errors import ProblemError
from domain.poolstats import pool_stats
from domain.schema_revision import SchemaState, schema_revision

blp = Blueprint("pools", __name__, description="Pools, health and metrics")


@blp.route("/v1/pools", methods=["GET"])
@blp.response(200, PoolsSchema)
@blp.alt_response(403, response="Problem")
def pools():
    """Per pool: workers online and draining, waiting and running jobs, and a recommended worker count (operator key)."""
    require_operator()
    with ctx().sessions() as session:
        return {"pools": {tag: s.to_dict() for tag, s in pool_stats(session, ctx().settings).items()}}


@blp.route("/healthz", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, response="Problem")
def healthz():
    """Readiness: the process answers, reaches its database, and the database's schema is this release's (one
    query: its alembic revision against the code's head). 503 ``database_unavailable`` when the database does not
    answer; 503 ``database_schema_behind`` (not migrated yet: run `talkfarm db upgrade`) or
    ``database_schema_unknown`` (never migrated). A schema a newer release migrated is ready, ``database:
    schema_ahead``: a rolling upgrade migrates first, then replaces the pods, and its old pods stay in service
    until the new ones are up (503 there left no pod ready meanwhile). Migrations add tables and columns, so the
    old code serves nearly everything; a write a new NOT NULL column refuses (0012's brand kit ``name_key``) fails
    for those minutes as it would have."""
    try:
        with ctx().sessions() as session:
            revision = schema_revision(session)
    except Exception as exc:
        raise database_unavailable(exc) from exc
    if revision.state is SchemaState.AHEAD:
        return {"status": "ok", "database": "schema_ahead", "version": VERSION}
    if revision.state is not SchemaState.CURRENT:
        raise schema_not_current(revision)
    return {"status": "ok", "database": "ok", "version": VERSION}


@blp.route("/metrics", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, description="Prometheus text format")
@blp.alt_response(403, response="Problem")
def metrics():
    """Prometheus metrics: jobs by state, per-pool waiting/running/workers, worker-reported histograms.
    Readable from the addresses in TALKFARM_METRICS_ALLOW_FROM (loopback by default) or with
    TALKFARM_METRICS_KEY as a bearer key; computed at most once per TALKFARM_METRICS_MIN_INTERVAL_S."""
    c = ctx()
    if not may_read_metrics(c.settings, request.remote_addr, request.headers.get("Authorization", "")):
        raise ProblemError(
            "metrics_forbidden",
            "/metrics is open to the operator's scraper only: from an allowed "
            "address (TALKFARM_METRICS_ALLOW_FROM) or with TALKFARM_METRICS_KEY as a bearer key.",
            403,
        )
    body, content_type = c.metrics_cache.get(c)
    return Response(body, content_type=content_type)
