"""The links the platform depends on hold in what Helm renders: Secrets and keys pods read,
the statsd ServiceMonitor, KEDA's ScaledObject, the DAG folder, PgBouncer's port, the ALB's
TargetGroupBinding, the IRSA trusts, and a node group for every pod."""

from __future__ import annotations

import copy
import json
import posixpath
import re
from typing import Any

from components.eks.airflow import PGBOUNCER_PORT
from tests.charts.conftest import Obj, prod_stack
from tools.charts.kube import Cluster, Pod, fits, node_groups, selects

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


# ---------------------------------------------------------------------- ServiceMonitor


def service_monitor_problems(cluster: Cluster) -> list[str]:
    problems = []
    for monitor in cluster.of_kind("ServiceMonitor"):
        if monitor["metadata"]["name"] != "airflow-statsd":
            continue
        ns = monitor["metadata"]["namespace"]
        services = [
            s
            for s in cluster.of_kind("Service")
            if s["metadata"].get("namespace") == ns
            and selects(monitor["spec"]["selector"], s["metadata"].get("labels") or {})
        ]
        if not services:
            problems.append(f"ServiceMonitor {ns}/airflow-statsd selects no Service")
        for endpoint in monitor["spec"]["endpoints"]:
            for s in services:
                names = {p.get("name") for p in s["spec"]["ports"]}
                if endpoint["port"] not in names:
                    problems.append(
                        f"Service {s['metadata']['name']} has no port {endpoint['port']}"
                    )
    return problems


def test_the_service_monitor_selects_the_statsd_service_and_port() -> None:
    cluster = prod_stack().cluster()
    assert any(m["metadata"]["name"] == "airflow-statsd" for m in cluster.of_kind("ServiceMonitor"))
    assert service_monitor_problems(cluster) == []


def test_a_service_monitor_selecting_nothing_is_caught() -> None:
    stack = prod_stack()
    declared = copy.deepcopy(stack.declared)
    monitor = next(o for o in declared if o["kind"] == "ServiceMonitor")
    monitor["spec"]["selector"]["matchLabels"]["component"] = "stats"
    assert service_monitor_problems(stack.cluster(declared=declared))


# ------------------------------------------------------------------------------ KEDA


def scaled_object_problems(cluster: Cluster, concurrency: int) -> list[str]:
    problems = []
    objects = cluster.of_kind("ScaledObject")
    if not objects:
        return ["no ScaledObject rendered"]
    for so in objects:
        ns, target = so["metadata"]["namespace"], so["spec"]["scaleTargetRef"]
        kind = target.get("kind", "Deployment")
        if not any(
            o["metadata"]["name"] == target["name"] and o["metadata"].get("namespace") == ns
            for o in cluster.of_kind(kind)
        ):
            problems.append(f"ScaledObject {so['metadata']['name']}: no {kind} {target['name']}")
        for trigger in so["spec"]["triggers"]:
            query = trigger["metadata"].get("query", "")
            divisor = re.search(r"/\s*(\d+)\s*\)", query)
            if not divisor or int(divisor.group(1)) != concurrency:
                problems.append(
                    f"ScaledObject {so['metadata']['name']}: query does not divide by the "
                    f"worker concurrency {concurrency}: {query}"
                )
    return problems


def test_keda_scales_the_worker_deployment_by_the_configured_concurrency() -> None:
    stack = prod_stack()
    concurrency = stack.settings.eks.worker_concurrency
    assert scaled_object_problems(stack.cluster(), concurrency) == []


def test_a_query_with_another_concurrency_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "airflow", lambda v: v["config"]["celery"].update(worker_concurrency=7)
    )
    concurrency = stack.settings.eks.worker_concurrency
    assert scaled_object_problems(stack.cluster(renders), concurrency)


# ------------------------------------------------------------------------ DAG folder


def _airflow_cfg(cluster: Cluster) -> dict[str, dict[str, str]]:
    import configparser

    config_map = next(c for c in cluster.of_kind("ConfigMap") if "airflow.cfg" in c.get("data", {}))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(config_map["data"]["airflow.cfg"])
    return {s: dict(parser[s]) for s in parser.sections()}


def dag_folder_problems(cluster: Cluster, sub_path: str) -> list[str]:
    dags_folder = _airflow_cfg(cluster)["core"]["dags_folder"]
    problems = []
    synced = [p for p in cluster.pods() if any(c["name"] == "git-sync" for c in p.containers())]
    if not synced:
        return ["no pod runs git-sync"]
    for pod in synced:
        sync = next(c for c in pod.containers() if c["name"] == "git-sync")
        env = {e["name"]: e.get("value", "") for e in sync.get("env") or []}
        root, link = env.get("GITSYNC_ROOT", env.get("GIT_SYNC_ROOT")), env.get("GITSYNC_LINK")
        mount = next(
            m
            for m in sync["volumeMounts"]
            if m["mountPath"] == root or root.startswith(m["mountPath"])
        )
        for c in pod.containers():
            if c["name"] in ("git-sync", "git-sync-init") or not c.get("args"):
                continue
            theirs = next(
                (m for m in c.get("volumeMounts") or [] if m["name"] == mount["name"]), None
            )
            if theirs is None:
                if c["name"].endswith("log-groomer") or c["name"].startswith("wait-for"):
                    continue
                problems.append(f"{pod.owner} {c['name']}: does not mount the DAG volume")
                continue
            inside = posixpath.relpath(posixpath.join(root, link or ""), mount["mountPath"])
            where = posixpath.normpath(posixpath.join(theirs["mountPath"], inside, sub_path))
            if where != posixpath.normpath(dags_folder):
                problems.append(
                    f"{pod.owner} {c['name']}: git-sync puts the DAGs in {where}, "
                    f"Airflow reads {dags_folder}"
                )
    return problems


