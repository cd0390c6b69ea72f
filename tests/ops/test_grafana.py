"""The Grafana dashboard charts only series the web app's /metrics really has."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import ivr.observability  # noqa: F401  (registers the metrics)

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "hc-payments.json"


def test_every_panel_queries_an_existing_metric_and_every_metric_has_a_panel():
    dashboard = json.loads(DASHBOARD.read_text())
    exposed = set()
    suffixes = {"histogram": ("_bucket", "_count", "_sum"), "counter": ("_total",)}
    for metric in REGISTRY.collect():  # labelled series have no samples before first use
        exposed.update(metric.name + suffix for suffix in suffixes.get(metric.type, ("",)))
    ours = {name for name in exposed if name.startswith("ivr_")}
    queried = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = set(re.findall(r"\bivr_[a-z0-9_]+", target["expr"]))
            assert names, target["expr"]
            assert names <= exposed, names - exposed
            assert 'job="$job"' in target["expr"]
            queried |= names
    families = {re.sub(r"_(bucket|count|sum|total|created)$", "", n) for n in queried}
    for name in ours:
        base = re.sub(r"_(bucket|count|sum|total|created)$", "", name)
        assert base in families, f"{name} has no panel"
    assert dashboard["uid"] == "hc-payments" and dashboard["timezone"] == "America/New_York"
