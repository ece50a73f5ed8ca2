"""Which MWAA updates go out without a worker replacement strategy, and what to run instead.

pulumi-aws sends `WorkerReplacementStrategy` on UpdateEnvironment only when that attribute
itself differs from the strategy it read back from the environment's last update (README
"Updates that do not kill tasks"). So once the state reads GRACEFUL, a later Airflow upgrade,
requirements, plugins, startup-script, class or configuration change goes out naming no
strategy, and MWAA applies its own default. The stack exports `mwaaWorkerReplacementInputs`;
`make plan STACK=dev PREVIOUS=<pulumi stack output --json of the last deployment>` compares the
planned inputs with the deployed ones and warns on exactly those changes, with the command that
makes the update with the strategy named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

OUTPUT = "mwaaWorkerReplacementInputs"
FILE_FLAGS = {
    "requirements": "requirements-s3-object-version",
    "plugins": "plugins-s3-object-version",
    "startup": "startup-script-s3-object-version",
}
WHAT = {
    "airflowVersion": "the Airflow version",
    "environmentClass": "the environment class",
    "requirements": "requirements.txt",
    "plugins": "plugins.zip",
    "startup": "startup.sh",
    "configuration": "the Airflow configuration options",
}


def load_previous(path: Path) -> dict[str, Any]:
    """`pulumi stack output --json` of the last deployment."""
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def updates_without_strategy(
    previous: Mapping[str, Any], planned: Mapping[str, Any], strategy: str
) -> list[str]:
    """One warning when the planned stack changes an input that replaces the workers; none
    when nothing of that changes, or the last deployment exported no such inputs."""
    before, after = previous.get(OUTPUT), planned.get(OUTPUT)
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return []
    changed = [key for key in WHAT if before.get(key) != after.get(key)]
    if not changed:
        return []
    env = planned.get("mwaaEnvironmentName", "<environment>")
    flags = [f"--worker-replacement-strategy {strategy}"]
    if "airflowVersion" in changed:
        flags.insert(0, f"--airflow-version {after['airflowVersion']}")
    if "environmentClass" in changed:
        flags.insert(0, f"--environment-class {after['environmentClass']}")
    names = ", ".join(WHAT[key] for key in changed)
    command = f"aws mwaa update-environment --name {env} {' '.join(flags)}"
    versions = [f"--{FILE_FLAGS[key]} <its new S3 version>" for key in changed if key in FILE_FLAGS]
    if "configuration" in changed:
        versions.append("--airflow-configuration-options <as planned>")
    upload = (
        f" with {' '.join(versions)} (`pulumi up --target` the bucket object first)"
        if versions
        else ""
    )
    return [
        f"MWAA update without {strategy}: {names} changed, and pulumi-aws sends no "
        f"WorkerReplacementStrategy for it (MWAA applies its own default); to replace the "
        f"workers {strategy}, run `{command}`{upload}, wait for AVAILABLE, then "
        "`pulumi refresh` and `pulumi up`"
    ]
