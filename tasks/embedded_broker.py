"""The embedded broker for one machine: kombu's SQLAlchemy transport on a
SQLite file, tuned for a farm that runs several processes on it.

kombu hands every transport option to ``create_engine``, so the options this
transport needs (how often to poll) are set here rather than in Celery's
``broker_transport_options``.
"""

from __future__ import annotations

from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import create_engine, event


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self):
        engine = create_engine(self.connection.client.hostname, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            # the API, the worker and the scheduler share this file
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine


class Transport(kombu_sqla.Transport):
    Channel = Channel
    #: seconds between polls of an empty queue; kombu's default of 1 s would
    #: add up to a second to every hand-off on one machine
    polling_interval = 0.1
