"""Rehearse an Airflow upgrade and its rollback: python -m tools.upgrade --to 3.3.1
[--from 3.0.6] [--state airflow-state.json] [--sql FILE] [--chart 1.21.0] [--fast]
[--constraints FILE]

Exit 0 when every step passes (warnings included), 1 at the first failing step, with one line
naming it and the report (build/upgrade/<from>-to-<to>/report.md, report.json)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from local.config import REPO
from tools.upgrade import venvs
from tools.upgrade.run import Options, folder, rehearse, shown


def parse(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", required=True, help="the Airflow version to upgrade to")
    parser.add_argument("--from", dest="from_version", default="",
                        help="the version to upgrade from (default: the pinned one)")  # fmt: skip
    parser.add_argument("--state", type=Path, help="a state document (make state-export)")
    parser.add_argument("--sql", type=Path,
                        help="SQL run on FROM's database before the copy is migrated")  # fmt: skip
    parser.add_argument("--chart", help="the Airflow chart version (default: the pinned one)")
    parser.add_argument("--fast", action="store_true",
                        help="steps 1-3 only: no platform is started (make test)")  # fmt: skip
    parser.add_argument("--constraints", type=Path,
                        help="Airflow's constraints file for the target, if at hand")  # fmt: skip
    parser.add_argument("--dags", type=Path, default=REPO / "dags", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return Options(
        to_version=args.to,
        from_version=args.from_version or venvs.pinned_airflow(),
        state=args.state.resolve() if args.state else None,
        sql=args.sql.resolve() if args.sql else None,
        chart=args.chart,
        last_step=3 if args.fast else 5,
        constraints=args.constraints.resolve() if args.constraints else None,
        dags=args.dags.resolve(),
        out=args.out.resolve() if args.out else None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse(argv)
    for what, path in (("STATE", options.state), ("SQL", options.sql)):
        if path and not path.exists():
            print(f"error: {what}={path} does not exist", file=sys.stderr)
            return 2
    report = rehearse(options)
    where = shown(folder(options) / "report.md")
    failed = report.failed
    if failed:
        print(f"upgrade-test: step {failed.number} ({failed.name}) failed: {failed.summary}; "
              f"details: {where}", file=sys.stderr)  # fmt: skip
        return 1
    print(f"upgrade-test: {report.verdict} ({options.from_version} → {options.to_version}); "
          f"report: {where}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
