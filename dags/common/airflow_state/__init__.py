"""Airflow state that survives: export and import what lives only in the metadata database.

Pools, variables and connections created in the metadata database, each DAG's paused state
and latest successful run (optionally the recent history), as one JSON document (schema in
`schema.json`), through Airflow 3's public REST API v2 only: Airflow 3 tasks may no longer
touch the metadata database, and MWAA does not let anyone else.

The package lives beside the DAGs because the `metadata_backup` DAG uses it on both platforms
(MWAA only ships the DAG folder); `python -m tools.airflow_state` is the command line.
It needs the standard library, `jsonschema` (both platforms' Airflow images have it) and,
for MWAA or S3, `boto3`.
"""

from common.airflow_state.api import AirflowApi, ApiError, HttpTransport, MwaaTransport
from common.airflow_state.document import (
    SCHEMA_VERSION,
    StateDocumentError,
    check_document,
    dump_document,
    load_document,
)
from common.airflow_state.transfer import Change, export_state, plan_import, run_import

__all__ = [
    "SCHEMA_VERSION",
    "AirflowApi",
    "ApiError",
    "Change",
    "HttpTransport",
    "MwaaTransport",
    "StateDocumentError",
    "check_document",
    "dump_document",
    "export_state",
    "load_document",
    "plan_import",
    "run_import",
]
