"""./terrain <command>: the developer's entry point (the shell script creates .venv and installs first)."""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .stack import Printer, PortBusy, Stack, StackConfig

REPO = Path(__file__).resolve().parents[2]


def up(args: argparse.Namespace) -> int:
    printer = Printer()
    config = StackConfig(root=Path(args.data_dir).resolve(), nats_port=args.nats_port, nats_monitor_port=args.nats_monitor_port,
                         mongo_port=args.mongo_port, http_port_base=args.http_port_base)
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
        while not stop.wait(0.5):
            if crashed := stack.crashed():
                for name, code in crashed:
                    printer.line("stack", f"{name} exited unexpectedly (code {code}); stopping everything")
                return 1
        printer.line("stack", "stopping (Ctrl-C again is not needed; services finish in-flight work)")
        return 0
    finally:
        stack.stop()
        printer.line("stack", "stopped")


def _announce(stack: Stack, printer: Printer) -> None:
    printer.line("stack", "all four services are ready:")
    for name, process in stack.services.items():
        printer.line("stack", f"  {name:<12} {process.base_url}/docs")
    printer.line("stack", f"  nats         {stack.nats.url}   (monitoring http://127.0.0.1:{stack.nats.monitor_port})")
    printer.line("stack", f"  mongo        {stack.mongo.uri}")
    printer.line("stack", f"admin API key: {stack.admin_key}   (kept in {stack.config.root / 'admin-key'})")
    printer.line("stack", "press Ctrl-C to stop")


def test(rest: list[str]) -> int:
    os.chdir(REPO)
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *rest])
    return 0  # not reached


def deadletters(rest: list[str]) -> int:
    from terrain_kit.deadletters import main

    return main(rest)


def contracts(rest: list[str]) -> int:
    from terrain_contracts.schema import main

    return main(rest)


def deploy(rest: list[str]) -> int:
    from .deploy.files import main

    return main(rest)


# Commands that hand their arguments to another tool untouched.
PASS_THROUGH = {
    "test": (test, "run the test suite (what CI runs); arguments go to pytest"),
    "dlq": (deadletters, "dead letters: list [--consumer X] | replay SEQ... | replay --all [--nats URL]"),
    "contracts": (contracts, "JSON Schemas: check | write"),
    "deploy": (deploy, "files generated from the services (NATS users, Kubernetes, AsyncAPI docs): check | write"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASS_THROUGH:
        return PASS_THROUGH[argv[0]][0](argv[1:])
    parser = argparse.ArgumentParser(prog="./terrain", description="Terrain developer commands.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("up", help="run nats, the Mongo-wire server and the four services locally")
    run.add_argument("--nats-port", type=int, default=4222)
    run.add_argument("--nats-monitor-port", type=int, default=8222)
    run.add_argument("--mongo-port", type=int, default=27017)
    run.add_argument("--http-port-base", type=int, default=8100, help="services listen on base+1 .. base+4")
    run.add_argument("--fresh", action="store_true", help="start from empty data folders")
    run.add_argument("--data-dir", default=str(REPO / ".terrain"), help="where servers keep data and logs")
    run.set_defaults(handler=up)

    for name, (_, help_text) in PASS_THROUGH.items():
        sub.add_parser(name, help=help_text, add_help=False)

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
