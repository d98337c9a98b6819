"""Chaos: about 30 jobs across three worker processes while workers are
SIGKILLed every few seconds (and restarted), one worker is drained with
SIGTERM, Redis restarts empty, S3 is stopped for 15 s and PostgreSQL drops
every connection once. Every job must still end succeeded, exactly once,
with exactly one output.

Redis and SeaweedFS are started by this test on spare ports, so it may kill
them without touching anything else; PostgreSQL is the shared server, with a
database of this test's own whose connections are the only ones dropped.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from domain.states import TRANSITIONS, JobState
from tests import services

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

N_JOBS = 30
WORKERS = 3
TIMEOUT_S = 600
SENTENCES = [
    "The council met on Monday evening.",
    "Buses will run every ten minutes.",
    "The bridge reopens in spring.",
    "Tickets go on sale next week.",
    "Rain is expected on Friday.",
    "The museum extends its opening hours.",
    "A new school opens in the north.",
    "The river is cleaner than it was.",
    "Traffic was light this morning.",
    "The mayor thanked the volunteers.",
    "Prices rose slightly in October.",
    "The library adds a reading room.",
]


class OwnRedis:
    """A Redis of the test's own, without persistence, that it may kill."""

    def __init__(self):
        self.port = services.free_port()
        self.proc = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            services.unavailable("redis-server binary not found")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        services.wait_for(lambda: services.port_open(self.port), 15, "chaos redis")
        return self

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class Figures:
    kills: int = 0
    drains: list = field(default_factory=list)
    faults: dict = field(default_factory=dict)  # name -> time the fault ended
    restarts: int = 0


def script(i: int) -> str:
    rng = random.Random(i)
    return " ".join(rng.sample(SENTENCES, 9))  # ~3 segments, sentences shared across jobs (TTS cache)


def progress_after(sessions, moment: float) -> tuple[float | None, float | None]:
    """Seconds from ``moment`` to the next piece of work a worker finished (a
    claimed job or a stored segment), and to the next finished job."""
    from domain.models import Job, JobEvent

    since = sa.func.to_timestamp(moment)
    with sessions() as session:
        work = session.scalar(
            sa.select(sa.func.min(JobEvent.at)).where(JobEvent.kind.in_(("segment", "succeeded")), JobEvent.at > since)
        )
        done = session.scalar(
            sa.select(sa.func.min(Job.finished_at)).where(Job.status == "succeeded", Job.finished_at > since)
        )
    return tuple(t.timestamp() - moment if t else None for t in (work, done))


