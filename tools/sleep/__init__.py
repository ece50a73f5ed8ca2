"""Sleep and wake a stack at its schedule's edges (docs/sleep.md).

`edge.py` decides, from the phase the stack should be in now and the phase the platform is
in (what exists: MWAA's environment; the stack output `phase` where that cannot tell), which
steps bring it there; the steps are idempotent,
so a repeated run does nothing and a missed one is caught up by the next. `__main__.py` runs
them with the real tools: the Pulumi CLI, the state export/import (`tools.airflow_state`),
MWAA's and RDS's status.

    python -m tools.sleep edge --stack dev     # what the scheduled workflow runs
    python -m tools.sleep deploy --stack dev   # a push (deploy.yml): the edge, then pulumi up
    python -m tools.sleep sleep --stack dev    # make sleep: stay asleep (awake: false)
    python -m tools.sleep wake --stack dev     # make wake: stay awake (awake: true)
"""
