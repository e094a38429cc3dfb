"""terrain-feedback-import: bulk import of CSV or JSONL exports through the intake pipeline.

    terrain-feedback-import export.csv --mapping zendesk.yaml --nats nats://127.0.0.1:4222
    terrain-feedback-import notes.jsonl --map text=body --map external_id=id --set source=gong ...

Each valid row is published as ``feedback.submitted`` (``Nats-Msg-Id`` = an id derived
from the row's content), so imported feedback takes the same path as every other
submission: normalisation, edits, near-duplicates, enrichment, ``feedback.ingested``.
Re-running an import publishes the same ids: JetStream stores them once within its
duplicate window and the service's (source, external id) identity makes any later
replay a no-op. Rows failing the contract are reported with their line number and
reason and never published. A checkpoint (the last line whose publication JetStream
acknowledged) lets an interrupted import resume; ``--restart`` ignores it.
"""

import argparse
import asyncio
import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import nats
import nats.errors
import yaml
from nats.js import JetStreamContext
from terrain_contracts.events.feedback import FeedbackSubmitted
from terrain_contracts.headers import MSG_ID
from tqdm import tqdm

from ..domain.mapping import IMPORT_PRODUCER, Mapping, MappingError, to_event

WINDOW = 256  # publications in flight, acknowledged together before the checkpoint moves


@dataclass
class Summary:
    rows: int = 0
    published: int = 0
    rejected: int = 0
    skipped: int = 0  # before the checkpoint of an earlier run
    rejections: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    path: Path
    mapping: Mapping
    nats_url: str = "nats://127.0.0.1:4222"
    file_format: str | None = None
    checkpoint: Path | None = None
    restart: bool = False
    report: Path | None = None
    default_tz: tzinfo | None = None
    encoding: str = "utf-8-sig"
    progress: bool = True


