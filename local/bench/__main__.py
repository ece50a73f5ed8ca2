"""`python -m local.bench` (`make bench-local`): the configurations interleaved at each
size, the runs written to build/bench-local.json and the tables to build/bench-local.md.
`--from FILE` writes the tables again from a JSON of runs, without running anything."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from local.bench import report, runner
from local.bench.figures import Run
from local.config import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.bench")
    parser.add_argument("--configs", nargs="+", default=list(runner.MEASURED),
                        choices=list(runner.CONFIGS))  # fmt: skip
    parser.add_argument("--sizes", nargs="+", type=int, default=[200, 2000],
                        help="tasks per run, in order (20 DAGs share them)")  # fmt: skip
    parser.add_argument("--repeats", nargs="+", type=int, default=[3, 1],
                        help="repeats per size, in the order of --sizes")  # fmt: skip
    parser.add_argument("--scale-configs", nargs="+", default=["program", "defaults"],
                        help="configurations run at the sizes after the first")  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench-local.json")
    parser.add_argument("--from", dest="source", type=Path, default=None,
                        help="tables from this JSON of runs; runs nothing")  # fmt: skip
    args = parser.parse_args(argv)
    if args.source:
        runs = [Run(**r) for r in json.loads(args.source.read_text())]
    else:
        if len(args.repeats) != len(args.sizes):
            parser.error("--repeats: one count per size in --sizes")
        args.out.parent.mkdir(parents=True, exist_ok=True)

        def keep(runs: list[Run]) -> None:
            args.out.write_text(json.dumps([asdict(r) for r in runs], indent=1))

        runs = runner.interleaved(
            args.configs,
            dict(zip(args.sizes, args.repeats, strict=True)),
            args.scale_configs,
            on_run=keep,
        )
        keep(runs)
    text = report.markdown(runs) + "\nAWS calls per task:\n\n" + report.aws_lines(runs)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
