"""Handing messages to the broker, behind one small interface.

Everything that sends (the API after a commit, the worker when a job ends, the
scheduler) is given a ``TaskSender`` rather than reaching for Celery, so a test
or a benchmark passes ``tests.stubs.RecordingSender`` and sees what would have
been sent, the way Dramatiq's ``StubBroker`` stands in for a broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from domain.config import Settings
from tasks import task_names
from tasks.celery_app import WEBHOOK_QUEUE, broker_priority, celery_for, queue_for


class TaskSender(Protocol):
    """Puts one message on a queue; raises when the broker cannot take it."""

    def send(self, task: str, args: list[Any], *, queue: str, priority: int | None = None) -> None:
        """Put ``task`` with ``args`` on ``queue``; raise if the broker cannot take it."""
        ...


@dataclass(frozen=True)
class CelerySender:
    """The production sender: Celery's ``send_task`` on the farm's app."""

    settings: Settings

    def send(self, task: str, args: list[Any], *, queue: str, priority: int | None = None) -> None:
        """Send through Celery's ``send_task``: only the task's name travels, never the function."""
        celery_for(self.settings).send_task(task, args=args, queue=queue, routing_key=queue, priority=priority)


def send_render(sender: TaskSender, pool: str, job_id: str, priority: int) -> None:
    """A job's render message, on its pool's queue at its priority."""
    sender.send(task_names.RENDER_JOB, [job_id], queue=queue_for(pool), priority=broker_priority(priority))


def send_delivery(sender: TaskSender, delivery_id: str) -> None:
    """One webhook delivery attempt, on the webhook queue (never behind renders)."""
    sender.send(task_names.DELIVER_WEBHOOK, [delivery_id], queue=WEBHOOK_QUEUE)
