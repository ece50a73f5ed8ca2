"""Airflow reads DAGs where git-sync puts them."""

from __future__ import annotations

import posixpath

from tests.charts.conftest import airflow_cfg, prod_stack
from tools.charts.objects import Cluster


def dag_folder_problems(cluster: Cluster, sub_path: str) -> list[str]:
    dags_folder = airflow_cfg(cluster)["core"]["dags_folder"]
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
