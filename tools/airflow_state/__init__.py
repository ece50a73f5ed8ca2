"""`python -m tools.airflow_state export|import`: carry Airflow's metadata-database state
(pools, UI variables and connections, paused DAGs, where each DAG's schedule stands) from one
deployment to another, e.g. dev (MWAA) to prod (EKS), through the REST API v2.

The document format and the transfer itself live in `dags/common/airflow_state` (the
`metadata_backup` DAG ships them to both platforms); this package is the command line: it
finds the stack's Airflow from its settings and picks the transport.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Airflow puts the DAG folder on sys.path; so does the command line, to share one copy.
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
if str(DAGS_FOLDER) not in sys.path:
    sys.path.append(str(DAGS_FOLDER))
