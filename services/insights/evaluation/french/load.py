"""The French evaluation set (README.md beside this file): loader and check.

    from load import examples, test_items, oos_items
    examples()          # {intent: [10 French theme examples]}, intents sorted
    english_examples()  # {intent: [the 10 English CLINC150 originals of those examples]}
    test_items()        # [(French text, intent)], 20 per intent
    oos_items()         # [French out-of-scope text], CLINC150 oos_test translations then product feedback

Check (stdlib only; compares with CLINC150 too when its data_full.json is found, at
$CLINC150 or ../shared/eval-data/clinc150 next to the repository, as eval_clinc.py does):

    python load.py
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLINC_FR = HERE / "clinc_fr.jsonl"
OOS_FR = HERE / "oos_fr.jsonl"
CLINC150 = Path(
    os.environ.get("CLINC150") or HERE.parents[3].parent / "shared/eval-data/clinc150/data_full.json"
)
EXAMPLES_PER_INTENT = 10
TESTS_PER_INTENT = 20
CLINC_OOS_ITEMS = 40  # the first 40 of CLINC150's oos_test, in file order


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rows() -> list[dict]:
    """Every in-scope row: {"text", "intent", "split": "example"|"test", "en"}."""
    return _read(CLINC_FR)


def intents() -> list[str]:
    return sorted({r["intent"] for r in rows()})


def examples() -> dict[str, list[str]]:
    """French theme examples by intent (10 each), intents sorted."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows():
        if r["split"] == "example":
            out[r["intent"]].append(r["text"])
    return {k: out[k] for k in sorted(out)}


def english_examples() -> dict[str, list[str]]:
    """The English originals of the French examples: the CLINC150 examples eval_clinc.py uses (seed 0)."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in rows():
        if r["split"] == "example":
            out[r["intent"]].append(r["en"])
    return {k: out[k] for k in sorted(out)}


def test_items() -> list[tuple[str, str]]:
    """French in-scope queries as (text, intent)."""
    return [(r["text"], r["intent"]) for r in rows() if r["split"] == "test"]


def oos_rows() -> list[dict]:
    """Out-of-scope rows: {"text", "en", "source": "clinc150_oos_test"|"product_feedback"}."""
    return _read(OOS_FR)


def oos_items() -> list[str]:
    return [r["text"] for r in oos_rows()]


def _norm(text: str) -> str:
    """Lower case, accents and punctuation dropped: catches duplicates differing only by those."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", text))


def clinc_sample(train: list[list[str]], per_intent: int = EXAMPLES_PER_INTENT, seed: int = 0):
    """eval_clinc.sample_indices, as texts: random.Random(seed).sample over each intent's train
    indices, intents in sorted order (the RNG is shared, so all 150 intents are drawn in turn)."""
    by: dict[str, list[int]] = defaultdict(list)
    for i, (_, intent) in enumerate(train):
        by[intent].append(i)
    rng = random.Random(seed)
    return {t: [train[i][0] for i in rng.sample(by[t], per_intent)] for t in sorted(by)}


def check(clinc_path: Path | None = CLINC150) -> list[str]:
    """Problems found (empty when the set is sound); prints the counts."""
    problems: list[str] = []
    rs, oos = rows(), oos_rows()
    for r in rs:
        if set(r) != {"text", "intent", "split", "en"} or r["split"] not in ("example", "test"):
            problems.append(f"malformed row: {r}")
    per = Counter((r["intent"], r["split"]) for r in rs)
    names = intents()
    print(f"{'intent':<24} {'examples':>8} {'tests':>6}")
    for t in names:
        ne, nt = per[(t, "example")], per[(t, "test")]
        print(f"{t:<24} {ne:>8} {nt:>6}")
        if ne != EXAMPLES_PER_INTENT:
            problems.append(f"{t}: {ne} examples, not {EXAMPLES_PER_INTENT}")
        if nt != TESTS_PER_INTENT:
            problems.append(f"{t}: {nt} tests, not {TESTS_PER_INTENT}")
    sources = Counter(r.get("source") for r in oos)
    print(
        f"{len(names)} intents, {sum(v for (_, s), v in per.items() if s == 'example')} examples, "
        f"{sum(v for (_, s), v in per.items() if s == 'test')} tests; {len(oos)} out-of-scope "
        f"({', '.join(f'{n} {s}' for s, n in sorted(sources.items()))})"
    )
    if len(names) < 15:
        problems.append(f"only {len(names)} intents (at least 15)")
    if len(oos) < 60:
        problems.append(f"only {len(oos)} out-of-scope items (at least 60)")
    for r in oos:
        if not {"text", "en"} <= set(r):
            problems.append(f"malformed out-of-scope row: {r}")
    # No duplicates, exact or differing only by case, accents or punctuation, within or across files.
    seen: dict[str, str] = {}
    for where, text in [(f"{r['intent']}/{r['split']}", r["text"]) for r in rs] + [
        ("oos", r["text"]) for r in oos
    ]:
        key = _norm(text)
        if key in seen:
            problems.append(f"duplicate: {text!r} ({where}) and {seen[key]!r}")
        seen.setdefault(key, f"{text} ({where})")
    if clinc_path is not None and clinc_path.exists():
        d = json.loads(clinc_path.read_text())
        sample = clinc_sample(d["train"])
        for t, en in english_examples().items():
            if en != sample[t]:
                problems.append(f"{t}: English examples differ from eval_clinc.py's seed-0 sample")
        tests: dict[str, list[str]] = defaultdict(list)
        for r in rs:
            if r["split"] == "test":
                tests[r["intent"]].append(r["en"])
        for t, en in tests.items():
            if en != [q for q, i in d["test"] if i == t][:TESTS_PER_INTENT]:
                problems.append(f"{t}: English tests are not its first {TESTS_PER_INTENT} test items")
        clinc_oos = [r["en"] for r in oos if r.get("source") == "clinc150_oos_test"]
        if clinc_oos != [q for q, _ in d["oos_test"][:CLINC_OOS_ITEMS]]:
            problems.append(f"out-of-scope: not the first {CLINC_OOS_ITEMS} oos_test items in order")
        domains_path = clinc_path.parent / "domains.json"
        if domains_path.exists():
            domain_of = {i: dom for dom, its in json.loads(domains_path.read_text()).items() for i in its}
            doms = Counter(domain_of[t] for t in names)
            print(f"{len(doms)} domains: " + ", ".join(f"{k} {v}" for k, v in sorted(doms.items())))
            if len(doms) < 6:
                problems.append(f"only {len(doms)} CLINC150 domains (at least 6)")
        print(f"English originals checked against {clinc_path}")
    else:
        print(f"CLINC150 not found at {clinc_path}: English originals not checked")
    return problems


def main() -> int:
    problems = check()
    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
