"""Offline commands, on exactly the code path the service uses.

    terrain-classify --taxonomy TAXONOMY.yaml --input ITEMS.jsonl --output OUT.jsonl
    terrain-cluster --input ITEMS.jsonl --output OUT.jsonl

``classify`` and ``cluster`` are deprecated aliases of these (removed in the next release).

Input lines are ``{"id": ..., "text": ...}`` (other keys are ignored). A line
that is not such an object is reported on stderr with its number and skipped.
"""

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..domain.classify import Classification, Classifier
from ..domain.classify.cluster import MAX_ITEMS, cluster_texts
from ..domain.taxonomy import TaxonomyFileError, from_yaml

BATCH = 256


def read_items(path: Path, needs_id: bool = True) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{path}:{number}: not JSON ({exc.msg}); skipped", file=sys.stderr)
                continue
            if (
                not isinstance(item, dict)
                or ("id" not in item and needs_id)
                or not isinstance(item.get("text"), str)
            ):
                print(f'{path}:{number}: needs an "id" and a string "text"; skipped', file=sys.stderr)
                continue
            yield item


def _batches(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def classify_command(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="terrain-classify", description="Classify feedback items with a taxonomy."
    )
    parser.add_argument("--taxonomy", type=Path, required=True, help="taxonomy YAML (as exported by the API)")
    parser.add_argument("--input", type=Path, required=True, help='JSON lines {"id": ..., "text": ...}')
    parser.add_argument("--output", type=Path, required=True, help="JSON lines, one per classified item")
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="similarity under which an item is unassigned (default: the taxonomy's own, "
        "else calibrated on its examples)",
    )
    parser.add_argument(
        "--corrections",
        type=Path,
        help='JSON lines {"text": ..., "theme": ...}: items filed by hand, learnt as examples',
    )
    args = parser.parse_args(argv)
    try:
        taxonomy = from_yaml(args.taxonomy.read_text(encoding="utf-8"))
    except (OSError, TaxonomyFileError, ValidationError) as exc:
        print(f"classify: cannot use {args.taxonomy}: {exc}", file=sys.stderr)
        return 2
    if not args.input.is_file():
        print(f"classify: no input file {args.input}", file=sys.stderr)
        return 2
    classifier = Classifier(taxonomy, threshold=args.threshold, learned=corrections(args.corrections))
    written = 0
    with args.output.open("w", encoding="utf-8") as out:
        for batch in _batches(read_items(args.input), BATCH):
            for item, result in zip(batch, classifier.classify_many([i["text"] for i in batch]), strict=True):
                out.write(json.dumps(classified_line(item["id"], result), ensure_ascii=False) + "\n")
                written += 1
    print(f"classify: {written} items written to {args.output}", file=sys.stderr)
    return 0


def corrections(path: Path | None) -> dict[str, list[str]]:
    """``{"text", "theme"}`` lines as the examples learnt by theme, like the service's corrections."""
    learned: dict[str, list[str]] = {}
    for item in read_items(path, needs_id=False) if path else ():
        if isinstance(item.get("theme"), str):
            learned.setdefault(item["theme"], []).append(item["text"])
    return learned


def classified_line(item_id: Any, result: Classification) -> dict[str, Any]:
    best = result.theme
    return {
        "id": item_id,
        "theme": best.theme if best else None,
        "confidence": best.confidence if best else round(result.best_score, 4),
        "kind": result.category.value,
        "sentiment": result.sentiment.value,
        "product_area": best.product_area if best else None,
        "sentiment_score": result.sentiment_score,
        "language": result.language,
    }


def cluster_command(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="terrain-cluster",
        description="Group items into emerging-theme candidates; "
        "the number of clusters is chosen from the data.",
    )
    parser.add_argument("--input", type=Path, required=True, help='JSON lines {"id": ..., "text": ...}')
    parser.add_argument(
        "--output",
        type=Path,
        required=True,
        help='JSON lines {"id": ..., "cluster": <number or null for noise>, "label": [...]}',
    )
    args = parser.parse_args(argv)
    if not args.input.is_file():
        print(f"cluster: no input file {args.input}", file=sys.stderr)
        return 2
    items = list(read_items(args.input))
    if len(items) > MAX_ITEMS:
        print(f"cluster: {len(items)} items; only the first {MAX_ITEMS} are clustered", file=sys.stderr)
    clusters = cluster_texts([item["text"] for item in items])
    assigned = {index: c for c in clusters for index in c.members}
    with args.output.open("w", encoding="utf-8") as out:
        for index, item in enumerate(items):
            found = assigned.get(index)
            out.write(
                json.dumps(
                    {
                        "id": item["id"],
                        "cluster": found.number if found else None,
                        "label": found.label_terms if found else [],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    for c in clusters:
        print(f"cluster {c.number}: {len(c.members)} items, {' / '.join(c.label_terms)}", file=sys.stderr)
    return 0


def classify_main() -> None:
    sys.exit(classify_command())


def cluster_main() -> None:
    sys.exit(cluster_command())


def classify_deprecated() -> None:
    """``classify``: the former name of ``terrain-classify``, kept for one release."""
    print("classify: deprecated, use terrain-classify (same arguments)", file=sys.stderr)
    classify_main()


def cluster_deprecated() -> None:
    """``cluster``: the former name of ``terrain-cluster``, kept for one release."""
    print("cluster: deprecated, use terrain-cluster (same arguments)", file=sys.stderr)
    cluster_main()
