"""The farm's vocabulary: job states and which moves between them are legal,
stages, attempt outcomes, and the kinds of events a job records. Every other
module, the schemas and the OpenAPI document take their lists from here."""

from __future__ import annotations

import enum


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


#: the states a job ends in, in the order reports list them
FINISHED_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED)
FINISHED = frozenset(FINISHED_STATES)

#: Every legal move. RUNNING -> QUEUED is a hand-back (drain, interruption or a
#: retry after a failure); FAILED or CANCELED -> QUEUED is a retry the tenant
#: asked for (POST /v1/jobs/{id}/retry); the database refuses anything else.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELED, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.QUEUED, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELED}),
    JobState.SUCCEEDED: frozenset(),
    JobState.FAILED: frozenset({JobState.QUEUED}),
    JobState.CANCELED: frozenset({JobState.QUEUED}),
}


def can_move(src: JobState | str, dst: JobState | str) -> bool:
    return JobState(dst) in TRANSITIONS[JobState(src)]


class Stage(enum.StrEnum):
    TTS = "tts"
    RENDER = "render"
    ENCODE = "encode"
    WATERMARK = "watermark"
    UPLOAD = "upload"


#: Share of a job's progress each stage accounts for, measured on the CPU pool
#: (see benchmarks/render.py); progress moves smoothly rather than by stage.
STAGE_WEIGHTS: dict[Stage, float] = {
    Stage.TTS: 0.20,
    Stage.RENDER: 0.60,
    Stage.ENCODE: 0.08,
    Stage.WATERMARK: 0.04,
    Stage.UPLOAD: 0.08,
}


def overall_progress(stage: Stage, fraction: float) -> float:
    done = 0.0
    for s, weight in STAGE_WEIGHTS.items():
        if s == stage:
            return round(min(1.0, done + weight * max(0.0, min(1.0, fraction))), 4)
        done += weight
    return 1.0


class AttemptOutcome(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: the machine went away or drained: does not use up the retry budget
    INTERRUPTED = "interrupted"
    #: the job moved on (canceled, or a newer attempt took over)
    SUPERSEDED = "superseded"


class EventType(enum.StrEnum):
    """What a job's event records (``GET /v1/jobs/{id}/events``)."""

    CREATED = "created"
    CLAIMED = "claimed"
    #: a segment was rendered, stored and recorded
    SEGMENT = "segment"
    SUCCEEDED = "succeeded"
    #: a failure that will be retried after a backoff
    RETRYING = "retrying"
    FAILED = "failed"
    #: handed back without using up an attempt (drain, lost worker)
    REQUEUED = "requeued"
    #: the job will not be given to a worker it failed on twice
    BLOCKLISTED = "blocklisted"
    CANCELED = "canceled"
    #: a tenant asked for a failed or canceled job again
    RETRIED = "retried"
    #: a succeeded draft was approved; ``detail.final_job_id`` names the final it made
    APPROVED = "approved"
