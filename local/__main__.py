"""`python -m local up|status|down`: the command line behind `make local`, `local-status`
and `local-down`. Ports and the state directory come from flags or the environment
(PORT, AIRFLOW_LOCAL_HOME, AIRFLOW_LOCAL_PORT_BASE)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from local import platform


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack's platform in the background")
    up.add_argument("--stack", default="prod")
    up.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8080))
    base = os.environ.get("AIRFLOW_LOCAL_PORT_BASE")
    up.add_argument("--port-base", type=int, default=int(base) if base else None)
    sub.add_parser("status", help="what runs and whether it is healthy")
    down = sub.add_parser("down", help="stop everything it started")
    down.add_argument("--keep", action="store_true", help="keep the database for next time")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            p = platform.start(args.stack, port=args.port, port_base=args.port_base)
            print(f"Airflow UI and REST API: {p.api_url}")
            print(f"Login: {p.user} / {p.password}")
            print(
                f"Token: curl -s -X POST {p.api_url}/auth/token -H 'Content-Type: "
                f'application/json\' -d \'{{"username": "{p.user}", "password": '
                f'"{p.password}"}}\''
            )
        elif args.command == "status":
            report = platform.status()
            print(json.dumps(report, indent=2))
            procs = report["processes"].values()
            return 0 if procs and all(p["alive"] for p in procs) else 1
        else:
            platform.stop(keep=args.keep)
            print("Stopped" + (" (database kept)" if args.keep else "; state removed"))
    except platform.PlatformError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
