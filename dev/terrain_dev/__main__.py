"""./terrain <command>: the developer's entry point (the shell script creates .venv and installs first)."""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from terrain_contracts import Role

from . import demo
from .servers import free_port
from .stack import PortBusy, Printer, Stack, StackConfig
from .waiting import until

REPO = Path(__file__).resolve().parents[2]


def up(args: argparse.Namespace) -> int:
    printer = Printer()
    ports = demo.Ports(smtp=free_port(), http=free_port(), jira=free_port())
    config = StackConfig(
        root=Path(args.data_dir).resolve(),
        nats_port=args.nats_port,
        nats_monitor_port=args.nats_monitor_port,
        mongo_port=args.mongo_port,
        http_port_base=args.http_port_base,
        console=True,
        extra_env={} if args.no_demo else demo.environment(ports),
    )
    stack = Stack(config, printer)
    try:
        stack.check_ports()
    except PortBusy as exc:
        print(f"terrain: {exc}", file=sys.stderr)
        return 2
    if args.fresh:
        stack.reset()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stack.start()
        _announce(stack, printer)
        return asyncio.run(_run_until_stopped(stack, printer, stop, None if args.no_demo else ports))
    finally:
        stack.stop()
        printer.line("stack", "stopped")


async def _run_until_stopped(
    stack: Stack, printer: Printer, stop: threading.Event, ports: "demo.Ports | None"
) -> int:
    """Play the demo (unless disabled), then keep the stack up until Ctrl-C or a service crash."""
    receivers = _receivers(ports, printer) if ports else None
    if receivers is not None:
        await receivers.start()
    tasks: set[asyncio.Task[Any]] = {
        asyncio.create_task(asyncio.to_thread(stop.wait), name="stop"),
        asyncio.create_task(_watch_crashes(stack), name="crash"),
    }
    if receivers is not None:
        tasks.add(asyncio.create_task(_play(stack, printer, receivers), name="demo"))
    try:
        while True:
            done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                outcome = _ended(task, printer)
                if outcome is not None:
                    return outcome
    finally:
        for task in tasks:
            task.cancel()
        stop.set()  # ends the waiting thread
        if receivers is not None:
            await receivers.stop()


def _receivers(ports: "demo.Ports", printer: Printer) -> "demo.Receivers":
    """The demo's mail and webhook receivers, narrating every message they get."""
    return demo.Receivers(
        ports.smtp,
        ports.http,
        on_message=lambda m: printer.line("demo", f"[{m.channel} -> {m.to}] {(m.subject or m.body)[:110]}"),
        jira_port=ports.jira,
    )


async def _play(stack: Stack, printer: Printer, receivers: "demo.Receivers") -> None:
    urls = {name: process.base_url for name, process in stack.services.items()}
    bus = demo.Bus(stack.nats_url_as("tools"), stack.nats_url_as("ops"))
    await demo.run(urls, bus, stack.admin_key, receivers, lambda line: printer.line("demo", line))


def _ended(task: "asyncio.Task[Any]", printer: Printer) -> int | None:
    """The exit code when ``task`` ending stops the stack; None when the stack keeps running."""
    if task.get_name() == "crash":
        for name, code in task.result():
            printer.line("stack", f"{name} exited unexpectedly (code {code}); stopping everything")
        return 1
    if task.get_name() == "stop":
        printer.line("stack", "stopping: services finish in-flight work first")
        return 0
    if task.exception() is not None:
        printer.line("demo", f"the demo stopped: {task.exception()!r}")
    else:
        printer.line(
            "demo",
            "the demo is over; the stack keeps running for you to explore (API docs above). Ctrl-C stops it.",
        )
    return None


async def _watch_crashes(stack: Stack) -> list[tuple[str, int]]:
    return await until(stack.crashed, interval=0.5)


def _announce(stack: Stack, printer: Printer) -> None:
    if stack.console is not None:
        for line in stack.console_sign_ins():
            printer.line("stack", line)
    printer.line("stack", "all four services are ready:")
    for name, process in stack.services.items():
        printer.line("stack", f"  {name:<12} {process.base_url}/docs")
    nats = stack.nats_server
    printer.line(
        "stack",
        f"  nats         {nats.url}   (monitoring http://127.0.0.1:{nats.monitor_port}, loopback only)",
    )
    printer.line(
        "stack",
        f"               one user per service, tools and ops; passwords in "
        f"{stack.config.root / 'nats-passwords.json'}",
    )
    printer.line(
        "stack",
        f"  mongo        {stack.mongo_server.uri}   (authentication required: one user per "
        f"service and ops, passwords in {stack.config.root / 'mongo-passwords.json'})",
    )
    printer.line("stack", f"admin API key: {stack.admin_key}   (kept in {stack.config.root / 'admin-key'})")
    printer.line(
        "stack",
        "one identity for every service: ./terrain token --role pm --member <member id>  "
        "(Authorization: Bearer <token>)",
    )
    printer.line("stack", "press Ctrl-C to stop")


