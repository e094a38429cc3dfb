"""python -m terrain_dev.faults [--short] [--scenario NAME ...]: run the fault suite, print the table and
(for a full run of every scenario) rewrite it in docs/faults.md."""

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
import traceback
from pathlib import Path

from . import report
from .scenarios import SCENARIOS, run_scenario

REPO = Path(__file__).resolve().parents[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terrain_dev.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--short", action="store_true", help="fewer events per scenario (what CI runs)")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="only these (repeatable)"
    )
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "faults.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the data and logs folder")
    args = parser.parse_args(argv)
    names = args.scenario or list(SCENARIOS)
    # Killed with SIGTERM: unwind like Ctrl-C, so each scenario stops the processes it started (they run in
    # their own sessions and would outlive us).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    root = Path(tempfile.mkdtemp(prefix="terrain-faults-"))
    outcomes = []
    try:
        for name in names:
            print(f"== {name}", flush=True)
            try:
                outcome = asyncio.run(run_scenario(SCENARIOS[name], root / name, short=args.short))
            except Exception:  # a scenario that could not run is a failure; the others still run
                traceback.print_exc()
                continue
            outcomes.append(outcome)
            print(report.details([outcome]), flush=True)
    finally:
        failed = not outcomes or not all(o.ok for o in outcomes) or len(outcomes) < len(names)
        if args.keep or failed:
            print(f"data and logs kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    titles = {name: scenario.title for name, scenario in SCENARIOS.items()}
    command = (
        "python -m terrain_dev.faults"
        + (" --short" if args.short else "")
        + "".join(f" --scenario {n}" for n in args.scenario or [])
    )
    print(report.table(outcomes, titles))
    if not args.no_write and not args.short and args.scenario is None and len(outcomes) == len(names):
        report.write(args.doc, report.section(outcomes, titles, command))
        print(f"table written to {args.doc}")
    return 0 if len(outcomes) == len(names) and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
