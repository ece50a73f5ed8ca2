"""`--port-forward`: kubectl runs against the stack's own cluster, forwards the chart's API
server Service, and the command goes on only once the API server answers through it."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tools.airflow_state import __main__ as cli

# A kubectl stand-in: records its arguments, then (after DELAY seconds, longer than any fixed
# sleep would guess) serves /api/v2/version on the local port, or fails like kubectl does
# for a context it does not know.
FAKE_KUBECTL = f"""#!{sys.executable}
import http.server, json, os, sys, time
with open(os.environ["FAKE_KUBECTL_ARGS"], "w") as f:
    json.dump(sys.argv[1:], f)
if "--context" in sys.argv and sys.argv[sys.argv.index("--context") + 1] == "unknown":
    sys.exit('error: context "unknown" does not exist')
time.sleep(float(os.environ["FAKE_KUBECTL_DELAY"]))
port = int(sys.argv[-1].split(":")[0])
class Version(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"version": "3.0.6"}}).encode()
        self.send_response(200 if self.path == "/api/v2/version" else 404)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Version).serve_forever()
"""
DELAY = 2.5


@pytest.fixture
def kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "bin" / "kubectl"
    binary.parent.mkdir()
    binary.write_text(FAKE_KUBECTL)
    binary.chmod(0o755)
    monkeypatch.setenv("PATH", f"{binary.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBECTL_ARGS", str(tmp_path / "args.json"))
    monkeypatch.setenv("FAKE_KUBECTL_DELAY", str(DELAY))
    return tmp_path / "args.json"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.integration
def test_the_command_waits_until_the_api_server_answers(kubectl: Path) -> None:
    port = _free_port()
    started = time.monotonic()
    with cli.port_forward(port, context="ctx") as url:
        assert cli._answers(url)
    assert time.monotonic() - started >= DELAY
    # The chart's Service and port, from components/eks/airflow.py (tests/charts checks them
    # against the rendered chart).
    assert json.loads(kubectl.read_text()) == [
        "--context",
        "ctx",
        "port-forward",
        "--namespace",
        "airflow",
        "svc/airflow-api-server",
        f"{port}:8080",
    ]


@pytest.mark.integration
def test_a_kubectl_failure_is_one_error_line_with_the_hint(kubectl: Path) -> None:
    with (
        pytest.raises(SystemExit, match=r'context "unknown" does not exist; try this'),
        cli.port_forward(_free_port(), context="unknown", hint="; try this"),
    ):
        pass


@pytest.mark.integration
@pytest.mark.parametrize("kubeconfig", [[], ["--kubeconfig", "/tmp/ops-kubeconfig"]])
def test_a_prod_stack_forwards_through_its_own_clusters_context(
    kubectl: Path, monkeypatch: pytest.MonkeyPatch, kubeconfig: list[str]
) -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    stub = Stubber(sts)
    stub.add_response(
        "get_caller_identity",
        {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/ops", "UserId": "U"},
    )
    stub.activate()
    monkeypatch.setattr(boto3, "client", lambda *a, **k: sts)
    monkeypatch.setenv("AIRFLOW_STATE_USERNAME", "state-transfer")
    monkeypatch.setenv("AIRFLOW_STATE_PASSWORD", "pw")
    target = cli.stack_target("prod")
    args = cli.parse_args(
        ["export", "--stack", "prod", "--out", "x", "--port-forward", "0", *kubeconfig]
    )
    args.port_forward = _free_port()
    with cli.connect(args) as (api, name):
        assert api.transport.base_url == f"http://127.0.0.1:{args.port_forward}"
    forwarded: list[Any] = json.loads(kubectl.read_text())
    context = f"arn:aws:eks:{target.region}:111122223333:cluster/{target.environment_name}"
    # Never the kubeconfig's current context, not even in a file given with --kubeconfig.
    assert forwarded[: len(kubeconfig) + 2] == [*kubeconfig, "--context", context]
    assert name == f"eks:{target.environment_name}"
