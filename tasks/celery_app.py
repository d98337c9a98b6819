"""The Celery app: one queue per pool tag, and delivery settings that match the
farm's promise (every accepted job ends exactly once, with exactly one output).

The broker only carries work; the database decides. Every setting below is
there because Celery's default loses or duplicates work in a case the farm
meets every day on spot instances.
"""

from __future__ import annotations

import functools
import socket

from celery import Celery
from kombu.entity import Queue

from domain.config import POOL_TAGS, Settings

#: the longest a single task may run before the worker gives up on it
TASK_TIME_LIMIT_S = 3 * 3600
WEBHOOK_QUEUE = "webhooks"


def queue_for(pool: str) -> str:
    """The queue of pool ``pool``: a worker consumes only its own pool's queue."""
    return f"render.{pool}"


def broker_priority(priority: int) -> int:
    """API priority 9 is most urgent; Redis (kombu) serves 0 first."""
    return 9 - int(priority)


def make_celery(settings: Settings) -> Celery:
    """A Celery app configured so that no accepted job is lost or run twice (see each setting's comment)."""
    broker_url = settings.broker_url
    if settings.embedded_broker:
        # SQLite as broker: kombu's SQLAlchemy transport, with options of our own
        from kombu.transport import TRANSPORT_ALIASES

        TRANSPORT_ALIASES.setdefault("tfsqla", "tasks.embedded_broker:Transport")
        broker_url = "tfsqla+" + broker_url.split("+", 1)[1]
    app = Celery("talkfarm", broker=broker_url, set_as_current=False)
    queues = [
        Queue(queue_for(tag), routing_key=queue_for(tag), queue_arguments={"x-max-priority": 10}) for tag in POOL_TAGS
    ]
    queues.append(Queue(WEBHOOK_QUEUE, routing_key=WEBHOOK_QUEUE))
    transport_options: dict = {
        # A message a worker took but did not ack comes back after this long.
        # It must be longer than any single task (TASK_TIME_LIMIT_S), or Redis
        # hands a running job to a second worker in parallel. Jobs whose
        # worker died are found much sooner by the reconciler (lease expiry).
        "visibility_timeout": TASK_TIME_LIMIT_S + 3600,
    }
    if settings.broker_url.startswith("redis"):
        # ten priority levels, served strictly in order within a queue
        transport_options.update(priority_steps=list(range(10)), sep=":", queue_order_strategy="priority")
        transport_options.update(redis_socket_options(settings))
    app.conf.update(
        task_queues=queues,
        task_default_queue=queue_for("cpu"),
        task_ignore_result=True,
        result_backend=None,
        task_serializer="json",
        accept_content=["json"],
        # Ack only when the task has finished: a worker that vanishes mid-task
        # leaves its message to be delivered again instead of losing it.
        task_acks_late=True,
        # A prefork child killed mid-task (OOM, SIGKILL) gets its message
        # requeued rather than acked as if it had finished.
        task_reject_on_worker_lost=True,
        # Take one message per execution slot and no more: a worker must not
        # sit on jobs an idle worker could run, nor lose a stack of them when
        # it dies. (Effective prefetch = concurrency x 1.)
        worker_prefetch_multiplier=1,
        # When the broker connection drops, unacked messages will be redelivered
        # anyway; cancel the tasks holding them rather than run them twice.
        # (Celery can cancel prefork children, not threads: with our threads
        # pool the running attempt carries on, and the redelivered duplicate
        # is refused at claim because the database shows the job running.)
        worker_cancel_long_running_tasks_on_connection_loss=True,
        # Hard and soft time limits (enforced by prefork; the pipeline also
        # checks its own deadline, which works with the threads pool too).
        task_time_limit=TASK_TIME_LIMIT_S + 60,
        task_soft_time_limit=TASK_TIME_LIMIT_S,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        # keep retrying a lost broker forever: Redis restarts are routine
        broker_connection_max_retries=None,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_hijack_root_logger=False,
    )
    if settings.embedded_broker:
        app.conf.broker_transport_options = {}  # kombu would hand them to create_engine
    return app


def redis_socket_options(settings: Settings) -> dict:
    """Socket timeouts, keepalives and a health probe for every Redis connection
    kombu opens (the worker's consumer, and the API's and scheduler's producers).
    On a cut network a connection hangs instead of being reset: without these a
    BRPOP or a publish would wait for the kernel to give up, many minutes later."""
    keepalive = {}
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 3), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):  # Linux names; other kernels keep their defaults
            keepalive[getattr(socket, name)] = value
    return {
        "socket_connect_timeout": settings.redis_connect_timeout_s,
        "socket_timeout": settings.redis_socket_timeout_s,
        "socket_keepalive": True,
        "socket_keepalive_options": keepalive,
        "health_check_interval": settings.redis_health_check_interval_s,
        "retry_on_timeout": True,
    }


@functools.lru_cache(maxsize=4)
def celery_for(settings: Settings) -> Celery:
    """One Celery app per settings, made on first use: its connection pool is shared by the process."""
    return make_celery(settings)
