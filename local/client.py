"""A small client for Airflow's public REST API (v2), as a user or a script would use it:
a token from `POST /auth/token`, then bearer-authenticated JSON calls. Standard library only,
so the main venv and other test suites can import it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

TERMINAL = {"success", "failed"}


class ApiError(RuntimeError):
    """A non-2xx answer, with the status and body."""

    def __init__(self, status: int, body: str, url: str) -> None:
        super().__init__(f"{status} from {url}: {body[:500]}")
        self.status = status


@dataclass
class AirflowClient:
    api_url: str
    token: str

    @classmethod
    def login(cls, api_url: str, user: str, password: str) -> AirflowClient:
        """POST /auth/token with the user's login; the token authenticates every call."""
        body = _request("POST", f"{api_url}/auth/token", {"username": user, "password": password})
        return cls(api_url, str(body["access_token"]))

    def call(self, method: str, path: str, payload: Any = None) -> Any:
        return _request(method, f"{self.api_url}/api/v2{path}", payload, self.token)

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def wait_for_dag(self, dag_id: str, timeout: float = 600) -> None:
        """Until the DAG processor has parsed `dag_id`: with Airflow's default intervals a
        new bundle's DAGs can take minutes to appear after the platform is healthy."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.get(f"/dags/{dag_id}")
                return
            except ApiError as exc:
                if exc.status != 404 or time.monotonic() > deadline:
                    raise
            time.sleep(2)

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(
        self,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        logical_date: str | None = None,
        run_id: str = "",
    ) -> dict[str, Any]:
        """POST a DAG run; returns the run as the API describes it (`dag_run_id`, ...)."""
        payload: dict[str, Any] = {"logical_date": logical_date, "conf": conf or {}}
        if run_id:
            payload["dag_run_id"] = run_id
        return dict(self.call("POST", f"/dags/{dag_id}/dagRuns", payload))

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return dict(self.get(f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"))

    def wait(self, dag_id: str, run_id: str, timeout: float = 300, fail_fast: bool = False) -> str:
        """Poll the run until it ends; returns its final state. With `fail_fast`, a task
        that fails or waits for a retry ends the wait at once with its log (a run whose
        retries wait minutes would otherwise only time out)."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            try:
                state = str(self.run(dag_id, run_id)["state"])
            except (ApiError, TimeoutError) as exc:
                # A loaded API server may answer 5xx or late for a moment; keep polling.
                if isinstance(exc, ApiError) and exc.status < 500:
                    raise
                time.sleep(2)
                continue
            if state in TERMINAL:
                return state
            if fail_fast:
                self._raise_on_failing_task(dag_id, run_id)
            time.sleep(2)
        tis = {ti["task_id"]: ti["state"] for ti in self.task_instances(dag_id, run_id)}
        raise TimeoutError(
            f"{dag_id} run {run_id} still {state!r} after {timeout:.0f} s (tasks: {tis})"
        )

    def _raise_on_failing_task(self, dag_id: str, run_id: str) -> None:
        """Our run, and any running run of the DAG ahead of it (max_active_runs keeps ours
        queued behind a scheduled run that waits for a retry)."""
        running = self.get(f"/dags/{dag_id}/dagRuns?state=running&limit=20")["dag_runs"]
        for other in {run_id, *(r["dag_run_id"] for r in running)}:
            for ti in self.task_instances(dag_id, other):
                if ti["state"] in ("failed", "up_for_retry", "upstream_failed"):
                    log = self.log(dag_id, other, ti["task_id"], max(1, ti["try_number"]))
                    raise AssertionError(
                        f"{dag_id}.{ti['task_id']} is {ti['state']} in run {other}"
                        f"{'' if other == run_id else f' (ahead of run {run_id})'}; "
                        f"its log ends:\n{log[-2000:]}"
                    )

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=1000"
        return list(self.get(path)["task_instances"])

    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        path = (
            f"/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
            f"/logs/{try_number}?full_content=true"
        )
        body = self.get(path)
        content = body.get("content", "")
        if isinstance(content, list):
            return "\n".join(
                str(item.get("event", item)) if isinstance(item, dict) else str(item)
                for item in content
            )
        return str(content)


def _request(method: str, url: str, payload: Any = None, token: str = "") -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, exc.read().decode(errors="replace"), url) from None
    return json.loads(raw) if raw else None
