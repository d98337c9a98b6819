"""ops/simulate_day.py: the simulated newsroom day behind the shipped autoscaling policy."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("simulate_day", REPO / "ops" / "simulate_day.py")
sim = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = sim
spec.loader.exec_module(sim)

#: a small day keeps each run well under a second
SMALL_DAY = sim.Day(
    morning_burst=60, evening_burst=30, trickle_per_hour=4, trickle_from_s=8 * 3600, trickle_until_s=19 * 3600
)


def run(policy=sim.SHIPPED, rate=0.1, seed=3):
    (result,) = sim.simulate_day(policy, day=SMALL_DAY, interruptions_per_hour=rate, seed=seed)
    return result


def test_simulated_day_finishes_every_job_and_bills_worker_time():
    result = run()
    expected = len(SMALL_DAY.scripts(__import__("random").Random(3)))
    assert result.jobs == expected
    assert result.worker_minutes > 0
    assert 0 < result.p50_min <= result.p95_min
    assert result.peak_pods <= sim.SHIPPED.max_replicas


def test_same_seed_gives_the_same_day():
    assert run(seed=11) == run(seed=11)
    assert run(seed=11) != run(seed=12)


def test_more_interruptions_never_reduce_redone_work():
    redone = [run(rate=rate).redone_minutes for rate in (0.0, 0.5, 2.0, 8.0)]
    assert redone[0] == 0.0
    assert redone == sorted(redone), redone
    assert redone[-1] > 0


def test_more_interruptions_never_reduce_interrupted_jobs():
    counts = [run(rate=rate).interruptions for rate in (0.0, 0.5, 2.0, 8.0)]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] > 0


def test_counting_only_waiting_work_drains_busy_workers():
    """The reason the scaler reads waiting + running, not a broker list length."""
    fast = replace(sim.SHIPPED, cooldown_s=60, scale_down_window_s=30, scale_down_pods_per_min=10)
    right = run(fast, rate=0.0)
    wrong = run(replace(fast, signal="queue"), rate=0.0)
    assert wrong.handbacks > right.handbacks


def test_a_lower_replica_cap_slows_the_burst():
    assert run(replace(sim.SHIPPED, max_replicas=3)).p95_min > run().p95_min


def test_a_longer_cooldown_costs_worker_time_and_shortens_the_trickles_wait():
    short, long = run(replace(sim.SHIPPED, cooldown_s=60)), run(replace(sim.SHIPPED, cooldown_s=1800))
    assert long.worker_minutes > short.worker_minutes
    assert long.trickle_p95_min <= short.trickle_p95_min


def test_shipped_policy_is_the_one_the_manifests_ship():
    docs = list(yaml.safe_load_all((REPO / "ops" / "k8s" / "40-worker-cpu.yaml").read_text()))
    scaled = next(d for d in docs if d["kind"] == "ScaledObject")["spec"]
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    behavior = scaled["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    (down,) = behavior["scaleDown"]["policies"]
    up_pods = next(p for p in behavior["scaleUp"]["policies"] if p["type"] == "Pods")
    shipped = sim.SHIPPED
    assert shipped.min_replicas == scaled["minReplicaCount"]
    assert shipped.max_replicas == scaled["maxReplicaCount"]
    assert shipped.polling_s == scaled["pollingInterval"]
    assert shipped.cooldown_s == scaled["cooldownPeriod"]
    assert shipped.scale_down_window_s == behavior["scaleDown"]["stabilizationWindowSeconds"]
    assert (shipped.scale_down_pods_per_min, 60) == (down["value"], down["periodSeconds"])
    assert (shipped.scale_up_pods_per_15s, 15) == (up_pods["value"], up_pods["periodSeconds"])
    assert shipped.concurrency == int(command[command.index("--concurrency") + 1])
    assert shipped.signal == "work"


def test_table_lists_every_policy_and_pool():
    results = sim.simulate_day(
        sim.SHIPPED,
        day=SMALL_DAY,
        seed=1,
        pools=(
            sim.Pool("cpu", sim.StageTimes(), 0.5),
            sim.Pool("amd64-gpu", sim.StageTimes(render=0.02, encode=0.05), 0.5, 2.0),
        ),
    )
    table = sim.format_table(results)
    assert {r.pool for r in results} == {"cpu", "amd64-gpu"}
    assert "worker-min" in table and "amd64-gpu" in table