def rows(handle: TextIO, file_format: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot be read at all comes as the reason instead."""
    if file_format == "jsonl":
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield number, f"(line): not valid JSON: {exc}"
                continue
            yield number, value if isinstance(value, dict) else "(line): a JSON object is expected"
        return
    reader = csv.DictReader(handle)
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"(line): not valid CSV: {exc}"
            continue
        if None in record:
            yield start, f"(line): {len(record[None])} more values than the header has columns"
            continue
        yield start, record


def fingerprint(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(1 << 20)).hexdigest()


def load_checkpoint(options: Options) -> int:
    if options.restart or options.checkpoint is None or not options.checkpoint.exists():
        return 0
    saved = json.loads(options.checkpoint.read_text())
    if saved.get("fingerprint") != fingerprint(options.path):
        raise SystemExit(f"{options.checkpoint} belongs to another file; use --restart to start over")
    return int(saved.get("line", 0))


def save_checkpoint(options: Options, line: int, summary: Summary, done: bool = False) -> None:
    if options.checkpoint is None:
        return
    state = {
        "file": str(options.path),
        "fingerprint": fingerprint(options.path),
        "line": line,
        "done": done,
        **{k: v for k, v in asdict(summary).items() if k != "rejections"},
    }
    partial = options.checkpoint.with_suffix(".partial")
    partial.write_text(json.dumps(state))
    partial.replace(options.checkpoint)  # atomic: an interruption leaves the old or the new one


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class Importer:
    """One run of an import: the publications in flight, the rejections, the checkpoint."""

    def __init__(
        self, options: Options, js: JetStreamContext, out: TextIO, report: TextIO | None, resume_after: int
    ) -> None:
        self.options, self.js, self.out, self.report = options, js, out, report
        self.summary = Summary()
        self.pending: list[tuple[int, FeedbackSubmitted]] = []
        self.last_line = resume_after

    async def take(self, line: int, row: dict[str, Any] | str) -> None:
        self.summary.rows += 1
        if isinstance(row, str):
            self.reject(line, [row])
            return
        event = to_event(row, self.options.mapping, IMPORT_PRODUCER, self.options.default_tz)
        if isinstance(event, list):
            self.reject(line, [f"{e.field}: {e.message}" for e in event])
            return
        self.pending.append((line, event))
        if len(self.pending) >= WINDOW:
            await self.flush()

    async def flush(self) -> None:
        """Publish what is in flight; the checkpoint moves once JetStream acknowledged all of it."""
        if not self.pending:
            return
        await asyncio.gather(
            *(
                self.js.publish(
                    event.subject, event.to_json(), stream=event.stream, headers={MSG_ID: str(event.id)}
                )
                for _, event in self.pending
            )
        )
        self.summary.published += len(self.pending)
        self.last_line = self.pending[-1][0]
        self.pending.clear()
        save_checkpoint(self.options, self.last_line, self.summary)

    def reject(self, line: int, errors: list[str]) -> None:
        entry = {"line": line, "errors": errors}
        self.summary.rejected += 1
        self.summary.rejections.append(entry)
        tqdm.write(f"line {line}: rejected: {'; '.join(errors)}", file=self.out)
        if self.report:
            self.report.write(json.dumps(entry) + "\n")


async def import_file(options: Options, out: TextIO = sys.stderr) -> Summary:
    file_format = options.file_format or ("jsonl" if options.path.suffix in (".jsonl", ".ndjson") else "csv")
    resume_after = load_checkpoint(options)
    connection = await nats.connect(options.nats_url, connect_timeout=5, max_reconnect_attempts=3)
    report = options.report.open("a") if options.report else None
    run = Importer(options, connection.jetstream(), out, report, resume_after)
    bar = tqdm(
        total=_count_lines(options.path),
        unit="line",
        file=out,
        disable=not options.progress,
        desc=options.path.name,
    )
    try:
        with options.path.open(encoding=options.encoding, newline="") as handle:
            for line, row in rows(handle, file_format):
                bar.update(line - bar.n) if line > bar.n else None
                if line <= resume_after:
                    run.summary.skipped += 1
                    continue
                await run.take(line, row)
            await run.flush()
            save_checkpoint(options, run.last_line, run.summary, done=True)
    finally:
        bar.close()
        if report:
            report.close()
        await connection.close()
    summary = run.summary
    print(
        f"{options.path.name}: {summary.published} published, {summary.rejected} rejected, "
        f"{summary.skipped} skipped (imported by an earlier run)",
        file=out,
    )
    return summary


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="terrain-feedback-import",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=("csv", "jsonl"), help="default: from the file extension")
    parser.add_argument("--mapping", type=Path, help="YAML file with 'columns' and 'constants'")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--checkpoint", type=Path, help="default: <file>.checkpoint.json")
    parser.add_argument("--restart", action="store_true", help="ignore the checkpoint and import every row")
    parser.add_argument("--report", type=Path, help="append rejected rows as JSON lines here")
    parser.add_argument("--default-timezone", help="for times without an offset, e.g. UTC or Europe/Paris")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        document = yaml.safe_load(args.mapping.read_text()) if args.mapping else None
        mapping = Mapping.of(document, args.map, args.set)
    except (MappingError, OSError, yaml.YAMLError) as exc:
        parser.error(str(exc))
    if not args.file.exists():
        parser.error(f"{args.file} does not exist")
    return Options(
        path=args.file,
        mapping=mapping,
        nats_url=args.nats,
        file_format=args.format,
        checkpoint=args.checkpoint or args.file.with_name(args.file.name + ".checkpoint.json"),
        restart=args.restart,
        report=args.report,
        default_tz=ZoneInfo(args.default_timezone) if args.default_timezone else None,
        encoding=args.encoding,
        progress=not args.no_progress,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        summary = asyncio.run(import_file(options))
    except (OSError, nats.errors.Error) as exc:  # NATS unreachable, a publication refused
        # The checkpoint holds what JetStream acknowledged: running again resumes from there.
        print(f"terrain-feedback-import: {exc!r}; run again to resume", file=sys.stderr)
        return 2
    return 1 if summary.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
