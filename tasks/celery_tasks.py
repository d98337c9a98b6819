"""Binds the task functions to a Celery app under their names (``tasks.task_names``)."""

from __future__ import annotations

from celery import Celery

from tasks import render_job, task_names, webhooks


def register(app: Celery) -> None:
    """Only worker processes register tasks; the API and the scheduler send them by name."""
    if task_names.RENDER_JOB in app.tasks:
        return
    app.task(name=task_names.RENDER_JOB, bind=False, acks_late=True, ignore_result=True)(render_job.render_job)
    app.task(name=task_names.DELIVER_WEBHOOK, bind=False, acks_late=True, ignore_result=True)(webhooks.deliver)
