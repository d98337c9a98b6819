#!/usr/bin/env python3
"""Replay a newsroom's day against the autoscaling policy the manifests ship.

A discrete-time simulation (1 s steps, idle stretches skipped), pure Python,
deterministic for a seed. It models what decides cost and latency on a farm of
spot workers:

- the day: a burst of scripts at 09:00, a trickle through the day, a second
  burst at 17:00; each script 20-90 s of speech, cut into sentence segments;
- the work: per-stage seconds per second of speech (TTS, render, encode)
  plus a small upload, per pool;
- the scaler (ops/k8s ScaledObject -> HPA): every polling interval it reads
  ceil((waiting + running) / concurrency) from /v1/pools; scale-up is
  immediate but capped per 15 s, scale-down takes the highest recommendation
  of a stabilisation window and removes at most N pods a minute; the last
  pod goes only after the cooldown with no work; a new pod serves work only
  after its start time (node, image pull, model load);
- scale-down victims are the newest pods (the ReplicaSet's choice, blind to
  which pods are busy); a victim drains: each job hands back at its next
  segment boundary, nothing is redone unless the drain grace runs out;
- spot interruptions: each pod is reclaimed after an exponential lifetime
  (rate per pod-hour); the job loses the segment in hand (redone work) and
  resumes elsewhere from its finished segments; the Deployment replaces the
  pod, which starts from scratch.

    python ops/simulate_day.py                  # the candidate policies, default day
    python ops/simulate_day.py --interruptions-per-hour 0.5 --seed 7
    python ops/simulate_day.py --tts 0.16 --render 0.10 --encode 0.21

Prints, per policy and pool: worker-minutes (billed pod time, start-up and
drain included), p50/p95 time-to-video (and p95 of the trickle alone: what a
caller waits in a quiet hour), redone work and interruptions.
"""

from __future__ import annotations

import argparse
import math
import random
from collections import deque
from dataclasses import dataclass, field, replace

HOUR = 3600.0


# --- inputs ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StageTimes:
    """Worker seconds per second of speech, per stage (measured on one worker, one job)."""

    tts: float = 0.16
    render: float = 0.10
    encode: float = 0.21
    upload_s: float = 1.0  # per job, small

    def work_per_speech_s(self) -> float:
        return self.tts + self.render + self.encode


@dataclass(frozen=True, order=True)
class Script:
    arrived: float
    speech_s: float
    burst: bool  # part of the 09:00 or 17:00 burst, not the trickle


@dataclass(frozen=True)
class Day:
    """The newsroom's day. Times are seconds after midnight."""

    morning_burst: int = 400
    morning_at_s: float = 9 * HOUR
    evening_burst: int = 200
    evening_at_s: float = 17 * HOUR
    burst_spread_s: float = 120.0  # a CMS pushes a burst over a couple of minutes
    trickle_per_hour: float = 20.0
    trickle_from_s: float = 7 * HOUR
    trickle_until_s: float = 22 * HOUR
    speech_min_s: float = 20.0
    speech_max_s: float = 90.0
    segment_speech_s: float = 8.0  # about one sentence

    def scripts(self, rng: random.Random) -> list[Script]:
        """Every script of the day, by arrival."""
        arrivals = [(self.morning_at_s + rng.uniform(0, self.burst_spread_s), True) for _ in range(self.morning_burst)]
        arrivals += [(self.evening_at_s + rng.uniform(0, self.burst_spread_s), True) for _ in range(self.evening_burst)]
        t = self.trickle_from_s
        while self.trickle_per_hour > 0:
            t += rng.expovariate(self.trickle_per_hour / HOUR)
            if t >= self.trickle_until_s:
                break
            arrivals.append((t, False))
        return sorted(Script(a, rng.uniform(self.speech_min_s, self.speech_max_s), burst) for a, burst in arrivals)


@dataclass(frozen=True)
class Policy:
    """The knobs of ops/k8s/40-worker-cpu.yaml (ScaledObject + HPA behavior + worker);
    the defaults are what it ships (tests/unit/ops/test_simulate_day.py keeps them equal)."""

    name: str
    min_replicas: int = 0
    max_replicas: int = 20
    concurrency: int = 2
    polling_s: float = 15.0
    pod_start_s: float = 90.0
    cooldown_s: float = 300.0
    scale_down_window_s: float = 120.0
    scale_down_pods_per_min: int = 4
    scale_up_pods_per_15s: int = 4
    drain_grace_s: float = 90.0
    #: "work": waiting + running (what we ship); "queue": waiting only (a bare broker list length)
    signal: str = "work"