def test(rest: list[str]) -> int:
    os.chdir(REPO)
    if "--fast" in rest:  # the tier without servers: domain rules and handlers on the in-memory unit of work
        rest = ["-m", "unit and not thorough", *(arg for arg in rest if arg != "--fast")]
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *rest])
    return 0  # not reached


# What `./terrain lint` type-checks: every component's package (tests are held to ruff only).
TYPED = [
    "contracts/terrain_contracts",
    "kit/terrain_kit",
    "dev/terrain_dev",
    *(
        f"services/{name}/terrain_{name}"
        for name in ("feedback", "initiatives", "insights", "notifier", "console")
    ),
]


def lint(rest: list[str]) -> int:
    """The house style, checked: formatting, ruff's rules (pyproject.toml) and mypy, on the whole tree."""
    os.chdir(REPO)
    steps = [["ruff", "format", "--check", "."], ["ruff", "check", "."], ["mypy", *TYPED]]
    failed = [
        " ".join(step)
        for step in steps
        if subprocess.run([sys.executable, "-m", *step, *rest]).returncode != 0
    ]
    for step in failed:
        print(f"lint: {step} failed", file=sys.stderr)
    return 1 if failed else 0


def deadletters(rest: list[str]) -> int:
    from terrain_kit.deadletters import main

    passwords = REPO / ".terrain" / "nats-passwords.json"
    if "--user" not in rest and passwords.exists():  # the local stack's bus needs a user: ops may do this
        rest = ["--user", "ops", "--password", json.loads(passwords.read_text())["ops"], *rest]
    return main(rest)


def contracts(rest: list[str]) -> int:
    from terrain_contracts.schema import main

    return main(rest)


def deploy(rest: list[str]) -> int:
    from .deploy.files import main

    return main(rest)


# Commands that hand their arguments to another tool untouched.
PASS_THROUGH = {
    "test": (
        test,
        "run the test suite (what CI runs); --fast: the tier without servers; other arguments go to pytest",
    ),
    "lint": (
        lint,
        "ruff format --check, ruff check and mypy on every component (CI runs it before the tests)",
    ),
    "dlq": (deadletters, "dead letters: list [--consumer X] | replay SEQ... | replay --all [--nats URL]"),
    "contracts": (contracts, "JSON Schemas: check | write"),
    "deploy": (
        deploy,
        "files generated from the services (NATS users, Kubernetes, AsyncAPI docs): check | write",
    ),
}


def issue_token(args: argparse.Namespace) -> int:
    """Sign a token with the local stack's identity key (.terrain/identity-key.pem): use it as
    ``Authorization: Bearer <token>`` on any service, instead of one API key per service."""
    stack = Stack(StackConfig(root=Path(args.data_dir).resolve()), Printer())
    subject = args.member or f"{args.role}-token"
    print(
        stack.identity_issuer.issue(
            subject=subject,
            name=args.name or subject,
            role=Role(args.role),
            member_id=args.member,
            lifetime=timedelta(hours=args.hours),
        )
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./terrain", description="Terrain developer commands.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("up", help="run nats, the Mongo-wire server and the four services locally")
    run.add_argument("--nats-port", type=int, default=4222)
    run.add_argument("--nats-monitor-port", type=int, default=8222)
    run.add_argument("--mongo-port", type=int, default=27017)
    run.add_argument("--http-port-base", type=int, default=8100, help="services listen on base+1 .. base+4")
    run.add_argument("--fresh", action="store_true", help="start from empty data folders")
    run.add_argument("--data-dir", default=str(REPO / ".terrain"), help="where servers keep data and logs")
    run.add_argument(
        "--no-demo", action="store_true", help="start the stack without playing the demo quarter"
    )
    run.set_defaults(handler=up)

    token = sub.add_parser("token", help="print an identity token for a person, valid on every service")
    token.add_argument("--role", required=True, choices=[role.value for role in Role])
    token.add_argument("--member", help="the team member the token acts for (member id)")
    token.add_argument("--name", help="who, in histories (default: the member id or the role)")
    token.add_argument("--hours", type=float, default=12.0, help="lifetime (default 12)")
    token.add_argument("--data-dir", default=str(REPO / ".terrain"), help="where the stack keeps its keys")
    token.set_defaults(handler=issue_token)

    for name, (_, help_text) in PASS_THROUGH.items():
        sub.add_parser(name, help=help_text, add_help=False)

    sub.add_parser("help", help="list these commands")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:
        return PASS_THROUGH[argv[0]][0](argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "help":
        parser.print_help()
        return 0
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
