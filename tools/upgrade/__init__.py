"""`make upgrade-test TO=<version>`: rehearse an Airflow upgrade and its rollback before
either stack moves. Steps, in order, stopping at the first failure:

1. offered where it must run (MWAA's table, the pinned chart, the package index and an
   Amazon provider release) - `offered`
2. the dependency diff and our conflicting pins - `dependencies`
3. the DAGs and both stacks' options on the target - `dags_on_target`
4. the metadata migration on a copy, the target checked on it - `rehearsal`
5. the rollback (`airflow db downgrade`), FROM checked on it - `rehearsal`
6. the report, Markdown and JSON under build/upgrade/ - `report`
"""