@dataclass(frozen=True)
class Pool:
    name: str
    stages: StageTimes
    share: float  # fraction of the day's scripts routed here
    #: throughput of a worker running `concurrency` jobs relative to one job
    #: (1.0: jobs just share the cores; >1: batching on an accelerator)
    concurrency_gain: float = 1.0


SHIPPED = Policy("shipped")
CANDIDATES = (
    SHIPPED,
    replace(SHIPPED, name="keep-warm-longer", cooldown_s=600, scale_down_window_s=300, scale_down_pods_per_min=1),
    replace(SHIPPED, name="fast-scale-down", cooldown_s=60, scale_down_window_s=30, scale_down_pods_per_min=10),
    replace(SHIPPED, name="warm-floor-2", min_replicas=2),
    replace(SHIPPED, name="max-10", max_replicas=10),
    replace(SHIPPED, name="concurrency-1", concurrency=1),
    replace(SHIPPED, name="queue-length-signal", signal="queue"),
    replace(
        SHIPPED,
        name="queue-length-fast-down",
        signal="queue",
        cooldown_s=60,
        scale_down_window_s=30,
        scale_down_pods_per_min=10,
    ),
)


# --- the simulation -------------------------------------------------------------------
@dataclass
class Job:
    id: int
    arrived: float
    burst: bool
    segments: list[float]  # worker seconds of each segment (upload folded into the last)
    done_segments: int = 0
    progress: float = 0.0  # worker seconds into the segment in hand
    finished: float | None = None

    @property
    def remaining_in_segment(self) -> float:
        return self.segments[self.done_segments] - self.progress


@dataclass
class Pod:
    id: int
    created: float
    ready_at: float
    reclaim_at: float
    jobs: list[Job] = field(default_factory=list)
    draining_since: float | None = None
    ended: float | None = None


@dataclass
class PoolResult:
    policy: str
    pool: str
    jobs: int
    worker_minutes: float
    p50_min: float
    p95_min: float
    trickle_p95_min: float
    redone_minutes: float
    interruptions: int
    handbacks: int  # jobs a scale-down drain handed back at a segment boundary
    peak_pods: int


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[rank]


