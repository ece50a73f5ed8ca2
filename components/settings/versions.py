"""The version tables: which Airflow versions MWAA offers and the chart runs, which EKS
versions are in standard support, where MWAA has no graceful updates; each with its source."""

from __future__ import annotations

# Airflow versions MWAA runs. Up to 3.0.6: the CreateEnvironment model's documentation
# (botocore mwaa/2020-07-01, still so in botocore 1.44.8). 3.2.1 and 3.3.1: AWS's own MWAA
# images (aws/amazon-mwaa-docker-images images/airflow/3.2.1, commit f68824d, 2026-04-22;
# images/airflow/3.3.1, commit 0028196, 2026-08-12; read 2026-11-30); the API's pattern
# `[0-9a-z.]+` accepts them. 3.3.1 is the newest: docs/versions.md.
MWAA_AIRFLOW_VERSIONS = (
    "2.7.2", "2.8.1", "2.9.2", "2.10.1", "2.10.3", "2.11.0", "3.0.6", "3.2.1", "3.3.1"
)  # fmt: skip
# Airflow versions the pinned chart (1.21.0) runs with the program's values: 3.3.1, proven
# by the render tests and the local platform; 3.0.6, the version to roll back to (the chart
# gates its Airflow 3 templates on >= 3.0.0).
CHART_AIRFLOW_VERSIONS = ("3.0.6", "3.3.1")
# EKS versions in standard support (EKS user guide, "Kubernetes version lifecycle", read
# 2026-11-30): 1.35 to 2027-03-27, 1.36 (the newest) to 2027-08; 1.34 leaves it 2026-12-02.
EKS_STANDARD_VERSIONS = ("1.35", "1.36")
# Regions where MWAA does not offer graceful updates yet (MWAA user guide, "Update an Amazon
# MWAA environment", read 2026-11-30: Canada West (Calgary), Asia Pacific (Malaysia)).
NO_GRACEFUL_REGIONS = ("ca-west-1", "ap-southeast-5")
# Airflow options Airflow 3 moved to another section: Airflow 3 name -> Airflow 2 name. Airflow
# 2.x reads `[scheduler] min_file_process_interval` (configuration reference, e.g.
# https://airflow.apache.org/docs/apache-airflow/2.10.3/configurations-ref.html#min-file-process-interval);
# Airflow 3 reads it under `[dag_processor]` only: its `airflow config lint` lists the rename
# (airflow/cli/commands/config_command.py, 3.0.6 and 3.3.1), and the old name is not among
# its `deprecated_options`, so Airflow 3 ignores it without a word (3.3.1 with
# AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL=7 reads [dag_processor]'s default 30).
AIRFLOW_3_RENAMED_OPTIONS = {
    "dag_processor.min_file_process_interval": "scheduler.min_file_process_interval",
}


def airflow_major(version: str) -> int:
    """The major version of an Airflow release number (`3.3.1` -> 3)."""
    return int(version.split(".", 1)[0])


def option_for(option: str, version: str) -> str:
    """The name Airflow `version` reads for `option` (given by its Airflow 3 name)."""
    if airflow_major(version) >= 3:
        return option
    return AIRFLOW_3_RENAMED_OPTIONS.get(option, option)
