"""`talkfarm catalog|workers|usage`: what a job may ask for, the workers
(operator key), and rendered seconds per tenant and day."""

from __future__ import annotations

import click

from cli.console import emit_json, emit_table, json_option, with_client


@click.command()
@json_option
@with_client
def catalog(client, as_json):
    """Voices, preset portraits, models and render parameters a job may use."""
    doc = client.get("/v1/catalog")
    if as_json:
        emit_json(doc)
        return
    click.echo(f"presets: {', '.join(p['name'] for p in doc['presets'])}")
    click.echo(f"models: {', '.join(m['name'] for m in doc['models'])}")
    piper = [v["name"] for v in doc["voices"] if v["engine"] == "piper"]
    click.echo(f"voices: {', '.join(piper)} (+{len(doc['voices']) - len(piper)} espeak-ng voices; --json lists them)")
    rows = [
        {**p, "range": None if p["type"] == "boolean" else f"{p['minimum']:g}–{p['maximum']:g}"} for p in doc["params"]
    ]
    emit_table(rows, [("param", "name"), ("type", "type"), ("default", "default"), ("range", "range")])


@click.command()
@click.option("--all", "include_offline", is_flag=True, help="Also workers that left or stopped heartbeating.")
@json_option
@with_client
def workers(client, include_offline, as_json):
    """Workers: pool, state, heartbeat, current jobs, failures, blocklists (operator key)."""
    doc = client.get("/v1/workers", include_offline="true" if include_offline else None)
    if as_json:
        emit_json(doc)
        return
    emit_table(
        doc["items"],
        [
            ("id", "id"),
            ("pool", "tag"),
            ("state", "state"),
            ("heartbeat s ago", "heartbeat_age_s"),
            ("running", "current_jobs"),
            ("failures", "failures"),
            ("blocklisted on", "blocklisted_on"),
        ],
        empty="no workers",
    )


@click.command()
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True)
@click.option("--tenant", default=None, help="Operator keys only: one tenant.")
@json_option
@with_client
def usage(client, days, tenant, as_json):
    """Seconds rendered and jobs by outcome per tenant (all tenants for an operator key)."""
    doc = client.get("/v1/usage", days=days, tenant=tenant)
    if as_json:
        emit_json(doc)
        return
    rows = [
        {"tenant": t["tenant"], "rendered_s": t["rendered_s"], **t["jobs"], "active_days": len(t["days"])}
        for t in doc["tenants"]
    ]
    emit_table(
        rows,
        [
            ("tenant", "tenant"),
            ("rendered s", "rendered_s"),
            ("succeeded", "succeeded"),
            ("failed", "failed"),
            ("canceled", "canceled"),
            ("queued", "queued"),
            ("running", "running"),
            ("days active", "active_days"),
        ],
        empty="no tenants",
    )
