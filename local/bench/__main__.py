"""`python -m local.bench` (`make bench-local`): the configurations interleaved at each
size, the runs written to build/bench-local.json and the tables to build/bench-local.md.
`--from FILE [FILE ...]` writes the tables again from JSONs of runs, without running
anything."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import asdict
from pathlib import Path

from local.bench import report, runner
from local.bench.figures import Run
from local.config import REPO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.bench")
    parser.add_argument("--configs", nargs="+", default=list(runner.MEASURED),
                        help="configurations: " + ", ".join(runner.CONFIGS) + "; candidates "
                        "or features combine: program+a+b, defaults+a+b")  # fmt: skip
    parser.add_argument("--sizes", nargs="+", type=int, default=[200, 2000],
                        help="tasks per run, in order (20 DAGs share them)")  # fmt: skip
    parser.add_argument("--repeats", nargs="+", type=int, default=[3, 3],
                        help="repeats per size, in the order of --sizes")  # fmt: skip
    parser.add_argument("--scale-configs", nargs="+", default=["program", "defaults"],
                        help="configurations run at the sizes after the first")  # fmt: skip
    parser.add_argument("--idle-window", type=float, default=runner.IDLE_WINDOW_S,
                        help="seconds each platform idles alone after a run (its idle "
                        "rate, for the 'above idle' figures); 0: none")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=runner.WARMUP_ROUNDS,
                        help="rounds at the first size before the counted repeats "
                        "(recorded as repeat 0, not in the figures)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO / "build" / "bench-local.json")
    parser.add_argument("--from", dest="sources", nargs="+", type=Path, default=None,
                        help="tables from these JSONs of runs; runs nothing")  # fmt: skip
    args = parser.parse_args(argv)
    if args.sources:
        runs = [Run(**r) for source in args.sources for r in json.loads(source.read_text())]
    else:
        if len(args.repeats) != len(args.sizes):
            parser.error("--repeats: one count per size in --sizes")
        sizes = dict(zip(args.sizes, args.repeats, strict=True))
        for config in args.configs:
            try:
                runner.config_kwargs(config)
            except ValueError as exc:
                parser.error(f"--configs: {exc}")
        try:
            runner.check_scale(args.configs, sizes, args.scale_configs)
        except ValueError as exc:
            parser.error(f"--scale-configs: {exc}")
        if args.warmup < 0:
            parser.error(f"--warmup: {args.warmup}; 0 or more rounds")
        if args.idle_window < 0:
            parser.error(f"--idle-window: {args.idle_window:g} s; 0 or more seconds")

        def terminate(signum: int, _: object) -> None:
            # Once: a second SIGTERM (make passes one on, a group kill sends another) must
            # not cut short the stop of the platforms the first one began.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            sys.exit(128 + signum)

        # `kill` (SIGTERM) stops the platforms as Ctrl-C does, not leaving them running.
        signal.signal(signal.SIGTERM, terminate)
        args.out.parent.mkdir(parents=True, exist_ok=True)

        def keep(runs: list[Run]) -> None:
            # Whole or not at all: a kill while writing must not empty the runs kept so far.
            partial = args.out.with_suffix(".json.partial")
            partial.write_text(json.dumps([asdict(r) for r in runs], indent=1))
            partial.replace(args.out)

        runs = runner.interleaved(
            args.configs, sizes, args.scale_configs, on_run=keep, idle_window_s=args.idle_window,
            warmup=args.warmup,
        )  # fmt: skip
        keep(runs)
    text = report.markdown(runs) + "\nAWS calls per task:\n\n" + report.aws_lines(runs)
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