def simulate_pool(
    pool: Pool,
    policy: Policy,
    scripts: list[Script],
    *,
    segment_speech_s: float,
    interruptions_per_hour: float,
    seed: int,
    dt: float = 1.0,
) -> PoolResult:
    per_speech = pool.stages.work_per_speech_s()
    jobs: deque[Job] = deque()
    for i, script in enumerate(scripts):
        n = max(1, math.ceil(script.speech_s / segment_speech_s))
        segments = [script.speech_s / n * per_speech] * n
        segments[-1] += pool.stages.upload_s
        jobs.append(Job(i, script.arrived, script.burst, segments))
    all_jobs = list(jobs)

    reclaim_rng = random.Random(f"{seed}:{pool.name}:reclaim")
    waiting: deque[Job] = deque()
    pods: list[Pod] = []
    ended: list[Pod] = []
    redone = 0.0
    interruptions = 0
    handbacks = 0
    next_pod_id = 0
    recommendations: deque[tuple[float, int]] = deque()
    last_scale_down = -math.inf
    last_active = -math.inf
    next_poll = 0.0
    peak = 0

    def new_pod(now: float) -> Pod:
        nonlocal next_pod_id
        # One uniform draw per pod, the same for every rate: more interruptions
        # only ever move a reclaim earlier (a coupled comparison across rates).
        u = reclaim_rng.random()
        life = -math.log(1.0 - u) / (interruptions_per_hour / HOUR) if interruptions_per_hour > 0 else math.inf
        pod = Pod(next_pod_id, now, now + policy.pod_start_s, now + life)
        next_pod_id += 1
        return pod

    def rate_per_job(n: int) -> float:
        if n <= 1 or policy.concurrency <= 1:
            return 1.0
        gain = 1.0 + (pool.concurrency_gain - 1.0) * (n - 1) / (policy.concurrency - 1)
        return gain / n

    def hand_back(pod: Pod, job: Job, lose_segment: bool) -> None:
        nonlocal redone
        if lose_segment:
            redone += job.progress
            job.progress = 0.0
        pod.jobs.remove(job)
        waiting.appendleft(job)  # oldest work first; it was admitted earlier

    for _ in range(policy.min_replicas):
        pods.append(new_pod(0.0))

    now = 0.0
    end_of_day = 24 * HOUR
    while now < end_of_day or waiting or any(p.jobs for p in pods):
        # arrivals
        while jobs and jobs[0].arrived <= now:
            waiting.append(jobs.popleft())

        live = [p for p in pods if p.ended is None]
        running = sum(len(p.jobs) for p in live)

        # the scaler
        if now >= next_poll:
            next_poll = now + policy.polling_s
            work = len(waiting) + (running if policy.signal == "work" else 0)
            metric = math.ceil(work / policy.concurrency)
            if work:
                last_active = now
            serving = [p for p in live if p.draining_since is None]
            current = len(serving)
            if metric == 0 and now - last_active >= policy.cooldown_s:
                target = policy.min_replicas
            else:
                floor = max(1, policy.min_replicas) if (metric or current) else policy.min_replicas
                recommendations.append((now, min(policy.max_replicas, max(floor, metric))))
                while recommendations and recommendations[0][0] < now - policy.scale_down_window_s:
                    recommendations.popleft()
                wanted = recommendations[-1][1]
                if wanted > current:
                    target = min(wanted, current + max(current, policy.scale_up_pods_per_15s))
                else:
                    stabilised = max(r for _, r in recommendations)
                    target = min(current, stabilised)
                    if target < current:
                        if now - last_scale_down < 60:
                            target = current
                        else:
                            target = max(target, current - policy.scale_down_pods_per_min)
            if target > current:
                for _ in range(target - current):
                    pods.append(new_pod(now))
            elif target < current:
                last_scale_down = now
                victims = sorted(serving, key=lambda p: p.created, reverse=True)[: current - target]
                for pod in victims:
                    pod.draining_since = now
            peak = max(peak, len([p for p in pods if p.ended is None]))

        # spot reclaims: the segment in hand is lost, the Deployment replaces the pod
        for pod in [p for p in pods if p.ended is None and p.reclaim_at <= now]:
            interruptions += len(pod.jobs)
            for job in list(pod.jobs):
                hand_back(pod, job, lose_segment=True)
            pod.ended = now
            if pod.draining_since is None:
                pods.append(new_pod(now))

        # dispatch: a free slot on a ready, serving pod takes the oldest waiting job
        for pod in pods:
            if pod.ended is None and pod.draining_since is None and pod.ready_at <= now:
                while waiting and len(pod.jobs) < policy.concurrency:
                    pod.jobs.append(waiting.popleft())

        # work
        for pod in pods:
            if pod.ended is not None or not pod.jobs:
                continue
            step = rate_per_job(len(pod.jobs)) * dt
            for job in list(pod.jobs):
                job.progress += step
                if job.remaining_in_segment <= 0:
                    job.done_segments += 1
                    job.progress = 0.0
                    if job.done_segments == len(job.segments):
                        job.finished = now + dt
                        pod.jobs.remove(job)
                    elif pod.draining_since is not None:
                        handbacks += 1
                        hand_back(pod, job, lose_segment=False)  # checkpoint: nothing redone
            if pod.draining_since is not None:
                for job in list(pod.jobs):
                    if now - pod.draining_since >= policy.drain_grace_s:
                        interruptions += 1
                        hand_back(pod, job, lose_segment=True)

        for pod in pods:
            if pod.ended is None and pod.draining_since is not None and not pod.jobs:
                pod.ended = now
        ended.extend(p for p in pods if p.ended is not None)
        pods = [p for p in pods if p.ended is None]

        # skip idle stretches: nothing to run, nothing starting, nothing to scale
        if not waiting and not pods and jobs and now >= next_poll - policy.polling_s:
            now = max(now + dt, min(jobs[0].arrived, end_of_day))
            next_poll = now
            continue
        now += dt

    for pod in pods:
        pod.ended = now
    ended.extend(pods)
    worker_s = sum(p.ended - p.created for p in ended)
    assert all(j.finished is not None for j in all_jobs), "every job finishes by the end of the run"
    latencies = [(j.finished - j.arrived) / 60 for j in all_jobs]
    trickle = [(j.finished - j.arrived) / 60 for j in all_jobs if not j.burst]
    return PoolResult(
        policy.name,
        pool.name,
        len(all_jobs),
        worker_s / 60,
        percentile(latencies, 0.5),
        percentile(latencies, 0.95),
        percentile(trickle, 0.95),
        redone / 60,
        interruptions,
        handbacks,
        peak,
    )


