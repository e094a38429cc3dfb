"""``terrain-insights replay``: start a replay through the API, draw its progress, print the diff report.

terrain-insights replay --url http://127.0.0.1:8103 --key trn_... [--version 4]
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request


def _call(url: str, key: str, method: str = "GET", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        url,
        method=method,
        headers={"X-API-Key": key, "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def bar(done: int, total: int, width: int = 40) -> str:
    share = 1.0 if total == 0 else min(1.0, done / total)
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {share:6.1%}"


def report(job: dict) -> str:
    lines = [
        f"replay {job['replay_id']} of taxonomy version {job['version']}: {job['status']}, "
        f"{job['done']} items, {job['moved']} moved",
        f"{'theme':<32}{'before':>8}{'after':>8}{'change':>8}",
    ]
    for row in sorted(job["demand"], key=lambda r: -(abs(r["after"] - r["before"]))):
        lines.append(
            f"{row['theme']:<32}{row['before']:>8}{row['after']:>8}{row['after'] - row['before']:>+8}"
        )
    if job["moved_examples"]:
        lines.append("items that moved (first ones):")
        lines += [
            f"  {m['feedback_id']}: {', '.join(m['from']) or 'unassigned'} -> "
            f"{', '.join(m['to']) or 'unassigned'}"
            for m in job["moved_examples"]
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="terrain-insights replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:8103")
    parser.add_argument("--key", required=True, help="an API key with the product_ops role")
    parser.add_argument("--version", type=int, default=None, help="taxonomy version (default: the latest)")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    try:
        job = _call(f"{base}/v1/replays", args.key, "POST", {"version": args.version})
        deadline = time.monotonic() + args.timeout
        while job["status"] in ("pending", "running") and time.monotonic() < deadline:
            print(f"\r{bar(job['done'], job['total'])}", end="", file=sys.stderr, flush=True)
            time.sleep(0.5)
            job = _call(f"{base}/v1/replays/{job['replay_id']}", args.key)
    except urllib.error.HTTPError as exc:
        print(f"replay: {exc.code} {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"replay: cannot reach {base}: {exc.reason}", file=sys.stderr)
        return 1
    print(f"\r{bar(job['done'], max(job['total'], job['done']))}", file=sys.stderr)
    print(report(job))
    return 0 if job["status"] == "done" else 1
