"""`talkfarm submit --wait`: a progress bar that follows stage and progress,
polling with If-None-Match so an unchanged job costs a 304."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cli.client import FarmClient
from domain.states import FINISHED_STATES


def follow(client: FarmClient, job_id: str, poll_s: float = 1.0, *, to_stderr: bool = False) -> dict:
    """Poll until the job ends; the bar goes to stderr when stdout carries a JSON document."""
    job, etag = client.job(job_id)
    assert job is not None  # a 304 answers only an If-None-Match, and this first request sends none
    with Progress(
        TextColumn("[bold]{task.fields[status]}[/] {task.fields[stage]}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        transient=False,
        console=Console(stderr=to_stderr),
    ) as bar:
        task = bar.add_task("job", total=1.0, status=job["status"], stage="")
        while True:
            bar.update(task, completed=job["progress"], status=job["status"], stage=job.get("stage") or "")
            if job["status"] in FINISHED_STATES:
                return job
            time.sleep(poll_s)
            fresh, etag = client.job(job_id, etag)
            if fresh is not None:
                job = fresh