def simulate_day(
    policy: Policy,
    *,
    day: Day = Day(),
    pools: tuple[Pool, ...] | None = None,
    interruptions_per_hour: float = 0.1,
    seed: int = 1,
) -> list[PoolResult]:
    pools = pools or (Pool("cpu", StageTimes(), 1.0),)
    rng = random.Random(seed)
    scripts = day.scripts(rng)
    route = random.Random(f"{seed}:route")
    results = []
    shares = [p.share for p in pools]
    assigned: dict[str, list[Script]] = {p.name: [] for p in pools}
    for script in scripts:
        pool = route.choices(pools, weights=shares)[0]
        assigned[pool.name].append(script)
    for pool in pools:
        if assigned[pool.name]:
            results.append(
                simulate_pool(
                    pool,
                    policy,
                    assigned[pool.name],
                    segment_speech_s=day.segment_speech_s,
                    interruptions_per_hour=interruptions_per_hour,
                    seed=seed,
                )
            )
    return results


def format_table(results: list[PoolResult]) -> str:
    header = (
        f"{'policy':<23} {'pool':<10} {'jobs':>5} {'worker-min':>11} {'p50 min':>8} {'p95 min':>8} "
        f"{'trickle p95':>11} {'redone min':>11} {'interrupts':>10} {'handbacks':>9} {'peak pods':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.policy:<23} {r.pool:<10} {r.jobs:>5} {r.worker_minutes:>11.0f} {r.p50_min:>8.1f} "
            f"{r.p95_min:>8.1f} {r.trickle_p95_min:>11.1f} {r.redone_minutes:>11.1f} {r.interruptions:>10} "
            f"{r.handbacks:>9} {r.peak_pods:>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--interruptions-per-hour", type=float, default=0.1, help="spot reclaims per pod-hour (default 0.1)"
    )
    parser.add_argument("--tts", type=float, default=StageTimes.tts, help="TTS seconds per second of speech")
    parser.add_argument("--render", type=float, default=StageTimes.render)
    parser.add_argument("--encode", type=float, default=StageTimes.encode)
    parser.add_argument("--upload", type=float, default=StageTimes.upload_s, help="seconds per job")
    parser.add_argument(
        "--pod-start", type=float, default=SHIPPED.pod_start_s, help="seconds from pod created to taking work"
    )
    parser.add_argument("--morning", type=int, default=Day.morning_burst)
    parser.add_argument("--evening", type=int, default=Day.evening_burst)
    parser.add_argument("--trickle-per-hour", type=float, default=Day.trickle_per_hour)
    parser.add_argument(
        "--gpu-share",
        type=float,
        default=0.0,
        help="fraction of scripts sent to an amd64-gpu pool (render/encode factors below)",
    )
    parser.add_argument("--gpu-render", type=float, default=0.02)
    parser.add_argument("--gpu-encode", type=float, default=0.05)
    parser.add_argument("--gpu-concurrency-gain", type=float, default=2.0)
    args = parser.parse_args(argv)

    stages = StageTimes(args.tts, args.render, args.encode, args.upload)
    pools = [Pool("cpu", stages, 1.0 - args.gpu_share)]
    if args.gpu_share > 0:
        gpu = StageTimes(args.tts, args.gpu_render, args.gpu_encode, args.upload)
        pools.append(Pool("amd64-gpu", gpu, args.gpu_share, args.gpu_concurrency_gain))
    day = Day(morning_burst=args.morning, evening_burst=args.evening, trickle_per_hour=args.trickle_per_hour)
    results = []
    for policy in CANDIDATES:
        policy = replace(policy, pod_start_s=args.pod_start)
        results += simulate_day(
            policy, day=day, pools=tuple(pools), interruptions_per_hour=args.interruptions_per_hour, seed=args.seed
        )
    print(
        f"day: {day.morning_burst} scripts at 09:00, {day.trickle_per_hour:g}/h trickle, {day.evening_burst} at 17:00;"
        f" stages tts {stages.tts} render {stages.render} encode {stages.encode} x speech;"
        f" {args.interruptions_per_hour:g} reclaims/pod-hour; seed {args.seed}"
    )
    print(format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
