"""Export an Airflow's state into a document, and plan and apply its import elsewhere.

Import compares the document with what the target already holds and changes only what
differs, so a second import finds nothing to do. Runs are recreated under a short id from
their logical date (`mig__...`) with their logical date, data interval and `run_after`, then
set to their state, while their DAG is paused (a paused DAG's queued run never starts); the
DAG gets its exported paused state last (or stays paused with `keep_paused`, for a cutover
later). The scheduler then skips every interval whose logical date already has a run, so a
`catchup=False` DAG continues after the last migrated run: no backfill, no duplicate. A
`catchup=True` DAG would also fill the gaps *before* the migrated history (Airflow counts only
scheduled and backfill runs as its last automated run), so the import leaves it paused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from common.airflow_state.api import AirflowApi, ApiError, segment
from common.airflow_state.document import (
    SCHEMA_VERSION,
    check_document,
    holds_secret,
    is_sensitive,
    scrub_extra,
)

RUN_STATES = ("success", "failed")
EPOCH = "1970-01-01T00:00:00Z"  # logical_date_gte this skips runs without a logical date
POOL_FIELDS = ("slots", "description", "include_deferred")
CONNECTION_FIELDS = ("conn_type", "description", "host", "login", "schema", "port", "extra")
DEFAULT_POOL = "default_pool"
# A run recreated through the API is a manual run, and run ids starting `<type>__` are reserved
# for that run type; source ids are also long (`scheduled__2026-11-29T10:00:00+00:00`), and
# MWAA's InvokeRestApi caps paths at 64 characters. So every migrated run gets a short id made
# from its logical date (unique per DAG); the import finds runs by logical date, never by id.
MIGRATED_PREFIX = "mig__"
# DAGs that belong to the platform they run on, not to the state: importing a document never
# pauses, unpauses or recreates runs of these (a dev document with metadata_backup paused
# must not stop prod's own backup).
PER_PLATFORM_DAGS = ("metadata_backup",)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: dict[str, Any] | None = None
    body: dict[str, Any] | None = None


@dataclass
class Change:
    """One thing the import would change, and the API calls that change it."""

    summary: str
    calls: list[Call] = field(default_factory=list)


@dataclass
class ImportPlan:
    changes: list[Change]
    warnings: list[str]


# ---------------------------------------------------------------- export


def export_state(
    api: AirflowApi,
    source: str,
    history_days: int = 0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The state of the Airflow behind `api`, as a checked document."""
    now = now or datetime.now(UTC)
    omitted: list[str] = []
    doc = {
        "schema_version": SCHEMA_VERSION,
        "airflow_version": api.version(),
        "exported_at": now.isoformat(),
        "source": source,
        "history_days": history_days,
        "pools": sorted(
            (
                {key: pool[key] for key in ("name", *POOL_FIELDS)}
                for pool in api.paged("/pools", "pools")
            ),
            key=lambda p: p["name"],
        ),
        "variables": _variables(api, omitted),
        "connections": _connections(api, omitted),
        "dags": [
            _dag(api, dag, history_days, now)
            for dag in sorted(api.paged("/dags", "dags"), key=lambda d: d["dag_id"])
            if _fits(api, dag["dag_id"], omitted)
        ],
        "omitted": omitted,
    }
    return check_document(doc)


def _export_paths(dag_id: str) -> list[str]:
    """Every path the export builds for one DAG (`_dag`)."""
    dag = f"/dags/{segment(dag_id)}"
    return [f"{dag}/dagRuns", f"{dag}/details"]


def _fits(api: AirflowApi, dag_id: str, omitted: list[str]) -> bool:
    """Whether the source's transport can carry every path the export builds for `dag_id`
    (MWAA: 64 characters; Airflow allows DAG ids of 250). One DAG that cannot is left out with
    a line in `omitted`, so the rest, and the daily backup, still go through."""
    limit = api.path_limit
    longest = max(_export_paths(dag_id), key=len)
    if limit is None or len(longest) <= limit:
        return True
    omitted.append(
        f"dag {dag_id}: its API path {longest} is {len(longest)} characters, this transport "
        f"carries {limit}; left out (a shorter dag_id fits)"
    )
    return False


