"""Pod Security Standard `restricted`, as the admission controller checks it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tools.charts.objects import Obj, Pod

RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def pod_security_restricted(pod: Pod) -> list[str]:
    """Pod Security Standard `restricted` (latest), as the admission controller checks it."""
    problems = []
    spec, psc = pod.spec, pod.spec.get("securityContext") or {}
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host):
            problems.append(f"{pod.owner}: {host} is on")
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"{pod.owner}: volume {volume['name']} is {sorted(kinds)}")
    for c in pod.containers():
        problems += [
            f"{pod.owner} container {c['name']}: {p}" for p in _container_restricted(c, psc)
        ]
    return problems


def _container_restricted(container: Obj, psc: Mapping[str, Any]) -> list[str]:
    csc = container.get("securityContext") or {}
    caps = csc.get("capabilities") or {}
    seccomp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
    problems = [
        *(["privileged"] if csc.get("privileged") else []),
        *(
            ["allowPrivilegeEscalation is not false"]
            if csc.get("allowPrivilegeEscalation") is not False
            else []
        ),
        *([] if "ALL" in (caps.get("drop") or []) else ["capabilities do not drop ALL"]),
        *(
            [f"adds capabilities {caps.get('add')}"]
            if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}
            else []
        ),
        *(
            []
            if csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True
            else ["runAsNonRoot is not true"]
        ),
        *(["runs as user 0"] if csc.get("runAsUser", psc.get("runAsUser")) == 0 else []),
        *(
            []
            if seccomp in ("RuntimeDefault", "Localhost")
            else [f"seccompProfile is {seccomp or 'unset'}, not RuntimeDefault"]
        ),
    ]
    problems += [
        f"hostPort {p['hostPort']}" for p in container.get("ports") or [] if p.get("hostPort")
    ]
    return problems
