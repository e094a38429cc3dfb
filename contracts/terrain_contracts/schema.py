"""JSON Schemas of every event, committed under ``contracts/schemas/``.

``terrain-contracts check`` fails when the committed schemas are stale or when
a published version changed incompatibly, comparing against the committed
file and against the first committed revision of that file in git history
(so regenerating the file cannot launder a breaking change).
``terrain-contracts write`` regenerates them and refuses breaking changes.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .compat import breaking_changes
from .registry import EVENTS, type_name, version_of

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


def file_name(event: type) -> str:
    return f"{type_name(event)}.v{version_of(event)}.json"


def generate() -> dict[str, dict[str, Any]]:
    return {file_name(event): event.model_json_schema(mode="validation") for event in EVENTS}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _first_published(path: Path) -> dict[str, Any] | None:
    """The file as first committed, or None outside a git checkout."""
    try:
        rel = path.relative_to(_git_root(path))
        commits = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", str(rel)],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not commits:
            return None
        text = subprocess.run(
            ["git", "show", f"{commits[-1]}:{rel}"],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError):
        return None
    return json.loads(text)


def _git_root(path: Path) -> Path:
    out = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=path.parent, capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(out)


def problems(directory: Path | None = None, use_history: bool = True) -> tuple[list[str], list[str]]:
    """(stale files, breaking changes) of the current models against ``directory``."""
    directory = directory or SCHEMA_DIR
    stale, breaking = [], []
    for name, schema in generate().items():
        path = directory / name
        if not path.exists():
            stale.append(f"{name}: not generated yet")
            continue
        committed = json.loads(path.read_text())
        if render(committed) != render(schema):
            stale.append(f"{name}: differs from the models")
        baselines = [("committed", committed)]
        first = _first_published(path) if use_history else None
        if first is not None and first != committed:
            baselines.append(("first published", first))
        for label, baseline in baselines:
            breaking += [f"{name} ({label}): {p}" for p in breaking_changes(baseline, schema)]
    return stale, breaking


def write(directory: Path | None = None, allow_breaking: bool = False) -> list[str]:
    directory = directory or SCHEMA_DIR
    _, breaking = problems(directory)
    if breaking and not allow_breaking:
        return breaking
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in generate().items():
        (directory / name).write_text(render(schema))
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="terrain-contracts", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="fail on stale schemas or breaking changes")
    write_cmd = sub.add_parser("write", help="regenerate the committed schemas")
    write_cmd.add_argument(
        "--allow-breaking", action="store_true", help="only for a version nobody consumes yet"
    )
    args = parser.parse_args(argv)
    if args.command == "write":
        breaking = write(allow_breaking=args.allow_breaking)
        for line in breaking:
            print(f"breaking: {line}", file=sys.stderr)
        if breaking:
            print("refused: publish a new version (v2) beside v1 instead", file=sys.stderr)
        return 1 if breaking else 0
    stale, breaking = problems()
    for line in stale:
        print(f"stale: {line}", file=sys.stderr)
    for line in breaking:
        print(f"breaking: {line}", file=sys.stderr)
    return 1 if stale or breaking else 0


if __name__ == "__main__":
    sys.exit(main())
