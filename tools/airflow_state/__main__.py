"""Command line of the Airflow state transfer (see docs/state.md).

    python -m tools.airflow_state export --stack dev --out state.json [--history-days 7]
    python -m tools.airflow_state import --stack prod --in state.json [--dry-run] [--keep-paused]

The stack's settings say where its Airflow is: MWAA (`InvokeRestApi`, with the caller's AWS
credentials) or EKS (the API server at `--url`, or through `--port-forward`, as the user
whose credentials the stack keeps in Secrets Manager). `--port-forward` talks to the stack's
own cluster: the kubectl context `aws eks update-kubeconfig` creates for it, unless
`--kube-context` says otherwise
(`--kubeconfig` only picks the file). `--url` with
AIRFLOW_STATE_USERNAME/AIRFLOW_STATE_PASSWORD reaches any Airflow 3 API server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from common.airflow_state import (
    AirflowApi,
    ApiError,
    HttpTransport,
    MwaaTransport,
    StateDocumentError,
    dump_document,
    export_state,
    load_document,
    plan_import,
    run_import,
)
from common.airflow_state.storage import read_text, write_text

from components.eks.airflow import API_SERVER_PORT, NAMESPACE, api_server_service
from components.platform import state_api_secret_name

FORWARD_TIMEOUT = 30.0  # seconds for kubectl to reach the Service through the control plane


@dataclass(frozen=True)
class Target:
    """Where a stack's Airflow is, from its settings."""

    architecture: str
    environment_name: str
    region: str


def stack_target(stack: str) -> Target:
    from components.settings import load
    from tools.plan import stack_config

    project, config = stack_config(stack)
    settings = load(project, stack, config)
    return Target(settings.architecture, settings.environment_name, settings.region)


def cluster_context(target: Target) -> str:
    """The kubectl context of the stack's cluster (named as `aws eks update-kubeconfig` names
    it: the cluster's ARN; the cluster is named after the environment)."""
    import boto3

    account = boto3.client("sts", region_name=target.region).get_caller_identity()["Account"]
    return f"arn:aws:eks:{target.region}:{account}:cluster/{target.environment_name}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.airflow_state", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the state of a stack's Airflow")
    export.add_argument("--out", required=True, help="file or s3://bucket/key")
    export.add_argument("--history-days", type=int, default=0, help="runs of the last N days")
    load = commands.add_parser("import", help="bring a state document into a stack's Airflow")
    load.add_argument("--in", dest="source", required=True, help="file or s3://bucket/key")
    load.add_argument(
        "--dry-run", action="store_true", help="print what would change, write nothing"
    )
    load.add_argument(
        "--keep-paused", action="store_true", help="leave every DAG paused (cut over later)"
    )
    for sub in (export, load):
        where = sub.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="dev, prod...: its settings say where Airflow is")
        where.add_argument(
            "--url", help="an Airflow 3 API server (AIRFLOW_STATE_USERNAME/_PASSWORD)"
        )
        sub.add_argument(
            "--port-forward",
            type=int,
            metavar="LOCAL_PORT",
            help="EKS from outside the VPC: kubectl port-forward the API server to this port",
        )
        sub.add_argument(
            "--kube-context",
            help="kubectl context for --port-forward (default: the stack's cluster's ARN, "
            "also with --kubeconfig)",
        )
        sub.add_argument("--kubeconfig", help="kubeconfig file for --port-forward")
    return parser.parse_args(argv)


