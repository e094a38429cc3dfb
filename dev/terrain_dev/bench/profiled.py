"""Runs a service module under pyinstrument, for ``e2e_latency --profile``: the report is written on exit.

    TERRAIN_PROFILE_MODULE=terrain_notifier TERRAIN_PROFILE_OUTPUT=/tmp/p.txt \\
        python -m terrain_dev.bench.profiled

pyinstrument is not a project dependency: ``.venv/bin/pip install pyinstrument``.
"""

import os
import runpy
import signal
import sys
from pathlib import Path

from pyinstrument import Profiler


def main() -> None:
    profiler = Profiler(interval=0.001, async_mode="disabled")  # every sample, whichever task it belongs to
    # uvicorn handles SIGTERM, shuts down, then raises the signal again for the handler it found at start:
    # make that one an orderly exit, so the report below is written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler.start()
    try:
        runpy.run_module(os.environ["TERRAIN_PROFILE_MODULE"], run_name="__main__", alter_sys=True)
    finally:
        profiler.stop()
        Path(os.environ["TERRAIN_PROFILE_OUTPUT"]).write_text(
            profiler.output_text(unicode=True, show_all=False, color=False, short_mode=False)
        )


if __name__ == "__main__":
    main()
