"""Binds task functions to a Celery app by stable names (messages name tasks,
so renaming a module never strands a queued message)."""

from __future__ import annotations

from celery import Celery

from tasks import render_job, webhooks


def register(app: Celery) -> None:
    """Only worker processes register tasks; the API and the scheduler send them by name."""
    app.task(name="talkfarm.render_job", bind=False, acks_late=True, ignore_result=True)(render_job.render_job)
    app.task(name="talkfarm.deliver_webhook", bind=False, acks_late=True, ignore_result=True)(webhooks.deliver)
