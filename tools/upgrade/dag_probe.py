"""Run inside an Airflow venv (any version): parse a DAG folder and print, as JSON, its DAG
ids, import errors and the warnings raised from files in that folder. Standalone: it imports
nothing of the repository, so it runs on whichever Airflow the venv has.
Usage: <venv>/bin/python tools/upgrade/dag_probe.py DAGS_FOLDER"""

from __future__ import annotations

import json
import sys
import warnings


def main(folder: str) -> None:
    sys.path.append(folder)  # the bundle root, as Airflow's DAG processor adds it
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.1+
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 3.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=folder)  # examples off: AIRFLOW__CORE__LOAD_EXAMPLES
    ours = sorted(
        {
            f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
            for w in caught
            if str(w.filename).startswith(folder)
        }
    )
    errors = {path: str(text).strip().splitlines()[-1] for path, text in bag.import_errors.items()}
    print(json.dumps({"dag_ids": sorted(bag.dag_ids), "import_errors": errors, "warnings": ours}))


if __name__ == "__main__":
    main(sys.argv[1])
