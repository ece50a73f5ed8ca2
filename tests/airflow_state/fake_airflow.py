"""An in-memory Airflow REST API v2 (the calls the state transfer makes), for unit tests.

It answers like Airflow 3.0.6 does where the transfer depends on it (masked passwords,
reserved run ids, 404s, update_mask, run states), and records every call it receives.
The live tests in tests/dags run the same transfer against the real API server.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

MASK = "***"
# How the FAB auth manager (apache-airflow-providers-fab 2.4.1, Airflow 3.0.6's, and 3.8.0,
# Airflow 3.3.1's: the same method -> action map, www/utils.py) authorises the endpoints the
# transfer calls: the method gives the action, the path the resources. A DAG's runs need the
# action on "DAG Runs" and, on the DAG, can_read for GET or can_edit otherwise. /version needs
# no login.
FAB_ACTIONS = {"GET": "can_read", "POST": "can_create", "PATCH": "can_edit", "PUT": "can_edit",
               "DELETE": "can_delete"}  # fmt: skip
FAB_RESOURCES = {"pools": "Pools", "variables": "Variables", "connections": "Connections"}


def fab_permissions_needed(method: str, path: str) -> set[tuple[str, str]]:
    """(action, resource) pairs a FAB role needs for one REST API v2 call."""
    parts = path.strip("/").split("/")
    action = FAB_ACTIONS[method]
    if parts[0] == "version":
        return set()
    if parts[0] in FAB_RESOURCES:
        return {(action, FAB_RESOURCES[parts[0]])}
    if parts[0] == "dags" and len(parts) > 2 and parts[2] == "dagRuns":
        return {(action, "DAG Runs"), ("can_read" if method == "GET" else "can_edit", "DAGs")}
    if parts[0] == "dags":
        return {("can_read" if method == "GET" else "can_edit", "DAGs")}
    raise AssertionError(f"no FAB mapping for {method} {path}")


class FakeAirflow:
    def __init__(
        self, version: str = "3.0.6", fab_role: set[tuple[str, str]] | None = None
    ) -> None:
        self.version = version
        self.fab_role = fab_role
        """The login's FAB permissions (action, resource); None: everything (Admin)."""
        self.pools: dict[str, dict[str, Any]] = {
            "default_pool": {
                "name": "default_pool",
                "slots": 128,
                "description": "Default pool",
                "include_deferred": False,
            }
        }
        self.variables: dict[str, dict[str, Any]] = {}
        self.connections: dict[str, dict[str, Any]] = {}
        self.dags: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}
        self.calls: list[tuple[str, str]] = []

    def add_dag(self, dag_id: str, paused: bool = False, catchup: bool = False) -> None:
        self.dags[dag_id] = {"dag_id": dag_id, "is_paused": paused, "catchup": catchup}
        self.runs[dag_id] = {}

    def add_run(self, dag_id: str, run_id: str, logical_date: str, end: str, state: str) -> None:
        self.runs[dag_id][run_id] = {
            "dag_run_id": run_id,
            "dag_id": dag_id,
            "logical_date": logical_date,
            "data_interval_start": logical_date,
            "data_interval_end": end,
            "run_after": end,
            "state": state,
            "run_type": run_id.split("__", maxsplit=1)[0] if "__" in run_id else "manual",
        }

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(
            {k: getattr(self, k) for k in ("pools", "variables", "connections", "dags", "runs")}
        )

    # -- the Transport protocol
    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> tuple[int, Any]:
        self.calls.append((method, path))
        if self.fab_role is not None and not fab_permissions_needed(method, path) <= self.fab_role:
            return 403, {"detail": "Forbidden"}
        # Paths arrive percent-encoded, as on the wire; a pool named `a/b` is one segment.
        parts = [unquote(part) for part in path.strip("/").split("/")]
        handler = getattr(self, f"_{parts[0]}", None)
        if handler is None:
            return 404, {"detail": "no such endpoint"}
        return handler(method, parts[1:], dict(params or {}), dict(body or {}))

    @staticmethod
    def _page(key: str, items: list[Any], params: dict[str, Any]) -> tuple[int, Any]:
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 50))
        return 200, {key: items[offset : offset + limit], "total_entries": len(items)}

    def _version(self, method: str, rest: list[str], params: dict, body: dict) -> tuple[int, Any]:
        return 200, {"version": self.version, "git_version": None}

    def _collection(
        self, store: dict, key: str, id_field: str, *, method: str, rest: list[str], params, body
    ) -> tuple[int, Any]:
        if not rest:
            if method == "GET":
                return self._page(key, [self._show(key, v) for v in store.values()], params)
            if body[id_field] in store:
                return 409, {"detail": "exists"}
            store[body[id_field]] = dict(body)
            return 201, body
        item = store.get(rest[0])
        if item is None:
            return 404, {"detail": "not found"}
        if method == "GET":
            return 200, self._show(key, item)
        return self._patch(key, rest[0], item, params.get("update_mask"), body)

    @staticmethod
    def _patch(key: str, name: str, item: dict, mask: Any, body: dict) -> tuple[int, Any]:
        mask = [mask] if isinstance(mask, str) else mask
        allowed = {"slots", "include_deferred"}
        if key == "pools" and name == "default_pool" and not (mask and set(mask) <= allowed):
            # Airflow: "Only slots and included_deferred can be modified on Default Pool".
            return 400, {"detail": "default_pool needs update_mask of its two fields"}
        item.update({k: v for k, v in body.items() if not mask or k in mask})
        return 200, item

    @staticmethod
    def _show(key: str, item: dict[str, Any]) -> dict[str, Any]:
        shown = dict(item)
        if key == "connections" and shown.get("password"):
            shown["password"] = MASK  # Airflow redacts passwords in responses
        return shown

    def _pools(self, method, rest, params, body):
        return self._collection(
            self.pools, "pools", "name", method=method, rest=rest, params=params, body=body
        )

    def _variables(self, method, rest, params, body):
        return self._collection(
            self.variables, "variables", "key", method=method, rest=rest, params=params, body=body
        )

    def _connections(self, method, rest, params, body):
        return self._collection(
            self.connections,
            "connections",
            "connection_id",
            method=method,
            rest=rest,
            params=params,
            body=body,
        )

    def _dags(self, method: str, rest: list[str], params: dict, body: dict) -> tuple[int, Any]:
        if not rest:
            return self._page("dags", list(self.dags.values()), params)
        dag = self.dags.get(rest[0])
        if dag is None:
            return 404, {"detail": "no such DAG"}
        if len(rest) == 1:
            if method == "PATCH":
                dag["is_paused"] = body["is_paused"]
            return 200, dag
        if rest[1] == "details":
            return 200, dag
        return self._runs(self.runs[rest[0]], rest, method, params, body)

    def _runs(self, runs: dict, rest: list[str], method: str, params: dict, body: dict) -> Any:
        if len(rest) == 3:
            run = runs.get(rest[2])
            if run is None:
                return 404, {"detail": "no such run"}
            if method == "PATCH":
                run["state"] = body["state"]
            return 200, run
        if method == "POST":
            run_id = body["dag_run_id"]
            if run_id.startswith(("scheduled__", "backfill__", "asset_triggered__")):
                return 400, {"detail": f"A manual DAG run cannot use ID {run_id!r}"}
            if run_id in runs:
                return 409, {"detail": "exists"}
            self.add_run(rest[0], run_id, body["logical_date"], body["data_interval_end"], "queued")
            return 200, runs[run_id]
        found = [
            r
            for r in runs.values()
            if (not params.get("state") or r["state"] == params["state"])
            and r["logical_date"] >= params.get("logical_date_gte", "")
            and r["logical_date"] <= params.get("logical_date_lte", "9999")
        ]
        order = params.get("order_by", "logical_date")
        found.sort(key=lambda r: r["logical_date"], reverse=order.startswith("-"))
        return self._page("dag_runs", found, params)
