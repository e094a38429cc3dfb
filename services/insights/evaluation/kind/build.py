"""Builds the labelled "kind" set (bug / feature_request / question / praise / complaint) from
public sources fetched as git mirrors, deterministically.

    python build.py [--mirrors /work/.mirror] [--out kind.jsonl]

Each output line: {"text", "kind", "source", "label" (the source's own label), "split" ("dev"|"test")}.
The split is decided by a hash of (source, text): sha1 % 2 == 0 -> test. Tune on dev only.
Items whose label does not map to one of our five kinds are left out (counted in the summary).
The data itself is not committed (see README.md): run this script to rebuild it.
"""

import argparse
import hashlib
import json
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (mirror folder, git dir inside it, pinned commit, path in the repository)
TIZARD = (
    "RESubmission17+RE_Submission_17",
    "repo",
    "f75ffe7b0743aa22f7e48ccc656886deef7f7ee3",
    "VLC_labelled_sentences_4RE.sqlite",
)
KOTZIAS = (
    "yedhukrishnan+recurrent-neural-networks-projects",
    "repo/.git",
    "a2d32f9060ef1af62b34dd1bfcf05d71403aa490",
    "sentiment-analyzer/amazon_cells_labelled.txt",
)

# Tizard et al. 2019 labels (lower-cased, stripped) -> our kind. Everything else is left out:
# application guidance, information giving, usage, user setup, attempted solution, requesting more
# information, problem resolution, agreeing with ..., bug / limitation confirmation (replies by
# other users), the "-uncertain" / "-background" variants, non-informative, help seeker (mostly thanks).
TIZARD_MAP = {
    "apparent bug": "bug",
    "feature request": "feature_request",
    "question on application": "question",
    "help seeking": "question",
    "information seeking": "question",
    "praise application": "praise",
    "dispraise application": "complaint",
    "dispraise for application": "complaint",
    "negative sentiment-application": "complaint",
    "unsatisfactory behaviour": "complaint",
}
# Kotzias et al. 2015, Amazon cell-phone review sentences: 1 positive, 0 negative.
KOTZIAS_MAP = {"1": "praise", "0": "complaint"}


def git_show(mirrors: Path, spec: tuple[str, str, str, str]) -> bytes:
    folder, git_dir, commit, path = spec
    return subprocess.run(
        ["git", "--git-dir", str(mirrors / folder / git_dir), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def tizard(mirrors: Path) -> tuple[list[tuple[str, str, str]], Counter]:
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as tmp:
        tmp.write(git_show(mirrors, TIZARD))
        tmp.flush()
        db = sqlite3.connect(tmp.name)
        rows = list(db.execute("SELECT id, sentence, label FROM labelled_sentences ORDER BY id"))
        db.close()
    out, dropped = [], Counter()
    for _id, sentence, label in rows:
        key = (label or "").strip().lower()
        kind = TIZARD_MAP.get(key)
        if kind is None:
            dropped[key] += 1
            continue
        out.append((clean(sentence or ""), kind, key))
    return out, dropped


def kotzias(mirrors: Path) -> tuple[list[tuple[str, str, str]], Counter]:
    out, dropped = [], Counter()
    for line in git_show(mirrors, KOTZIAS).decode("utf-8").splitlines():
        text, _, score = line.rpartition("\t")
        kind = KOTZIAS_MAP.get(score.strip())
        if kind is None:
            dropped[score.strip()] += 1
            continue
        out.append((clean(text), kind, "positive" if score.strip() == "1" else "negative"))
    return out, dropped


def split_of(source: str, text: str) -> str:
    return "test" if int(hashlib.sha1(f"{source}\n{text}".encode()).hexdigest(), 16) % 2 == 0 else "dev"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=HERE / "kind.jsonl")
    args = parser.parse_args()

    records, summary = [], {}
    for source, loader in (("tizard2019-forum", tizard), ("kotzias2015-amazon", kotzias)):
        items, dropped = loader(args.mirrors)
        seen: dict[str, str] = {}
        conflicts, duplicates, empty = set(), 0, 0
        for text, kind, _label in items:
            if len(text) < 3:
                empty += 1
            elif text.lower() in seen:
                duplicates += 1
                if seen[text.lower()] != kind:
                    conflicts.add(text.lower())
            else:
                seen[text.lower()] = kind
        kept = 0
        for text, kind, label in items:
            low = text.lower()
            if len(text) < 3 or low in conflicts or seen.get(low) is None:
                continue
            seen[low] = None  # first occurrence only
            records.append(
                {
                    "text": text,
                    "kind": kind,
                    "source": source,
                    "label": label,
                    "split": split_of(source, text),
                }
            )
            kept += 1
        summary[source] = {
            "kept": kept,
            "left_out_unmapped": sum(dropped.values()),
            "left_out_duplicates": duplicates,
            "left_out_conflicting_texts": len(conflicts),
            "left_out_too_short": empty,
            "unmapped_labels": dict(dropped.most_common()),
        }
    with args.out.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts = Counter((r["source"], r["split"], r["kind"]) for r in records)
    print(json.dumps(summary, indent=1))
    for source in summary:
        for split in ("dev", "test"):
            row = {
                k: counts[(source, split, k)]
                for k in ("bug", "feature_request", "question", "praise", "complaint")
            }
            print(source, split, row, sum(row.values()))
    print("total", len(records), "->", args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
