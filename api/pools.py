"""/v1/pools, /healthz and /metrics."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response
from flask_smorest import Blueprint

from api.app_version import VERSION
from api.auth import require_operator
from api.context import ctx
from api.metrics import render_metrics
from api.schemas import HealthSchema, PoolsSchema
from domain.errors import ProblemError
from domain.poolstats import pool_stats

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
    """Liveness: the process answers and reaches its database."""
    try:
        with ctx().sessions() as session:
            session.execute(sa.text("SELECT 1"))
    except Exception as exc:
        raise ProblemError("database_unavailable", f"The database cannot be reached: {type(exc).__name__}", 503) from exc
    return {"status": "ok", "database": "ok", "version": VERSION}


@blp.route("/metrics", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, description="Prometheus text format")
def metrics():
    """Prometheus metrics: jobs by state, per-pool waiting/running/workers, worker-reported histograms."""
    body, content_type = render_metrics(ctx())
    return Response(body, content_type=content_type)
