"""The prod stack with sign-in configured, rendered by Helm: the API server mounts the
webserver_config.py the settings say (OIDC, the mapped roles), runs as its own IRSA role, no
rendered object holds a client secret, and the chart creates no default admin user."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from components.eks.airflow import IRSA_ROLE_ANNOTATION, SIGN_IN_CONFIG_ANNOTATION
from components.eks.sign_in import from_settings
from tests.test_eks_sign_in import SIGN_IN
from tools import plan as planner
from tools.charts.helm import template
from tools.charts.releases import planned_releases


@functools.cache
def rendered() -> tuple[planner.Plan, list[dict[str, Any]]]:
    plan = planner.run("prod", overrides=SIGN_IN)
    releases = planned_releases(plan.resources(), plan.settings.eks.kubernetes_version)
    (airflow,) = [r for r in releases if r.request.pin.chart == "airflow"]
    return plan, template(airflow.request)


def _one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def test_the_api_server_mounts_the_sign_in_config_the_settings_say() -> None:
    plan, objects = rendered()
    config_map = _one(objects, "ConfigMap", "airflow-api-server-config")
    # The chart writes it as a YAML block scalar `|-`, which drops the final newline.
    assert config_map["data"]["webserver_config.py"] == from_settings(plan.settings.access).rstrip()
    template = _one(objects, "Deployment", "airflow-api-server")["spec"]["template"]
    pod = template["spec"]
    (server,) = [c for c in pod["containers"] if c["name"] == "api-server"]
    mounts = {m["mountPath"]: m for m in server["volumeMounts"]}
    assert mounts["/opt/airflow/webserver_config.py"]["subPath"] == "webserver_config.py"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounted = volumes[mounts["/opt/airflow/webserver_config.py"]["name"]]
    assert mounted["configMap"]["name"] == "airflow-api-server-config"
    # A subPath mount is never refreshed: the config's digest on the pods rolls them.
    digest = hashlib.sha256(from_settings(plan.settings.access).encode()).hexdigest()
    assert template["metadata"]["annotations"][SIGN_IN_CONFIG_ANNOTATION] == digest
    account = _one(objects, "ServiceAccount", pod["serviceAccountName"])
    role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert "role/airflow-prod-cluster-airflow-api-server-irsa-" in role
    assert template["metadata"]["annotations"][IRSA_ROLE_ANNOTATION] == role  # rolls on change


def test_no_rendered_object_holds_a_client_secret_or_an_admin_login() -> None:
    _, objects = rendered()
    text = json.dumps(objects)
    assert "client_secret=_client_secret()" in text  # read from Secrets Manager at start
    assert "clientSecret" not in text
    job = _one(objects, "Job", "airflow-create-user")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert "Admin" not in " ".join(container["args"])
    # The only logins the job makes are the two machine logins (Op, StateBackupReader).
    assert container["args"][-1].count("\nlogin ") == 2