def _variables(api: AirflowApi, omitted: list[str]) -> list[dict[str, Any]]:
    kept = []
    for variable in sorted(api.paged("/variables", "variables"), key=lambda v: v["key"]):
        key, value = variable["key"], variable["value"]
        try:
            parsed = json.loads(value)
        except (json.JSONDecodeError, TypeError):
            parsed = value
        if is_sensitive(key) or holds_secret(value) or holds_secret(parsed):
            omitted.append(f"variable {key}: holds a secret; left out")
            continue
        kept.append({"key": key, "value": value, "description": variable.get("description")})
    return kept


def _connections(api: AirflowApi, omitted: list[str]) -> list[dict[str, Any]]:
    kept = []
    for conn in sorted(api.paged("/connections", "connections"), key=lambda c: c["connection_id"]):
        where = f"connection {conn['connection_id']}"
        has_password = bool(conn.get("password"))
        if has_password:
            omitted.append(f"{where}: password left out; set it on the target")
        kept.append(
            {
                "connection_id": conn["connection_id"],
                "conn_type": conn["conn_type"],
                "description": conn.get("description"),
                "host": conn.get("host"),
                "login": conn.get("login"),
                "schema": conn.get("schema"),
                "port": conn.get("port"),
                "extra": scrub_extra(conn.get("extra"), where, omitted),
                "password_omitted": has_password,
            }
        )
    return kept


def _run(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run["dag_run_id"],
        "logical_date": run["logical_date"],
        "data_interval_start": run.get("data_interval_start"),
        "data_interval_end": run.get("data_interval_end"),
        "run_after": run.get("run_after"),
        "state": run["state"],
        "run_type": run.get("run_type") or "unknown",
    }


def _dag(api: AirflowApi, dag: dict[str, Any], history_days: int, now: datetime) -> dict[str, Any]:
    dag_id = dag["dag_id"]
    runs, details_path = _export_paths(dag_id)
    latest = api.get(
        runs,
        {"state": "success", "order_by": "-logical_date", "logical_date_gte": EPOCH, "limit": 1},
    )["dag_runs"]
    history: list[dict[str, Any]] = []
    if history_days > 0:
        since = (now - timedelta(days=history_days)).isoformat()
        found = api.paged(runs, "dag_runs", {"logical_date_gte": since, "order_by": "logical_date"})
        history = [_run(r) for r in found if r["state"] in RUN_STATES and r.get("logical_date")]
    details = api.get(details_path)
    return {
        "dag_id": dag_id,
        "is_paused": bool(dag["is_paused"]),
        "catchup": bool(details.get("catchup")),
        "latest_success": _run(latest[0]) if latest else None,
        "history": history,
    }


# ---------------------------------------------------------------- import


def plan_import(api: AirflowApi, doc: dict[str, Any], keep_paused: bool = False) -> ImportPlan:
    """What importing `doc` would change in the Airflow behind `api` (nothing is written).

    Refuses (StateDocumentError) a malformed document, a newer or other-major schema, or one
    from another Airflow major version, before looking at anything else.
    """
    check_document(doc, target_airflow_version=api.version())
    warnings = list(doc["omitted"])
    changes = [
        *_pool_changes(api, doc["pools"]),
        *_variable_changes(api, doc["variables"]),
        *_connection_changes(api, doc["connections"]),
    ]
    for dag in doc["dags"]:
        changes += _dag_changes(api, dag, keep_paused, warnings)
    _check_paths(api, changes)
    return ImportPlan(changes=changes, warnings=warnings)