def test_airflow_reads_dags_where_git_sync_puts_them() -> None:
    stack = prod_stack()
    assert dag_folder_problems(stack.cluster(), stack.settings.eks.dags_repo_subpath) == []


def test_a_dag_folder_that_misses_the_sub_path_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "airflow",
        lambda v: v["config"].setdefault("core", {}).update(dags_folder="/opt/airflow/dags/repo"),
    )
    assert dag_folder_problems(stack.cluster(renders), stack.settings.eks.dags_repo_subpath)


# ------------------------------------------------------------------------- PgBouncer


def _program_secret(stack_declared: list[Obj], name: str) -> dict[str, Any]:
    secret = next(
        o for o in stack_declared if o["kind"] == "Secret" and o["metadata"]["name"] == name
    )
    return {k: _unsecret(v) for k, v in (secret.get("stringData") or {}).items()}


def _unsecret(value: Any) -> Any:
    """Secret inputs arrive wrapped by the engine ({<sig>: ..., "value": ...})."""
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def pgbouncer_problems(cluster: Cluster, declared: list[Obj]) -> list[str]:
    connection = _program_secret(declared, "airflow-metadata-connection")["connection"]
    host, port = re.search(r"@([\w.-]+):(\d+)/", connection).groups()  # type: ignore[union-attr]
    service_name, namespace = host.split(".")[:2]
    ini = _program_secret(declared, "airflow-pgbouncer-settings")["pgbouncer.ini"]
    listen = int(re.search(r"listen_port = (\d+)", ini).group(1))  # type: ignore[union-attr]
    services = [
        s
        for s in cluster.of_kind("Service")
        if (s["metadata"]["name"], s["metadata"].get("namespace")) == (service_name, namespace)
    ]
    if not services:
        return [f"the metadata connection names {host}, which is no Service"]
    service = services[0]
    ports = [p for p in service["spec"]["ports"] if p["port"] == int(port)]
    if not ports:
        return [f"Service {service_name} has no port {port} (the metadata connection's)"]
    pods = [
        p
        for p in cluster.pods()
        if p.namespace == namespace
        and selects({"matchLabels": service["spec"]["selector"]}, p.labels)
    ]
    problems = []
    for pod in pods:
        container_ports = {
            (cp.get("name"), cp["containerPort"])
            for c in pod.spec["containers"]
            for cp in c.get("ports") or []
        }
        target = ports[0].get("targetPort", ports[0]["port"])
        resolved = {n for name, n in container_ports if target in (name, n)}
        if not resolved:
            problems.append(
                f"{pod.owner}: no container port {target} behind Service {service_name}"
            )
        elif listen not in resolved:
            problems.append(
                f"{pod.owner}: PgBouncer listens on {listen}, the Service sends to {resolved}"
            )
    return problems or ([] if pods else [f"Service {service_name} selects no pod"])


def test_pgbouncer_listens_where_its_service_and_the_connection_point() -> None:
    stack = prod_stack()
    assert PGBOUNCER_PORT
    assert pgbouncer_problems(stack.cluster(), stack.declared) == []


def test_a_pgbouncer_port_mismatch_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v.setdefault("ports", {}).update(pgbouncer=6432))
    assert pgbouncer_problems(stack.cluster(renders), stack.declared)


# ---------------------------------------------------------------- TargetGroupBinding


def binding_problems(cluster: Cluster) -> list[str]:
    problems = []
    for binding in cluster.of_kind("TargetGroupBinding"):
        ns, ref = binding["metadata"]["namespace"], binding["spec"]["serviceRef"]
        service = next(
            (
                s
                for s in cluster.of_kind("Service")
                if (s["metadata"]["name"], s["metadata"].get("namespace")) == (ref["name"], ns)
            ),
            None,
        )
        if service is None:
            problems.append(
                f"TargetGroupBinding {ns}/{binding['metadata']['name']}: no Service {ref['name']}"
            )
        elif not any(ref["port"] in (p["port"], p.get("name")) for p in service["spec"]["ports"]):
            problems.append(f"TargetGroupBinding: Service {ref['name']} has no port {ref['port']}")
    return problems


