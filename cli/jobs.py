"""`talkfarm jobs list|events|retry|cancel`: the tenant's jobs, through the API."""

from __future__ import annotations

import click

from cli.console import emit_json, emit_table, json_option, post_command, with_client
from domain.states import JobState

JOB_STATES = tuple(s.value for s in JobState)


@click.group()
def jobs() -> None:
    """Jobs of this key's tenant."""


def _row(job: dict) -> dict:
    error = job.get("error") or {}
    progress = (
        f"{100 * (job.get('progress') or 0):.0f}%" if job["status"] in (JobState.QUEUED, JobState.RUNNING) else None
    )
    kind = "draft" if job.get("draft") else ("final" if job.get("draft_of") else None)
    return {
        **job,
        "kind": kind,
        "progress_text": progress,
        "error_code": error.get("code"),
        "duration": (job.get("output") or {}).get("duration_s"),
    }


@jobs.command("list")
@click.option("--status", type=click.Choice(JOB_STATES), default=None)
@click.option("--batch", "batch_id", default=None, help="Only this batch's jobs.")
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--cursor", default=None, help="next_cursor of the previous page.")
@json_option
@with_client
def jobs_list(client, status, batch_id, limit, cursor, as_json):
    """List jobs, newest first."""
    page = client.get("/v1/jobs", status=status, batch_id=batch_id, limit=limit, cursor=cursor)
    if as_json:
        emit_json(page)
        return
    emit_table(
        [_row(j) for j in page["items"]],
        [
            ("id", "id"),
            ("status", "status"),
            ("kind", "kind"),
            ("stage", "stage"),
            ("progress", "progress_text"),
            ("pool", "pool"),
            ("attempts", "attempts"),
            ("seconds", "duration"),
            ("error", "error_code"),
            ("created", "created_at"),
        ],
        empty="no jobs",
    )
    if page.get("next_cursor"):
        click.echo(f"more: talkfarm jobs list --cursor {page['next_cursor']}")


@jobs.command("events")
@click.argument("job_id")
@json_option
@with_client
def jobs_events(client, job_id, as_json):
    """A job's state changes: time, worker, attempt."""
    history = client.get(f"/v1/jobs/{job_id}/events", limit=1000)
    if as_json:
        emit_json(history)
        return
    rows = [
        {
            **e,
            "change": f"{e['from_status'] or ''} → {e['to_status']}" if e["to_status"] else None,
            "about": e["detail"].get("code") or e["detail"].get("reason") or e["detail"].get("final_job_id"),
        }
        for e in history["items"]
    ]
    emit_table(
        rows,
        [
            ("at", "at"),
            ("event", "kind"),
            ("status", "change"),
            ("attempt", "attempt"),
            ("worker", "worker"),
            ("detail", "about"),
        ],
        empty="no events",
    )


# a job's actions: POST /v1/jobs/JOB_ID/<action>, then the job it answers with
for _action, _help, _summary in (
    (
        "retry",
        "Queue a failed or canceled job again, as a new attempt.",
        lambda job_id, job: f"{job['id']} is {job['status']} again (pool {job['pool']})",
    ),
    (
        "approve",
        "Approve a succeeded draft: render its final job (same speech and timing, full size).",
        lambda job_id, final: f"approved {job_id}: final job {final['id']} is {final['status']}",
    ),
    ("cancel", "Cancel a queued or running job.", lambda job_id, job: f"{job['id']} is {job['status']}"),
):
    post_command(jobs, _action, "job_id", "/v1/jobs/{job_id}/" + _action, _help, _summary)