def _check_paths(api: AirflowApi, changes: list[Change]) -> None:
    """Refuse the whole plan, before anything is written, if a call's path is longer than the
    transport accepts (MWAA: 64 characters), rather than fail halfway through a run."""
    limit = api.path_limit
    if limit is None:
        return
    for change in changes:
        for call in change.calls:
            if len(call.path) > limit:
                raise ApiError(
                    call.method,
                    call.path,
                    0,
                    f"{len(call.path)} characters, this transport accepts {limit} "
                    f"({change.summary}); nothing written",
                )


def run_import(
    api: AirflowApi, plan: ImportPlan, report: Callable[[str], None] = print
) -> list[Change]:
    for change in plan.changes:
        report(change.summary)
        for call in change.calls:
            api.call(call.method, call.path, call.params, call.body)
    return plan.changes


def _differs(current: dict[str, Any], wanted: dict[str, Any], fields: Iterable[str]) -> list[str]:
    return [f for f in fields if current.get(f) != wanted.get(f)]


def _pool_changes(api: AirflowApi, pools: list[dict[str, Any]]) -> list[Change]:
    changes = []
    for pool in pools:
        name = pool["name"]
        path = f"/pools/{segment(name)}"
        current = api.get_or_none(path)
        if current is None:
            body = {"name": name, **{f: pool[f] for f in POOL_FIELDS}}
            changes.append(Change(f"pool {name}: create", [Call("POST", "/pools", body=body)]))
            continue
        fields = ("slots", "include_deferred") if name == DEFAULT_POOL else POOL_FIELDS
        differ = _differs(current, pool, fields)
        if not differ:
            continue
        if name == DEFAULT_POOL:
            # Airflow patches default_pool only under a mask naming slots/include_deferred;
            # one field per call keeps the mask a single value, which MWAA certainly carries.
            calls = [
                Call("PATCH", path, params={"update_mask": f}, body={f: pool[f]}) for f in differ
            ]
        else:
            # Without a mask, Airflow sets exactly the fields the body holds.
            calls = [Call("PATCH", path, body={f: pool[f] for f in differ})]
        changes.append(Change(f"pool {name}: update {', '.join(differ)}", calls))
    return changes


def _variable_changes(api: AirflowApi, variables: list[dict[str, Any]]) -> list[Change]:
    changes = []
    for variable in variables:
        key = variable["key"]
        body = {"key": key, "value": variable["value"], "description": variable["description"]}
        path = f"/variables/{segment(key)}"
        current = api.get_or_none(path)
        if current is None:
            changes.append(
                Change(f"variable {key}: create", [Call("POST", "/variables", body=body)])
            )
        elif _differs(current, variable, ("value", "description")):
            changes.append(Change(f"variable {key}: update", [Call("PATCH", path, body=body)]))
    return changes


def _connection_changes(api: AirflowApi, connections: list[dict[str, Any]]) -> list[Change]:
    changes = []
    for conn in connections:
        conn_id = conn["connection_id"]
        body = {"connection_id": conn_id, **{f: conn[f] for f in CONNECTION_FIELDS}}
        path = f"/connections/{segment(conn_id)}"
        current = api.get_or_none(path)
        if current is None:
            call = Call("POST", "/connections", body=body)
            changes.append(Change(f"connection {conn_id}: create", [call]))
            continue
        differ = [f for f in CONNECTION_FIELDS if not _same_field(f, current.get(f), conn[f])]
        if differ:
            # No mask: Airflow sets the fields the body holds, and it holds no password, so a
            # password set on the target by hand is never touched.
            call = Call("PATCH", path, body=body)
            changes.append(Change(f"connection {conn_id}: update {', '.join(differ)}", [call]))
    return changes


def _same_field(name: str, current: Any, wanted: Any) -> bool:
    if name != "extra":
        return bool(current == wanted)
    # The target may hold sensitive extra keys the document left out: compare the rest.
    ours = json.loads(wanted) if wanted else {}
    try:
        theirs = json.loads(current) if current else {}
    except json.JSONDecodeError:
        return False
    if not isinstance(theirs, dict):
        return False
    theirs = {k: v for k, v in theirs.items() if not (is_sensitive(str(k)) or holds_secret(v))}
    return bool(theirs == ours)


