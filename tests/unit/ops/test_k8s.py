"""The Kubernetes manifests under ops/k8s/.

Built-in kinds are validated strictly (unknown fields rejected) with
kubernetes-validate's bundled schemas, against the oldest and newest
Kubernetes it knows. KEDA's ScaledObject and TriggerAuthentication are custom
resources it has no schema for: they are checked structurally here, against
the fields KEDA 2.x documents, and their HPA `behavior` block is validated as
the autoscaling/v2 HorizontalPodAutoscaler field it is copied into.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import all_versions

from domain.config import POOL_TAGS, PREFIX, Settings

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "ops" / "k8s"
KEDA_KINDS = {"ScaledObject", "TriggerAuthentication"}
DEPLOYMENT_OF_POOL = {"cpu": "worker-cpu", "amd64-gpu": "worker-amd64-gpu", "arm64-npu": "worker-arm64-npu"}
ACCELERATOR_OF_POOL = {"amd64-gpu": "nvidia.com/gpu", "arm64-npu": "huawei.com/Ascend910"}
ARCH_OF_POOL = {"amd64-gpu": "amd64", "arm64-npu": "arm64"}

SCALED_OBJECT_SPEC = {
    "scaleTargetRef",
    "pollingInterval",
    "cooldownPeriod",
    "initialCooldownPeriod",
    "idleReplicaCount",
    "minReplicaCount",
    "maxReplicaCount",
    "fallback",
    "advanced",
    "triggers",
}
TRIGGER_FIELDS = {"type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics"}
#: trigger type -> (required metadata, allowed metadata), from KEDA's scaler docs
TRIGGER_METADATA = {
    "metrics-api": (
        {"url", "valueLocation", "targetValue"},
        {
            "url",
            "valueLocation",
            "targetValue",
            "activationTargetValue",
            "format",
            "method",
            "authMode",
            "unsafeSsl",
            "aggregateFromKubeServiceEndpoints",
            "aggregationType",
        },
    ),
    "prometheus": (
        {"serverAddress", "query", "threshold"},
        {
            "serverAddress",
            "query",
            "threshold",
            "activationThreshold",
            "namespace",
            "authModes",
            "ignoreNullValues",
            "unsafeSsl",
            "customHeaders",
            "queryParameters",
        },
    ),
}
TRIGGER_AUTH_SPEC = {
    "secretTargetRef",
    "env",
    "configMapTargetRef",
    "podIdentity",
    "hashiCorpVault",
    "azureKeyVault",
    "awsSecretManager",
    "gcpSecretManager",
    "boundServiceAccountToken",
}


@functools.lru_cache(maxsize=1)
def documents() -> tuple[tuple[str, dict], ...]:
    """Parsed once per session; tests only read them."""
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return tuple(docs)


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in documents() if doc["kind"] == kind}


def config_map() -> dict[str, str]:
    return of_kind("ConfigMap")["talkfarm-config"]["data"]


def worker(pool: str) -> dict:
    return of_kind("Deployment")[DEPLOYMENT_OF_POOL[pool]]


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


@pytest.mark.parametrize("version", [all_versions()[0], all_versions()[-1]])
def test_every_builtin_manifest_is_valid_kubernetes(version):
    checked = 0
    for filename, doc in documents():
        if doc["kind"] in KEDA_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{filename} {doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")
        checked += 1
    assert checked >= 10


def test_everything_lives_in_the_talkfarm_namespace():
    for filename, doc in documents():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "talkfarm", filename


def test_every_pool_has_a_worker_deployment_a_budget_and_a_scaler():
    pdbs, scalers = of_kind("PodDisruptionBudget"), of_kind("ScaledObject")
    for pool in POOL_TAGS:
        name = DEPLOYMENT_OF_POOL[pool]
        deployment = worker(pool)
        assert "replicas" not in deployment["spec"], f"{name}: replicas belong to KEDA"
        assert pdbs[name]["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
        assert scalers[name]["spec"]["scaleTargetRef"]["name"] == name


def test_workers_consume_the_queue_of_their_own_pool():
    for pool in POOL_TAGS:
        command = container(worker(pool))["command"]
        assert command[:2] == ["talkfarm", "worker"]
        assert command[command.index("--tag") + 1] == pool


def test_workers_get_longer_than_the_drain_grace_to_stop():
    grace = float(config_map().get("TALKFARM_DRAIN_GRACE_S", Settings().drain_grace_s))
    for pool in POOL_TAGS:
        spec = worker(pool)["spec"]["template"]["spec"]
        assert spec["terminationGracePeriodSeconds"] >= grace + 15, pool
        lifecycle = container(worker(pool)).get("lifecycle", {})
        assert "preStop" not in lifecycle, "SIGTERM itself starts the drain"


def test_accelerator_pools_pin_their_architecture_and_claim_their_device():
    for pool, resource in ACCELERATOR_OF_POOL.items():
        spec = worker(pool)["spec"]["template"]["spec"]
        assert spec["nodeSelector"]["kubernetes.io/arch"] == ARCH_OF_POOL[pool]
        assert container(worker(pool))["resources"]["limits"][resource] == 1
        assert any(t["key"] == resource for t in spec["tolerations"])


def test_cpu_pool_runs_on_either_architecture():
    spec = worker("cpu")["spec"]["template"]["spec"]
    (term,) = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    (arch,) = term["matchExpressions"]
    assert arch["key"] == "kubernetes.io/arch" and set(arch["values"]) == {"amd64", "arm64"}
    assert not any(
        key.endswith("/gpu") or "Ascend" in key for key in container(worker("cpu"))["resources"].get("limits", {})
    )


def test_workers_prefer_spot_capacity_of_each_provider_and_tolerate_its_taints():
    providers = {
        "karpenter.sh/capacity-type",
        "eks.amazonaws.com/capacityType",
        "cloud.google.com/gke-spot",
        "kubernetes.azure.com/scalesetpriority",
    }
    for pool in POOL_TAGS:
        spec = worker(pool)["spec"]["template"]["spec"]
        preferred = spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        keys = {e["key"] for p in preferred for e in p["preference"]["matchExpressions"]}
        assert providers <= keys, pool
        tolerated = {t["key"] for t in spec["tolerations"]}
        assert {"cloud.google.com/gke-spot", "kubernetes.azure.com/scalesetpriority"} <= tolerated, pool


def test_workers_have_probes_and_run_as_non_root():
    for pool in POOL_TAGS:
        spec = worker(pool)["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        c = container(worker(pool))
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert c[probe]["exec"]["command"][-1] == "/etc/talkfarm/probes/worker_alive.py", (pool, probe)


def test_scalers_follow_waiting_plus_running_work_of_their_pool():
    for pool in POOL_TAGS:
        spec = of_kind("ScaledObject")[DEPLOYMENT_OF_POOL[pool]]["spec"]
        assert spec["minReplicaCount"] == 0
        assert spec["maxReplicaCount"] >= 1
        types = {t["type"] for t in spec["triggers"]}
        assert not types & {"redis", "redis-streams", "rabbitmq"}, "a broker queue length misses running jobs"
        for trigger in spec["triggers"]:
            if trigger["type"] == "metrics-api":
                assert trigger["metadata"]["valueLocation"] == f"pools.{pool}.desired_workers"
                assert trigger["metadata"]["url"].endswith("/v1/pools")
                # replicas = ceil(desired_workers / targetValue): one worker per unit
                assert trigger["metadata"]["targetValue"] == "1"
                assert trigger.get("metricType", "AverageValue") == "AverageValue"
            if trigger["type"] == "prometheus":
                query = trigger["metadata"]["query"]
                assert f'pool="{pool}"' in query and "waiting|running" in query


def test_scalers_give_the_last_worker_a_cooldown_and_scale_down_gently():
    for pool in POOL_TAGS:
        spec = of_kind("ScaledObject")[DEPLOYMENT_OF_POOL[pool]]["spec"]
        assert spec["cooldownPeriod"] >= 300
        down = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]
        assert down["stabilizationWindowSeconds"] >= 120


def test_keda_objects_use_only_fields_keda_knows():
    auths = of_kind("TriggerAuthentication")
    secrets = of_kind("Secret")
    for name, scaled in of_kind("ScaledObject").items():
        assert scaled["apiVersion"] == "keda.sh/v1alpha1"
        spec = scaled["spec"]
        assert set(spec) <= SCALED_OBJECT_SPEC, f"{name}: unknown {set(spec) - SCALED_OBJECT_SPEC}"
        assert set(spec["advanced"]) <= {
            "horizontalPodAutoscalerConfig",
            "restoreToOriginalReplicaCount",
            "scalingModifiers",
        }
        assert set(spec["fallback"]) <= {"failureThreshold", "replicas", "behavior"}
        for trigger in spec["triggers"]:
            assert set(trigger) <= TRIGGER_FIELDS, f"{name}: unknown {set(trigger) - TRIGGER_FIELDS}"
            required, allowed = TRIGGER_METADATA[trigger["type"]]
            metadata = trigger["metadata"]
            assert required <= set(metadata) <= allowed, f"{name}: {trigger['type']} metadata {sorted(metadata)}"
            assert all(isinstance(v, str) for v in metadata.values()), f"{name}: KEDA metadata values are strings"
            if "fallback" in spec:
                assert trigger.get("metricType", "AverageValue") == "AverageValue", "KEDA's fallback needs AverageValue"
            if "authenticationRef" in trigger:
                assert trigger["authenticationRef"]["name"] in auths
        # The behavior block is copied verbatim into the HPA KEDA creates.
        hpa = {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "maxReplicas": spec["maxReplicaCount"],
                "behavior": spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"],
            },
        }
        kubernetes_validate.validate(hpa, all_versions()[-1], strict=True)
    for name, auth in auths.items():
        assert auth["apiVersion"] == "keda.sh/v1alpha1"
        assert set(auth["spec"]) <= TRIGGER_AUTH_SPEC
        for ref in auth["spec"].get("secretTargetRef", []):
            assert ref["key"] in secrets[ref["name"]]["stringData"], f"{name}: no key {ref['key']}"


def test_config_names_only_real_settings():
    known = {PREFIX + name.upper() for name in Settings.__dataclass_fields__}
    names = set(config_map()) | set(of_kind("Secret")["talkfarm-secrets"]["stringData"])
    unknown = {n for n in names if n.startswith(PREFIX)} - known
    assert not unknown, sorted(unknown)
    env = {k: v for k, v in config_map().items() if k.startswith(PREFIX) and v}
    settings = Settings.from_env(env)
    assert set(settings.pools) == set(POOL_TAGS)


# --- the worker liveness probe, run for real against a SQLite database -------------
def _probe(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = tmp_path / "worker_alive.py"
    script.write_text(of_kind("ConfigMap")["talkfarm-probes"]["data"]["worker_alive.py"])
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, env={**os.environ, **env}, cwd=REPO
    )


@pytest.fixture
def worker_database(tmp_path):
    from domain.db import session_factory, upgrade

    url = f"sqlite:///{tmp_path / 'probe.db'}"
    settings = Settings.from_env({}, data_dir=tmp_path, database_url=url)
    upgrade(settings)
    return url, session_factory(settings)


def _register(sessions, heartbeat_age_s: float, state: str = "online") -> None:
    import socket
    from datetime import timedelta

    from domain.models import Worker
    from domain.timeutil import utcnow

    with sessions() as session, session.begin():
        session.add(
            Worker(
                id=f"{socket.gethostname()}:1:abcd",
                hostname=socket.gethostname(),
                tag="cpu",
                arch="x86_64",
                providers=[],
                concurrency=2,
                running=0,
                state=state,
                stats={},
                started_at=utcnow(),
                heartbeat_at=utcnow() - timedelta(seconds=heartbeat_age_s),
            )
        )


def test_worker_probe_passes_while_this_hosts_worker_heartbeats(tmp_path, worker_database):
    url, sessions = worker_database
    _register(sessions, heartbeat_age_s=3)
    result = _probe(tmp_path, {"TALKFARM_DATABASE_URL": url, "TALKFARM_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_worker_probe_fails_once_the_heartbeat_is_older_than_the_dead_limit(tmp_path, worker_database):
    url, sessions = worker_database
    _register(sessions, heartbeat_age_s=120)
    result = _probe(tmp_path, {"TALKFARM_DATABASE_URL": url, "TALKFARM_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1, result.stdout + result.stderr


def test_worker_probe_fails_when_no_worker_of_this_host_is_registered(tmp_path, worker_database):
    url, _ = worker_database
    result = _probe(tmp_path, {"TALKFARM_DATABASE_URL": url, "TALKFARM_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1, result.stdout + result.stderr


def test_worker_probe_does_not_blame_the_worker_for_a_database_outage(tmp_path):
    unreachable = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none?connect_timeout=2"
    result = _probe(tmp_path, {"TALKFARM_DATABASE_URL": unreachable, "TALKFARM_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database unreachable" in result.stdout
