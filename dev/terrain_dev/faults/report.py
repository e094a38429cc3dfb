"""The results table, printed and written into docs/faults.md between its markers."""

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from .counters import STAGES
from .runner import Outcome

START, END = "<!-- faults-table:start -->", "<!-- faults-table:end -->"


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def table(outcomes: list[Outcome], titles: dict[str, str]) -> str:
    lines = [
        "| scenario | events | lost | duplicated | recovery time | e2e p50 / p95 / max | redelivered "
        "| resent |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for o in outcomes:
        lines.append(
            f"| {titles.get(o.name, o.name)} (`{o.name}`) | {o.events} | {o.tally.lost_events} | "
            f"{o.tally.duplicated_events} | {seconds(o.recovery_seconds)} | "
            f"{seconds(o.latency['p50'])} / {seconds(o.latency['p95'])} / {seconds(o.latency['max'])} | "
            f"{int(o.figures.get('redeliveries', 0))} | {o.tally.resent} |"
        )
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> str:
    parts = []
    for o in outcomes:
        stages = ", ".join(f"{stage} {o.tally.effects[stage]}" for stage in STAGES)
        parts.append(
            f"**`{o.name}`** ({'pass' if o.ok else 'FAIL'}, {o.seconds:.0f} s): published "
            f"{o.tally.published}, acknowledged {o.tally.acknowledged}; {stages}."
        )
        for stage in STAGES:
            if o.tally.lost[stage]:
                parts.append(f"- lost at {stage}: {len(o.tally.lost[stage])} (e.g. {o.tally.lost[stage][0]})")
            if o.tally.duplicated[stage]:
                parts.append(
                    f"- doubled at {stage}: {len(o.tally.duplicated[stage])} "
                    f"(e.g. {o.tally.duplicated[stage][0]})"
                )
        parts.extend(f"- {note}" for note in o.notes)
        parts.extend(f"- {'ok' if c.ok else 'FAILED'}: {c.what}" for c in o.checks)
        parts.append("")
    return "\n".join(parts).rstrip()


def section(outcomes: list[Outcome], titles: dict[str, str], command: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            START,
            f"Measured {when} on {platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; load average at the end {load()}), with `{command}`.",
            "",
            table(outcomes, titles),
            "",
            details(outcomes),
            END,
        ]
    )


def load() -> str:
    """1, 5 and 15 minutes: what else ran on the machine weighs on every latency of the table."""
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def write(path: Path, text: str) -> None:
    """Replace what lies between the markers (or append the section)."""
    current = path.read_text() if path.exists() else ""
    if START in current and END in current:
        head, rest = current.split(START, 1)
        _, tail = rest.split(END, 1)
        path.write_text(head + text + tail)
    else:
        path.write_text(current.rstrip() + "\n\n" + text + "\n")