def _dag_changes(
    api: AirflowApi, dag: dict[str, Any], keep_paused: bool, warnings: list[str]
) -> list[Change]:
    dag_id = dag["dag_id"]
    if dag_id in PER_PLATFORM_DAGS:
        warnings.append(f"dag {dag_id}: the target's own; its paused state and runs are kept")
        return []
    current = api.get_or_none(f"/dags/{segment(dag_id)}")
    if current is None:
        warnings.append(f"dag {dag_id}: not in the target (deploy its file first); skipped")
        return []
    runs = {r["run_id"]: r for r in dag["history"]}
    if dag["latest_success"] is not None:
        runs.setdefault(dag["latest_success"]["run_id"], dag["latest_success"])
    changes = []
    paused = bool(current["is_paused"])
    for run in sorted(runs.values(), key=lambda r: r["logical_date"]):
        run_changes = _run_changes(api, dag_id, run)
        if run_changes and not paused:
            # A queued run of an unpaused DAG may start before its state is set.
            changes.append(
                Change(
                    f"dag {dag_id}: pause while its runs are recreated",
                    [Call("PATCH", f"/dags/{segment(dag_id)}", body={"is_paused": True})],
                )
            )
            paused = True
        changes += run_changes
    wanted = True if keep_paused else dag["is_paused"]
    if dag["catchup"] and paused and not wanted:
        # Airflow resumes a catchup DAG after its last *scheduled or backfill* run; migrated
        # runs are manual, so unpausing would backfill every interval since start_date.
        warnings.append(
            f"dag {dag_id}: catchup=True; left paused, as unpausing it would backfill every "
            "interval before the migrated runs; set catchup=False, or unpause it by hand"
        )
        wanted = True
    if paused != wanted:
        word = "pause" if wanted else "unpause"
        changes.append(
            Change(
                f"dag {dag_id}: {word}",
                [Call("PATCH", f"/dags/{segment(dag_id)}", body={"is_paused": wanted})],
            )
        )
    return changes


def target_run_id(logical_date: str) -> str:
    """The id a migrated run gets on the target: `mig__<yyyymmddTHHMMSS>` of its logical date
    (UTC; microseconds appended only when there are any), at most 27 characters."""
    when = datetime.fromisoformat(logical_date.replace("Z", "+00:00")).astimezone(UTC)
    stamp = when.strftime("%Y%m%dT%H%M%S") + (
        f".{when.microsecond:06d}" if when.microsecond else ""
    )
    return f"{MIGRATED_PREFIX}{stamp}"


def _run_changes(api: AirflowApi, dag_id: str, run: dict[str, Any]) -> list[Change]:
    run_id, state = target_run_id(run["logical_date"]), run["state"]
    where = f"dag {dag_id}: run {run_id}"
    set_state = Call("PATCH", f"/dags/{segment(dag_id)}/dagRuns/{run_id}", body={"state": state})
    # One list call by logical date: the target may hold this interval under any id.
    same_date = api.get(
        f"/dags/{segment(dag_id)}/dagRuns",
        {"logical_date_gte": run["logical_date"], "logical_date_lte": run["logical_date"]},
    )["dag_runs"]
    for existing in same_date:
        if existing["dag_run_id"] == run_id:
            if existing["state"] != state:
                return [Change(f"{where}: set state {state}", [set_state])]
            return []
    if same_date:
        # The target already ran this interval under another id: keep its run.
        return []
    create = Call(
        "POST",
        f"/dags/{segment(dag_id)}/dagRuns",
        body={
            "dag_run_id": run_id,
            "logical_date": run["logical_date"],
            "data_interval_start": run["data_interval_start"],
            "data_interval_end": run["data_interval_end"],
            "run_after": run["run_after"],
            "conf": {},
            "note": (
                f"Migrated by airflow_state ({run['run_type']} run {run['run_id']} in the source)"
            ),
        },
    )
    return [Change(f"{where}: create ({state}, {run['logical_date']})", [create, set_state])]
