"""The state transfer's library lives beside the DAGs (dags/common); import it from there."""

import tools.airflow_state  # noqa: F401  (puts dags/ on sys.path)
