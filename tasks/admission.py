"""Admit inside the transaction, send after the commit: the one way the farm
hands jobs to the broker.

A request that creates or requeues jobs marks, in its own transaction, as many
waiting jobs as their pools have room for (``tasks.dispatch.admit``), and sends
them only once that transaction has committed, so a worker never receives a
job id whose row it cannot read. A send that fails costs nothing: the job is
still in the table, unmarked, and the scheduler's next fill sends it.

    admission = Admission(settings, sessions, sender)
    with sessions() as session, session.begin():
        ...  # create or requeue jobs
        admission.admit(session, job.pool)
    admission.send()
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from domain.config import Settings
from tasks import dispatch
from tasks.sending import TaskSender

log = logging.getLogger(__name__)


@dataclass
class Admission:
    """The jobs one transaction admitted, waiting for its commit to be sent."""

    settings: Settings
    sessions: sessionmaker[Session]
    sender: TaskSender
    admitted: dict[str, list[dispatch.Waiting]] = field(default_factory=lambda: defaultdict(list))

    def admit(self, session: Session, pool: str) -> None:
        """Inside the transaction: mark what ``pool`` has room for."""
        self.admitted[pool].extend(dispatch.admit(session, self.settings, pool))

    def send(self) -> int:
        """After the commit: send what was admitted. Never raises: whatever is
        not sent now is unmarked (or left for the scheduler) and sent within seconds."""
        sent = 0
        for pool, jobs in sorted(self.admitted.items()):
            try:
                sent += dispatch.send_admitted(self.sessions, self.settings, self.sender, pool, jobs)
            except Exception:  # the database went away while unmarking: the scheduler resends
                log.warning("could not send jobs to the broker now; the scheduler will", exc_info=True)
        self.admitted.clear()
        return sent