def kubectl_port_forward(local_port: int, context: str | None, kubeconfig: str | None) -> list[str]:
    """The kubectl command that forwards the chart's API server Service, on one cluster."""
    command = ["kubectl"]
    if kubeconfig:
        command += ["--kubeconfig", kubeconfig]
    if context:
        command += ["--context", context]
    return [
        *command,
        "port-forward",
        "--namespace",
        NAMESPACE,
        f"svc/{api_server_service()}",
        f"{local_port}:{API_SERVER_PORT}",
    ]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/version", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def port_forward(
    local_port: int,
    context: str | None = None,
    kubeconfig: str | None = None,
    timeout: float = FORWARD_TIMEOUT,
    hint: str = "",
) -> Iterator[str]:
    """The API server Service on 127.0.0.1:<local_port> while the block runs; yields once the
    API server answers through it (not after a guessed delay)."""
    process = subprocess.Popen(
        kubectl_port_forward(local_port, context, kubeconfig),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{local_port}"
    try:
        deadline = time.monotonic() + timeout
        while not _answers(url):
            if process.poll() is not None:
                _, err = process.communicate()
                where = f" (context {context})" if context else ""
                raise SystemExit(
                    f"error: kubectl port-forward failed{where}: {err.decode().strip()}{hint}"
                )
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"error: the API server did not answer on {url} within {timeout:.0f} s"
                )
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def credentials(target: Target | None) -> tuple[str, str]:
    """AIRFLOW_STATE_USERNAME/_PASSWORD, else the stack's Secrets Manager secret."""
    user, password = (
        os.environ.get("AIRFLOW_STATE_USERNAME"),
        os.environ.get("AIRFLOW_STATE_PASSWORD"),
    )
    if user and password:
        return user, password
    if target is None:
        raise SystemExit("error: --url needs AIRFLOW_STATE_USERNAME and AIRFLOW_STATE_PASSWORD")
    import boto3

    secrets = boto3.client("secretsmanager", region_name=target.region)
    value = secrets.get_secret_value(SecretId=state_api_secret_name(target.environment_name))
    data = json.loads(value["SecretString"])
    return str(data["username"]), str(data["password"])


@contextlib.contextmanager
def connect(args: argparse.Namespace) -> Iterator[tuple[AirflowApi, str]]:
    """The API of the chosen Airflow, and a name for it (the document's `source`)."""
    target = stack_target(args.stack) if args.stack else None
    if target is not None and target.architecture == "mwaa":
        import boto3

        client = boto3.client("mwaa", region_name=target.region)
        yield (
            AirflowApi(MwaaTransport(client, target.environment_name)),
            f"mwaa:{target.environment_name}",
        )
        return
    with contextlib.ExitStack() as stack:
        url = args.url
        if args.port_forward:
            context, hint = args.kube_context, ""
            # A --kubeconfig FILE alone would use that file's current context: the stack's
            # cluster is the default there too.
            if context is None and target is not None:
                context = cluster_context(target)
                hint = (
                    f"; `aws eks update-kubeconfig --name {target.environment_name} --region "
                    f"{target.region}` adds this stack's context, or pass --kube-context"
                )
            forward = port_forward(args.port_forward, context, args.kubeconfig, hint=hint)
            url = stack.enter_context(forward)
        if not url:
            raise SystemExit(
                "error: an EKS stack's API server needs --url (the ALB, from inside the VPC) "
                "or --port-forward LOCAL_PORT"
            )
        user, password = credentials(target)
        name = f"eks:{target.environment_name}" if target else url
        yield AirflowApi(HttpTransport(url, user, password)), name


def main(argv: Sequence[str] | None = None, api: AirflowApi | None = None) -> int:
    """Exit 0 done, 1 the API failed, 2 the document was refused (nothing written)."""
    args = parse_args(argv)
    try:
        with contextlib.ExitStack() as stack:
            if api is None:
                api, source = stack.enter_context(connect(args))
            else:
                source = args.stack or args.url
            if args.command == "export":
                return _export(api, source, args)
            return _import(api, args)
    except StateDocumentError as error:
        print(f"error: {error}; nothing was written", file=sys.stderr)
        return 2
    except ApiError as error:
        print(f"error: Airflow API: {error}", file=sys.stderr)
        return 1


def _export(api: AirflowApi, source: str, args: argparse.Namespace) -> int:
    doc = export_state(api, source, history_days=args.history_days)
    write_text(args.out, dump_document(doc))
    for line in doc["omitted"]:
        print(f"warning: {line}", file=sys.stderr)
    counts = {k: len(doc[k]) for k in ("pools", "variables", "connections", "dags")}
    print(f"exported {counts} from {source} to {args.out}")
    return 0


def _import(api: AirflowApi, args: argparse.Namespace) -> int:
    doc: dict[str, Any] = load_document(read_text(args.source))
    plan = plan_import(api, doc, keep_paused=args.keep_paused)
    for line in plan.warnings:
        print(f"warning: {line}", file=sys.stderr)
    if args.dry_run:
        for change in plan.changes:
            print(f"would {change.summary}")
        print(f"dry run: {len(plan.changes)} change(s), nothing written")
        return 0
    run_import(api, plan, report=lambda line: print(f"{line}"))
    print(f"imported: {len(plan.changes)} change(s)" if plan.changes else "nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