def test_no_job_lost_or_finished_twice_under_chaos(pg_url, tmp_path, farm_factory):

    from domain.config import Settings
    from domain.db import session_factory, upgrade
    from domain.models import Base, Job, JobAttempt, JobEvent

    redis = OwnRedis().start()
    weed = services.start_seaweed()
    if weed is None:
        services.unavailable("SeaweedFS could not be started")
    bucket = services.make_bucket(weed.endpoint)
    settings = Settings.from_env(
        {},
        data_dir=tmp_path / "data",
        database_url=pg_url,
        broker_url=redis.url,
        storage_url=f"s3://{bucket}/chaos-{uuid.uuid4().hex[:6]}",
        s3_endpoint_url=weed.endpoint,
        heartbeat_interval_s=1.0,
        worker_dead_after_s=6.0,
        queued_resend_after_s=4.0,
        drain_grace_s=20.0,
        storage_wait_limit_s=180.0,
        job_max_failures=3,
    )
    upgrade(settings)
    sessions = session_factory(settings)
    with sessions() as session, session.begin():
        session.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in Base.metadata.sorted_tables) + " CASCADE"))
    farm = farm_factory(settings, workers=WORKERS, concurrency=1, webhooks=False)
    client = farm.client(farm.create_key("chaos"))
    figures = Figures()
    started = time.time()
    try:
        job_ids = []
        for i in range(N_JOBS):
            response = client.post(
                "/v1/jobs", json={"script": script(i), "avatar": "astronaut", "params": {"resolution": 128, "fps": 15}}
            )
            assert response.status_code == 202, response.text
            job_ids.append(response.json()["id"])

        def unfinished() -> int:
            with sessions() as session:
                return session.scalar(
                    sa.select(sa.func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
                )

        stop = threading.Event()
        storage_back = threading.Event()

        def s3_outage():
            nonlocal weed
            weed.process.kill()  # S3 vanishes at once, as in an outage
            weed.process.wait()
            time.sleep(15)
            restarting = time.time()
            weed = weed.start_again()
            figures.faults[f"s3 stopped 15 s (+{time.time() - restarting:.0f} s to start again)"] = time.time()
            storage_back.set()

        # one fault at a time, so each one's recovery can be read on its own
        schedule = [(3, "drain"), (8, "redis"), (20, "postgres"), (30, "s3")]
        next_kill = time.time() + 6
        while unfinished() and time.time() - started < TIMEOUT_S:
            now = time.time() - started
            while schedule and now >= schedule[0][0]:
                _, fault = schedule.pop(0)
                if fault == "drain":
                    name = random.choice(farm.workers())
                    farm.kill(name, signal.SIGTERM)
                    t0 = time.time()
                    code = farm.wait_exit(name, timeout_s=settings.drain_grace_s + 30)
                    figures.drains.append((name, code, round(time.time() - t0, 1)))
                    farm.add_worker()
                    figures.restarts += 1
                elif fault == "redis":
                    redis.kill()
                    redis.start()
                    figures.faults["redis restarted empty"] = time.time()
                elif fault == "s3":
                    threading.Thread(target=s3_outage, daemon=True).start()
                elif fault == "postgres":
                    admin = sa.create_engine(pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
                    with admin.connect() as conn:
                        dropped = conn.execute(
                            sa.text(
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = :db AND pid <> pg_backend_pid()"
                            ),
                            {"db": pg_url.rsplit("/", 1)[1]},
                        ).scalar()
                    admin.dispose()
                    figures.faults[f"postgres dropped {dropped} connections"] = time.time()
            if time.time() >= next_kill and farm.workers():
                farm.kill(random.choice(farm.workers()), signal.SIGKILL)
                farm.add_worker()
                figures.kills += 1
                figures.restarts += 1
                next_kill = time.time() + random.uniform(6, 10)
            time.sleep(0.25)
        stop.set()
        storage_back.wait(timeout=60)
        elapsed = time.time() - started

        # --- what must hold ------------------------------------------------------------
        with sessions() as session:
            jobs = {j.id: j for j in session.scalars(sa.select(Job)).all()}
            statuses = {j.status for j in jobs.values()}
            assert all(j.status == "succeeded" for j in jobs.values()), {
                j.id: (j.status, j.error_code, j.error_message) for j in jobs.values() if j.status != "succeeded"
            }

            wins = session.execute(
                sa.select(JobAttempt.job_id, sa.func.count())
                .where(JobAttempt.outcome == "succeeded")
                .group_by(JobAttempt.job_id)
            ).all()
            assert sorted(jid for jid, n in wins if n == 1) == sorted(jobs), "a job had two successful attempts"

            events = defaultdict(list)
            for e in session.scalars(sa.select(JobEvent).order_by(JobEvent.id)):
                events[e.job_id].append(e)
            for job_id, evs in events.items():
                assert_valid_sequence(job_id, evs)
            segment_events = defaultdict(list)
            for job_id, evs in events.items():
                for e in evs:
                    if e.kind == "segment":
                        segment_events[(job_id, e.detail["index"])].append(e.attempt)
            assert all(len(attempts) == 1 for attempts in segment_events.values()), (
                "a recorded segment was rendered twice"
            )
            drained = drained_resumes(events)
            attempts = session.execute(
                sa.select(JobAttempt.outcome, sa.func.count()).group_by(JobAttempt.outcome)
            ).all()

        from storage import open_storage

        outputs = [k for k in open_storage(settings).list("outputs/") if k.endswith("video.mp4")]
        per_job = defaultdict(int)
        for key in outputs:
            per_job[key.split("/")[2]] += 1
        assert dict(per_job) == {job_id: 1 for job_id in jobs}, "every job has exactly one output object"
        assert all(code == 0 for _, code, _ in figures.drains), f"a drained worker did not exit 0: {figures.drains}"
        assert all(ok for _, ok in drained), f"a job resumed after a drain re-rendered a finished segment: {drained}"

        recover = {name: progress_after(sessions, at) for name, at in figures.faults.items()}
        print(
            f"\nchaos: {len(jobs)} jobs, all {statuses} in {elapsed:.0f} s; {figures.kills} SIGKILLs, "
            f"{len(figures.drains)} SIGTERM drain(s) {figures.drains}, {figures.restarts} worker restarts"
        )
        print("  attempts by outcome:", dict(attempts))
        with sessions() as session:
            finished = sorted(j.finished_at.timestamp() - started for j in session.scalars(sa.select(Job)))
        timeline = defaultdict(int)
        for t in finished:
            timeline[int(t // 10) * 10] += 1
        print("  jobs finished per 10 s from the start:", dict(sorted(timeline.items())))
        print("  faults at (s from start):", {k: round(v - started, 1) for k, v in figures.faults.items()})
        print(
            "  recovery, from each fault's end to the next stored segment / next finished job:",
            {k: " / ".join(f"{v:.1f} s" if v is not None else "none" for v in pair) for k, pair in recover.items()},
        )
        print(
            f"  segments recorded: {len(segment_events)}, re-rendered after being recorded: 0; "
            f"jobs resumed after a drain: {len(drained)}"
        )
    finally:
        for proc in list(farm.procs.values()):
            if proc.poll() is None:
                proc.kill()
        redis.kill()
        weed.stop()


def assert_valid_sequence(job_id: str, events) -> None:
    assert events[0].kind == "created", (job_id, [e.kind for e in events])
    state = JobState.QUEUED
    last_attempt = 0
    for e in events[1:]:
        if e.to_status is None:  # progress-like events (segment, blocklisted) leave the state as it is
            continue
        assert e.from_status == state.value, (job_id, e.kind, e.from_status, state)
        assert JobState(e.to_status) in TRANSITIONS[state], (job_id, state, e.to_status)
        if e.kind == "claimed":
            assert e.attempt == last_attempt + 1, (job_id, "attempts must be claimed in order")
            last_attempt = e.attempt
        state = JobState(e.to_status)
    assert state == JobState.SUCCEEDED, (job_id, state)


def drained_resumes(events) -> list[tuple[str, bool]]:
    """For each hand-back after a drain: did the next attempt start at the first unfinished segment?"""
    checks = []
    for job_id, evs in events.items():
        for i, e in enumerate(evs):
            if e.kind == "requeued" and e.detail.get("reason") == "drained":
                finished = {x.detail["index"] for x in evs[:i] if x.kind == "segment"}
                later = [x.detail["index"] for x in evs[i:] if x.kind == "segment"]
                checks.append((job_id, not (set(later) & finished)))
    return checks