def test_the_target_group_binding_names_a_rendered_service_and_port() -> None:
    cluster = prod_stack().cluster()
    assert cluster.of_kind("TargetGroupBinding")
    assert binding_problems(cluster) == []


def test_a_binding_to_a_missing_service_is_caught() -> None:
    stack = prod_stack()
    declared = copy.deepcopy(stack.declared)
    binding = next(o for o in declared if o["kind"] == "TargetGroupBinding")
    binding["spec"]["serviceRef"]["name"] = "airflow-webserver"
    assert binding_problems(stack.cluster(declared=declared))


# ------------------------------------------------------------------------------ IRSA


def _trusted_subjects(registrations: list[Any]) -> dict[str, set[str]]:
    """Role ARN -> the `system:serviceaccount:<ns>:<name>` subjects its trust admits."""
    trusts = {}
    for r in registrations:
        if r.type != "aws:iam/role:Role" or "arn" not in r.outputs:
            continue
        doc = r.inputs.get("assumeRolePolicy")
        doc = json.loads(doc) if isinstance(doc, str) else doc or {}
        subjects: set[str] = set()
        for st in doc.get("Statement", []):
            for test in (st.get("Condition") or {}).values():
                for key, value in test.items():
                    if key.endswith(":sub"):
                        subjects |= set(value if isinstance(value, list) else [value])
        if subjects:
            trusts[r.outputs["arn"]] = subjects
    return trusts


def irsa_problems(cluster: Cluster, registrations: list[Any]) -> list[str]:
    trusts = _trusted_subjects(registrations)
    accounts = {
        f"system:serviceaccount:{sa['metadata'].get('namespace')}:{sa['metadata']['name']}": sa
        for sa in cluster.of_kind("ServiceAccount")
    }
    problems = []
    used: dict[str, set[str]] = {}
    for subject, sa in accounts.items():
        arn = (sa["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn")
        if arn is None:
            continue
        used.setdefault(arn, set()).add(subject)
        if subject not in trusts.get(arn, set()):
            problems.append(f"{subject} is annotated with {arn}, whose trust does not admit it")
    for arn in used:
        for extra in sorted(trusts.get(arn, set()) - set(accounts)):
            problems.append(f"{arn} trusts {extra}, which no rendered service account is")
    return problems


def test_irsa_roles_trust_exactly_the_rendered_service_accounts() -> None:
    stack = prod_stack()
    annotated = [
        sa
        for sa in stack.cluster().of_kind("ServiceAccount")
        if "eks.amazonaws.com/role-arn" in (sa["metadata"].get("annotations") or {})
    ]
    # Airflow's five, Alertmanager, Grafana, the autoscaler and the ALB controller.
    assert len(annotated) >= 9, [sa["metadata"]["name"] for sa in annotated]
    problems = irsa_problems(stack.cluster(), stack.registrations)
    assert problems == [], "\n".join(problems)


def test_a_renamed_service_account_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender(
        "kube-prometheus-stack",
        lambda v: v["alertmanager"]["serviceAccount"].update(name="alertmanager"),
    )
    assert irsa_problems(stack.cluster(renders), stack.registrations)


# ------------------------------------------------------------------------ scheduling


def unschedulable(cluster: Cluster, resources: list[dict[str, Any]]) -> list[str]:
    """Pods no node group takes; DaemonSets (node exporters, agents) must run on every one."""
    groups = node_groups(resources)
    assert groups, "the plan has no node groups"
    problems = []
    for pod in cluster.pods():
        places = [g.name for g in groups if fits(pod, g)]
        if not places or (pod.daemon and len(places) < len(groups)):
            problems.append(
                f"{pod.owner} ({pod.namespace}) fits {places or 'no node group'}: nodeSelector "
                f"{pod.spec.get('nodeSelector')}, tolerations {pod.spec.get('tolerations')}"
            )
    return problems


def test_every_pod_fits_a_node_group() -> None:
    stack = prod_stack()
    problems = unschedulable(stack.cluster(), stack.resources)
    assert problems == [], "\n".join(problems)


def test_a_pod_that_fits_no_node_group_is_caught() -> None:
    stack = prod_stack()
    renders = stack.rerender("airflow", lambda v: v["workers"]["celery"].update(tolerations=[]))
    problems = unschedulable(stack.cluster(renders), stack.resources)
    assert any("airflow-worker" in p for p in problems), problems
    renders = stack.rerender(
        "keda",
        lambda v: v.update(
            affinity={
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "kubernetes.io/arch",
                                        "operator": "In",
                                        "values": ["amd64"],
                                    }
                                ]
                            }
                        ]
                    }
                }
            }
        ),
    )
    assert unschedulable(stack.cluster(renders), stack.resources)
    # A node exporter that stays off the tainted worker nodes leaves them unwatched.
    renders = stack.rerender(
        "kube-prometheus-stack",
        lambda v: v.update({"prometheus-node-exporter": {"tolerations": []}}),
    )
    problems = unschedulable(stack.cluster(renders), stack.resources)
    assert any("node-exporter" in p for p in problems), problems
