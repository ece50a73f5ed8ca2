"""Every Secret and key a pod reads exists: created by the program, the chart, or a known
controller."""

from __future__ import annotations

from tests.charts.conftest import prod_stack
from tools.charts.objects import Cluster, Pod

# Secrets a controller creates at run time (not the chart, not the program), with why.
CONTROLLER_SECRETS = {
    ("monitoring", "kube-prometheus-stack-admission"): "the chart's admission-webhook "
    "certgen Job creates it before the operator starts",
    ("keda", "kedaorg-certs"): "KEDA's operator generates its webhook and metrics TLS certs",
}


def _secret_keys(cluster: Cluster) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for s in cluster.of_kind("Secret"):
        keys = set(s.get("data") or {}) | set(s.get("stringData") or {})
        found[(s["metadata"].get("namespace", ""), s["metadata"]["name"])] = keys
    return found


def _secret_refs(pod: Pod) -> list[tuple[str, str | None, str]]:
    """(secret name, key or None for the whole secret, where) of every non-optional ref."""
    refs: list[tuple[str, str | None, str]] = []
    for c in pod.containers():
        for env in c.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                refs.append((ref["name"], ref["key"], f"{c['name']} env {env['name']}"))
        for env_from in c.get("envFrom") or []:
            ref = env_from.get("secretRef")
            if ref and not ref.get("optional"):
                refs.append((ref["name"], None, f"{c['name']} envFrom"))
    for v in pod.spec.get("volumes") or []:
        secret = v.get("secret")
        if secret and not secret.get("optional"):
            for item in secret.get("items") or [{"key": None}]:
                refs.append((secret["secretName"], item["key"], f"volume {v['name']}"))
        for source in (v.get("projected") or {}).get("sources") or []:
            ref = source.get("secret")
            if ref and not ref.get("optional"):
                for item in ref.get("items") or [{"key": None}]:
                    refs.append((ref["name"], item["key"], f"volume {v['name']}"))
    return refs


def missing_secrets(cluster: Cluster) -> list[str]:
    keys = _secret_keys(cluster)
    problems = []
    for pod in cluster.pods():
        for name, key, where in _secret_refs(pod):
            if (pod.namespace, name) in CONTROLLER_SECRETS:
                continue
            found = keys.get((pod.namespace, name))
            if found is None:
                problems.append(f"{pod.owner} {where}: no Secret {pod.namespace}/{name}")
            elif key is not None and key not in found:
                problems.append(f"{pod.owner} {where}: Secret {name} has no key {key}")
    return problems


def test_every_secret_and_key_a_pod_reads_exists() -> None:
    problems = missing_secrets(prod_stack().cluster())
    assert problems == [], "\n".join(problems)


def test_a_secret_name_typo_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v.update(fernetKeySecretName="airflow-fernet"))
    problems = missing_secrets(stack.cluster(renders))
    assert any("no Secret airflow/airflow-fernet" in p for p in problems), problems
