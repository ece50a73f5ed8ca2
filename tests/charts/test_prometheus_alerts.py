"""No alert rule kube-prometheus-stack installs fires on a healthy EKS cluster because a
target EKS does not expose is missing (promtool, with the series such a cluster has)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from components.observability.prometheus import EKS_HIDDEN_COMPONENTS
from tests.charts.conftest import Obj, prod_stack
from tests.monitoring.monitoring_checks import seconds

# The scrape jobs a healthy EKS cluster with this stack answers (`up` == 1): the API server,
# kubelets (with cAdvisor and probes), CoreDNS, and the stack's own exporters and servers.
# The control plane's scheduler, controller manager and etcd, and kube-proxy (metrics bound
# to localhost), are not among them.
HEALTHY_TARGETS = [
    {"job": "apiserver", "namespace": "default", "service": "kubernetes"},
    {"job": "kubelet", "metrics_path": "/metrics", "namespace": "kube-system"},
    {"job": "kubelet", "metrics_path": "/metrics/cadvisor", "namespace": "kube-system"},
    {"job": "kubelet", "metrics_path": "/metrics/probes", "namespace": "kube-system"},
    {"job": "coredns", "namespace": "kube-system"},
    {"job": "node-exporter", "namespace": "monitoring"},
    {"job": "kube-state-metrics", "namespace": "monitoring"},
    {"job": "kube-prometheus-stack-operator", "namespace": "monitoring"},
    {"job": "kube-prometheus-stack-prometheus", "namespace": "monitoring"},
    {"job": "kube-prometheus-stack-alertmanager", "namespace": "monitoring"},
]
ALWAYS_FIRING = {"Watchdog"}  # the dead-man's switch, routed to the null receiver


def _series(labels: dict[str, str]) -> str:
    inner = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return f'up{{{inner}, instance="{labels["job"]}-0"}}'


def firing_on_a_healthy_cluster(rendered: list[Obj], tmp: Path) -> subprocess.CompletedProcess[str]:
    groups = [g for o in rendered if o["kind"] == "PrometheusRule" for g in o["spec"]["groups"]]
    rules = [r for g in groups for r in g["rules"] if "alert" in r]
    alerts = sorted({r["alert"] for r in rules} - ALWAYS_FIRING)
    # Past the longest `for:`, every alert that can fire has fired; 5-minute steps keep
    # promtool quick (the rules' windows are 5 minutes or more).
    minutes = int(max(seconds(r.get("for", "0s")) for r in rules)) // 60 + 30
    (tmp / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    test: dict[str, Any] = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "5m",
        "tests": [
            {
                "interval": "5m",
                "input_series": [
                    {"series": _series(t), "values": f"1x{minutes // 5 + 1}"}
                    for t in HEALTHY_TARGETS
                ],
                "alert_rule_test": [
                    {"eval_time": f"{minutes}m", "alertname": a, "exp_alerts": []} for a in alerts
                ],
            }
        ],
    }
    (tmp / "healthy-eks.test.yaml").write_text(yaml.safe_dump(test))
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install Debian package prometheus (make tools)"
    return subprocess.run(
        [promtool, "test", "rules", "healthy-eks.test.yaml"],
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_no_default_alert_fires_on_a_healthy_eks_cluster(tmp_path: Path) -> None:
    result = firing_on_a_healthy_cluster(prod_stack().renders["kube-prometheus-stack"], tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_the_scrapes_eks_does_not_expose_are_off() -> None:
    values = prod_stack().values("kube-prometheus-stack")
    assert all(values[c] == {"enabled": False} for c in EKS_HIDDEN_COMPONENTS)


def test_scraping_the_eks_scheduler_would_page_forever(tmp_path: Path) -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "kube-prometheus-stack", lambda v: v.update(kubeScheduler={"enabled": True})
    )
    result = firing_on_a_healthy_cluster(renders["kube-prometheus-stack"], tmp_path)
    assert result.returncode != 0
    assert "KubeSchedulerDown" in result.stdout + result.stderr
