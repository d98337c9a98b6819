"""Binds task functions to a Celery app by stable names (messages name tasks,
so renaming a module never strands a queued message)."""

from __future__ import annotations

from celery import Celery


def register(app: Celery) -> None:
    from tasks import render, webhooks

    app.task(name="talkfarm.render_job", bind=False, acks_late=True, ignore_result=True)(render.render_job)
    app.task(name="talkfarm.deliver_webhook", bind=False, acks_late=True, ignore_result=True)(webhooks.deliver)
