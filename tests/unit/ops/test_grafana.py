"""The Grafana dashboard queries only the metrics the API exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DASHBOARD = REPO / "ops" / "grafana" / "talkfarm-pools.json"

#: the names /metrics serves (api/metrics.py); histograms as their _bucket series
EXPORTED = {
    "talkfarm_pool_jobs",
    "talkfarm_pool_oldest_waiting_seconds",
    "talkfarm_pool_workers",
    "talkfarm_pool_desired_workers",
    "talkfarm_jobs",
    "talkfarm_render_seconds_bucket",
    "talkfarm_batch_fill_ratio_bucket",
    "talkfarm_batch_size_bucket",
    "talkfarm_job_failures_total",
    "talkfarm_job_interruptions_total",
    "talkfarm_pool_stranded_jobs",
    "talkfarm_webhook_lookups_running",
    "talkfarm_webhook_lookups_refused_total",
}
PROMQL_WORDS = {
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "by",
    "without",
    "rate",
    "increase",
    "irate",
    "histogram_quantile",
    "label_values",
    "le",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "topk",
    "bottomk",
    "clamp_min",
    "clamp_max",
    "time",
    "vector",
    "scalar",
}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def panels() -> list[dict]:
    found = []
    for panel in dashboard()["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return [p for p in found if p["type"] != "row"]


def metric_names(expr: str) -> set[str]:
    """Series names in a PromQL expression: identifiers that are not functions,
    keywords, label names (inside braces or by/without lists) or strings."""
    expr = re.sub(r'"[^"]*"', '""', expr)  # label values
    expr = re.sub(r"\{[^}]*\}", "{}", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = match.group(0)
        following = expr[match.end() :].lstrip()[:1]
        if word in PROMQL_WORDS or following == "(" or word.startswith("__"):
            continue
        names.add(word)
    return names


def test_every_panel_has_a_query():
    for panel in panels():
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel["title"]


def test_every_query_uses_only_exported_metrics():
    for panel in panels():
        for target in panel["targets"]:
            unknown = metric_names(target["expr"]) - EXPORTED
            assert not unknown, f"{panel['title']}: {sorted(unknown)} in {target['expr']}"


def test_template_variables_query_only_exported_metrics():
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            inner = re.search(r"label_values\((\w+)", variable["definition"]).group(1)
            assert inner in EXPORTED


def test_dashboard_shows_every_exported_metric():
    used = set()
    for panel in panels():
        for target in panel["targets"]:
            used |= metric_names(target["expr"])
    assert EXPORTED <= used, f"not on the dashboard: {sorted(EXPORTED - used)}"


def test_pool_panels_break_down_by_pool():
    for panel in panels():
        for target in panel["targets"]:
            if "talkfarm_webhook_lookups_" in target["expr"]:
                continue  # an API process's, not a pool's
            if "talkfarm_pool_" in target["expr"] or "_bucket" in target["expr"] or "_total" in target["expr"]:
                assert 'pool=~"$pool"' in target["expr"], panel["title"]


def test_panel_ids_are_unique_and_grid_fits_24_columns():
    ids = [p["id"] for p in dashboard()["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]


def test_metric_name_extraction_sees_through_functions_and_labels():
    expr = 'histogram_quantile(0.95, sum by (le, pool) (rate(foo_bucket{pool=~"$pool", state="x"}[5m]))) / bar'
    assert metric_names(expr) == {"foo_bucket", "bar"}
